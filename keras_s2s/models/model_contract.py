"""What a model consumes and produces, read by everything that handles one."""

import dataclasses

SOURCES = ("text", "image", "features")
_SOURCE_OF_KIND = {"tokens": "text", "images": "image", "features": "features"}


@dataclasses.dataclass(frozen=True)
class ModelContract:
    """What a `Seq2Seq` consumes and produces.

    The builder, the trainer, the evaluator, the CLI and the exporter read
    these properties of the model instead of guessing them from a task or
    a class name. They come from the model's layers (`Seq2Seq.contract`,
    `from_layers`); `zoo.contract(name)` gives a preset's before any model
    is built, by the same rule.

    Attributes:
        source: `"text"` (token ids from a source tokenizer), `"image"`
            (pixels [batch, size, size, 3]) or `"features"` (float vectors).
        image_size: int or None. The side of the square images an image
            model reads.
        shared_vocabulary: bool. Source and target use one tokenizer
            (required when the decoder copies from the source).
        copies_source: bool. The decoder copies source tokens (it reads the
            source ids; pointer-generator).
        target: `"text"`: every model writes token ids of its target
            tokenizer.

    Example:
    >>> contract = zoo.contract("pointer_generator_summ")
    >>> contract.source, contract.shared_vocabulary, contract.copies_source
    ('text', True, True)
    """

    source: str
    image_size: int = None
    shared_vocabulary: bool = False
    copies_source: bool = False
    target: str = "text"

    @classmethod
    def from_layers(cls, encoder, decoder, shared_vocabulary=False,
                    image_size=None):
        """The contract of a model made of `encoder` and `decoder`."""
        copies = bool(getattr(decoder, "copies_source", False))
        kind = encoder.source_kind
        return cls(source=_SOURCE_OF_KIND[kind],
                   image_size=(getattr(encoder, "image_size", None)
                               or image_size) if kind == "images" else None,
                   shared_vocabulary=bool(shared_vocabulary) or copies,
                   copies_source=copies)

    def source_shape(self):
        """The shape of one batch of sources, for `Model.build`."""
        if self.source == "image":
            return (None, self.image_size, self.image_size, 3)
        return (None, None)

    def input_shapes(self):
        """`{"source": ..., "target_in": ...}` shapes for `Model.build`."""
        return {"source": self.source_shape(), "target_in": (None, None)}
