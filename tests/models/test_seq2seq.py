import os

import keras
import numpy as np
import pytest

from keras_s2s.demo import make_reversal_data
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import ConvEncoder
from keras_s2s.layers import ImageEncoder
from keras_s2s.layers import LocationAttention
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

V = 14


def text_models():
    return {
        "bilstm_additive": lambda: Seq2Seq(
            RNNEncoder("lstm", 8, bidirectional=True, vocab_size=V),
            AttentionDecoder("lstm", 16, ContentAttention(8, "additive",
                                                          use_coverage=True),
                             vocab_size=V)),
        "gru_general": lambda: Seq2Seq(
            RNNEncoder("gru", 16, vocab_size=V),
            AttentionDecoder("gru", 16, ContentAttention(None, "general"),
                             vocab_size=V, input_feeding=False)),
        "conv_scaled_dot": lambda: Seq2Seq(
            ConvEncoder(V, embedding_dim=8, units=16, num_layers=2),
            AttentionDecoder("gru", 16, ContentAttention(None, "scaled_dot"),
                             vocab_size=V)),
        "bilstm_location_aware": lambda: Seq2Seq(
            RNNEncoder("lstm", 8, bidirectional=True, vocab_size=V),
            AttentionDecoder("lstm", 16, LocationAttention(
                8, "location_aware", filters=4, kernel_size=3,
                position_features=True), vocab_size=V)),
    }


def compiled(model):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                        ignore_class=0))
    return model


@pytest.mark.parametrize("name", list(text_models()))
def test_fit_lowers_loss_and_keras_round_trip(name, tmp_path):
    src, tin, tout = make_reversal_data(256, seed=0)
    model = compiled(text_models()[name]())
    inputs = {"source": src, "target_in": tin}
    history = model.fit(inputs, tout, batch_size=32, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]

    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(np.asarray(model(inputs)[:4]),
                                  np.asarray(loaded(inputs)[:4]))
    for method in ("greedy", "beam"):
        a = model.search(src[:8], method=method, max_length=10)
        b = loaded.search(src[:8], method=method, max_length=10)
        for key in ("tokens", "lengths", "scores"):
            np.testing.assert_array_equal(np.asarray(a[key]),
                                          np.asarray(b[key]))


def test_fit_of_a_built_model_traces_its_train_step_once():
    src, tin, tout = make_reversal_data(64, seed=0)
    inputs = {"source": src, "target_in": tin}
    model = compiled(text_models()["gru_general"]())
    model(inputs)  # built (as a loaded or restored model is)
    traces = []
    train_step = model.train_step

    def counted(data):
        traces.append(1)  # runs only while tf.function traces the step
        return train_step(data)

    model.train_step = counted
    history = model.fit(inputs, tout, batch_size=32, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    # Keras alone would make the optimizer's slots inside the first trace
    # and trace again without them.
    assert model.optimizer.built and len(traces) == 1


def test_greedy_ids_agree_with_teacher_forced_argmax():
    src, _, _ = make_reversal_data(6, seed=3)
    model = text_models()["bilstm_additive"]()
    result = model.search(src, method="greedy", max_length=7)
    tokens = np.asarray(result["tokens"])[:, 0]
    lengths = np.asarray(result["lengths"])[:, 0]
    target_in = np.concatenate([np.full((6, 1), model.start_id), tokens], 1)
    logits = np.asarray(model({"source": src, "target_in": target_in}))
    for i in range(6):
        n = lengths[i]
        np.testing.assert_array_equal(logits[i, :n].argmax(-1),
                                      tokens[i, :n])


def test_captioning_model_on_images(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    tin = rng.integers(4, V, (4, 5)).astype("int32")
    tin[:, 0] = 2
    model = compiled(Seq2Seq(
        ImageEncoder(units=8, filters=(4, 8)),
        AttentionDecoder("gru", 8, ContentAttention(8, "additive"),
                         vocab_size=V)))
    inputs = {"source": images, "target_in": tin}
    model.fit(inputs, np.roll(tin, -1, 1), epochs=1, verbose=0)
    path = os.path.join(tmp_path, "caption.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(np.asarray(model(inputs)),
                                  np.asarray(loaded(inputs)))
