"""News article analysis: ingestion and cleaning, sentiment, entity frequency, timeline.

Notebooks write ``from analysis import load_article, sentence_sentiment, entity_frequency, timeline``.
Every analysis takes an :class:`Article` first, options keyword-only, and returns a tidy
``pandas.DataFrame`` whose columns are listed in its docstring; plot functions take such a
DataFrame and return a matplotlib ``Figure``.

Names are imported lazily (PEP 562), so a notebook that only needs the timeline does not
pay for importing TextBlob/NLTK.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "io.clean": ["clean_text", "make_pipeline"],
    "articles.entities": ["cooccurrence", "entity_frequency", "entity_mentions", "plot_entity_frequency"],
    "errors": ["AnalysisError", "ArticleError", "ParameterError"],
    "io.expand": ["load_articles"],
    "io.ingest": ["load_article"],
    "lang.nlp": ["load_model", "parse"],
    "render.notebook": ["open_article"],
    "articles.sentiment": ["document_sentiment", "paragraph_sentiment", "plot_sentiment_arc", "sentence_sentiment",
                  "sentiment_arc", "sentiment_extremes"],
    "articles.chronology": ["plot_timeline", "timeline"],
    "types": ["Article", "Removed"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
