"""Cleaning steps: each boilerplate shape by its general rule, on text that is not the seed."""
from __future__ import annotations

import pytest

from analysis.io.clean import (
    clean_text,
    looks_hard_wrapped,
    normalize_whitespace,
    strip_boilerplate,
    strip_glued_tags,
    strip_photo_captions,
    strip_title_repeats,
    RemovalLog,
)


def test_normalize_whitespace_nbsp_and_lines():
    raw = "Title\u00a0here\n\n\u00a0\nFirst\u00a0 line.\nSecond line.\u200b"
    assert normalize_whitespace(raw) == "Title here\n\nFirst line.\n\nSecond line."


def test_hard_wrapped_text_keeps_paragraphs():
    para = ("This is a long line of a hard wrapped document that goes on and on\n" * 3) + "and ends here.\n"
    raw = "Title\n\n" + para + "\n" + para
    assert looks_hard_wrapped(raw)
    assert len(normalize_whitespace(raw).split("\n\n")) == 3


@pytest.mark.parametrize("counter", ["0", "12", "3 Comments"])
def test_title_repeat_and_counter_dropped(counter):
    log = RemovalLog()
    text = f"Big News Today\n\n{counter}\n\nBig News Today\n\nThe body starts here."
    assert strip_title_repeats(text, log=log) == "Big News Today\n\nThe body starts here."
    assert {r.reason for r in log.records} == {"comment counter", "repeated title"}


def test_title_repeat_only_in_header():
    text = "Big News\n\nBody one.\n\n0\n\nBody two."
    assert strip_title_repeats(text) == text


@pytest.mark.parametrize(
    "para, reason",
    [
        ("Never miss a beat — sign up for our free weekly newsletter to get the best stories.", "newsletter promo"),
        ("Subscribe to the Morning Brief newsletter for more.", "newsletter promo"),
        ("Leave a Comment", "comment form"),
        ("Your email address will not be published. Required fields are marked *", "comment form"),
        ("Our site uses cookies to improve your experience. Accept", "cookie banner"),
        ("Accept all cookies", "cookie banner"),
    ],
)
def test_boilerplate_paragraphs(para, reason):
    log = RemovalLog()
    out = strip_boilerplate(f"Title\n\nA real sentence about a cookie policy debate in parliament.\n\n{para}", log=log)
    assert para not in out
    assert log.records[0].reason == reason


def test_footer_after_comment_form_is_dropped():
    out = strip_boilerplate("T\n\nBody.\n\nLeave A Reply\n\nName\n\nWebsite\n\nSave my name")
    assert out == "T\n\nBody."


def test_body_mentioning_newsletters_is_kept():
    text = "T\n\nThe senator's newsletter criticised the bill on Monday."
    assert strip_boilerplate(text) == text


def test_caption_with_credit_glued_to_quote():
    text = ("T\n\nAngela Merkel, Emmanuel Macron are posing for a picture: Angela Merkel (L); Emmanuel Macron "
            "John Smith/Getty Angela Merkel (L); Emmanuel Macron“We agreed on a plan,” the two leaders said.")
    log = RemovalLog()
    out = strip_photo_captions(text, log=log)
    assert out == "T\n\n“We agreed on a plan,” the two leaders said."
    assert "John Smith/Getty" in log.records[0].text


def test_caption_with_via_credit_and_capitalised_sentence_start():
    text = ("T\n\nBoris Johnson wearing a suit and tie: Jane DoeREUTERS via Getty Boris Johnson "
            "Prime Minister Boris Johnson Ministers met on Friday to discuss the budget.")
    assert strip_photo_captions(text) == "T\n\nMinisters met on Friday to discuss the budget."


def test_caption_glued_without_space():
    text = ("T\n\nJoe Smith, Ann Lee are posing for a picture: Bo Chan/Shutterstock Joe Smith and Ann "
            "LeeBo Chan/Shutterstock Joe Smith and Ann LeeSmith, the mayor, said the plan works.")
    assert strip_photo_captions(text) == "T\n\nSmith, the mayor, said the plan works."


def test_paragraph_without_credit_untouched():
    text = "T\n\nThe mayor, wearing a suit and tie: a look voters liked, said Getty Images licensed the photo."
    assert strip_photo_captions(text) == text


def test_glued_topic_tags():
    log = RemovalLog()
    out = strip_glued_tags("T\n\nTaylor SwiftTravis KelceTravis Kelce is heading to the game.", log=log)
    assert out == "T\n\nTravis Kelce is heading to the game."
    assert log.records[0].text == "Taylor SwiftTravis Kelce"


@pytest.mark.parametrize("first", ["McDonald's said on Monday it would raise wages.", "DeSantis signed the bill.",
                                   "Joe Biden spoke in Delaware."])
def test_no_tags_no_change(first):
    assert strip_glued_tags(f"T\n\n{first}") == f"T\n\n{first}"


def test_clean_text_removed_table_columns():
    result = clean_text("Title\n\n0\n\nTitle\n\nBody.\n\nLeave A Reply")
    table = result.removed_table()
    assert list(table.columns) == ["paragraph", "step", "reason", "text"]
    assert len(table) == 3
    assert result.paragraphs == ["Body."]
