#!/usr/bin/env bash
# Builds a second Python environment with another TensorFlow + tensorflow-text
# runtime (the pair a TF Serving release links), to check that our exports load
# and answer on TF Serving's C++ path under it:
#   tools/serving_runtime_venv.sh 2.20     # -> .venv-serving-tf2.20/
#   .venv/bin/python -m pytest -m slow tests/export/test_serving_runtimes.py
# Only tensorflow, tensorflow-text and tensorflow-serving-api (the protos) go
# in, as keras_s2s is not inside the model server. Optional: the folder, then
# more pip arguments (tools/test_oldest_runtime.sh adds -e '.[test]').
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: tools/serving_runtime_venv.sh MINOR [VENV [PIP ARGS...]]}"
venv="${2:-.venv-serving-tf${version}}"
shift $(( $# < 2 ? $# : 2 ))
python="$(command -v python3.11 || command -v python3)"
test -x "$venv/bin/python" || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "tensorflow==${version}.*" \
    "tensorflow-text==${version}.*" "tensorflow-serving-api==${version}.*" "$@"
"$venv/bin/python" -c "import tensorflow as tf, tensorflow_text as t; print('$venv:', 'tensorflow', tf.__version__, 'tensorflow-text', t.__version__)"
