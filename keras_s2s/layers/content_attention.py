"""Content-based attention: additive (Bahdanau), dot, general, scaled dot."""

import math

import keras
from keras import ops

from keras_s2s.layers import attention_utils
from keras_s2s.layers.base_attention import BaseAttention
from keras_s2s.layers.pretransposed import kernel_product

SCORES = ("additive", "dot", "general", "scaled_dot")


@keras.saving.register_keras_serializable(package="keras_s2s")
class ContentAttention(BaseAttention):
    """Attention whose scores compare the query with the content of each value.

    Scores, for query q [batch, d_q] and source vectors h_j [batch, src_len, d_v]:

    - `"additive"` (Bahdanau et al. 2015): v^T tanh(W_q q + W_k h_j + b), plus
      w_c * coverage_j when `use_coverage=True` (See et al. 2017).
    - `"dot"` (Luong et al. 2015): q . h_j; needs d_q == d_v.
    - `"general"` (Luong et al. 2015): q . (W h_j).
    - `"scaled_dot"` (Vaswani et al. 2017): q . h_j / sqrt(d_v); needs d_q == d_v.

    Args:
        units: int. Size of the hidden layer of the additive score; ignored by
            the other scores (may be None for them).
        score: str. One of `"additive"`, `"dot"`, `"general"`, `"scaled_dot"`.
        use_coverage: bool. Add the coverage term to the additive score.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        query: [batch, d_q] decoder state.
        values: [batch, src_len, d_v] encoder outputs.
        mask: optional bool [batch, src_len]; masked positions get weight 0.
        previous_weights: ignored by content scores (kept for a shared API).
        coverage: [batch, src_len] sum of earlier weights; read only when
            `use_coverage=True` (zeros when omitted).
        keys: optional output of `compute_keys(values)`, reused across steps.
        training: unused; the layer has no dropout.

    Returns:
        `(context [batch, d_v], weights [batch, src_len])`.

    Example:
    >>> attention = ContentAttention(units=8, score="additive")
    >>> context, weights = attention(np.ones((2, 4)), np.ones((2, 5, 6)))
    >>> context.shape, weights.shape
    ((2, 6), (2, 5))

    References: Bahdanau, Cho, Bengio. "Neural Machine Translation by Jointly
    Learning to Align and Translate", ICLR 2015. Luong, Pham, Manning.
    "Effective Approaches to Attention-based Neural Machine Translation",
    EMNLP 2015. See, Liu, Manning. "Get To The Point", ACL 2017.
    """

    def __init__(self, units=None, score="additive", use_coverage=False,
                 **kwargs):
        super().__init__(units=units, **kwargs)
        if score not in SCORES:
            raise ValueError(
                f"ContentAttention: unknown `score` {score!r}; valid scores "
                f"are {', '.join(SCORES)}.")
        if score == "additive" and units is None:
            raise ValueError(
                "ContentAttention: `units` is required for score='additive'.")
        if use_coverage and score != "additive":
            raise ValueError(
                "ContentAttention: `use_coverage=True` needs score='additive', "
                f"got score={score!r}.")
        self.score = score
        self.use_coverage = bool(use_coverage)

    def check_dimensions(self, query_dim, values_dim):
        if self.score in ("dot", "scaled_dot") and query_dim != values_dim:
            raise ValueError(
                f"ContentAttention: score={self.score!r} needs `query` "
                f"and `values` of the same last dimension, got query "
                f"{query_dim} and values {values_dim}; use score='general' "
                "or 'additive'.")

    def build(self, query_shape, values_shape):
        d_q, d_v = query_shape[-1], values_shape[-1]
        self.check_dimensions(d_q, d_v)
        if self.score == "additive":
            self.query_kernel = self.add_weight(
                name="query_kernel", shape=(d_q, self.units),
                initializer="glorot_uniform")
            self.key_kernel = self.add_weight(
                name="key_kernel", shape=(d_v, self.units),
                initializer="glorot_uniform")
            self.key_bias = self.add_weight(
                name="key_bias", shape=(self.units,), initializer="zeros")
            self.score_vector = self.add_weight(
                name="score_vector", shape=(self.units,),
                initializer="glorot_uniform")
            if self.use_coverage:
                self.coverage_vector = self.add_weight(
                    name="coverage_vector", shape=(self.units,),
                    initializer="glorot_uniform")
        elif self.score == "general":
            self.key_kernel = self.add_weight(
                name="key_kernel", shape=(d_v, d_q),
                initializer="glorot_uniform")
        self._values_dim = d_v

    def compute_keys(self, values):
        if self.score == "additive":
            return ops.matmul(values, self.key_kernel) + self.key_bias
        if self.score == "general":
            return ops.matmul(values, self.key_kernel)
        return values

    supports_groups = True

    def compute_scores(self, query, keys, previous_weights=None, coverage=None,
                       training=False, groups=None):
        if self.score == "additive":
            projected = kernel_product(self, "query_kernel", query)
            if training and groups is None and not (
                    self.use_coverage and coverage is not None):
                return attention_utils.additive_score(
                    keys, projected, ops.cast(self.score_vector,
                                              projected.dtype))
            if groups is None:
                hidden = keys + ops.expand_dims(projected, 1)
            else:  # [G, 1, S, U] + [G, K, 1, U]
                hidden = (ops.expand_dims(keys, 1) + ops.expand_dims(
                    attention_utils.by_group(projected, groups), 2))
            if self.use_coverage and coverage is not None:
                if groups is not None:
                    coverage = attention_utils.by_group(coverage, groups)
                hidden = hidden + (ops.expand_dims(coverage, -1)
                                   * self.coverage_vector)
            scores = attention_utils.tanh_score(hidden, self.score_vector)
            return (scores if groups is None
                    else attention_utils.flat_groups(scores))
        if groups is None:
            scores = ops.squeeze(ops.matmul(keys, ops.expand_dims(query, -1)),
                                 -1)
        else:  # [G, S, d] x [G, d, K] -> [G, S, K], then query-major
            scores = attention_utils.flat_groups(ops.transpose(ops.matmul(
                keys, ops.transpose(attention_utils.by_group(query, groups),
                                    (0, 2, 1))), (0, 2, 1)))
        if self.score == "scaled_dot":
            scores = scores / math.sqrt(self._values_dim)
        return scores

    def get_config(self):
        config = super().get_config()
        config.update({"score": self.score,
                       "use_coverage": self.use_coverage})
        return config
