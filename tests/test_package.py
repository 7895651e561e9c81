"""The public surface: flat re-exports resolve to functions, whatever was imported before."""
from __future__ import annotations

import importlib

import analysis


def test_exports_resolve_to_callables_after_submodule_imports():
    for module in ("articles.chronology", "articles.entities", "articles.sentiment", "io.ingest", "io.clean"):
        importlib.import_module(f"analysis.{module}")
    for name in analysis.__all__:
        obj = getattr(analysis, name)
        assert not isinstance(obj, type(analysis)), name
    from analysis import timeline

    assert callable(timeline) and timeline.__module__ == "analysis.articles.chronology"


def test_unknown_name():
    try:
        analysis.no_such_thing  # noqa: B018
    except AttributeError as err:
        assert "no_such_thing" in str(err)
    else:
        raise AssertionError("expected AttributeError")
