"""A Keras layer that tokenizes and detokenizes with SentencePiece in the graph."""

import base64
import hashlib
import os

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from keras_s2s.text.normalization import normalize_text
from keras_s2s.text.vocabulary import BOS_ID
from keras_s2s.text.vocabulary import EOS_ID
from keras_s2s.text.vocabulary import PAD_ID
from keras_s2s.text.vocabulary import UNK_ID

SPECIAL_PIECES = (b"<pad>", b"<unk>", b"<s>", b"</s>")


@keras.saving.register_keras_serializable(package="keras_s2s")
class SentencePieceTokenizer(keras.layers.Layer):
    """Subword tokenizer on `tensorflow_text.SentencepieceTokenizer`.

    Tokenization and detokenization are tensorflow-text ops, so they run
    inside `tf.function` and in a SavedModel that TensorFlow Serving (which
    links tensorflow-text) loads. The model proto travels in the layer's
    config (base64), so `.keras` files and SavedModels are self-contained.
    Input strings are normalised with `normalize_text` (invalid UTF-8
    replaced, NFKC, whitespace collapsed and stripped) when `normalize=True`.

    Args:
        proto: bytes of a SentencePiece model (see `train_sentencepiece`),
            its base64 text, or a path to a `.model` file. Ids 0-3 must be
            `<pad>`, `<unk>`, `<s>`, `</s>`.
        sequence_length: int or None. Pad/truncate `call` outputs to this
            length (None: the longest in the batch).
        add_bos: bool. Prepend `<s>` (id 2) when tokenizing.
        add_eos: bool. Append `</s>` (id 3) when tokenizing.
        normalize: bool. Normalise inputs before tokenizing.
        **kwargs: passed to `keras.layers.Layer`.

    Call: `layer(strings)` -> int32 [batch, length], padded with 0.
    `tokenize(strings)` -> `tf.RaggedTensor` of ids; `detokenize(ids)` takes
    dense (padded), ragged or Python lists of ids, drops the special ids and
    anything after the first `</s>`, and returns strings that are always
    valid UTF-8 (byte pieces that spell no character become U+FFFD).

    Example:
    >>> proto = train_sentencepiece(sentences, vocab_size=1000)
    >>> tokenizer = SentencePieceTokenizer(proto, add_eos=True)
    >>> ids = tokenizer(["A man rides a horse."])
    >>> tokenizer.detokenize(ids)
    <tf.Tensor: shape=(1,), dtype=string, numpy=array([b'A man rides a horse.'])>

    Reference: Kudo, Richardson. "SentencePiece: A simple and language
    independent subword tokenizer and detokenizer", EMNLP 2018.
    """

    def __init__(self, proto, sequence_length=None, add_bos=False,
                 add_eos=False, normalize=True, **kwargs):
        kwargs.setdefault("trainable", False)
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        self.proto = self._read_proto(proto)
        self.sequence_length = sequence_length
        self.add_bos = bool(add_bos)
        self.add_eos = bool(add_eos)
        self.normalize = bool(normalize)
        self._tokenizer = self._make_tokenizer()
        pieces = self._tokenizer.id_to_string(
            tf.constant([PAD_ID, UNK_ID, BOS_ID, EOS_ID])).numpy()
        if tuple(pieces) != SPECIAL_PIECES:
            raise ValueError(
                "SentencePieceTokenizer: ids 0-3 of the model must be <pad>, "
                f"<unk>, <s>, </s>; got {[p.decode() for p in pieces]}. "
                "Train it with keras_s2s.text.train_sentencepiece.")
        self.vocab_size = int(self._tokenizer.vocab_size().numpy())
        self.pad_id, self.unk_id = PAD_ID, UNK_ID
        self.bos_id, self.eos_id = BOS_ID, EOS_ID
        self.built = True

    def _make_tokenizer(self):
        # The name matters: tensorflow-text's model resource is owned by its
        # kernel and named after the op's node, so two tokenizers with
        # default names in one SavedModel (a source and a target
        # vocabulary) load back sharing ONE model. Naming the op after the
        # proto's hash keeps different vocabularies apart, within a model and
        # across models served by one process.
        digest = hashlib.sha1(self.proto).hexdigest()[:16]
        return tf_text.SentencepieceTokenizer(
            model=self.proto, out_type=tf.int32, add_bos=self.add_bos,
            add_eos=self.add_eos, name=f"sentencepiece_{digest}")

    def reload(self):
        """Loads the SentencePiece model resource again, from `proto`.

        `tf.random.set_seed` (and so `keras.utils.set_random_seed`) clears
        TensorFlow's eager kernel cache, which deletes the model resource of
        every tokenizer made before it. Eager calls reload by themselves; a
        traced function that captured the old resource must be traced again
        after this.
        """
        self._tokenizer = self._make_tokenizer()

    def _run(self, fn):
        """Runs `fn(tokenizer)`; eagerly, a resource lost to a seed reset
        (`reload`) is loaded again and `fn` run once more. In graphs the
        resource is the function's own."""
        if not tf.executing_eagerly():
            return fn(self._tokenizer)
        try:
            return fn(self._tokenizer)
        except tf.errors.NotFoundError:
            self.reload()
            return fn(self._tokenizer)

    @staticmethod
    def _read_proto(proto):
        if isinstance(proto, (bytes, bytearray)):
            return bytes(proto)
        if isinstance(proto, str):
            if os.path.exists(proto):
                with open(proto, "rb") as f:
                    return f.read()
            try:
                return base64.b64decode(proto.encode("ascii"), validate=True)
            except ValueError as error:
                raise ValueError(
                    "SentencePieceTokenizer: `proto` is neither an existing "
                    f"file nor base64 model bytes: {proto[:60]!r}") from error
        raise ValueError("SentencePieceTokenizer: `proto` must be bytes, a "
                         f"path or base64 text, got {type(proto).__name__}.")

    def __call__(self, strings, *args, **kwargs):
        if isinstance(strings, (str, bytes, list, tuple)):
            strings = tf.convert_to_tensor(strings, tf.string)
        return super().__call__(strings, *args, **kwargs)

    def tokenize(self, strings):
        strings = tf.convert_to_tensor(strings, tf.string)
        if self.normalize:
            strings = normalize_text(strings)
        return self._run(lambda tok: tok.tokenize(strings))

    def call(self, strings):
        ids = self.tokenize(strings)
        if self.sequence_length is None:
            return ids.to_tensor(default_value=PAD_ID)
        # to_tensor pads short rows and truncates long ones.
        return ids.to_tensor(default_value=PAD_ID,
                             shape=[None, self.sequence_length])

    def detokenize(self, ids):
        if isinstance(ids, (list, tuple)):
            ids = tf.ragged.constant(ids, dtype=tf.int32, ragged_rank=1)
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids,
                                                                   tf.int32))
        ids = tf.cast(ids, tf.int32)
        # Cut at the first </s>, then drop every special id.
        is_end = tf.cast(tf.equal(ids, EOS_ID), tf.int32)
        before_end = tf.equal(tf.cumsum(is_end, axis=-1), 0)
        ids = tf.ragged.boolean_mask(ids, before_end)
        ids = tf.ragged.boolean_mask(ids, ids > EOS_ID)
        text = self._run(lambda tok: tok.detokenize(ids))
        # Byte-fallback pieces (<0xC3>, ...) can spell invalid UTF-8; the
        # text returned is always valid (U+FFFD in their place), as JSON
        # and Python's str need.
        return tf.strings.unicode_transcode(text, "UTF-8", "UTF-8",
                                            errors="replace",
                                            replacement_char=0xFFFD)

    def id_to_piece(self, ids):
        return self._run(lambda tok: tok.id_to_string(ids))

    def compute_output_spec(self, strings):
        return keras.KerasTensor((strings.shape[0], self.sequence_length),
                                 dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update({
            "proto": base64.b64encode(self.proto).decode("ascii"),
            "sequence_length": self.sequence_length,
            "add_bos": self.add_bos,
            "add_eos": self.add_eos,
            "normalize": self.normalize,
        })
        return config
