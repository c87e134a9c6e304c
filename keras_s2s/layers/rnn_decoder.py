"""Recurrent decoder without attention: the plain encoder-decoder."""

import keras
from keras import ops

from keras_s2s.layers.decoder import Decoder
from keras_s2s.layers.recurrent_decoding import build_output
from keras_s2s.layers.recurrent_decoding import check_build_shapes
from keras_s2s.layers.recurrent_decoding import check_decoder_arguments
from keras_s2s.layers.recurrent_decoding import output_layer
from keras_s2s.layers.recurrent_decoding import output_logits
from keras_s2s.layers.recurrent_decoding import run_cells
from keras_s2s.layers.recurrent_decoding import stacked_cells


@keras.saving.register_keras_serializable(package="keras_s2s")
class RNNDecoder(Decoder):
    """GRU/LSTM decoder conditioned on the encoder's summary alone.

    The survey's baseline encoder-decoder: the source is read into one
    fixed vector c (the encoder's `state`, its last hidden state h_N for a
    recurrent encoder; the mean of its outputs when none is given)
    and the decoder generates from it, with no look back at the source
    positions. One step, for previous target token y_{t-1}:

        h_0 = tanh(W_b c)                         (the bridge)
        x_t = [embed(y_{t-1}); c]                 (feed_context=True, as in
                                                   Cho et al. 2014)
        h_t = RNN(x_t, h_{t-1})                   (num_layers stacked cells)
        logits_t = W_o h_t

    It implements the `Decoder` interface, so any encoder pairs with it.
    Search asks every decoder for alignments: this one has none, and its
    `state["weights"]` stays zero ([batch, src_len]), so exports keep their
    `alignments` output, all zeros.

    Two call paths compute the same numbers:
    - teacher forcing: `logits = decoder(targets_in, encoder_outputs,
      encoder_state, encoder_mask, training=...)` [batch, tgt_len] ->
      [batch, tgt_len, vocab_size];
    - single steps, for search: `memory = decoder.prepare_memory(outputs,
      mask)`, `state = decoder.initial_state(outputs, state)` (c travels in
      the state, so a search reorders and drops it with its entry), then
      `logits, state = decoder.step(token_ids, state, memory)`.

    Without an encoder state, c is the mean of the encoder outputs (every
    keras-s2s encoder gives a state, a masked summary). Target padding
    needs no mask (the masked loss ignores it). `training=True` turns
    dropout on.

    Args:
        cell: str. `"gru"` or `"lstm"`.
        units: int. Recurrent size.
        vocab_size: int. Target vocabulary size (required).
        embedding_dim: int or None. Target embedding size (default `units`).
        feed_context: bool. Concatenate c to every step's input.
        num_layers: int. Stacked recurrent cells.
        dropout: float. Dropout on embeddings, between stacked cells and
            before the output layer; `training=True` only.
        tie_embeddings: bool. The output layer reuses the target embedding
            matrix (logits = h_t E^T + b; Press & Wolf 2017): one variable,
            trained from both ends. Needs `embedding_dim == units`.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    >>> decoder = RNNDecoder("lstm", 16, vocab_size=50)
    >>> logits = decoder(np.array([[2, 7, 9]]), np.ones((1, 4, 8)),
    ...                  np.ones((1, 8)))
    >>> logits.shape
    (1, 3, 50)

    References: Sutskever, Vinyals, Le. "Sequence to Sequence Learning with
    Neural Networks", NeurIPS 2014. Cho et al. "Learning Phrase
    Representations using RNN Encoder-Decoder for Statistical Machine
    Translation", EMNLP 2014. Press, Wolf. "Using the Output Embedding to
    Improve Language Models", EACL 2017 (tied embeddings).
    """

    def __init__(self, cell="lstm", units=256, vocab_size=None,
                 embedding_dim=None, feed_context=True, num_layers=1,
                 dropout=0.0, tie_embeddings=False, **kwargs):
        super().__init__(**kwargs)
        check_decoder_arguments("RNNDecoder", cell, units, vocab_size,
                                num_layers, dropout, embedding_dim,
                                tie_embeddings)
        self.cell = cell
        self.units = units
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim or units
        self.feed_context = bool(feed_context)
        self.num_layers = num_layers
        self.dropout = dropout
        self.tie_embeddings = bool(tie_embeddings)
        self.supports_masking = True
        self.output_dim = units  # what the output layer reads

        policy = self.dtype_policy
        self.embedding = keras.layers.Embedding(
            vocab_size, self.embedding_dim, name="embedding", dtype=policy)
        self.cells, self.states_per_cell = stacked_cells(cell, units,
                                                         num_layers, policy)
        self.bridge = keras.layers.Dense(
            units * self.states_per_cell * num_layers, activation="tanh",
            name="bridge", dtype=policy)
        self.output_projection = output_layer(vocab_size,
                                              self.tie_embeddings, policy)
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, inputs_shape, encoder_outputs_shape,
              encoder_state_shape=None):
        check_build_shapes("RNNDecoder", inputs_shape,
                           encoder_outputs_shape)
        # c is the encoder's state (its own size), or the mean of its
        # outputs.
        context_dim = (encoder_state_shape[-1] if encoder_state_shape
                       is not None else encoder_outputs_shape[-1])
        if not self.embedding.built:  # shared with the encoder
            self.embedding.build(inputs_shape)
        input_dim = self.embedding_dim + (context_dim if self.feed_context
                                          else 0)
        for cell in self.cells:
            cell.build((None, input_dim))
            input_dim = self.units
        self.bridge.build((None, context_dim))
        build_output(self)

    def _logits(self, outputs, training):
        return output_logits(
            self, self.dropout_layer(outputs, training=training))

    # ----------------------------------------------------------------- search
    def prepare_memory(self, encoder_outputs, encoder_mask=None,
                       source_ids=None):
        """What every step reads from the source: nothing but its mask (c
        travels in the state, which `initial_state` makes from the
        encoder's)."""
        if not self.built:
            self.build((None, None), tuple(encoder_outputs.shape))
        if encoder_mask is None:
            encoder_mask = ops.ones(ops.shape(encoder_outputs)[:2], "bool")
        return {"mask": ops.cast(encoder_mask, "bool")}

    def initial_state(self, encoder_outputs, encoder_state=None):
        """The state before the first target token: c (the encoder's
        state, or without one the mean of its outputs) and the bridge of
        c."""
        if encoder_state is None:
            encoder_state = ops.mean(encoder_outputs, axis=1)
        if not self.built:
            self.build((None, None), tuple(encoder_outputs.shape),
                       tuple(encoder_state.shape))
        shape = ops.shape(encoder_outputs)
        n = self.num_layers * self.states_per_cell
        rnn = ops.split(self.bridge(encoder_state), n, axis=-1)
        return {"rnn": tuple(rnn), "context": encoder_state,
                "weights": ops.zeros((shape[0], shape[1]),
                                     self.compute_dtype)}

    def step(self, token_ids, state, memory, training=False):
        """One decoding step: token ids [batch] -> (logits [batch, V], state)."""
        embedded = self.embedding(token_ids)
        rnn, output = self._step(embedded, state, training)
        return self._logits(output, training), dict(state, rnn=rnn)

    def _step(self, embedded, state, training):
        x = embedded
        if self.feed_context:
            x = ops.concatenate([x, ops.cast(state["context"], x.dtype)],
                                axis=-1)
        new_rnn, x = run_cells(self.cells, self.states_per_cell, x,
                               state["rnn"], self.dropout_layer, training,
                               getattr(self, "_search_cells", None))
        return new_rnn, x

    # -------------------------------------------------------- teacher forcing
    def call(self, inputs, encoder_outputs, encoder_state=None,
             encoder_mask=None, source_ids=None, training=False):
        state = self.initial_state(encoder_outputs, encoder_state)
        dropped = self.dropout_layer(self.embedding(inputs),
                                     training=training)
        carry = {"rnn": state["rnn"], "context": state["context"],
                 "output": ops.zeros_like(state["rnn"][0])}

        def body(carry, x):
            rnn, output = self._step(x, carry, training)
            new = dict(carry, rnn=rnn, output=output)
            return new, new

        # Keras' TensorFlow scan stacks outputs shaped like the carry.
        _, steps = ops.scan(body, carry, ops.transpose(dropped, (1, 0, 2)))
        return self._logits(ops.transpose(steps["output"], (1, 0, 2)),
                            training)

    def compute_output_shape(self, inputs_shape, encoder_outputs_shape,
                             encoder_state_shape=None):
        return inputs_shape + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "cell": self.cell,
            "units": self.units,
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "feed_context": self.feed_context,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "tie_embeddings": self.tie_embeddings,
        })
        return config
