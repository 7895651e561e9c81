"""Timeline table (analysis.articles.chronology): periods of TIMEX3 values, events, calendar order, chart."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.articles.chronology import TIMELINE_COLUMNS, plot_timeline, timeline, value_period
from analysis.types import Article


@pytest.mark.parametrize(
    "value, granularity, start, end",
    [
        ("2020-12-14", "day", "2020-12-14", "2020-12-15"),
        ("2020-12-14TNI", "time", "2020-12-14", "2020-12-15"),
        ("2020-11", "month", "2020-11-01", "2020-12-01"),
        ("2016", "year", "2016-01-01", "2017-01-01"),
        ("201X", "decade", "2010-01-01", "2020-01-01"),
        ("2020-W50", "week", "2020-12-07", "2020-12-14"),
        ("2020-Q4", "quarter", "2020-10-01", "2021-01-01"),
    ],
)
def test_value_period(value, granularity, start, end):
    g, s, e = value_period(value)
    assert (g, s, e) == (granularity, pd.Timestamp(start), pd.Timestamp(end))


@pytest.mark.parametrize("value, granularity", [("P3D", "duration"), ("PRESENT_REF", "reference"), ("XXXX-12", "unknown")])
def test_undated_values(value, granularity):
    assert value_period(value) == (granularity, None, None)


ART = Article(
    id="t",
    title="Council votes",
    paragraphs=("The council approved the budget on Monday. The mayor announced the plan in March 2019.",),
    published=dt.date(2021, 6, 10),
    published_source="sidecar",
)


def test_timeline_rows_in_calendar_order():
    tl = timeline(ART)
    assert list(tl.columns) == TIMELINE_COLUMNS
    assert tl["value"].tolist() == ["2019-03", "2021-06-07"]
    assert tl["date"].is_monotonic_increasing
    monday = tl[tl["value"] == "2021-06-07"].iloc[0]
    assert "approved" in monday["event"]
    assert monday["sentence"].startswith("The council approved")
    assert (tl["published"] == pd.Timestamp("2021-06-10")).all()


def test_published_override():
    tl = timeline(ART, published=dt.date(2021, 6, 20))
    assert "2021-06-14" in tl["value"].tolist()
    assert (tl["published_source"] == "parameter").all()


def test_plot_timeline():
    fig = plot_timeline(timeline(ART))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) >= 1 and len(ax.lines) >= 2  # a month bar, a day point and the publication line


@pytest.mark.parametrize(
    ("sentence", "expression", "start", "end"),
    [
        ("The plant will open later this year.", "later this year", "2024-05-14", "2025-01-01"),
        ("The deal closes later this month.", "later this month", "2024-05-14", "2024-06-01"),
        ("He resigned earlier this week.", "earlier this week", "2024-05-13", "2024-05-14"),
        ("Prices rose earlier this year.", "earlier this year", "2024-01-01", "2024-05-14"),
        ("Sales rose this year.", "this year", "2024-01-01", "2025-01-01"),
        ("The plant opened later that year, in 2019.", "2019", "2019-01-01", "2020-01-01"),
    ],
)
def test_later_this_year_is_the_rest_of_the_year_on_the_calendar(sentence, expression, start, end):
    art = Article(id="a", title="", paragraphs=(sentence,), published=dt.date(2024, 5, 14), published_source="sidecar")
    row = timeline(art).set_index("expression").loc[expression]
    assert (row["date"], row["date_end"]) == (pd.Timestamp(start), pd.Timestamp(end))
