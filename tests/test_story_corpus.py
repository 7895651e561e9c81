"""The story of a corpus run, built from its Parquet tables (one parse per article: none here).

A real corpus run (Dask, the tagger, the identity pass) over the constructed Ruritania story of
``test_story.py``, written as JSON Lines, plus one article about something else; the story then
comes from the tables alone, with spaCy's loader made to fail.
"""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analysis.corpus import story as S
from analysis.corpus import story_corpus as SC
from analysis.errors import ParameterError

from test_story import ARTICLES as PTB_ARTICLES

#: An article on another story, published in the same days: a query must leave it out.
OTHER = {"id": "d_1", "time": "2020-03-05", "source": "gazette",
         "text": "Budget vote in Parliament Lawmakers in Freedonia approved the national budget on Thursday by a wide margin .\n"
                 "Finance minister Rufus Firefly said on Thursday that taxes would not rise this year .\n"}

TITLES = {"a_1": "Dam bursts in Ruritania", "b_1": "Ruritania flood", "c_1": "Ruritania mourns",
          "b_2": "Rescuers reach Ruritania valley", "a_2": "Ruritania inquiry opens", "d_1": "Budget vote in Parliament"}


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory):
    """A corpus run's folder (the Ruritania articles and the budget article, as JSON Lines)."""
    from analysis.corpus.runner import run_corpus

    root = tmp_path_factory.mktemp("story_corpus")
    path = root / "ruritania.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for a in [*PTB_ARTICLES, OTHER]:
            title = TITLES[a["id"]]
            text = S.detokenize(a["text"].split("\n", 1)[0])  # the headline is fused into the first line
            assert text.startswith(title)
            body = [text[len(title):].strip()] + [S.detokenize(x) for x in a["text"].splitlines()[1:] if x.strip()]
            f.write(json.dumps({"id": a["id"], "title": title, "text": "\n\n".join(body), "published": a["time"],
                                "outlet": a["source"]}) + "\n")
    out = root / "out"
    run_corpus([path], out, partition_size=6, n_workers=1)
    return out


@pytest.fixture(scope="module")
def tables(corpus_out):
    from analysis.corpus.readers import load_corpus

    return load_corpus(corpus_out)


@pytest.fixture()
def no_parse(monkeypatch):
    """spaCy must not be loaded nor anything parsed while the story is built."""
    def refuse(*args, **kwargs):
        raise AssertionError("the story of a corpus run parsed a text")

    import spacy

    import analysis.lang.nlp as nlp_module

    monkeypatch.setattr(nlp_module, "load_model", refuse)
    monkeypatch.setattr(nlp_module, "parse", refuse)
    monkeypatch.setattr(spacy, "load", refuse)


def _ids(tables, file_ids):
    arts = tables["articles"]
    return set(arts.loc[arts["file_id"].isin(file_ids), "article_id"])


def test_dated_from_corpus_reads_the_tables(tables, no_parse) -> None:
    arts = {a.id: a for a in SC.dated_from_corpus(tables)}
    assert len(arts) == len(PTB_ARTICLES) + 1
    (a_1,) = _ids(tables, ["a_1"])
    assert arts[a_1].published == dt.date(2020, 3, 2) and arts[a_1].outlet == "wire"
    assert "2020-03-01" in {d for _, d, _ in arts[a_1].dates}  # "on Sunday" in a Monday article
    assert all(not d.startswith("2023") for a in arts.values() for _, d, _ in a.dates)  # the widget's day is dropped
    assert len(arts[a_1].lines) == int((tables["sentences"]["article_id"] == a_1).sum())


def test_story_from_corpus_ranks_days_and_merges_sources(tables, no_parse) -> None:
    tab = SC.story_from_corpus(tables, keywords=["ruritania"], n_dates=2, n_sentences=1)
    assert list(tab.columns) == S.STORY_COLUMNS
    assert list(tab["date"].dt.date) == [dt.date(2020, 3, 1), dt.date(2020, 3, 3)]
    first = tab.iloc[0]
    assert "dam burst" in first["summary"]
    assert _ids(tables, ["a_1", "b_1", "c_1"]) <= set(first["source_ids"].split("; "))
    assert first["n_articles"] >= 3 and first["n_outlets"] == 3
    events = SC.story_events_from_corpus(tables, keywords=["ruritania"], n_dates=2, n_sentences=1)
    assert list(events.columns) == S.EVENT_COLUMNS and len(events) == 2


def test_the_corpus_story_agrees_with_the_text_path(tables, monkeypatch, tmp_path, nlp) -> None:
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    from_text = S.story(S.dated_articles(PTB_ARTICLES), keywords=["ruritania"], n_dates=2, n_sentences=1)
    from_corpus = SC.story_from_corpus(tables, keywords=["ruritania"], n_dates=2, n_sentences=1)
    assert list(from_text["date"]) == list(from_corpus["date"])


def test_keyword_and_date_queries_narrow_the_story(tables, no_parse) -> None:
    everything = SC.story_from_corpus(tables, n_dates=10, n_sentences=2)
    assert (everything["date"] == pd.Timestamp("2020-03-05")).any()  # the budget vote is in the unfiltered story
    budget = SC.story_from_corpus(tables, keywords=["budget"], n_dates=10, n_sentences=2, options=S.StoryOptions(relevance=1))
    assert len(budget) and len(budget) < len(everything)
    assert all("budget" in s.lower() for s in budget["summary"])
    assert set(budget["source_ids"].str.split("; ").explode()) == _ids(tables, ["d_1"])
    late = SC.story_from_corpus(tables, start="2020-03-03", end="2020-03-10", n_dates=10)
    assert len(late) and late["date"].min() >= pd.Timestamp("2020-03-03")


def test_entity_query_by_name_and_by_id(tables, no_parse) -> None:
    index = tables["entity_index"]
    row = index[index["name"] == "Ruritania"]
    assert len(row) == 1, index[["name", "type"]].to_string()
    by_name = SC.story_from_corpus(tables, entity="ruritania", n_dates=10, n_sentences=1)
    by_id = SC.story_from_corpus(tables, entity=row["entity_id"].iloc[0], n_dates=10, n_sentences=1)
    pd.testing.assert_frame_equal(by_name, by_id)
    assert len(by_name) and all("Ruritania" in s for s in by_name["summary"])
    sources = set(by_name["source_ids"].str.split("; ").explode())
    assert not sources & _ids(tables, ["d_1"])  # the budget article does not name Ruritania
    assert pd.Timestamp("2020-03-01") in set(by_name["date"])
    with pytest.raises(ParameterError, match="Atlantis"):
        SC.story_from_corpus(tables, entity="Atlantis")
    read = {a.id for a in SC.story_inputs(tables, entity="Ruritania")}
    assert read == _ids(tables, [a["id"] for a in PTB_ARTICLES])  # every Ruritania article, not the budget one


@pytest.mark.slow
def test_story_and_corpus_reports_from_a_corpus_folder(corpus_out, tmp_path) -> None:
    from analysis.corpus.cli import render_corpus_report, render_story_report

    html = render_story_report(corpus_out, tmp_path / "story", entity="Ruritania", n_dates=3, n_sentences=1).read_text()
    assert "The story at a glance" in html and "<img" in html and "Ruritania dam burst" in html
    assert "budget" not in html.lower()  # the entity query leaves the budget article out
    table = pd.read_csv(tmp_path / "story" / "story.csv")
    assert list(table.columns) == S.STORY_COLUMNS and table.loc[0, "date"] == "2020-03-01"
    report = render_corpus_report(corpus_out).read_text()
    assert "The story" in report and "Ruritania dam burst" in report
