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

# Corpus runs (analysis.corpus.runner; here so the command line shows them without importing it)
#: Default number of articles per Dask task.
PARTITION_SIZE = 40
#: Local worker processes are restarted once each has analysed about this many partitions
#: (2,000 articles at the default size). Under Dask a worker's resident memory creeps up by
#: about 10 MB a minute (the same partitions in a plain loop stay flat), so a 25-minute run
#: peaked 20 % above a 2-minute one. A recycle waits for the partitions in flight, restarts
#: every worker through its nanny and loads the model again (a few seconds per round).
#: The 2,225 BBC articles (about 28 partitions per worker) never recycle.
RECYCLE_AFTER = 50


def cache_dir() -> Path:
    """Directory of the on-disk parse cache (``$ANALYSIS_CACHE_DIR`` or ``.cache/analysis``)."""
    return Path(os.environ.get("ANALYSIS_CACHE_DIR", PROJ_ROOT / ".cache" / "analysis"))
