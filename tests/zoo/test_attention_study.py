"""`zoo/recipes/attention_study.py` end to end at toy size (`--tiny`): two
variants trained on one vocabulary, measured, plotted and reported; a rerun
skips what is done."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from data_paths import requires_multi30k

RECIPE = pathlib.Path(__file__).parents[2] / "zoo" / "recipes" / \
    "attention_study.py"


def recipe():
    spec = importlib.util.spec_from_file_location("attention_study", RECIPE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_variant_builds_at_its_size():
    from keras_s2s import zoo

    study = recipe()
    for variant in study.VARIANTS:
        zoo.contract(variant.model, **variant.overrides)
    labels = [v.label for v in study.VARIANTS]
    assert len(set(labels)) == len(labels)
    translation = {n for n in zoo.list()
                   if zoo.describe(n)["task"] == "translation"}
    assert {v.model for v in study.VARIANTS} == translation
    with pytest.raises(SystemExit):
        study.main(["--only", "additive,nonsense"])


@requires_multi30k
def test_tiny_study_reports_what_it_measured(tmp_path, capsys):
    from keras_s2s.models import load_model

    study = recipe()
    root = tmp_path / "study"
    args = ["--root", str(root), "--tiny", "--epochs", "1",
            "--only", "none,additive"]
    assert study.main(args) == 0
    report = json.loads((root / "attention_study.json").read_text())
    rows = {r["label"]: r for r in report["rows"]}
    assert set(rows) == {"none", "additive"}
    assert [r["val_beam"] for r in report["rows"]] == sorted(
        (r["val_beam"] for r in report["rows"]), reverse=True)
    vocab = (root / "vocab" / "target.spm").read_bytes()
    for label, row in rows.items():
        run = root / label
        # One vocabulary for every variant.
        assert (run / "vocab" / "target.spm").read_bytes() == vocab
        assert load_model(run).target_tokenizer.proto == vocab
        assert row["parameters"] == load_model(run).count_params()
        for key in ("val_beam", "val_greedy", "test_beam", "test_greedy"):
            split, method = key.split("_")
            saved = json.loads(
                (run / f"eval_{split}_{method}.json").read_text())
            assert row[key] == saved["bleu"]
            assert saved["examples"] == study.TINY_EXAMPLES
        state = json.loads((run / "checkpoints" / "state.json").read_text())
        assert row["train_seconds"] == pytest.approx(state["seconds"],
                                                     abs=1e-3)
        assert report["curves"][label][-1][0] == row["train_seconds"]
    # The table lists both, with the numbers of the JSON.
    table = (root / "attention_study.md").read_text()
    for label, row in rows.items():
        assert f"| `{label}` |" in table
        assert f"{row['parameters']:,}" in table
    # Pictures: the curves, and an alignment for the attention variant only.
    for name in ("val_bleu_vs_time.png", "alignment_additive.png"):
        image = tf.io.decode_png((root / name).read_bytes()).numpy()
        assert image.shape[0] > 100 and np.asarray(image).std() > 0
    assert not (root / "alignment_none.png").exists()
    # A rerun trains and evaluates nothing again.
    capsys.readouterr()
    assert study.main(args) == 0
    out = capsys.readouterr().out
    assert "none: trained (skipped)" in out
    assert "additive: trained (skipped)" in out
    again = json.loads((root / "attention_study.json").read_text())
    assert again["rows"] == report["rows"]
