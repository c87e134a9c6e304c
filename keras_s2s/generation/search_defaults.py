"""Search defaults shared by the search functions, the CLI and the exporter."""

#: Beam size when neither a call nor a model's `generation_config` sets one.
DEFAULT_BEAM_SIZE = 5
