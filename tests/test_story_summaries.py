"""Which sentences may tell a day (issue 15): plain reported statements, and the day's centroid
(DATEWISE's shared-term date vector, or every candidate of the day). Built on constructed
per-article results, so no parse is needed."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from analysis.corpus import story as S

DAY = dt.date(2020, 3, 1)
#: The story pass without the four summary-sentence choices (each test switches one on).
BEFORE = S.StoryOptions(plain=False, dateline=False, date_centroid="mean", centroid_pool="matching", relevance=0)


def _with(**changes) -> S.StoryOptions:
    return dataclasses.replace(BEFORE, **changes)


def _article(aid: str, published: dt.date, lines: list[str], dated: list[int]) -> S.DatedArticle:
    """An article whose lines ``dated`` name ``DAY`` ("on March 1")."""
    return S.DatedArticle(aid, aid.split("_")[0], published, lines, [(i, DAY.isoformat(), "March 1") for i in dated])


@pytest.mark.parametrize(
    ("sentence", "plain"),
    [
        ("The Ruritania dam burst on March 1, flooding three villages.", True),
        ('The minister said "we will rebuild every house" in Ruritania.', True),  # first person inside a quote
        ("Could the Ruritania dam have been saved on March 1?", False),  # a question
        ("I watched the Ruritania dam burst on March 1 from my window.", False),  # first person
        ("We were told to leave Ruritania on March 1.", False),
        ('"It burst like paper," a Ruritania farmer said of the dam on March 1.', False),  # opens with a quotation
    ],
)
def test_plain_statement(sentence: str, plain: bool) -> None:
    assert S.plain_statement(sentence) is plain


def test_plain_option_keeps_questions_and_first_person_out_of_the_summary() -> None:
    question = "Why did the Ruritania dam burst on March 1 and flood the valley villages?"
    arts = [
        _article("a_1", DAY, [question, "The Ruritania dam burst on March 1 and flooded three valley villages."], [0, 1]),
        _article("b_1", DAY, [question], [0]),
        _article("c_1", DAY, [question], [0]),
    ]
    loose = S.story(arts, keywords=["ruritania"], n_dates=1, n_sentences=1, options=BEFORE)
    plain = S.story(arts, keywords=["ruritania"], n_dates=1, n_sentences=1, options=_with(plain=True))
    assert loose["summary"].iloc[0] == question  # three articles ask it: the most central candidate
    assert plain["summary"].iloc[0].startswith("The Ruritania dam burst")


def test_shared_date_centroid_keeps_the_terms_both_kinds_of_sentence_use() -> None:
    # Sentences dating an event to the day talk of the dam and of an unrelated football match; the day's
    # lead sentences talk of the dam: the shared-term centroid is the dam, the plain mean leans to football.
    football = "Ruritania football fans filled the stadium on March 1 for the cup final."
    dam = "The Ruritania dam burst on March 1 and flooded the villages."
    arts = [_article(f"f{i}_1", DAY - dt.timedelta(days=20), [football], [0]) for i in range(4)]
    arts += [_article("d_1", DAY - dt.timedelta(days=20), [dam], [0])]
    arts += [_article(f"l{i}_1", DAY, [f"Ruritania dam burst floods villages, report {w}."], [])
             for i, w in enumerate(["one", "two"])]
    mean = S.story(arts, keywords=["ruritania"], start=DAY - dt.timedelta(days=30), end=DAY, n_dates=1,
                   n_sentences=1, options=_with(dup_sim=1.01))
    shared = S.story(arts, keywords=["ruritania"], start=DAY - dt.timedelta(days=30), end=DAY, n_dates=1,
                     n_sentences=1, options=_with(dup_sim=1.01, date_centroid="shared"))
    assert mean["date"].dt.date.iloc[0] == DAY and shared["date"].dt.date.iloc[0] == DAY
    assert "football" in mean["summary"].iloc[0]
    assert shared["summary"].iloc[0] == dam


def test_all_candidates_pool_lets_keywordless_sentences_shape_the_centroid() -> None:
    # Most sentences of the day are about the flood but do not name the keyword; two keyword sentences compete.
    flood = ["The flood water rose through the valley villages overnight.",
             "Villages in the valley were under flood water by the evening.",
             "Flood water cut the valley road and the villages."]
    near = "Ruritania officials said flood water reached the valley villages on March 1."
    far = "Ruritania television showed the president at a ceremony on March 1."
    arts = [_article(f"k{i}_1", DAY, [s], [0]) for i, s in enumerate(flood)]
    arts += [_article("n_1", DAY, [near], [0])] + [_article(f"f{i}_1", DAY, [far], [0]) for i in range(2)]
    matching = S.story(arts, keywords=["ruritania"], n_dates=1, n_sentences=1, options=BEFORE)
    every = S.story(arts, keywords=["ruritania"], n_dates=1, n_sentences=1, options=_with(centroid_pool="all"))
    assert matching["summary"].iloc[0] == far  # among keyword sentences alone, the repeated one is central
    assert every["summary"].iloc[0] == near


@pytest.mark.parametrize(
    ("sentence", "cut"),
    [
        ("Rig sinks in Gulf LONDON (Reuters) - BP Plc said on Tuesday it would pay for the clean-up.",
         "BP Plc said on Tuesday it would pay for the clean-up."),  # headline fused in front of the dateline
        ("CAIRO, Egypt (CNN) -- Protesters filled Tahrir Square again on Friday.",
         "Protesters filled Tahrir Square again on Friday."),
        ("NEW ORLEANS -- No oil appeared to be leaking from the drilling rig.",
         "No oil appeared to be leaking from the drilling rig."),
        ("BP said on Monday the well was capped.", "BP said on Monday the well was capped."),  # no dateline
        ("WASHINGTON (AP) -- Hi there.", "WASHINGTON (AP) -- Hi there."),  # nothing would remain
    ],
)
def test_drop_dateline(sentence: str, cut: str) -> None:
    assert S.drop_dateline(sentence) == cut


def test_dateline_option_cuts_it_from_the_summary() -> None:
    line = "Dam bursts CAPITAL, Ruritania (AP) -- The Ruritania dam burst on March 1, flooding three villages."
    arts = [_article("a_1", DAY, [line], [0]), _article("b_1", DAY, [line], [0])]
    kept = S.story(arts, keywords=["ruritania"], n_dates=1, n_sentences=1, options=BEFORE)
    cut = S.story(arts, keywords=["ruritania"], n_dates=1, n_sentences=1,
                  options=_with(dateline=True))
    assert kept["summary"].iloc[0] == line
    assert cut["summary"].iloc[0] == "The Ruritania dam burst on March 1, flooding three villages."


def test_the_system_uses_three_of_the_four_choices() -> None:
    o = S.StoryOptions()
    assert (o.plain, o.dateline, o.date_centroid, o.centroid_pool) == (True, True, "mean", "all")
