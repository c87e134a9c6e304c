"""Writing a trained model's files for the zoo (weights, vocabularies)."""

import pathlib

from keras_s2s.zoo.weights import sha256_of

#: How shipped weights may be stored.
STORAGE_DTYPES = ("float32", "float16")


def _store_as(path, dtype):
    """Rewrites the float32 arrays of the Keras weights file `path` as
    `dtype`, keeping its groups, attributes and every other array. Keras
    loads such a file into float32 variables as it is (the values are cast
    on assignment), so only the file changes: half the bytes in float16,
    each weight rounded to 11 significant bits."""
    import h5py
    import numpy as np

    tmp = path.with_name(f".tmp-{path.name}")

    def copy(source, target):
        target.attrs.update(dict(source.attrs))
        for key, item in source.items():
            if isinstance(item, h5py.Group):
                copy(item, target.create_group(key))
                continue
            value = item[()]
            if getattr(value, "dtype", None) == np.float32:
                value = value.astype(dtype)
            target.create_dataset(key, data=value)
            target[key].attrs.update(dict(item.attrs))

    try:
        with h5py.File(path, "r") as source, h5py.File(tmp, "w") as target:
            copy(source, target)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def save_for_zoo(model, directory, name, url_base=None, dtype="float32"):
    """Writes a model's weights and vocabularies for shipping.

    `url_base`: where the files will be downloadable (each file's URL is
    `url_base + file name`), for installs without the checkout's
    `saved_models/` (e.g. `pip install git+...` in Colab).
    `dtype`: how the weights are stored, `"float32"` or `"float16"` (half
    the size; the model still loads and runs in float32, with its weights
    rounded to float16's precision: measure what that costs before
    shipping).

    Returns the `weights` and `vocab` entries (file names, sha256 and URLs)
    to put into a preset.
    """
    if dtype not in STORAGE_DTYPES:
        raise ValueError(f"save_for_zoo: `dtype` must be one of "
                         f"{', '.join(STORAGE_DTYPES)}, got {dtype!r}.")
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
    if dtype != "float32":
        _store_as(weights_file, dtype)

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
