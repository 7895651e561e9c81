"""Reading a corpus folder: the tables of :func:`analysis.corpus.runner.run_corpus` and the summaries
the corpus notebook shows (rankings of corpus-wide entities (analysis.corpus.identity), sentiment by topic, densest periods).

Plots and their alt texts: :mod:`analysis.corpus.plots`.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

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
    tables = {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLE_NAMES}
    if (folder / "entity_index.parquet").exists():  # analysis.corpus.identity (older folders have none)
        tables["entity_index"] = pd.read_parquet(folder / "entity_index.parquet")
    return tables


#: Columns :func:`with_corpus_names` adds to an article's entity table.
CORPUS_NAME_COLUMNS = {
    "corpus_entity_id": "the corpus-wide entity id (analysis.corpus.identity); '' when the corpus does not know the name",
    "corpus_name": "the corpus canonical name ('Tony Blair' for an article's 'Blair'); '' when unknown",
    "corpus_type": "the corpus-wide voted type (PERSON, ORG, GPE, ...); '' when unknown",
    "corpus_mentions": "mentions of that entity in the whole corpus (0 when unknown)",
    "corpus_articles": "articles of the corpus naming it (0 when unknown)",
}


def with_corpus_names(entities: pd.DataFrame, corpus_dir: str | Path, *, article_path: str | Path | None = None) -> pd.DataFrame:
    """An article's entity table (``entity`` column: per-article canonical names) with the corpus
    identity of each entity (:data:`CORPUS_NAME_COLUMNS`).

    When the article is one of the corpus's (same resolved path, or a path ending in its
    ``article_id``), its own rows of the corpus ``entities`` table give the ids; otherwise an entity
    takes the id most corpus articles give the same per-article name.

    Raises:
        ParameterError: the folder has no identity tables (run the corpus first).
    """
    folder = Path(corpus_dir)
    if not (folder / "entity_index.parquet").exists() or not (folder / "entities.parquet").exists():
        raise ParameterError(f"{folder}: no entity_index.parquet/entities.parquet; run `python -m analysis corpus INPUT... --out {folder}` first")
    ents = pd.read_parquet(folder / "entities.parquet", columns=["article_id", "entity", "entity_id"])
    index = pd.read_parquet(folder / "entity_index.parquet", columns=["entity_id", "name", "type", "mentions", "articles"]).set_index("entity_id")
    mine = pd.DataFrame(columns=ents.columns)
    if article_path is not None:
        target = Path(article_path).resolve()
        arts = pd.read_parquet(folder / "articles.parquet", columns=["article_id", "path"])
        hit = arts[[Path(p).resolve() == target or target.as_posix().endswith("/" + a) for a, p in zip(arts["article_id"], arts["path"])]]
        if len(hit):
            mine = ents[ents["article_id"] == hit["article_id"].iloc[0]]
    by_name = dict(zip(mine["entity"], mine["entity_id"]))
    usual = ents.groupby("entity", sort=True)["entity_id"].agg(lambda s: s.value_counts().sort_index().idxmax()).to_dict()
    ids = [by_name.get(e, usual.get(e, "")) for e in entities["entity"]]
    known = [i if i in index.index else "" for i in ids]
    return entities.assign(
        corpus_entity_id=known,
        corpus_name=[index.at[i, "name"] if i else "" for i in known],
        corpus_type=[index.at[i, "type"] if i else "" for i in known],
        corpus_mentions=[int(index.at[i, "mentions"]) if i else 0 for i in known],
        corpus_articles=[int(index.at[i, "articles"]) if i else 0 for i in known],
    )


def with_topic(df: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the ``topic`` of each row's article."""
    return df.merge(articles[["article_id", "topic"]], on="article_id", how="left")


def _identified(rows: pd.DataFrame, tables: dict[str, pd.DataFrame], name: str, label: str) -> pd.DataFrame:
    """Rows with an ``entity_id`` (:mod:`analysis.corpus.identity`) under the corpus canonical name and type."""
    index = tables.get("entity_index")
    if index is None or "entity_id" not in rows:
        return rows  # a folder written before the identity pass: per-article names
    idx = index.set_index("entity_id")
    rows = rows[rows["entity_id"].notna()]
    return rows.assign(**{name: rows["entity_id"].map(idx["name"]), label: rows["entity_id"].map(idx["type"])})


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


def top_entities(tables: dict[str, pd.DataFrame], *, n: int = 15, by_topic: bool = False) -> pd.DataFrame:
    """Most mentioned entities: ``entity``, ``entity_label``, ``mentions``, ``articles`` (and ``topic``).

    Entities are the corpus-wide ones of :mod:`analysis.corpus.identity` ("US", "United States" and
    "America" are one row, under its canonical name and voted type) when the folder has them.

    Args:
        n: how many (with ``by_topic``: how many per topic folder).
        by_topic: rank within each topic folder.
    """
    ents = _identified(with_topic(tables["entities"], tables["articles"]), tables, "entity", "entity_label")
    keys = ["topic", "entity"] if by_topic else ["entity"]
    if ents.empty:
        return pd.DataFrame(columns=[*keys, "entity_label", "mentions", "articles"])
    if "entity_id" in ents and "entity_index" in tables:  # one row per id, even if two ids share a name
        keys = [*keys[:-1], "entity_id"]
        top = _ranked(ents, keys, label="entity_label", count="mentions", n=n, entity=("entity", "first"))
        return top[[*keys[:-1], "entity", "entity_label", "mentions", "articles", "entity_id"]]
    return _ranked(ents, keys, label="entity_label", count="mentions", n=n)


def corpus_cooccurrence(tables: dict[str, pd.DataFrame], *, top: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Co-occurrence of the ``top`` most mentioned corpus entities, ready for
    :func:`analysis.articles.network.plot_cooccurrence_network`.

    Returns:
        ``(pairs, frequency)``: ``source``, ``target`` (canonical names), ``sentences`` (sentences
        naming both); ``entity``, ``family``, ``mentions`` of the top entities.
    """
    from ..articles.entities import TYPE_FAMILY

    ranked = top_entities(tables, n=top)
    freq = pd.DataFrame({"entity": ranked["entity"], "family": ranked["entity_label"].map(lambda t: TYPE_FAMILY.get(t, "MISC")),
                         "mentions": ranked["mentions"]})
    key = "entity_id" if "entity_id" in ranked else "entity"
    ents = _identified(tables["entities"], tables, "entity", "entity_label")
    ents = ents[ents[key].isin(set(ranked[key]))].drop_duplicates(["article_id", "sent_index", key])
    name = dict(zip(ranked[key], ranked["entity"]))
    pairs: Counter = Counter()
    for _, grp in ents.groupby(["article_id", "sent_index"], sort=False):
        ids = sorted({name[k] for k in grp[key]})
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
    cooc = pd.DataFrame([(a, b, c) for (a, b), c in pairs.items()], columns=["source", "target", "sentences"])
    cooc = cooc.sort_values(["sentences", "source", "target"], ascending=[False, True, True]).reset_index(drop=True)
    return cooc, freq


def top_speakers(tables: dict[str, pd.DataFrame], *, n: int = 15, by_topic: bool = False) -> pd.DataFrame:
    """Most quoted named speakers (:mod:`analysis.articles.quotes`).

    Unattributed quotations and unnamed ``description`` speakers ("a spokesman", "the
    company": a different person in every article) are left out. A named speaker counts under
    its corpus entity (:mod:`analysis.corpus.identity`: "Blair" and "Tony Blair" are one speaker).

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
    ents = tables["entities"]
    if "entity_id" in ents and "entity_index" in tables:  # named speakers under their corpus entity
        ids = ents.drop_duplicates(["article_id", "entity"]).rename(columns={"entity": "speaker"})[["article_id", "speaker", "entity_id"]]
        q = q.merge(ids, on=["article_id", "speaker"], how="left")
        idx = tables["entity_index"].set_index("entity_id")
        named = q["entity_id"].notna()
        q.loc[named, "speaker"] = q.loc[named, "entity_id"].map(idx["name"])
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
