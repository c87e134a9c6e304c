"""The interface every decoder implements."""

import keras


class Decoder(keras.layers.Layer):
    """Base class of the decoders: target ids and an encoding in, scores out.

    Every decoder is called the same way, so any decoder pairs with any
    `keras_s2s.layers.Encoder`, whose `(outputs, state, mask)` it takes:

    - teacher forcing: `logits = decoder(target_in, encoder_outputs,
      encoder_state, encoder_mask, source_ids=None, training=False)`,
      [batch, tgt_len] -> [batch, tgt_len, vocab_size];
    - search, one step at a time: `memory = decoder.prepare_memory(outputs,
      mask, source_ids)`, `state = decoder.initial_state(outputs,
      encoder_state)`, then `logits, state = decoder.step(ids, state,
      memory)`. `state` and `memory` are dicts of tensors whose leading axis
      is the batch, so a search can reorder and tile them.

    What a decoder needs beyond that is a property of the decoder:
    `copies_source` (it reads the source token ids and copies from them, so
    the source must be tokens from the same vocabulary as the target), and
    `shares_beam_memory` (its `step` reads one memory row per beam).
    `check_encoder` refuses, at model construction, an encoder it cannot
    work with. `training=True` turns dropout on.

    Subclasses implement `build(target_shape, encoder_outputs_shape,
    encoder_state_shape=None)`, `call`, `prepare_memory`, `initial_state`
    and `step`, and keep `vocab_size`.
    """

    #: Reads `source_ids` and copies source tokens into the output.
    copies_source = False
    #: `step` also takes a `memory` with one row per group of K consecutive
    #: state rows (the K hypotheses of one source in beam search), so a
    #: beam search need not repeat the memory K times.
    shares_beam_memory = False

    def check_encoder(self, encoder):
        """Raises `ValueError` when this decoder cannot decode `encoder`'s
        outputs (called by `Seq2Seq` when the model is put together)."""
        kind = getattr(encoder, "source_kind", None)
        if self.copies_source and kind != "tokens":
            raise ValueError(
                f"{type(self).__name__} copies source tokens into its "
                f"output, so its encoder must read token ids; "
                f"{type(encoder).__name__} reads {kind}. Use an "
                "AttentionDecoder with this encoder.")

    def compute_mask(self, *args, **kwargs):
        return None

    def prepare_memory(self, encoder_outputs, encoder_mask=None,
                       source_ids=None):
        raise NotImplementedError

    def initial_state(self, encoder_outputs, encoder_state=None):
        raise NotImplementedError

    def step(self, token_ids, state, memory, training=False):
        raise NotImplementedError

    def share_embedding(self, embedding):
        """Makes `embedding` (a `keras.layers.Embedding` of the same size,
        e.g. the encoder's `source_embedding()`) this decoder's target
        embedding in place of its own, which leaves the decoder's weights.
        With `tie_embeddings` the output layer reads it too.

        Raises:
            ValueError: the decoder has no target embedding, or the sizes
                (vocabulary, dimension) differ.
        """
        own = getattr(self, "embedding", None)
        if not isinstance(own, keras.layers.Embedding):
            raise ValueError(f"{type(self).__name__} has no target embedding "
                             "to share.")
        if not isinstance(embedding, keras.layers.Embedding):
            raise ValueError(f"{type(self).__name__}.share_embedding: expected "
                             "a keras.layers.Embedding, got "
                             f"{type(embedding).__name__}.")
        mine = (own.input_dim, own.output_dim)
        theirs = (embedding.input_dim, embedding.output_dim)
        if mine != theirs:
            raise ValueError(
                f"{type(self).__name__}.share_embedding: the target embedding "
                f"is {mine[0]} x {mine[1]} (vocabulary x dimension), the "
                f"shared one {theirs[0]} x {theirs[1]}; they must be equal.")
        if own is embedding:
            return
        # A built layer locks its tracker: swap the tracked sub-layer in
        # place, so the decoder's weights (and what is saved) list the shared
        # embedding once and the replaced one no more.
        self._tracker.replace_tracked_value("layers", own, embedding)
        self.embedding = embedding

    def search_output(self, precision="float32", columns=None,
                      recurrent_precision=None, transposed=False,
                      fuse_bias=False, kernel_layout="in_out"):
        """A context in which `step` computes the output layer's matrix
        product in `precision` (`"float32"` or `"bfloat16"`) and, with
        `columns` (int target ids [C]), scores only those ids (logits
        [batch, C], column j for id `columns[j]`); the kernel is cast and
        gathered once when the context opens: open it around a search loop
        (`Seq2Seq.search(..., output_precision=..., shortlist=...)`).
        `recurrent_precision` (`"float32"` or `"bfloat16"`) makes the
        recurrent cells' products read weights prepared once too.
        `transposed` (a training step) also prepares every kernel's
        transpose for the gradients (`keras_s2s.layers.pretransposed`).
        `fuse_bias` adds each lower-precision product's bias in that
        precision, one fused oneDNN op (what greedy search asks for).
        `kernel_layout="out_in"` holds the lower-precision kernels
        transposed and multiplies with transpose_b (the same results)."""
        from keras_s2s.layers.recurrent_decoding import search_output

        return search_output(self, precision, columns, recurrent_precision,
                             transposed, fuse_bias, kernel_layout)
