"""What the corpus runner installs on the workers of its own local cluster."""
from __future__ import annotations

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
