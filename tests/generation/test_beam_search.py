import itertools
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.generation import beam_search
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

V, END, START = 5, 3, 2
SRC = np.array([[4, 1, 2, 0, 0], [2, 4, 4, 1, 3], [1, 1, 0, 0, 0]], "int32")


def tiny_model(seed=7, vocab=V):
    keras.utils.set_random_seed(seed)
    model = Seq2Seq(
        RNNEncoder("gru", 4, bidirectional=True, vocab_size=vocab),
        AttentionDecoder("gru", 8, ContentAttention(6, "additive"),
                         vocab_size=vocab),
        start_id=START, end_id=END)
    model({"source": SRC, "target_in": SRC})
    # Sharper distributions than a fresh initialisation gives.
    kernel = model.decoder.output_projection.kernel
    kernel.assign(kernel * 8.0)
    return model


def sequence_log_probs(model, source, sequences):
    """Teacher-forced log P(sequence | source) for each sequence."""
    n, length = len(sequences), max(len(s) for s in sequences)
    tokens = np.zeros((n, length), "int32")
    for i, s in enumerate(sequences):
        tokens[i, :len(s)] = s
    target_in = np.concatenate([np.full((n, 1), START), tokens[:, :-1]], 1)
    logits = model({"source": np.repeat(source, n, 0),
                    "target_in": target_in})
    log_probs = np.asarray(tf.nn.log_softmax(logits))
    return np.array([
        sum(log_probs[i, t, tok] for t, tok in enumerate(s))
        for i, s in enumerate(sequences)])


def all_sequences(vocab, end, max_length):
    """Every hypothesis: ends at its first `end`, or is cut at max_length."""
    out = []
    for n in range(1, max_length + 1):
        for body in itertools.product(
                [t for t in range(vocab) if t != end], repeat=n - 1):
            out.append(list(body) + [end])
    for body in itertools.product([t for t in range(vocab) if t != end],
                                  repeat=max_length):
        out.append(list(body))
    return out


def hypotheses(result, b):
    tokens = np.asarray(result["tokens"])[b]
    lengths = np.asarray(result["lengths"])[b]
    return [list(tokens[i, :lengths[i]]) for i in range(len(lengths))]


def test_beam_size_one_equals_greedy():
    model = tiny_model()
    greedy = model.search(SRC, method="greedy", max_length=6)
    beam = model.search(SRC, method="beam", beam_size=1, max_length=6)
    np.testing.assert_array_equal(np.asarray(greedy["tokens"]),
                                  np.asarray(beam["tokens"]))
    np.testing.assert_allclose(np.asarray(greedy["log_probs"]),
                               np.asarray(beam["log_probs"]), atol=1e-5)


def test_wide_beam_matches_exhaustive_enumeration():
    model = tiny_model()
    length = 3
    candidates = all_sequences(V, END, length)  # 85 hypotheses
    source = SRC[1:2]
    exact = sequence_log_probs(model, source, candidates)
    order = np.argsort(-exact)
    result = model.search(source, method="beam", beam_size=len(candidates),
                            num_return=10, max_length=length)
    found = hypotheses(result, 0)
    assert found == [candidates[i] for i in order[:10]]
    np.testing.assert_allclose(np.asarray(result["scores"])[0],
                               exact[order[:10]], atol=1e-4)
    np.testing.assert_allclose(np.asarray(result["log_probs"])[0],
                               exact[order[:10]], atol=1e-4)


def test_length_penalty_ranks_by_normalised_score():
    model = tiny_model()
    length, alpha = 3, 1.5
    candidates = all_sequences(V, END, length)
    exact = sequence_log_probs(model, SRC[1:2], candidates)
    lengths = np.array([len(c) for c in candidates])
    normalised = exact / ((5.0 + lengths) / 6.0) ** alpha
    result = model.search(SRC[1:2], method="beam",
                            beam_size=len(candidates), num_return=5,
                            max_length=length, alpha=alpha)
    order = np.argsort(-normalised)
    assert hypotheses(result, 0) == [candidates[i] for i in order[:5]]
    np.testing.assert_allclose(np.asarray(result["scores"])[0],
                               normalised[order[:5]], atol=1e-4)
    # Dividing by lp >= 1 favours longer hypotheses.
    plain = model.search(SRC[1:2], method="beam", beam_size=len(candidates),
                           num_return=5, max_length=length)
    assert (np.asarray(result["lengths"])[0].mean()
            >= np.asarray(plain["lengths"])[0].mean())


def test_coverage_penalty_matches_its_definition_and_direction():
    model = tiny_model()
    beta = 2.0
    with_cp = model.search(SRC, method="beam", beam_size=4, num_return=4,
                             max_length=5, beta=beta, return_alignments=True)
    mask = SRC != 0
    coverage = np.asarray(with_cp["alignments"]).sum(2)  # [B, N, S]
    cp = beta * np.where(mask[:, None], np.log(np.minimum(coverage, 1.0)
                                                + 1e-30), 0).sum(-1)
    np.testing.assert_allclose(
        np.asarray(with_cp["scores"]),
        np.asarray(with_cp["log_probs"]) + cp, atol=1e-3)
    plain = model.search(SRC, method="beam", beam_size=4, max_length=5,
                           return_alignments=True)
    cov_plain = np.asarray(plain["alignments"]).sum(2)[:, 0]
    cp_plain = np.where(mask, np.log(np.minimum(cov_plain, 1.0) + 1e-30),
                        0).sum(-1)
    # The penalised search's best covers the source at least as well.
    assert np.all(cp[:, 0] / beta >= cp_plain - 1e-4)


def test_nbest_is_sorted_and_distinct():
    model = tiny_model()
    result = model.search(SRC, method="beam", beam_size=6, num_return=6,
                            max_length=6)
    scores = np.asarray(result["scores"])
    assert np.all(np.diff(scores, axis=1) <= 1e-6)
    for b in range(len(SRC)):
        hyps = [tuple(h) for h in hypotheses(result, b)]
        assert len(set(hyps)) == len(hyps)


def test_result_does_not_depend_on_the_batch():
    model = tiny_model()
    batch = model.search(SRC, method="beam", beam_size=3, num_return=3,
                           max_length=6)
    for b in range(len(SRC)):
        n = int((SRC[b] != 0).sum())
        alone = model.search(SRC[b:b + 1, :n], method="beam", beam_size=3,
                               num_return=3, max_length=6)
        assert hypotheses(alone, 0) == hypotheses(batch, b)
        np.testing.assert_allclose(np.asarray(alone["scores"])[0],
                                   np.asarray(batch["scores"])[b], atol=1e-5)


def test_relative_max_length_caps_each_entry():
    model = tiny_model()
    result = model.search(SRC, method="beam", beam_size=3, max_length=20,
                            relative_max_length=(1.0, 1))
    caps = (SRC != 0).sum(1) + 1
    assert np.all(np.asarray(result["lengths"])[:, 0] <= caps)


def test_no_repeat_ngram_blocking():
    def step_fn(ids, state):
        # Always prefers token 5, then 6: without blocking "5 5 5 ...".
        logits = tf.one_hot(tf.fill(tf.shape(ids), 5), 8) * 4.0
        logits += tf.one_hot(tf.fill(tf.shape(ids), 6), 8) * 3.0
        return logits, state

    start = tf.constant([2, 2])
    free = beam_search(step_fn, tf.zeros((2, 1)), start, END, 6, beam_size=2)
    assert list(np.asarray(free["tokens"])[0, 0]) == [5] * 6
    for n in (1, 2, 3):
        out = beam_search(step_fn, tf.zeros((2, 1)), start, END, 8,
                          beam_size=3, no_repeat_ngram_size=n)
        for b in range(2):
            for hyp in hypotheses(out, b):
                grams = [tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1)]
                assert len(grams) == len(set(grams)), (n, hyp)


@pytest.mark.parametrize("method,kwargs", [
    ("greedy", {}),
    ("beam", {"beam_size": 3, "alpha": 0.6, "beta": 0.2}),
])
def test_tf_function_and_xla_match_eager(method, kwargs):
    model = tiny_model()
    eager = model.search(SRC, method=method, max_length=6, **kwargs)
    fn = tf.function(lambda s: model.search(s, method=method, max_length=6,
                                              **kwargs))
    xla = tf.function(lambda s: model.search(s, method=method,
                                               max_length=6, **kwargs),
                      jit_compile=True)
    for compiled in (fn, xla):
        out = compiled(tf.constant(SRC))
        np.testing.assert_array_equal(np.asarray(out["tokens"]),
                                      np.asarray(eager["tokens"]))
        np.testing.assert_allclose(np.asarray(out["scores"]),
                                   np.asarray(eager["scores"]), atol=1e-4)


def test_saved_model_round_trip(tmp_path):
    model = tiny_model()

    class Searcher(tf.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        @tf.function(input_signature=[
            tf.TensorSpec([None, None], tf.int32, name="source")])
        def beam(self, source):
            out = self.model.search(source, method="beam", beam_size=3,
                                      num_return=2, max_length=6)
            return {k: out[k] for k in ("tokens", "lengths", "scores")}

    module = Searcher(model)
    expected = module.beam(tf.constant(SRC))
    path = os.path.join(tmp_path, "searcher")
    # Served as TF Serving would: the C++ loader and Session::Run.
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path
    from keras_s2s.export import track_function_variables

    track_function_variables(module, [module.beam])
    tf.saved_model.save(module, path,
                        signatures={"serving_default": module.beam})
    _, [got] = run_serving_path(path, [predict_request(
        {"source": np.asarray(SRC, np.int32)})])
    assert isinstance(got, dict), got
    for key in ("tokens", "lengths", "scores"):
        np.testing.assert_allclose(np.asarray(got[key]),
                                   np.asarray(expected[key]), atol=1e-6)


def test_bad_arguments():
    model = tiny_model()
    with pytest.raises(ValueError, match="method"):
        model.search(SRC, method="viterbi")
    with pytest.raises(ValueError, match="num_return"):
        model.search(SRC, method="beam", beam_size=2, num_return=3)
    with pytest.raises(ValueError, match="num_return"):
        model.search(SRC, method="greedy", num_return=2)
