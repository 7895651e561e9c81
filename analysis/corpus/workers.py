"""What the corpus runner installs on the workers of its own local cluster."""
from __future__ import annotations

import importlib.abc
import os
import sys

from distributed.diagnostics.plugin import WorkerPlugin


class ExitAtClose(WorkerPlugin):
    """When a worker closes (the end of a run, or a recycling restart), its process ends at
    once instead of finalizing its interpreter.

    With spaCy and torch loaded, a worker process took 1.5-3 s to exit and its nanny waited for
    it: closing a 2-worker LocalCluster took 3.3-3.7 s, and 0.1 s with this plugin. The corpus
    runner waits for the cluster to close before the identity pass, so this time was on every
    run's critical path (``benchmarks/bench_incremental.py``). By then every result has reached
    the driver and been kept, so the worker holds nothing else. The next cluster's workers purge
    its scratch folder (Dask removes folders whose owner process is gone). The runner never
    registers it on the workers of a ``--scheduler``: those are not the run's own.
    """

    def teardown(self, worker) -> None:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)


#: Libraries whose *optional* imports (``try: import X except ImportError``) a local worker skips,
#: and what they would import: thinc (spaCy's ML library) imports torch whenever it is installed,
#: to offer torch layers and GPUs that the project's spaCy pipelines (thinc's numpy CNNs) never
#: use; nltk's package import (TextBlob imports all of nltk) pulls scipy.stats for a collocation
#: statistic and scikit-learn for a dependency parser, neither of which VADER or TextBlob's
#: sentiment calls. A worker's start-up (model loaded, analyses imported, one short article
#: analysed) took 2.72 s with them and 1.12 s without (``benchmarks/bench_worker_startup.py
#: --rounds 3``, medians, quiet 2-core machine).
OPTIONAL_IMPORTS = {"thinc.compat": ("torch",), "nltk": ("scipy", "sklearn")}


class OptionalImportsSkipped(importlib.abc.MetaPathFinder):
    """An import finder that answers "not installed" for the packages of :data:`OPTIONAL_IMPORTS`
    while, and only while, the library that imports them optionally is itself being imported,
    and only if the package is not loaded already. Every other import of torch, scipy or
    scikit-learn in the process works as usual (the MiniLM export imports torch later, for one)."""

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in sys.modules:
            return None
        for importer, packages in OPTIONAL_IMPORTS.items():
            if top in packages and _initializing(importer):
                raise ModuleNotFoundError(f"No module named {fullname!r} ({importer} imports it optionally; "
                                          "skipped in corpus workers)", name=fullname)
        return None


def _initializing(name: str) -> bool:
    """Whether module ``name`` is being imported right now (in ``sys.modules``, not yet executed)."""
    module = sys.modules.get(name)
    return module is not None and bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


class SkipOptionalImports(WorkerPlugin):
    """Installs :class:`OptionalImportsSkipped` in a worker before it loads the model.

    A worker of the run's own local cluster loads spaCy and TextBlob only to parse and score;
    skipping their unused optional dependencies shortens its start-up from 2.7 s to 1.1 s
    (``benchmarks/bench_worker_startup.py``), which is most of the fixed cost of a small
    incremental run. The results are the same with and without (a ``--scheduler`` run, whose
    workers do not get this plugin, writes identical tables: ``tests/test_corpus.py``). Not
    registered on the workers of a ``--scheduler``: other jobs may run there.
    """

    def setup(self, worker) -> None:
        skip_optional_imports()


def skip_optional_imports() -> None:
    """Install :class:`OptionalImportsSkipped` first on this process's import path (once)."""
    if not any(isinstance(f, OptionalImportsSkipped) for f in sys.meta_path):
        sys.meta_path.insert(0, OptionalImportsSkipped())
