"""displaCy entity view of an article, with the document-level mentions.

spaCy's ``displacy.render(style="ent", manual=True)`` escapes the article text (``<``, ``>``,
``&``, ``"``) but inserts labels, knowledge-base ids, titles and template parameters
verbatim. Everything of ours that reaches the markup (labels, canonical names, the title)
is therefore escaped here with :func:`html.escape` before rendering, and the canonical
entity goes into the ``title`` attribute (a tooltip) through a custom template.
"""
from __future__ import annotations

import html

import pandas as pd
from spacy import displacy

from .entities import entity_mentions
from ..types import Article

#: displaCy's entity template with a ``title`` tooltip naming the canonical entity.
ENT_TEMPLATE = (
    '<mark class="entity" title="{canonical}" style="background: {bg}; padding: 0.45em 0.6em; '
    'margin: 0 0.25em; line-height: 1; border-radius: 0.35em;">{text}'
    '<span style="font-size: 0.8em; font-weight: bold; line-height: 1; border-radius: 0.35em; '
    'vertical-align: middle; margin-left: 0.5rem">{label}</span></mark>'
)


def render_entities_html(article: Article, *, mentions: pd.DataFrame | None = None, title: bool = False) -> str:
    """HTML of the article text with every name mention highlighted (safe to display).

    Args:
        article: a cleaned article.
        mentions: :func:`analysis.articles.entities.entity_mentions` of the article (computed if omitted).
        title: put the (escaped) article title above the text.

    Returns:
        A ``<div class="entities">`` fragment (``page=False``); hovering a mention shows its
        canonical entity ("Putin" → "Vladimir Putin"). All article text is HTML-escaped.
    """
    if mentions is None:
        mentions = entity_mentions(article)
    ents = []
    last_end = -1
    for r in mentions.sort_values(["start", "end"]).itertuples():
        if r.start < last_end:  # displaCy needs non-overlapping spans
            continue
        ents.append({
            "start": int(r.start),
            "end": int(r.end),
            "label": html.escape(str(r.label), quote=True),
            "params": {"canonical": html.escape(f"{r.entity} ({r.entity_label})", quote=True)},
        })
        last_end = int(r.end)
    data = {"text": article.text, "ents": ents, "title": html.escape(article.title, quote=True) if title and article.title else None}
    return displacy.render(data, style="ent", manual=True, page=False, jupyter=False, options={"template": ENT_TEMPLATE})
