"""Shared fixtures: the spaCy model once per session, paths to ../shared."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Keep Jupyter/IPython/matplotlib state inside the checkout, not in $HOME.
_HOME = ROOT / ".cache" / "test-home"
for var, sub in {
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "JUPYTER_DATA_DIR": "jupyter-data",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
}.items():
    os.environ.setdefault(var, str(_HOME / sub))
    Path(os.environ[var]).mkdir(parents=True, exist_ok=True)  # IPython warns about a missing folder
os.environ.setdefault("MPLBACKEND", "Agg")

from analysis.config import DATA_DIR, SHARED_DIR  # noqa: E402


@pytest.fixture(scope="session")
def nlp():
    from analysis.lang.nlp import load_model

    return load_model()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} not present")
    return SHARED_DIR


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"{DATA_DIR} not present")
    return DATA_DIR
