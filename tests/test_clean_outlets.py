"""General boilerplate rules for multi-outlet scrapes (AllSides): each shape removed, real text kept."""
from __future__ import annotations

from collections import Counter

import pytest

from analysis.io.clean import clean_text
from analysis.io.cleaning_report import cleaning_counts, counts_table
from analysis.types import Article

TITLE = "Council approves the harbour budget"
REAL = "The council approved the harbour budget on Monday after a long debate about dredging costs."


def _reasons(raw: str) -> Counter:
    return Counter(r.reason for r in clean_text(raw).removed)


@pytest.mark.parametrize("line, reason", [
    ("Get the Gazette briefing you care about delivered to your inbox. By signing up, you agree to our terms", "newsletter promo"),
    ("Want the Morning Wire in your inbox every day? Sign up here.", "newsletter promo"),
    ("Sign up for Weekly Newsletters Manage Newsletters", "newsletter promo"),
    ("Advertisement Continue reading the main story", "continue reading"),
    ("To continue reading the columnist's piece on other topics, click here.", "continue reading"),
    ("Click here for more from the Evening Post.", "link promo"),
    ("READ MORE:", "link promo"),
    ("Follow us on Twitter @ExampleOpinion.", "social promo"),
    ("Your financial contribution will not constitute a donation. Please consider making a contribution today.", "reader appeal"),
    ("Have you been affected by the flooding? Please get in touch by emailing tips@example.org.", "reader call-out"),
    ("Copyright © 2019 Example Media, LLC. Click here for reprint permission.", "copyright footer"),
    ("The opinions expressed by columnists are their own and do not represent the views of Example.com.", "columnist disclaimer"),
    ("Photos: Lantern festivals around the world People release lanterns over the river on Sunday. Hide Caption 1 of 12 "
     "Photos: Lantern festivals around the world A child holds a paper lantern. Hide Caption 2 of 12", "photo gallery"),
    ("JUST WATCHED Mayor on the harbour plan Replay More Videos ... MUST WATCH Mayor on the harbour plan 01:49", "video playlist"),
    ("MUST WATCH Dredging the harbour, explained 02:45", "video playlist"),
])
def test_each_shape_is_removed_by_its_rule(line, reason):
    raw = f"{TITLE}\n{REAL}\n{line}\n{REAL} More followed."
    result = clean_text(raw)
    assert _reasons(raw) == Counter({reason: 1})
    assert line not in result.text and REAL in result.text


def test_contact_number_footer_drops_what_follows():
    raw = (f"{TITLE}\n{REAL}\nPlease leave a contact number if you would speak to a reporter. You can also reach us:\n"
           "WhatsApp: +44 7700 900000\nUpload pictures or video")
    result = clean_text(raw)
    assert result.text.endswith(REAL)
    assert _reasons(raw)["contact-number footer"] == 1


def test_person_card_widgets_keep_the_name_and_drop_the_headlines():
    raw = (f"{TITLE}\n“It is not reassuring,” said Rep. Jane Q. Public Jane Quincy PublicSenate passes bill on ports "
           "Overnight Energy: Harbour plan advances MORE (D-Ohio) on Tuesday, and Sen. Bob Roe Robert (Bob) Allen "
           "RoeRoe says talks stalled | Budget fight looms MORE ( R-Ind. ) agreed.")
    result = clean_text(raw)
    body = result.paragraphs[0]
    assert body == "“It is not reassuring,” said Rep. Jane Q. Public (D-Ohio) on Tuesday, and Sen. Bob Roe ( R-Ind. ) agreed."
    assert _reasons(raw) == Counter({"person-card widget": 2})


@pytest.mark.parametrize("para", [
    # real sentences that share words with the rules stay
    "Residents can sign up here at the library or online until Friday, the council said, and more than 400 people "
    "already have, according to figures released on Monday by the harbour office, which runs the programme.",
    "She said she would continue reading the report before deciding how to vote on the harbour budget next week, "
    "and that the numbers on dredging still did not add up for her or for most of her colleagues on the board.",
    "Emails by the hundreds of thousands began to hit the agency's inbox after the ruling.",
    "Smith met Jones and then Smith said MORE needs to be done.",
    "THE SECRETARY WILL ADDRESS THE NATION AND THEN THE NATION WILL HEAR MORE",
    "The museum will hide the caption of photo 1 of 12 until the artist's family agrees, a spokeswoman said on Friday.",
    "Just watched the debate again: the mayor never answered the question about dredging, which starts at 10:30.",
])
def test_real_text_is_kept(para):
    raw = f"{TITLE}\n{para}"
    assert clean_text(raw).paragraphs == [para]


def test_counts_per_outlet_and_rule():
    arts = []
    for outlet, line in (("Paper A", "READ MORE:"), ("Paper A", "READ MORE:"), ("Paper B", "Follow us on Twitter"), (None, REAL)):
        res = clean_text(f"{TITLE}\n{REAL}\n{line}")
        arts.append(Article(id="x", title=res.title, paragraphs=tuple(res.paragraphs), outlet=outlet, removed=res.removed))
    counts, per_outlet = cleaning_counts(arts)
    assert counts.to_dict("records") == [
        {"outlet": "Paper A", "step": "strip_boilerplate", "reason": "link promo", "removed": 2, "articles": 2},
        {"outlet": "Paper B", "step": "strip_boilerplate", "reason": "social promo", "removed": 1, "articles": 1},
    ]
    table = counts_table(counts, per_outlet)
    assert table.loc["TOTAL", "articles"] == 4 and table.loc["(unknown outlet)", "link promo"] == 0
    assert table.loc["Paper A", "link promo"] == 2
