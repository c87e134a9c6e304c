"""Pointer-generator decoder: generate from a vocabulary or copy the source."""

import keras
from keras import ops

from keras_s2s.layers.attention_decoder import AttentionDecoder


@keras.saving.register_keras_serializable(package="keras_s2s")
class PointerGeneratorDecoder(AttentionDecoder):
    """An `AttentionDecoder` that can copy source tokens (See et al. 2017).

    At each step a switch p_gen = sigmoid(w [attentional_t; embed(y_{t-1})])
    mixes the generator's softmax with the attention weights scattered onto
    the source token ids:

        P(w) = p_gen * P_vocab(w) + (1 - p_gen) * sum_{i: x_i = w} a_ti

    The generator covers ids `[0, generator_vocab_size)`; the extended
    vocabulary is the full `vocab_size` of the shared tokenizer, so tokens
    with ids at or above `generator_vocab_size` (rare pieces the generator
    never predicts) reach the output only by being copied from the source.
    Source and target must share one tokenizer. The copy is a scatter-add in
    the graph, so it exports. The layer returns log P(w) as its logits: they
    are normalised, so `SparseCategoricalCrossentropy(from_logits=True)` is
    exactly the negative log-likelihood and every search works unchanged.
    Pair it with `coverage_loss_weight` (and an additive attention with
    `use_coverage=True`) for the full model of See et al.

    Args:
        generator_vocab_size: int or None. Size of the generator's softmax
            (None: `vocab_size`).
        Other arguments as in `AttentionDecoder`. Calls take `source_ids`
        [batch, src_len] in addition (`prepare_memory(..., source_ids=...)`
        for step-wise decoding).

    Example:
    >>> decoder = PointerGeneratorDecoder("lstm", 16, vocab_size=500,
    ...                                   generator_vocab_size=300)
    >>> log_probs = decoder(targets_in, encoder_outputs, source_ids=src)

    Reference: See, Liu, Manning. "Get To The Point: Summarization with
    Pointer-Generator Networks", ACL 2017.
    """

    copies_source = True
    # The copy distribution scatters each hypothesis' weights by its own
    # row of `source_ids`.
    shares_beam_memory = False

    def __init__(self, cell="lstm", units=256, attention=None,
                 vocab_size=None, embedding_dim=None, input_feeding=True,
                 num_layers=1, dropout=0.0, coverage_loss_weight=0.0,
                 attention_regularization=0.0, generator_vocab_size=None,
                 **kwargs):
        super().__init__(
            cell=cell, units=units, attention=attention,
            vocab_size=vocab_size, embedding_dim=embedding_dim,
            input_feeding=input_feeding, num_layers=num_layers,
            dropout=dropout, coverage_loss_weight=coverage_loss_weight,
            attention_regularization=attention_regularization, **kwargs)
        generator_vocab_size = generator_vocab_size or vocab_size
        if not 0 < generator_vocab_size <= vocab_size:
            raise ValueError(
                "PointerGeneratorDecoder: `generator_vocab_size` must be in "
                f"[1, vocab_size={vocab_size}], got {generator_vocab_size}.")
        self.generator_vocab_size = generator_vocab_size
        policy = self.dtype_policy
        self.output_projection = keras.layers.Dense(
            generator_vocab_size, name="output_projection", dtype=policy)
        self.switch = keras.layers.Dense(1, activation="sigmoid",
                                         name="switch", dtype=policy)

    def build(self, inputs_shape, encoder_outputs_shape,
              encoder_state_shape=None):
        super().build(inputs_shape, encoder_outputs_shape, encoder_state_shape)
        self.switch.build((None, self.attentional_dim + self.embedding_dim))

    def compute_logits(self, attentional, embedded, weights, memory,
                       training=False):
        generator = ops.softmax(ops.cast(super().compute_logits(
            attentional, embedded, weights, memory, training), "float32"))
        p_gen = ops.cast(self.switch(ops.concatenate(
            [attentional, embedded], axis=-1)), "float32")
        extra = self.vocab_size - self.generator_vocab_size
        if extra:
            pad = [[0, 0]] * (len(generator.shape) - 1) + [[0, extra]]
            generator = ops.pad(generator, pad)
        copy = _scatter_copy(ops.cast(weights, "float32"),
                             memory["source_ids"], self.vocab_size)
        mixed = p_gen * generator + (1.0 - p_gen) * copy
        return ops.log(ops.maximum(mixed, 1e-12))

    def get_config(self):
        config = super().get_config()
        config.pop("tie_embeddings")  # its generator has its own output layer
        config["generator_vocab_size"] = self.generator_vocab_size
        return config


def _scatter_copy(weights, source_ids, vocab_size):
    """Adds attention weight a[..., s] onto id source_ids[b, s].

    weights: [B, S] or [B, T, S]; source_ids: [B, S]. Returns [..., V].
    """
    shape = ops.shape(weights)
    batch, src_len = shape[0], shape[-1]
    if len(weights.shape) == 2:
        rows = ops.repeat(ops.arange(batch), src_len)
        index = ops.stack([rows, ops.reshape(source_ids, (-1,))], axis=-1)
        return ops.scatter(index, ops.reshape(weights, (-1,)),
                           (batch, vocab_size))
    steps = shape[1]
    b = ops.broadcast_to(ops.arange(batch)[:, None, None],
                         (batch, steps, src_len))
    t = ops.broadcast_to(ops.arange(steps)[None, :, None],
                         (batch, steps, src_len))
    ids = ops.broadcast_to(source_ids[:, None, :], (batch, steps, src_len))
    index = ops.stack([ops.reshape(b, (-1,)), ops.reshape(t, (-1,)),
                       ops.reshape(ids, (-1,))], axis=-1)
    return ops.scatter(index, ops.reshape(weights, (-1,)),
                       (batch, steps, vocab_size))
