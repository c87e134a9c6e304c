"""Beam search with one memory row per entry (`share_memory`) gives what it
gives with the memory tiled per hypothesis, for every attention."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_beam_search import END
from test_beam_search import SRC
from test_beam_search import START

from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import BaseAttention
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import LocationAttention
from keras_s2s.layers import PointerGeneratorDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

V = 12

ATTENTIONS = {
    "additive": lambda: ContentAttention(6, "additive"),
    "additive+coverage": lambda: ContentAttention(6, "additive",
                                                  use_coverage=True),
    "dot": lambda: ContentAttention(score="dot"),
    "general": lambda: ContentAttention(score="general"),
    "scaled_dot": lambda: ContentAttention(score="scaled_dot"),
    "location_aware": lambda: LocationAttention(
        6, "location_aware", filters=3, kernel_size=3),
    "location_aware+positions": lambda: LocationAttention(
        6, "location_aware", filters=3, kernel_size=3,
        position_features=True),
    "location": lambda: LocationAttention(6, "location", max_length=8),
}


def model_with(attention, decoder_class=AttentionDecoder):
    keras.utils.set_random_seed(3)
    model = Seq2Seq(
        RNNEncoder("gru", 4, bidirectional=True, vocab_size=V),
        decoder_class("gru", 8, attention, vocab_size=V),
        start_id=START, end_id=END)
    model({"source": SRC, "target_in": SRC})
    kernel = model.decoder.output_projection.kernel
    kernel.assign(kernel * 8.0)        # sharper than a fresh initialisation
    return model


def tiled_and_shared(model, search):
    """`search(model)` with the memory tiled, then shared."""
    decoder = model.decoder
    decoder.shares_beam_memory = False       # this instance only
    tiled = search(model)
    del decoder.shares_beam_memory
    return tiled, search(model)


def assert_same(a, b):
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_allclose(np.asarray(a[name]), np.asarray(b[name]),
                                   atol=1e-5, err_msg=name)


@pytest.mark.parametrize("name", sorted(ATTENTIONS))
def test_shared_memory_searches_the_same(name):
    model = model_with(ATTENTIONS[name]())
    assert model.decoder.shares_beam_memory
    options = dict(method="beam", beam_size=3, alpha=0.6, beta=0.2,
                   num_return=2, return_alignments=True, max_length=7,
                   relative_max_length=(1.0, 1))
    # In a graph, where the batch sizes are unknown; then eagerly, shared.
    graph_tiled, graph_shared = tiled_and_shared(
        model, lambda m: tf.function(lambda s: m.search(s, **options))(
            tf.constant(SRC)))
    assert_same(graph_tiled, graph_shared)
    assert_same(model.search(SRC, **options), graph_shared)


def test_a_memory_row_serves_its_group_of_queries():
    attention = ContentAttention(5, "additive")
    rng = np.random.default_rng(0)
    query = rng.normal(size=(6, 4)).astype("float32")      # 2 groups of 3
    values = rng.normal(size=(2, 5, 7)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    repeated = attention(query, np.repeat(values, 3, 0),
                         mask=np.repeat(mask, 3, 0))
    grouped = attention(query, values, mask=mask, grouped=True)
    for a, b in zip(repeated, grouped):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    assert np.all(np.asarray(grouped[1])[:3, 3:] == 0.0)


def test_an_attention_without_groups_is_served_repeated_rows():
    class Uniform(BaseAttention):       # a user's attention: no `groups`
        def compute_scores(self, query, keys, previous_weights=None,
                           coverage=None, training=False):
            return keras.ops.sum(keys, axis=-1) * 0.0

    values = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    context, _ = Uniform()(np.ones((4, 5), "float32"), values, grouped=True)
    np.testing.assert_allclose(np.asarray(context),
                               np.repeat(values.mean(1), 2, 0))


def test_a_copying_decoder_keeps_its_memory_tiled():
    assert not PointerGeneratorDecoder.shares_beam_memory
