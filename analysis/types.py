"""Shared record types: the one data contract produced by ingestion."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Removed:
    """One piece of text the cleaner dropped.

    Attributes:
        paragraph: index of the paragraph in the raw text (0 = title line).
        step: name of the cleaning step.
        reason: why it was dropped (e.g. ``"photo credit"``).
        text: the dropped text.
    """

    paragraph: int
    step: str
    reason: str
    text: str


@dataclass(frozen=True)
class Article:
    """A cleaned news article: the single input of every analysis.

    Attributes:
        id: file-system-safe identifier (file stem, or ``stem-N`` for JSON Lines).
        title: headline, once.
        paragraphs: cleaned body paragraphs.
        published: publication date, or None when unknown.
        published_source: where ``published`` came from: ``"parameter"``, ``"sidecar"``,
            ``"html"``, ``"jsonl"``, ``"inferred"`` (guessed from the text) or ``"none"``.
        outlet: publisher name when known.
        language: ISO 639-1 code when known.
        source: path (or URL) the article was read from.
        url: canonical URL when known.
        removed: what cleaning dropped, in order.
        topic: topic label when the source gives one (e.g. a JSON Lines ``topic`` field).
        bias: the outlet's media-bias label when the source gives one (JSON Lines ``bias``).
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    published: dt.date | None = None
    published_source: str = "none"
    outlet: str | None = None
    language: str | None = None
    source: str = "<text>"
    url: str | None = None
    removed: tuple[Removed, ...] = field(default=(), repr=False)
    topic: str | None = None
    bias: str | None = None

    @property
    def text(self) -> str:
        """Title and paragraphs joined by blank lines: the text every analysis parses.

        Character offsets in all result tables refer to this string.
        """
        return "\n\n".join((self.title, *self.paragraphs)) if self.title else "\n\n".join(self.paragraphs)
