"""Finished entries leave the batch (`compact`), and nothing else changes."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from test_beam_search import SRC
from test_beam_search import tiny_model

from keras_s2s.generation import beam_search
from keras_s2s.generation import greedy_search

END = 3


def recording_step(rows_seen):
    """A step that ends row i after limit[i] tokens and records batch sizes.

    The memory holds each row's limit, so a row whose memory were not
    dropped with it would end at the wrong step.
    """

    def step(ids, state, memory):
        rows_seen.append(int(ids.shape[0]))
        count = state + 1
        token = ops.where(count > memory, END, count + 10)
        return ops.one_hot(token, 20) * 5.0, count

    return step


@pytest.mark.parametrize("search,rows_per_step,rows_fixed", [
    # The entries end after 1, 3 and 5 tokens.
    (greedy_search, [3, 2, 2, 1, 1], [3] * 5),
    # Each entry's second beam takes token 0 and ends one step later.
    # (Without `settle`, which would stop each entry as its first beam
    # ends: test_settle.py.) The first beam step runs one row an entry:
    # all its beams hold the same start token and state.
    (lambda *a, **kw: beam_search(*a, beam_size=2, settle=False, **kw),
     [3, 6, 4, 4, 2, 2], [3] + [6] * 5),
])
def test_each_step_runs_only_the_entries_still_searched(search,
                                                        rows_per_step,
                                                        rows_fixed):
    limits = ops.convert_to_tensor([0, 2, 4], "int32")
    start = ops.full((3,), 2, "int32")
    state = ops.zeros((3,), "int32")
    results = {}
    for compact in (False, True):
        rows = []
        results[compact] = search(recording_step(rows), state, start, END, 8,
                                  memory=limits, compact=compact)
        if compact:
            assert rows == rows_per_step
        else:
            assert rows == rows_fixed
    for name, value in results[True].items():
        np.testing.assert_array_equal(np.asarray(value),
                                      np.asarray(results[False][name]))
    tokens = np.asarray(results[True]["tokens"]).reshape(3, -1, 8)[:, 0]
    assert list(tokens[2, :5]) == [11, 12, 13, 14, END]


@pytest.mark.parametrize("search,rows_per_step", [
    # The entries end after 1, 2, 3, 4 and 6 tokens; the batch shrinks only
    # to 4, 2 or 1 rows (a multiple of 4 or a power of two below it), the
    # entries done filling it: 3 entries left still take 4 rows.
    (greedy_search, [5, 4, 4, 2, 1, 1]),
    # Two beams an entry, each entry ending one step later; the first step
    # runs one row an entry.
    (lambda *a, **kw: beam_search(*a, beam_size=2, settle=False, **kw),
     [5, 10, 8, 8, 4, 2, 2]),
])
def test_compact_n_shrinks_the_batch_to_few_sizes_with_the_same_results(
        search, rows_per_step):
    limits = ops.convert_to_tensor([0, 1, 2, 3, 5], "int32")
    start = ops.full((5,), 2, "int32")
    state = ops.zeros((5,), "int32")
    rows = []
    bucketed = search(recording_step(rows), state, start, END, 8,
                      memory=limits, compact=4)
    assert rows == rows_per_step
    fixed = search(recording_step([]), state, start, END, 8, memory=limits,
                   compact=False)
    for name, value in bucketed.items():
        np.testing.assert_array_equal(np.asarray(value),
                                      np.asarray(fixed[name]), err_msg=name)


def test_compact_must_be_a_bool_or_a_positive_int():
    limits = ops.convert_to_tensor([0, 1], "int32")
    for bad in (-2, 1.5):
        with pytest.raises(ValueError, match="positive int"):
            greedy_search(recording_step([]), ops.zeros((2,), "int32"),
                          ops.full((2,), 2, "int32"), END, 4, memory=limits,
                          compact=bad)


@pytest.mark.parametrize("compact", [True, 2])
@pytest.mark.parametrize("method,options", [
    ("greedy", {"return_alignments": True}),
    ("beam", {"beam_size": 3, "alpha": 0.6, "beta": 0.2, "num_return": 2,
              "return_alignments": True, "no_repeat_ngram_size": 2}),
    ("sample", {"seed": 5}),
])
def test_a_model_searches_the_same_with_and_without_compaction(method,
                                                               options,
                                                               compact):
    model = tiny_model()
    # Entries capped at different lengths, so they leave at different steps.
    common = dict(method=method, max_length=7, relative_max_length=(1.0, 0),
                  compact=compact, **options)
    fixed = model.search(SRC, **dict(common, compact=False))
    graph = tf.function(lambda s: model.search(s, **common))
    for compacted in (model.search(SRC, **common), graph(tf.constant(SRC))):
        assert sorted(compacted) == sorted(fixed)
        for name in fixed:
            np.testing.assert_allclose(np.asarray(compacted[name]),
                                       np.asarray(fixed[name]), atol=1e-5,
                                       err_msg=name)


def test_the_first_beam_step_runs_in_the_loop_with_the_same_results():
    limits = ops.convert_to_tensor([0, 2, 4], "int32")
    start = ops.full((3,), 2, "int32")
    state = ops.zeros((3,), "int32")
    results = {}
    for apart, first_rows in ((True, 3), (False, 6)):
        rows = []
        results[apart] = beam_search(recording_step(rows), state, start, END,
                                     8, beam_size=2, settle=False,
                                     memory=limits, first_step_apart=apart)
        # Apart: one row an entry; in the loop: its K beams.
        assert rows == [first_rows, 6, 4, 4, 2, 2]
    for name, value in results[True].items():
        np.testing.assert_array_equal(np.asarray(value),
                                      np.asarray(results[False][name]),
                                      err_msg=name)


@pytest.mark.parametrize("options", [
    {"beam_size": 3, "settle": "best"},
    {"beam_size": 3, "alpha": 0.6, "beta": 0.2, "num_return": 2,
     "return_alignments": True, "compact": 2},
])
def test_a_model_searches_the_same_with_its_first_step_in_the_loop(options):
    model = tiny_model()
    common = dict(method="beam", max_length=7, relative_max_length=(1.0, 0),
                  **options)
    apart = model.search(SRC, **common)
    graph = tf.function(
        lambda s: model.search(s, first_step_apart=False, **common))
    for in_loop in (model.search(SRC, first_step_apart=False, **common),
                    graph(tf.constant(SRC))):
        assert sorted(in_loop) == sorted(apart)
        for name in apart:
            np.testing.assert_allclose(np.asarray(in_loop[name]),
                                       np.asarray(apart[name]), atol=1e-5,
                                       err_msg=name)
