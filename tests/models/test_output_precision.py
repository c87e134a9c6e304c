"""`Seq2Seq.search(..., output_precision="bfloat16")`: the output layer's
matrix product in bfloat16, its kernel cast once outside the search loop,
in Python and on TF Serving's C++ path."""

import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1]
                       / "export"))
from serving_fixtures import TEXTS  # noqa: E402
from serving_fixtures import build  # noqa: E402
from serving_fixtures import export_and_serve  # noqa: E402
from serving_fixtures import make_tokenizers  # noqa: E402

SOURCE = np.array([[5, 9, 7, 4, 0], [6, 6, 8, 0, 0]], "int32")


def tiny(tie=False, seed=0):
    keras.utils.set_random_seed(seed)
    model = Seq2Seq(
        RNNEncoder("gru", 8, bidirectional=True, vocab_size=40),
        AttentionDecoder("lstm", 16, ContentAttention(8, "additive"),
                         vocab_size=40, tie_embeddings=tie),
        start_id=2, end_id=3)
    model({"source": SOURCE, "target_in": SOURCE})
    return model


@pytest.mark.parametrize("tie", [False, True])
def test_bfloat16_output_is_close_to_float32(tie):
    model = tiny(tie)
    full = model.search(SOURCE, method="beam", beam_size=3, max_length=6)
    low = model.search(SOURCE, method="beam", beam_size=3, max_length=6,
                       output_precision="bfloat16")
    # bfloat16 keeps 8 bits of mantissa: scores agree to about 1%.
    np.testing.assert_allclose(np.asarray(low["log_probs"]),
                               np.asarray(full["log_probs"]), rtol=0.03,
                               atol=0.03)
    assert np.asarray(low["log_probs"]).dtype == np.float32


def test_the_kernel_is_cast_outside_the_loop_and_multiplied_inside():
    model = tiny()
    fn = tf.function(lambda x: model.search(
        x, method="greedy", max_length=6, output_precision="bfloat16"))
    graph = fn.get_concrete_function(
        tf.TensorSpec([None, None], tf.int32)).graph
    kernel_shape = tuple(model.decoder.output_projection.kernel.shape)
    outer_casts = [op for op in graph.get_operations() if op.type == "Cast"
                   and op.get_attr("DstT") == tf.bfloat16
                   and tuple(op.outputs[0].shape) == kernel_shape]
    assert len(outer_casts) == 1
    library = graph.as_graph_def().library.function
    loop_matmuls = [node for f in library for node in f.node_def
                    if node.op in ("MatMul", "BatchMatMulV2")
                    and node.attr["T"].type == tf.bfloat16.as_datatype_enum]
    assert loop_matmuls, "no bfloat16 product in the loop"


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="valid ones are float32, bfloat16"):
        tiny().search(SOURCE, method="greedy", output_precision="float16")


@pytest.mark.parametrize("tie", [False, True])
@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_out_in_kernels_search_as_in_out_ones(tie, method):
    model = tiny(tie)
    for weight in model.decoder.weights:  # every gate matters
        weight.assign(np.asarray(weight) * 3 + 0.1)
    options = dict(method=method, max_length=6,
                   output_precision="bfloat16",
                   recurrent_precision="bfloat16")
    if method == "beam":
        options["beam_size"] = 3
    want = model.search(SOURCE, **options)
    got = model.search(SOURCE, kernel_layout="out_in", **options)
    np.testing.assert_array_equal(got["tokens"], want["tokens"])
    np.testing.assert_allclose(got["log_probs"], want["log_probs"],
                               rtol=1e-2, atol=1e-2)
    # Each bfloat16 kernel is cast and transposed ([out, in]) once,
    # outside the loop; the products inside read it with transpose_b.
    fn = tf.function(lambda x: model.search(x, kernel_layout="out_in",
                                            **options))
    graph = fn.get_concrete_function(
        tf.TensorSpec([None, None], tf.int32)).graph
    cell = model.decoder.cells[0]
    stacked = (cell.kernel.shape[0] + cell.recurrent_kernel.shape[0],
               cell.kernel.shape[1])
    vocab, dim = 40, 16
    shapes = [tuple(op.outputs[0].shape) for op in graph.get_operations()
              if op.type in ("Transpose", "Cast")
              and op.outputs[0].dtype == tf.bfloat16]
    assert (stacked[1], stacked[0]) in shapes
    assert (vocab, dim) in shapes
    library = graph.as_graph_def().library.function
    assert any(node.op in ("MatMul", "BatchMatMulV2")
               and node.attr["T"].type == tf.bfloat16.as_datatype_enum
               for f in library for node in f.node_def)
    with pytest.raises(ValueError, match="valid layouts are in_out, out_in"):
        model.search(SOURCE, kernel_layout="transposed", **options)


@pytest.mark.parametrize("layout", ["in_out", "out_in"])
def test_export_serves_it_on_the_cpp_path(tmp_path, layout):
    model = build("bilstm_attn_mt", make_tokenizers())
    model.generation_config["output_precision"] = "bfloat16"
    model.generation_config["recurrent_precision"] = "bfloat16"
    model.generation_config["kernel_layout"] = layout
    # Its answers on the C++ path equal the model's own search.
    path = export_and_serve(model, tmp_path / "m")
    # The export holds the bfloat16 kernels (output layer; the LSTM's two
    # kernels stacked), transposed with out_in, instead of their float32
    # originals.
    reader = tf.train.load_checkpoint(f"{path}/variables/variables")
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    decoder = model.decoder
    cell = decoder.cells[0]
    stacked = [cell.kernel.shape[0] + cell.recurrent_kernel.shape[0],
               cell.kernel.shape[1]]
    kernels = [list(decoder.output_projection.kernel.shape), stacked]
    if layout == "out_in":
        kernels = [shape[::-1] for shape in kernels]
    for shape in kernels:
        held = {dtypes[k] for k, v in shapes.items() if v == shape}
        assert held == {tf.bfloat16}, (shape, held)
    for shape in kernels:
        assert shape[::-1] not in shapes.values()
    assert list(cell.recurrent_kernel.shape) not in shapes.values()
    # The model itself searches with its own weights again afterwards.
    assert getattr(decoder, "_stored_search_weights", None) is None
    if layout == "out_in":
        # The same answers as the in_out layout.
        texts = tf.constant(TEXTS[:2])
        out_in = np.asarray(model.search(texts)["text"])
        model.generation_config["kernel_layout"] = "in_out"
        np.testing.assert_array_equal(
            np.asarray(model.search(texts)["text"]), out_in)


def tiny_decoder(decoder, cell, layers=2, seed=0):
    keras.utils.set_random_seed(seed)
    if decoder == "attention":
        dec = AttentionDecoder(cell, 16, ContentAttention(8, "additive"),
                               vocab_size=40, num_layers=layers)
    else:
        dec = RNNDecoder(cell, 16, vocab_size=40, num_layers=layers)
    model = Seq2Seq(RNNEncoder("gru", 8, bidirectional=True, vocab_size=40),
                    dec, start_id=2, end_id=3)
    model({"source": SOURCE, "target_in": SOURCE})
    return model


def steps(model, n=3, **context):
    """The decoder's states and logits over `n` steps from SOURCE."""
    decoder = model.decoder
    outputs, state, mask = model.encoder(SOURCE)
    memory = decoder.prepare_memory(outputs, mask)
    state = decoder.initial_state(outputs, state)
    ids = np.array([2, 2], "int32")
    seen = []
    with decoder.search_output(**context):
        for i in range(n):
            logits, state = decoder.step(ids, state, memory)
            seen += [np.asarray(x) for x in state["rnn"]] + [
                np.asarray(logits)]
            ids = np.array([5 + i, 9 - i], "int32")
    return seen


@pytest.mark.parametrize("decoder", ["attention", "rnn"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_prepared_cells_step_as_the_keras_cells(decoder, cell):
    model = tiny_decoder(decoder, cell)
    # Larger weights than the initialisers give, so every gate matters.
    for weight in model.decoder.weights:
        weight.assign(np.asarray(weight) * 3 + 0.1)
    keras_cells = steps(model)
    fused = steps(model, recurrent_precision="float32")
    for got, want in zip(fused, keras_cells):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)
    low = steps(model, recurrent_precision="bfloat16")
    for got, want in zip(low, keras_cells):
        np.testing.assert_allclose(got, want, rtol=0.05, atol=0.05)
    assert not all(np.array_equal(a, b) for a, b in zip(low, keras_cells))
    # Through a search too.
    full = model.search(SOURCE, method="beam", beam_size=3, max_length=6)
    prepared = model.search(SOURCE, method="beam", beam_size=3,
                            max_length=6, recurrent_precision="float32")
    np.testing.assert_array_equal(prepared["tokens"], full["tokens"])


def test_recurrent_kernels_are_cast_once_outside_the_loop():
    model = tiny_decoder("attention", "lstm", layers=1)
    fn = tf.function(lambda x: model.search(
        x, method="greedy", max_length=6, recurrent_precision="bfloat16"))
    graph = fn.get_concrete_function(
        tf.TensorSpec([None, None], tf.int32)).graph
    cell = model.decoder.cells[0]
    stacked = (cell.kernel.shape[0] + cell.recurrent_kernel.shape[0],
               cell.kernel.shape[1])
    outer_casts = [op for op in graph.get_operations() if op.type == "Cast"
                   and op.get_attr("DstT") == tf.bfloat16
                   and tuple(op.outputs[0].shape) == stacked]
    assert len(outer_casts) == 1
    with pytest.raises(ValueError, match="valid ones are float32, bfloat16"):
        model.search(SOURCE, method="greedy", recurrent_precision="int8")
