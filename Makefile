# Every target does all the set-up on a fresh clone (`make translate`, `make demo`, `make test`).
# Both create .venv/ at the repo root if it is missing and install the package into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.keras_s2s-installed

.PHONY: translate demo test install release clean

TEXT ?= A little girl climbs into a wooden playhouse.

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translate: $(STAMP)
	$(BIN)/keras-s2s translate --model bilstm_attn_mt "$(TEXT)"

demo: $(STAMP)
	$(BIN)/keras-s2s demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadfile --no-loadscope-reorder tests

# Wheel, sdist and the weights/vocabulary release folder (with SHA256SUMS) in dist/.
release: $(STAMP)
	$(BIN)/python -m pip install --quiet build
	$(BIN)/python -m build --outdir dist .
	$(BIN)/keras-s2s zoo release dist/release

clean:
	rm -rf $(VENV) build *.egg-info
