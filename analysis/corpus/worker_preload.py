"""Imported once by the fork server of a corpus run's local cluster (:func:`analysis.corpus.forkserver.preloaded_workers`):
what every worker needs before its first partition — Dask's worker, the analyses and the spaCy
model (``load_model()``, cached in the process) — so that each forked worker starts with it.

Importing this module does that work (it exists for it). It skips the same optional imports as a
spawned local worker (:class:`analysis.corpus.workers.OptionalImportsSkipped`). Any failure is
left for the worker to meet again and report: the fork server must start either way.
"""
import sys

try:
    from analysis.corpus.workers import OptionalImportsSkipped

    if not any(isinstance(f, OptionalImportsSkipped) for f in sys.meta_path):
        sys.meta_path.insert(0, OptionalImportsSkipped())
    import distributed.nanny  # noqa: F401 - the worker's own start-up
    from analysis.corpus.runner import _warm

    _warm()
except Exception:  # noqa: BLE001 - the worker loads (and fails) itself, with its own error message
    pass
