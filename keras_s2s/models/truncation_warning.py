"""The warning `Seq2Seq.generate` gives when it cuts an input."""


class TruncationWarning(UserWarning):
    """A text input was longer than the model's `max_source_length` and only
    its first pieces were read."""
