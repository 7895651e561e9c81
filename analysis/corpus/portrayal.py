"""Portrayal across outlets and over time: who is covered, how, by whom, when.

Input: the tables of a corpus run (:func:`analysis.corpus.load_corpus`), chiefly
``mention_sentiment`` (targeted sentiment of every entity x sentence, with ``is_quote`` and the
quote's ``speaker``) and ``articles`` (outlet, topic, bias, published).

The entity is whatever column ``key`` names: by default the per-article canonical ``entity``
(bare surnames merged with the full name they stand for across the corpus, see
:func:`analysis.corpus.corpus_aliases`); a corpus-wide id column such as ``entity_id`` works
the same once the ``entities`` table carries it — it is looked up through ``(article_id,
start, end)``.

:func:`portrayal` builds the ``portrayal`` table (:data:`COLUMNS`): entity x outlet x period
(x topic when ``by_topic``) → attention and targeted sentiment with a bootstrap interval. The
other functions feed ``notebooks/portrayal.ipynb``.
"""
from __future__ import annotations

import html
from pathlib import Path
import itertools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import ParameterError

#: Columns of the ``portrayal`` table, declared once.
COLUMNS = {
    "entity": "the entity (values of the key column, e.g. the canonical name or a corpus-wide id)",
    "outlet": "the outlet (``articles.outlet``)",
    "period": "calendar period of publication (``2016``, ``2016Q3``, ``2016-07``, ``2016-07-04/2016-07-10``), "
              "``all`` when not split, ``undated`` for articles without a date",
    "topic": "topic (only when split by topic; else ``all``)",
    "mentions": "sentences mentioning the entity (entity x sentence rows)",
    "articles": "articles mentioning the entity",
    "outlet_articles": "articles of the outlet in that period (and topic): the denominator",
    "article_share": "articles / outlet_articles: how much of the outlet's coverage mentions the entity",
    "mean_score": "mean targeted score (p_positive - p_negative, in [-1, 1]) over the mentions",
    "ci_low": "lower end of the bootstrap interval of mean_score (percentile, fixed seed)",
    "ci_high": "upper end of that interval",
    "share_negative": "share of mentions labelled negative",
    "share_neutral": "share labelled neutral",
    "share_positive": "share labelled positive",
    "share_quoted": "share of mentions inside a direct quotation",
    "small": "fewer than ``min_n`` mentions: the cell is shown but its numbers are unstable",
}

#: Period names → pandas period frequency (None: one period, ``all``).
PERIODS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y", "all": None}

#: Columns of :func:`mention_frame`.
MENTION_COLUMNS = ("article_id", "sent_index", "entity", "entity_label", "label", "score", "is_quote", "speaker",
                   "outlet", "topic", "bias", "published", "period")


def _check_period(period: str) -> str | None:
    if period not in PERIODS:
        raise ParameterError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    return PERIODS[period]


def _periods(published: pd.Series, period: str) -> pd.Series:
    freq = _check_period(period)
    if freq is None:
        return pd.Series("all", index=published.index, dtype=object)
    dates = pd.to_datetime(published)
    out = dates.dt.to_period(freq).astype(str).astype(object)
    out[dates.isna()] = "undated"
    return out


def _article_meta(arts: pd.DataFrame, inferred_dates: bool) -> pd.DataFrame:
    """``article_id, outlet, topic, published, bias`` of the articles; without ``inferred_dates``
    a date guessed from the article's text (``published_source`` "inferred") is left out, so the
    article counts as undated."""
    meta = arts[["article_id", "outlet", "topic", "published"]].assign(
        bias=arts["bias"] if "bias" in arts.columns else None)
    if not inferred_dates and "published_source" in arts.columns:
        meta["published"] = meta["published"].mask(arts["published_source"].eq("inferred"))
    return meta


def mention_frame(tables: dict[str, pd.DataFrame], *, key: str = "entity", period: str = "year",
                  merge_aliases: bool = True, inferred_dates: bool = False) -> pd.DataFrame:
    """Every scored mention with its article's outlet, topic, bias, date and period.

    Args:
        tables: the tables of a corpus run (needs ``mention_sentiment``, ``articles``; and
            ``entities`` when ``key`` is not a column of ``mention_sentiment``).
        key: the entity column; looked up in ``entities`` through (article_id, start, end) when
            ``mention_sentiment`` does not have it.
        period: ``week``, ``month``, ``quarter``, ``year`` or ``all``.
        merge_aliases: with ``key="entity"``, count a bare surname with the one full name it
            stands for across the corpus: its canonical name from :mod:`analysis.corpus.identity`.
        inferred_dates: date an article that came without a publication date by the date
            guessed from its text (:func:`analysis.io.dates.infer_dct`, ``published_source``
            "inferred"); off (default), it is undated here. The guess is the latest date the text
            gives in full, which for a story recounting the past is not its publication date
            (an Armistice centenary piece in AllSides is dated 1918 that way).

    Returns:
        :data:`MENTION_COLUMNS`; ``entity`` holds the values of ``key``.
    """
    ms = tables["mention_sentiment"]
    if key not in ms.columns:
        ents = tables["entities"]
        if key not in ents.columns:
            raise ParameterError(f"entity key {key!r} is neither a mention_sentiment nor an entities column")
        ms = ms.merge(ents[["article_id", "start", "end", key]].drop_duplicates(["article_id", "start", "end"]),
                      on=["article_id", "start", "end"], how="left")
    frame = ms.assign(entity=ms[key].astype(object)) if key != "entity" else ms.copy()
    ents = tables.get("entities")
    if (key == "entity" and merge_aliases and len(frame) and "entity_index" in tables and ents is not None
            and "entity_id" in ents.columns):  # one name per corpus entity (analysis.corpus.identity)
        ids = ents[["article_id", "start", "end", "entity_id"]].drop_duplicates(["article_id", "start", "end"])
        frame = frame.drop(columns=["entity_id"], errors="ignore").merge(ids, on=["article_id", "start", "end"], how="left")
        names = tables["entity_index"].set_index("entity_id")["name"]
        known = frame["entity_id"].notna()
        frame.loc[known, "entity"] = frame.loc[known, "entity_id"].map(names)
        frame = frame.drop(columns=["entity_id"])
    meta = _article_meta(tables["articles"], inferred_dates)
    frame = frame.merge(meta, on="article_id", how="left")
    frame["outlet"] = frame["outlet"].fillna("(unknown outlet)")
    frame["period"] = _periods(frame["published"], period)
    return frame[list(MENTION_COLUMNS)].reset_index(drop=True)


def article_frame(tables: dict[str, pd.DataFrame], *, period: str = "year", inferred_dates: bool = False) -> pd.DataFrame:
    """``article_id, outlet, topic, bias, published, period`` of every article (the denominators);
    ``inferred_dates`` as in :func:`mention_frame`."""
    out = _article_meta(tables["articles"], inferred_dates)
    out["outlet"] = out["outlet"].fillna("(unknown outlet)")
    out["period"] = _periods(out["published"], period)
    return out.reset_index(drop=True)


def select(frame: pd.DataFrame, *, outlets: Sequence[str] = (), topics: Sequence[str] = (),
           start: str = "", end: str = "", entities: Sequence[str] = ()) -> pd.DataFrame:
    """Rows of a mention or article frame within the filters (empty filter: everything).

    ``start``/``end`` (ISO dates, inclusive) drop undated articles when given.
    """
    keep = pd.Series(True, index=frame.index)
    if outlets:
        keep &= frame["outlet"].isin(list(outlets))
    if topics:
        keep &= frame["topic"].isin(list(topics))
    if entities and "entity" in frame.columns:
        keep &= frame["entity"].isin(list(entities))
    dates = pd.to_datetime(frame["published"])
    if start:
        keep &= dates >= pd.Timestamp(start)
    if end:
        keep &= dates <= pd.Timestamp(end)
    return frame[keep]


def bootstrap_ci(scores: np.ndarray, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``scores``.

    Every call with the same ``seed`` draws the same resamples for the same n, so a cell's
    interval does not depend on which other cells are computed.
    """
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    if n == 0:
        return (np.nan, np.nan)
    if n == 1 or np.all(scores == scores[0]):
        return (float(scores[0]), float(scores[0]))
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    chunk = max(1, 2_000_000 // n)  # bound memory: at most ~2M indices at once
    for i in range(0, n_boot, chunk):
        k = min(chunk, n_boot - i)
        means[i:i + k] = scores[rng.integers(0, n, size=(k, n))].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return (float(lo), float(hi))


def portrayal(tables: dict[str, pd.DataFrame], *, key: str = "entity", period: str = "year",
              by_topic: bool = False, entities: Sequence[str] = (), outlets: Sequence[str] = (),
              topics: Sequence[str] = (), start: str = "", end: str = "", min_n: int = 20,
              n_boot: int = 1000, level: float = 0.95, seed: int = 0, merge_aliases: bool = True,
              inferred_dates: bool = False) -> pd.DataFrame:
    """The ``portrayal`` table: entity x outlet x period (x topic) → attention and targeted sentiment.

    Args:
        tables: tables of a corpus run (:func:`analysis.corpus.load_corpus`).
        key: entity column (``entity`` or a corpus-wide id such as ``entity_id``).
        period: ``week``, ``month``, ``quarter``, ``year`` or ``all`` (one period).
        by_topic: also split by topic, so outlets are compared within a topic.
        entities, outlets, topics: keep only these (empty: all). The denominators
            (``outlet_articles``) count the articles within the outlet, topic and date filters.
        start, end: ISO dates (inclusive); undated articles are dropped when either is given.
        min_n: cells with fewer mentions are flagged ``small`` (kept, not hidden).
        n_boot, level, seed: bootstrap of the mean score (:func:`bootstrap_ci`).
        merge_aliases, inferred_dates: see :func:`mention_frame`.

    Returns:
        :data:`COLUMNS`, one row per non-empty cell, sorted by entity, outlet, period, topic.
    """
    if min_n < 1:
        raise ParameterError(f"min_n must be at least 1, got {min_n}")
    frame = select(mention_frame(tables, key=key, period=period, merge_aliases=merge_aliases, inferred_dates=inferred_dates),
                   outlets=outlets, topics=topics, start=start, end=end, entities=entities)
    arts = select(article_frame(tables, period=period, inferred_dates=inferred_dates), outlets=outlets, topics=topics,
                  start=start, end=end)
    return portrayal_from_frames(frame, arts, by_topic=by_topic, min_n=min_n, n_boot=n_boot, level=level, seed=seed)


def portrayal_from_frames(frame: pd.DataFrame, arts: pd.DataFrame, *, by_topic: bool = False, min_n: int = 20,
                          n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """:func:`portrayal` from a :func:`mention_frame` and an :func:`article_frame` already filtered."""
    cell = ["entity", "outlet", "period", "topic"]
    frame = frame.assign(topic=frame["topic"].fillna("(no topic)") if by_topic else "all")
    arts = arts.assign(topic=arts["topic"].fillna("(no topic)") if by_topic else "all")
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c not in ("entity", "outlet", "period", "topic", "small")
                                          else object) for c in COLUMNS})
    denom = arts.groupby(["outlet", "period", "topic"], sort=True)["article_id"].nunique().rename("outlet_articles")
    rows = []
    for keys, grp in frame.groupby(cell, sort=True):
        scores = grp["score"].to_numpy(dtype=float)
        lo, hi = bootstrap_ci(scores, n_boot=n_boot, level=level, seed=seed)
        labels = grp["label"]
        rows.append((*keys, len(grp), grp["article_id"].nunique(), float(scores.mean()), lo, hi,
                     float((labels == "negative").mean()), float((labels == "neutral").mean()),
                     float((labels == "positive").mean()), float(grp["is_quote"].mean())))
    out = pd.DataFrame(rows, columns=[*cell, "mentions", "articles", "mean_score", "ci_low", "ci_high",
                                      "share_negative", "share_neutral", "share_positive", "share_quoted"])
    out = out.join(denom, on=["outlet", "period", "topic"])
    out["outlet_articles"] = out["outlet_articles"].fillna(0).astype(int)
    out["article_share"] = out["articles"] / out["outlet_articles"].where(out["outlet_articles"] > 0)
    out["small"] = out["mentions"] < min_n
    return out[list(COLUMNS)].reset_index(drop=True)


def compare_outlets(table: pd.DataFrame, entity: str, *, period: str | None = None,
                    topic: str | None = None) -> pd.DataFrame:
    """The outlets' cells for one entity with period and topic held fixed (rows of :func:`portrayal`).

    Args:
        period, topic: the fixed period / topic (None: every one, in separate rows).
    """
    rows = table[table["entity"] == entity]
    if period is not None:
        rows = rows[rows["period"] == period]
    if topic is not None:
        rows = rows[rows["topic"] == topic]
    return rows.sort_values(["period", "topic", "mean_score"], kind="stable").reset_index(drop=True)


def top_entities(frame: pd.DataFrame, *, n: int = 10, labels: Iterable[str] = ("PERSON", "ORG"),
                 min_outlets: int = 1) -> list[str]:
    """The ``n`` entities mentioned in the most articles (then mentions, then name).

    Args:
        frame: a :func:`mention_frame`.
        labels: entity labels to rank (empty: all).
        min_outlets: keep entities covered by at least this many outlets.
    """
    rows = frame[frame["entity_label"].isin(list(labels))] if labels else frame
    if rows.empty:
        return []
    g = rows.groupby("entity").agg(articles=("article_id", "nunique"), mentions=("article_id", "size"),
                                   outlets=("outlet", "nunique")).reset_index()
    g = g[g["outlets"] >= min_outlets]
    g = g.sort_values(["articles", "mentions", "entity"], ascending=[False, False, True], kind="stable")
    return g["entity"].head(n).tolist()


def attention(frame: pd.DataFrame, arts: pd.DataFrame, *, entities: Sequence[str]) -> pd.DataFrame:
    """Share of each outlet's articles per period that mention any of ``entities``.

    Returns:
        ``outlet, period, articles`` (mentioning), ``outlet_articles``, ``article_share``; dated periods only.
    """
    hit = frame[frame["entity"].isin(list(entities))].groupby(["outlet", "period"])["article_id"].nunique()
    denom = arts.groupby(["outlet", "period"])["article_id"].nunique()
    out = pd.DataFrame({"articles": hit, "outlet_articles": denom}).fillna(0).astype(int).reset_index()
    out = out[out["period"] != "undated"]
    out["article_share"] = out["articles"] / out["outlet_articles"].where(out["outlet_articles"] > 0)
    return out.sort_values(["outlet", "period"], kind="stable").reset_index(drop=True)


def quoted_about(frame: pd.DataFrame, *, entities: Sequence[str] = (), n: int = 5) -> pd.DataFrame:
    """Who each outlet quotes about whom: named speakers of quotations that mention an entity.

    Returns:
        ``outlet, entity, speaker, quotes`` (mentions in that speaker's quotations),
        ``mean_score`` (targeted score of those mentions); the top ``n`` speakers per outlet
        and entity, most quotes first. A speaker naming themself is left out.
    """
    q = frame[frame["is_quote"] & (frame["speaker"] != "") & (frame["speaker"] != frame["entity"])]
    if entities:
        q = q[q["entity"].isin(list(entities))]
    cols = ["outlet", "entity", "speaker", "quotes", "mean_score"]
    if q.empty:
        return pd.DataFrame(columns=cols)
    g = q.groupby(["outlet", "entity", "speaker"]).agg(quotes=("score", "size"), mean_score=("score", "mean")).reset_index()
    g = g.sort_values(["outlet", "entity", "quotes", "speaker"], ascending=[True, True, False, True], kind="stable")
    return g.groupby(["outlet", "entity"], sort=False).head(n).reset_index(drop=True)[cols]


def examples(frame: pd.DataFrame, sentences: pd.DataFrame, *, entities: Sequence[str], outlets: Sequence[str] = (),
             n: int = 2) -> pd.DataFrame:
    """The most negative and most positive sentences per entity x outlet (the sentences behind a cell).

    Returns:
        ``entity, outlet, side`` (``most negative`` / ``most positive``), ``score``, ``label``,
        ``published``, ``article_id``, ``sentence``.
    """
    rows = frame[frame["entity"].isin(list(entities))]
    if outlets:
        rows = rows[rows["outlet"].isin(list(outlets))]
    cols = ["entity", "outlet", "side", "score", "label", "published", "article_id", "sentence"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows = rows.merge(sentences[["article_id", "sent_index", "text"]], on=["article_id", "sent_index"], how="left")
    rows = rows.rename(columns={"text": "sentence"}).sort_values(["score", "article_id", "sent_index"], kind="stable")
    g = rows.groupby(["entity", "outlet"], sort=True)
    neg = g.head(n).assign(side="most negative")
    pos = rows.iloc[::-1].groupby(["entity", "outlet"], sort=True).head(n).assign(side="most positive")
    out = pd.concat([neg, pos[~pos.index.isin(neg.index)]])
    out["published"] = pd.to_datetime(out["published"]).dt.strftime("%Y-%m-%d").fillna("")
    return out.sort_values(["entity", "outlet", "side", "score"], kind="stable").reset_index(drop=True)[cols]


# --------------------------------------------------------------------------- figures


def plot_attention(att: pd.DataFrame, *, title: str = "Attention over time"):
    """Lines: share of each outlet's articles per period that mention the entities. Returns the Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    periods = sorted(att["period"].unique())
    pos = {p: i for i, p in enumerate(periods)}
    for outlet, grp in att.groupby("outlet", sort=True):
        ax.plot([pos[p] for p in grp["period"]], grp["article_share"], marker="o", ms=3, lw=1.2, label=outlet)
    ax.set_xticks(range(len(periods)), periods, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("share of the outlet's articles")
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def plot_dots(table: pd.DataFrame, *, title: str = "Targeted sentiment by outlet (mean, 95 % interval)"):
    """Dots with intervals: one panel row per entity, one dot per outlet; hollow dots are small cells."""
    from matplotlib.figure import Figure

    ents = list(dict.fromkeys(table["entity"]))
    outlets = sorted(table["outlet"].unique())
    fig = Figure(figsize=(9, 0.9 + 0.28 * len(outlets) * max(1, len(ents)) ** 0.5 + 0.4 * len(ents)))
    ax = fig.subplots()
    y, ticks, labels = 0, [], []
    colors = dict(zip(outlets, itertools.cycle([f"C{i}" for i in range(10)])))
    for ent in ents:
        rows = table[table["entity"] == ent].sort_values("outlet")
        for _, r in rows.iterrows():
            ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=colors[r["outlet"]], lw=1.5)
            ax.plot([r["mean_score"]], [y], "o", color=colors[r["outlet"]],
                    mfc="white" if r["small"] else colors[r["outlet"]], ms=5)
            ticks.append(y)
            labels.append(f"{ent} · {r['outlet']} (n={r['mentions']})")
            y -= 1
        y -= 0.8
    ax.axvline(0, color="#999", lw=0.8)
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlabel("mean targeted score (negative −1 … +1 positive)")
    ax.set_title(title)
    fig.set_figheight(max(3.0, 0.22 * len(ticks) + 1.2))
    fig.tight_layout()
    return fig


def plot_lines(table: pd.DataFrame, *, entity: str, title: str | None = None):
    """Lines with bands: one entity's mean score per period for each outlet (dated periods)."""
    from matplotlib.figure import Figure

    rows = table[(table["entity"] == entity) & (table["period"] != "undated")]
    periods = sorted(rows["period"].unique())
    pos = {p: i for i, p in enumerate(periods)}
    fig = Figure(figsize=(9, 3.8))
    ax = fig.subplots()
    for i, (outlet, grp) in enumerate(rows.groupby("outlet", sort=True)):
        x = [pos[p] for p in grp["period"]]
        color = f"C{i % 10}"
        ax.plot(x, grp["mean_score"], marker="o", ms=3, lw=1.2, color=color, label=outlet)
        ax.fill_between(x, grp["ci_low"], grp["ci_high"], color=color, alpha=0.12, lw=0)
    ax.axhline(0, color="#999", lw=0.8)
    ax.set_xticks(range(len(periods)), periods, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("mean targeted score")
    ax.set_title(title or f"{entity}: targeted sentiment over time (95 % bands)")
    if len(rows):
        ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def plot_heatmap(table: pd.DataFrame, *, value: str = "mean_score", title: str | None = None):
    """Outlet x entity heat map of ``value`` (one period, one topic); small cells are hatched."""
    from matplotlib.figure import Figure

    grid = table.pivot_table(index="outlet", columns="entity", values=value, aggfunc="first")
    small = table.pivot_table(index="outlet", columns="entity", values="small", aggfunc="first")
    fig = Figure(figsize=(max(5, 0.7 * grid.shape[1] + 3), max(3, 0.35 * grid.shape[0] + 1.5)))
    ax = fig.subplots()
    lim = float(np.nanmax(np.abs(grid.to_numpy()))) if grid.size and np.isfinite(grid.to_numpy()).any() else 1.0
    im = ax.imshow(grid.to_numpy(dtype=float), cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if np.isfinite(v):
            flag = "*" if bool(small.iloc[i, j]) else ""
            ax.text(j, i, f"{v:+.2f}{flag}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    ax.set_title(title or f"{value} by outlet and entity (* = small cell)")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


def dots_alt(table: pd.DataFrame) -> str:
    if table.empty:
        return "Dot plot: no cells."
    r = table.sort_values("mean_score").iloc[[0, -1]]
    return (f"Dot plot of mean targeted score with 95 % intervals for {table['entity'].nunique()} entities across "
            f"{table['outlet'].nunique()} outlets; lowest {r.iloc[0]['entity']} in {r.iloc[0]['outlet']} "
            f"({r.iloc[0]['mean_score']:+.2f}), highest {r.iloc[1]['entity']} in {r.iloc[1]['outlet']} ({r.iloc[1]['mean_score']:+.2f}).")


# --------------------------------------------------------------------------- HTML tables

_SORT_JS = """<script>(function(){var t=document.getElementById("%s");if(!t)return;
t.querySelectorAll("th").forEach(function(th,i){th.style.cursor="pointer";th.title="sort";
th.addEventListener("click",function(){var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows),
d=th.dataset.dir==="a"?-1:1;th.dataset.dir=d===1?"a":"d";r.sort(function(x,y){var p=x.cells[i].textContent,
q=y.cells[i].textContent,m=parseFloat(p),n=parseFloat(q);return (isNaN(m)||isNaN(n)?p.localeCompare(q):m-n)*d;});
r.forEach(function(e){b.appendChild(e);});});});})();</script>"""


def table_html(df: pd.DataFrame, *, table_id: str, summary: str, open_: bool = False, max_rows: int = 2000,
               digits: int = 3) -> str:
    """A sortable (click a header), collapsible (``<details>``) HTML table; every cell escaped.

    Works offline: a few lines of inline script, no library.
    """
    shown = df.head(max_rows).copy()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].round(digits)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
                   for row in shown.itertuples(index=False))
    safe_id = "".join(ch for ch in table_id if ch.isalnum() or ch in "-_") or "t"
    more = f"<p><em>{len(df) - max_rows} more rows not shown.</em></p>" if len(df) > max_rows else ""
    return (f'<details{" open" if open_ else ""}><summary>{html.escape(summary)} ({len(df)} rows; click a header to sort)'
            f'</summary><table id="{safe_id}" class="dataframe report-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{more}</details>" + _SORT_JS % safe_id)


# --------------------------------------------------------------------------- the notebook's view


class View(NamedTuple):
    """What ``notebooks/portrayal.ipynb`` shows: filtered frames, entities, the per-period and overall tables."""

    mentions: pd.DataFrame
    articles: pd.DataFrame
    entities: list[str]
    table: pd.DataFrame
    overall: pd.DataFrame


def _split(value: str | Sequence[str]) -> list[str]:
    """``"a|b"`` or ``["a", "b"]`` → ``["a", "b"]`` (blank parts dropped)."""
    parts = value.split("|") if isinstance(value, str) else list(value)
    return [p.strip() for p in parts if p and p.strip()]


def prepare(tables: dict[str, pd.DataFrame], *, key: str = "entity", period: str = "year",
            entities: str | Sequence[str] = "", top_n: int = 8, outlets: str | Sequence[str] = "",
            topics: str | Sequence[str] = "", start: str = "", end: str = "", min_n: int = 20,
            seed: int = 0, inferred_dates: bool = False) -> View:
    """Filter a corpus and build the notebook's tables.

    Args:
        entities, outlets, topics: ``"a|b"`` strings or lists; empty entities: the ``top_n``
            entities by articles within the filters (:func:`top_entities`).
        Others: as :func:`portrayal`.
    """
    _check_period(period)
    outlet_list, topic_list = _split(outlets), _split(topics)
    mentions = select(mention_frame(tables, key=key, period=period, inferred_dates=inferred_dates),
                      outlets=outlet_list, topics=topic_list,
                      start=start, end=end)
    arts = select(article_frame(tables, period=period, inferred_dates=inferred_dates), outlets=outlet_list,
                  topics=topic_list, start=start, end=end)
    chosen = _split(entities) or top_entities(mentions, n=top_n)
    rows = mentions[mentions["entity"].isin(chosen)]
    table = portrayal_from_frames(rows, arts, min_n=min_n, seed=seed)
    overall = portrayal_from_frames(rows.assign(period="all"), arts.assign(period="all"), min_n=min_n, seed=seed)
    return View(mentions, arts, chosen, table, overall)


# --------------------------------------------------------------------------- rendering


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis.corpus.portrayal CORPUS_DIR [--out DIR] [--entities "A|B"] [--period year] ...``"""
    import argparse
    import sys

    from ..errors import AnalysisError, one_line
    from .cli import render_portrayal_report

    parser = argparse.ArgumentParser(prog="python -m analysis.corpus.portrayal", description=__doc__.splitlines()[0])
    parser.add_argument("corpus_dir")
    parser.add_argument("--out", help="output folder (default: the corpus folder)")
    parser.add_argument("--entities", default="", help='entities separated by "|" (default: the top ones)')
    parser.add_argument("--top-n", type=int, default=8)
    parser.add_argument("--outlets", default="")
    parser.add_argument("--topic", default="")
    parser.add_argument("--start", default="")
    parser.add_argument("--end", default="")
    parser.add_argument("--period", default="year", choices=list(PERIODS))
    parser.add_argument("--min-n", type=int, default=20)
    parser.add_argument("--key", default="entity")
    parser.add_argument("--inferred-dates", action="store_true",
                        help="date articles without a publication date by the date guessed from their text")
    args = parser.parse_args(argv)
    params = {"entities": args.entities, "top_n": args.top_n, "outlets": args.outlets, "topic": args.topic,
              "start": args.start, "end": args.end, "period": args.period, "min_n": args.min_n, "key": args.key,
              "inferred_dates": args.inferred_dates}
    try:
        html_path = render_portrayal_report(args.corpus_dir, args.out, **params)
    except AnalysisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - papermill cell errors: one line, the notebook is kept
        print(f"{args.corpus_dir}: portrayal report failed: {one_line(err)}", file=sys.stderr)
        return 1
    print(f"report: {html_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
