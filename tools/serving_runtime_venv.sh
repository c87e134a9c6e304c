#!/usr/bin/env bash
# Builds a second Python environment with an older TensorFlow + tensorflow-text
# runtime (the pair a TF Serving release links), to check that our exports load
# and answer on TF Serving's C++ path under it:
#   tools/serving_runtime_venv.sh 2.20     # -> .venv-serving-tf2.20/
#   .venv/bin/python -m pytest -m slow tests/export/test_serving_runtimes.py
# Only tensorflow, tensorflow-text and tensorflow-serving-api (the protos) go
# in: keras_s2s is not installed there, as it is not inside the model server.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: tools/serving_runtime_venv.sh MINOR (e.g. 2.20)}"
python="$(command -v python3.11 || command -v python3)"
venv=".venv-serving-tf${version}"
test -x "$venv/bin/python" || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "tensorflow==${version}.*" \
    "tensorflow-text==${version}.*" "tensorflow-serving-api==${version}.*"
"$venv/bin/python" -c "import tensorflow as tf, tensorflow_text as t; print('$venv:', 'tensorflow', tf.__version__, 'tensorflow-text', t.__version__)"
