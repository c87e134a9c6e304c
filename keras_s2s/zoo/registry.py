"""The zoo's registry of named presets: list, describe, register."""

import builtins
import copy

from keras_s2s.zoo.preset import CONFIG_SECTIONS
from keras_s2s.zoo.preset import TASKS
from keras_s2s.zoo.preset import Preset
from keras_s2s.zoo.presets import PRESETS

_REGISTRY = {name: Preset.from_dict(name, preset)
             for name, preset in PRESETS.items()}


def _unknown(name):
    return ValueError(f"Unknown zoo model {name!r}; valid names are "
                      f"{', '.join(sorted(_REGISTRY))}.")


def list(task=None):  # noqa: A001 - the zoo's documented API
    """Names of the registered architectures, optionally for one task."""
    if task is not None and task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; valid tasks are "
                         f"{', '.join(TASKS)}.")
    return sorted(name for name, preset in _REGISTRY.items()
                  if task is None or preset.task == task)


def describe(name):
    """The preset's metadata and configuration, as plain data (a copy)."""
    return preset(name).to_dict()


def preset(name):
    """The registered `Preset` (typed, immutable)."""
    if name not in _REGISTRY:
        raise _unknown(name)
    return _REGISTRY[name]


def register(name, preset, overwrite=False):
    """Adds an architecture under `name` (`<encoder>_<attention>_<task>`).

    `preset`: a `Preset`, or its data as a dict (`task`, `description`,
    `paper`, `config` and optional metadata; see `keras_s2s.zoo.Preset`),
    checked now: unknown keys, tasks or layer classes raise `ValueError`.
    A name already taken raises `ValueError` unless `overwrite=True`.
    """
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"Zoo model {name!r} is already registered; "
                         f"registered names are {', '.join(sorted(_REGISTRY))}."
                         " Pass overwrite=True to replace it.")
    _REGISTRY[name] = Preset.from_dict(name, preset)


def unregister(name):
    if name not in _REGISTRY:
        raise _unknown(name)
    del _REGISTRY[name]


TOP_LEVEL_KEYS = ("source_vocab_size", "target_vocab_size",
                  "max_source_length", "image_size", "shared_vocabulary",
                  "share_embeddings", "split_sentences",
                  "matmul_precision")


def _check_overrides(name, overrides):
    valid = set(CONFIG_SECTIONS) | set(_REGISTRY[name].config) \
        | set(TOP_LEVEL_KEYS)
    unknown = set(overrides) - valid
    if unknown:
        raise ValueError(f"zoo.load({name!r}): unknown overrides "
                         f"{sorted(unknown)}; valid keys are "
                         f"{', '.join(sorted(valid))}.")
    if overrides.get("attention") and \
            _REGISTRY[name].config.get("attention") is None:
        raise ValueError(f"zoo.load({name!r}): this model has no attention "
                         f"to override (its decoder is "
                         f"{_REGISTRY[name].config['decoder']['class_name']}"
                         ").")
    return overrides


def _merge(config, overrides):
    config = copy.deepcopy(config)
    for key, value in overrides.items():
        if key in CONFIG_SECTIONS and isinstance(value, dict):
            if config.get(key, {}) is None and not value:
                continue  # no attention, and nothing to change in it
            config[key] = {**config.get(key, {}), **value}
        else:
            config[key] = value
    return config


__all__ = builtins.list(("list", "describe", "register", "unregister"))
