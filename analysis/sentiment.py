"""Sentiment of an article: TextBlob and VADER lenses per sentence, paragraph and document.

Two lexicon lenses are offered side by side because neither is reliable alone on news:
TextBlob (polarity in [-1, 1], subjectivity in [0, 1]) and VADER (compound in [-1, 1] and
the pos/neu/neg proportions). Sentences come from the shared spaCy parse; quotations are
flagged, since a quoted sentence carries the speaker's sentiment rather than the author's.
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_right

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from textblob.en import sentiment as pattern_sentiment  # TextBlob's default PatternAnalyzer lexicon

from .nlp import parse
from .types import Article

SENTENCE_COLUMNS = [
    "article_id", "sent_index", "paragraph", "start", "end", "text",
    "polarity", "subjectivity", "vader_compound", "vader_pos", "vader_neu", "vader_neg", "quote_share", "is_quote",
]
#: VADER's own thresholds for a neutral compound score.
VADER_NEUTRAL = 0.05

_QUOTE_RE = re.compile(r"“[^”]*”?|\"[^\"]*\"?")


@functools.lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score_text(text: str) -> dict[str, float]:
    """TextBlob and VADER scores of one piece of text.

    Returns:
        ``polarity``, ``subjectivity`` (TextBlob); ``vader_compound``, ``vader_pos``,
        ``vader_neu``, ``vader_neg`` (VADER).
    """
    polarity, subjectivity = pattern_sentiment(text)  # what TextBlob(text).sentiment computes
    vader = _vader().polarity_scores(text)
    return {
        "polarity": round(float(polarity), 6),
        "subjectivity": round(float(subjectivity), 6),
        "vader_compound": vader["compound"],
        "vader_pos": vader["pos"],
        "vader_neu": vader["neu"],
        "vader_neg": vader["neg"],
    }


def quote_share(text: str) -> float:
    """Fraction of the characters of ``text`` inside quotation marks."""
    stripped = text.strip()
    if not stripped:
        return 0.0
    inside = sum(len(m.group()) for m in _QUOTE_RE.finditer(stripped))
    return round(min(inside / len(stripped), 1.0), 4)


def paragraph_offsets(article: Article) -> list[int]:
    """Start offset in ``article.text`` of the title (0) and of each paragraph."""
    starts, pos = [], 0
    for part in (article.title, *article.paragraphs) if article.title else article.paragraphs:
        starts.append(article.text.index(part, pos))
        pos = starts[-1] + len(part)
    return starts


def sentence_records(article: Article) -> dict[str, list]:
    """The columns of :func:`sentence_sentiment` as plain lists (one entry per sentence).

    The corpus runner builds its Arrow tables from these without a DataFrame per article.
    """
    doc = parse(article.text)
    para_starts = paragraph_offsets(article)
    offset = 0 if article.title else 1
    cols: dict[str, list] = {c: [] for c in SENTENCE_COLUMNS}
    full = article.text  # the parsed text: slicing it is sent.text without a Token per word
    for i, sent in enumerate(doc.sents):
        raw = full[sent.start_char:sent.end_char]
        text = raw.strip()
        if not text:
            continue
        share = quote_share(text)
        start = sent.start_char
        values = {
            "article_id": article.id,
            "sent_index": i,
            "paragraph": bisect_right(para_starts, start) - 1 + offset,
            "start": start,
            "end": start + len(raw.rstrip()),
            "text": text,
            **score_text(text),
            "quote_share": share,
            "is_quote": share >= 0.5,
        }
        for c in SENTENCE_COLUMNS:
            cols[c].append(values[c])
    return cols


def sentence_sentiment(article: Article) -> pd.DataFrame:
    """Scores of every sentence of the article (title included as paragraph 0).

    Returns:
        One row per sentence, columns:
        ``article_id``; ``sent_index``; ``paragraph`` (0 = title, then 1..n);
        ``start``, ``end`` (char offsets in ``article.text``); ``text``;
        ``polarity`` [-1, 1] and ``subjectivity`` [0, 1] (TextBlob);
        ``vader_compound`` [-1, 1], ``vader_pos``, ``vader_neu``, ``vader_neg`` (VADER);
        ``quote_share`` (fraction of the sentence inside quotation marks);
        ``is_quote`` (``quote_share >= 0.5``: mostly a quotation, i.e. the speaker's words).
    """
    return pd.DataFrame(sentence_records(article), columns=SENTENCE_COLUMNS)


def paragraph_sentiment(article: Article) -> pd.DataFrame:
    """Scores of each paragraph's whole text (0 = title).

    Returns:
        Columns ``article_id``, ``paragraph``, ``text`` and the :func:`score_text` scores.
    """
    parts = (article.title, *article.paragraphs) if article.title else ("", *article.paragraphs)
    rows = [{"article_id": article.id, "paragraph": i, "text": p, **score_text(p)} for i, p in enumerate(parts) if p]
    return pd.DataFrame(rows, columns=["article_id", "paragraph", "text", *score_text("").keys()])


def document_sentiment(article: Article) -> pd.DataFrame:
    """One row of whole-article scores, plus the share of sentences that are quotations.

    Returns:
        Columns ``article_id``, the :func:`score_text` scores of ``article.text``,
        ``sentences`` (count), ``quote_sentences`` (count with ``is_quote``) and
        ``agreement`` (share of sentences where TextBlob and VADER give the same sign,
        treating |score| < 0.05 as neutral).
    """
    sents = sentence_sentiment(article)
    return pd.DataFrame([{
        "article_id": article.id,
        **score_text(article.text),
        "sentences": len(sents),
        "quote_sentences": int(sents["is_quote"].sum()),
        "agreement": lens_agreement(sents),
    }])


def _sign(values: pd.Series, neutral: float = VADER_NEUTRAL) -> pd.Series:
    return np.sign(values.where(values.abs() >= neutral, 0.0))


def lens_agreement(sentences: pd.DataFrame) -> float:
    """Share of sentences where TextBlob polarity and VADER compound agree in sign (neutral band ±0.05)."""
    if sentences.empty:
        return float("nan")
    return round(float((_sign(sentences["polarity"]) == _sign(sentences["vader_compound"])).mean()), 4)


def sentiment_extremes(sentences: pd.DataFrame, *, n: int = 3, lens: str = "polarity") -> pd.DataFrame:
    """The ``n`` most positive and ``n`` most negative sentences by one lens.

    Returns:
        Columns ``extreme`` ("most positive"/"most negative"), ``sent_index``, ``score``,
        ``is_quote``, ``text``.
    """
    cols = ["sent_index", lens, "is_quote", "text"]
    pos = sentences.nlargest(n, lens)[cols].assign(extreme="most positive")
    neg = sentences.nsmallest(n, lens)[cols].assign(extreme="most negative")
    out = pd.concat([pos, neg]).rename(columns={lens: "score"})
    return out[["extreme", "sent_index", "score", "is_quote", "text"]].reset_index(drop=True)


def sentiment_arc(sentences: pd.DataFrame, *, window: int = 3) -> pd.DataFrame:
    """Rolling mean of both lenses over sentence order (centered window, partial at the edges).

    Returns:
        Columns ``sent_index``, ``position`` (0..1 through the article), ``polarity``,
        ``vader_compound``, ``polarity_smooth``, ``vader_smooth``.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    df = sentences[["sent_index", "polarity", "vader_compound"]].reset_index(drop=True).copy()
    df["position"] = np.linspace(0, 1, len(df)) if len(df) > 1 else 0.0
    roll = dict(window=window, center=True, min_periods=1)
    df["polarity_smooth"] = df["polarity"].rolling(**roll).mean().round(6)
    df["vader_smooth"] = df["vader_compound"].rolling(**roll).mean().round(6)
    return df[["sent_index", "position", "polarity", "vader_compound", "polarity_smooth", "vader_smooth"]]


def plot_sentiment_arc(sentences: pd.DataFrame, *, window: int = 3, title: str | None = None) -> Figure:
    """Line chart of the sentiment arc: raw sentence scores as dots, rolling means as lines.

    Quotations are drawn hollow so the speaker's sentiment can be told from the author's.
    """
    arc = sentiment_arc(sentences, window=window)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    quote = sentences["is_quote"].to_numpy() if len(sentences) else np.array([], bool)
    x = arc["sent_index"]
    for col, smooth, color, name in (("polarity", "polarity_smooth", "#4c72b0", "TextBlob polarity"),
                                     ("vader_compound", "vader_smooth", "#dd8452", "VADER compound")):
        ax.scatter(x[~quote], arc[col][~quote], s=14, color=color, alpha=0.55)
        ax.scatter(x[quote], arc[col][quote], s=22, facecolors="none", edgecolors=color, alpha=0.8)
        ax.plot(x, arc[smooth], color=color, lw=2, label=f"{name} (rolling mean, {window} sentences)")
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("sentence (hollow markers: quotations)")
    ax.set_ylabel("score")
    ax.set_title(title or "Sentiment arc")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def arc_alt_text(sentences: pd.DataFrame) -> str:
    """Alt text for :func:`plot_sentiment_arc`: what the chart shows, in numbers."""
    if sentences.empty:
        return "Sentiment arc: no sentences."
    pol, vad = sentences["polarity"], sentences["vader_compound"]
    lo, hi = sentences.loc[pol.idxmin(), "sent_index"], sentences.loc[pol.idxmax(), "sent_index"]
    return (f"Sentiment arc over {len(sentences)} sentences. TextBlob polarity mean {pol.mean():+.2f}, "
            f"lowest {pol.min():+.2f} at sentence {lo}, highest {pol.max():+.2f} at sentence {hi}; "
            f"VADER compound mean {vad.mean():+.2f}; {int(sentences['is_quote'].sum())} quotation sentences.")


ENTITY_SENTIMENT_COLUMNS = [
    "article_id", "entity", "entity_label", "sent_index", "mention", "start", "end", "is_quote",
    "label", "score", "p_negative", "p_neutral", "p_positive", "sentence", "model",
]
_NAME_FAMILIES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}


def entity_sentiment(article: Article, *, mentions: pd.DataFrame | None = None, sentences: pd.DataFrame | None = None,
                     model=None) -> pd.DataFrame:
    """Sentiment toward each canonical entity in each sentence that mentions it.

    A target-aware classifier trained on NewsMTSC (:mod:`analysis.targeted`) reads the
    sentence with the entity's first mention in it marked as the target.

    Args:
        article: a cleaned article.
        mentions: its :func:`~analysis.entities.entity_mentions` when already computed.
        sentences: its :func:`sentence_sentiment` when already computed.
        model: a :class:`~analysis.targeted.TargetedSentimentModel` (default: the committed one).

    Returns:
        One row per (entity, sentence), columns: ``article_id``; ``entity``, ``entity_label``;
        ``sent_index``; ``mention`` (the surface form used as target); ``start``, ``end``
        (offsets of that mention in ``article.text``); ``is_quote`` (the sentence is mostly a
        quotation: the speaker's stance, not the author's); ``label``
        (negative/neutral/positive); ``score`` (p_positive − p_negative, in [-1, 1]);
        ``p_negative``, ``p_neutral``, ``p_positive``; ``sentence``; ``model`` (class name).
    """
    from .entities import entity_mentions
    from .targeted import load_targeted_model

    if mentions is None:
        mentions = entity_mentions(article)
    sents = (sentence_sentiment(article) if sentences is None else sentences).set_index("sent_index")
    targets = mentions[mentions["entity_label"].isin(_NAME_FAMILIES) & mentions["sent_index"].isin(sents.index)]
    targets = targets.sort_values("start").drop_duplicates(["entity", "sent_index"])
    if targets.empty:
        return pd.DataFrame(columns=ENTITY_SENTIMENT_COLUMNS)
    model = model or load_targeted_model()
    items = []
    for row in targets.itertuples():
        s = sents.loc[row.sent_index]
        items.append((s["text"], row.start - s["start"], row.end - s["start"]))
    scores = model.predict(items)
    out = pd.DataFrame({
        "article_id": article.id,
        "entity": targets["entity"].to_numpy(),
        "entity_label": targets["entity_label"].to_numpy(),
        "sent_index": targets["sent_index"].to_numpy(),
        "mention": targets["text"].to_numpy(),
        "start": targets["start"].to_numpy(),
        "end": targets["end"].to_numpy(),
        "is_quote": sents.loc[targets["sent_index"], "is_quote"].to_numpy(),
        "label": scores["label"].to_numpy(),
        "score": scores["score"].round(4).to_numpy(),
        "p_negative": scores["p_negative"].round(4).to_numpy(),
        "p_neutral": scores["p_neutral"].round(4).to_numpy(),
        "p_positive": scores["p_positive"].round(4).to_numpy(),
        "sentence": [i[0] for i in items],
        "model": type(model).__name__,
    })
    return out[ENTITY_SENTIMENT_COLUMNS].sort_values(["start"]).reset_index(drop=True)


def entity_sentiment_summary(rows: pd.DataFrame, *, min_sentences: int = 1) -> pd.DataFrame:
    """Per entity: how its sentences portray it.

    Returns:
        Columns ``entity``, ``entity_label``, ``sentences``, ``negative``, ``neutral``,
        ``positive`` (counts of sentences), ``mean_score`` (mean of ``score``), and
        ``quoted`` (how many of those sentences are quotations); most mentioned first.
    """
    cols = ["entity", "entity_label", "sentences", "negative", "neutral", "positive", "mean_score", "quoted"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    counts = pd.crosstab(rows["entity"], rows["label"]).reindex(columns=["negative", "neutral", "positive"], fill_value=0)
    counts.columns.name = None
    grouped = rows.groupby("entity")
    out = counts.assign(
        entity_label=grouped["entity_label"].first(),
        sentences=grouped.size(),
        mean_score=grouped["score"].mean().round(4),
        quoted=grouped["is_quote"].sum().astype(int),
    ).reset_index()
    out = out[out["sentences"] >= min_sentences]
    return out[cols].sort_values(["sentences", "entity"], ascending=[False, True]).reset_index(drop=True)


def plot_entity_sentiment(summary: pd.DataFrame, *, top: int = 12, title: str | None = None) -> Figure:
    """Diverging bars per entity: negative sentences to the left, positive to the right, neutral in grey."""
    data = summary.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, max(2.2, 0.42 * len(data) + 1.2)))
    if data.empty:
        ax.text(0.5, 0.5, "No entities to score", ha="center", va="center")
        ax.set_axis_off()
        return fig
    y = np.arange(len(data))
    neu = data["neutral"].to_numpy()
    ax.barh(y, -data["negative"], left=-neu / 2, color="#c44e52", label="negative")
    ax.barh(y, neu, left=-neu / 2, color="#bbbbbb", label="neutral")
    ax.barh(y, data["positive"], left=neu / 2, color="#55a868", label="positive")
    for yi, (score, n) in enumerate(zip(data["mean_score"], data["sentences"])):
        ax.text(1.01, yi, f"mean {score:+.2f} ({n})", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.set_yticks(y, data["entity"])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
    ax.axvline(0, color="#555", lw=0.8)
    ax.set_xlabel("sentences mentioning the entity (left: negative, right: positive)")
    ax.set_title(title or "How each entity is portrayed (targeted sentiment)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def entity_sentiment_alt_text(summary: pd.DataFrame) -> str:
    """Alt text for :func:`plot_entity_sentiment`."""
    if summary.empty:
        return "Targeted sentiment: no entities to score."
    parts = [f"{r.entity}: {r.negative} negative, {r.neutral} neutral, {r.positive} positive (mean {r.mean_score:+.2f})"
             for r in summary.head(8).itertuples()]
    return "Sentiment toward each entity, sentences counted by class. " + "; ".join(parts) + "."
