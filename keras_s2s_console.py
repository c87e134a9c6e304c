"""The `keras-s2s` console script.

It lives outside the `keras_s2s` package on purpose: importing the package
imports TensorFlow, whose C++ code prints log lines at load time, and the
stderr filter must be in place before that. The filter module is loaded from
its file without running the package's `__init__`.
"""

import importlib.util
import os
import sys


def _start_stderr_filter():
    package = importlib.util.find_spec("keras_s2s")
    folder = list(package.submodule_search_locations)[0]
    spec = importlib.util.spec_from_file_location(
        "keras_s2s_stderr_filter", os.path.join(folder, "stderr_filter.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.StderrFilter().start()


def main():
    verbose = ("--verbose" in sys.argv[1:]
               or os.environ.get("KERAS_S2S_VERBOSE", "") not in ("", "0"))
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        _start_stderr_filter()
    from keras_s2s.cli import exit_with
    from keras_s2s.cli import main as cli_main

    exit_with(cli_main())


if __name__ == "__main__":
    sys.exit(main())
