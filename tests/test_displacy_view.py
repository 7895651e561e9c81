"""displaCy entity view: document-level mentions, canonical tooltips, escaping."""
from __future__ import annotations

import pytest

from analysis.articles.displacy_view import render_entities_html
from analysis.articles.entities import entity_mentions
from analysis.types import Article

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["title", "body", "inside"])
def test_markup_in_text_is_escaped(payload, where):
    if where == "title":
        art = Article(id="x", title=f"Angela Merkel {payload}", paragraphs=("Angela Merkel met Emmanuel Macron in Paris.",))
    elif where == "body":
        art = Article(id="x", title="Summit", paragraphs=(f"Angela Merkel met Emmanuel Macron in Paris. {payload}",))
    else:  # right next to a highlighted name
        art = Article(id="x", title="Summit", paragraphs=(f"Angela Merkel{payload} met Emmanuel Macron in Paris.",))
    markup = render_entities_html(art, title=True)
    assert payload not in markup
    assert "<script" not in markup and "<img" not in markup
    assert payload.replace("<", "&lt;").replace(">", "&gt;") in markup
    assert "<mark" in markup  # entities are still highlighted


def test_uses_document_mentions_with_canonical_title():
    art = Article(id="x", title="Merkel meets Macron",
                  paragraphs=("Angela Merkel met Emmanuel Macron in Berlin. Merkel said Germany and France agree.",))
    mentions = entity_mentions(art)
    markup = render_entities_html(art, mentions=mentions)
    assert markup.count("<mark") == len(mentions)
    assert 'title="Angela Merkel (PERSON)"' in markup
    # the bare surname carries its canonical name in the tooltip
    assert markup.count('title="Angela Merkel (PERSON)"') == (mentions["entity"] == "Angela Merkel").sum() >= 3


def test_canonical_names_are_escaped_in_attributes():
    import pandas as pd

    art = Article(id="x", title="T", paragraphs=("Acme met Zed.",))
    text = art.text
    start = text.index("Acme")
    fake = pd.DataFrame([{"start": start, "end": start + 4, "label": "ORG", "entity": 'Acme" onmouseover="alert(1)', "entity_label": "ORG"}])
    markup = render_entities_html(art, mentions=fake)
    assert 'onmouseover="alert(1)' not in markup
    assert "&quot; onmouseover=&quot;alert(1)" in markup
