import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.generation import blocked_top_k
from keras_s2s.generation.blocked_top_k import block_size
from keras_s2s.generation.blocked_top_k import top_k_with_logsumexp
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq


def reference(logits, k):
    values, indices = tf.math.top_k(logits, k)
    return (values.numpy(), indices.numpy(),
            tf.reduce_logsumexp(logits, axis=-1).numpy())


@pytest.mark.parametrize("vocab", [1024, 1031, 8000])
@pytest.mark.parametrize("k", [1, 5, 16])
def test_same_as_top_k_and_logsumexp(vocab, k):
    rng = np.random.default_rng(vocab + k)
    logits = rng.normal(0, 4, (7, vocab)).astype("float32")
    logits[0] = -1e9             # a row of banned tokens only
    logits[1, -3:] = 50.0        # the best in the last (padded) block
    values, indices, lse = top_k_with_logsumexp(tf.constant(logits), k)
    want = reference(logits, k)
    np.testing.assert_array_equal(np.asarray(values), want[0])
    np.testing.assert_array_equal(np.asarray(indices), want[1])
    np.testing.assert_allclose(np.asarray(lse), want[2], rtol=1e-6)


def test_ties_go_to_the_lower_index_as_with_top_k():
    rng = np.random.default_rng(0)
    # Few distinct values: many ties, within and across blocks.
    logits = rng.integers(0, 4, (9, 2000)).astype("float32")
    # A later block with the higher maximum also holds the runner-up
    # value, which an earlier block holds too.
    size = block_size(2000)
    logits[0] = 0.0
    logits[0, [1, 5 * size + 1]] = 3.0
    logits[0, 5 * size] = 5.0
    values, indices, _ = top_k_with_logsumexp(tf.constant(logits), 12)
    want = reference(logits, 12)
    assert list(want[1][0, :2]) == [5 * size, 1]
    np.testing.assert_array_equal(np.asarray(values), want[0])
    np.testing.assert_array_equal(np.asarray(indices), want[1])


def test_k_as_a_tensor_also_beyond_the_number_of_blocks():
    logits = np.random.default_rng(1).normal(size=(3, 1024))
    logits = tf.constant(logits.astype("float32"))
    n_blocks = 1024 // block_size(1024)
    fn = tf.function(lambda k: top_k_with_logsumexp(logits, k)[:2])
    for k in (4, n_blocks, n_blocks + 8):
        values, indices = fn(tf.constant(k))
        want = reference(logits, k)
        np.testing.assert_array_equal(values.numpy(), want[0])
        np.testing.assert_array_equal(indices.numpy(), want[1])


def test_columns_known_only_when_the_graph_runs(monkeypatch):
    """A shortlist's candidates: the width is a tensor, the blocks are
    DYNAMIC_BLOCK wide (the last one padded), and widths under
    MIN_BLOCKED_VOCAB or with fewer blocks than k take top_k itself."""
    traced = []
    blocked = blocked_top_k._blocked
    monkeypatch.setattr(blocked_top_k, "_blocked", lambda *args: (
        traced.append(args[2]) or blocked(*args)))
    fn = tf.function(top_k_with_logsumexp, input_signature=[
        tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([], tf.int32)])
    size = blocked_top_k.DYNAMIC_BLOCK
    for vocab in (512, 1024, 1031, 3840, 8000):
        rng = np.random.default_rng(vocab)
        logits = rng.normal(0, 4, (5, vocab)).astype("float32")
        logits[0] = -1e9
        logits[1, -3:] = 50.0
        logits[2, [7, 3 * size + 7]] = 30.0  # a tie across blocks
        for k in (1, 5, 16, -(-vocab // size) + 1):
            values, indices, lse = fn(tf.constant(logits), tf.constant(k))
            want = reference(logits, k)
            np.testing.assert_array_equal(values.numpy(), want[0])
            np.testing.assert_array_equal(indices.numpy(), want[1])
            np.testing.assert_allclose(lse.numpy(), want[2], rtol=1e-6)
    # One trace, in which the blocked path is one branch.
    assert traced == [size]


def test_block_size():
    assert block_size(8000) == 80          # a divisor: no padding
    assert block_size(1031) == 32          # a prime: the last block padded
    for vocab in (1024, 1031, 8000, 32000, 50257):
        size = block_size(vocab)
        assert size * size // 4 <= vocab <= 4 * size * size


def test_beam_search_is_unchanged_by_the_blocked_path(monkeypatch):
    keras.utils.set_random_seed(3)
    vocab = 1500
    model = Seq2Seq(
        RNNEncoder("gru", 8, bidirectional=True, vocab_size=vocab),
        AttentionDecoder("gru", 16, ContentAttention(8, "additive"),
                         vocab_size=vocab),
        start_id=2, end_id=3)
    source = np.random.default_rng(3).integers(4, vocab, (4, 6))
    model({"source": source, "target_in": source})
    kernel = model.decoder.output_projection.kernel
    kernel.assign(kernel * 6.0)

    def run():
        return {name: np.asarray(value) for name, value in model.search(
            source, method="beam", beam_size=4, num_return=4,
            max_length=8).items()}

    blocked = run()
    monkeypatch.setattr(blocked_top_k, "MIN_BLOCKED_VOCAB", 10 ** 9)
    plain = run()
    np.testing.assert_array_equal(blocked["tokens"], plain["tokens"])
    np.testing.assert_allclose(blocked["scores"], plain["scores"], rtol=1e-5)
