import numpy as np
import pytest

from keras_s2s.layers import attention_utils


@pytest.mark.parametrize("shape", [(3, 5, 7), (2, 4, 5, 7), (6, 7)])
def test_tanh_score_is_the_additive_score(shape):
    """v . tanh(hidden) over the last axis, for any number of leading
    axes (beam search's grouped hidden layer has two)."""
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=shape).astype("float32")
    vector = rng.normal(size=shape[-1:]).astype("float32")
    expected = np.tanh(hidden) @ vector
    got = np.asarray(attention_utils.tanh_score(hidden, vector))
    assert got.shape == shape[:-1]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    after = np.asarray(attention_utils.tanh_score(np.tanh(hidden), vector,
                                                  tanh=False))
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-6)
