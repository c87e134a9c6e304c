"""Fixtures shared by the zoo tests."""

import pytest

from keras_s2s import zoo


@pytest.fixture
def unshipped():
    """The name of a registered preset that ships no weights (a copy of
    `gru_luong_mt` without them), whatever the zoo ships today."""
    preset = zoo.describe("gru_luong_mt")
    preset.update(weights=None, vocab=None, metrics={})
    zoo.register("unshipped_luong_mt", preset)
    yield "unshipped_luong_mt"
    zoo.unregister("unshipped_luong_mt")
