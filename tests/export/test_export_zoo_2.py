"""Share 2 of 2 of the zoo's exports on TF Serving's C++ path; the tests
are in `zoo_exports.py`."""

from zoo_exports import *  # noqa: F401,F403  the tests and their fixtures
from zoo_exports import parametrize_names
from zoo_exports import share

NAMES = share(1, 2)


def pytest_generate_tests(metafunc):
    parametrize_names(metafunc, NAMES)
