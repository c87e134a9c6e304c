"""The search's lower-precision products (`search_output`): each adds its
bias in the product's precision, so that TensorFlow fuses product and bias
into one oneDNN inner product, and stays close to float32."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers.recurrent_decoding import output_logits
from keras_s2s.layers.recurrent_decoding import run_cells
from keras_s2s.layers.recurrent_decoding import search_output

ROWS, UNITS, VOCAB = 3, 16, 40


def decoder(cell):
    keras.utils.set_random_seed(0)
    dec = AttentionDecoder(cell, UNITS, ContentAttention(8, "additive"),
                           vocab_size=VOCAB)
    dec(np.ones((ROWS, 4), "int32"), np.ones((ROWS, 5, 12), "float32"))
    for weight in dec.weights:  # every bias and gate matters
        weight.assign(np.asarray(weight) * 2 + 0.05)
    return dec


def step_graph(dec, precision):
    """A tf.function of one cell step and the output layer inside
    `search_output`, as a search traces it; returns it and its concrete
    function."""
    k = 2 if dec.cell == "lstm" else 1
    inputs = tf.TensorSpec([None, dec.cells[0].kernel.shape[0]], "float32")
    states = [tf.TensorSpec([None, UNITS], "float32")] * k

    @tf.function
    def step(x, *state):
        with search_output(dec, precision, recurrent_precision=precision):
            new_state, top = run_cells(dec.cells, k, x, state, None, False,
                                       dec._search_cells)
            return (output_logits(dec, top), *new_state)

    return step, step.get_concrete_function(inputs, *states)


def bias_adds(graph):
    """dtypes of the additions that read a product's result directly."""
    return [op.outputs[0].dtype.name for op in graph.get_operations()
            if op.type in ("AddV2", "BiasAdd")
            and any(i.op.type == "MatMul" for i in op.inputs)]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bfloat16_products_add_their_bias_before_the_cast(cell):
    dec = decoder(cell)
    _, low = step_graph(dec, "bfloat16")
    _, full = step_graph(dec, "float32")
    # LSTM: the cell's one product and the output layer's; GRU: its input
    # and recurrent products and the output layer's.
    count = 2 if cell == "lstm" else 3
    assert bias_adds(low.graph) == ["bfloat16"] * count
    assert bias_adds(full.graph) == ["float32"] * count


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bfloat16_step_stays_close_to_float32(cell):
    dec = decoder(cell)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, dec.cells[0].kernel.shape[0])) \
        .astype("float32")
    state = [rng.normal(size=(ROWS, UNITS)).astype("float32")
             for _ in range(2 if cell == "lstm" else 1)]
    low, _ = step_graph(dec, "bfloat16")
    full, _ = step_graph(dec, "float32")
    got, want = low(x, *state), full(x, *state)
    for g, w in zip(got, want):
        assert g.dtype == tf.float32
        np.testing.assert_allclose(g, w, rtol=0.05, atol=0.05)
    assert not np.array_equal(got[0], want[0])  # the products did change


def cpu_has_bfloat16():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@pytest.mark.skipif(not cpu_has_bfloat16(),
                    reason="TensorFlow fuses bfloat16 products only on a "
                           "CPU with bfloat16 units")
def test_tensorflow_runs_each_bfloat16_product_fused_with_its_bias():
    """The graph TensorFlow runs (after Grappler and oneDNN's rewrites)."""
    dec = decoder("lstm")
    step, _ = step_graph(dec, "bfloat16")
    x = np.ones((ROWS, dec.cells[0].kernel.shape[0]), "float32")
    state = np.ones((ROWS, UNITS), "float32")
    context.enable_run_metadata()
    try:
        step(x, state, state)
        metadata = context.export_run_metadata()
    finally:
        context.disable_run_metadata()
    ran = [node for function in metadata.function_graphs
           for graph in function.partition_graphs for node in graph.node]
    products = [n for n in ran if "MatMul" in n.op]
    assert len(products) == 2, [n.op for n in products]
    for node in products:
        assert "Fused" in node.op, node.op
        assert node.attr["T"].type == tf.bfloat16.as_datatype_enum
