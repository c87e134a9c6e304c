"""The zoo's registry of named presets: list, describe, register."""

import builtins
import copy

from keras_s2s.zoo.presets import PRESETS

TASKS = ("translation", "summarization", "captioning")
REQUIRED = ("task", "description", "paper", "config")
CONFIG_SECTIONS = ("encoder", "decoder", "attention", "generation")

#: What a preset holds when it does not say.
DEFAULTS = {"parameters": None, "weights": None, "vocab": None, "metrics": {},
            "subword_model": "unigram"}
_REGISTRY = {name: {**DEFAULTS, **preset} for name, preset in PRESETS.items()}


def _unknown(name):
    return ValueError(f"Unknown zoo model {name!r}; valid names are "
                      f"{', '.join(sorted(_REGISTRY))}.")


def list(task=None):  # noqa: A001 - the zoo's documented API
    """Names of the registered architectures, optionally for one task."""
    if task is not None and task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; valid tasks are "
                         f"{', '.join(TASKS)}.")
    return sorted(name for name, preset in _REGISTRY.items()
                  if task is None or preset["task"] == task)


def describe(name):
    """The preset's metadata and configuration (a copy)."""
    if name not in _REGISTRY:
        raise _unknown(name)
    return copy.deepcopy(_REGISTRY[name])


def register(name, preset, overwrite=False):
    """Adds an architecture under `name` (`<encoder>_<attention>_<task>`).

    `preset` needs `task`, `description`, `paper` and `config` (see
    `keras_s2s.zoo.presets`). A name already taken raises `ValueError`
    unless `overwrite=True`.
    """
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"Zoo model {name!r} is already registered; "
                         f"registered names are {', '.join(sorted(_REGISTRY))}."
                         " Pass overwrite=True to replace it.")
    missing = [key for key in REQUIRED if key not in preset]
    if missing:
        raise ValueError(f"Preset {name!r} lacks {missing}.")
    if preset["task"] not in TASKS:
        raise ValueError(f"Preset {name!r}: unknown task {preset['task']!r}; "
                         f"valid tasks are {', '.join(TASKS)}.")
    full = copy.deepcopy(DEFAULTS)
    full.update(copy.deepcopy(preset))
    _REGISTRY[name] = full


def unregister(name):
    if name not in _REGISTRY:
        raise _unknown(name)
    del _REGISTRY[name]


TOP_LEVEL_KEYS = ("source_vocab_size", "target_vocab_size",
                  "max_source_length", "image_size", "shared_vocabulary",
                  "split_sentences")


def _check_overrides(name, overrides):
    valid = set(CONFIG_SECTIONS) | set(_REGISTRY[name]["config"]) \
        | set(TOP_LEVEL_KEYS)
    unknown = set(overrides) - valid
    if unknown:
        raise ValueError(f"zoo.load({name!r}): unknown overrides "
                         f"{sorted(unknown)}; valid keys are "
                         f"{', '.join(sorted(valid))}.")
    return overrides


def _merge(config, overrides):
    config = copy.deepcopy(config)
    for key, value in overrides.items():
        if key in CONFIG_SECTIONS and isinstance(value, dict):
            config[key] = {**config.get(key, {}), **value}
        else:
            config[key] = value
    return config


__all__ = builtins.list(("list", "describe", "register", "unregister"))
