"""Beam search stops an entry once its returned hypotheses are settled
(`settle`), and nothing else changes."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from test_beam_search import SRC
from test_beam_search import tiny_model

from keras_s2s.generation import beam_search
from keras_s2s.generation.beam_search import settled

END = 3


def check_settled(scores, log_probs, finished, lengths, caps, alpha,
                  num_return=1):
    return list(np.asarray(settled(
        ops.convert_to_tensor(scores, "float32"),
        ops.convert_to_tensor(log_probs, "float32"),
        ops.convert_to_tensor(finished), ops.convert_to_tensor(lengths),
        ops.convert_to_tensor(caps), alpha, num_return)))


def test_settled_compares_the_returned_scores_with_the_best_still_possible():
    # Beams sorted best first: the first has ended at -0.5, the others are
    # at -1.0 and -2.0 after 5 tokens, capped at 20.
    scores = [[-0.5, -1.0, -2.0]]
    log_probs = [[-0.5, -1.0, -2.0]]
    finished, lengths, caps = [[True, False, False]], [[6, 5, 5]], [[20]]
    # Ranked by log-probability alone, which only falls: settled.
    assert check_settled(scores, log_probs, finished, lengths, caps,
                         0.0) == [True]
    # With a length penalty, -1.0 at length 5 can still reach
    # -1.0 / ((5 + 20) / 6) = -0.24 at the cap of 20: not settled; with a
    # cap of 6 it reaches -1.0 / (11 / 6) = -0.55 at best: settled.
    lp = [[-0.5, -1.0 / (10 / 6), -2.0 / (10 / 6)]]
    assert check_settled(lp, log_probs, finished, lengths, caps,
                         1.0) == [False]
    assert check_settled(lp, log_probs, finished, lengths, [[6]],
                         1.0) == [True]
    # The first beam unfinished, or the second of two returned ones.
    assert check_settled(scores, log_probs, [[False, True, True]], lengths,
                         caps, 0.0) == [False]
    assert check_settled(scores, log_probs, finished, lengths, caps, 0.0,
                         num_return=2) == [False]
    assert check_settled(scores, log_probs, [[True, True, False]], lengths,
                         caps, 0.0, num_return=2) == [True]
    # A tie does not settle: the unfinished beam could end at the same
    # score. Rows are independent.
    assert check_settled([[-1.0, -1.0, -3.0], [-0.5, -1.0, -2.0]],
                         [[-1.0, -1.0, -3.0], [-0.5, -1.0, -2.0]],
                         finished * 2, lengths * 2, caps * 2,
                         0.0) == [False, True]


def counting_step(calls, table):
    """A step whose scores come from `table[position, last token]`, with
    the rows it runs counted."""

    def step(ids, state):
        calls.append(int(ids.shape[0]))
        logits = tf.gather_nd(table, tf.stack([state, ids], axis=-1))
        return logits, state + 1

    return step


LENGTH = 12


def random_case(rng, vocab=7, batch=6, k=4):
    """A random search problem for `counting_step`: its score table, start
    ids, state and `beam_search` options (beam, per-entry length caps).
    Sharp scores with a likely end token, so hypotheses end at different
    steps."""
    table = rng.normal(0, 3, (LENGTH + 1, vocab, vocab))
    table[..., END] += rng.normal(1, 2)
    start = ops.convert_to_tensor(rng.integers(4, vocab, batch), "int32")
    options = dict(beam_size=k, max_lengths=ops.convert_to_tensor(
        rng.integers(3, LENGTH + 1, batch), "int32"))
    return (tf.constant(table, "float32"), start,
            ops.zeros((batch,), "int32"), options)


@pytest.mark.parametrize("alpha,beta,num_return,compact", [
    (0.0, 0.0, 1, True), (0.6, 0.0, 1, True), (1.0, 0.0, 2, True),
    (0.6, 0.0, 1, False), (0.0, 0.3, 1, True),
])
def test_random_searches_are_the_same_and_shorter(alpha, beta, num_return,
                                                  compact):
    rng = np.random.default_rng(0)
    saved = []
    for trial in range(6):
        table, start, state, options = random_case(rng)
        options.update(alpha=alpha, beta=beta, num_return=num_return,
                       compact=compact)
        batch = ops.shape(start)[0]
        if beta:
            def alignment(state):  # any weights that differ by position
                return tf.one_hot(state % 3, 3)
            options.update(alignment_fn=alignment,
                           source_mask=tf.ones((batch, 3), "bool"))
        calls = {}
        results = {}
        for on in (False, True):
            calls[on] = []
            results[on] = beam_search(counting_step(calls[on], table), state,
                                      start, END, LENGTH, settle=on,
                                      **options)
        for name, value in results[False].items():
            np.testing.assert_allclose(np.asarray(results[True][name]),
                                       np.asarray(value), atol=1e-5,
                                       err_msg=f"trial {trial}: {name}")
        assert sum(calls[True]) <= sum(calls[False])
        saved.append(sum(calls[False]) - sum(calls[True]))
    # Settling saved steps in some trial (rows are only dropped with
    # `compact`; without it the whole batch stops sooner or not at all).
    assert max(saved) > 0


def test_a_model_searches_the_same_with_and_without_settling():
    model = tiny_model()
    common = dict(method="beam", beam_size=3, max_length=7,
                  relative_max_length=(1.0, 1), alpha=0.6, num_return=2,
                  return_alignments=True)
    plain = model.search(SRC, settle=False, **common)
    graph = tf.function(lambda s: model.search(s, **common))
    for settling in (model.search(SRC, **common), graph(tf.constant(SRC))):
        assert sorted(settling) == sorted(plain)
        for name in plain:
            np.testing.assert_allclose(np.asarray(settling[name]),
                                       np.asarray(plain[name]), atol=1e-5,
                                       err_msg=name)


def test_the_best_rule_stops_once_the_returned_beams_have_finished():
    # The case above that the bound keeps searching (alpha 1.0, cap 20):
    # OpenNMT-py's rule stops it; unfinished returned beams still search.
    lp = [[-0.5, -1.0 / (10 / 6), -2.0 / (10 / 6)]]
    log_probs, lengths, caps = [[-0.5, -1.0, -2.0]], [[6, 5, 5]], [[20]]

    def best(finished, num_return=1):
        return list(np.asarray(settled(
            *(ops.convert_to_tensor(x, "float32") for x in (lp, log_probs)),
            ops.convert_to_tensor(finished), ops.convert_to_tensor(lengths),
            ops.convert_to_tensor(caps), 1.0, num_return, best_only=True)))

    assert best([[True, False, False]]) == [True]
    assert best([[False, True, True]]) == [False]
    assert best([[True, False, False]], num_return=2) == [False]
    assert best([[True, True, False]], num_return=2) == [True]


@pytest.mark.parametrize("alpha,num_return", [(0.0, 1), (0.0, 2), (0.6, 1),
                                              (1.0, 2)])
def test_the_best_rule_is_exact_without_a_length_penalty(alpha, num_return):
    """`settle="best"`: without a length penalty the results of the exact
    search; with one, never a better best hypothesis than it, in no more
    rows, and fewer in some trial."""
    rng = np.random.default_rng(1)
    saved = []
    for trial in range(6):
        table, start, state, options = random_case(rng)
        options.update(alpha=alpha, num_return=num_return)
        calls, results = {}, {}
        for rule in (True, "best"):
            calls[rule] = []
            results[rule] = beam_search(counting_step(calls[rule], table),
                                        state, start, END, LENGTH,
                                        settle=rule, **options)
        exact, best = results[True], results["best"]
        if alpha == 0.0:
            for name, value in exact.items():
                np.testing.assert_allclose(np.asarray(best[name]),
                                           np.asarray(value), atol=1e-5,
                                           err_msg=f"trial {trial}: {name}")
        else:
            assert np.all(np.asarray(best["scores"])[:, 0]
                          <= np.asarray(exact["scores"])[:, 0] + 1e-6)
            saved.append(sum(calls[True]) - sum(calls["best"]))
        assert sum(calls["best"]) <= sum(calls[True])
    if alpha:
        assert max(saved) > 0


def test_an_unknown_settle_rule_is_refused():
    with pytest.raises(ValueError, match="True, False or 'best'"):
        beam_search(lambda ids, s: (tf.zeros((3, 5)), s), tf.zeros((1,)),
                    tf.constant([1]), END, 4, beam_size=3, settle="first")
