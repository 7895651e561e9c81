"""Reading a corpus folder: the tables of :func:`analysis.corpus.runner.run_corpus` and the summaries
the corpus notebook shows (rankings with corpus-wide name merging, sentiment by topic, densest periods).

Plots and their alt texts: :mod:`analysis.corpus.plots`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..articles.entities import name_key
from ..errors import ParameterError
from .tables import TABLE_NAMES


def load_corpus(corpus_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a corpus folder written by :func:`run_corpus`.

    Raises:
        ParameterError: the folder or one of its tables is missing.
    """
    folder = Path(corpus_dir)
    missing = [n for n in TABLE_NAMES if not (folder / f"{n}.parquet").exists()]
    if missing:
        raise ParameterError(f"{folder}: not a corpus folder (missing {', '.join(m + '.parquet' for m in missing)}); "
                             "run `python -m analysis corpus INPUT... --out DIR` first")
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLE_NAMES}


def with_topic(df: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the ``topic`` of each row's article."""
    return df.merge(articles[["article_id", "topic"]], on="article_id", how="left")


_MR = re.compile(r"Mr\.?\s+(\S+)")


def _bare_name(entity: str) -> str | None:
    """The bare name a PERSON entity is ("Blair", "Mr Blair" → "Blair"), None for a full name."""
    m = _MR.fullmatch(entity)
    return m.group(1) if m else (None if " " in entity else entity)


def merged_name(entity: str, aliases: dict[str, str]) -> str:
    """A PERSON entity under its corpus-wide full name (:func:`corpus_aliases`), else as it is."""
    bare = _bare_name(entity)
    return aliases.get(bare, entity) if bare else entity


def corpus_aliases(entities: pd.DataFrame, *, min_share: float = 0.8, min_articles: int = 2) -> dict[str, str]:
    """Bare surnames or first names → the one full name they stand for across the corpus.

    Within an article "Radcliffe" joins "Paula Radcliffe" when the article spells the name out
    (:func:`analysis.articles.entities.resolve_aliases`); an article that only says "Radcliffe" keeps it
    bare. Across the corpus, such a bare PERSON name is mapped to the full name it was
    resolved to in at least ``min_share`` of the articles (and ``min_articles`` articles) that
    resolved it; a name that stands for several people ("Brown") stays as it is. "Mr Blair"
    counts as the bare "Blair" (:func:`merged_name`); "Mrs"/"Ms" names are left alone, since
    they may name a spouse.

    Args:
        entities: the ``entities`` table of a corpus run.

    Returns:
        ``{bare name: full name}``.
    """
    people = entities[entities["entity_label"] == "PERSON"]
    if people.empty:
        return {}
    keys = people["text"].map(name_key)
    single = ~keys.str.contains(" ", regex=False)
    bare_of = people["entity"].map(_bare_name)
    full = bare_of.isna()
    resolved = pd.DataFrame({"article_id": people["article_id"], "key": keys, "entity": people["entity"]})[single & full]
    counts = resolved.drop_duplicates().groupby(["key", "entity"], sort=True).size()
    bare = set(bare_of.dropna())
    mapping = {}
    for key, grp in counts.groupby(level=0, sort=True):
        if key not in bare:
            continue
        best, n = grp.idxmax()[1], int(grp.max())
        if n >= min_articles and n / grp.sum() >= min_share:
            mapping[key] = best
    return mapping


def _ranked(rows: pd.DataFrame, keys: list[str], *, label: str, count: str, n: int, **extra) -> pd.DataFrame:
    """Rows grouped by ``keys`` (``[name]`` or ``["topic", name]``): the most frequent ``label``,
    ``count`` rows, ``articles``, any ``extra`` aggregations; the first ``n`` (per topic) by
    count, then articles, then name."""
    agg = (rows.groupby(keys, sort=True)
           .agg(**{label: (label, lambda s: s.value_counts().sort_index().idxmax()),
                   count: ("start", "size"), "articles": ("article_id", "nunique")}, **extra)
           .reset_index())
    agg = agg.sort_values([*keys[:-1], count, "articles", keys[-1]],
                          ascending=[*[True] * (len(keys) - 1), False, False, True], kind="stable")
    return (agg.groupby("topic", sort=True).head(n) if len(keys) > 1 else agg.head(n)).reset_index(drop=True)


def top_entities(tables: dict[str, pd.DataFrame], *, n: int = 15, by_topic: bool = False,
                 merge_aliases: bool = True) -> pd.DataFrame:
    """Most mentioned entities: ``entity``, ``entity_label``, ``mentions``, ``articles`` (and ``topic``).

    Args:
        n: how many (with ``by_topic``: how many per topic folder).
        by_topic: rank within each topic folder.
        merge_aliases: count bare surnames with the full name they stand for across the
            corpus (:func:`corpus_aliases`).
    """
    ents = with_topic(tables["entities"], tables["articles"])
    keys = ["topic", "entity"] if by_topic else ["entity"]
    if ents.empty:
        return pd.DataFrame(columns=[*keys, "entity_label", "mentions", "articles"])
    if merge_aliases:
        mapping = corpus_aliases(ents)
        people = ents["entity_label"] == "PERSON"
        ents.loc[people, "entity"] = ents.loc[people, "entity"].map(lambda e: merged_name(e, mapping))
    return _ranked(ents, keys, label="entity_label", count="mentions", n=n)


def top_speakers(tables: dict[str, pd.DataFrame], *, n: int = 15, by_topic: bool = False) -> pd.DataFrame:
    """Most quoted named speakers (:mod:`analysis.articles.quotes`).

    Unattributed quotations and unnamed ``description`` speakers ("a spokesman", "the
    company": a different person in every article) are left out. Bare surnames are merged
    with the full name as in :func:`top_entities` (:func:`corpus_aliases`).

    Returns:
        Columns (``topic``,) ``speaker``, ``speaker_type`` (PERSON, ORG, ..., ``document``,
        ``description``), ``quotes``, ``articles`` (articles quoting them), ``words`` (quoted
        words in all); most quotes first.
    """
    keys = ["topic", "speaker"] if by_topic else ["speaker"]
    columns = [*keys, "speaker_type", "quotes", "articles", "words"]
    q = with_topic(tables["quotes"], tables["articles"])
    q = q[(q["speaker"] != "") & (q["speaker_type"] != "description")]
    if q.empty:
        return pd.DataFrame(columns=columns)
    mapping = corpus_aliases(tables["entities"])
    people = q["speaker_type"] == "PERSON"
    q.loc[people, "speaker"] = q.loc[people, "speaker"].map(lambda e: merged_name(e, mapping))
    return _ranked(q, keys, label="speaker_type", count="quotes", n=n, words=("words", "sum"))


def quote_summary(tables: dict[str, pd.DataFrame]) -> str:
    """One sentence: how many quotations, in how many articles, how many with a speaker."""
    q, n_arts = tables["quotes"], len(tables["articles"])
    if q.empty:
        return f"No direct quotations of four words or more in the {n_arts} articles."
    named = int((q["speaker"] != "").sum())
    unnamed = int((q["speaker_type"] == "description").sum())
    return (f"{len(q)} direct quotations in {q['article_id'].nunique()} of {n_arts} articles; "
            f"{named} ({named / len(q):.0%}) attributed to a speaker, {unnamed} of them to an unnamed one "
            "such as \"a spokesman\".")


def sentiment_by_topic(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per topic: articles, sentences, mean/median sentence polarity and VADER, share of negative sentences."""
    s = with_topic(tables["sentences"], tables["articles"])
    if s.empty:
        return pd.DataFrame(columns=["topic", "articles", "sentences", "mean_polarity", "median_polarity",
                                     "mean_vader", "negative_share"])
    g = s.groupby("topic", sort=True)
    return pd.DataFrame({
        "articles": g["article_id"].nunique(),
        "sentences": g.size(),
        "mean_polarity": g["polarity"].mean().round(3),
        "median_polarity": g["polarity"].median().round(3),
        "mean_vader": g["vader_compound"].mean().round(3),
        "negative_share": g["vader_compound"].apply(lambda v: float((v <= -0.05).mean())).round(3),
    }).reset_index()


def densest_periods(tables: dict[str, pd.DataFrame], *, freq: str = "Y", n: int = 10) -> pd.DataFrame:
    """Calendar periods most referred to: ``period``, ``mentions``, ``articles``, ``example`` expression.

    Args:
        freq: pandas period frequency (``"Y"`` years, ``"M"`` months, ``"D"`` days).
        n: how many periods (densest first).
    """
    tx = tables["timexes"]
    tx = tx[tx["date"].notna() & tx["type"].isin(["DATE", "TIME"])]
    if tx.empty:
        return pd.DataFrame(columns=["period", "mentions", "articles", "example"])
    tx = tx.assign(period=tx["date"].dt.to_period(freq).astype(str))
    agg = (tx.groupby("period", sort=True)
           .agg(mentions=("start", "size"), articles=("article_id", "nunique"),
                example=("expression", lambda s: s.value_counts().sort_index().idxmax()))
           .reset_index())
    return agg.sort_values(["mentions", "period"], ascending=[False, True], kind="stable").head(n).reset_index(drop=True)
