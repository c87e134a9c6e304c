"""Convolutional source encoder in the style of Gehring et al. (2017)."""

import math

import keras
from keras import ops

from keras_s2s.layers.encoder import Encoder


@keras.saving.register_keras_serializable(package="keras_s2s")
class ConvEncoder(Encoder):
    """Convolutional encoder: embeddings, gated convolutions, residuals.

    Token embeddings plus learned position embeddings are projected to
    `units`, then `num_layers` blocks each apply dropout, a 1-D convolution
    to `2 * units` channels, a gated linear unit (Dauphin et al. 2017) and a
    residual connection scaled by sqrt(0.5). Padding is zeroed before every
    convolution, so padded positions never leak into real ones. Positions
    past `max_length` reuse the last position embedding.

    Implements the `Encoder` interface: `outputs, state, mask =
    encoder(inputs, mask=None, training=False)`; `state` is the masked mean of
    the outputs.

    Args:
        vocab_size: int. Source vocabulary size.
        embedding_dim: int. Size of token and position embeddings.
        units: int. Channels of the convolutional blocks (= `output_dim`).
        num_layers: int. Number of convolutional blocks.
        kernel_size: int. Convolution width (odd keeps it centred).
        dropout: float. Dropout before each block, only when `training=True`.
        max_length: int. Number of learned position embeddings.
        pad_id: int. Token id treated as padding.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    >>> encoder = ConvEncoder(vocab_size=100, embedding_dim=16, units=32)
    >>> outputs, state, mask = encoder(np.array([[5, 6, 7, 0]]))
    >>> outputs.shape, state.shape
    ((1, 4, 32), (1, 32))

    Reference: Gehring, Auli, Grangier, Yarats, Dauphin. "Convolutional
    Sequence to Sequence Learning", ICML 2017.
    """

    def __init__(self, vocab_size, embedding_dim=256, units=256, num_layers=4,
                 kernel_size=3, dropout=0.0, max_length=512, pad_id=0,
                 **kwargs):
        super().__init__(**kwargs)
        for name, value in (("vocab_size", vocab_size),
                            ("embedding_dim", embedding_dim), ("units", units),
                            ("num_layers", num_layers),
                            ("kernel_size", kernel_size),
                            ("max_length", max_length)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"ConvEncoder: `{name}` must be a positive int, got "
                    f"{value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(
                f"ConvEncoder: `dropout` must be in [0, 1), got {dropout!r}.")
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.num_layers = num_layers
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.max_length = max_length
        self.pad_id = pad_id
        self.output_dim = units
        self.supports_masking = True

        policy = self.dtype_policy
        self.token_embedding = keras.layers.Embedding(
            vocab_size, embedding_dim, name="token_embedding", dtype=policy)
        self.position_embedding = keras.layers.Embedding(
            max_length, embedding_dim, name="position_embedding", dtype=policy)
        self.input_projection = keras.layers.Dense(
            units, name="input_projection", dtype=policy)
        self.convolutions = [
            keras.layers.Conv1D(2 * units, kernel_size, padding="same",
                                name=f"conv_{i}", dtype=policy)
            for i in range(num_layers)
        ]
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, inputs_shape):
        if len(inputs_shape) != 2:
            raise ValueError(
                "ConvEncoder: `inputs` must be token ids [batch, src_len], "
                f"got shape {tuple(inputs_shape)}.")
        self.token_embedding.build(inputs_shape)
        self.position_embedding.build(inputs_shape)
        self.input_projection.build((None, None, self.embedding_dim))
        for conv in self.convolutions:
            conv.build((None, None, self.units))

    def source_embedding(self):
        return self.token_embedding

    def call(self, inputs, mask=None, training=False):
        mask = self.compute_input_mask(inputs, mask)
        length = ops.shape(inputs)[1]
        positions = ops.minimum(ops.arange(length), self.max_length - 1)
        x = (self.token_embedding(inputs)
             + ops.expand_dims(self.position_embedding(positions), 0))
        x = self.input_projection(self.dropout_layer(x, training=training))
        keep = ops.expand_dims(ops.cast(mask, x.dtype), -1)
        scale = math.sqrt(0.5)
        for conv in self.convolutions:
            h = self.dropout_layer(x, training=training) * keep
            value, gate = ops.split(conv(h), 2, axis=-1)
            x = (value * ops.sigmoid(gate) + x) * scale
        outputs = x * keep
        count = ops.maximum(ops.sum(keep, axis=1), 1.0)
        state = ops.sum(outputs, axis=1) / count
        return outputs, state, mask

    def compute_output_shape(self, inputs_shape):
        batch, length = inputs_shape[0], inputs_shape[1]
        return ((batch, length, self.units), (batch, self.units),
                (batch, length))

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "num_layers": self.num_layers,
            "kernel_size": self.kernel_size,
            "dropout": self.dropout,
            "max_length": self.max_length,
            "pad_id": self.pad_id,
        })
        return config
