"""`run_recurrent_layer`: a Keras GRU/LSTM layer (or a Bidirectional one)
run by the training step's own loop gives the layer's values and
gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.layers import RNNEncoder
from keras_s2s.layers.encoder_recurrence import run_recurrent_layer


def layer_for(cell, bidirectional):
    rnn_class = keras.layers.GRU if cell == "gru" else keras.layers.LSTM
    rnn = rnn_class(6, return_sequences=True, return_state=True)
    return keras.layers.Bidirectional(rnn) if bidirectional else rnn


def built_layer(cell, bidirectional, lengths, seed, shift):
    """`(x, mask, layer)`: inputs [rows, max(lengths), 4] right-padded to
    `lengths`, and a layer built on them whose weights are doubled and
    shifted by `shift` (larger than the initialisers: gates matter)."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    time = max(lengths)
    x = tf.constant(rng.normal(size=(len(lengths), time, 4)), tf.float32)
    mask = tf.constant([[1] * n + [0] * (time - n) for n in lengths]) > 0
    layer = layer_for(cell, bidirectional)
    layer(x, mask=mask)
    for w in layer.weights:
        w.assign(np.asarray(w) * 2 + shift)
    return x, mask, layer


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_values_and_gradients_are_the_layers(cell, bidirectional):
    # Right padding of different lengths, and one row without any.
    x, mask, layer = built_layer(cell, bidirectional, [5, 3, 1], seed=0,
                                 shift=0.05)
    keep = tf.cast(mask, tf.float32)[..., None]

    def outputs(fn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            results = fn()
            loss = tf.reduce_sum(results[0] * keep) + sum(
                tf.reduce_sum(s * s) for s in results[1:])
        grads = tape.gradient(loss, [x, *layer.trainable_weights])
        return results, grads

    want, want_grads = outputs(lambda: layer(x, mask=mask))
    got, got_grads = outputs(lambda: run_recurrent_layer(layer, x, mask))
    assert len(got) == len(want)
    np.testing.assert_allclose(got[0] * keep, want[0] * keep,
                               rtol=1e-5, atol=1e-5)
    for g, w in zip(got[1:], want[1:]):  # final states
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_the_encoder_trains_through_it_and_evaluates_through_keras():
    keras.utils.set_random_seed(0)
    encoder = RNNEncoder("lstm", 6, bidirectional=True, num_layers=2,
                         vocab_size=11)
    ids = np.array([[3, 4, 5, 6], [7, 8, 0, 0]], "int32")
    evaluated = encoder(ids, training=False)
    trained = encoder(ids, training=True)  # no dropout: the same function
    for got, want in zip(trained, evaluated):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_inference_products_give_the_layers_values(cell, bidirectional):
    # transposed=False (what inference runs): plain products, same values.
    x, mask, layer = built_layer(cell, bidirectional, [7, 4, 2], seed=1,
                                 shift=-0.05)
    keep = tf.cast(mask, tf.float32)[..., None]
    want = layer(x, mask=mask)
    got = run_recurrent_layer(layer, x, mask, transposed=False)
    assert len(got) == len(want)
    np.testing.assert_allclose(got[0] * keep, want[0] * keep,
                               rtol=1e-5, atol=1e-5)
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    # A backward layer's first output is its state after reading the
    # whole row from its end: its final state, not a padded one.
    if bidirectional:
        backward_h = got[-2] if cell == "lstm" else got[-1]
        np.testing.assert_allclose(got[0][:, 0, 6:], backward_h,
                                   rtol=1e-6, atol=1e-6)
