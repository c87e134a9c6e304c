"""A zoo preset as typed data: what to build, and what is known of it."""

import copy
import dataclasses

TASKS = ("translation", "summarization", "captioning")
SUBWORD_MODELS = ("unigram", "bpe")
LAYER_SECTIONS = ("encoder", "decoder", "attention")
CONFIG_SECTIONS = LAYER_SECTIONS + ("generation",)


@dataclasses.dataclass(frozen=True)
class Preset:
    """One zoo entry: constructor arguments plus metadata, checked when made.

    Args:
        task: `"translation"`, `"summarization"` or `"captioning"`.
        description: str. One sentence on the architecture.
        paper: str. The reference.
        config: dict. `encoder`, `decoder`, `attention` (each a layer's
            constructor arguments with its `class_name` from
            `keras_s2s.layers`; `attention` None for a decoder without
            one), optional `generation` (default search
            options) and model-level keys (`target_vocab_size`,
            `source_vocab_size`, `max_source_length`, `image_size`,
            `shared_vocabulary`, `share_embeddings`, `split_sentences`,
            `matmul_precision`).
        parameters: int or None. Parameter count at the preset's size
            (checked by the tests).
        weights: dict or None. The shipped weights file (`file`, `sha256`,
            `url`).
        vocab: dict or None. Shipped vocabularies by side (`source`,
            `target`), each like `weights`.
        shortlist: dict or None. A shipped vocabulary shortlist (a
            `VocabularyShortlist` `.npz`), like `weights` plus how it was
            fitted (`data`, `size`, `frequent`). Opt-in: read by
            `zoo.load_shortlist` and `keras-s2s export --shortlist zoo`.
        metrics: dict. Measured numbers, with the command that measured
            them.
        subword_model: `"unigram"` or `"bpe"`: the SentencePiece model
            type `keras-s2s train` trains vocabularies with.
        user_defined_symbols: tuple of str. Pieces those vocabularies keep
            whole (speaker tags such as `#Person1#`).

    Raises:
        ValueError: an unknown task, subword model or layer class, or a
            config section missing.
    """

    task: str
    description: str
    paper: str
    config: dict
    parameters: int = None
    weights: dict = None
    vocab: dict = None
    shortlist: dict = None
    metrics: dict = dataclasses.field(default_factory=dict)
    subword_model: str = "unigram"
    user_defined_symbols: tuple = ()

    def __post_init__(self):
        from keras_s2s import layers

        if self.task not in TASKS:
            raise ValueError(f"Preset: unknown task {self.task!r}; valid "
                             f"tasks are {', '.join(TASKS)}.")
        object.__setattr__(self, "user_defined_symbols",
                           tuple(self.user_defined_symbols))
        if self.subword_model not in SUBWORD_MODELS:
            raise ValueError(f"Preset: unknown subword_model "
                             f"{self.subword_model!r}; valid ones are "
                             f"{', '.join(SUBWORD_MODELS)}.")
        for section in LAYER_SECTIONS:
            entry = self.config.get(section)
            if section == "attention" and entry is None and \
                    "attention" in self.config:
                continue  # a decoder without attention (RNNDecoder)
            if not isinstance(entry, dict) or "class_name" not in entry:
                raise ValueError(f"Preset: config[{section!r}] must be a "
                                 "dict with a `class_name`.")
            if not isinstance(getattr(layers, entry["class_name"], None),
                              type):
                raise ValueError(f"Preset: config[{section!r}] names "
                                 f"{entry['class_name']!r}, which is not a "
                                 "keras_s2s.layers class.")
        if "target_vocab_size" not in self.config:
            raise ValueError("Preset: config needs `target_vocab_size`.")

    @classmethod
    def from_dict(cls, name, data):
        """A `Preset` from plain data; unknown or missing keys raise
        `ValueError` naming the preset and the valid keys."""
        if isinstance(data, cls):
            return data
        fields = [f.name for f in dataclasses.fields(cls)]
        required = [f.name for f in dataclasses.fields(cls)
                    if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]
        unknown = sorted(set(data) - set(fields))
        missing = [key for key in required if key not in data]
        if unknown or missing:
            raise ValueError(
                f"Preset {name!r}: " + "; ".join(
                    ([f"unknown keys {unknown}"] if unknown else [])
                    + ([f"lacks {missing}"] if missing else []))
                + f". Valid keys are {', '.join(fields)}.")
        try:
            return cls(**copy.deepcopy(dict(data)))
        except ValueError as error:
            raise ValueError(f"Preset {name!r}: "
                             f"{str(error).removeprefix('Preset: ')}") from None

    def to_dict(self):
        """The preset as plain data (a deep copy)."""
        return copy.deepcopy(dataclasses.asdict(self))
