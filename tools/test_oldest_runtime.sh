#!/usr/bin/env bash
# Runs the fast test suite under the oldest TensorFlow + tensorflow-text pair
# that setup.cfg allows, in its own environment (.venv-oldest/):
#   tools/test_oldest_runtime.sh          # 2.19 by default
#   tools/test_oldest_runtime.sh 2.20
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-2.19}"
python="$(command -v python3.11 || command -v python3)"
venv=".venv-oldest"
test -x "$venv/bin/python" || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "tensorflow==${version}.*" \
    "tensorflow-text==${version}.*" "tensorflow-serving-api==${version}.*" \
    -e '.[test]'
"$venv/bin/python" -c "import tensorflow as tf, tensorflow_text as t, keras; print('tensorflow', tf.__version__, 'tensorflow-text', t.__version__, 'keras', keras.__version__)"
"$venv/bin/python" -m pytest -q -p no:cacheprovider -n auto --dist loadfile tests
