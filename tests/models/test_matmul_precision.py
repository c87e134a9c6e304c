"""`Seq2Seq(matmul_precision="bfloat16")`: teacher-forced calls (training,
validation loss) multiply the decoder's recurrent cells and output layer in
bfloat16, with float32 weights, gradients and states."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s import zoo
from keras_s2s.demo import make_reversal_data
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq
from keras_s2s.training import MaskedCrossEntropy

V = 14


def tiny(decoder, cell, precision, tie=False, seed=0):
    keras.utils.set_random_seed(seed)
    if decoder == "attention":
        dec = AttentionDecoder(cell, 16, ContentAttention(8, "additive"),
                               vocab_size=V, num_layers=2,
                               embedding_dim=16 if tie else None,
                               tie_embeddings=tie)
    else:
        dec = RNNDecoder(cell, 16, vocab_size=V, num_layers=2)
    return Seq2Seq(RNNEncoder("gru", 8, bidirectional=True, vocab_size=V),
                   dec, matmul_precision=precision)


def loss_and_grads(model, x, y):
    with tf.GradientTape() as tape:
        loss = MaskedCrossEntropy()(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    return float(loss), [tf.convert_to_tensor(g) if g is not None else None
                         for g in grads]


@pytest.mark.parametrize("decoder,cell,tie", [
    ("attention", "lstm", False), ("attention", "gru", True),
    ("rnn", "lstm", False)])
def test_bfloat16_products_follow_float32(decoder, cell, tie):
    src, tin, tout = make_reversal_data(16, seed=0)
    x = {"source": src, "target_in": tin}
    full = tiny(decoder, cell, "float32", tie)
    low = tiny(decoder, cell, "bfloat16", tie)
    full(x)
    low(x)
    low.set_weights(full.get_weights())
    # Larger weights than the initialisers give, so every gate matters.
    for a, b in zip(full.weights, low.weights):
        a.assign(np.asarray(a) * 2 + 0.05)
        b.assign(np.asarray(a))
    want, got = np.asarray(full(x)), np.asarray(low(x))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0.05, atol=0.05)
    assert not np.array_equal(got, want)  # the products did change
    loss_full, grads_full = loss_and_grads(full, x, tout)
    loss_low, grads_low = loss_and_grads(low, x, tout)
    assert abs(loss_low - loss_full) < 0.01 * loss_full
    for variable, g, h in zip(low.trainable_variables, grads_full,
                              grads_low):
        assert h is not None, variable.path
        scale = float(tf.norm(g)) + 1e-6
        assert float(tf.norm(g - h)) / scale < 0.1, variable.path


def test_kernels_are_cast_once_per_call_and_it_learns_as_float32(tmp_path):
    model = tiny("attention", "lstm", "bfloat16")
    src, tin, tout = make_reversal_data(256, seed=0)
    fn = tf.function(lambda s, t: model({"source": s, "target_in": t},
                                        training=True))
    graph = fn.get_concrete_function(tf.TensorSpec([None, None], tf.int32),
                                     tf.TensorSpec([None, None],
                                                   tf.int32)).graph
    cells = model.decoder.cells
    stacked = {(c.kernel.shape[0] + c.recurrent_kernel.shape[0],
                c.kernel.shape[1]) for c in cells}
    stacked.add(tuple(model.decoder.output_projection.kernel.shape))
    outer = [tuple(op.outputs[0].shape) for op in graph.get_operations()
             if op.type == "Cast" and op.get_attr("DstT") == tf.bfloat16
             and len(op.outputs[0].shape) == 2]
    assert stacked <= set(outer)
    assert len(outer) == len(cells) + 1  # nothing cast inside the loop twice

    curves = []
    for net in (tiny("attention", "lstm", "float32"), model):
        net.compile(optimizer=keras.optimizers.Adam(1e-2),
                    loss=MaskedCrossEntropy())
        curves.append(net.fit({"source": src, "target_in": tin}, tout,
                              batch_size=32, epochs=4, verbose=0,
                              shuffle=False).history["loss"])
    full, low = curves
    assert low[-1] < 0.9 * low[0]
    # The same learning curve as float32 (measured: equal to 0.1%).
    np.testing.assert_allclose(low, full, rtol=0.02)
    # The setting is part of the model: saved and loaded with it.
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.matmul_precision == "bfloat16"
    x = {"source": src[:4], "target_in": tin[:4]}
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)),
                               atol=1e-6)


def test_an_unknown_precision_is_refused_and_the_zoo_passes_it():
    with pytest.raises(ValueError, match="valid ones are float32, bfloat16"):
        tiny("rnn", "gru", "float16")
    model = zoo.load("gru_luong_mt", pretrained=False,
                     matmul_precision="bfloat16",
                     encoder={"units": 8, "embedding_dim": 8},
                     decoder={"units": 8, "embedding_dim": 8},
                     source_vocab_size=30, target_vocab_size=30)
    assert model.matmul_precision == "bfloat16"
    assert model.get_config()["matmul_precision"] == "bfloat16"
