"""An encoder, an attention decoder, their tokenizers and in-graph search."""

import contextlib
import inspect

import keras
from keras import ops

from keras_s2s.generation.search import search
from keras_s2s.layers.recurrent_decoding import OUTPUT_PRECISIONS
from keras_s2s.models.model_contract import ModelContract
from keras_s2s.models.truncation_warning import TruncationWarning
from keras_s2s.text.vocabulary import BOS_ID
from keras_s2s.text.vocabulary import EOS_ID
from keras_s2s.text.vocabulary import PAD_ID

MATMUL_PRECISIONS = ("float32", "bfloat16")

SEARCH_OPTIONS = ("method", "max_length", "relative_max_length", "beam_size",
                  "alpha", "beta", "num_return", "no_repeat_ngram_size",
                  "temperature", "top_k", "top_p", "seed",
                  "return_alignments", "compact", "settle", "output_precision",
                  "shortlist", "recurrent_precision", "source_multiple",
                  "kernel_layout", "first_step_apart")


def _deserialize(obj):
    if isinstance(obj, dict):
        return keras.saving.deserialize_keras_object(obj)
    return obj


def _check_shortlist(model, shortlist):
    """Raises `ValueError` unless `shortlist` fits `model`."""
    name = type(model.decoder).__name__
    if model.decoder.copies_source:
        raise ValueError(f"A vocabulary shortlist cannot restrict {name}: "
                         "it copies source tokens into its output.")
    if model.contract.source != "text":
        raise ValueError("A vocabulary shortlist is chosen from the source's "
                         "tokens; this model reads "
                         f"{model.contract.source}.")
    sizes = {"source": (shortlist.source_vocab_size,
                        getattr(model.encoder, "vocab_size", None)),
             "target": (shortlist.target_vocab_size,
                        model.decoder.vocab_size)}
    for side, (theirs, mine) in sizes.items():
        if mine is not None and theirs != mine:
            raise ValueError(
                f"The vocabulary shortlist is for a {side} vocabulary of "
                f"{theirs}, the model's has {mine}.")
    shortlist.check_ids(model.start_id, model.end_id, model.pad_id)


def _is_text(inputs):
    """True for str, a list of str/bytes, or a string tensor/array."""
    if isinstance(inputs, (str, bytes)):
        return True
    if isinstance(inputs, (list, tuple)):
        return bool(inputs) and isinstance(inputs[0], (str, bytes))
    dtype = getattr(inputs, "dtype", None)
    if dtype is None:
        return False
    # NumPy str/bytes/object arrays, or tf.string tensors.
    return (getattr(dtype, "kind", "") in ("U", "S", "O")
            or getattr(dtype, "name", "") == "string")


def _text_list(inputs):
    """`inputs` as a list of str when it is text, else None."""
    if isinstance(inputs, (str, bytes)):
        inputs = [inputs]
    if not _is_text(inputs):
        return None
    if hasattr(inputs, "numpy"):
        inputs = inputs.numpy()
    return [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
            for x in list(inputs)]


def _check_layers(encoder, decoder):
    from keras_s2s.layers import Decoder
    from keras_s2s.layers import Encoder

    if not isinstance(encoder, Encoder):
        raise ValueError(f"Seq2Seq: `encoder` must be a keras_s2s.layers."
                         f"Encoder, got {type(encoder).__name__}.")
    if not isinstance(decoder, Decoder):
        raise ValueError(f"Seq2Seq: `decoder` must be a keras_s2s.layers."
                         f"Decoder, got {type(decoder).__name__}.")
    decoder.check_encoder(encoder)


def _check_tokenizers(contract, source_tokenizer, target_tokenizer):
    if contract.source != "text" and source_tokenizer is not None:
        raise ValueError(f"Seq2Seq: the encoder reads {contract.source}s, "
                         "not text; pass no `source_tokenizer`.")
    protos = [getattr(t, "proto", None)
              for t in (source_tokenizer, target_tokenizer)]
    if (contract.shared_vocabulary and None not in protos
            and protos[0] != protos[1]):
        why = ("its decoder copies source tokens" if contract.copies_source
               else "it was made with shared_vocabulary=True")
        raise ValueError(f"Seq2Seq: source and target must share one "
                         f"vocabulary ({why}), but the two tokenizers "
                         "differ; pass the same tokenizer for both.")


def _share_embeddings(encoder, decoder):
    embedding = encoder.source_embedding()
    if embedding is None:
        raise ValueError(f"Seq2Seq: share_embeddings=True needs an encoder "
                         f"that embeds tokens; {type(encoder).__name__} "
                         f"reads {encoder.source_kind}.")
    try:
        decoder.share_embedding(embedding)
    except ValueError as error:
        raise ValueError(f"Seq2Seq: share_embeddings=True: {error} Give "
                         "encoder and decoder the same `embedding_dim` and "
                         "one vocabulary.") from error


def _is_batched_data(x):
    return (isinstance(x, keras.utils.PyDataset) or inspect.isgenerator(x)
            or hasattr(x, "element_spec"))  # a tf.data.Dataset


@keras.saving.register_keras_serializable(package="keras_s2s")
class Seq2Seq(keras.Model):
    """Pairs any keras_s2s encoder with any decoder and its attention.

    `model({"source": ids_or_images, "target_in": ids})` returns logits
    [batch, tgt_len, vocab] computed with teacher forcing, so the model trains
    with `compile` and `fit` like any Keras model (use a loss that ignores the
    padding id, e.g. `SparseCategoricalCrossentropy(from_logits=True,
    ignore_class=0)`). Losses that the decoder adds (coverage, attention
    regularisation) join the compiled loss.

    `search(inputs, ...)` decodes in the graph (greedy, beam search,
    sampling) and returns tensors; `generate(inputs, ...)` returns Python
    strings when a target tokenizer is attached. Inputs may be raw text when
    a source tokenizer is attached, token ids, or images for an image
    encoder.

    What the model consumes and produces is `model.contract` (a
    `ModelContract`: text or image sources, shared vocabulary, copying),
    read from its layers. A pair that cannot work together is refused here,
    when the model is put together: a decoder that copies source tokens
    with an encoder that does not read tokens, a shared vocabulary with two
    different tokenizers, a source tokenizer for an image encoder.

    Args:
        encoder: a `keras_s2s.layers.Encoder` (`RNNEncoder`, `ConvEncoder`,
            `ImageEncoder`) or its serialized config.
        decoder: a `keras_s2s.layers.Decoder` (`AttentionDecoder`,
            `PointerGeneratorDecoder`) or its serialized config.
        start_id, end_id, pad_id: int. Special target ids.
        source_tokenizer: optional tokenizer layer for text sources.
        target_tokenizer: optional tokenizer layer for targets.
        generation_config: dict of default search options (`method`,
            `beam_size`, `alpha`, `max_length`, `no_repeat_ngram_size`, ...)
            that calls may override.
        max_source_length: int or None. Text sources are cut to this many
            tokens before encoding (`generate` warns when it cuts).
        split_sentences: bool. The model was trained on single sentences:
            `generate` splits each text input into sentences, decodes them
            in one batch and joins the outputs (the translation presets set
            it; `generate(..., split_sentences=False)` turns it off).
        shared_vocabulary: bool. Source and target share one tokenizer
            (always true for a decoder that copies from the source); the
            trainer then trains one vocabulary on both sides.
        share_embeddings: bool. One embedding matrix for source and target
            tokens (implies `shared_vocabulary`): the decoder reads the
            encoder's `source_embedding()`, trained from both sides. With
            the decoder's `tie_embeddings` the output layer reads it too
            (three-way tying, Press & Wolf 2017). Needs an encoder that
            reads tokens and equal embedding sizes.
        matmul_precision: `"float32"` (default) or `"bfloat16"`: in
            teacher-forced calls (training, validation loss) the decoder's
            recurrent cells and output layer multiply in this precision,
            with their weights cast once per call (float32 weights,
            gradients and states; one product per LSTM step, input and
            recurrent kernels stacked). Faster on CPUs with bfloat16
            units; measure the learning curve (`benchmarks/precision.py`).
            Search has its own options (`output_precision`,
            `recurrent_precision`).
        **kwargs: passed to `keras.Model`.

    Example:
    >>> model = Seq2Seq(RNNEncoder("gru", 16, vocab_size=20),
    ...                 AttentionDecoder("gru", 16, vocab_size=20))
    >>> logits = model({"source": src, "target_in": tgt_in})
    >>> model.search(src, method="beam", beam_size=4)["tokens"]
    """

    def __init__(self, encoder, decoder, start_id=BOS_ID, end_id=EOS_ID,
                 pad_id=PAD_ID,
                 source_tokenizer=None, target_tokenizer=None,
                 generation_config=None, max_source_length=None,
                 split_sentences=False, shared_vocabulary=False,
                 share_embeddings=False, matmul_precision="float32",
                 **kwargs):
        super().__init__(**kwargs)
        if matmul_precision not in MATMUL_PRECISIONS:
            raise ValueError(f"Seq2Seq: unknown `matmul_precision` "
                             f"{matmul_precision!r}; valid ones are "
                             f"{', '.join(MATMUL_PRECISIONS)}.")
        self.matmul_precision = matmul_precision
        self.encoder = _deserialize(encoder)
        self.decoder = _deserialize(decoder)
        _check_layers(self.encoder, self.decoder)
        self.start_id = start_id
        self.end_id = end_id
        self.pad_id = pad_id
        self.source_tokenizer = _deserialize(source_tokenizer)
        self.target_tokenizer = _deserialize(target_tokenizer)
        self.generation_config = dict(generation_config or {})
        unknown = set(self.generation_config) - set(SEARCH_OPTIONS)
        if unknown:
            raise ValueError(f"Seq2Seq: unknown `generation_config` keys "
                             f"{sorted(unknown)}; valid keys are "
                             f"{', '.join(SEARCH_OPTIONS)}.")
        self.max_source_length = max_source_length
        self.split_sentences = bool(split_sentences)
        self.share_embeddings = bool(share_embeddings)
        self.shared_vocabulary = (bool(shared_vocabulary)
                                  or self.share_embeddings
                                  or self.decoder.copies_source)
        if self.share_embeddings:
            _share_embeddings(self.encoder, self.decoder)
        _check_tokenizers(self.contract, self.source_tokenizer,
                          self.target_tokenizer)

    @property
    def contract(self):
        """What the model consumes and produces (a `ModelContract`)."""
        built = getattr(self, "_build_input_shape", None) or {}
        shape = built.get("source") or (None, None)
        return ModelContract.from_layers(
            self.encoder, self.decoder, self.shared_vocabulary,
            image_size=shape[1] if len(shape) == 4 else None)

    def build(self, input_shape):
        source_shape = tuple(input_shape["source"])
        target_shape = tuple(input_shape["target_in"])
        out_shape, state_shape, _ = self.encoder.compute_output_shape(
            source_shape)
        # Sub-layers deserialized from a config arrive already built.
        if not self.encoder.built:
            self.encoder.build(source_shape)
        if not self.decoder.built:
            self.decoder.build(target_shape, out_shape, state_shape)
        self._build_input_shape = {"source": list(source_shape),
                                   "target_in": list(target_shape)}
        self.built = True

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, without Keras' warning that `shuffle=True` is
        ignored for a dataset: batched data (a `tf.data.Dataset` such as
        `make_seq2seq_dataset`'s, a `PyDataset`, a generator) is shuffled by
        whoever made it, so `shuffle` defaults to False for it.

        A built model's optimizer makes its slots before the first step
        (Keras would make them inside the first traced step, and a variable
        made there has tf.function trace the step a second time)."""
        if "shuffle" not in kwargs and _is_batched_data(x):
            kwargs["shuffle"] = False
        optimizer = getattr(self, "optimizer", None)
        if self.built and optimizer is not None and not optimizer.built:
            with self.distribute_strategy.scope():
                optimizer.build(self.trainable_variables)
        return super().fit(x, y, **kwargs)

    def _source_ids(self, source):
        return source if self.decoder.copies_source else None

    def call(self, inputs, training=False):
        source = inputs["source"]
        outputs, state, mask = self.encoder(source, training=training)
        with self._decoder_products(training):
            return self.decoder(inputs["target_in"], outputs, state, mask,
                                source_ids=self._source_ids(source),
                                training=training)

    def _decoder_products(self, training=False):
        """The context of a teacher-forced decoder call: its products in
        `matmul_precision` (the search's machinery, opened per call), and
        in a training step the kernels transposed once for the gradients
        (`keras_s2s.layers.pretransposed`)."""
        precision = self.matmul_precision
        if training:
            if precision == "float32":  # bfloat16 under mixed_bfloat16
                precision = self.decoder.compute_dtype
            if precision not in OUTPUT_PRECISIONS:  # e.g. mixed_float16
                return contextlib.nullcontext()
            return self.decoder.search_output(precision, None, precision,
                                              transposed=True)
        if precision == "float32":
            return contextlib.nullcontext()
        return self.decoder.search_output(precision, None, precision)

    def encode_inputs(self, inputs):
        """Raw text -> padded ids with the source tokenizer; else as given."""
        if _is_text(inputs):
            if self.source_tokenizer is None:
                raise ValueError("Seq2Seq: text inputs need a "
                                 "`source_tokenizer`.")
            ids = self.source_tokenizer(inputs)
            if self.max_source_length:
                ids = ids[:, :self.max_source_length]
            # At least one (padding) position, so a batch of empty strings
            # still encodes; its mask is all False.
            missing = ops.maximum(1 - ops.shape(ids)[1], 0)
            return ops.pad(ids, [[0, 0], [0, missing]],
                           constant_values=self.pad_id)
        return inputs

    def _pad_source(self, source, multiple):
        """Token ids padded with `pad_id` to a multiple of `multiple`
        positions (at most `max_source_length`); images as they are."""
        if not isinstance(multiple, int) or multiple < 1:
            raise ValueError(f"Seq2Seq.search: `source_multiple` must be a "
                             f"positive int, got {multiple!r}.")
        if multiple == 1 or self.contract.source != "text":
            return source
        length = ops.shape(source)[1]
        target = (length + multiple - 1) // multiple * multiple
        if self.max_source_length:
            target = ops.minimum(target, ops.maximum(
                length, self.max_source_length))
        return ops.pad(source, [[0, 0], [0, target - length]],
                       constant_values=self.pad_id)

    @property
    def vocabulary_shortlist(self):
        """The `VocabularyShortlist` that `search(..., shortlist=True)`
        reads, or None. Not saved with the model's weights or config."""
        return getattr(self, "_vocabulary_shortlist", None)

    @vocabulary_shortlist.setter
    def vocabulary_shortlist(self, shortlist):
        if shortlist is not None:
            _check_shortlist(self, shortlist)
        object.__setattr__(self, "_vocabulary_shortlist", shortlist)

    def _shortlist(self):
        if self.vocabulary_shortlist is None:
            raise ValueError(
                "Seq2Seq.search: `shortlist=True` needs a vocabulary "
                "shortlist; set `model.vocabulary_shortlist = "
                "VocabularyShortlist.load(path)` (or `.fit(...)`) first.")
        return self.vocabulary_shortlist

    def search(self, inputs, **options):
        """Decodes in the graph with `keras_s2s.generation.search`.

        Args:
            inputs: raw text (with a source tokenizer), token ids or images.
            **options: search options, over `generation_config`: `method`
                (`"greedy"`, `"beam"`, `"sample"`), `max_length` (int, the
                output's size), `relative_max_length` (`(a, b)`: stop each
                entry after `a * source_length + b` tokens), `beam_size`,
                `alpha`, `beta`, `num_return`, `no_repeat_ngram_size`,
                `temperature`, `top_k`, `top_p`, `seed`, `return_alignments`,
                `compact` (default True: finished entries leave the batch,
                with the same results; an int N: the batch only shrinks to
                a multiple of N or a power of two below it, fewer shapes
                for a server: `keras-s2s export` uses 4), `settle`
                (default True: beam search stops an entry once no
                unfinished hypothesis can outscore the returned ones, with
                the same results; `"best"`: once the returned ones have
                finished, OpenNMT-py's rule, faster and an approximation
                under a length penalty: `keras-s2s export --settle best`),
                `output_precision` (`"float32"`,
                the default, or `"bfloat16"`: the output layer multiplies
                in bfloat16 with its kernel cast once per search, faster on
                CPUs with bfloat16 units; measured on the shipped
                translator: beam 5 at batch 32 1.18x, test BLEU 33.43
                against 33.45), `source_multiple` (int, default 1: token
                sources are padded, masked, to a multiple of it, at most to
                `max_source_length`; the same results, and a serving
                process sees a few source lengths instead of every one, so
                it builds fewer oneDNN primitives: `keras-s2s export` pads
                to 8), `kernel_layout` (`"in_out"`, the default, or
                `"out_in"`: lower-precision kernels held transposed and
                multiplied with transpose_b, the same results, faster for
                bfloat16 on CPUs with AMX; `keras-s2s export` picks it
                there), `first_step_apart` (default True: beam search runs
                its first step before the loop on one row per sentence;
                False: in the loop, on K rows, for a smaller graph and a
                lower serving peak, the same results: `keras-s2s export
                --first-step in-loop`).

        Returns:
            dict of `tokens` [B, N, max_length], `lengths`, `scores`,
            `log_probs` [B, N] (and `alignments`), best first, plus `text`
            [B, N] strings when a target tokenizer is attached.
        """
        unknown = set(options) - set(SEARCH_OPTIONS)
        if unknown:
            raise ValueError(f"Seq2Seq.search: unknown options "
                             f"{sorted(unknown)}; valid options are "
                             f"{', '.join(SEARCH_OPTIONS)}.")
        options = {**self.generation_config, **options}
        method = options.pop("method", "greedy")
        precision = options.pop("output_precision", "float32")
        shortlist = options.pop("shortlist", False)
        recurrent = options.pop("recurrent_precision", None)
        layout = options.pop("kernel_layout", "in_out")
        max_length = options.pop("max_length", 50)
        relative = options.pop("relative_max_length", None)
        source = self._pad_source(self.encode_inputs(inputs),
                                  options.pop("source_multiple", 1))
        if not self.built:
            self.build({"source": tuple(source.shape),
                        "target_in": (source.shape[0], None)})
        outputs, state, mask = self.encoder(source, training=False)
        memory = self.decoder.prepare_memory(outputs, mask,
                                             self._source_ids(source))
        initial = self.decoder.initial_state(outputs, state)
        batch = ops.shape(outputs)[0]
        start = ops.full((batch,), self.start_id, "int32")
        max_lengths = None
        if relative is not None:
            a, b = relative
            src_len = ops.sum(ops.cast(mask, "float32"), axis=1)
            max_lengths = ops.cast(ops.ceil(a * src_len + b), "int32")

        step, columns = self.decoder.step, None
        if shortlist:
            # The search runs over candidate positions; the reserved ids
            # (start, end, padding) keep theirs, the others map back here.
            columns = self._shortlist().candidates(source)

            def step(ids, state, memory):
                return self.decoder.step(ops.take(columns, ids, axis=0),
                                         state, memory)

        # Greedy search's products run fused with their biases; beam
        # search's not (see `recurrent_decoding.search_output`).
        with self.decoder.search_output(precision, columns, recurrent,
                                        fuse_bias=method == "greedy",
                                        kernel_layout=layout):
            result = search(step, initial, start, self.end_id,
                            max_length, memory=memory, method=method,
                            max_lengths=max_lengths,
                            alignment_fn=lambda s: s["weights"],
                            source_mask=mask, pad_id=self.pad_id,
                            share_memory=self.decoder.shares_beam_memory,
                            **options)
        if columns is not None:
            result["tokens"] = ops.take(columns, result["tokens"], axis=0)
        if self.target_tokenizer is not None:
            tokens = result["tokens"]
            shape = ops.shape(tokens)
            flat = ops.reshape(tokens, (-1, shape[2]))
            text = self.target_tokenizer.detokenize(flat)
            result["text"] = ops.reshape(text, (shape[0], shape[1]))
            if _is_text(inputs):
                result = _empty_inputs_give_nothing(result, mask, self.pad_id)
        return result

    def generate(self, inputs, split_sentences=None, compiled=False,
                 **options):
        """Decodes and returns Python results.

        With `compiled`, the search runs as a graph traced on the first call
        with these options (`keras_s2s.models.compiled_search`) and reused
        for every later batch: for decoding many batches (`keras-s2s
        evaluate` and `translate` do so past one batch). One call is faster
        eagerly, the default, which traces nothing.

        Text inputs longer than `max_source_length` pieces are cut there,
        with a `TruncationWarning` naming them. With `split_sentences` (by
        default the model's own setting) and one output per input, each
        text is split into sentences (`keras_s2s.text.split_sentences`),
        all sentences are decoded in one batch and each input's outputs are
        joined with a space.

        Returns a list with one entry per input: the best output string (a
        list of the n-best strings when `num_return` > 1) when a target
        tokenizer is attached, else the list of output token ids (up to and
        including the end token).
        """
        n_best = options.get("num_return",
                             self.generation_config.get("num_return", 1)) > 1
        if split_sentences is None:
            split_sentences = self.split_sentences
        texts = _text_list(inputs)
        if (split_sentences and texts is not None and not n_best
                and self.target_tokenizer is not None):
            from keras_s2s.text import split_sentences as split

            pieces = [split(t) or [""] for t in texts]
            flat = [s for sentences in pieces for s in sentences]
            outputs = iter(self.generate(flat, split_sentences=False,
                                         compiled=compiled, **options))
            return [" ".join(o for o in (next(outputs) for _ in sentences)
                             if o) for sentences in pieces]
        if texts is not None:
            self._warn_truncated(texts)
        if compiled and self.built and texts != []:
            from keras_s2s.models.compiled_search import compiled_search

            result = compiled_search(
                self, inputs if texts is None else texts, **options)
        else:
            result = self.search(inputs, **options)
        if "text" in result:
            rows = [[s.decode("utf-8") for s in row]
                    for row in ops.convert_to_numpy(result["text"])]
        else:
            tokens = ops.convert_to_numpy(result["tokens"])
            lengths = ops.convert_to_numpy(result["lengths"])
            rows = [[list(map(int, t[:n])) for t, n in zip(ts, ns)]
                    for ts, ns in zip(tokens, lengths)]
        return rows if n_best else [row[0] for row in rows]

    def _warn_truncated(self, texts):
        if not self.max_source_length or self.source_tokenizer is None:
            return
        lengths = self.source_tokenizer.tokenize(texts).row_lengths()
        cut = [(i, int(n)) for i, n in enumerate(lengths.numpy())
               if n > self.max_source_length]
        if cut:
            import warnings

            listed = ", ".join(f"input {i} ({n} pieces)" for i, n in cut[:5])
            more = f" and {len(cut) - 5} more" if len(cut) > 5 else ""
            warnings.warn(
                f"{listed}{more} cut to the first {self.max_source_length} "
                "pieces (the model's max_source_length); the rest is not "
                "read. Split long texts first.", TruncationWarning,
                stacklevel=3)

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            "name": self.name,
            "encoder": serialize(self.encoder),
            "decoder": serialize(self.decoder),
            "start_id": self.start_id,
            "end_id": self.end_id,
            "pad_id": self.pad_id,
            "source_tokenizer": (serialize(self.source_tokenizer)
                                 if self.source_tokenizer else None),
            "target_tokenizer": (serialize(self.target_tokenizer)
                                 if self.target_tokenizer else None),
            "generation_config": self.generation_config,
            "max_source_length": self.max_source_length,
            "split_sentences": self.split_sentences,
            "shared_vocabulary": self.shared_vocabulary,
            "share_embeddings": self.share_embeddings,
            "matmul_precision": self.matmul_precision,
        }

    def get_build_config(self):
        return {"input_shape": self._build_input_shape}

    def build_from_config(self, config):
        self.build(config["input_shape"])


def _empty_inputs_give_nothing(result, mask, pad_id):
    """An empty (or all-whitespace) input gets an empty output: text "",
    no tokens (padding), length 0, score 0 and no alignment, whatever the
    model would make of no source (which varies with the batch it is in)."""
    empty = ops.logical_not(ops.any(mask, axis=1))
    out = dict(result)
    for name, value in result.items():
        rows = ops.reshape(empty, (-1,) + (1,) * (len(value.shape) - 1))
        if name == "text":
            out[name] = ops.where(rows, "", value)
        elif name == "tokens":
            out[name] = ops.where(rows, ops.cast(pad_id, value.dtype), value)
        else:
            out[name] = ops.where(rows, ops.zeros((), value.dtype), value)
    return out
