"""Entity-targeted sentiment: how each named entity is portrayed, sentence by sentence.

Every sentence that names a person, organisation or place is scored toward that entity by the
target-aware classifier of :mod:`analysis.articles.targeted` (trained on NewsMTSC), from the
article's :func:`~analysis.articles.entities.entity_mentions` and
:func:`~analysis.articles.sentiment.sentence_sentiment`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..types import Article
from .entities import entity_mentions
from .sentiment import sentence_sentiment
from .targeted import load_targeted_model

ENTITY_SENTIMENT_COLUMNS = [
    "article_id", "entity", "entity_label", "sent_index", "mention", "start", "end", "is_quote",
    "label", "score", "p_negative", "p_neutral", "p_positive", "sentence", "model",
]
_NAME_FAMILIES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}


def entity_sentiment(article: Article, *, mentions: pd.DataFrame | None = None, sentences: pd.DataFrame | None = None,
                     model=None) -> pd.DataFrame:
    """Sentiment toward each canonical entity in each sentence that mentions it.

    A target-aware classifier trained on NewsMTSC (:mod:`analysis.articles.targeted`) reads the
    sentence with the entity's first mention in it marked as the target.

    Args:
        article: a cleaned article.
        mentions: its :func:`~analysis.articles.entities.entity_mentions` when already computed.
        sentences: its :func:`sentence_sentiment` when already computed.
        model: a :class:`~analysis.articles.targeted.TargetedSentimentModel` (default: the committed one).

    Returns:
        One row per (entity, sentence), columns: ``article_id``; ``entity``, ``entity_label``;
        ``sent_index``; ``mention`` (the surface form used as target); ``start``, ``end``
        (offsets of that mention in ``article.text``); ``is_quote`` (the sentence is mostly a
        quotation: the speaker's stance, not the author's); ``label``
        (negative/neutral/positive); ``score`` (p_positive − p_negative, in [-1, 1]);
        ``p_negative``, ``p_neutral``, ``p_positive``; ``sentence``; ``model`` (class name).
    """
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
