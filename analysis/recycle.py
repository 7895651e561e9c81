"""Dask worker plugin that restarts a worker after a number of tasks (see ``analysis.corpus``)."""
from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin


class RecycleWorkers(WorkerPlugin):
    """Restart the worker (through its nanny) once it has finished ``after`` tasks.

    Only tasks whose key starts with ``key_prefix`` count. The restart starts when a task's
    result is in memory: Dask's graceful close hands the results still held to another worker
    and re-queues what was waiting here, so nothing is lost or computed twice. The restarted
    worker receives a fresh copy of the plugin (counter at 0).
    """

    name = "analysis-recycle-workers"

    def __init__(self, after: int, *, key_prefix: str = ""):
        self.after = after
        self.key_prefix = key_prefix
        self.done = 0
        self.worker = None

    def setup(self, worker) -> None:
        self.worker = worker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "memory" or not str(key).startswith(self.key_prefix):
            return
        self.done += 1
        if self.done == self.after and self.worker is not None:
            self.worker.loop.add_callback(self.worker.close_gracefully, restart=True,
                                          reason=f"recycled after {self.after} tasks")
