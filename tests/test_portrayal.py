"""The portrayal table on a small constructed corpus whose portrayal is known in advance."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.corpus import portrayal as P
from analysis.errors import ParameterError


def _corpus() -> dict[str, pd.DataFrame]:
    """Two outlets, two years, one undated article.

    * Outlet A, 2019: 10 articles; "Jane Doe" in 5 of them, 6 sentences each (30 mentions),
      every one scored +0.5 (positive). 2 mentions quoted (speaker "Bob Roe").
    * Outlet B, 2019: 4 articles; "Jane Doe" in all 4, 10 mentions each, alternating -1.0/0.0
      (mean -0.5; half negative, half neutral).
    * Outlet B, 2020: 2 articles; "Jane Doe" in 1, 3 mentions of -0.2 (a small cell).
    * Outlet A, undated: 1 article with 2 mentions of +1.0.
    * Topics: A 2019 articles 0-4 "economy", 5-9 "health".
    """
    arts, ms, ents = [], [], []

    def article(aid, outlet, date, topic):
        arts.append({"article_id": aid, "outlet": outlet, "topic": topic, "bias": "center",
                     "published": pd.Timestamp(date) if date else pd.NaT})

    def mention(aid, si, score, label, entity="Jane Doe", quote="", start=None):
        start = si * 100 if start is None else start
        ms.append({"article_id": aid, "sent_index": si, "start": start, "end": start + 8, "entity": entity,
                   "entity_label": "PERSON", "label": label, "score": score, "is_quote": bool(quote), "speaker": quote})
        ents.append({"article_id": aid, "start": start, "end": start + 8, "text": entity, "label": "PERSON",
                     "entity": entity, "entity_label": "PERSON", "source": "ner", "sent_index": si})

    for i in range(10):
        article(f"A19-{i}", "A", "2019-05-01", "economy" if i < 5 else "health")
    for i in range(5):
        for si in range(6):
            mention(f"A19-{i}", si, 0.5, "positive", quote="Bob Roe" if (i == 0 and si < 2) else "")
    for i in range(4):
        article(f"B19-{i}", "B", "2019-06-01", "economy")
        for si in range(10):
            mention(f"B19-{i}", si, -1.0 if si % 2 == 0 else 0.0, "negative" if si % 2 == 0 else "neutral")
    for i in range(2):
        article(f"B20-{i}", "B", "2020-02-01", "economy")
    for si in range(3):
        mention("B20-0", si, -0.2, "negative")
    article("A-nd", "A", None, "economy")
    mention("A-nd", 0, 1.0, "positive")
    mention("A-nd", 1, 1.0, "positive")
    mention("B19-0", 20, 0.9, "positive", entity="Acme Corp")
    return {"articles": pd.DataFrame(arts), "mention_sentiment": pd.DataFrame(ms), "entities": pd.DataFrame(ents),
            "sentences": pd.DataFrame([{"article_id": m["article_id"], "sent_index": m["sent_index"],
                                        "text": f"<b>{m['entity']}</b> sentence {m['sent_index']}"} for m in ms])}


def _cell(table, entity="Jane Doe", outlet="A", period="2019", topic="all"):
    rows = table[(table["entity"] == entity) & (table["outlet"] == outlet) & (table["period"] == period)
                 & (table["topic"] == topic)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_cells_hold_the_known_counts_shares_and_intervals():
    table = P.portrayal(_corpus(), period="year", min_n=5)
    assert list(table.columns) == list(P.COLUMNS)
    a = _cell(table)
    assert (a["mentions"], a["articles"], a["outlet_articles"]) == (30, 5, 10)
    assert a["article_share"] == pytest.approx(0.5)
    assert a["mean_score"] == pytest.approx(0.5) and a["ci_low"] == pytest.approx(0.5) and a["ci_high"] == pytest.approx(0.5)
    assert (a["share_positive"], a["share_negative"]) == (1.0, 0.0)
    assert a["share_quoted"] == pytest.approx(2 / 30)
    assert not a["small"]
    b = _cell(table, outlet="B")
    assert (b["mentions"], b["articles"], b["outlet_articles"], b["article_share"]) == (40, 4, 4, 1.0)
    assert b["mean_score"] == pytest.approx(-0.5)
    assert b["ci_low"] < -0.5 < b["ci_high"]  # the interval contains the true mean
    assert -1.0 <= b["ci_low"] and b["ci_high"] <= 0.0 and b["ci_high"] - b["ci_low"] < 0.5
    assert (b["share_negative"], b["share_neutral"], b["share_positive"]) == (0.5, 0.5, 0.0)
    # the two outlets' intervals do not overlap: A portrays Jane Doe more positively than B in 2019
    assert b["ci_high"] < a["ci_low"]


def test_small_cells_are_flagged_not_hidden_and_undated_articles_keep_their_own_period():
    table = P.portrayal(_corpus(), period="year", min_n=5)
    small = _cell(table, outlet="B", period="2020")
    assert small["small"] and small["mentions"] == 3 and small["outlet_articles"] == 2
    assert small["mean_score"] == pytest.approx(-0.2)
    undated = _cell(table, period="undated")
    assert undated["small"] and undated["mentions"] == 2 and undated["outlet_articles"] == 1
    flagged = set(zip(table["entity"], table["outlet"], table["period"], table["small"]))
    assert ("Acme Corp", "B", "2019", True) in flagged
    assert set(table.loc[~table["small"], "period"]) == {"2019"}
    assert P.portrayal(_corpus(), period="year", min_n=1)["small"].sum() == 0


def test_topic_and_period_can_be_held_fixed():
    table = P.portrayal(_corpus(), period="year", by_topic=True, min_n=5)
    eco = _cell(table, topic="economy")
    # A's 2019 economy articles are 0-4 (the undated economy one has its own period), all mention Jane Doe;
    # its health articles never do
    assert (eco["articles"], eco["outlet_articles"], eco["article_share"]) == (5, 5, 1.0)
    assert not ((table["outlet"] == "A") & (table["topic"] == "health")).any()
    cmp = P.compare_outlets(table, "Jane Doe", period="2019", topic="economy")
    assert list(cmp["outlet"]) == ["B", "A"] and list(cmp["period"].unique()) == ["2019"]
    only = P.portrayal(_corpus(), period="all", topics=["health"], min_n=1)
    assert only.empty  # no mention in health articles
    ranged = P.portrayal(_corpus(), period="all", start="2019-01-01", end="2019-12-31", min_n=1)
    assert _cell(ranged, outlet="A", period="all")["mentions"] == 30  # the undated article is left out
    assert _cell(ranged, outlet="B", period="all")["outlet_articles"] == 4


def test_periods_and_bootstrap_are_deterministic_and_independent_of_other_cells():
    tables = _corpus()
    months = P.portrayal(tables, period="month", min_n=5)
    assert {"2019-05", "2019-06", "2020-02", "undated"} <= set(months["period"])
    assert {"2019Q2"} <= set(P.portrayal(tables, period="quarter")["period"])
    weeks = set(P.portrayal(tables, period="week")["period"])
    assert any(p.startswith("2019-04-29/") for p in weeks)
    full = P.portrayal(tables, period="year", seed=3)
    alone = P.portrayal(tables, period="year", seed=3, outlets=["B"])
    key = ["entity", "outlet", "period", "topic"]
    merged = full.merge(alone, on=key, suffixes=("", "_alone"))
    assert len(merged) == len(alone) and np.array_equal(merged["ci_low"], merged["ci_low_alone"])
    with pytest.raises(ParameterError, match="period"):
        P.portrayal(tables, period="decade")
    lo, hi = P.bootstrap_ci(np.array([0.0, 1.0] * 50), seed=0)
    assert lo < 0.5 < hi and hi - lo < 0.3


def test_the_entity_key_is_a_parameter_switching_to_a_corpus_wide_id():
    tables = _corpus()
    ents = tables["entities"]
    # a corpus-wide id column joins through (article_id, start, end): Jane Doe and Acme Corp both map to one id
    tables["entities"] = ents.assign(entity_id=np.where(ents["entity"] == "Jane Doe", "Q1", "Q2"))
    by_id = P.portrayal(tables, key="entity_id", period="year", min_n=5)
    assert set(by_id["entity"]) == {"Q1", "Q2"}
    assert _cell(by_id, entity="Q1")["mentions"] == 30
    with pytest.raises(ParameterError, match="nope"):
        P.portrayal(tables, key="nope")


def test_attention_quotes_examples_and_escaped_tables():
    tables = _corpus()
    frame = P.mention_frame(tables, period="year")
    arts = P.article_frame(tables, period="year")
    att = P.attention(frame, arts, entities=["Jane Doe"])
    row = att[(att["outlet"] == "B") & (att["period"] == "2020")].iloc[0]
    assert (row["articles"], row["outlet_articles"], row["article_share"]) == (1, 2, 0.5)
    assert "undated" not in set(att["period"])
    qa = P.quoted_about(frame)
    assert qa.to_dict("records") == [{"outlet": "A", "entity": "Jane Doe", "speaker": "Bob Roe", "quotes": 2,
                                      "mean_score": 0.5}]
    assert P.top_entities(frame, n=1) == ["Jane Doe"]
    ex = P.examples(frame, tables["sentences"], entities=["Jane Doe"], n=1)
    b = ex[ex["outlet"] == "B"]
    assert list(b["side"]) == ["most negative", "most positive"]
    assert b["score"].tolist() == [-1.0, 0.0]
    html = P.table_html(ex, table_id="x<y", summary="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html and "&lt;b&gt;Jane Doe&lt;/b&gt;" in html
    assert 'id="xy"' in html


def test_a_date_guessed_from_the_text_is_used_only_when_asked():
    """An article without a publication date whose date was inferred from its text (an old date the
    story recounts) is undated by default, and placed by that date with inferred_dates=True."""
    tables = _corpus()
    arts = tables["articles"].copy()
    arts["published_source"] = "jsonl"
    arts.loc[arts["article_id"] == "A-nd", ["published", "published_source"]] = [pd.Timestamp("1918-11-11"), "inferred"]
    tables = {**tables, "articles": arts}
    default = P.portrayal(tables, period="year", entities=["Jane Doe"])
    assert "1918" not in set(default["period"]) and _cell(default, outlet="A", period="undated")["mentions"] == 2
    asked = P.portrayal(tables, period="year", entities=["Jane Doe"], inferred_dates=True)
    assert _cell(asked, outlet="A", period="1918")["mentions"] == 2 and "undated" not in set(asked["period"])
    assert set(P.article_frame(tables)["period"]) == {"2019", "2020", "undated"}
    assert P.prepare(tables, period="year", inferred_dates=True).articles["period"].eq("1918").sum() == 1


def test_views_and_figures_build_from_the_notebook_parameters():
    view = P.prepare(_corpus(), period="year", entities="Jane Doe|Acme Corp", outlets="A|B", min_n=5)
    assert view.entities == ["Jane Doe", "Acme Corp"]
    assert set(view.overall["period"]) == {"all"}
    assert _cell(view.overall, period="all")["mentions"] == 32
    for fig in (P.plot_dots(view.overall), P.plot_lines(view.table, entity="Jane Doe"), P.plot_heatmap(view.overall),
                P.plot_attention(P.attention(view.mentions, view.articles, entities=view.entities))):
        assert fig.axes
