"""Tied output layer (Press & Wolf 2017): the target embedding matrix is
the output projection, one variable trained from both ends."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from decoder_steps import step_by_step
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

V = 13
SRC = np.array([[5, 6, 7, 0], [4, 9, 8, 7]], "int32")
TGT = np.array([[2, 5, 6, 0], [2, 9, 8, 4]], "int32")
ABSENT = 11  # in no target_in: its embedding row is read by the output only


def decoders(tie):
    return {
        "attention": lambda: AttentionDecoder(
            "lstm", 6, attention=ContentAttention(6, "additive"),
            vocab_size=V, embedding_dim=6, tie_embeddings=tie),
        "rnn": lambda: RNNDecoder("gru", 6, vocab_size=V, embedding_dim=6,
                                  tie_embeddings=tie),
    }


def model(kind, tie):
    return Seq2Seq(RNNEncoder("lstm", 3, bidirectional=True, vocab_size=V),
                   decoders(tie)[kind]())


@pytest.mark.parametrize("kind", ["attention", "rnn"])
def test_tied_weights_are_one_variable_trained_from_both_ends(kind):
    tied, untied = model(kind, True), model(kind, False)
    inputs = {"source": SRC, "target_in": TGT}
    tied(inputs), untied(inputs)
    # The output layer's kernel is gone: vocab x units fewer parameters.
    assert untied.count_params() - tied.count_params() == V * 6
    embeddings = tied.decoder.embedding.embeddings
    assert not any(w.path.endswith("output_projection/kernel")
                   for w in tied.weights)
    with tf.GradientTape() as tape:
        logits = tied(inputs, training=True)
        loss = tf.reduce_mean(
            tf.keras.losses.sparse_categorical_crossentropy(
                np.roll(TGT, -1, axis=1), logits, from_logits=True))
    grad = np.asarray(tf.convert_to_tensor(
        tape.gradient(loss, embeddings.value)))
    # Trained from the output end: a row no input token reads has a
    # gradient; from the input end too: the rows of the tokens read.
    assert np.any(grad[ABSENT]) and np.any(grad[5])
    # One variable at both ends. Only the output reads row ABSENT: changing
    # it changes that column's scores and no other.
    before = np.asarray(tied(inputs))
    table = np.asarray(embeddings.value).copy()
    table[ABSENT] += 1.0
    embeddings.assign(table)
    after = np.asarray(tied(inputs))
    changed = np.abs(after - before).max(axis=(0, 1)) > 1e-6
    assert changed[ABSENT] and changed.sum() == 1
    # Row 5 is read at the input of step 1 of the first sentence: changing
    # it changes that step's scores in other columns too.
    table[5] += 1.0
    embeddings.assign(table)
    moved = np.abs(np.asarray(tied(inputs)) - after)[0, 1]
    assert np.sum(moved > 1e-6) > 2


@pytest.mark.parametrize("kind", ["attention", "rnn"])
def test_tied_model_searches_and_round_trips(kind, tmp_path):
    m = model(kind, True)
    out = m.search(SRC, method="beam", beam_size=2, max_length=5)
    path = str(tmp_path / "tied.keras")
    m.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.decoder.tie_embeddings
    np.testing.assert_array_equal(
        np.asarray(loaded.search(SRC, method="beam", beam_size=2,
                                 max_length=5)["tokens"]),
        np.asarray(out["tokens"]))


@pytest.mark.parametrize("kind", ["attention", "rnn"])
def test_tying_needs_equal_sizes(kind):
    cls = AttentionDecoder if kind == "attention" else RNNDecoder
    # What the output layer reads: the attentional vector (of
    # `attentional_dim`, default `units`), or the recurrent state.
    read = "attentional_dim" if kind == "attention" else "units"
    with pytest.raises(ValueError, match=f"embedding_dim.*must equal.*{read}"):
        cls(units=8, vocab_size=V, embedding_dim=4, tie_embeddings=True)
    if kind == "attention":
        with pytest.raises(ValueError, match="attentional_dim"):
            cls(units=8, vocab_size=V, embedding_dim=4, attentional_dim=0)


def test_a_small_attentional_vector_ties_a_small_embedding():
    """`attentional_dim` below `units`: the output layer and input feeding
    read vectors of that size, so a 4-wide embedding ties with an 8-unit
    LSTM; step-by-step search scores what teacher forcing scores."""
    decoder = AttentionDecoder(
        "lstm", 8, attention=ContentAttention(8, "additive"), vocab_size=V,
        embedding_dim=4, tie_embeddings=True, attentional_dim=4)
    m = Seq2Seq(RNNEncoder("lstm", 3, bidirectional=True, vocab_size=V),
                decoder)
    logits = np.asarray(m({"source": SRC, "target_in": TGT}))
    assert logits.shape == (2, 4, V)
    assert decoder.attentional_projection.kernel.shape == (6 + 8, 4)
    # Input feeding: the cell reads [embedding; attentional] = 4 + 4.
    assert decoder.cells[0].kernel.shape == (8, 4 * 8)
    wide = AttentionDecoder(
        "lstm", 8, attention=ContentAttention(8, "additive"), vocab_size=V,
        embedding_dim=8, tie_embeddings=True)
    Seq2Seq(RNNEncoder("lstm", 3, bidirectional=True, vocab_size=V),
            wide)({"source": SRC, "target_in": TGT})
    # A 4-wide output layer and embedding, and a narrower cell input.
    assert (wide.count_params() - decoder.count_params()
            == V * 4 + (6 + 8) * 4 + 8 * 4 * 8)
    # Step by step, the same scores as teacher forcing.
    outputs, state, mask = m.encoder(SRC)
    for t, step_logits, _ in step_by_step(decoder, outputs, state, mask, TGT):
        np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)
