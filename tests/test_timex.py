"""Tests of analysis.lang.timex: relative-date rules with a fixed DCT, non-dates, the seed article."""
from __future__ import annotations

import datetime as dt

import pytest

from analysis.lang.nlp import parse
from analysis.io.dates import infer_dct
from analysis.lang.timex import Timex, extract_timexes, parse_number

DCT = dt.date(2020, 12, 15)  # a Tuesday

# A cleaned copy of the seed article's body (seeds/000_bf838fbfbc626702.txt).
SEED_BODY = """\
Vladimir Putin is extending his congratulations to former Vice President Joe Biden after the Electoral College officially voted for him to be the next president of the United States on Monday.

A statement from the Kremlin published on Tuesday noted that the Russian president, 68, “wished the president-elect every success” going forward in his new role.

Giving a direct quote from Putin addressing Biden, 78, the release concluded, “For my part, I am ready for interaction and contacts with you.”

Vote tallies in the 2020 presidential election finished in November, followed by state certifications this month. One by one, lawsuits have failed to persuade the courts of fraud or wrongdoing in the voting process, and the Electoral College on Monday made it official that Biden will become the 46th president of the United States.

The usually little-watched procedure took place throughout the day Monday across the country, as the 538 presidential electors cast ballots according to their state’s popular-vote winner. Hawaii was the final state to vote in the Electoral College, Monday night, while California’s electors put Biden over the 270-vote threshold.

Biden defeated President Donald Trump 306-232 — the same result that was projected by media outlets days after the Nov. 3 election, even as Trump, 74, began claiming that the election was “stolen.”

Putin, Russia’s autocratic leader, has been a familiar foreign ally to Trump throughout his presidency, even defending Trump last December against being impeached for what he called “far-fetched” reasons.

“It’s simply a continuation of internal political struggle,” Putin told reporters in Moscow at the time, according to the AP. “The party that lost the [2016] election, the Democratic Party, is trying to achieve results by other means.”

Putin and the Russian government were a primary focus for those lobbying for Trump’s impeachment since 2016, especially during the extended probe into Trump’s election.

The Kremlin previously announced on Nov. 9 that Putin would hold off on extending his congratulations to Biden until the 2020 result was official, the Associated Press reported at the time.
"""

# (timex text, value) of the seed's 14 gold timeline expressions, in text order.
SEED_TIMELINE = [
    ("Monday", "2020-12-14"), ("Tuesday", "2020-12-15"), ("2020", "2020"), ("November", "2020-11"),
    ("this month", "2020-12"), ("Monday", "2020-12-14"), ("Monday", "2020-12-14"),
    ("Monday night", "2020-12-14TNI"), ("Nov. 3", "2020-11-03"), ("last December", "2019-12"),
    ("2016", "2016"), ("2016", "2016"), ("Nov. 9", "2020-11-09"), ("2020", "2020"),
]
NOT_TIMEXES = ["68", "78", "74", "306-232", "538", "270-vote", "46th"]


def _timexes(text: str, dct: dt.date | None = DCT) -> list[Timex]:
    return extract_timexes(parse(text, use_cache=False), dct)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The electors voted on Monday.", ("Monday", "DATE", "2020-12-14")),
        ("The statement was published Tuesday.", ("Tuesday", "DATE", "2020-12-15")),
        ("The president will visit Moscow on Friday.", ("Friday", "DATE", "2020-12-18")),
        ("The summit took place on Friday.", ("Friday", "DATE", "2020-12-11")),
        ("The talks resume next Monday.", ("next Monday", "DATE", "2020-12-21")),
        ("Hawaii voted Monday night.", ("Monday night", "DATE", "2020-12-14TNI")),
        ("Vote tallies finished in November.", ("November", "DATE", "2020-11")),
        ("He defended Trump last December.", ("last December", "DATE", "2019-12")),
        ("The deal will close in March.", ("March", "DATE", "2021-03")),
        ("States certified results this month.", ("this month", "DATE", "2020-12")),
        ("Prices rose last week.", ("last week", "DATE", "2020-W50")),
        ("Profits fell last year.", ("last year", "DATE", "2019")),
        ("The plant opens next year.", ("next year", "DATE", "2021")),
        ("Sales grew in the third quarter.", ("the third quarter", "DATE", "2020-Q3")),
        ("It was projected days after the Nov. 3 election.", ("Nov. 3", "DATE", "2020-11-03")),
        ("The Kremlin announced on Nov. 9 that it would wait.", ("Nov. 9", "DATE", "2020-11-09")),
        ("They met yesterday.", ("yesterday", "DATE", "2020-12-14")),
        ("The vote is today.", ("today", "DATE", "2020-12-15")),
        ("He will speak tomorrow morning.", ("tomorrow morning", "TIME", "2020-12-16TMO")),
        ("The talks began a year ago.", ("a year ago", "DATE", "2019")),
        ("The firm was founded three months ago.", ("three months ago", "DATE", "2020-09")),
        ("The plant closed in 1998.", ("1998", "DATE", "1998")),
        ("Lobbying has focused on him since 2016.", ("2016", "DATE", "2016")),
        ("The party that lost the [2016] election.", ("2016", "DATE", "2016")),
        ("It was signed on Dec. 14, 2020.", ("Dec. 14, 2020", "DATE", "2020-12-14")),
        ("It was signed on 3 November 2019.", ("3 November 2019", "DATE", "2019-11-03")),
        ("It opened in July 1997.", ("July 1997", "DATE", "1997-07")),
        ("Trade boomed in the 1990s.", ("the 1990s", "DATE", "199")),
        ("Prices are now higher.", ("now", "DATE", "PRESENT_REF")),
        ("The company is currently profitable.", ("currently", "DATE", "PRESENT_REF")),
        ("It happened in the past.", ("the past", "DATE", "PAST_REF")),
        ("Crime fell in recent years.", ("recent years", "DATE", "PAST_REF")),
        ("The strike lasted three days.", ("three days", "DURATION", "P3D")),
        ("Growth slowed over the past decade.", ("the past decade", "DURATION", "P10Y")),
        ("It takes a year to build.", ("a year", "DURATION", "P1Y")),
        ("The flight lasted 5 1/2 hours.", ("5 1/2 hours", "DURATION", "PT5H30M")),
        ("He signed a five-year contract.", ("five-year", "DURATION", "P5Y")),
        ("The board meets every week.", ("every week", "SET", "P1W")),
        ("Dividends are paid annually.", ("annually", "SET", "P1Y")),
        ("The rally starts at 3 p.m. today.", ("3 p.m. today", "TIME", "2020-12-15T15:00")),
        ("The offer expires at 5 p.m. EST Dec. 18.", ("5 p.m. EST Dec. 18", "TIME", "2020-12-18T17:00")),
        ("The case will be heard in May.", ("May", "DATE", "2021-05")),
        ("He was found on Thanksgiving Day.", ("Thanksgiving Day", "DATE", "2020-11-26")),
        ("The plant opened in nineteen ninety-six.", ("nineteen ninety-six", "DATE", "1996")),
        ("Profit rose 5% in the latest quarter.", ("the latest quarter", "DATE", "2020-Q3")),
        ("The probe took 2 1/2 years.", ("2 1/2 years", "DURATION", "P2Y6M")),
        ("The feud went on for years.", ("years", "DURATION", "PXY")),
        ("The fee is $5 million a year.", ("a year", "SET", "P1Y")),
    ],
)
def test_relative_rules_with_dct(text: str, expected: tuple[str, str, str]) -> None:
    found = [(t.text, t.type, t.value) for t in _timexes(text)]
    assert expected in found, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vote tallies finished in November.", ("November", "XXXX-11", "unresolved")),
        ("The electors voted on Monday.", ("Monday", "XXXX-WXX-1", "unresolved")),
        ("It was projected after the Nov. 3 election.", ("Nov. 3", "XXXX-11-03", "unresolved")),
        ("It was signed on Dec. 14, 2020.", ("Dec. 14, 2020", "2020-12-14", "absolute")),
        ("The strike lasted three days.", ("three days", "P3D", "absolute")),
    ],
)
def test_without_dct_values_stay_underspecified(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in [(t.text, t.value, t.anchor) for t in _timexes(text, None)]


@pytest.mark.parametrize(
    "text",
    [
        "the Russian president, 68, wished him success.",
        "Biden defeated President Donald Trump 306-232 in the count.",
        "The 538 presidential electors cast ballots.",
        "California put Biden over the 270-vote threshold.",
        "He will become the 46th president.",
        "A 68-year-old man was arrested.",
        "The company hired 2000 workers.",
        "Theresa May spoke to reporters.",
    ],
)
def test_ages_scores_and_counts_are_not_timexes(text: str) -> None:
    assert _timexes(text) == []


def test_seed_article_timeline() -> None:
    doc = parse(SEED_BODY, use_cache=False)
    timexes = extract_timexes(doc, DCT)
    dated = [(t.text, t.value) for t in timexes if t.type in ("DATE", "TIME") and t.value[:1].isdigit()]
    assert dated == SEED_TIMELINE
    texts = {t.text for t in timexes}
    assert not texts & set(NOT_TIMEXES)


def test_seed_timeline_matches_gold_yaml(shared_dir) -> None:
    yaml = pytest.importorskip("yaml")
    gold = yaml.safe_load((shared_dir / "gold" / "seed-article.yml").read_text(encoding="utf-8"))
    values = [t.value for t in extract_timexes(parse(SEED_BODY, use_cache=False), gold["document"]["published"])]
    for item in gold["timeline"]:
        assert any(v.startswith(str(item["value"])) for v in values), item
    for not_timex in gold["not_timexes"]:
        assert not_timex not in [t.text for t in extract_timexes(parse(SEED_BODY, use_cache=False), DCT)]


def test_timex_records_are_consistent() -> None:
    doc = parse(SEED_BODY, use_cache=False)
    timexes = extract_timexes(doc, DCT)
    sents = list(doc.sents)
    assert timexes == sorted(timexes, key=lambda t: t.start)
    for prev, cur in zip(timexes, timexes[1:]):
        assert prev.end <= cur.start
    for t in timexes:
        assert doc.text[t.start:t.end] == t.text
        assert sents[t.sent_index].start_char <= t.start < sents[t.sent_index].end_char
        assert t.anchor in ("absolute", "dct", "unresolved")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("three", 3), ("twenty-four", 24), ("twenty four", 24), ("2 1/2", 2.5), ("a", 1), ("a couple of", 2), ("several", None)],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Filed Dec. 15, 2020. The vote on November 3, 2020 was close.", dt.date(2020, 12, 15)),
        ("Published 14 December 2020 at noon.", dt.date(2020, 12, 14)),
        ("It happened on Monday.", None),
        # a dateline wins over a later date in the body
        ("Putin writes to Biden\n\nMOSCOW, Dec. 15, 2020 — Putin congratulated Biden, who takes office after "
         "the vote on January 6, 2021 is counted.", dt.date(2020, 12, 15)),
        # a date alone in a short paragraph (a byline line)
        ("Title\n\nBy Jane Doe · 2 March 2021\n\nThe results of 5 April 2021 were published today.", dt.date(2021, 3, 2)),
        # a short title is not a byline
        ("Vote of 3 November 2020 counted\n\nOfficials in every county of the state said the count finished on "
         "10 November 2020 after a week.", dt.date(2020, 11, 10)),
        # no dateline: the latest date that is not looked forward to
        ("Biden will be sworn in on January 20, 2021, officials said in a long statement on the transition. The Electoral "
         "College voted on December 14, 2020, and the states certified results on December 8, 2020 after weeks of counting.",
         dt.date(2020, 12, 14)),
        ("The company was founded on 1 May 1990 in a garage in the suburbs and was listed on the exchange on 3 June 1999 "
         "after years of steady growth.", dt.date(1999, 6, 3)),
    ],
)
def test_infer_dct(text: str, expected: dt.date | None) -> None:
    assert infer_dct(text) == expected


# --------------------------------------------------------------------------- error classes seen on other news (issue 15)
MAY_DCT = dt.date(2024, 5, 14)  # a Tuesday in May


def _value(text: str, expression: str, dct: dt.date = MAY_DCT) -> str | None:
    found = [t for t in _timexes(text, dct) if t.text == expression]
    return found[0].value if found else None


@pytest.mark.parametrize(
    ("text", "expression", "value"),
    [
        ("Sales are expected to recover in October.", "October", "2024-10"),
        ("The company will report on Wednesday.", "Wednesday", "2024-05-15"),
        ("The launch is planned for early June.", "early June", "2024-06"),
        ("Analysts expect the third quarter to be weaker.", "the third quarter", "2024-Q3"),
    ],
)
def test_forward_looking_dates_are_anchored_forward(text, expression, value) -> None:
    assert _value(text, expression) == value


def test_clock_time_keeps_utc_zone() -> None:
    assert _value("The market closed at 16:08 UTC on Tuesday.", "16:08 UTC") == "2024-05-14T16:08Z"


@pytest.mark.parametrize(
    ("text", "expression", "value"),
    [
        ("Profit rose from the first quarter of last year.", "the first quarter of last year", "2023-Q1"),
        ("Revenue fell 3% from the same period a year earlier.", "the same period a year earlier", "2023-Q1"),
    ],
)
def test_quarter_of_last_year_in_full_and_right_year(text, expression, value) -> None:
    assert _value(text, expression) == value


def test_a_week_ago_is_a_day() -> None:
    assert _value("The talks collapsed a week ago.", "a week ago") == "2024-05-07"


@pytest.mark.parametrize(
    ("text", "expression", "value"),
    [
        ("The dam burst on March 3, 2024. The next day, rescuers arrived.", "The next day", "2024-03-04"),
        ("The dam burst on March 3, 2024. Two days later the army came.", "Two days later", "2024-03-05"),
        ("The dam burst on March 3, 2024. The day before, the river had risen.", "The day before", "2024-03-02"),
    ],
)
def test_expressions_anchored_to_a_dated_event(text, expression, value) -> None:
    assert _value(text, expression) == value


@pytest.mark.parametrize(
    ("text", "expression", "value", "part"),
    [
        ("The company will open a plant later this year.", "later this year", "2024", 1),
        ("The deal is due to close later this month.", "later this month", "2024-05", 1),
        ("Talks resume later this week.", "later this week", "2024-W20", 1),
        ("The vote is expected later in the year.", "later in the year", "2024", 1),
        ("Growth should pick up over the rest of the year.", "the rest of the year", "2024", 1),
        ("He resigned earlier this week.", "earlier this week", "2024-W20", -1),
        ("Prices rose earlier this year.", "earlier this year", "2024", -1),
        ("Earlier this month, the bank cut rates.", "Earlier this month", "2024-05", -1),
        ("Results are due early next year.", "early next year", "2025", 0),
        ("Sales slowed late last year.", "late last year", "2023", 0),
        ("Sales rose this year.", "this year", "2024", 0),
    ],
)
def test_later_this_year_is_the_dct_period_and_its_part(text, expression, value, part) -> None:
    """TIMEX3 value: the DCT's period (TimeML, as TE3-Platinum annotates "later this year"); which part
    of it the expression means (after / before the DCT) is :func:`dct_part`."""
    from analysis.lang.timex import dct_part

    assert _value(text, expression) == value
    assert dct_part(expression) == part


DEC_DCT = dt.date(2017, 12, 20)  # five days before Christmas
JAN_DCT = dt.date(2018, 1, 3)  # nine days after it


@pytest.mark.parametrize(
    ("text", "expression", "dct", "value"),
    [
        # forward-looking text: the coming holiday, not last year's
        ("Retailers hope to clear their stock before Christmas.", "Christmas", DEC_DCT, "2017-12-25"),
        ("Shoppers are crowding the malls before Christmas.", "Christmas", DEC_DCT, "2017-12-25"),
        ("Shoppers rushed to the malls before Christmas.", "Christmas", DEC_DCT, "2017-12-25"),
        ("The family plans a quiet Christmas Eve at home.", "Christmas Eve", DEC_DCT, "2017-12-24"),
        ("This Christmas the market is quieter.", "This Christmas", DEC_DCT, "2017-12-25"),
        ("The store will close on Christmas Day.", "Christmas Day", DEC_DCT, "2017-12-25"),
        # ... written just after it: the one that has passed
        ("Sales were weak over Christmas.", "Christmas", JAN_DCT, "2017-12-25"),
        ("This Christmas the market was quieter.", "This Christmas", JAN_DCT, "2017-12-25"),
        # past tense with the holiday ahead: last year's; "last"/"next" name the occurrence
        ("The plant closed at Christmas.", "Christmas", DEC_DCT, "2016-12-25"),
        ("Last Christmas the plant closed.", "Last Christmas", DEC_DCT, "2016-12-25"),
        ("Next Christmas the plant reopens.", "Next Christmas", JAN_DCT, "2018-12-25"),
        # a computed holiday and a month-day follow the same rule
        ("Stores expect crowds after Thanksgiving.", "Thanksgiving", dt.date(2017, 11, 20), "2017-11-23"),
        ("Stores are busy before Dec. 24.", "Dec. 24", DEC_DCT, "2017-12-24"),
        ("The vote took place on Dec. 28.", "Dec. 28", DEC_DCT, "2016-12-28"),
    ],
)
def test_holidays_resolve_to_the_occurrence_the_tense_allows(text, expression, dct, value) -> None:
    assert _value(text, expression, dct) == value
