"""Recurrent (GRU or LSTM, optionally bidirectional) source encoder."""

import keras
from keras import ops

from keras_s2s.layers.encoder import Encoder
from keras_s2s.layers.encoder_recurrence import run_recurrent_layer

CELLS = ("gru", "lstm")


@keras.saving.register_keras_serializable(package="keras_s2s")
class RNNEncoder(Encoder):
    """Stacked GRU/LSTM encoder, optionally bidirectional.

    Implements the `Encoder` interface, so it pairs with any decoder:
    `outputs, state, mask = encoder(inputs, mask=None, training=False)` with
    `outputs` [batch, src_len, output_dim], `state` [batch, state_dim] (the
    last hidden state h_N, which a decoder's bridge turns into its initial
    state) and `mask` bool [batch, src_len], True on real positions.

    Inputs are token ids [batch, src_len] when `vocab_size` is set (padding id
    `pad_id` is masked), or float features [batch, src_len, dim] otherwise.
    Masked steps leave the recurrent state untouched, so `state` is the state
    at each sequence's last real token, and masked outputs are zeros.

    Args:
        cell: str. `"gru"` or `"lstm"`.
        units: int. Hidden size per direction; `output_dim` is `2 * units`
            when bidirectional, else `units`.
        bidirectional: bool. Read the source in both directions.
        num_layers: int. Stacked recurrent layers.
        dropout: float. Dropout on the embeddings and between layers, applied
            only when `training=True`.
        vocab_size: int or None. Embed token ids when set.
        embedding_dim: int or None. Embedding size (defaults to `units`).
        pad_id: int. Token id treated as padding.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    >>> encoder = RNNEncoder("lstm", 16, bidirectional=True, vocab_size=100)
    >>> outputs, state, mask = encoder(np.array([[5, 6, 7, 0]]))
    >>> outputs.shape, state.shape, mask.shape
    ((1, 4, 32), (1, 32), (1, 4))

    Reference: Bahdanau, Cho, Bengio. "Neural Machine Translation by Jointly
    Learning to Align and Translate", ICLR 2015 (bidirectional encoder).
    """

    def __init__(self, cell="lstm", units=256, bidirectional=False,
                 num_layers=1, dropout=0.0, vocab_size=None,
                 embedding_dim=None, pad_id=0, **kwargs):
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise ValueError(
                f"RNNEncoder: unknown `cell` {cell!r}; valid cells are "
                f"{', '.join(CELLS)}.")
        for name, value in (("units", units), ("num_layers", num_layers)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"RNNEncoder: `{name}` must be a positive int, got "
                    f"{value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(
                f"RNNEncoder: `dropout` must be in [0, 1), got {dropout!r}.")
        self.cell = cell
        self.units = units
        self.bidirectional = bool(bidirectional)
        self.num_layers = num_layers
        self.dropout = dropout
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim or units
        self.pad_id = pad_id
        self.output_dim = units * (2 if self.bidirectional else 1)
        self.supports_masking = True

        policy = self.dtype_policy
        self.embedding = None
        if vocab_size is not None:
            self.embedding = keras.layers.Embedding(
                vocab_size, self.embedding_dim, name="embedding", dtype=policy)
        rnn_class = keras.layers.GRU if cell == "gru" else keras.layers.LSTM
        self.rnn_layers = []
        for i in range(num_layers):
            rnn = rnn_class(units, return_sequences=True, return_state=True,
                            name=f"{cell}_{i}", dtype=policy)
            if self.bidirectional:
                rnn = keras.layers.Bidirectional(
                    rnn, merge_mode="concat", name=f"bi_{cell}_{i}",
                    dtype=policy)
            self.rnn_layers.append(rnn)
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, inputs_shape):
        if self.embedding is not None:
            if len(inputs_shape) != 2:
                raise ValueError(
                    "RNNEncoder: with `vocab_size` set, `inputs` must be token "
                    f"ids [batch, src_len], got shape {tuple(inputs_shape)}.")
            self.embedding.build(inputs_shape)
            feature_dim = self.embedding_dim
        else:
            if len(inputs_shape) != 3:
                raise ValueError(
                    "RNNEncoder: without `vocab_size`, `inputs` must be "
                    "features [batch, src_len, dim], got shape "
                    f"{tuple(inputs_shape)}.")
            feature_dim = inputs_shape[-1]
        for rnn in self.rnn_layers:
            rnn.build((inputs_shape[0], inputs_shape[1], feature_dim))
            feature_dim = self.output_dim

    def source_embedding(self):
        return self.embedding

    @property
    def source_kind(self):
        return "tokens" if self.vocab_size is not None else "features"

    def call(self, inputs, mask=None, training=False):
        mask = self.compute_input_mask(inputs, mask)
        x = self.embedding(inputs) if self.embedding is not None else inputs
        state = None
        for rnn in self.rnn_layers:
            x = self.dropout_layer(x, training=training)
            # The Keras layer's values, its input product hoisted out of
            # the loop (and in training, faster gradients).
            results = run_recurrent_layer(rnn, x, mask,
                                          transposed=bool(training))
            x = results[0]
            # GRU: (seq, h) or (seq, h_fw, h_bw); LSTM: (seq, h, c[, h_bw, c_bw]).
            step = 2 if self.cell == "lstm" else 1
            finals = results[1::step]
            state = finals[0] if len(finals) == 1 else ops.concatenate(
                finals, axis=-1)
        outputs = x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
        return outputs, state, mask

    def compute_output_shape(self, inputs_shape):
        batch, length = inputs_shape[0], inputs_shape[1]
        return ((batch, length, self.output_dim), (batch, self.output_dim),
                (batch, length))

    def get_config(self):
        config = super().get_config()
        config.update({
            "cell": self.cell,
            "units": self.units,
            "bidirectional": self.bidirectional,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "pad_id": self.pad_id,
        })
        return config
