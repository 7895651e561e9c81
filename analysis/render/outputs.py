"""The per-run tables: the CSV files a report notebook writes into its ``output_dir``, named and read here.

The notebooks save with these names (``save_table(freq, output_dir, ENTITIES_CSV)``), and the
report index (:func:`analysis.render.report.summarize`) and the sweep summary
(:func:`analysis.render.sweep.key_figures`, :func:`analysis.render.sweep_summary.entity_comparison`)
read them back with :func:`read_run_table`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

#: sentiment notebook: one row per sentence (:data:`analysis.articles.sentiment.SENTENCES`)
SENTENCES_CSV = "sentences.csv"
#: sentiment notebook: the smoothed sentiment arc (:func:`analysis.articles.sentiment.sentiment_arc`)
ARC_CSV = "arc.csv"
#: sentiment notebook: targeted sentiment per entity and sentence (:mod:`analysis.articles.entity_sentiment`)
ENTITY_SENTIMENT_CSV = "entity_sentiment.csv"
#: entities notebook: the entity frequency table (:func:`analysis.articles.entities.entity_frequency`)
ENTITIES_CSV = "entities.csv"
#: entities notebook: every name mention (:data:`analysis.articles.entities.MENTIONS`)
MENTIONS_CSV = "mentions.csv"
#: entities notebook: direct quotations (:data:`analysis.articles.quotes.QUOTES`)
QUOTES_CSV = "quotes.csv"
#: entities notebook: descriptions of people (:func:`analysis.articles.entities.descriptor_mentions`)
DESCRIPTORS_CSV = "descriptors.csv"
#: timeline notebook: the calendar-ordered timeline (:data:`analysis.articles.chronology.TIMEXES`)
TIMELINE_CSV = "timeline.csv"


def read_run_table(folder: str | Path, name: str) -> pd.DataFrame | None:
    """One CSV a notebook wrote into ``folder``; None when it is missing, empty or unreadable."""
    try:
        return pd.read_csv(Path(folder) / name)
    except (OSError, ValueError):  # FileNotFoundError, pandas' EmptyDataError and ParserError
        return None
