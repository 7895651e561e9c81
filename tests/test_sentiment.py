"""Sentence/paragraph/document sentiment with TextBlob and VADER, arc and extremes."""
from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from analysis.articles.sentiment import (
    SENTENCE_COLUMNS,
    document_sentiment,
    lens_agreement,
    paragraph_sentiment,
    plot_sentiment_arc,
    quote_share,
    sentence_sentiment,
    sentiment_arc,
    sentiment_extremes,
)
from analysis.types import Article

ART = Article(
    id="s",
    title="A wonderful day",
    paragraphs=(
        "The team won a great, happy victory. Fans loved it.",
        "“This is a terrible, awful disaster,” the coach said. Critics called the plan bad.",
    ),
)


@pytest.fixture(scope="module")
def sents():
    return sentence_sentiment(ART)


def test_sentence_rows(sents):
    assert list(sents.columns) == SENTENCE_COLUMNS
    assert len(sents) == 5
    assert sents["paragraph"].tolist() == [0, 1, 1, 2, 2]
    for row in sents.itertuples():
        assert ART.text[row.start:row.end] == row.text


def test_polarity_signs(sents):
    assert sents.loc[1, "polarity"] > 0.3 and sents.loc[1, "vader_compound"] > 0.3
    assert sents.loc[3, "polarity"] < 0 and sents.loc[3, "vader_compound"] < 0


def test_quotes_flagged(sents):
    assert sents["is_quote"].tolist() == [False, False, False, True, False]
    assert quote_share("no quotes here") == 0.0
    assert quote_share("“All quoted.”") == 1.0


def test_paragraph_and_document(sents):
    paras = paragraph_sentiment(ART)
    assert paras["paragraph"].tolist() == [0, 1, 2]
    assert paras.loc[1, "polarity"] > paras.loc[2, "polarity"]
    doc = document_sentiment(ART)
    assert len(doc) == 1 and doc.loc[0, "sentences"] == 5 and doc.loc[0, "quote_sentences"] == 1
    assert 0 <= doc.loc[0, "agreement"] <= 1
    assert doc.loc[0, "agreement"] == lens_agreement(sents)


def test_arc_rolling_mean(sents):
    arc = sentiment_arc(sents, window=3)
    assert arc["polarity_smooth"].iloc[1] == pytest.approx(sents["polarity"].iloc[0:3].mean(), abs=1e-6)
    assert arc["position"].iloc[0] == 0 and arc["position"].iloc[-1] == 1
    with pytest.raises(ValueError):
        sentiment_arc(sents, window=0)


def test_extremes(sents):
    ext = sentiment_extremes(sents, n=1)
    assert ext["extreme"].tolist() == ["most positive", "most negative"]
    assert ext.loc[0, "score"] == sents["polarity"].max()
    assert ext.loc[1, "score"] == sents["polarity"].min()


def test_plot(sents):
    assert isinstance(plot_sentiment_arc(sents), Figure)


def test_entity_sentiment_targets_each_entity():
    from analysis.articles.entity_sentiment import ENTITY_SENTIMENT_COLUMNS, entity_sentiment, entity_sentiment_summary, plot_entity_sentiment

    art = Article(id="e", title="Council row", paragraphs=(
        "Mayor Anna Berg praised the new park, calling it a triumph. "
        "Critics said Governor Tom Reed had wrecked the budget and lied to voters.",
    ))
    rows = entity_sentiment(art)
    assert list(rows.columns) == ENTITY_SENTIMENT_COLUMNS
    for row in rows.itertuples():
        assert art.text[row.start:row.end] == row.mention
        assert row.mention in row.sentence
    by_entity = entity_sentiment_summary(rows).set_index("entity")
    assert by_entity.loc["Tom Reed", "mean_score"] < by_entity.loc["Anna Berg", "mean_score"]
    assert by_entity.loc["Tom Reed", "negative"] == 1
    fig = plot_entity_sentiment(entity_sentiment_summary(rows))
    assert len(fig.axes[0].get_yticklabels()) == len(by_entity)


def test_entity_sentiment_empty_article():
    from analysis.articles.entity_sentiment import entity_sentiment, entity_sentiment_summary

    rows = entity_sentiment(Article(id="n", title="quiet", paragraphs=("nothing named here at all.",)))
    assert rows.empty and entity_sentiment_summary(rows).empty
