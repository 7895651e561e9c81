"""Post and update stamps in front of a line (a date with a clock time) are the page's date, not an
event's: no vote for the day and no part of a summary sentence (issue 15, Timeline17 texts)."""
from __future__ import annotations

import datetime as dt

import pytest

from analysis.corpus.story import DatedArticle, event_dates, split_stamp, summary_sentence


@pytest.mark.parametrize(
    ("line", "rest"),
    [
        ("May 11, 2010 20:24 UTC With the spotlight shining on the spill, BP testified.",
         "With the spotlight shining on the spill, BP testified."),
        ("Last updated: 19 January, 2010 - 14:10 GMT Haiti earthquake: the struggle to distribute aid",
         "Haiti earthquake: the struggle to distribute aid"),
        ("03 February 12 17:03 GMT Russia's deputy foreign minister says his country cannot support it.",
         "Russia's deputy foreign minister says his country cannot support it."),
        ("February 1, 2011 at 4:29 pm | I think that the U.S. should withhold its aid.",
         "I think that the U.S. should withhold its aid."),
        ("12:13 UK time, Thursday, 10 June 2010 Mr Obama's blunt criticism of BP has prompted accusations.",
         "Mr Obama's blunt criticism of BP has prompted accusations."),
        # the stamps recognized before stay recognized
        ("BEIRUT | Wed May 11, 2011 4:25 pm EDT BEIRUT (Reuters) - Syrian forces shelled the town.",
         "Syrian forces shelled the town."),
    ],
)
def test_post_stamps_are_cut_from_summary_sentences(line: str, rest: str) -> None:
    assert summary_sentence(line) == rest


@pytest.mark.parametrize(
    "line",
    [
        "June 15, 2010: President Obama speaks from the Oval Office on the spill.",  # a date alone: an event's
        "20 April: Deepwater Horizon rig explodes, killing 11 people.",
        "On May 11, 2010 at 8:24 pm police arrived at the scene.",  # not in front
        "At 4:29 pm on Monday the protesters left the square.",
    ],
)
def test_event_dates_in_front_are_not_stamps(line: str) -> None:
    assert split_stamp(line) == ("", line)


def test_a_stamp_date_is_no_vote_but_the_same_day_in_the_text_is() -> None:
    lines = ["May 11, 2010 20:24 UTC With the spotlight on the spill, BP executives testified.",
             "May 11, 2010 20:24 UTC BP executives testified on May 11, 2010 before the Senate."]
    art = DatedArticle("a", "x", dt.date(2010, 5, 11), lines,
                       dates=[(0, "2010-05-11", "May 11, 2010"), (1, "2010-05-11", "May 11, 2010"),
                              (1, "2010-05-11", "May 11, 2010")])
    # line 0 names the day only in its stamp; line 1 in its text too ("expr in rest")
    assert event_dates(art) == [(1, dt.date(2010, 5, 11)), (1, dt.date(2010, 5, 11))]
