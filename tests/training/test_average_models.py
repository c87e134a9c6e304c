import json

import keras
import numpy as np
import pytest

from keras_s2s.cli import main
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq
from keras_s2s.models import load_model
from keras_s2s.training import average_models

SRC = np.array([[4, 1, 2, 0], [2, 4, 4, 1]], "int32")


def saved_model(path, seed, units=8):
    keras.utils.set_random_seed(seed)
    model = Seq2Seq(
        RNNEncoder("gru", 4, bidirectional=True, vocab_size=6),
        AttentionDecoder("gru", units, ContentAttention(6, "additive"),
                         vocab_size=6),
        start_id=2, end_id=3)
    model({"source": SRC, "target_in": SRC})
    path.mkdir()
    model.save(path / "model.keras")
    return model


def test_the_run_holds_the_mean_of_the_weights(tmp_path):
    models = [saved_model(tmp_path / f"run{i}", seed=i) for i in range(3)]
    (tmp_path / "run2" / "run.json").write_text(json.dumps(
        {"model": "bilstm_attn_mt", "seed": 4}))
    runs = [tmp_path / f"run{i}" for i in range(3)]
    averaged = average_models(runs, tmp_path / "avg")
    loaded = load_model(tmp_path / "avg")
    expected = [np.mean(group, axis=0) for group in
                zip(*(m.get_weights() for m in models))]
    assert len(expected) == len(loaded.get_weights()) > 4
    for want, got, kept in zip(expected, loaded.get_weights(),
                               averaged.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(got, kept)
    # Not the weights of any of them, and it decodes like a trained run.
    assert not np.allclose(loaded.get_weights()[0],
                           models[2].get_weights()[0])
    out = loaded.search(SRC, method="beam", beam_size=2, max_length=5)
    assert np.asarray(out["tokens"]).shape == (2, 1, 5)
    run = json.loads((tmp_path / "avg" / "run.json").read_text())
    assert run["seed"] == 4 and run["model"] == "bilstm_attn_mt"
    assert run["averaged_from"] == [str(r) for r in runs]


def test_different_models_or_one_model_are_refused(tmp_path):
    saved_model(tmp_path / "a", seed=0)
    saved_model(tmp_path / "b", seed=1, units=10)
    with pytest.raises(ValueError, match="not the same model"):
        average_models([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    with pytest.raises(ValueError, match="two models or more"):
        average_models([tmp_path / "a"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_line_averages_and_reports_bad_input(tmp_path, capsys):
    saved_model(tmp_path / "a", seed=0)
    saved_model(tmp_path / "b", seed=1)
    assert main(["average", str(tmp_path / "a"), str(tmp_path / "b"),
                 "--out", str(tmp_path / "avg")]) == 0
    assert "Averaged 2 models" in capsys.readouterr().out
    assert (tmp_path / "avg" / "model.keras").exists()
    assert main(["average", str(tmp_path / "a"), "--out",
                 str(tmp_path / "one")]) == 2
    assert "two models or more" in capsys.readouterr().err
