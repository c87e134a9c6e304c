"""Getting a model from what a user names: a zoo name, a file or a run."""

import os

ZOO_PREFIX = "zoo:"


def load_model(name_or_path, compile=False, **overrides):
    """The model a command line or notebook names, in one place.

    Args:
        name_or_path: a run folder (its `model.keras`), a `.keras` file, or
            a zoo name (`bilstm_attn_mt` or `zoo:bilstm_attn_mt`; pretrained
            weights and vocabularies, downloaded when not on this machine).
        compile: bool. Restore a saved model's optimizer and loss too.
        **overrides: for a zoo name, changes to the preset's config (see
            `zoo.load`); refused for saved models, whose config is fixed.

    Returns:
        a `keras_s2s.models.Seq2Seq`.

    Raises:
        ValueError: an unknown zoo name (the message lists the valid ones),
            overrides for a saved model, a weights file (no architecture),
            or a damaged or truncated `.keras` file.
        FileNotFoundError: a path (it has a `/` or ends in `.keras`) with
            no model there.

    Example:
    >>> model = load_model("bilstm_attn_mt")
    >>> model.contract.source
    'text'
    """
    path = saved_model_path(name_or_path)
    if path is not None:
        if overrides:
            raise ValueError(f"{name_or_path}: a saved model's config is "
                             "fixed; overrides apply to zoo names only.")
        _check_keras_file(path)
        import keras

        import keras_s2s  # noqa: F401  registers the classes

        return keras.saving.load_model(path, compile=compile)
    text = os.fspath(name_or_path)
    if os.path.isdir(text) or os.sep in text or text.endswith(".keras"):
        raise FileNotFoundError(
            f"{text}: no model there (a .keras file, or a run folder with "
            "model.keras; an unfinished run has only checkpoints/: train it "
            "to the end, or load a checkpoint into its model).")
    from keras_s2s import zoo

    return zoo.load(zoo_name(text), pretrained=True, **overrides)


def _check_keras_file(path):
    """Refuses, with the reason, a file Keras would fail on obscurely."""
    import zipfile

    if path.endswith(".weights.h5"):
        raise ValueError(
            f"{path} holds weights only, no architecture: load it with "
            "zoo.load(NAME, weights=PATH) (or `keras-s2s zoo` commands), or "
            "name a .keras file or a run folder.")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a readable .keras file (a .keras file is a zip "
            "archive; this one is cut short, damaged or another kind of "
            "file). Save or copy it again.")
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        damaged = str(error)
    if damaged:
        raise ValueError(f"{path} is damaged ({damaged} does not read "
                         "back); save or copy it again.")


def saved_model_path(name_or_path):
    """The `.keras` file `name_or_path` names (a run folder's
    `model.keras`), or None when it names no file on this machine."""
    name_or_path = os.fspath(name_or_path)
    if os.path.isdir(name_or_path):
        name_or_path = os.path.join(name_or_path, "model.keras")
    return name_or_path if os.path.isfile(name_or_path) else None


def zoo_name(name_or_path):
    """The zoo name in `name` or `zoo:name`."""
    name_or_path = os.fspath(name_or_path)
    if name_or_path.startswith(ZOO_PREFIX):
        return name_or_path[len(ZOO_PREFIX):]
    return name_or_path
