"""Search settings and per-request limits fixed when a model is exported."""

import json
import os

from keras_s2s.generation.search_defaults import DEFAULT_BEAM_SIZE

DEFAULT_MAX_BEAM_SIZE = 16
DEFAULT_MAX_OUTPUT_LENGTH = 256
#: Inputs one request (or one merged batch of TF Serving's batcher) may hold.
DEFAULT_MAX_BATCH_SIZE = 256
#: Bytes one input may hold: text (a translator reads its first
#: max_source_length pieces anyway), and encoded images.
DEFAULT_MAX_INPUT_BYTES = {"text": 20_000, "image": 10_000_000}
SETTINGS_FILE = "keras_s2s_export.json"
SIGNATURES = ("serving_default", "nbest", "nbest_options_unbatched")
#: How `serving_default` may search.
SEARCHES = ("beam", "greedy")


def _source(model):
    contract = getattr(model, "contract", None)
    return "image" if contract is not None and contract.source == "image" \
        else "text"


class ExportSettings:
    """What the exported signatures search with, and what requests may ask.

    `serving_default` searches as the model's `generation_config` says,
    with `search` ("beam" or "greedy") chosen at export.
    `nbest` takes only `inputs` (so it batches and works over REST) and
    searches with the n-best settings below, fixed at export. The
    `nbest_options_unbatched` signature lets a request choose beam size,
    number of returns, length penalty and output length, within the limits
    below; a request beyond a limit is answered with INVALID_ARGUMENT naming
    it. Every signature also refuses, with INVALID_ARGUMENT and before
    any work, a batch above `max_batch_size` inputs and an input above
    `max_input_bytes`, so one request cannot take the server's memory.

    Args:
        search: str, how `serving_default` searches: "beam" (the model's
            beam settings) or "greedy" (default: the model's `method`).
        beam_size: int, `nbest`'s beam (default: the model's, else 5).
        num_return: int, outputs per input of `nbest` (default: beam_size).
        length_penalty: float, GNMT alpha of `nbest` (default: the model's).
        max_length: int, output length of `nbest` in pieces (default: the
            model's `max_length`, else 100).
        max_beam_size: int, the largest beam a request may ask for
            (default 16, or `beam_size` if larger).
        max_output_length: int, the longest output a request may ask for
            (default 256, or `max_length` if larger).
        max_batch_size: int, inputs in one request, or in one batch merged
            by TF Serving's batcher (default 256; keep it at least the
            batching config's `max_batch_size`).
        max_input_bytes: int, bytes of one input (default 20,000 for text,
            10,000,000 for encoded images).
        signatures: the signatures to export (default all three; always
            `serving_default`). `serving_default` is a traced search,
            which a server holds in memory once loaded, and the two n-best
            signatures call another, one for both: leaving them out took
            about 30 MB off the peak of the C++ serving path for
            `bilstm_attn_mt` (526-528 to 495-497 MB over 1,000 test
            sentences, `benchmarks/serve_cpp.py`, 2026-11-29; 34-39 MB
            while each n-best signature held a search of its own).

    Example:
    >>> ExportSettings.for_model(model, beam_size=8, num_return=3).to_dict()
    """

    def __init__(self, beam_size, num_return, length_penalty, max_length,
                 max_beam_size, max_output_length,
                 max_batch_size=DEFAULT_MAX_BATCH_SIZE,
                 max_input_bytes=DEFAULT_MAX_INPUT_BYTES["text"],
                 search="beam", signatures=SIGNATURES):
        self.search = str(search)
        if isinstance(signatures, str):
            signatures = [n.strip() for n in signatures.split(",")]
        self.signatures = tuple(n for n in SIGNATURES if n in signatures)
        self._unknown_signatures = sorted(set(signatures) - set(SIGNATURES))
        self.beam_size = int(beam_size)
        self.num_return = int(num_return)
        self.length_penalty = float(length_penalty)
        self.max_length = int(max_length)
        self.max_beam_size = int(max_beam_size)
        self.max_output_length = int(max_output_length)
        self.max_batch_size = int(max_batch_size)
        self.max_input_bytes = int(max_input_bytes)
        self._validate()

    @classmethod
    def for_model(cls, model, beam_size=None, num_return=None,
                  length_penalty=None, max_length=None, max_beam_size=None,
                  max_output_length=None, max_batch_size=None,
                  max_input_bytes=None, search=None, signatures=None):
        """Settings from `model.generation_config`, overridden where given."""
        config = dict(getattr(model, "generation_config", {}) or {})
        if search is None:
            search = "greedy" if config.get("method") == "greedy" else "beam"
        beam = int(beam_size if beam_size is not None
                   else config.get("beam_size", DEFAULT_BEAM_SIZE))
        length = int(max_length if max_length is not None
                     else config.get("max_length", 100))
        return cls(
            search=search, beam_size=beam,
            num_return=num_return if num_return is not None else beam,
            length_penalty=(length_penalty if length_penalty is not None
                            else config.get("alpha", 0.0)),
            max_length=length,
            max_beam_size=(max_beam_size if max_beam_size is not None
                           else max(DEFAULT_MAX_BEAM_SIZE, beam)),
            max_output_length=(max_output_length
                               if max_output_length is not None
                               else max(DEFAULT_MAX_OUTPUT_LENGTH, length)),
            max_batch_size=(max_batch_size if max_batch_size is not None
                            else DEFAULT_MAX_BATCH_SIZE),
            max_input_bytes=(max_input_bytes if max_input_bytes is not None
                             else DEFAULT_MAX_INPUT_BYTES[_source(model)]),
            signatures=signatures if signatures is not None else SIGNATURES)

    def _validate(self):
        checks = [
            (self.search in SEARCHES, f"search {self.search!r} must be one "
             f"of {', '.join(SEARCHES)}"),
            (self.max_beam_size >= 1, "max_beam_size must be at least 1"),
            (self.max_output_length >= 1,
             "max_output_length must be at least 1"),
            (1 <= self.beam_size <= self.max_beam_size,
             f"beam_size {self.beam_size} must be in 1..max_beam_size "
             f"{self.max_beam_size}"),
            (1 <= self.num_return <= self.beam_size,
             f"num_return {self.num_return} must be in 1..beam_size "
             f"{self.beam_size}"),
            (1 <= self.max_length <= self.max_output_length,
             f"max_length {self.max_length} must be in 1..max_output_length "
             f"{self.max_output_length}"),
            (self.length_penalty >= 0.0, "length_penalty must be >= 0"),
            (self.max_batch_size >= 1, "max_batch_size must be at least 1"),
            (self.max_input_bytes >= 1,
             "max_input_bytes must be at least 1"),
            (not self._unknown_signatures,
             f"unknown signature(s) {', '.join(self._unknown_signatures)}; "
             f"the signatures are {', '.join(SIGNATURES)}"),
            ("serving_default" in self.signatures,
             "the signatures must include serving_default (TF Serving's "
             f"default); the signatures are {', '.join(SIGNATURES)}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"export: {message}.")

    def to_dict(self):
        return {"signatures": list(self.signatures),
                "serving_default": {"search": self.search},
                "nbest": {"beam_size": self.beam_size,
                          "num_return": self.num_return,
                          "length_penalty": self.length_penalty,
                          "max_length": self.max_length},
                "limits": {"max_beam_size": self.max_beam_size,
                           "max_output_length": self.max_output_length,
                           "max_batch_size": self.max_batch_size,
                           "max_input_bytes": self.max_input_bytes}}

    def write(self, saved_model_dir):
        """Records the settings in `assets.extra/keras_s2s_export.json`
        (TF Serving ignores that folder except for its warm-up file)."""
        folder = os.path.join(saved_model_dir, "assets.extra")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, SETTINGS_FILE)
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=1)
        return path
