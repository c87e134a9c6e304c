"""Writing a trained model's files for the zoo (weights, vocabularies)."""

import pathlib

from keras_s2s.zoo.weights import sha256_of


def save_for_zoo(model, directory, name, url_base=None):
    """Writes a model's weights and vocabularies for shipping.

    `url_base`: where the files will be downloadable (each file's URL is
    `url_base + file name`), for installs without the checkout's
    `saved_models/` (e.g. `pip install git+...` in Colab).

    Returns the `weights` and `vocab` entries (file names, sha256 and URLs)
    to put into a preset.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights_file = directory / f"{name}.weights.h5"
    if getattr(model, "optimizer", None) is not None:
        # A compiled model's weights file also holds the optimizer's state
        # (Adam: twice the weights again); ship the weights alone.
        clone = model.__class__.from_config(model.get_config())
        clone.build_from_config(model.get_build_config())
        clone.set_weights(model.get_weights())
        model = clone
    model.save_weights(str(weights_file))
    def url(file):
        return url_base + file if url_base else None

    entry = {"weights": {"file": weights_file.name,
                         "sha256": sha256_of(weights_file),
                         "url": url(weights_file.name)},
             "vocab": {}}
    for side in ("source", "target"):
        tok = getattr(model, f"{side}_tokenizer")
        if tok is None:
            continue
        path = directory / f"{name}.{side}.spm"
        path.write_bytes(tok.proto)
        entry["vocab"][side] = {"file": path.name,
                                "sha256": sha256_of(path),
                                "url": url(path.name)}
    return entry
