"""Document-level NER: span repair, label consistency, propagation, the seed article."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from spacy.tokens import Doc

from analysis.errors import ParameterError
from analysis.lang.ner import Mention, document_entities

SEED = "seeds/000_bf838fbfbc626702.txt"
#: Starts of the real text inside paragraphs that begin with caption or credit junk.
_CAPTION_ENDS = (
    "Vladimir Putin is extending",
    "“The President of Russia",
    "Vote tallies in the 2020",
    "Putin, Russia’s autocratic",
)
_BOILERPLATE = ("0\n", "Never miss", "Leave A Reply", "Your email", "This website")

#: gold/seed-article.yml: canonical name -> (surface forms counted, mentions).
SEED_GOLD = {
    "Vladimir Putin": ({"Vladimir Putin", "Putin"}, 10),
    "Joe Biden": ({"Joe Biden", "Biden"}, 8),
    "Donald Trump": ({"Donald Trump", "Trump"}, 7),
    "Associated Press": ({"Associated Press", "AP"}, 4),
    "Electoral College": ({"Electoral College"}, 3),
    "Russia": ({"Russia"}, 3),
    "United States": ({"United States"}, 3),
    "Kremlin": ({"Kremlin"}, 2),
    "Kamala Harris": ({"Kamala Harris"}, 1),
    "Dmitry Peskov": ({"Dmitry Peskov"}, 1),
    "The New York Times": ({"The New York Times"}, 1),
    "Democratic Party": ({"Democratic Party"}, 1),
    "Moscow": ({"Moscow"}, 1),
    "Hawaii": ({"Hawaii"}, 1),
    "California": ({"California"}, 1),
    "Washington, D.C.": ({"Washington, D.C."}, 1),
}
SEED_PEOPLE = ("Vladimir Putin", "Joe Biden", "Donald Trump", "Kamala Harris", "Dmitry Peskov")


def _with_ents(doc: Doc, ents: list[tuple[str, str]]) -> Doc:
    """Replace the model's entities by the given (text, label) pairs, in text order."""
    spans, pos = [], 0
    for text, label in ents:
        start = doc.text.index(text, pos)
        pos = start + len(text)
        spans.append(doc.char_span(start, pos, label=label))
    doc.ents = spans
    return doc


def _texts(mentions: list[Mention]) -> list[tuple[str, str]]:
    return [(m.text, m.label) for m in mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # possessive and lowercase "the" stripped
        (
            "Angela Merkel's government met the European Commission in Brussels.",
            [("Angela Merkel", "PERSON"), ("European Commission", "ORG"), ("Brussels", "GPE")],
        ),
        # a mid-sentence "The" belongs to the title
        (
            "The report was published by The New York Times on Friday.",
            [("The New York Times", "ORG")],
        ),
    ],
)
def test_span_repair(nlp, text: str, expected: list[tuple[str, str]]) -> None:
    assert _texts(document_entities(nlp(text))) == expected


@pytest.mark.parametrize(
    ("ents", "expected"),
    [
        # a trailing score and a spaced separator are cut off; an infix hyphen is kept
        ([("Middlesbrough 0", "ORG")], [("Middlesbrough", "ORG")]),
        ([("Dampier / Kaohsiung", "GPE")], [("Dampier", "GPE"), ("Kaohsiung", "GPE")]),
        ([("Bre-X", "ORG")], [("Bre-X", "ORG")]),
        # a lowercase word is never a name
        ([("heifers", "PERSON")], []),
    ],
)
def test_span_trimming(nlp, ents: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    doc = _with_ents(nlp("Middlesbrough 0 beat Bre-X from Dampier / Kaohsiung with heifers ."), ents)
    assert _texts(document_entities(doc, propagate=False)) == expected


def test_table_rows_share_a_label(nlp) -> None:
    text = "Standings :\nHereford 22 6 5 11 23 31 23\nCoventry 16 1 7 8 10 23 10\nDarlington 22 6 4 12 30 39 22"
    doc = _with_ents(nlp(text), [("Hereford", "ORG"), ("Coventry", "GPE")])
    # an opt-in rule since the name tagger (DEFAULT_SKIP); the default leaves the model's labels
    assert _texts(document_entities(doc, skip=())) == [("Hereford", "ORG"), ("Coventry", "ORG"), ("Darlington", "ORG")]
    assert ("Coventry", "GPE") in _texts(document_entities(doc))


def test_rules_can_be_skipped(nlp) -> None:
    doc = _with_ents(nlp("Kremlin denied it. Kremlin officials met. Kremlin said no."),
                     [("Kremlin", "ORG"), ("Kremlin", "FAC"), ("Kremlin", "ORG")])
    assert [m.label for m in document_entities(doc, propagate=False, skip=("harmonise_labels",))] == ["ORG", "FAC", "ORG"]
    with pytest.raises(ParameterError, match="unknown rules"):
        document_entities(doc, skip=("no_such_rule",))


def test_unknown_caps_mode_is_refused(nlp) -> None:
    with pytest.raises(ParameterError):
        document_entities(nlp("Paris."), caps="shout")


def test_surname_is_propagated_as_person(nlp) -> None:
    text = (
        "Barack Obama visited Germany on Monday. Later, Obama met students in Berlin, "
        "and Obama's speech was praised."
    )
    mentions = document_entities(nlp(text), labels={"PERSON"})
    assert [m.text for m in mentions] == ["Barack Obama", "Obama", "Obama"]
    assert {m.label for m in mentions} == {"PERSON"}


def test_other_occurrences_are_propagated(nlp) -> None:
    doc = _with_ents(nlp("Acme Corporation hired engineers. Analysts said Acme Corporation grew."),
                     [("Acme Corporation", "ORG")])
    assert [m.source for m in document_entities(doc, propagate=False)] == ["model"]
    mentions = document_entities(doc)
    assert [(m.start, m.text, m.label, m.source) for m in mentions] == [
        (0, "Acme Corporation", "ORG", "model"),
        (doc.text.rindex("Acme"), "Acme Corporation", "ORG", "propagated"),
    ]


def test_no_propagation_inside_a_larger_name(nlp) -> None:
    text = "Jordan criticised the plan. Jordan Airlines cancelled flights to Jordan."
    starts = {m.start: m.text for m in document_entities(nlp(text))}
    airline = text.index("Jordan Airlines")
    assert airline not in starts or starts[airline] != "Jordan"


def test_majority_label_wins(nlp) -> None:
    doc = _with_ents(nlp("Kremlin denied it. Kremlin officials met. Kremlin said no."),
                     [("Kremlin", "ORG"), ("Kremlin", "FAC"), ("Kremlin", "ORG")])
    mentions = document_entities(doc, propagate=False)
    assert [m.label for m in mentions] == ["ORG", "ORG", "ORG"]
    assert [m.source for m in mentions] == ["model", "relabelled", "model"]


def test_labels_filter_and_order(nlp) -> None:
    doc = nlp("Paris is in France. Emmanuel Macron lives in Paris.")
    mentions = document_entities(doc, labels={"GPE"})
    assert [m.text for m in mentions] == ["Paris", "France", "Paris"]
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


def test_caps_headline_read_from_body_names(nlp) -> None:
    text = "SOCCER - JAPAN BEAT SYRIA IN ASIAN CUP .\nJapan beat Syria 2-1 in Tokyo on Friday ."
    head_end = text.index("\n")
    for caps in ("recase", "lookup"):
        mentions = document_entities(nlp(text), labels={"GPE"}, caps=caps)
        assert {"JAPAN", "SYRIA"} <= {m.text for m in mentions if m.start < head_end}


def seed_text(shared_dir) -> str:
    """The seed article as the cleaner should leave it: title, blank line, 15 paragraphs."""
    raw = (shared_dir / SEED).read_text(encoding="utf-8").replace("\u00a0", " ")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
    title, body = paragraphs[0], []
    for para in paragraphs[1:]:
        if para == title or para.startswith(_BOILERPLATE):
            continue
        for start in _CAPTION_ENDS:
            if start in para:
                para = para[para.index(start):]
        body.append(para)
    assert len(body) == 15
    return "\n\n".join([title, *body])


@pytest.mark.shared
def test_seed_article_counts(nlp, shared_dir) -> None:
    mentions = document_entities(nlp(seed_text(shared_dir)))
    surface = Counter(m.text for m in mentions)
    counts = {name: sum(surface[a] for a in aliases) for name, (aliases, _) in SEED_GOLD.items()}
    assert counts == {name: n for name, (_, n) in SEED_GOLD.items()}
    people = {m.text for m in mentions if m.label == "PERSON"}
    assert people <= set().union(*(SEED_GOLD[n][0] for n in SEED_PEOPLE))
    assert all(m.text == seed_text(shared_dir)[m.start: m.end] for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:]))
