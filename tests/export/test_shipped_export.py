"""The user's path end to end: `keras-s2s export` on the shipped translator,
then TF Serving's C++ path answers as `model.generate` does."""

import subprocess
import sys

import numpy as np

from keras_s2s import zoo
from keras_s2s.export import ServingError
from keras_s2s.export import predict_request
from keras_s2s.export import run_serving_path

TEXTS = ["A man rides a horse.", "Two dogs are playing in the snow."]


def test_cli_export_of_the_shipped_translator_serves(tmp_path):
    cli = [sys.executable, "-m", "keras_s2s.cli"]
    proc = subprocess.run(cli + ["export", "bilstm_attn_mt", "--out",
                                 str(tmp_path / "mt")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = tmp_path / "mt" / "1"
    report, (best, nbest, too_big) = run_serving_path(path, [
        predict_request({"inputs": TEXTS}),
        predict_request({"inputs": TEXTS[:1]}, "nbest"),
        predict_request({"inputs": TEXTS[:1], "beam_size": np.int32(1000),
                         "max_length": np.int32(2000)},
                        "nbest_options_unbatched")])
    assert report["warmup_records"] == 4
    expected = zoo.load("bilstm_attn_mt").generate(TEXTS)
    assert [s.decode() for s in best["outputs"]] == expected
    assert nbest["outputs"].shape == (1, 5)
    assert nbest["outputs"][0, 0].decode() == expected[0]
    assert isinstance(too_big, ServingError)
    assert too_big.name == "INVALID_ARGUMENT"
    assert "max_beam_size 16" in too_big.message
    # `keras-s2s check-export` on such an export: the README's serving block
    # runs it (tests/test_readme_bash.py checks its report).
