import keras
import numpy as np
import pytest
import tensorflow as tf

from decoder_steps import step_by_step
from keras_s2s.layers import RNNDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

V = 11
SRC = np.array([[5, 6, 7, 0, 0], [4, 9, 8, 7, 6], [3, 4, 0, 0, 0]], "int32")
TGT = np.array([[2, 5, 6, 7, 0], [2, 9, 8, 1, 4], [2, 3, 0, 0, 0]], "int32")


def make(cell="lstm", feed_context=True, num_layers=1):
    encoder = RNNEncoder(cell, 3, bidirectional=True, vocab_size=V)
    decoder = RNNDecoder(cell, 6, vocab_size=V, feed_context=feed_context,
                         num_layers=num_layers)
    return encoder, decoder


@pytest.mark.parametrize("cell,feed_context,num_layers",
                         [("lstm", True, 2), ("gru", False, 1)])
def test_teacher_forcing_equals_step_by_step(cell, feed_context,
                                             num_layers):
    encoder, decoder = make(cell, feed_context, num_layers)
    outputs, state, mask = encoder(SRC)
    logits = np.asarray(decoder(TGT, outputs, state, mask))
    for t, step_logits, step_state in step_by_step(decoder, outputs, state,
                                                   mask, TGT):
        np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)
        # No attention: the alignments search asks for stay zero.
        assert not np.any(np.asarray(step_state["weights"]))


def test_the_output_depends_on_the_source_only_through_its_summary():
    encoder, decoder = make()
    outputs, state, mask = encoder(SRC)
    logits = np.asarray(decoder(TGT, outputs, state, mask))
    # Other encoder outputs, same summary: the same scores (no attention).
    shuffled = np.asarray(outputs)[:, ::-1]
    same = np.asarray(decoder(TGT, shuffled, state, mask))
    np.testing.assert_allclose(same, logits, atol=1e-6)
    # Another summary: other scores.
    other = np.asarray(decoder(TGT, outputs, np.asarray(state)[::-1], mask))
    assert not np.allclose(other, logits, atol=1e-3)


def test_gradients_reach_every_trainable_weight():
    encoder, decoder = make(num_layers=2)
    targets = np.roll(TGT, -1, axis=1)
    with tf.GradientTape() as tape:
        outputs, state, mask = encoder(SRC, training=True)
        logits = decoder(TGT, outputs, state, mask, training=True)
        loss = tf.reduce_mean(
            tf.keras.losses.sparse_categorical_crossentropy(
                targets, logits, from_logits=True))
    variables = encoder.trainable_variables + decoder.trainable_variables
    grads = tape.gradient(loss, variables)
    for variable, grad in zip(variables, grads):
        assert grad is not None and np.any(np.asarray(grad)), variable.path


def test_a_model_searches_and_round_trips(tmp_path):
    encoder, decoder = make()
    model = Seq2Seq(encoder, decoder)
    greedy = model.search(SRC, method="greedy", max_length=6)
    beam = model.search(SRC, method="beam", beam_size=3, max_length=6,
                        return_alignments=True)
    assert greedy["tokens"].shape[0] == 3
    assert not np.any(np.asarray(beam["alignments"]))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        np.asarray(loaded.search(SRC, method="greedy", max_length=6)
                   ["tokens"]), np.asarray(greedy["tokens"]))


@pytest.mark.parametrize("kwargs,match", [
    ({"cell": "rnn"}, "cell"), ({"units": 0}, "units"),
    ({"vocab_size": None}, "vocab_size"), ({"dropout": 1.0}, "dropout")])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RNNDecoder(**{"units": 4, "vocab_size": 5, **kwargs})
