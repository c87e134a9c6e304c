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


WEIGHTS_URL_ENV = "KERAS_S2S_WEIGHTS_URL"


def download_url(spec, weights_url=None):
    """Where `spec`'s file is fetched from: `weights_url`, else
    `$KERAS_S2S_WEIGHTS_URL` (a base folder URL; the file name is appended),
    else the URL recorded in the preset (None for a preset without one)."""
    base = weights_url or os.environ.get(WEIGHTS_URL_ENV)
    if base:
        return base.rstrip("/") + "/" + spec["file"]
    return spec.get("url")


def _fetch(url, target, expected, timeout=60):
    """Downloads `url` to `target` atomically: into a hidden temporary file
    beside it, hashed while it streams, renamed into place only when whole
    and matching `expected`. Nothing partial or corrupt is ever left."""
    import http.client
    import urllib.request
    import uuid

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.part-{uuid.uuid4().hex[:8]}"
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, \
                open(tmp, "wb") as out:
            declared = response.headers.get("Content-Length")
            try:
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
            except http.client.IncompleteRead as error:
                size += len(error.partial)
                declared = declared or size + 1
        if declared is not None and size != int(declared):
            raise OSError(f"the connection closed after {size:,} of "
                          f"{int(declared):,} bytes")
        if expected and digest.hexdigest() != expected:
            raise ValueError(
                f"{target.name}: the file downloaded from {url} has sha256 "
                f"{digest.hexdigest()}, not the expected {expected}; it was "
                "not kept. The server holds a corrupt copy or another "
                "release's file.")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def resolve(spec, path=None, cache_dir=None, weights_url=None):
    """Returns a verified local path for a shipped file.

    `spec` is `{"file": name, "sha256": hex, "url": url or None}`. Looked up
    in order: `path` (the user's), `cache_dir` (default `~/.keras/keras_s2s`
    or `$KERAS_S2S_CACHE`), the checkout's `saved_models/`, then downloaded
    (see `download_url`) into the cache, checked against the sha256 before
    it enters the cache.

    Raises:
        FileNotFoundError: nothing local and the download failed; the message
            names the file, the places looked in, the URL tried and the ways
            out.
        ValueError: a local or downloaded file does not match its sha256.
    """
    if path is not None:
        if not pathlib.Path(path).exists():
            raise FileNotFoundError(f"Weights file not found: {path}")
        return verify(pathlib.Path(path), spec.get("sha256"))
    cache = pathlib.Path(cache_dir) if cache_dir else DEFAULT_CACHE
    places = [cache, CHECKOUT_MODELS]
    for folder in places:
        candidate = folder / spec["file"]
        if candidate.exists():
            return verify(candidate, spec.get("sha256"))
    url = download_url(spec, weights_url)
    looked = ", ".join(str(p) for p in places)
    try:
        if url is None:
            raise OSError("its preset records no download URL")
        return _fetch(url, cache / spec["file"], spec.get("sha256"))
    except OSError as error:  # includes URLError and timeouts
        reason = getattr(error, "reason", None) or error
        tried = f"from {url}" if url else "(no download URL)"
        raise FileNotFoundError(
            f"{spec['file']} is not on this machine (looked in {looked}) "
            f"and could not be downloaded {tried}: {reason}. Ways out: "
            f"put the file in {cache} (for weights, zoo.load(..., "
            "weights=PATH) also takes it from anywhere), or set "
            f"{WEIGHTS_URL_ENV} to a folder URL that serves the release "
            "files (see `keras-s2s zoo release`); `keras-s2s zoo download "
            "NAME` fetches ahead of time.") from None
