"""Release files: the shipped weights, vocabularies and shortlists, and
fetching them."""

import os
import pathlib
import shutil

from keras_s2s.zoo.weights import resolve
from keras_s2s.zoo.weights import sha256_of


def shipped_files(names=None):
    """`{file name: spec}` of every weights, vocabulary and shortlist file
    that the presets `names` (default: all that ship weights) point to."""
    from keras_s2s.zoo import registry

    files = {}
    for name in names or registry.list():
        preset = registry.describe(name)
        if names and not preset.get("weights"):
            raise ValueError(f"zoo: {name!r} ships no weights; the models "
                             "that do are " + ", ".join(
                                 n for n in registry.list()
                                 if registry.describe(n).get("weights")))
        specs = [preset.get("weights")] + list(
            (preset.get("vocab") or {}).values()) + [preset.get("shortlist")]
        for spec in specs:
            if spec:
                files[spec["file"]] = spec
    return files


def download(names, cache_dir=None, weights_url=None):
    """Fetches the files of zoo models `names` into the cache ahead of time
    (each checked against its sha256); returns their local paths."""
    return [resolve(spec, cache_dir=cache_dir, weights_url=weights_url)
            for spec in shipped_files(names).values()]


def write_release(out_dir):
    """Copies every shipped file into `out_dir` with a `SHA256SUMS` (the
    format `sha256sum -c` reads), ready to upload as release assets: serve
    the folder and point `KERAS_S2S_WEIGHTS_URL` at it. Every file is
    checked against the sha256 its preset records. Returns the SUMS path."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for file, spec in sorted(shipped_files().items()):
        source = resolve(spec)
        shutil.copyfile(source, out / file)
        digest = sha256_of(out / file)
        if digest != spec["sha256"]:
            raise ValueError(f"release: {file} copied with sha256 {digest}, "
                             f"not the preset's {spec['sha256']}.")
        lines.append(f"{digest}  {file}\n")
    sums = out / "SHA256SUMS"
    tmp = out / ".SHA256SUMS.tmp"
    tmp.write_text("".join(lines))
    os.replace(tmp, sums)
    return sums
