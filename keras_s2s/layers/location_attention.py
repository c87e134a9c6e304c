"""Location-based attention: Luong's location score and location-aware attention."""

import keras
from keras import ops

from keras_s2s.layers import attention_utils
from keras_s2s.layers.base_attention import BaseAttention
from keras_s2s.layers.pretransposed import kernel_product

MODES = ("location", "location_aware")


@keras.saving.register_keras_serializable(package="keras_s2s")
class LocationAttention(BaseAttention):
    """Attention whose scores depend on source positions rather than content.

    Modes, for query q [batch, d_q] at decoder step t:

    - `"location"` (Luong et al. 2015): a_t = softmax(W_a q) over source
      positions: one learned row of W_a per position, `max_length` rows.
      Positions past `max_length` share the last row, so any source length
      works. The weights never read the values' content.
    - `"location_aware"` (Chorowski et al. 2015): e_j = v^T tanh(W q + V h_j +
      U f_j + b) where f = F * a_{t-1} are `filters` convolutional features of
      the previous alignment (kernel `kernel_size`). With no
      `previous_weights` the previous alignment is taken as zeros.

    With `position_features=True` both modes add v_p^T tanh(W_p q + P pe_j)
    (location) or P pe_j inside the tanh (location_aware), where pe_j are
    sinusoidal features of source position j (Vaswani et al. 2017).

    Args:
        units: int. Size of the hidden scoring space.
        mode: str. `"location"` or `"location_aware"`.
        filters: int. Convolution filters over the previous alignment.
        kernel_size: int. Width of that convolution (odd keeps it centred).
        position_features: bool. Add sinusoidal source-position features.
        max_length: int. Rows of Luong's W_a (mode `"location"`).
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        query, values, mask, keys, training: as in `ContentAttention`.
        previous_weights: [batch, src_len] alignment of the previous step,
            read by `"location_aware"`.
        coverage: ignored.

    Example:
    >>> attention = LocationAttention(units=8, mode="location_aware")
    >>> context, weights = attention(np.ones((2, 4)), np.ones((2, 5, 6)),
    ...                              previous_weights=np.full((2, 5), 0.2))

    References: Luong, Pham, Manning. "Effective Approaches to Attention-based
    Neural Machine Translation", EMNLP 2015. Chorowski, Bahdanau, Serdyuk, Cho,
    Bengio. "Attention-Based Models for Speech Recognition", NeurIPS 2015.
    """

    def __init__(self, units, mode="location_aware", filters=32,
                 kernel_size=31, position_features=False, max_length=256,
                 **kwargs):
        super().__init__(units=units, **kwargs)
        if mode not in MODES:
            raise ValueError(
                f"LocationAttention: unknown `mode` {mode!r}; valid modes are "
                f"{', '.join(MODES)}.")
        if units is None:
            raise ValueError("LocationAttention: `units` is required.")
        for name, value in (("filters", filters), ("kernel_size", kernel_size),
                            ("max_length", max_length)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"LocationAttention: `{name}` must be a positive int, "
                    f"got {value!r}.")
        self.mode = mode
        self.filters = filters
        self.kernel_size = kernel_size
        self.position_features = bool(position_features)
        self.max_length = max_length

    def build(self, query_shape, values_shape):
        d_q, d_v = query_shape[-1], values_shape[-1]
        glorot = "glorot_uniform"
        if self.mode == "location":
            self.location_kernel = self.add_weight(
                name="location_kernel", shape=(d_q, self.max_length),
                initializer=glorot)
            self.location_bias = self.add_weight(
                name="location_bias", shape=(self.max_length,),
                initializer="zeros")
        else:
            self.key_kernel = self.add_weight(
                name="key_kernel", shape=(d_v, self.units), initializer=glorot)
            self.key_bias = self.add_weight(
                name="key_bias", shape=(self.units,), initializer="zeros")
            self.alignment_conv = keras.layers.Conv1D(
                self.filters, self.kernel_size, padding="same", use_bias=False,
                name="alignment_conv", dtype=self.dtype_policy)
            self.alignment_conv.build((None, None, 1))
            self.alignment_kernel = self.add_weight(
                name="alignment_kernel", shape=(self.filters, self.units),
                initializer=glorot)
        if self.mode == "location_aware" or self.position_features:
            self.query_kernel = self.add_weight(
                name="query_kernel", shape=(d_q, self.units),
                initializer=glorot)
            self.score_vector = self.add_weight(
                name="score_vector", shape=(self.units,), initializer=glorot)
        if self.position_features:
            self.position_kernel = self.add_weight(
                name="position_kernel", shape=(self.units, self.units),
                initializer=glorot)

    def compute_keys(self, values):
        if self.mode == "location_aware":
            return ops.matmul(values, self.key_kernel) + self.key_bias
        return values

    def _position_term(self, src_len):
        """[1, src_len, units] projection of the sinusoidal position features."""
        table = attention_utils.sinusoidal_positions(
            src_len, self.units, self.compute_dtype)
        return ops.expand_dims(ops.matmul(table, self.position_kernel), 0)

    supports_groups = True

    def compute_scores(self, query, keys, previous_weights=None, coverage=None,
                       training=False, groups=None):
        src_len = ops.shape(keys)[1]
        if self.mode == "location":
            rows = ops.minimum(ops.arange(src_len), self.max_length - 1)
            logits = kernel_product(self, "location_kernel", query) + self.location_bias
            scores = ops.take(logits, rows, axis=1)
            if self.position_features:
                query_part = kernel_product(self, "query_kernel", query)
                hidden = (ops.expand_dims(query_part, 1)
                          + self._position_term(src_len))
                scores = scores + attention_utils.tanh_score(
                    hidden, self.score_vector)
            return scores
        projected = kernel_product(self, "query_kernel", query)
        if groups is None:
            hidden = keys + ops.expand_dims(projected, 1)
        else:  # [G, 1, S, U] + [G, K, 1, U]: each group's K queries
            hidden = attention_utils.flat_groups(
                ops.expand_dims(keys, 1) + ops.expand_dims(
                    attention_utils.by_group(projected, groups), 2))
        if previous_weights is not None:
            features = self.alignment_conv(ops.expand_dims(
                ops.cast(previous_weights, self.compute_dtype), -1))
            hidden = hidden + ops.matmul(features, self.alignment_kernel)
        if self.position_features:
            hidden = hidden + self._position_term(src_len)
        return attention_utils.tanh_score(hidden, self.score_vector)

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": self.mode,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "position_features": self.position_features,
            "max_length": self.max_length,
        })
        return config
