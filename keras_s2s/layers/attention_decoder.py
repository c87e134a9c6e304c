"""Recurrent decoder with attention, input feeding and a single-step API."""

import keras
from keras import ops

from keras_s2s.layers.content_attention import ContentAttention
from keras_s2s.layers.decoder import Decoder
from keras_s2s.layers.pretransposed import dense_product
from keras_s2s.layers.recurrent_decoding import build_output
from keras_s2s.layers.recurrent_decoding import check_build_shapes
from keras_s2s.layers.recurrent_decoding import check_decoder_arguments
from keras_s2s.layers.recurrent_decoding import output_layer
from keras_s2s.layers.recurrent_decoding import output_logits
from keras_s2s.layers.recurrent_decoding import run_cells
from keras_s2s.layers.recurrent_decoding import stacked_cells


@keras.saving.register_keras_serializable(package="keras_s2s")
class AttentionDecoder(Decoder):
    """GRU/LSTM decoder that attends over encoder outputs at every step.

    One step, for previous target token y_{t-1} (Luong et al. 2015, with
    input feeding as in OpenNMT):

        x_t = [embed(y_{t-1}); attentional_{t-1}]   (input_feeding=True)
        h_t = RNN(x_t, h_{t-1})                     (num_layers stacked cells)
        context_t, a_t = attention(h_t, encoder_outputs, mask,
                                   previous_weights=a_{t-1}, coverage=cov_t)
        attentional_t = tanh(W_c [context_t; h_t])
        logits_t = W_o attentional_t

    The initial recurrent state comes from the encoder's `state` through a
    learned tanh bridge (zeros when no state is given). It implements the
    `Decoder` interface, so any encoder pairs with it and any attention.

    Two call paths compute the same numbers:
    - teacher forcing: `logits = decoder(targets_in, encoder_outputs,
      encoder_state, encoder_mask, training=...)` over a whole target
      sequence [batch, tgt_len] -> [batch, tgt_len, vocab_size]
      (`return_attention=True` also returns weights [batch, tgt_len, src_len]);
    - single steps, for search: `memory = decoder.prepare_memory(outputs,
      mask)`, `state = decoder.initial_state(outputs, state)`, then
      `logits, state = decoder.step(token_ids, state, memory)`. The state is a
      dict of tensors whose leading axis is the batch (so search can reorder
      it); `state["weights"]` holds the step's attention weights and
      `state["coverage"]` their running sum.

    Padding in the target needs no mask here: outputs past a sequence's end are
    ignored by the masked loss. The source mask must be passed explicitly
    (Keras masks do not cross model boundaries).

    Args:
        cell: str. `"gru"` or `"lstm"`.
        units: int. Recurrent state size (and attention query size).
        attention: a `BaseAttention` layer (or its serialized config). Defaults
            to `ContentAttention(units, "additive")`.
        vocab_size: int. Target vocabulary size (required).
        embedding_dim: int or None. Target embedding size (default `units`).
        input_feeding: bool. Feed the previous attentional vector to the RNN.
        num_layers: int. Stacked recurrent cells.
        dropout: float. Dropout on embeddings, between stacked cells and on
            attentional vectors before the output layer; `training=True` only.
        coverage_loss_weight: float. Adds the coverage loss
            sum_i min(a_ti, c_ti) (See et al. 2017) with this weight.
        attention_regularization: float. Adds the doubly stochastic
            attention penalty sum_i (1 - sum_t a_ti)^2 (Xu et al. 2015).
        tie_embeddings: bool. The output layer reuses the target embedding
            matrix (logits = attentional E^T + b; Press & Wolf 2017): one
            variable, trained from both ends, vocab_size x attentional_dim
            fewer parameters. Needs `embedding_dim == attentional_dim`.
        attentional_dim: int or None. Size of the attentional vector
            tanh(W_c [context; h]) that the output layer reads and input
            feeding passes on (default `units`). Smaller than `units`, it
            makes the output layer, the largest product of a search step,
            that much cheaper, and lets `tie_embeddings` work with an
            embedding smaller than the recurrent state.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    >>> decoder = AttentionDecoder("lstm", 16, vocab_size=50)
    >>> logits = decoder(np.array([[2, 7, 9]]), np.ones((1, 4, 8)))
    >>> logits.shape
    (1, 3, 50)

    References: Luong, Pham, Manning. "Effective Approaches to Attention-based
    Neural Machine Translation", EMNLP 2015. Bahdanau, Cho, Bengio, ICLR 2015.
    Press, Wolf. "Using the Output Embedding to Improve Language Models",
    EACL 2017 (tied embeddings).
    """

    shares_beam_memory = True

    def __init__(self, cell="lstm", units=256, attention=None, vocab_size=None,
                 embedding_dim=None, input_feeding=True, num_layers=1,
                 dropout=0.0, coverage_loss_weight=0.0,
                 attention_regularization=0.0, tie_embeddings=False,
                 attentional_dim=None, **kwargs):
        super().__init__(**kwargs)
        check_decoder_arguments("AttentionDecoder", cell, units, vocab_size,
                                num_layers, dropout, embedding_dim,
                                tie_embeddings, attentional_dim,
                                "attentional_dim")
        if attention is None:
            attention = ContentAttention(units, "additive", name="attention")
        elif isinstance(attention, dict):
            attention = keras.saving.deserialize_keras_object(attention)
        if not hasattr(attention, "compute_keys"):
            raise ValueError(
                "AttentionDecoder: `attention` must be a keras_s2s attention "
                f"layer (ContentAttention, LocationAttention), got "
                f"{type(attention).__name__}.")
        self.cell = cell
        self.units = units
        self.attention = attention
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim or units
        self.input_feeding = bool(input_feeding)
        self.num_layers = num_layers
        self.dropout = dropout
        self.coverage_loss_weight = float(coverage_loss_weight)
        self.attention_regularization = float(attention_regularization)
        self.tie_embeddings = bool(tie_embeddings)
        self.attentional_dim = attentional_dim or units
        self.output_dim = self.attentional_dim  # what the output layer reads
        self.supports_masking = True

        policy = self.dtype_policy
        self.embedding = keras.layers.Embedding(
            vocab_size, self.embedding_dim, name="embedding", dtype=policy)
        self.cells, self.states_per_cell = stacked_cells(cell, units,
                                                         num_layers, policy)
        self.bridge = keras.layers.Dense(
            units * self.states_per_cell * num_layers, activation="tanh",
            name="bridge", dtype=policy)
        self.attentional_projection = keras.layers.Dense(
            self.attentional_dim, activation="tanh", use_bias=False,
            name="attentional_projection", dtype=policy)
        self.output_projection = output_layer(vocab_size,
                                              self.tie_embeddings, policy)
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, inputs_shape, encoder_outputs_shape,
              encoder_state_shape=None):
        check_build_shapes("AttentionDecoder", inputs_shape,
                           encoder_outputs_shape)
        memory_dim = encoder_outputs_shape[-1]
        if not self.embedding.built:  # shared with the encoder
            self.embedding.build(inputs_shape)
        input_dim = self.embedding_dim + (
            self.attentional_dim if self.input_feeding else 0)
        for cell in self.cells:
            cell.build((None, input_dim))
            input_dim = self.units
        if not self.attention.built:  # a deserialized attention comes built
            self.attention.build((None, self.units), (None, None, memory_dim))
        if encoder_state_shape is not None:
            self.bridge.build(encoder_state_shape)
        self.attentional_projection.build((None, memory_dim + self.units))
        build_output(self)

    def check_encoder(self, encoder):
        super().check_encoder(encoder)
        self.attention.check_dimensions(self.units, encoder.output_dim)

    # ----------------------------------------------------------------- search
    def prepare_memory(self, encoder_outputs, encoder_mask=None,
                       source_ids=None):
        """What every step reads: values, their projected keys and the mask
        (and the source ids, for decoders that copy)."""
        if not self.built:
            self.build((None, None), tuple(encoder_outputs.shape))
        if encoder_mask is None:
            encoder_mask = ops.ones(ops.shape(encoder_outputs)[:2], "bool")
        memory = {"values": encoder_outputs,
                  "keys": self.attention.compute_keys(encoder_outputs),
                  "mask": ops.cast(encoder_mask, "bool")}
        if self.copies_source:
            if source_ids is None:
                raise ValueError(f"{type(self).__name__} copies from the "
                                 "source: pass `source_ids`.")
            memory["source_ids"] = ops.cast(source_ids, "int32")
        return memory

    def initial_state(self, encoder_outputs, encoder_state=None):
        """The state before the first target token."""
        shape = ops.shape(encoder_outputs)
        batch, src_len = shape[0], shape[1]
        dtype = self.compute_dtype
        n = self.num_layers * self.states_per_cell
        if encoder_state is not None:
            rnn = ops.split(self.bridge(encoder_state), n, axis=-1)
        else:
            rnn = [ops.zeros((batch, self.units), dtype) for _ in range(n)]
        return {
            "rnn": tuple(rnn),
            "attentional": ops.zeros((batch, self.attentional_dim), dtype),
            "weights": ops.zeros((batch, src_len), dtype),
            "coverage": ops.zeros((batch, src_len), dtype),
        }

    def step(self, token_ids, state, memory, training=False):
        """One decoding step: token ids [batch] -> (logits [batch, V], state)."""
        embedded = self.embedding(token_ids)
        state = self._step(embedded, state, memory, training, grouped=True)
        logits = self.compute_logits(state["attentional"], embedded,
                                     state["weights"], memory, training)
        return logits, state

    def compute_logits(self, attentional, embedded, weights, memory,
                       training=False):
        """Output scores from attentional vectors ([B, U] or [B, T, U])."""
        return output_logits(
            self, self.dropout_layer(attentional, training=training))

    def _step(self, embedded, state, memory, training, grouped=False):
        x = embedded
        if self.input_feeding:
            x = ops.concatenate([x, state["attentional"]], axis=-1)
        new_rnn, x = run_cells(self.cells, self.states_per_cell, x,
                               state["rnn"], self.dropout_layer, training,
                               getattr(self, "_search_cells", None))
        context, weights = self.attention(
            x, memory["values"], mask=memory["mask"],
            previous_weights=state["weights"], coverage=state["coverage"],
            keys=memory["keys"], grouped=grouped)
        attentional = dense_product(
            self.attentional_projection,
            ops.concatenate([context, x], axis=-1))
        return {
            "rnn": tuple(new_rnn),
            "attentional": attentional,
            "weights": weights,
            "coverage": state["coverage"] + weights,
        }

    # -------------------------------------------------------- teacher forcing
    def call(self, inputs, encoder_outputs, encoder_state=None,
             encoder_mask=None, source_ids=None, training=False,
             return_attention=False):
        memory = self.prepare_memory(encoder_outputs, encoder_mask,
                                     source_ids)
        state = self.initial_state(encoder_outputs, encoder_state)
        embedded = self.embedding(inputs)
        dropped = self.dropout_layer(embedded, training=training)

        def body(carry, x):
            new = self._step(x, carry, memory, training)
            return new, new

        # Keras' TensorFlow scan stacks outputs shaped like the carry.
        _, states = ops.scan(body, state, ops.transpose(dropped, (1, 0, 2)))
        attentional = ops.transpose(states["attentional"], (1, 0, 2))
        weights = ops.transpose(states["weights"], (1, 0, 2))
        if self.coverage_loss_weight or self.attention_regularization:
            coverage = ops.transpose(states["coverage"], (1, 0, 2))
            self._add_attention_losses(inputs, weights, coverage,
                                       memory["mask"])
        logits = self.compute_logits(attentional, embedded, weights, memory,
                                     training)
        if return_attention:
            return logits, weights
        return logits

    def _add_attention_losses(self, inputs, weights, coverage, source_mask):
        """Coverage loss (See et al. 2017) and doubly stochastic attention
        regularisation (Xu et al. 2015), over real target steps only."""
        steps = ops.cast(ops.not_equal(inputs, 0), "float32")  # [B, T]
        weights = ops.cast(weights, "float32") * steps[..., None]
        n_steps = ops.maximum(ops.sum(steps), 1.0)
        if self.coverage_loss_weight:
            before = ops.cast(coverage, "float32") - weights
            per_step = ops.sum(ops.minimum(weights, before), axis=-1)
            self.add_loss(self.coverage_loss_weight
                          * ops.sum(per_step * steps) / n_steps)
        if self.attention_regularization:
            total = ops.sum(weights, axis=1)  # [B, S]
            real = ops.cast(source_mask, "float32")
            gap = ops.sum(ops.square(1.0 - total) * real, axis=-1)
            self.add_loss(self.attention_regularization * ops.mean(gap))

    def compute_output_shape(self, inputs_shape, encoder_outputs_shape,
                             encoder_state_shape=None):
        return inputs_shape + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "cell": self.cell,
            "units": self.units,
            "attention": keras.saving.serialize_keras_object(self.attention),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "input_feeding": self.input_feeding,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "coverage_loss_weight": self.coverage_loss_weight,
            "attention_regularization": self.attention_regularization,
            "tie_embeddings": self.tie_embeddings,
            "attentional_dim": self.attentional_dim,
        })
        return config
