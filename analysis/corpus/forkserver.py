"""The worker processes of a corpus run's own local cluster, forked from a server that has
loaded the model once (:func:`preloaded_workers`).

Kept apart from :mod:`analysis.corpus.workers` (the worker plugins) because it must not import
Dask's worker code: the run starts the server before this process imports Dask, so the two
imports overlap.
"""
from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


#: The module a preloaded fork server imports (:func:`preloaded_workers`).
PRELOAD_MODULE = "analysis.corpus.worker_preload"

#: The server :func:`early_server` started: ``{"pid": n, "state": what it was started with}``.
_early: dict | None = None


def worker_environment(*, configured: bool = True) -> dict[str, str]:
    """The variables Dask's nannies set before they start a local worker process, as the run
    configures them (``distributed.nanny.pre-spawn-environ``).

    Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers; it makes glibc hand memory
    back and fault it in again all through spaCy's parse (worker parse time 55 s without it vs
    65 s with it for 600 BBC articles). Recycling bounds memory instead, so it is left out.

    ``configured=False``: distributed's defaults only, without importing dask (0.1 s) to read the
    configuration in force — what :func:`early_server` starts with; the run compares it with the
    configured one and starts another server when they differ.
    """
    import importlib.util

    import yaml

    # distributed's defaults from its file (they reach dask's config only when distributed is
    # imported, which this process has not done yet), then the configuration in force
    spec = importlib.util.find_spec("distributed")
    defaults = yaml.load(Path(spec.submodule_search_locations[0], "distributed.yaml").read_text(),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    cfg = dict(defaults["distributed"]["nanny"]["pre-spawn-environ"])
    if configured:
        import dask

        cfg.update(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    return {k: str(v) for k, v in cfg.items() if k != "MALLOC_TRIM_THRESHOLD_" and v is not None}


def _server():
    """multiprocessing's fork server of this process, or None when this Python has none we can
    start and stop (its ``_forkserver`` singleton and ``_stop`` are not public API)."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    return server if server is not None and hasattr(server, "_stop") and hasattr(server, "_forkserver_pid") else None


def _state(pre_spawn_env: dict[str, str]) -> tuple:
    """What a worker started now would see: the working folder and the environment of a spawned
    worker (this process's, Dask's pre-spawn variables, its ``PYTHONHASHSEED``), plus the
    folder this package is imported from on ``PYTHONPATH``."""
    env = dict(os.environ)
    for k, v in pre_spawn_env.items():  # as Dask's nanny: a variable set in this process wins
        env.setdefault(k, v)
    if env.get("PYTHONHASHSEED") in (None, "0"):  # as Dask's nanny sets it for the processes it spawns
        env["PYTHONHASHSEED"] = "6640"
    root = str(Path(__file__).resolve().parents[2])  # the folder ``analysis`` is imported from
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))])
    return os.getcwd(), tuple(sorted(env.items()))


def _start(server, state: tuple) -> int:
    from multiprocessing import forkserver

    preload = list(getattr(server, "_preload_modules", ["__main__"]))
    saved = dict(os.environ)
    try:
        forkserver.set_forkserver_preload([PRELOAD_MODULE])
        os.environ.clear()
        os.environ.update(dict(state[1]))
        forkserver.ensure_running()  # returns at once; the server preloads while this process goes on
    finally:
        os.environ.clear()
        os.environ.update(saved)
        forkserver.set_forkserver_preload(preload)
    return server._forkserver_pid


def _stop(server) -> None:
    """Stop the server at once: it holds nothing to save and, with spaCy loaded, would take
    0.3 s to finalize its interpreter on a clean stop."""
    global _early
    pid = server._forkserver_pid
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    server._stop()
    if _early is not None and _early["pid"] == pid:
        _early = None


@contextlib.contextmanager
def early_server(enabled: bool = True):
    """Start the workers' fork server now, for a corpus run that comes later in this block, and
    stop it at the end (the command line: the server preloads while the driver imports its own
    modules and keys the inputs; a rerun with nothing to analyse pays only for starting it).
    The run (:func:`preloaded_workers`) uses it if the working folder and environment are still
    what it was started with, and stops it when its cluster is closed."""
    global _early
    server = _server() if enabled else None
    if server is None or server._forkserver_pid is not None:
        yield
        return
    state = _state(worker_environment(configured=False))
    _early = {"pid": _start(server, state), "state": state}
    try:
        yield
    finally:
        if server._forkserver_pid is not None and _early is not None and server._forkserver_pid == _early["pid"]:
            _stop(server)
        _early = None


@contextlib.contextmanager
def preloaded_workers(pre_spawn_env: dict[str, str]):
    """Start the worker processes of the run's local cluster from a fork server that has loaded
    the model and imported the analyses once (``multiprocessing``'s ``forkserver`` method, which
    Dask supports, with :data:`PRELOAD_MODULE` preloaded); stop the server when the run ends.

    A spawned worker imports Dask, spaCy and the analyses and loads the model itself (about
    1.6 s of CPU each, both workers at once); a forked one starts with all of it in place. The
    server starts before the driver imports Dask and starts the scheduler (or, from the command
    line, before the driver imports anything: :func:`early_server`), so that work overlaps the
    preload. The fork server gets what a spawned worker would (:func:`_state`: environment,
    working folder) and is started for this run, so the workers see this run's settings
    (``$ANALYSIS_TAGGER`` is read when the model loads).

    The server is stopped when the block ends (the runner leaves it when its cluster is closed).

    Yields whether the workers can be forked: the caller then sets Dask's
    ``distributed.worker.multiprocessing-method`` to ``forkserver`` (after importing
    ``distributed``, whose defaults a ``dask.config.set`` made before would drop on exit). When
    this process already runs another fork server or this Python has none we can control, they
    are spawned as before. Results do not depend on it (``tests/test_corpus.py`` compares both).
    """
    server = _server()
    state = _state(pre_spawn_env)
    if server is not None and _early is not None and server._forkserver_pid == _early["pid"]:
        if _early["state"] == state:  # the command line's early server, started for this run
            try:
                yield True
            finally:  # as soon as the cluster is closed: the identity pass that follows holds the
                _stop(server)  # corpus's mentions (10x BBC: 1.1 GB), the server the model (0.3 GB)
            return
        _stop(server)  # started for other settings
    if server is None or server._forkserver_pid is not None:  # not ours: spawn as before
        yield False
        return
    _start(server, state)
    try:
        yield True
    finally:
        _stop(server)  # after the cluster is closed: its workers are gone
