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

    #: Whether `compute_scores` takes `groups` (see `call`); a subclass
    #: without it still works grouped, with its memory repeated per query.
    supports_groups = False

    def compute_scores(self, query, keys, previous_weights=None, coverage=None,
                       training=False, groups=None):
        """Returns unnormalised scores [batch, src_len].

        With `groups` G (a subclass that sets `supports_groups`), `keys`
        has G rows and `query`, `previous_weights` and `coverage` G*K:
        query row g*K + j scores against keys row g.
        """
        raise NotImplementedError

    def call(self, query, values, mask=None, previous_weights=None,
             coverage=None, keys=None, training=False, grouped=False):
        """`grouped=True`: `values`, `keys` and `mask` hold one row per group
        of K consecutive queries (beam search's K hypotheses of one
        source), instead of one per query; the result is the same as with
        those rows repeated K times, without repeating them."""
        attention_utils.check_attention_inputs(
            type(self).__name__, query, values, mask, previous_weights,
            coverage, grouped=grouped)
        if keys is None:
            keys = self.compute_keys(values)
        groups = None
        if grouped:
            groups = keras.ops.shape(values)[0]
            per_group = keras.ops.shape(query)[0] // groups
            if mask is not None:
                mask = keras.ops.repeat(mask, per_group, axis=0)
            if not self.supports_groups:
                keys, values = (keras.ops.repeat(x, per_group, axis=0)
                                for x in (keys, values))
                groups = None
        scores = self.compute_scores(
            query, keys, previous_weights=previous_weights,
            coverage=coverage, training=training,
            **({} if groups is None else {"groups": groups}))
        weights = attention_utils.masked_softmax(scores, mask)
        context = attention_utils.weighted_sum(weights, values, groups)
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
