# The two set-up commands (see README):
#   make demo   generate mini-Charades, train, test, print metrics, write plots
#   make test   the whole test suite
# Both create .venv if missing and install the pinned dependencies and the
# package (pip install -e .). Set PYTHON to choose the interpreter (3.11).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.mmaction-charades-installed

.PHONY: demo test install clean-demo

install: $(STAMP)

$(STAMP): setup.py $(wildcard requirements/*.txt)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(CONSTRAINTS) setuptools wheel
	# CPU torch by exact pin first: an unpinned torch pulls a CUDA build.
	$(PY) -m pip install -q -c $(CONSTRAINTS) torch
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e '.[mmcv-lite,tests]'
	@touch $(STAMP)

demo: $(STAMP)
	PY=$(PY) bash tools/demo.sh

test: $(STAMP)
	$(PY) -m pytest tests

clean-demo:
	rm -rf data/mini_charades work_dirs/demo
