"""MaskedCrossEntropy: value and gradient against the formula written out."""

import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.training import MaskedCrossEntropy


def reference(y, logits, eps, pad_id=0):
    """Mean over real tokens of (1 - eps) * -log p(y) + eps * mean -log p."""
    z = logits - logits.max(-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_p, y[..., None], -1)[..., 0]
    per_token = (1 - eps) * -picked + eps * -log_p.mean(-1)
    mask = y != pad_id
    return per_token[mask].mean(), log_p, mask


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_value_and_gradient_match_the_formula(eps):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 5, 11)).astype("float32") * 3
    y = rng.integers(1, 11, (3, 5))
    y[0, 3:] = 0  # padding
    y[2, 1:] = 0
    expected, log_p, mask = reference(y, logits, eps)
    x = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = MaskedCrossEntropy(label_smoothing=eps)(y, x)
    grad = tape.gradient(loss, x).numpy()
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    # d loss / d z = (softmax - smoothed one-hot) / real tokens, 0 on padding
    target = (1 - eps) * np.eye(11)[y] + eps / 11
    want = (np.exp(log_p) - target) * mask[..., None] / mask.sum()
    np.testing.assert_allclose(grad, want, atol=1e-6)
    assert not grad[~mask].any()


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_loss_and_gradient_share_one_softmax_and_write_no_dense_labels(eps):
    """One softmax over the vocabulary serves the loss and its gradient;
    no [B, T, V] label tensor (one-hot) or scatter into zeros is built, and
    no second pass of exponentials runs for the smoothing term."""
    loss = MaskedCrossEntropy(label_smoothing=eps)
    y = tf.zeros((2, 3), "int32") + 1
    z = tf.zeros((2, 3, 7))

    @tf.function
    def grad(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            value = loss(y, z)
        return tape.gradient(value, z)

    graph = grad.get_concrete_function(z).graph
    types = [op.type for op in graph.get_operations()]
    assert types.count("Softmax") == 1
    assert not set(types) & {
        "OneHot", "UnsortedSegmentSum", "ScatterNd", "TensorScatterAdd",
        "Exp", "SoftmaxCrossEntropyWithLogits",
        "SparseSoftmaxCrossEntropyWithLogits"}


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_logits_far_apart_give_finite_exact_losses(eps):
    """A target whose probability underflows float32 still gets its exact
    (large) loss and a finite gradient."""
    logits = np.zeros((1, 2, 6), "float32")
    logits[0, 0, 0] = 2000.0   # the target, id 3, is ~2000 nats away
    logits[0, 1, 5] = -3000.0  # the target, id 5, is ~3000 nats away
    y = np.array([[3, 5]])
    x = tf.Variable(logits)
    with tf.GradientTape() as tape:
        value = MaskedCrossEntropy(label_smoothing=eps)(y, x)
    grad = tape.gradient(value, x).numpy()
    expected = reference(y, logits.astype("float64"), eps)[0]
    assert float(value) == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(grad).all()
    # (softmax - smoothed labels) / 2 real tokens. Row 0: softmax is
    # one-hot at id 0; row 1: 1/5 on ids 0-4, 0 on the target.
    target = -((1 - eps) + eps / 6) / 2
    assert grad[0, 0, 3] == pytest.approx(target, abs=1e-6)
    assert grad[0, 0, 0] == pytest.approx((1 - eps / 6) / 2, abs=1e-6)
    assert grad[0, 1, 5] == pytest.approx(target, abs=1e-6)
    assert grad[0, 1, 0] == pytest.approx((0.2 - eps / 6) / 2, abs=1e-6)


def test_a_vocabulary_of_unknown_width_gives_the_same_value():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 9)).astype("float32") * 3
    y = rng.integers(0, 9, (2, 4)).astype("int32")
    loss = MaskedCrossEntropy(label_smoothing=0.1)
    dynamic = tf.function(loss, input_signature=[
        tf.TensorSpec([None, None], tf.int32),
        tf.TensorSpec([None, None, None], tf.float32)])
    expected = reference(y, logits, 0.1)[0]
    assert float(dynamic(y, logits)) == pytest.approx(expected, rel=1e-5)
    assert float(loss(y, logits)) == pytest.approx(expected, rel=1e-5)
