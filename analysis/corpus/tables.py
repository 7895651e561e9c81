"""The corpus tables: one Parquet file per table, declared once.

The per-article tables are the analyses' own declarations (:mod:`analysis.articles.columns`,
re-exported by each analysis): a column added to an analysis's table reaches its Parquet file
without another edit, and reading them imports no model library. The
``articles`` and ``errors`` tables are the corpus's own, declared here. A new corpus table
is declared here too (and filled by :func:`analysis.corpus.runner.analyse_partition`, or by a
pass over the written tables).
"""
from __future__ import annotations

from ..articles.columns import MENTION_SENTIMENT, MENTIONS, QUOTES, SENTENCES, TIMEXES
from ..schema import Table

#: One row per article analysed.
ARTICLES = Table.parse("articles", """
    article_id        str        path relative to the inputs' common folder (business/001.txt; batch.jsonl:3 for a line)
    path              str        the file read
    topic             str        the JSON Lines line's ``topic`` field, else the name of the file's folder
    file_id           str        the article's own id (file stem, or the JSON line's id)
    title             str        headline
    published         timestamp  publication date, or null
    published_source  str        parameter / sidecar / html / jsonl / inferred / none
    outlet            str        publisher, or null
    bias              str        the outlet's bias label from a JSON Lines field (AllSides: left, center, right, ...), or null
    n_paragraphs      int        body paragraphs
    n_chars           int        characters of article.text
    n_sentences       int        rows in sentences
    n_mentions        int        rows in entities
    n_timexes         int        rows in timexes
    n_quotes          int        rows in quotes
    mean_polarity     float      mean TextBlob polarity of its sentences, null without sentences
    mean_vader        float      mean VADER compound of its sentences, null without sentences
""")

#: Articles that could not be read or analysed.
ERRORS = Table.parse("errors", """
    path   str  the file (or batch.jsonl:3 line) that failed
    error  str  one line: what went wrong
""")

#: Every corpus table by name, in the order they are written and listed.
TABLES: dict[str, Table] = {t.name: t for t in (ARTICLES, SENTENCES, MENTIONS, TIMEXES, QUOTES, MENTION_SENTIMENT, ERRORS)}
TABLE_NAMES = tuple(TABLES)

#: Sort keys of each table: the order rows are written in.
SORT_KEYS = {
    "articles": ["article_id"],
    "sentences": ["article_id", "sent_index"],
    "entities": ["article_id", "start", "end"],
    "timexes": ["article_id", "start", "end"],
    "quotes": ["article_id", "start"],
    "mention_sentiment": ["article_id", "sent_index", "start"],
    "errors": ["path"],
}


def schemas() -> dict:
    """Table name → ``pyarrow.Schema``."""
    return {name: table.arrow_schema() for name, table in TABLES.items()}
