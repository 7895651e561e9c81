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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from textblob.en import sentiment as pattern_sentiment  # TextBlob's default PatternAnalyzer lexicon

from ..errors import ParameterError
from ..lang.nlp import parse
from .columns import SENTENCES
from ..types import Article

if TYPE_CHECKING:  # matplotlib is imported by the plot functions only: corpus workers never plot
    from matplotlib.figure import Figure

SENTENCE_COLUMNS = SENTENCES.names
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
        raise ParameterError(f"window must be >= 1, got {window}")
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
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

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
