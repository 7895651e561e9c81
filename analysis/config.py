"""Paths and defaults in one place."""
from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJ_ROOT / "seeds"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
REPORTS_DIR = PROJ_ROOT / "reports"
RESOURCES_DIR = Path(__file__).resolve().parent / "resources"
SHARED_DIR = Path(os.environ.get("ANALYSIS_SHARED_DIR", PROJ_ROOT.parent / "shared"))
DATA_DIR = SHARED_DIR / "data"


def cache_dir() -> Path:
    """Directory of the on-disk parse cache (``$ANALYSIS_CACHE_DIR`` or ``.cache/analysis``)."""
    return Path(os.environ.get("ANALYSIS_CACHE_DIR", PROJ_ROOT / ".cache" / "analysis"))
