import keras
import numpy as np
import pytest

from keras_s2s import layers
from keras_s2s.models import Seq2Seq
from keras_s2s.models import load_model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = Seq2Seq(layers.RNNEncoder("gru", 4, vocab_size=10),
                    layers.AttentionDecoder("gru", 4, vocab_size=10))
    model.build(model.contract.input_shapes())
    run = tmp_path_factory.mktemp("run")
    model.save(run / "model.keras")
    return model, run


def test_a_run_folder_and_its_file_give_the_saved_model(saved):
    model, run = saved
    for spec in (run, run / "model.keras", str(run)):
        loaded = load_model(spec)
        assert isinstance(loaded, Seq2Seq)
        for a, b in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_zoo_names_with_or_without_the_prefix():
    plain = load_model("cnn_attn_caption")
    prefixed = load_model("zoo:cnn_attn_caption")
    assert plain.contract.source == "image"
    for a, b in zip(plain.get_weights(), prefixed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_clear_errors(saved, tmp_path):
    _, run = saved
    with pytest.raises(ValueError, match="valid names are .*bilstm_attn_mt"):
        load_model("no_such_model")
    with pytest.raises(FileNotFoundError, match="no model there"):
        load_model(tmp_path)  # a folder without model.keras
    with pytest.raises(FileNotFoundError, match="no model there"):
        load_model("runs/missing/model.keras")
    with pytest.raises(ValueError, match="overrides apply to zoo names"):
        load_model(run, decoder={"units": 8})
    assert keras.saving.get_registered_object("keras_s2s>Seq2Seq") is Seq2Seq
