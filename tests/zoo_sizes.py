"""Tiny sizes of every zoo preset, for the tests parametrized over
`zoo.list()`."""

from keras_s2s import zoo

TINY = {"units": 16, "embedding_dim": 16, "num_layers": 1,
        "generator_vocab_size": 200}


def tiny_overrides(name):
    """Shrinks every size in a preset's config, whatever its layers."""
    config = zoo.describe(name)["config"]
    out = {}
    for section in ("encoder", "decoder", "attention"):
        if config[section] is None:  # a decoder without attention
            continue
        changes = {k: v for k, v in TINY.items() if k in config[section]}
        if "filters" in config[section]:
            value = config[section]["filters"]
            changes["filters"] = [4, 8] if isinstance(value, list) else 4
        if config[section].get("kernel_size", 0) > 3:
            changes["kernel_size"] = 3
        out[section] = changes
    attention = config["attention"] or {}
    if attention.get("score", attention.get("mode")) in ("dot",
                                                         "scaled_dot"):
        out["encoder"]["units"] = out["decoder"]["units"]
    out["generation"] = {"max_length": 12}
    if config["encoder"]["class_name"] == "ImageEncoder":
        out["image_size"] = 32
    return out
