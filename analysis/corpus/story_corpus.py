"""The story of a corpus run, built from its Parquet tables: one parse per article, no other.

:func:`analysis.corpus.story.dated_articles` parses raw texts (the Timeline17 evaluation, whose
files are not a corpus run). A corpus run has already parsed every article once and written what
the story needs: ``sentences`` (the text of every sentence), ``timexes`` (every temporal expression
normalized against the article's publication date, with its ``sent_index``) and ``articles``
(publication date, outlet). :func:`dated_from_corpus` turns those rows into the same per-article
inputs (:class:`~analysis.corpus.story.DatedArticle`: one line per sentence, the day- and
month-level dates each names) and :func:`story_from_corpus` / :func:`story_events_from_corpus`
run the same ranking and summarization (:func:`analysis.corpus.story.story`) on them. Nothing here
loads spaCy.

An ``entity`` query names a corpus entity (``entity_id`` or canonical name of ``entity_index``,
:mod:`analysis.corpus.identity`; an alias is accepted too): only the articles naming it take part,
and only their sentences naming it describe the days (:func:`entity_lines`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ..errors import ParameterError
from .story import (
    EVENT_COLUMNS, MAX_AHEAD_DAYS, STORY_COLUMNS, DatedArticle, StoryOptions, _story,
)

__all__ = ["dated_from_corpus", "entity_lines", "resolve_entity", "story_inputs", "story_from_corpus", "story_events_from_corpus"]

#: Granularities of the ``timexes`` table that date a day (a clock time dates its day).
DAY_GRANULARITIES = ("day", "time")


def dated_from_corpus(tables: dict[str, pd.DataFrame]) -> list[DatedArticle]:
    """Per-article story inputs from a corpus run's tables (no parse).

    Args:
        tables: :func:`analysis.corpus.readers.load_corpus` of a corpus folder (``articles``,
            ``sentences``, ``timexes`` are read).

    Returns:
        One :class:`DatedArticle` per article with a publication date, in ``article_id`` order:
        ``id`` = ``article_id``, ``outlet`` = the outlet (else ``""``), ``lines`` = its sentences in
        order, ``dates`` / ``months`` = ``(line, ISO day or YYYY-MM, expression)`` of its day- and
        month-level timexes (a day more than :data:`~analysis.corpus.story.MAX_AHEAD_DAYS` after
        publication, or before 1900, is dropped as in the text path). Undated articles are left out.
    """
    arts = tables["articles"]
    arts = arts[arts["published"].notna()]
    published = {a: pd.Timestamp(p).date() for a, p in zip(arts["article_id"], arts["published"])}
    outlet = {a: (o if isinstance(o, str) else "") for a, o in zip(arts["article_id"], arts["outlet"])}

    sents = tables["sentences"]
    sents = sents[sents["article_id"].isin(published.keys())].sort_values(["article_id", "sent_index"], kind="stable")
    lines: dict[str, list[str]] = {}
    line_of: dict[str, dict[int, int]] = {}
    for aid, idx, text in zip(sents["article_id"], sents["sent_index"], sents["text"]):
        body = lines.setdefault(aid, [])
        line_of.setdefault(aid, {})[int(idx)] = len(body)
        body.append(text)

    tx = tables["timexes"]
    tx = tx[tx["article_id"].isin(lines.keys()) & tx["date"].notna()
            & tx["granularity"].isin([*DAY_GRANULARITIES, "month"])].sort_values(["article_id", "start"], kind="stable")
    dates: dict[str, list] = {}
    months: dict[str, list] = {}
    for aid, idx, gran, value, day, expr in zip(tx["article_id"], tx["sent_index"], tx["granularity"], tx["value"],
                                                 tx["date"], tx["expression"]):
        line = line_of[aid].get(int(idx))
        if line is None:  # an empty sentence has no row in ``sentences``
            continue
        day = pd.Timestamp(day).date()
        if day.year < 1900 or day > published[aid] + dt.timedelta(days=MAX_AHEAD_DAYS):
            continue
        if gran == "month":
            months.setdefault(aid, []).append((line, str(value)[:7], expr))
        else:
            dates.setdefault(aid, []).append((line, day.isoformat(), expr))
    return [DatedArticle(aid, outlet[aid], published[aid], lines[aid], dates.get(aid, []), months.get(aid, []))
            for aid in sorted(lines)]


def resolve_entity(tables: dict[str, pd.DataFrame], entity: str) -> list[str]:
    """The corpus entity ids an ``entity`` query names.

    Tried in order: an ``entity_id`` of ``entity_index``; its canonical ``name`` (case-insensitive;
    every id of that name); one of its ``aliases``. A folder without ``entity_index`` (written
    before the identity pass) is matched on the per-article canonical ``entity`` names, returned as is.

    Raises:
        ParameterError: nothing in the corpus has that id or name.
    """
    query = entity.strip()
    low = query.lower()
    index = tables.get("entity_index")
    if index is None or "entity_id" not in tables["entities"]:
        names = tables["entities"]["entity"]
        found = sorted(set(names[names.str.lower() == low]))
    elif query in set(index["entity_id"]):
        found = [query]
    else:
        found = list(index.loc[index["name"].str.lower() == low, "entity_id"])
        if not found:
            aliases = index["aliases"].fillna("").str.split("; ")
            found = [eid for eid, al in zip(index["entity_id"], aliases)
                     if any(a.rsplit(" (", 1)[0].lower() == low for a in al)]
    if not found:
        raise ParameterError(f"entity {query!r}: no corpus entity has this id, name or alias (see the entity_index table)")
    return found


def entity_lines(tables: dict[str, pd.DataFrame], entity: str) -> dict[str, set[int]]:
    """Article id → the line indices (of :func:`dated_from_corpus`) of its sentences naming ``entity``
    (an ``entity_id``, canonical name or alias: :func:`resolve_entity`)."""
    ids = set(resolve_entity(tables, entity))
    ents = tables["entities"]
    key = "entity_id" if "entity_index" in tables and "entity_id" in ents else "entity"
    hits = ents[ents[key].isin(ids)]
    sents = tables["sentences"]
    sents = sents[sents["article_id"].isin(set(hits["article_id"]))].sort_values(["article_id", "sent_index"], kind="stable")
    position = {(a, int(i)): n for a, grp in sents.groupby("article_id", sort=False)
                for n, i in enumerate(grp["sent_index"])}
    out: dict[str, set[int]] = {}
    for aid, idx in zip(hits["article_id"], hits["sent_index"]):
        line = position.get((aid, int(idx)))
        if line is not None:
            out.setdefault(aid, set()).add(line)
    return out


def story_inputs(tables: dict[str, pd.DataFrame], *, entity: str | None = None) -> list[DatedArticle]:
    """The dated articles a story query reads: all of them, or those naming ``entity`` (:func:`entity_lines`)."""
    articles = dated_from_corpus(tables)
    if not entity:
        return articles
    mentions = entity_lines(tables, entity)
    return [a for a in articles if mentions.get(a.id)]


def _query(tables, *, keywords, entity, start, end, n_dates, n_sentences, options):
    articles = dated_from_corpus(tables)
    mentions = entity_lines(tables, entity) if entity else None
    return _story(articles, keywords=[k for k in keywords if k], start=start or None, end=end or None,
                  n_dates=n_dates, n_sentences=n_sentences, options=options, mentions=mentions)


def story_from_corpus(
    tables: dict[str, pd.DataFrame],
    *,
    keywords: Sequence[str] = (),
    entity: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    n_dates: int = 12,
    n_sentences: int = 2,
    options: StoryOptions = StoryOptions(),
) -> pd.DataFrame:
    """The story of a corpus run: its ``n_dates`` most salient days, each with its events and sources.

    Args:
        tables: :func:`analysis.corpus.readers.load_corpus` of a corpus folder.
        keywords: an article takes part when ``options.relevance`` of its sentences contain one
            (case-insensitive substring), and summary sentences must contain one; empty: all.
        entity: a corpus entity (``entity_id``, canonical name or alias in ``entity_index``): only
            articles naming it take part and only sentences naming it are summaries; ``None``: all.
        start, end: date range (inclusive, ``YYYY-MM-DD``) of the publication days read and the days told.
        n_dates: days in the story; n_sentences: event sentences per day.
        options: the design choices (:class:`~analysis.corpus.story.StoryOptions`; defaults = the evaluated system).

    Returns:
        One row per day in calendar order, columns :data:`~analysis.corpus.story.STORY_COLUMNS`
        (``source_ids`` are the corpus ``article_id``s).

    Raises:
        ParameterError: ``entity`` names nothing in the corpus.
    """
    tab = _query(tables, keywords=keywords, entity=entity, start=start, end=end, n_dates=n_dates,
                 n_sentences=n_sentences, options=options)[0]
    return tab[STORY_COLUMNS]


def story_events_from_corpus(tables: dict[str, pd.DataFrame], *, keywords: Sequence[str] = (), entity: str | None = None,
                             start: dt.date | str | None = None, end: dt.date | str | None = None, n_dates: int = 12,
                             n_sentences: int = 2, options: StoryOptions = StoryOptions()) -> pd.DataFrame:
    """The event sentences of :func:`story_from_corpus` (same arguments), one row each:
    :data:`~analysis.corpus.story.EVENT_COLUMNS`."""
    ev = _query(tables, keywords=keywords, entity=entity, start=start, end=end, n_dates=n_dates,
                n_sentences=n_sentences, options=options)[1]
    return ev[EVENT_COLUMNS]
