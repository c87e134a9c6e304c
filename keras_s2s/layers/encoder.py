"""The interface every encoder implements."""

import keras
from keras import ops

#: What an encoder reads: token ids [batch, src_len], feature vectors
#: [batch, src_len, dim] or images [batch, height, width, 3].
SOURCE_KINDS = ("tokens", "features", "images")


class Encoder(keras.layers.Layer):
    """Base class of the encoders: a source in, `(outputs, state, mask)` out.

    Every encoder is called the same way, so any encoder pairs with any
    decoder (`keras_s2s.layers.Decoder`) and any attention layer:

        outputs, state, mask = encoder(source, mask=None, training=False)

    - `outputs` [batch, src_len, output_dim]: the memory the decoder attends
      over (zeros at padded positions);
    - `state` [batch, state_dim]: a summary of the source the decoder starts
      from (the last hidden state h_N of a recurrent encoder, a mean for the
      others);
    - `mask` [batch, src_len] bool: which positions of `outputs` are real.

    What an encoder reads is a property of the encoder, `source_kind`:
    `"tokens"` (token ids, padding id `pad_id` masked), `"features"` (float
    vectors) or `"images"` (uint8 or float pixels, [batch, H, W, 3]); the
    model built on it (`Seq2Seq.contract`), the trainer, the CLI and the
    exporter read it from there.

    Subclasses implement `build(source_shape)`, `call(source, mask=None,
    training=False)` and `compute_output_shape(source_shape)`, and set
    `output_dim`. A given `mask` overrides the one the encoder would compute
    (`compute_input_mask`); image encoders have no padding and ignore it.
    `training=True` turns dropout on. `source_embedding()` gives the layer
    that embeds source tokens, for a model that shares it with its decoder.
    """

    #: Class default; token encoders without a vocabulary read features.
    source_kind = "tokens"

    def compute_input_mask(self, source, mask=None):
        """The boolean source mask: `mask` if given, else the non-padding
        token ids (tokens) or all positions (features); None for images,
        whose positions are known only after the encoder's CNN."""
        if mask is not None:
            return ops.cast(mask, "bool")
        if self.source_kind == "tokens":
            return ops.not_equal(source, getattr(self, "pad_id", 0))
        if self.source_kind == "features":
            return ops.ones(ops.shape(source)[:2], dtype="bool")
        return None

    def source_embedding(self):
        """The `keras.layers.Embedding` that embeds source token ids, or
        None for an encoder that reads no tokens. A model with
        `share_embeddings=True` gives it to its decoder as the target
        embedding."""
        return None

    def compute_mask(self, *args, **kwargs):
        # The mask travels as the third output, not as a Keras mask (Keras
        # masks do not cross model boundaries).
        return None

    def call(self, source, mask=None, training=False):
        raise NotImplementedError(
            f"{type(self).__name__} must implement call(source, mask=None, "
            "training=False) -> (outputs, state, mask).")
