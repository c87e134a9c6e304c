"""`search_output(..., fuse_bias=True)`: each lower-precision product adds
its bias in that precision, so TensorFlow fuses product and bias into one
oneDNN inner product; greedy search asks for it, beam search does not."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNEncoder
from keras_s2s.layers.recurrent_decoding import output_logits
from keras_s2s.layers.recurrent_decoding import run_cells
from keras_s2s.models import Seq2Seq
from keras_s2s.training.precision import bf16_units

ROWS, UNITS, VOCAB = 3, 16, 40


def decoder(cell):
    keras.utils.set_random_seed(0)
    dec = AttentionDecoder(cell, UNITS, ContentAttention(8, "additive"),
                           vocab_size=VOCAB)
    dec(np.ones((ROWS, 4), "int32"), np.ones((ROWS, 5, 12), "float32"))
    for weight in dec.weights:  # every bias and gate matters
        weight.assign(np.asarray(weight) * 2 + 0.05)
    return dec


def step_graph(dec, precision, fuse_bias):
    """A tf.function of one cell step and the output layer inside
    `search_output`, as a search traces it; and its concrete function."""
    k = 2 if dec.cell == "lstm" else 1
    inputs = tf.TensorSpec([None, dec.cells[0].kernel.shape[0]], "float32")
    states = [tf.TensorSpec([None, UNITS], "float32")] * k

    @tf.function
    def step(x, *state):
        with dec.search_output(precision, recurrent_precision=precision,
                               fuse_bias=fuse_bias):
            new_state, top = run_cells(dec.cells, k, x, state, None, False,
                                       dec._search_cells)
            return (output_logits(dec, top), *new_state)

    return step, step.get_concrete_function(inputs, *states)


def bias_adds(graph_def):
    """dtypes of the additions that read a product's result, directly or
    cast, in a graph and the functions of its library (a search's loop
    body)."""
    node_lists = [graph_def.node] + [f.node_def
                                     for f in graph_def.library.function]
    found = []
    for nodes in node_lists:
        by_name = {n.name: n for n in nodes}

        def product(name, by_name=by_name):
            node = by_name.get(name.split(":")[0])
            if node is not None and node.op == "Cast":
                node = by_name.get(node.input[0].split(":")[0])
            return node is not None and node.op == "MatMul"

        for n in nodes:
            if n.op in ("AddV2", "BiasAdd") and any(map(product, n.input)):
                found.append(tf.dtypes.as_dtype(n.attr["T"].type).name)
    return sorted(found)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_fuse_bias_adds_each_bias_before_the_cast(cell):
    dec = decoder(cell)
    # LSTM: the cell's one product and the output layer's; GRU: its input
    # and recurrent products and the output layer's.
    count = 2 if cell == "lstm" else 3
    for precision, fuse, dtype in [("bfloat16", True, "bfloat16"),
                                   ("bfloat16", False, "float32"),
                                   ("float32", True, "float32")]:
        _, graph = step_graph(dec, precision, fuse)
        assert bias_adds(graph.graph.as_graph_def()) == [dtype] * count, (
            precision, fuse)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_fused_step_stays_close_to_the_unfused_one(cell):
    dec = decoder(cell)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, dec.cells[0].kernel.shape[0])) \
        .astype("float32")
    state = [rng.normal(size=(ROWS, UNITS)).astype("float32")
             for _ in range(2 if cell == "lstm" else 1)]
    fused, _ = step_graph(dec, "bfloat16", True)
    plain, _ = step_graph(dec, "bfloat16", False)
    full, _ = step_graph(dec, "float32", False)
    got, unfused, want = (f(x, *state) for f in (fused, plain, full))
    for g, u, w in zip(got, unfused, want):
        assert g.dtype == tf.float32
        np.testing.assert_allclose(g, w, rtol=0.05, atol=0.05)
        np.testing.assert_allclose(g, u, rtol=0.05, atol=0.05)


def test_greedy_search_fuses_and_beam_search_does_not():
    keras.utils.set_random_seed(0)
    model = Seq2Seq(RNNEncoder("gru", 8, bidirectional=True, vocab_size=40),
                    AttentionDecoder("lstm", 16, ContentAttention(8),
                                     vocab_size=40),
                    start_id=2, end_id=3)
    source = np.array([[5, 9, 7, 4, 0], [6, 6, 8, 0, 0]], "int32")
    model({"source": source, "target_in": source})
    found = {}
    for method in ("greedy", "beam"):
        fn = tf.function(lambda s, m=method: model.search(
            s, method=m, beam_size=2, max_length=4,
            output_precision="bfloat16",
            recurrent_precision="bfloat16")["tokens"])
        graph = fn.get_concrete_function(
            tf.TensorSpec([None, None], "int32")).graph
        found[method] = bias_adds(graph.as_graph_def())
    # The output layer's and the cell's products; the other products
    # (encoder, attention) are float32 in both.
    assert found["greedy"].count("bfloat16") == 2
    assert found["beam"].count("bfloat16") == 0
    # Beam search has the step in its graph twice (its first step runs
    # before the loop, one row per entry): the two products once more.
    assert len(found["beam"]) == len(found["greedy"]) + 2


def cpu_has_bfloat16():
    """On a CPU (no GPU to place the products on) with bfloat16 units."""
    return (not tf.config.list_physical_devices("GPU")) and bool(bf16_units())


@pytest.mark.skipif(not cpu_has_bfloat16(),
                    reason="TensorFlow fuses bfloat16 products only on a "
                           "CPU with bfloat16 units")
def test_tensorflow_runs_each_fused_product_as_one_op():
    """The graph TensorFlow runs (after Grappler and oneDNN's rewrites)."""
    dec = decoder("lstm")
    step, _ = step_graph(dec, "bfloat16", True)
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
