import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield


DURATIONS = pathlib.Path(__file__).parent / "durations.json"


def pytest_collection_modifyitems(config, items):
    """Test files longest first (seconds from `tests/durations.json`, which
    `tools/test_durations.py` writes; a file it does not list counts as
    short), the order within each file kept. pytest-xdist, run with
    `--no-loadscope-reorder` (Makefile), then hands files out in this order,
    and the short files fill in at the end. Order only: no test is skipped."""
    try:
        seconds = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return
    items.sort(key=lambda item: -seconds.get(item.nodeid.split("::")[0], 0))
