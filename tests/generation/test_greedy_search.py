import numpy as np
import tensorflow as tf
from keras import ops

from keras_s2s.generation import greedy_search

END = 3


def counting_step(ids, state):
    """Emits state+1 until it reaches the per-row limit, then END."""
    count, limit = state
    nxt = count + 1
    token = ops.where(nxt > limit, END, nxt + 10)
    logits = ops.one_hot(token, 20) * 5.0
    return logits, (nxt, limit)


def test_stops_per_sequence_and_pads():
    limit = ops.convert_to_tensor([1, 3, 0], "int32")
    state = (ops.zeros((3,), "int32"), limit)
    out = greedy_search(counting_step, state, ops.full((3,), 2, "int32"),
                        END, 6)
    tokens, lengths = out["tokens"], out["lengths"]
    np.testing.assert_array_equal(np.asarray(tokens), [
        [11, END, 0, 0, 0, 0],
        [11, 12, 13, END, 0, 0],
        [END, 0, 0, 0, 0, 0],
    ])
    np.testing.assert_array_equal(np.asarray(lengths), [2, 4, 1])


def test_max_length_caps_output():
    state = (ops.zeros((1,), "int32"), ops.convert_to_tensor([100], "int32"))
    out = greedy_search(counting_step, state, ops.full((1,), 2, "int32"),
                        END, 4)
    tokens, lengths = out["tokens"], out["lengths"]
    np.testing.assert_array_equal(np.asarray(tokens), [[11, 12, 13, 14]])
    np.testing.assert_array_equal(np.asarray(lengths), [4])


def test_runs_inside_tf_function():
    @tf.function
    def run(limit):
        state = (tf.zeros_like(limit), limit)
        out = greedy_search(counting_step, state,
                            tf.fill(tf.shape(limit), 2), END, 5)
        return out["tokens"], out["lengths"]

    tokens, lengths = run(tf.constant([2, 0]))
    np.testing.assert_array_equal(np.asarray(tokens),
                                  [[11, 12, END, 0, 0], [END, 0, 0, 0, 0]])
    np.testing.assert_array_equal(np.asarray(lengths), [3, 1])


def random_step(table):
    """Logits read from a fixed [steps, batch, V] table; state: (the step,
    the row) of each entry."""
    steps, batch, vocab = table.shape
    flat = ops.convert_to_tensor(table.reshape(steps * batch, vocab))

    def step(ids, state):
        t, row = state
        return ops.take(flat, t * batch + row, axis=0), (t + 1, row)

    return step


def test_picks_the_argmax_and_sums_its_log_softmax():
    rng = np.random.default_rng(0)
    steps, batch, vocab = 6, 5, 300
    table = rng.normal(0, 4, (steps, batch, vocab)).astype("float32")
    # Ties: the lowest id wins, as with argmax.
    table[0, 0, 7] = table[0, 0, 250] = table[0, 0].max() + 1.0
    # No row ends early: END stays below every other logit.
    table[:, :, END] = -100.0
    state = (ops.zeros((batch,), "int32"), ops.arange(batch, dtype="int32"))
    out = greedy_search(random_step(table), state,
                        ops.zeros((batch,), "int32"), END, steps)
    expected = table.argmax(-1).T                        # [batch, steps]
    np.testing.assert_array_equal(np.asarray(out["tokens"]), expected)
    assert expected[0, 0] == 7
    log_softmax = table - np.log(np.exp(
        table - table.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - table.max(-1, keepdims=True)
    chosen = np.take_along_axis(log_softmax, expected.T[..., None], -1)
    np.testing.assert_allclose(np.asarray(out["log_probs"]),
                               chosen[..., 0].sum(0), rtol=1e-5)
