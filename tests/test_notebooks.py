"""The notebooks in notebooks/ run top to bottom (small settings) as a pip
user runs them: keras-s2s from its wheel (installed into a scratch folder,
not the checkout), in a temporary folder with no ../shared beside it, the
pretrained weights downloaded from a release folder served on 127.0.0.1."""

import json
import pathlib
import re
import subprocess
import sys

import pytest

from data_paths import MULTI30K
from data_paths import requires_multi30k
from release_server import ReleaseServer

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory):
    """keras-s2s built as a wheel and installed (no dependencies: those are
    this environment's) into a folder of its own."""
    root = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(pip + ["wheel", "--no-deps", "-q", "-w", str(root),
                          str(ROOT)], check=True, capture_output=True)
    [wheel] = root.glob("keras_s2s-*.whl")
    subprocess.run(pip + ["install", "--no-deps", "-q", "--target",
                          str(root / "site"), str(wheel)], check=True,
                   capture_output=True)
    assert not (root / "site" / "saved_models").exists()
    # What the wheel builds its C++ serving check from on first use.
    assert (root / "site" / "keras_s2s" / "export" / "harness" /
            "serving_harness.cc").is_file()
    return root / "site"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    from keras_s2s import zoo

    folder = tmp_path_factory.mktemp("release")
    zoo.write_release(folder)
    server = ReleaseServer(folder)
    yield server
    server.close()


def seed_harness(cache):
    """Puts this machine's compiled C++ serving harness into `cache`, so the
    notebook does not compile it again (20-40 s of g++). The wheel's key for
    it is this checkout's (the same harness source and tensorflow), so the
    wheel finds it; `wheel_site` checks the wheel ships the source it would
    build from, and on a machine without the harness (a fresh CI machine)
    the first test that serves builds it as a pip user's first check does."""
    from keras_s2s.export import HarnessUnavailable
    from keras_s2s.export import harness_path

    try:
        built = pathlib.Path(harness_path())
    except HarnessUnavailable:
        return  # the notebook falls back, or builds, as a user's would
    folder = cache / "serving_harness" / built.parent.name
    folder.mkdir(parents=True)
    (folder / built.name).symlink_to(built)


def run(name, tmp_path, monkeypatch, site, release, built_harness=False):
    work = tmp_path / "work"  # no ../shared beside it
    work.mkdir()
    if built_harness:
        seed_harness(tmp_path / "cache")
    monkeypatch.setenv("KERAS_S2S_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("PYTHONPATH", str(site))
    monkeypatch.setenv("KERAS_S2S_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_S2S_WEIGHTS_URL", release.url)
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(work)}}).execute()
    printed = "\n".join(
        output.get("text", "") for cell in notebook.cells
        if cell.cell_type == "code" for output in cell.get("outputs", []))
    assert f"keras-s2s from {site / 'keras_s2s'}" in printed
    assert "/bilstm_attn_mt.weights.h5" in release.requests
    return printed, work


@requires_multi30k
def test_finetune_colab_notebook(tmp_path, monkeypatch, wheel_site,
                                 release):
    # The data a user would have downloaded: Multi30k, found through
    # $KERAS_S2S_DATA (no ../shared beside the notebook).
    monkeypatch.setenv("KERAS_S2S_DATA", str(MULTI30K.parent))
    printed, work = run("finetune_colab.ipynb", tmp_path, monkeypatch,
                        wheel_site, release, built_harness=True)
    # BLEU before fine-tuning is the shipped model's (downloaded from the
    # release by the wheel) on the first 16 test sentences, as this process
    # computes it from the checkout's files.
    from keras_s2s import zoo
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.metrics import corpus_bleu

    before, after = map(float, re.search(
        r"BLEU before: ([\d.]+) +after: ([\d.]+)", printed).groups())
    sources, refs = (x[:16] for x in load_multi30k("test"))
    outputs = zoo.load("bilstm_attn_mt").generate(sources, method="beam",
                                                  beam_size=5)
    assert before == round(corpus_bleu(outputs, refs)["score"], 1)
    assert after > 0
    # The fine-tuned model, saved and served, answers as it generates.
    served = re.search(r"served: (.*)", printed).group(1)
    assert served == re.search(r"generate: (.*)", printed).group(1)
    import keras

    import keras_s2s  # noqa: F401  registers the classes

    saved = keras.saving.load_model(
        work / "notebook_outputs" / "finetuned.keras", compile=False)
    assert saved.generate(["A man is riding a bike."])[0] == served


def test_serving_notebook(tmp_path, monkeypatch, wheel_site, release):
    printed, _ = run("serving.ipynb", tmp_path, monkeypatch, wheel_site,
                     release, built_harness=True)
    assert "signature_def['nbest']" in printed
    assert '"signature_name": "serving_default"' in printed
    # The REST-shaped answer the notebook prints is the model's beam search.
    answer = json.loads(re.search(r'\{\n "predictions".*?\n \]\n\}', printed,
                                  re.S).group(0))
    from keras_s2s import zoo

    expected = zoo.load("bilstm_attn_mt").generate(
        ["A man rides a horse.", "Two dogs play in the snow."])
    assert [p["outputs"] for p in answer["predictions"]] == expected
    assert "/models/bilstm_attn_mt" in printed
    assert "nbest_options_unbatched" in printed
    # answered on TF Serving's C++ path, warm-up records replayed
    assert "'loaded': True, 'warmup_records': 4" in printed
