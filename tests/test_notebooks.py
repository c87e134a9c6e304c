"""The notebooks in notebooks/ run top to bottom (small settings)."""

import pathlib
import re

import pytest

from data_paths import requires_multi30k

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def run(name, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_S2S_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}}).execute()
    return "\n".join(
        output.get("text", "") for cell in notebook.cells
        if cell.cell_type == "code" for output in cell.get("outputs", []))


@requires_multi30k
def test_finetune_colab_notebook(tmp_path, monkeypatch):
    printed = run("finetune_colab.ipynb", tmp_path, monkeypatch)
    assert "BLEU before:" in printed and "after:" in printed
    # The fine-tuned model, saved and served, answers as it generates.
    served = re.search(r"served: (.*)", printed).group(1)
    assert served == re.search(r"generate: (.*)", printed).group(1)
    import keras

    import keras_s2s  # noqa: F401  registers the classes

    saved = keras.saving.load_model(
        tmp_path / "notebook_outputs" / "finetuned.keras", compile=False)
    assert saved.generate(["A man is riding a bike."])[0] == served


def test_serving_notebook(tmp_path, monkeypatch):
    printed = run("serving.ipynb", tmp_path, monkeypatch)
    assert "signature_def['nbest']" in printed
    assert '"signature_name": "serving_default"' in printed
    assert '"predictions"' in printed
    assert "nbest_options_unbatched" in printed
    # answered on TF Serving's C++ path, warm-up records replayed
    assert "'loaded': True, 'warmup_records': 4" in printed
    assert "/models/bilstm_attn_mt" in printed
