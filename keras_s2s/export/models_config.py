"""A `models.config` for serving several models from one TF Serving."""

import os


def write_models_config(models, path):
    """Writes TF Serving's `--model_config_file` for several models.

    The file is a `ModelServerConfig` protocol buffer in text format, made
    with tensorflow-serving-api's own message (so names and paths are
    escaped as TF Serving parses them).

    Args:
        models: dict `{name: base_path}`; each base path holds numbered
            version folders (as `export_saved_model` writes them). Relative
            paths are written as given, e.g. for a container's mount point.
        path: the file to write.
    Returns the text written.
    """
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    if not models:
        raise ValueError("write_models_config: no models given.")
    config = model_server_config_pb2.ModelServerConfig()
    for name, base_path in sorted(models.items()):
        if not name:
            raise ValueError("write_models_config: a model needs a name.")
        entry = config.model_config_list.config.add()
        entry.name = name
        entry.base_path = str(base_path)
        entry.model_platform = "tensorflow"
    text = text_format.MessageToString(config)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return text
