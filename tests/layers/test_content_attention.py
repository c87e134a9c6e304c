import numpy as np
import pytest

from keras_s2s.layers import ContentAttention

B, S, DQ, DV, U = 3, 5, 4, 6, 7
RNG = np.random.default_rng(0)
QUERY = RNG.normal(size=(B, DQ)).astype("float32")
VALUES = RNG.normal(size=(B, S, DV)).astype("float32")
SQUARE_VALUES = RNG.normal(size=(B, S, DQ)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
COVERAGE = RNG.uniform(size=(B, S)).astype("float32")


def np_softmax(scores, mask):
    scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def reference_scores(layer, query, values, coverage=None):
    w = {v.path.split("/")[-1]: np.asarray(v) for v in layer.weights}
    if layer.score == "additive":
        hidden = (values @ w["key_kernel"] + w["key_bias"]
                  + (query @ w["query_kernel"])[:, None])
        if layer.use_coverage:
            hidden = hidden + coverage[..., None] * w["coverage_vector"]
        return np.tanh(hidden) @ w["score_vector"]
    if layer.score == "general":
        return np.einsum("bq,bsq->bs", query, values @ w["key_kernel"])
    scores = np.einsum("bq,bsq->bs", query, values)
    if layer.score == "scaled_dot":
        scores = scores / np.sqrt(values.shape[-1])
    return scores


CASES = [
    ("additive", False, VALUES),
    ("additive", True, VALUES),
    ("general", False, VALUES),
    ("dot", False, SQUARE_VALUES),
    ("scaled_dot", False, SQUARE_VALUES),
]


@pytest.mark.parametrize("score,coverage,values", CASES)
def test_scores_match_numpy_reference(score, coverage, values):
    layer = ContentAttention(U, score, use_coverage=coverage)
    context, weights = layer(QUERY, values, mask=MASK,
                             coverage=COVERAGE if coverage else None)
    expected = np_softmax(reference_scores(layer, QUERY, values, COVERAGE),
                          MASK)
    np.testing.assert_allclose(np.asarray(weights), expected, atol=1e-5)
    np.testing.assert_allclose(np.asarray(context),
                               np.einsum("bs,bsd->bd", expected, values),
                               atol=1e-5)


@pytest.mark.parametrize("score,coverage,values", CASES)
def test_masked_positions_get_exactly_zero(score, coverage, values):
    layer = ContentAttention(U, score, use_coverage=coverage)
    context, weights = layer(QUERY, values * 10, mask=MASK)
    weights = np.asarray(weights)
    assert np.all(weights[~MASK] == 0.0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(context), np.einsum("bs,bsd->bd", weights, values * 10),
        atol=1e-4)


def test_fully_masked_row_gives_zero_weights():
    layer = ContentAttention(U, "additive")
    mask = MASK.copy()
    mask[0] = False
    _, weights = layer(QUERY, VALUES, mask=mask)
    assert np.all(np.asarray(weights)[0] == 0.0)


def test_precomputed_keys_give_the_same_result():
    layer = ContentAttention(U, "additive")
    c1, w1 = layer(QUERY, VALUES, mask=MASK)
    c2, w2 = layer(QUERY, VALUES, mask=MASK, keys=layer.compute_keys(VALUES))
    np.testing.assert_allclose(np.asarray(w1), np.asarray(w2), atol=1e-7)
    np.testing.assert_allclose(np.asarray(c1), np.asarray(c2), atol=1e-7)


def test_content_scores_ignore_previous_weights():
    layer = ContentAttention(U, "additive")
    _, w1 = layer(QUERY, VALUES, previous_weights=np.zeros((B, S), "float32"))
    _, w2 = layer(QUERY, VALUES, previous_weights=np.ones((B, S), "float32"))
    np.testing.assert_array_equal(np.asarray(w1), np.asarray(w2))


def test_coverage_changes_additive_scores():
    layer = ContentAttention(U, "additive", use_coverage=True)
    _, w1 = layer(QUERY, VALUES, coverage=np.zeros((B, S), "float32"))
    _, w2 = layer(QUERY, VALUES, coverage=COVERAGE * 5)
    assert not np.allclose(np.asarray(w1), np.asarray(w2))


@pytest.mark.parametrize("kwargs,match", [
    ({"units": 4, "score": "cosine"}, "score"),
    ({"units": None, "score": "additive"}, "units"),
    ({"units": 4, "score": "dot", "use_coverage": True}, "use_coverage"),
    ({"units": -1, "score": "additive"}, "units"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ContentAttention(**kwargs)


@pytest.mark.parametrize("query,values,mask,match", [
    (QUERY[:, None], VALUES, None, "query"),
    (QUERY, VALUES[:, 0], None, "values"),
    (QUERY, VALUES, MASK[:, :3], "mask"),
    (QUERY, VALUES, MASK[:2], "mask"),
    (QUERY[:2], VALUES, None, "values"),
    (QUERY, VALUES, MASK[:, :, None], "mask"),
])
def test_bad_shapes_name_the_argument(query, values, mask, match):
    with pytest.raises(ValueError, match=match):
        ContentAttention(U, "additive")(query, values, mask=mask)


def test_dot_needs_matching_dimensions():
    with pytest.raises(ValueError, match="same last dimension"):
        ContentAttention(None, "dot")(QUERY, VALUES)


def test_config_round_trip_gives_identical_outputs():
    layer = ContentAttention(U, "additive", use_coverage=True, name="att")
    context, weights = layer(QUERY, VALUES, mask=MASK, coverage=COVERAGE)
    clone = ContentAttention.from_config(layer.get_config())
    clone(QUERY, VALUES, mask=MASK, coverage=COVERAGE)
    clone.set_weights(layer.get_weights())
    c2, w2 = clone(QUERY, VALUES, mask=MASK, coverage=COVERAGE)
    np.testing.assert_array_equal(np.asarray(context), np.asarray(c2))
    np.testing.assert_array_equal(np.asarray(weights), np.asarray(w2))


@pytest.mark.parametrize("coverage", [False, True])
def test_training_gives_the_same_values_and_gradients(coverage):
    """A training call computes the additive score with its own gradient
    (`attention_utils.additive_score`); values and gradients for every
    weight and input equal plain autodiff's, the inference call's."""
    import tensorflow as tf

    layer = ContentAttention(U, "additive", use_coverage=coverage)
    layer(QUERY, VALUES, mask=MASK)
    query, values = tf.Variable(QUERY), tf.Variable(VALUES)
    probe = RNG.normal(size=(B, DV)).astype("float32")
    results = []
    for training in (False, True):
        with tf.GradientTape() as tape:
            context, weights = layer(
                query, values, mask=MASK, training=training,
                coverage=COVERAGE if coverage else None)
            loss = tf.reduce_sum(context * probe)
        grads = tape.gradient(loss, [query, values, *layer.weights])
        results.append([np.asarray(weights)]
                       + [np.asarray(g) for g in grads])
    assert len(results[1]) == 3 + len(layer.weights)
    for plain, own in zip(*results):
        np.testing.assert_allclose(own, plain, rtol=1e-5, atol=1e-6)
    assert np.abs(results[1][1]).sum() > 0  # the query gets a gradient
