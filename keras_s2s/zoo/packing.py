"""Writing a trained model's files for the zoo (weights, vocabularies)."""

import pathlib

from keras_s2s.zoo.weights import sha256_of

#: How shipped weights may be stored.
STORAGE_DTYPES = ("float32", "float16", "int8")
#: The root attribute of a weights file stored in int8.
INT8_STORAGE = "keras_s2s_int8_storage"
#: Suffix of the dataset that holds an int8 array's scales.
SCALE_SUFFIX = "__scale"


def quantize_int8(value):
    """int8 values and float32 scales [last axis] of a float array: one
    symmetric scale per slice of the last axis (per output unit of a
    kernel), value ~= q * scale."""
    import numpy as np

    axes = tuple(range(value.ndim - 1))
    peak = np.max(np.abs(value), axis=axes)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype("float32")
    q = np.clip(np.rint(value / scale), -127, 127).astype("int8")
    return q, scale


def _rewrite(source_path, target_path, convert):
    """Copies a Keras weights file group by group; `convert(key, item,
    value)` returns the `{name: array}` to write for each dataset."""
    import h5py

    def copy(source, target):
        target.attrs.update(dict(source.attrs))
        for key, item in source.items():
            if isinstance(item, h5py.Group):
                copy(item, target.create_group(key))
                continue
            for name, value in convert(key, source, item[()]).items():
                target.create_dataset(name, data=value)
                if name == key:
                    target[key].attrs.update(dict(item.attrs))

    with h5py.File(source_path, "r") as source, \
            h5py.File(target_path, "w") as target:
        copy(source, target)


def _store_as(path, dtype):
    """Rewrites the float32 arrays of the Keras weights file `path` as
    `dtype`, keeping its groups, attributes and every other array.

    float16: Keras loads such a file into float32 variables as it is (the
    values are cast on assignment); half the bytes, each weight rounded to
    11 significant bits. int8: every float array of rank 2 or more is
    stored as int8 with one float32 scale per slice of its last axis (a
    quarter of the bytes), the others in float16; `load_weights_file`
    turns it back into float32 before Keras reads it."""
    import numpy as np

    tmp = path.with_name(f".tmp-{path.name}")

    def convert(key, group, value):
        if getattr(value, "dtype", None) != np.float32:
            return {key: value}
        if dtype == "int8" and value.ndim >= 2:
            q, scale = quantize_int8(value)
            return {key: q, key + SCALE_SUFFIX: scale}
        return {key: value.astype("float16" if dtype == "int8" else dtype)}

    try:
        _rewrite(path, tmp, convert)
        if dtype == "int8":
            import h5py

            with h5py.File(tmp, "a") as target:
                target.attrs[INT8_STORAGE] = True
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_weights_file(model, path, skip_mismatch=False):
    """`model.load_weights(path)` for a weights file stored in any of
    `STORAGE_DTYPES` (an int8 file is first dequantized into a temporary
    float32 copy)."""
    import tempfile

    import h5py

    with h5py.File(path, "r") as file:
        int8 = bool(file.attrs.get(INT8_STORAGE, False))
    if not int8:
        model.load_weights(str(path), skip_mismatch=skip_mismatch)
        return

    def convert(key, group, value):
        if key.endswith(SCALE_SUFFIX):
            return {}
        if key + SCALE_SUFFIX in group:
            scale = group[key + SCALE_SUFFIX][()]
            return {key: value.astype("float32") * scale}
        return {key: value.astype("float32")
                if value.dtype.kind == "f" else value}

    with tempfile.TemporaryDirectory() as folder:
        plain = pathlib.Path(folder) / "model.weights.h5"
        _rewrite(path, plain, convert)
        with h5py.File(plain, "a") as file:
            del file.attrs[INT8_STORAGE]
        model.load_weights(str(plain), skip_mismatch=skip_mismatch)


def save_for_zoo(model, directory, name, url_base=None, dtype="float32"):
    """Writes a model's weights and vocabularies for shipping.

    `url_base`: where the files will be downloadable (each file's URL is
    `url_base + file name`), for installs without the checkout's
    `saved_models/` (e.g. `pip install git+...` in Colab).
    `dtype`: how the weights are stored, `"float32"`, `"float16"` (half
    the size) or `"int8"` (a quarter; one scale per output unit); the
    model still loads and runs in float32, with its weights rounded to
    the stored precision: measure what that costs before shipping
    (`benchmarks/storage_dtype.py`).

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
