"""The tf.Module whose signatures a SavedModel for TF Serving exposes."""

import contextlib

import tensorflow as tf

from keras_s2s.export.export_settings import ExportSettings
from keras_s2s.export.stored_embeddings import int8_lookups

SIGNATURE_DOC = """Signatures (inputs and outputs by name; B is the batch):

serving_default      batches; REST rows or columns, gRPC, --enable_batching
    inputs: string [B]  (text models: UTF-8 text; captioning models:
            encoded JPEG/PNG/GIF/BMP image bytes)
    -> outputs: string [B]  the best output (beam search, or greedy if
                            exported with --search greedy)
       scores:  float32 [B]  its search score
nbest                batches; same as serving_default, n-best settings fixed
                     at export (keras-s2s export --beam-size --num-return
                     --length-penalty --max-length)
    inputs: as above
    -> outputs: string [B, N]  N-best outputs, best first
       scores: float32 [B, N]; lengths: int32 [B, N] (pieces, end included)
       alignments: float32 [B, N, L, S]  attention (L: max_length, S: the
                   model's max_source_length or image regions)
       output_pieces: string [B, N, L]
       source_pieces: string [B, S]  (text models)
nbest_options_unbatched   per-request options; CANNOT run with
                     --enable_batching (scalar inputs) and over REST needs
                     every input in the request (gRPC applies defaults)
    inputs: string [B]; beam_size: int32 []; length_penalty: float32 [];
    max_length: int32 []; num_return: int32 []  (defaults: the nbest
    settings; limits recorded at export: beam_size <= max_beam_size,
    num_return <= beam_size, max_length <= max_output_length; beyond them
    the request gets INVALID_ARGUMENT naming the limit)
    -> as nbest, with N = num_return and L = max_length
Every signature refuses (INVALID_ARGUMENT, before any work) a request of
more than max_batch_size inputs (default 256; also a batch merged by
--enable_batching) or with an input over max_input_bytes (default 20,000
for text, 10,000,000 for images): keras-s2s export --max-batch-size
--max-input-bytes.
Every string output is valid UTF-8 (invalid byte sequences become U+FFFD).
"""


def valid_utf8(strings):
    """Replaces invalid UTF-8 sequences with U+FFFD (REST writes string
    outputs into JSON as they are)."""
    return tf.strings.unicode_transcode(strings, "UTF-8", "UTF-8",
                                        errors="replace",
                                        replacement_char=0xFFFD)


def _in_range(value, name, low, high, above):
    """Graph checks `low <= value <= high`; InvalidArgument names `name`."""
    return [tf.debugging.assert_greater_equal(
                value, low, message=f"{name} must be at least {low}"),
            tf.debugging.assert_less_equal(value, high,
                                           message=f"{name} {above}")]


def _nbest_shapes(num_return, max_length, source_length):
    """Static shapes of the n-best outputs, dimension 0 the batch."""
    return {"outputs": [None, num_return], "scores": [None, num_return],
            "lengths": [None, num_return],
            "output_pieces": [None, num_return, max_length],
            "alignments": [None, num_return, max_length, source_length],
            "source_pieces": [None, source_length]}


class _Held:
    """A plain holder TensorFlow's object graph does not look into."""

    def __init__(self, model):
        self.model = model


class ServingModule(tf.Module):
    """Wraps a `Seq2Seq` with tokenizers into serving signatures.

    Every input and output of `serving_default` and `nbest` is batch-major
    (dimension 0 is the batch, the other dimensions fixed by the export), so
    TF Serving's batcher can merge requests and split answers. Batch size 0
    is answered with empty outputs without running the model. Empty strings
    give empty outputs with score 0; inputs longer than the model's
    `max_source_length` tokens are truncated; invalid UTF-8 input bytes are
    read as U+FFFD. For captioning models each image is decoded and resized
    to `image_size` in the graph; undecodable bytes raise InvalidArgument.

    Args:
        model: a `Seq2Seq` with a target tokenizer.
        image_size: int for image models (the side the encoder was built
            for), None for text models.
        settings: an `ExportSettings` (default: from the model).
    """

    def __init__(self, model, image_size=None, settings=None):
        super().__init__()
        if model.target_tokenizer is None:
            raise ValueError("export: the model has no target tokenizer; "
                             "serving returns text, so attach one.")
        # The model is held out of the SavedModel's object graph: its
        # weights are saved once, as the variables the signatures read
        # (`track_function_variables`), not a second time as Keras' own
        # copies (which LoadSavedModel would restore too, doubling the
        # variables on disk and in the server's memory). The tokenizers
        # hold the resources (SentencePiece models) the graphs capture.
        self._held = _Held(model)
        self.tokenizers = [t for t in (model.source_tokenizer,
                                       model.target_tokenizer)
                           if t is not None]
        self.image_size = image_size
        self.is_image = image_size is not None
        self.settings = settings or ExportSettings.for_model(model)
        self.defaults = dict(model.generation_config)
        # Image models: the fixed number of regions S of the alignments.
        self._regions = None
        if self.is_image:
            outputs, _, _ = model.encoder(
                tf.zeros([1, image_size, image_size, 3]), training=False)
            self._regions = int(outputs.shape[1])
        spec = tf.TensorSpec([None], tf.string, name="inputs")
        self.serving_default = tf.function(self._serve,
                                           input_signature=[spec],
                                           autograph=False)
        # One traced n-best search, its settings as tensors, that both
        # n-best signatures call: the SavedModel holds its graph once, and
        # a server instantiates it once. Held out of the object graph, so
        # an export without the n-best signatures does not save it.
        self._held.nbest_search = tf.function(self._nbest, input_signature=[
            spec, tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)],
            autograph=False)
        self.nbest = tf.function(self._nbest_fixed, input_signature=[spec],
                                 autograph=False)
        self.nbest_options_unbatched = tf.function(
            self._nbest_options_with_defaults(), input_signature=[
                spec, tf.TensorSpec([], tf.int32, name="beam_size"),
                tf.TensorSpec([], tf.float32, name="length_penalty"),
                tf.TensorSpec([], tf.int32, name="max_length"),
                tf.TensorSpec([], tf.int32, name="num_return")],
            autograph=False)

    @property
    def model(self):
        return self._held.model

    def prepared_weights(self):
        """A context in which the signatures trace reading, from variables
        made here once, the search's lower-precision weights
        (`output_precision`, `recurrent_precision`) and the vocabulary
        shortlist's table. The SavedModel then holds the bfloat16 kernels
        in place of the float32 ones the search would cast on every
        request (the variables a signature does not read are not saved),
        and one copy of the table instead of a constant in every graph.
        Embedding tables that are exactly int8 values times per-column
        scales are held so (`int8_lookups`)."""
        stack = contextlib.ExitStack()
        precision = self.defaults.get("output_precision", "float32")
        recurrent = self.defaults.get("recurrent_precision")
        layout = self.defaults.get("kernel_layout", "in_out")
        if precision != "float32" or recurrent is not None:
            from keras_s2s.layers.recurrent_decoding import search_weights
            from keras_s2s.layers.recurrent_decoding import stored_search_weights

            decoder = self.model.decoder
            weights = tf.nest.map_structure(
                lambda t: None if t is None else tf.Variable(
                    tf.convert_to_tensor(t), trainable=False),
                search_weights(decoder, precision, recurrent,
                               kernel_layout=layout))
            stack.enter_context(stored_search_weights(
                decoder, weights, precision, recurrent, layout))
        # Embedding tables that are exactly int8 times a scale per column
        # (zoo weights shipped in int8) are held so, a quarter the bytes.
        stack.enter_context(int8_lookups(self.model))
        shortlist = self.model.vocabulary_shortlist
        if self.defaults.get("shortlist") and shortlist is not None:
            shortlist.stored_table = tf.Variable(shortlist.table,
                                                 trainable=False)
            stack.callback(setattr, shortlist, "stored_table", None)
        return stack

    def signatures(self):
        """The functions to save as signatures; the tensor defaults of
        `nbest_options_unbatched` are recorded in its SignatureDef."""
        return {"serving_default": self.serving_default, "nbest": self.nbest,
                "nbest_options_unbatched": self.nbest_options_unbatched}

    def _decode_images(self, images):
        size = self.image_size

        def decode(data):
            image = tf.io.decode_image(data, channels=3,
                                       expand_animations=False)
            image = tf.image.resize(tf.cast(image, tf.float32), [size, size])
            return tf.clip_by_value(image, 0.0, 255.0)

        return tf.map_fn(decode, images, fn_output_signature=tf.TensorSpec(
            [size, size, 3], tf.float32))

    def _model_inputs(self, inputs):
        return self._decode_images(inputs) if self.is_image else inputs

    def _within_limits(self, inputs):
        """`inputs`, once the request is known to be within the export's
        batch and input-size limits (InvalidArgument naming them if not)."""
        s = self.settings
        checks = [
            tf.debugging.assert_less_equal(
                tf.size(inputs), s.max_batch_size, message=(
                    f"the request holds more inputs than this export's "
                    f"max_batch_size {s.max_batch_size} (keras-s2s export "
                    "--max-batch-size); send fewer per request")),
            tf.debugging.assert_less_equal(
                tf.reduce_max(tf.concat([tf.strings.length(inputs), [0]],
                                        0)),
                s.max_input_bytes, message=(
                    f"an input is longer than this export's max_input_bytes "
                    f"{s.max_input_bytes} (keras-s2s export "
                    "--max-input-bytes); split long texts first")),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(inputs)

    def _serve(self, inputs):
        inputs = self._within_limits(inputs)
        options = {k: v for k, v in self.defaults.items()
                   if k not in ("num_return", "return_alignments")}
        options["method"] = self.settings.search

        def run():
            result = self.model.search(self._model_inputs(inputs),
                                       **options)
            return {"outputs": valid_utf8(result["text"][:, 0]),
                    "scores": result["scores"][:, 0]}

        def empty():
            return {"outputs": tf.zeros([0], tf.string),
                    "scores": tf.zeros([0], tf.float32)}

        return tf.cond(tf.size(inputs) > 0, run, empty)

    def _source_length(self):
        """The fixed source dimension S of the n-best outputs, or None."""
        if self.is_image:
            return None  # already fixed: the encoder's number of regions
        return self.model.max_source_length

    def _nbest(self, inputs, beam_size, length_penalty, max_length,
               num_return):
        inputs = self._within_limits(inputs)
        options = {k: v for k, v in self.defaults.items()
                   if k in ("beta", "no_repeat_ngram_size",
                            "relative_max_length", "output_precision",
                            "recurrent_precision", "kernel_layout",
                            "shortlist")}
        fixed_source = self._source_length()

        def run():
            result = self.model.search(
                self._model_inputs(inputs), method="beam",
                beam_size=beam_size, alpha=length_penalty,
                max_length=max_length, num_return=num_return,
                return_alignments=True, **options)
            tokenizer = self.model.target_tokenizer
            alignments = result["alignments"]
            out = {"outputs": valid_utf8(result["text"]),
                   "scores": result["scores"],
                   "lengths": result["lengths"],
                   "output_pieces": valid_utf8(
                       tokenizer.id_to_piece(result["tokens"]))}
            if not self.is_image:
                source = self.model.encode_inputs(inputs)
                if fixed_source:
                    missing = fixed_source - tf.shape(source)[1]
                    source = tf.pad(source, [[0, 0], [0, missing]],
                                    constant_values=self.model.pad_id)
                    # The search may have padded the source already
                    # (`source_multiple`): its alignments are that long.
                    alignments = tf.pad(alignments, [
                        [0, 0], [0, 0], [0, 0],
                        [0, fixed_source - tf.shape(alignments)[-1]]])
                out["source_pieces"] = valid_utf8(
                    self.model.source_tokenizer.id_to_piece(source))
            out["alignments"] = alignments
            return out

        def empty():
            regions = self._regions or fixed_source or 0
            out = {"outputs": tf.zeros([0, num_return], tf.string),
                   "scores": tf.zeros([0, num_return]),
                   "lengths": tf.zeros([0, num_return], tf.int32),
                   "alignments": tf.zeros([0, num_return, max_length,
                                           regions]),
                   "output_pieces": tf.zeros([0, num_return, max_length],
                                             tf.string)}
            if not self.is_image:
                out["source_pieces"] = tf.zeros([0, regions], tf.string)
            return out

        return tf.cond(tf.size(inputs) > 0, run, empty)

    def _nbest_fixed(self, inputs):
        s = self.settings
        out = self._held.nbest_search(
            inputs, tf.constant(s.beam_size, tf.int32),
            tf.constant(s.length_penalty, tf.float32),
            tf.constant(s.max_length, tf.int32),
            tf.constant(s.num_return, tf.int32))
        # Fixed at export: the static shapes say so, as the SignatureDef
        # then tells clients (and the batcher).
        shapes = _nbest_shapes(s.num_return, s.max_length,
                               self._regions or self._source_length())
        out = {key: tf.identity(value) for key, value in out.items()}
        for key, value in out.items():
            value.set_shape(shapes[key])
        return out

    def _nbest_options_with_defaults(self):
        s = self.settings
        defaults = {
            "beam_size": tf.constant(s.beam_size, tf.int32),
            "length_penalty": tf.constant(s.length_penalty, tf.float32),
            "max_length": tf.constant(s.max_length, tf.int32),
            "num_return": tf.constant(s.num_return, tf.int32)}

        def nbest_options_unbatched(
                inputs, beam_size=defaults["beam_size"],
                length_penalty=defaults["length_penalty"],
                max_length=defaults["max_length"],
                num_return=defaults["num_return"]):
            limit = "is above this export's {} {} (keras-s2s export --{})"
            checks = [
                *_in_range(beam_size, "beam_size", 1, s.max_beam_size,
                           limit.format("max_beam_size", s.max_beam_size,
                                        "max-beam-size")),
                *_in_range(num_return, "num_return", 1, beam_size,
                           "must not exceed beam_size"),
                *_in_range(max_length, "max_length", 1, s.max_output_length,
                           limit.format("max_output_length",
                                        s.max_output_length,
                                        "max-output-length")),
                tf.debugging.assert_greater_equal(
                    length_penalty, 0.0,
                    message="length_penalty must be >= 0"),
            ]
            with tf.control_dependencies(checks):
                inputs = tf.identity(inputs)
            return self._held.nbest_search(inputs, beam_size, length_penalty,
                                           max_length, num_return)

        return nbest_options_unbatched
