"""Embedding tables an export holds as int8 and a scale per column, where
that loses nothing.

A zoo model shipped with int8 storage (`keras-s2s zoo pack --dtype int8`)
loads every matrix as q * scale in float32, one scale per slice of its last
axis. Its embedding tables are then exactly int8 values times a float32
row of scales, and an export can hold them so: a quarter of the bytes, and
each lookup gathers int8 rows and multiplies them by the scales, which
gives the same float32 values the table held (`lossless_int8` checks that
every entry comes back bit for bit, or the table stays float32). The
serving process holds 12 MB less for `bilstm_attn_mt`'s two 8,000 x 256
tables; the search reads the same numbers.
"""

import contextlib

import numpy as np
import tensorflow as tf


def lossless_int8(table):
    """`(q, scale)`: int8 [N, D] and float32 [D] with `q * scale` equal to
    the float32 `table` in every entry, or None where the int8 storage's
    own quantization (`keras_s2s.zoo.packing.quantize_int8`) does not give
    the table back bit for bit."""
    from keras_s2s.zoo.packing import quantize_int8

    table = np.asarray(table)
    if table.dtype != np.float32 or table.ndim != 2:
        return None
    q, scale = quantize_int8(table)
    if not np.array_equal(q.astype(np.float32) * scale, table):
        return None
    return q, scale


def _embedding_layers(model):
    """The source and target `keras.layers.Embedding`s that a search looks
    rows up in and never multiplies by as a whole (a decoder that ties its
    output layer to its embedding reads the whole table)."""
    import keras

    layers = []
    encoder_embedding = model.encoder.source_embedding()
    decoder = model.decoder
    tied = getattr(decoder, "tie_embeddings", False)
    for layer in (encoder_embedding, getattr(decoder, "embedding", None)):
        if (isinstance(layer, keras.layers.Embedding)
                and not (tied and layer is decoder.embedding)
                and all(layer is not seen for seen in layers)):
            layers.append(layer)
    return layers


@contextlib.contextmanager
def int8_lookups(model):
    """While open, the model's embedding lookups read int8 variables and
    their scales, made here, for every table `lossless_int8` can hold so;
    traced functions then capture those instead of the float32 tables.
    Yields the layers it changed."""
    changed = []
    try:
        for layer in _embedding_layers(model):
            packed = lossless_int8(layer.embeddings)
            if packed is None:
                continue
            q = tf.Variable(packed[0], trainable=False, name="embeddings_q")
            scale = tf.Variable(packed[1], trainable=False,
                                name="embeddings_scale")
            dtype = layer.compute_dtype

            def lookup(inputs, q=q, scale=scale, dtype=dtype):
                rows = tf.gather(q, tf.cast(inputs, tf.int32))
                return tf.cast(tf.cast(rows, tf.float32) * scale, dtype)

            # Not a tracked attribute: the layer keeps its own weights.
            object.__setattr__(layer, "call", lookup)
            changed.append(layer)
        yield changed
    finally:
        for layer in changed:
            object.__delattr__(layer, "call")
