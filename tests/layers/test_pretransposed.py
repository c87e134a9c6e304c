"""Training steps read each decoder kernel transposed once, outside the
loop (`keras_s2s.layers.pretransposed`): same values and gradients as the
plain products, and no product with a transposed operand left in the
gradient's loop."""

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.demo import make_reversal_data
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import ConvEncoder
from keras_s2s.layers import LocationAttention
from keras_s2s.layers import RNNDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.layers.pretransposed import matmul_pretransposed
from keras_s2s.models import Seq2Seq
from keras_s2s.training import MaskedCrossEntropy

V = 14


@pytest.mark.parametrize("shape", [(5, 6), (3, 4, 6)])
def test_product_and_gradients_are_the_plain_ones(shape):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=shape), tf.float32)
    kernel = tf.Variable(rng.normal(size=(6, 7)), dtype=tf.float32)
    upstream = tf.constant(rng.normal(size=shape[:-1] + (7,)), tf.float32)

    @tf.function
    def both():
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            k = tf.convert_to_tensor(kernel)
            fast = matmul_pretransposed(x, k, tf.transpose(k))
            plain = tf.matmul(x, k)
            fast_loss = tf.reduce_sum(fast * upstream)
            plain_loss = tf.reduce_sum(plain * upstream)
        return (fast, plain, tape.gradient(fast_loss, [x, kernel]),
                tape.gradient(plain_loss, [x, kernel]))

    fast, plain, fast_grads, plain_grads = both()
    assert fast.shape == plain.shape == shape[:-1] + (7,)
    np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5)
    for got, want in zip(fast_grads, plain_grads):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def tiny(kind, seed=0):
    keras.utils.set_random_seed(seed)
    encoder = RNNEncoder("gru", 8, bidirectional=True, vocab_size=V)
    if kind == "rnn":
        decoder = RNNDecoder("lstm", 16, vocab_size=V, num_layers=2)
    elif kind == "location":
        decoder = AttentionDecoder("gru", 16, LocationAttention(8),
                                   vocab_size=V)
    elif kind == "conv":
        encoder = ConvEncoder(V, embedding_dim=16, units=16, num_layers=2)
        decoder = AttentionDecoder("lstm", 16, ContentAttention(8),
                                   vocab_size=V)
    else:
        decoder = AttentionDecoder(kind, 16, ContentAttention(8, "additive"),
                                   vocab_size=V, num_layers=2,
                                   input_feeding=True)
    return Seq2Seq(encoder, decoder)


def loss_and_grads(model, x, y):
    with tf.GradientTape() as tape:
        loss = MaskedCrossEntropy()(y, model(x, training=True))
    return loss, tape.gradient(loss, model.trainable_variables)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn", "location"])
def test_training_gradients_equal_the_plain_products(kind, monkeypatch):
    src, tin, tout = make_reversal_data(8, seed=0)
    x = {"source": src, "target_in": tin}
    model = tiny(kind)
    model(x)
    for w in model.weights:  # larger than the initialisers: gates matter
        w.assign(np.asarray(w) * 2 + 0.05)
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    fast_loss, fast = loss_and_grads(model, x, tout)
    monkeypatch.setattr(Seq2Seq, "_decoder_products",
                        lambda self, training=False: contextlib.nullcontext())
    plain_loss, plain = loss_and_grads(model, x, tout)
    np.testing.assert_allclose(fast_loss, plain_loss, rtol=1e-5)
    for variable, got, want in zip(model.trainable_variables, fast, plain):
        assert got is not None, variable.path
        np.testing.assert_allclose(tf.convert_to_tensor(got),
                                   tf.convert_to_tensor(want),
                                   rtol=1e-4, atol=1e-5, err_msg=variable.path)


def _loop_products(graph):
    """(transpose_a, transpose_b) of every MatMul in the graph's while-loop
    bodies, the gradient's included."""
    found = []
    for name, function in graph._functions.items():
        if "while_body" not in name:
            continue
        for node in function.cached_definition.node_def:
            if node.op == "MatMul":
                found.append((node.attr["transpose_a"].b,
                              node.attr["transpose_b"].b))
    return found


def test_no_transposed_weight_product_left_in_the_gradient_loop():
    # A convolutional encoder: every loop of the step is the decoder's.
    model = tiny("conv")
    src, tin, tout = make_reversal_data(8, seed=0)
    model({"source": src, "target_in": tin})

    @tf.function
    def step(source, target_in, target_out):
        return loss_and_grads(model, {"source": source,
                                      "target_in": target_in}, target_out)

    spec = tf.TensorSpec([None, None], tf.int32)
    graph = step.get_concrete_function(spec, spec, spec).graph
    products = _loop_products(graph)
    assert len(products) >= 6  # forward and gradient products in the loops
    # Before: each weight's input gradient, dz @ W^T, had transpose_b set
    # (3-4x slower on CPU with oneDNN than the same product with W^T laid out).
    assert all(not transpose_b for _, transpose_b in products), products
