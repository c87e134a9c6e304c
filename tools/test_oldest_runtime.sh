#!/usr/bin/env bash
# Runs the fast test suite under the oldest TensorFlow + tensorflow-text pair
# that setup.cfg allows, in its own environment (.venv-oldest/):
#   tools/test_oldest_runtime.sh          # 2.19 by default
#   tools/test_oldest_runtime.sh 2.20
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-2.19}"
tools/serving_runtime_venv.sh "$version" .venv-oldest -e '.[test]'
.venv-oldest/bin/python -m pytest -q -p no:cacheprovider -n auto \
    --dist loadfile tests
