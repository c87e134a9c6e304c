"""Building zoo models from their presets: build, contract, load."""

from keras_s2s.zoo import registry
from keras_s2s.zoo.packing import load_weights_file
from keras_s2s.zoo.registry import _check_overrides
from keras_s2s.zoo.registry import _merge
from keras_s2s.zoo.weights import resolve


def _tokenizer(value):
    from keras_s2s.text import SentencePieceTokenizer

    if value is None or hasattr(value, "detokenize"):
        return value
    return SentencePieceTokenizer(value)


def _layer_class(section):
    from keras_s2s import layers

    return getattr(layers, section["class_name"])


def _accepts(cls, argument):
    import inspect

    return argument in inspect.signature(cls.__init__).parameters


def _check_arguments(section, cls, kwargs):
    """An unknown layer argument (a typo in `--overrides`, say) is refused
    by name, before anything is built or trained."""
    import inspect

    accepted = [p for p in inspect.signature(cls.__init__).parameters
                if p not in ("self", "kwargs")] + ["name", "dtype",
                                                   "trainable"]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(f"config[{section!r}]: {cls.__name__} takes no "
                         f"argument {', '.join(map(repr, unknown))}; its "
                         f"arguments are {', '.join(accepted)}.")


def build(config, source_tokenizer=None, target_tokenizer=None, name=None):
    """Builds a `Seq2Seq` from a preset's `config` dict (not yet built).

    Vocabulary sizes come from the tokenizers when given, else from the
    config; an encoder that takes `vocab_size` (it reads tokens) gets the
    source's, one that takes `image_size` gets the config's `image_size`.
    """
    from keras_s2s.models import Seq2Seq

    def make(section, **extra):
        kwargs = dict(config[section])
        cls = _layer_class(kwargs)
        kwargs.pop("class_name")
        _check_arguments(section, cls, kwargs)
        return cls(**kwargs, **extra)

    source_vocab = config.get("source_vocab_size")
    target_vocab = config["target_vocab_size"]
    if target_tokenizer is not None:
        target_vocab = target_tokenizer.vocab_size
    if source_tokenizer is not None:
        source_vocab = source_tokenizer.vocab_size
    encoder_class = _layer_class(config["encoder"])
    encoder_kwargs = {}
    if _accepts(encoder_class, "vocab_size"):
        encoder_kwargs["vocab_size"] = source_vocab
    if _accepts(encoder_class, "image_size") and config.get("image_size"):
        encoder_kwargs["image_size"] = config["image_size"]
    decoder_kwargs = dict(config["decoder"])
    decoder_class = _layer_class(decoder_kwargs)
    decoder_kwargs.pop("class_name")
    _check_arguments("decoder", decoder_class, decoder_kwargs)
    if decoder_kwargs.get("generator_vocab_size"):
        decoder_kwargs["generator_vocab_size"] = min(
            decoder_kwargs["generator_vocab_size"], target_vocab)
    generation = dict(config.get("generation", {}))
    if "relative_max_length" in generation:
        generation["relative_max_length"] = tuple(
            generation["relative_max_length"])
    if config.get("attention") is not None:  # None: a decoder without
        decoder_kwargs["attention"] = make("attention")
    return Seq2Seq(
        make("encoder", **encoder_kwargs),
        decoder_class(vocab_size=target_vocab, **decoder_kwargs),
        source_tokenizer=source_tokenizer, target_tokenizer=target_tokenizer,
        generation_config=generation,
        max_source_length=config.get("max_source_length"),
        split_sentences=config.get("split_sentences", False),
        shared_vocabulary=config.get("shared_vocabulary", False),
        share_embeddings=config.get("share_embeddings", False),
        matmul_precision=config.get("matmul_precision", "float32"),
        name=name)


def contract(name, **overrides):
    """What the preset's model consumes and produces (a `ModelContract`:
    text or image sources, image size, shared vocabulary, copying), known
    before any model is built or vocabulary trained."""
    config = _merge(registry.preset(name).config,
                    _check_overrides(name, overrides))
    return build(config, name=name).contract


def load(name, pretrained=True, weights=None, cache_dir=None,
         tokenizer=None, source_tokenizer=None, target_tokenizer=None,
         weights_url=None, **overrides):
    """Builds a zoo model; loads its shipped weights when `pretrained`.

    Args:
        name: a name from `zoo.list()`.
        pretrained: bool. Load the shipped weights and vocabularies; raises a
            clear error when none are shipped (pass `pretrained=False` for a
            randomly initialised model).
        weights: optional path of a weights file to load instead.
        cache_dir: where downloaded files are kept (default
            `~/.keras/keras_s2s`, or `$KERAS_S2S_CACHE`).
        weights_url: base URL to download shipped files from (default
            `$KERAS_S2S_WEIGHTS_URL`, else the release URL); every file is
            checked against its sha256 before it enters the cache.
        tokenizer / source_tokenizer / target_tokenizer: tokenizer layers (or
            SentencePiece protos) to attach, e.g. a new vocabulary for
            fine-tuning; `tokenizer` sets both (shared vocabularies).
        **overrides: changes to the preset's config: `encoder`, `decoder`,
            `attention` and `generation` dicts are merged key by key (e.g.
            `encoder={"units": 64}`); other keys (`target_vocab_size`,
            `max_source_length`, ...) replace the preset's values. With
            pretrained weights, layers whose shapes the overrides or new
            tokenizers change (e.g. a new vocabulary's embeddings and output
            layer) keep a fresh initialisation (Keras warns which); all
            other weights are loaded, ready for fine-tuning.

    Returns:
        a `keras_s2s.models.Seq2Seq`, built.
    """
    preset = registry.preset(name)
    config = _merge(preset.config, _check_overrides(name, overrides))
    if tokenizer is not None:
        source_tokenizer = target_tokenizer = tokenizer
    _user_tokenizers = source_tokenizer is not None or \
        target_tokenizer is not None
    source_tokenizer = _tokenizer(source_tokenizer)
    target_tokenizer = _tokenizer(target_tokenizer)
    weights_path = weights
    if pretrained and weights is None:
        if not preset.weights:
            raise ValueError(
                f"zoo.load({name!r}): no pretrained weights are shipped for "
                "this model yet. Pass pretrained=False for a randomly "
                "initialised model, or weights=<path> for your own.")
        weights_path = resolve(preset.weights, cache_dir=cache_dir,
                               weights_url=weights_url)
        vocab = preset.vocab or {}
        if source_tokenizer is None and vocab.get("source"):
            source_tokenizer = _tokenizer(str(resolve(
                vocab["source"], cache_dir=cache_dir,
                weights_url=weights_url)))
        if target_tokenizer is None and vocab.get("target"):
            target_tokenizer = _tokenizer(str(resolve(
                vocab["target"], cache_dir=cache_dir,
                weights_url=weights_url)))
    model = build(config, source_tokenizer, target_tokenizer, name=name)
    _build_weights(model, config)
    if weights_path is not None:
        # Overrides or new vocabularies change some weight shapes (e.g. the
        # embeddings and output layer of a new vocabulary): those layers keep
        # their fresh initialisation and every other layer is loaded.
        changed = bool(overrides) or _user_tokenizers
        _load_weights(model, weights_path, preset if weights is None else None,
                      skip_mismatch=changed)
    return model


def _build_weights(model, config):
    contract = model.contract
    if contract.source == "image" and contract.image_size is None:
        raise ValueError(f"zoo: {model.name!r} reads images; give its "
                         "config an `image_size`.")
    model.build(contract.input_shapes())


def _load_weights(model, path, preset, skip_mismatch=False):
    if preset is None and not str(path).endswith(".weights.h5"):
        raise ValueError(f"{path}: weights files end in .weights.h5.")
    try:
        load_weights_file(model, path, skip_mismatch=skip_mismatch)
    except Exception as error:  # Keras raises several kinds here
        raise ValueError(
            f"{path}: could not load these weights into "
            f"{model.name!r} ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:200]}). Check that the file is a "
            "Keras weights file saved from the same architecture and "
            "vocabulary sizes.") from error


def load_shortlist(name, cache_dir=None, weights_url=None):
    """The vocabulary shortlist shipped with zoo model `name`.

    Fetched and verified as the weights are (`cache_dir`, `weights_url`:
    see `load`). Searching with it (`model.vocabulary_shortlist = ...`,
    then `search(..., shortlist=True)`, or `keras-s2s export NAME
    --shortlist zoo`) scores only the target pieces it lists for each
    source piece; its preset's `metrics` give the BLEU measured with it.

    Example:

    ```python
    model = zoo.load("bilstm_attn_mt")
    model.vocabulary_shortlist = zoo.load_shortlist("bilstm_attn_mt")
    model.generate(["A man rides a horse."], shortlist=True)
    ```

    Raises:
        ValueError: `name` ships no shortlist (the message lists those
            that do).
    """
    from keras_s2s.generation.vocabulary_shortlist import VocabularyShortlist

    spec = registry.preset(name).shortlist
    if not spec:
        having = [n for n in registry.list() if registry.preset(n).shortlist]
        raise ValueError(f"zoo: {name!r} ships no vocabulary shortlist; the "
                         "models that do are " + (", ".join(having) or
                                                   "none"))
    return VocabularyShortlist.load(resolve(spec, cache_dir=cache_dir,
                                            weights_url=weights_url))
