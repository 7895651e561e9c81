"""Imported once by the fork server of a corpus run's local cluster (:func:`analysis.corpus.forkserver.preloaded_workers`):
what every worker needs before its first partition — Dask's worker, the analyses and the spaCy
model (``load_model()``, cached in the process) — so that each forked worker starts with it.

Importing this module does that work (it exists for it). It skips the same optional imports as a
spawned local worker (:class:`analysis.corpus.workers.OptionalImportsSkipped`). Any failure is
left for the worker to meet again and report: the fork server must start either way.
"""
try:
    from analysis.corpus.workers import skip_optional_imports

    skip_optional_imports()
    import distributed.nanny  # noqa: F401 - the worker's own start-up
    from analysis.corpus.runner import _warm

    _warm()
except Exception:  # noqa: BLE001 - the worker loads (and fails) itself, with its own error message
    pass
