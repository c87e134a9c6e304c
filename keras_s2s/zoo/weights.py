"""Finding and verifying shipped files (weights, vocabularies)."""

import hashlib
import os
import pathlib

DEFAULT_CACHE = pathlib.Path(
    os.environ.get("KERAS_S2S_CACHE", pathlib.Path.home() / ".keras" /
                   "keras_s2s"))
# saved_models/ of a source checkout.
CHECKOUT_MODELS = pathlib.Path(__file__).resolve().parents[2] / "saved_models"
# Where shipped files are downloaded from when saved_models/ is not beside
# the package (pip installs): the repository's saved_models/ folder.
RELEASE_URL = "https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/"


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, expected):
    """Raises a `ValueError` naming the file when its sha256 differs."""
    got = sha256_of(path)
    if expected and got != expected:
        raise ValueError(
            f"{path}: sha256 {got} does not match the expected {expected}. "
            "The file is corrupt or from another release; delete it and load "
            "again to fetch a fresh copy.")
    return path


def resolve(spec, path=None, cache_dir=None):
    """Returns a verified local path for a shipped file.

    `spec` is `{"file": name, "sha256": hex, "url": url or None}`. Looked up
    in order: `path` (the user's), `cache_dir` (default `~/.keras/keras_s2s`
    or `$KERAS_S2S_CACHE`), the checkout's `saved_models/`, then a download
    of `url` into the cache, checked against the sha256.
    """
    if path is not None:
        if not pathlib.Path(path).exists():
            raise FileNotFoundError(f"Weights file not found: {path}")
        return verify(pathlib.Path(path), spec.get("sha256"))
    cache = pathlib.Path(cache_dir) if cache_dir else DEFAULT_CACHE
    for folder in (cache, CHECKOUT_MODELS):
        candidate = folder / spec["file"]
        if candidate.exists():
            return verify(candidate, spec.get("sha256"))
    if not spec.get("url"):
        raise FileNotFoundError(
            f"{spec['file']} is not in {cache} or {CHECKOUT_MODELS}, and has "
            "no download URL.")
    import keras

    local = keras.utils.get_file(fname=spec["file"], origin=spec["url"],
                                 file_hash=spec.get("sha256"),
                                 cache_dir=str(cache), cache_subdir=".")
    return verify(pathlib.Path(local), spec.get("sha256"))
