"""Helpers shared by the attention layers: input checks, masked softmax, positions."""

import math

import keras
import numpy as np
from keras import ops


def static_dim(shape, axis):
    """Returns `shape[axis]` as an int, or None when it is unknown."""
    try:
        dim = shape[axis]
    except (IndexError, TypeError):
        return None
    return None if dim is None else int(dim)


def check_attention_inputs(layer_name, query, values, mask=None,
                           previous_weights=None, coverage=None,
                           grouped=False):
    """Raises a `ValueError` naming the argument when static shapes disagree.

    query: [batch, d_q]; values: [batch, src_len, d_v]; mask, previous_weights
    and coverage: [batch, src_len]. `grouped`: values and mask have one row
    per group of queries (their batch sizes are not compared with the
    query's).
    """
    q_shape, v_shape = tuple(query.shape), tuple(values.shape)
    if len(q_shape) != 2:
        raise ValueError(
            f"{layer_name}: `query` must have rank 2 [batch, d_q], "
            f"got shape {q_shape}.")
    if len(v_shape) != 3:
        raise ValueError(
            f"{layer_name}: `values` must have rank 3 [batch, src_len, d_v], "
            f"got shape {v_shape}.")
    if not grouped:
        _check_same(layer_name, "values", v_shape, 0, "query", q_shape, 0,
                    "batch")
    for name, tensor in (("mask", mask), ("previous_weights", previous_weights),
                         ("coverage", coverage)):
        if tensor is None:
            continue
        t_shape = tuple(tensor.shape)
        if len(t_shape) != 2:
            raise ValueError(
                f"{layer_name}: `{name}` must have rank 2 [batch, src_len], "
                f"got shape {t_shape}.")
        if grouped and name == "mask":
            _check_same(layer_name, name, t_shape, 0, "values", v_shape, 0,
                        "batch")
        else:
            _check_same(layer_name, name, t_shape, 0, "query", q_shape, 0,
                        "batch")
        _check_same(layer_name, name, t_shape, 1, "values", v_shape, 1,
                    "src_len")


def _check_same(layer_name, name_a, shape_a, axis_a, name_b, shape_b, axis_b,
                what):
    a, b = static_dim(shape_a, axis_a), static_dim(shape_b, axis_b)
    if a is not None and b is not None and a != b:
        raise ValueError(
            f"{layer_name}: `{name_a}` and `{name_b}` disagree on the {what} "
            f"dimension: `{name_a}` has shape {shape_a}, `{name_b}` has shape "
            f"{shape_b}.")


_SOFTMAX = []


def masked_softmax(scores, mask=None):
    """Softmax over the last axis that gives masked positions exactly zero.

    Keras' `Softmax` layer with a mask (masked scores set to -1e9, masked
    weights set to 0, so a row whose positions are all masked gets all-zero
    weights, not a uniform distribution over padding), in float32 for
    stability. One position gets weight 1 without a softmax (Keras warns
    about a softmax over an axis of size 1).
    """
    scores = ops.cast(scores, "float32")
    if scores.shape[-1] == 1:
        # One source position (e.g. an empty input's padding).
        weights = ops.ones_like(scores)
        if mask is None:
            return weights
        return ops.where(ops.cast(mask, "bool"), weights,
                         ops.zeros_like(weights))
    if not _SOFTMAX:  # one stateless layer, made on first use
        _SOFTMAX.append(keras.layers.Softmax(axis=-1, dtype="float32"))
    return _SOFTMAX[0](scores, mask=None if mask is None
                       else ops.cast(mask, "bool"))


def weighted_sum(weights, values, groups=None):
    """context[b] = sum_s weights[b, s] * values[b, s]; with `groups` G,
    values has G rows and weights G*K: context[g*K + j] reads values[g]."""
    weights = ops.cast(weights, values.dtype)
    if groups is None:
        return ops.squeeze(ops.matmul(ops.expand_dims(weights, 1), values), 1)
    context = ops.matmul(by_group(weights, groups), values)   # [G, K, d_v]
    return ops.reshape(context, (-1, ops.shape(values)[-1]))


def by_group(x, groups):
    """[G*K, ...] -> [G, K, ...]: the rows of each group on their own axis."""
    shape = ops.shape(x)
    return ops.reshape(x, (groups, -1) + tuple(shape[1:]))


def flat_groups(x):
    """[G, K, ...] -> [G*K, ...], the inverse of `by_group`."""
    shape = ops.shape(x)
    return ops.reshape(x, (-1,) + tuple(shape[2:]))


def sinusoidal_positions(length, dim, dtype="float32"):
    """Sinusoidal position features (Vaswani et al. 2017), shape [length, dim].

    Even channels hold sin(pos / 10000^(2i/dim)), odd channels cos(...).
    """
    positions = ops.cast(ops.arange(length), "float32")[:, None]
    half = (dim + 1) // 2
    inv_freq = np.exp(-math.log(10000.0) * np.arange(half) * 2.0 / dim)
    angles = positions * ops.convert_to_tensor(inv_freq.astype("float32"))[None]
    table = ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1)
    table = ops.reshape(table, (-1, 2 * half))[:, :dim]
    return ops.cast(table, dtype)


def tanh_score(hidden, score_vector, tanh=True):
    """v . tanh(hidden) over the last axis: [..., U], [U] -> [...].

    The additive score (Bahdanau et al. 2015) as one matrix-vector product
    over the flattened leading axes, not a broadcast product and a sum
    (two passes over `hidden`). At a beam search step's size at batch 32
    (160 hypotheses, 25 source positions, 512 units) 175 against 510 us
    in a scratch loop on a 2-core Intel Xeon (2026-12-07); in the shipped
    translator's beam export, 200 against 421 us per step (op times). The
    same values up to the order of the sum's terms.

    Args:
        hidden: [..., U], before the tanh (or after it, with `tanh=False`).
        score_vector: [U], v.
        tanh: whether to apply the tanh here.

    Returns:
        [...], `hidden`'s shape without its last axis.

    Example:
    >>> s = tanh_score(ops.zeros((2, 3, 4)), ops.ones((4,)))
    >>> s.shape
    TensorShape([2, 3])
    """
    if tanh:
        hidden = ops.tanh(hidden)
    shape = ops.shape(hidden)
    flat = ops.reshape(hidden, (-1, shape[-1]))
    product = ops.matmul(flat, ops.expand_dims(
        ops.cast(score_vector, hidden.dtype), -1))
    return ops.reshape(product, tuple(shape[:-1]))


def additive_score(keys, projected, score_vector):
    """v . tanh(keys[b, s] + projected[b]) for every b, s: [B, S, U],
    [B, U], [U] -> [B, S], for a training step.

    The same values as `ops.sum(ops.tanh(keys + projected[:, None]) * v,
    -1)`, with the reductions as matrix products: the score is a
    matrix-vector product, and the gradient sums over positions (for the
    query) and over batch and positions (for `v`) with products too.
    TensorFlow's sums over those axes and the broadcast products that feed
    them are separate passes over the [B, S, U] hidden layer, once per
    decoder step forward and again backward. A training step of the
    shipped translator ran 1.05x as fast so (2-core Intel Xeon,
    2026-12-07, `benchmarks/train.py`). Searches compute the score with
    `tanh_score` alone.

    Args:
        keys: [B, S, U], the projected source (with the key bias).
        projected: [B, U], the projected query.
        score_vector: [U], v.

    Returns:
        [B, S] scores, before masking and softmax.

    Example:
    >>> s = additive_score(ops.zeros((2, 3, 4)), ops.ones((2, 4)),
    ...                    ops.ones((4,)))
    >>> round(float(s[0, 0]), 4)
    3.0464
    """

    @ops.custom_gradient
    def score(keys, projected, score_vector):
        hidden = ops.tanh(keys + ops.expand_dims(projected, 1))
        scores = tanh_score(hidden, score_vector, tanh=False)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            flat = ops.reshape(hidden, (-1, ops.shape(hidden)[-1]))
            d_hidden = ops.expand_dims(upstream, -1) * score_vector
            d_pre = d_hidden * (1.0 - ops.square(hidden))
            d_projected = ops.squeeze(ops.matmul(
                ops.ones_like(ops.expand_dims(upstream, 1)), d_pre), 1)
            d_vector = ops.squeeze(ops.matmul(
                ops.reshape(upstream, (1, -1)), flat), 0)
            return d_pre, d_projected, d_vector

        return scores, grad

    return score(keys, projected, score_vector)
