"""Timeline: temporal expressions on a calendar, each linked to the event it dates.

Extraction and TIMEX3 normalization live in :mod:`analysis.lang.timex`; this module anchors
them to the article's publication date, links each to its sentence, the event it dates
(the governing verb or noun phrase in the dependency parse) and the entities of that
sentence, and draws the calendar.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING

import pandas as pd
from spacy.tokens import Doc, Span, Token

from .entities import mention_records
from ..lang.nlp import parse
from ..lang.timex import dct_part, extract_timexes
from .columns import TIMEXES
from ..types import Article

if TYPE_CHECKING:  # matplotlib is imported by the plot functions only: corpus workers never plot
    from matplotlib.figure import Figure

TIMELINE_COLUMNS = TIMEXES.names

_SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 14)}


@functools.lru_cache(maxsize=4096)
def value_period(value: str) -> tuple[str, pd.Timestamp | None, pd.Timestamp | None]:
    """Granularity and calendar period ``[start, end)`` of a TIMEX3 value.

    Examples: ``2020-12-14`` → day; ``2020-12-14TNI`` → time; ``2020-11`` → month;
    ``2016`` → year; ``201X`` → decade; ``2020-W50`` → week; ``P3D`` → duration (no period).
    """
    v = value.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(T.*)?", v):
        day = pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
        return ("time" if m[4] else "day"), day, day + pd.Timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", v):
        start = pd.Timestamp(int(m[1]), int(m[2]), 1)
        return "month", start, start + pd.offsets.MonthBegin(1)
    if m := re.fullmatch(r"(\d{4})-W(\d{2})(-WE)?", v):
        start = pd.Timestamp(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
        return "week", start, start + pd.Timedelta(days=7)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", v):
        start = pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1)
        return "quarter", start, start + pd.offsets.MonthBegin(3)
    if m := re.fullmatch(r"(\d{4})-(SP|SU|FA|WI)", v):
        first, last = _SEASON_MONTHS[m[2]]
        start = pd.Timestamp(int(m[1]), first, 1)
        return "season", start, start + pd.offsets.MonthBegin(last - first + 1)
    if m := re.fullmatch(r"(\d{4})(-H[12])?", v):
        start = pd.Timestamp(int(m[1]), 1, 1)
        return "year", start, pd.Timestamp(int(m[1]) + 1, 1, 1)
    if m := re.fullmatch(r"(\d{3})X", v):
        start = pd.Timestamp(int(m[1]) * 10, 1, 1)
        return "decade", start, pd.Timestamp(int(m[1]) * 10 + 10, 1, 1)
    if m := re.fullmatch(r"(\d{2})XX", v):
        start = pd.Timestamp(int(m[1]) * 100, 1, 1)
        return "century", start, pd.Timestamp(int(m[1]) * 100 + 100, 1, 1)
    if v.endswith("_REF"):
        return "reference", None, None
    if v.startswith("P"):
        return "duration", None, None
    return "unknown", None, None


_MODIFIER_DEPS = {"nummod", "compound", "amod", "poss", "nmod", "npadvmod"}


def _governor(span: Span) -> Token:
    """The verb or noun the expression attaches to (climbing prepositions and date words)."""
    tok = span.root
    if tok.dep_ in _MODIFIER_DEPS and tok.head.pos_ in {"NOUN", "PROPN"} and tok.head.i not in range(span.start, span.end):
        return tok.head  # "the 2020 presidential election": the expression modifies the event noun
    for _ in range(6):
        if tok.head == tok:
            break
        tok = tok.head
        if tok.i in range(span.start, span.end) or tok.pos_ == "ADP":
            continue
        if tok.pos_ in {"VERB", "AUX", "NOUN", "PROPN"}:
            break
    return tok


def _chunk(tok: Token, skip: set[int], chunks: dict[int, tuple[int, int]]) -> str:
    """The noun chunk around ``tok`` (without the expression's own tokens), else the token."""
    bounds = chunks.get(tok.i)
    if bounds is None:
        return tok.text
    words = [t.text for t in tok.doc[bounds[0]:bounds[1]] if t.i not in skip and t.dep_ != "det" and not t.is_punct]
    return " ".join(words) or tok.text


def noun_chunk_index(doc: Doc, *, sentences: list[Span] | None = None) -> dict[int, tuple[int, int]]:
    """Token index → ``(start, end)`` of the noun chunk containing it.

    Over ``sentences`` only when given (event phrases never leave their expression's
    sentence): the language's noun-chunk iterator runs on each of them, no ``Span`` is built.
    (``Span.noun_chunks`` would re-run the document-wide iterator once per sentence.)
    """
    iterator = doc.noun_chunks_iterator
    if iterator is None:  # a language without a noun-chunk iterator
        return {}
    index: dict[int, tuple[int, int]] = {}
    for part in ([doc] if sentences is None else sentences):
        for start, end, _ in iterator(part):
            for i in range(start, end):
                index[i] = (start, end)
    return index


def event_phrase(span: Span, chunks: dict[int, tuple[int, int]] | None = None) -> str:
    """Short phrase for the event a temporal expression dates.

    For a verb: the subject's noun chunk, the verb (with negation, particle, passive
    auxiliary) and the object's noun chunk; for a noun the expression modifies ("the 2020
    presidential election"): that noun phrase, expression included.
    """
    gov = _governor(span)
    chunks = noun_chunk_index(span.doc) if chunks is None else chunks
    inside = set(range(span.start, span.end))
    if gov.pos_ in {"VERB", "AUX"}:
        parts: list[str] = []
        subj = [c for c in gov.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subj:
            parts.append(_chunk(subj[0], inside, chunks))
        verb = sorted([gov, *(c for c in gov.children if c.dep_ in {"neg", "prt", "auxpass"})], key=lambda t: t.i)
        parts.append(" ".join(t.text for t in verb))
        objs = [c for c in gov.children if c.dep_ in {"dobj", "attr", "acomp", "oprd"} and c.i not in inside]
        if objs:
            parts.append(_chunk(objs[0], inside, chunks))
        return " ".join(parts)
    words = [t for t in gov.subtree if t.i <= gov.i and t.dep_ not in {"det", "punct", "prep", "case"}
             and not any(a.dep_ in {"relcl", "acl", "prep"} and a.i < gov.i for a in t.ancestors if a != gov)]
    return " ".join(t.text for t in words[-6:]) or gov.text


def timeline_records(article: Article, *, published: dt.date | None = None,
                     entities_by_sentence: dict[int, list[str]] | None = None) -> dict[str, list]:
    """The columns of :func:`timeline` as plain lists, rows already in calendar order.

    Args:
        article, published: as for :func:`timeline`.
        entities_by_sentence: sentence index → canonical entities named there (from
            :func:`~analysis.articles.entities.mention_records`); default: computed from the article.
    """
    dct = published or article.published
    source = "parameter" if published else article.published_source
    doc = parse(article.text)
    if entities_by_sentence is None:
        m = mention_records(article)
        entities_by_sentence = entities_per_sentence(m["sent_index"], m["entity"])
    timexes = extract_timexes(doc, dct)
    cols: dict[str, list] = {c: [] for c in TIMELINE_COLUMNS}
    if not timexes:
        return cols
    sents = list(doc.sents)
    chunks = noun_chunk_index(doc, sentences=[sents[i] for i in sorted({t.sent_index for t in timexes})])
    anchor = pd.Timestamp(dct) if dct else None
    rows = []
    for tx in timexes:
        span = doc.char_span(tx.start, tx.end, alignment_mode="expand")
        granularity, start, end = value_period(tx.value)
        if anchor is not None and start is not None and start <= anchor < end and (part := dct_part(tx.text)):
            # "later this year": the rest of the year from the DCT; "earlier this week": its days before the DCT
            start, end = (anchor, end) if part > 0 else (start, max(anchor, start + pd.Timedelta(days=1)))
        rows.append({
            "article_id": article.id, "start": tx.start, "end": tx.end, "expression": tx.text, "type": tx.type,
            "value": tx.value, "granularity": "set" if tx.type == "SET" else granularity, "date": start, "date_end": end,
            "anchor": tx.anchor, "sent_index": tx.sent_index,
            "event": event_phrase(span, chunks) if span is not None else "",
            "entities": "; ".join(entities_by_sentence.get(tx.sent_index, ())),
            "sentence": article.text[sents[tx.sent_index].start_char:sents[tx.sent_index].end_char].strip()
            if 0 <= tx.sent_index < len(sents) else "",  # sent.text, without a Token per word
            "published": anchor, "published_source": source,
        })
    rows.sort(key=lambda r: (r["date"] is None, r["date"] or 0, r["start"]))  # calendar order, undated last
    return {c: [r[c] for r in rows] for c in TIMELINE_COLUMNS}


def entities_per_sentence(sent_index: list[int], entity: list[str]) -> dict[int, list[str]]:
    """Sentence index → its canonical entities, in order of first mention, each once."""
    by_sent: dict[int, dict[str, None]] = {}
    for i, e in zip(sent_index, entity):
        by_sent.setdefault(i, {})[e] = None
    return {i: list(es) for i, es in by_sent.items()}


def timeline(article: Article, *, published: dt.date | None = None, mentions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every temporal expression of the article, normalized and in calendar order.

    Args:
        article: a cleaned article; its ``published`` date anchors relative expressions.
        published: overrides ``article.published`` (the document creation time).
        mentions: the article's :func:`~analysis.articles.entities.entity_mentions`, when already computed.

    Returns:
        One row per expression, calendar order (undated ones last), columns:
        ``article_id``; ``start``, ``end`` (char offsets in ``article.text``); ``expression``
        (TimeML extent); ``type`` (DATE/TIME/DURATION/SET);
        ``value`` (TIMEX3 value, e.g. ``2020-12-14``, ``2020-11``, ``P3D``);
        ``granularity`` (time/day/week/month/quarter/season/year/decade/duration/set/reference/unknown);
        ``date``, ``date_end`` (the period ``[date, date_end)`` on the calendar, NaT if none);
        ``anchor`` (absolute/dct/unresolved); ``sent_index``; ``event`` (what the expression dates);
        ``entities`` (canonical entities in the sentence, "; "-joined); ``sentence``;
        ``published`` (the anchor date used) and ``published_source`` (parameter/sidecar/html/inferred/none).
    """
    by_sent = None if mentions is None else entities_per_sentence(list(mentions["sent_index"]), list(mentions["entity"]))
    cols = timeline_records(article, published=published, entities_by_sentence=by_sent)
    df = pd.DataFrame(cols, columns=TIMELINE_COLUMNS)
    for col in TIMEXES.of_type("timestamp"):
        df[col] = pd.to_datetime(df[col])
    return df


_GRAN_COLORS = {"time": "#c44e52", "day": "#4c72b0", "week": "#64b5cd", "month": "#55a868",
                "quarter": "#8172b3", "season": "#8172b3", "year": "#dd8452", "decade": "#937860", "century": "#937860"}


def plot_timeline(tl: pd.DataFrame, *, title: str | None = None, max_label: int = 48) -> Figure:
    """Calendar chart: a point for a day or time, a bar for a week, month, year or longer.

    One row per dated expression (calendar order, top to bottom); the publication date is a
    dashed line. Undated expressions (durations, sets, references) are left to the table.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    dated = tl.dropna(subset=["date"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, max(2.8, 0.42 * len(dated) + 1.4)))
    ys = range(len(dated))[::-1]
    for y, row in zip(ys, dated.itertuples()):
        color = _GRAN_COLORS.get(row.granularity, "#999")
        if row.granularity in {"day", "time"}:
            ax.plot(row.date + pd.Timedelta(hours=12), y, "o", color=color, ms=7)
        else:
            ax.barh(y, row.date_end - row.date, left=row.date, height=0.5, color=color, alpha=0.6)
        label = f"{row.expression} — {row.event}" if row.event else row.expression
        ax.text(1.01, y, label[:max_label] + ("…" if len(label) > max_label else ""),
                transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    published = tl["published"].dropna()
    if len(published):
        pub = published.iloc[0]
        ax.axvline(pub + pd.Timedelta(hours=12), color="#333", ls="--", lw=1)
        src = tl["published_source"].iloc[0]
        ax.text(pub + pd.Timedelta(hours=12), len(dated) - 0.4, f" published {pub:%Y-%m-%d}" + (" (inferred)" if src == "inferred" else ""),
                fontsize=8, va="bottom")
    ax.set_yticks(list(ys), [f"{v}" for v in dated["value"]], fontsize=8)
    ax.set_ylim(-0.8, max(len(dated), 1) + 0.2)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles = [plt.Line2D([], [], marker="o", ls="", color=_GRAN_COLORS["day"], label="day"),
               plt.Rectangle((0, 0), 1, 1, color=_GRAN_COLORS["month"], alpha=0.6, label="month"),
               plt.Rectangle((0, 0), 1, 1, color=_GRAN_COLORS["year"], alpha=0.6, label="year")]
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False)
    ax.set_title(title or "Timeline (TIMEX3 values)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig



def timeline_alt_text(tl: pd.DataFrame) -> str:
    """Alt text for :func:`plot_timeline`."""
    dated = tl.dropna(subset=["date"])
    if dated.empty:
        return "Timeline: no dated expressions."
    items = "; ".join(f"{r.expression} = {r.value}" for r in dated.itertuples())
    return f"Timeline of {len(dated)} dated expressions from {dated['date'].min():%Y-%m-%d} to {dated['date'].max():%Y-%m-%d}: {items}."
