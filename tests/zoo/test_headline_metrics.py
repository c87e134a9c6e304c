"""`keras-s2s evaluate` reproduces each shipped model's headline number.

Slow (minutes per model on a 2-core CPU), so marked `slow` and not run by
`make test` or CI. Run it by hand after shipping or changing a model:

    .venv/bin/python -m pytest -m slow tests/zoo/test_headline_metrics.py

The cards say how long each evaluation takes. Numbers are compared with a
small tolerance: float32 sums on another CPU (or oneDNN build) may flip a
near-tie in beam search and move a corpus score by a few hundredths.
"""

import json
import subprocess
import sys

import pytest

from keras_s2s import zoo

# Preset metrics key -> (data spec, split, headline metric, tolerance).
HEADLINES = {
    "test_2016_flickr_beam": ("multi30k:en-de", "test", "bleu", 0.3),
    "dialogsum_dev_beam": ("dialogsum", "val", "rouge1", 0.3),
    "shapes_val_beam": ("shapes", "val", "correct_share", 0.005),
}

CASES = [(name, key) for name in zoo.list()
         if zoo.describe(name)["weights"]
         for key in zoo.describe(name)["metrics"] if key in HEADLINES]


def test_every_shipped_model_has_a_headline_to_reproduce():
    shipped = {n for n in zoo.list() if zoo.describe(n)["weights"]}
    assert shipped == {name for name, _ in CASES}


@pytest.mark.slow
@pytest.mark.parametrize("name,key", CASES)
def test_evaluate_reproduces_the_card(name, key, tmp_path):
    data, split, metric, tolerance = HEADLINES[key]
    recorded = zoo.describe(name)["metrics"][key]
    search = recorded["search"]
    out = tmp_path / "metrics.json"
    command = [sys.executable, "-m", "keras_s2s.cli", "evaluate",
               "--model", name, "--data", data, "--split", split,
               "--method", search["method"], "--out", str(out)]
    if search["method"] == "beam":
        command += ["--beam-size", str(search["beam_size"])]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    measured = json.loads(out.read_text())
    assert measured["examples"] == recorded["examples"]
    assert measured[metric] == pytest.approx(recorded[metric], abs=tolerance)
