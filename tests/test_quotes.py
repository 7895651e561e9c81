"""Direct quotations: fragments, merging, speakers (small texts and the seed's gold quotes)."""
from __future__ import annotations

import pytest

from analysis.io.ingest import load_article
from analysis.articles.quotes import QUOTE_COLUMNS, quotes
from analysis.types import Article


def _article(body: str) -> Article:
    return Article(id="t", title="Test headline", paragraphs=(body,))


@pytest.mark.parametrize(
    "body, starts, speaker, parts",
    [
        # inverted attribution, curly quotes
        ("“We will rebuild the bridge next year,” said Jane Smith, the mayor of Springfield.", "We will rebuild", "Jane Smith", 1),
        # straight quotes
        ('"I am not going anywhere soon," John Carter said on Friday.', "I am not going", "John Carter", 1),
        # interrupted by the attribution: one quotation in two parts
        ("“The economy is strong,” Angela Merkel said, “and it will grow further next year.”", "The economy", "Angela Merkel", 2),
        # pronoun speaker resolved to the preceding PERSON subject
        ("Tom Hanks arrived in Berlin on Monday. “This city has always been good to me,” he said.", "This city", "Tom Hanks", 1),
        # a document speaks, named with its source
        ("A report from the World Bank warned, “Growth will slow sharply in the coming year.”", "Growth will", "World Bank report", 1),
        # multi-sentence quotation
        ("“We won. We will keep winning for years to come,” Maria Lopez told reporters.", "We won. We will", "Maria Lopez", 1),
        # colon attribution, organisation speaker
        ("Microsoft said in a statement: “We are committed to protecting our customers.”", "We are committed", "Microsoft", 1),
        # the next sentence continues the same speaker's quotation
        ("Barack Obama spoke first. “Thank you all for coming tonight,” Obama added. “It means a lot to me and my family.”",
         "Thank you", "Barack Obama", 2),
        # no attribution at all: found, speaker unknown
        ("“Nobody knows what will happen next week.”", "Nobody knows", "", 1),
    ],
)
def test_quote_and_speaker(body, starts, speaker, parts):
    q = quotes(_article(body))
    assert list(q.columns) == QUOTE_COLUMNS
    assert len(q) == 1, q
    row = q.iloc[0]
    assert row["text"].startswith(starts)
    assert row["speaker"] == speaker
    assert row["parts"] == parts
    art = _article(body)
    assert art.text[row["start"]] in "“\"" and art.text[row["end"] - 1] in "”\""


@pytest.mark.parametrize("body", [
    "The senator called the plan “reckless.” Critics said it was “far-fetched”.",
    "He began claiming that the election was “stolen.”",
    "Nothing is quoted in this sentence at all.",
])
def test_scare_quotes_are_not_quotations(body):
    assert quotes(_article(body)).empty


def test_min_words_is_a_parameter():
    q = quotes(_article("The senator called the plan “utterly reckless,” Mark Stone said."), min_words=2)
    assert q["text"].tolist() == ["utterly reckless,"]


@pytest.fixture(scope="module")
def seed_quotes():
    return quotes(load_article("seeds/000_bf838fbfbc626702.txt"))


def test_seed_gold_quotes_and_speakers(seed_quotes, gold):
    for item in gold["quotes"]:
        hits = seed_quotes[seed_quotes["text"].str.startswith(item["starts"])]
        assert len(hits) == 1, item
        assert hits["speaker"].item() == item["speaker"], item


def test_seed_scare_quotes_skipped(seed_quotes):
    assert not seed_quotes["text"].str.contains("stolen|far-fetched").any()


def test_seed_offsets_and_sentences(seed_quotes):
    text = load_article("seeds/000_bf838fbfbc626702.txt").text
    for row in seed_quotes.itertuples():
        assert text[row.start] == "“" and text[row.end - 1] == "”"
        assert row.text.split(" … ")[0] in text[row.start:row.end]
    assert seed_quotes["start"].is_monotonic_increasing


@pytest.fixture(scope="module")
def gold(shared_dir):
    import yaml

    return yaml.safe_load((shared_dir / "gold" / "seed-article.yml").read_text(encoding="utf-8"))


# -- descriptor mentions (analysis.articles.entities.descriptor_mentions) ---------------------------

def test_seed_descriptors_match_gold(gold):
    from analysis.articles.entities import DESCRIPTOR_COLUMNS, descriptor_mentions

    art = load_article("seeds/000_bf838fbfbc626702.txt")
    desc = descriptor_mentions(art)
    assert list(desc.columns) == DESCRIPTOR_COLUMNS
    found = set(zip(desc["text"], desc["entity"]))
    for entity, phrases in gold["descriptor_mentions"].items():
        for phrase in phrases:
            assert (phrase, entity) in found
    for row in desc.itertuples():
        assert art.text[row.start:row.end] == row.text
    # never a name: descriptors do not overlap name mentions of their entity
    assert not desc["text"].isin(["Vladimir Putin", "Putin", "Joe Biden", "Biden"]).any()


def test_descriptors_small_text():
    from analysis.articles.entities import descriptor_mentions

    art = _article("The talks began as former Prime Minister Boris Johnson arrived. Johnson met the press.")
    desc = descriptor_mentions(art)
    assert set(zip(desc["text"], desc["entity"], desc["kind"])) == {("former Prime Minister", "Boris Johnson", "title")}


# -- the notebook -------------------------------------------------------------------------

def test_notebook_committed_without_outputs_and_thin():
    import nbformat

    nb = nbformat.read("notebooks/entities.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any("def " in c.source for c in code)
    src = "\n".join(c.source for c in code)
    for call in ("plot_cooccurrence_network", "render_entities_html", "quotes(", "descriptor_mentions(",
                 "ENTITIES_CSV)", "MENTIONS_CSV)"):
        assert call in src


def test_notebook_runs_and_writes_tables(tmp_path):
    import pandas as pd

    from analysis.articles.entities import FREQUENCY_COLUMNS, MENTION_COLUMNS
    from analysis.render.report import render_article

    rep = render_article("seeds/000_bf838fbfbc626702.txt", str(tmp_path), notebooks=["entities"])
    assert rep.error is None, rep.error
    out = tmp_path / "000_bf838fbfbc626702"
    assert list(pd.read_csv(out / "entities.csv").columns) == FREQUENCY_COLUMNS
    assert list(pd.read_csv(out / "mentions.csv").columns) == MENTION_COLUMNS
    q = pd.read_csv(out / "quotes.csv")
    assert "Dmitry Peskov" in set(q["speaker"])
    page = (out / "entities.html").read_text(encoding="utf-8")
    assert "Co-occurrence network" in page and 'class="entity"' in page and "Network of the" in page
