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


@pytest.mark.parametrize("eps,fused", [
    (0.0, "SparseSoftmaxCrossEntropyWithLogits"),
    (0.1, "SoftmaxCrossEntropyWithLogits")])
def test_the_gradient_scatters_nothing_into_the_vocabulary(eps, fused):
    """The fused op's gradient needs no [B, T, V] scatter into zeros, and
    label smoothing no second pass of exponentials over the vocabulary."""
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
    ops = {op.type for op in graph.get_operations()}
    assert fused in ops
    assert not ops & {"UnsortedSegmentSum", "ScatterNd", "TensorScatterAdd",
                      "Exp"}


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
