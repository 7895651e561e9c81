"""Charts of the corpus notebook and their alt texts, from the summaries of :mod:`analysis.corpus.readers`."""
from __future__ import annotations

import pandas as pd

from .readers import with_topic


def plot_top_entities(top: pd.DataFrame, *, title: str = "Most mentioned entities"):
    """Horizontal bar chart of :func:`top_entities` (overall). Returns the Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, max(2.5, 0.3 * len(top) + 1)))
    ax = fig.subplots()
    data = top.iloc[::-1]
    ax.barh(data["entity"].astype(str), data["mentions"], color="#4c72b0")
    ax.set_xlabel("mentions")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_sentiment_by_topic(tables: dict[str, pd.DataFrame], *, column: str = "vader_compound"):
    """Box plot of sentence sentiment per topic folder. Returns the Figure."""
    from matplotlib.figure import Figure

    s = with_topic(tables["sentences"], tables["articles"])
    topics = sorted(s["topic"].dropna().unique())
    fig = Figure(figsize=(7, 3.8))
    ax = fig.subplots()
    if topics:
        ax.boxplot([s.loc[s["topic"] == t, column].to_numpy() for t in topics], showfliers=False)
        ax.set_xticks(range(1, len(topics) + 1), topics, rotation=30, ha="right")
    ax.axhline(0, color="#999", lw=0.8)
    ax.set_ylabel(f"sentence {column}")
    ax.set_title("Sentence sentiment by topic")
    fig.tight_layout()
    return fig


def plot_periods(periods: pd.DataFrame, *, title: str = "Periods the corpus refers to most"):
    """Bar chart of :func:`densest_periods` in calendar order. Returns the Figure."""
    from matplotlib.figure import Figure

    data = periods.sort_values("period")
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    ax.bar(data["period"].astype(str), data["mentions"], color="#dd8452")
    ax.set_ylabel("time expressions")
    ax.set_title(title)
    for label in ax.get_xticklabels():
        label.set_rotation(45)
        label.set_ha("right")
    fig.tight_layout()
    return fig


def top_entities_alt(top: pd.DataFrame) -> str:
    if top.empty:
        return "Bar chart: no entities found."
    head = ", ".join(f"{e} ({m})" for e, m in zip(top["entity"].head(5), top["mentions"].head(5)))
    return f"Bar chart of the {len(top)} most mentioned entities; top: {head}."


def sentiment_alt(summary: pd.DataFrame) -> str:
    if summary.empty:
        return "Box plot: no sentences."
    parts = ", ".join(f"{t} {v:+.2f}" for t, v in zip(summary["topic"], summary["mean_vader"]))
    return f"Box plot of sentence VADER sentiment by topic; means: {parts}."


def periods_alt(periods: pd.DataFrame) -> str:
    if periods.empty:
        return "Bar chart: no dated expressions."
    head = ", ".join(f"{p} ({m})" for p, m in zip(periods["period"].head(5), periods["mentions"].head(5)))
    return f"Bar chart of the periods most referred to; densest: {head}."
