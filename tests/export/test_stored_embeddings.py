"""`keras_s2s.export.stored_embeddings`: embedding tables that are exactly
int8 values times per-column scales (zoo weights shipped in int8) are
exported so, and the lookups give the same numbers on the C++ path."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s import zoo
from keras_s2s.export.stored_embeddings import lossless_int8
from keras_s2s.zoo.packing import quantize_int8
from serving_fixtures import export_and_serve
from serving_fixtures import make_tokenizers
from serving_fixtures import tiny


def int8_exact(table):
    """`table` as the zoo's int8 storage loads it: q * scale, float32."""
    q, scale = quantize_int8(np.asarray(table))
    return q.astype("float32") * scale


def test_lossless_int8_recovers_the_zoo_storage_and_refuses_the_rest():
    rng = np.random.default_rng(0)
    table = rng.normal(0, 0.3, (50, 8)).astype("float32")
    table[:, 3] = 0.0  # a column of zeros keeps scale 1
    stored = int8_exact(table)
    q, scale = lossless_int8(stored)
    assert q.dtype == np.int8 and scale.dtype == np.float32
    np.testing.assert_array_equal(q.astype("float32") * scale, stored)
    # Ordinary float32 weights are not int8 values: left as they are.
    assert lossless_int8(table) is None
    assert lossless_int8(stored.astype("float64")) is None


@pytest.mark.parametrize("tie", [False, True])
def test_an_export_holds_int8_tables_and_answers_the_same(tmp_path, tie):
    over = tiny("bilstm_attn_mt")
    if tie:  # the attentional vector scores against the embeddings
        over["decoder"].update(tie_embeddings=True, attentional_dim=8)
    tokenizer = make_tokenizers()["text"]
    model = zoo.load("bilstm_attn_mt", pretrained=False,
                     source_tokenizer=tokenizer, target_tokenizer=tokenizer,
                     **over)
    layers = [model.encoder.embedding, model.decoder.embedding]
    for layer in layers:
        layer.embeddings.assign(int8_exact(layer.embeddings))
    # The C++ path answers as the model's own search (`export_and_serve`).
    saved = export_and_serve(model, tmp_path / "m")
    reader = tf.train.load_checkpoint(f"{saved}/variables/variables")
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    table = list(layers[0].embeddings.shape)
    held = sorted(dtypes[k].name for k, v in shapes.items() if v == table)
    # A decoder tied to its output layer reads its whole table: float32.
    assert held == (["float32", "int8"] if tie else ["int8", "int8"])
    for layer in layers:  # the model reads its own tables again
        assert "call" not in vars(layer)
        assert isinstance(layer.embeddings, keras.Variable)
