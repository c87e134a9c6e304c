"""The call contract shared by every attention layer."""

import keras

from keras_s2s.layers import attention_utils


class BaseAttention(keras.layers.Layer):
    """Base class of the attention layers; subclasses implement `compute_scores`.

    Every attention layer is called as
    `context, weights = layer(query, values, mask=None, previous_weights=None,
    coverage=None, keys=None, training=False)` with `query` [batch, d_q],
    `values` [batch, src_len, d_v], a boolean `mask` [batch, src_len] (True on
    real positions), `previous_weights` and `coverage` [batch, src_len].
    It returns `context` [batch, d_v] and `weights` [batch, src_len]: weights
    are exactly zero on masked positions and sum to one over the others.

    Decoders call `compute_keys(values)` once per source and pass the result as
    `keys=` at every step, so the projection of the values is not recomputed.

    Args:
        units: int or None. Size of the hidden scoring space.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, units=None, **kwargs):
        super().__init__(**kwargs)
        if units is not None and (not isinstance(units, int) or units <= 0):
            raise ValueError(
                f"{type(self).__name__}: `units` must be a positive int or "
                f"None, got {units!r}.")
        self.units = units
        # `mask` is an explicit call argument; outputs carry no Keras mask.
        self.supports_masking = True

    def check_dimensions(self, query_dim, values_dim):
        """Raises `ValueError` when this attention cannot score queries of
        size `query_dim` against values of size `values_dim` (called when a
        model is put together, before anything is built)."""

    def compute_keys(self, values):
        """Projects `values` [batch, src_len, d_v] into the keys the scores use."""
        return values

    def compute_scores(self, query, keys, previous_weights=None, coverage=None,
              training=False):
        """Returns unnormalised scores [batch, src_len]."""
        raise NotImplementedError

    def call(self, query, values, mask=None, previous_weights=None,
             coverage=None, keys=None, training=False):
        attention_utils.check_attention_inputs(
            type(self).__name__, query, values, mask, previous_weights,
            coverage)
        if keys is None:
            keys = self.compute_keys(values)
        scores = self.compute_scores(query, keys, previous_weights=previous_weights,
                            coverage=coverage, training=training)
        weights = attention_utils.masked_softmax(scores, mask)
        context = attention_utils.weighted_sum(weights, values)
        return context, keras.ops.cast(weights, self.compute_dtype)

    def compute_mask(self, *args, **kwargs):
        return None

    def compute_output_shape(self, query_shape, values_shape, **kwargs):
        return ((query_shape[0], values_shape[-1]),
                (query_shape[0], values_shape[1]))

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config
