"""Canonical entities: alias resolution, frequency table, co-occurrence, chart."""
from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from analysis.articles.entities import (
    FREQUENCY_COLUMNS,
    MENTION_COLUMNS,
    cooccurrence,
    entity_frequency,
    entity_mentions,
    plot_entity_frequency,
    resolve_aliases,
)
from analysis.types import Article


@pytest.mark.parametrize(
    "surfaces, alias, canonical",
    [
        ([("Vladimir Putin", "PERSON"), ("Putin", "PERSON")], "Putin", "Vladimir Putin"),
        ([("Associated Press", "ORG"), ("AP", "ORG")], "AP", "Associated Press"),
        ([("the United States", "GPE"), ("U.S.", "GPE")], "U.S.", "United States"),
        ([("Russia’s", "GPE"), ("Russia", "GPE")], "Russia", "Russia"),
        # two full names share a surname: the bare surname stays apart
        ([("Hillary Clinton", "PERSON"), ("Bill Clinton", "PERSON"), ("Clinton", "PERSON")], "Clinton", "Clinton"),
        # an acronym two names could spell stays apart
        ([("Associated Press", "ORG"), ("American Psychiatric", "ORG"), ("AP", "ORG")], "AP", "AP"),
    ],
)
def test_resolve_aliases(surfaces, alias, canonical):
    assert resolve_aliases(surfaces)[alias] == canonical


def _article(text: str) -> Article:
    title, *paras = text.split("\n\n")
    return Article(id="t", title=title, paragraphs=tuple(paras))


@pytest.fixture(scope="module")
def small():
    art = _article("Merkel meets Macron\n\nAngela Merkel met Emmanuel Macron in Berlin on Monday. "
                   "Merkel said Germany and France agree.\n\nMacron later flew to Paris.")
    return entity_mentions(art)


def test_mentions_columns_and_offsets(small):
    assert list(small.columns) == MENTION_COLUMNS
    text = _article("Merkel meets Macron\n\nAngela Merkel met Emmanuel Macron in Berlin on Monday. "
                    "Merkel said Germany and France agree.\n\nMacron later flew to Paris.").text
    for row in small.itertuples():
        assert text[row.start:row.end] == row.text


def test_frequency_merges_and_counts(small):
    freq = entity_frequency(small).set_index("entity")
    assert list(entity_frequency(small).columns) == FREQUENCY_COLUMNS
    assert freq.loc["Angela Merkel", "mentions"] == 3
    assert freq.loc["Emmanuel Macron", "mentions"] == 3
    assert freq.loc["Angela Merkel", "family"] == "PERSON"
    assert 0 < freq.loc["Angela Merkel", "sentence_share"] <= 1
    assert freq["mentions"].is_monotonic_decreasing


def test_cooccurrence_pairs(small):
    co = cooccurrence(small)
    pair = co[(co["source"] == "Angela Merkel") & (co["target"] == "Emmanuel Macron")]
    assert pair["sentences"].item() == 2  # the title and the first sentence


def test_empty_article_gives_empty_tables():
    m = entity_mentions(_article("nothing here\n\nno names at all, only words."))
    assert m.empty and list(m.columns) == MENTION_COLUMNS
    assert entity_frequency(m).empty


def test_plot_returns_figure(small):
    fig = plot_entity_frequency(entity_frequency(small), top=5)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == min(5, entity_frequency(small)["entity"].nunique())
