"""The seed article against the hand-made reference ../shared/gold/seed-article.yml."""
from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from analysis import entity_frequency, entity_mentions, load_article, timeline
from analysis.config import SEEDS_DIR
from analysis.articles.entities import TYPE_FAMILY

SEED = SEEDS_DIR / "000_bf838fbfbc626702.txt"


@pytest.fixture(scope="module")
def gold(shared_dir):
    return yaml.safe_load((shared_dir / "gold" / "seed-article.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def article():
    return load_article(SEED)


@pytest.fixture(scope="module")
def mentions(article):
    return entity_mentions(article)


@pytest.fixture(scope="module")
def freq(mentions):
    return entity_frequency(mentions).set_index("entity")


def test_seed_copy_is_identical(shared_dir):
    assert SEED.read_bytes() == (shared_dir / "seeds" / SEED.name).read_bytes()


def test_document_metadata(article, gold):
    doc = gold["document"]
    assert article.title == doc["title"]
    assert article.outlet == doc["outlet"]
    assert article.published == doc["published"]
    assert article.language == doc["language"]
    assert len(article.paragraphs) == doc["body_paragraphs"]


def test_boilerplate_absent_from_text_and_entities(article, mentions, freq, gold):
    entity_text = " | ".join([*mentions["text"], *freq.index, *freq["aliases"]])
    for snippet in gold["boilerplate_must_be_removed"]:
        assert snippet not in article.text, snippet
        assert snippet not in entity_text, snippet


def test_credit_only_people_absent(article, mentions, gold):
    for name in gold["people_who_only_appear_in_credits"]:
        assert name not in article.text
        assert not mentions["text"].str.contains(name.split()[-1]).any(), name


def test_removed_text_is_inspectable(article, gold):
    removed = " ".join(r.text for r in article.removed)
    for snippet in gold["boilerplate_must_be_removed"]:
        assert snippet in removed, snippet


def _family(label: str) -> str:
    return {"FAC": "ORG"}.get(label, TYPE_FAMILY.get(label, label))


def test_gold_entities_counted_exactly(freq, gold):
    wrong = {}
    for name, spec in gold["entities"].items():
        got = int(freq["mentions"].get(name, 0))
        if got != spec["mentions"]:
            wrong[name] = (spec["mentions"], got)
    assert not wrong, f"(gold, counted): {wrong}"


def test_gold_entity_types(freq, gold):
    for name, spec in gold["entities"].items():
        label = freq.loc[name, "label"]
        if name == "Kremlin":  # the gold file accepts FAC/ORG/GPE
            assert label in {"FAC", "ORG", "GPE"}
        else:
            assert label == spec["type"], (name, label)


def test_gold_aliases_merged(freq, gold):
    for name, spec in gold["entities"].items():
        for alias in spec.get("aliases", []):
            assert alias in freq.loc[name, "aliases"].split("; "), (name, alias)


def _core(expression: str) -> str:
    return re.sub(r"^(on|in|since|at|by)\s+", "", expression)


def test_timeline_gold_values(article, gold):
    tl = timeline(article)
    # The gold file gives "Monday night" as its day; TIMEX3 adds the part of day (2020-12-14TNI).
    got = Counter(zip(tl["expression"], tl["value"].str.replace(r"T(NI|MO|AF|EV)$", "", regex=True)))
    assert (tl.loc[tl["expression"] == "Monday night", "value"] == "2020-12-14TNI").all()
    want = Counter((_core(g["text"]), str(g["value"])) for g in gold["timeline"])
    missing = want - got
    assert not missing, f"missing (expression, value): {dict(missing)}"


def test_no_timex_for_numbers(article, gold):
    tl = timeline(article)
    for not_timex in gold["not_timexes"]:
        assert not (tl["expression"] == not_timex).any(), not_timex
        assert not tl["expression"].str.fullmatch(re.escape(not_timex)).any()
