"""Cleaning of scraped article text, as composable ``str -> str`` steps.

Scraped news pages carry the same boilerplate shapes across an outlet's articles: the
headline repeated with a comment counter, auto-generated photo alt text plus a human
caption and a photo credit glued into the next sentence, topic tags glued to the first
sentence, a newsletter promo, a comment form and a cookie banner. Each step below removes
one such shape by a general rule (never by the seed's literal strings) and records what it
dropped in a :class:`RemovalLog`, so the removed text stays inspectable.

Text convention: paragraphs are separated by blank lines; the first paragraph is the title.

Example:
    >>> result = clean_text(raw)
    >>> result.text          # cleaned text
    >>> result.removed_table()  # DataFrame of what was dropped and why
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from ..types import Removed

# --------------------------------------------------------------------------- log


@dataclass
class RemovalLog:
    """Collects :class:`Removed` records while steps run."""

    records: list[Removed] = field(default_factory=list)

    def add(self, paragraph: int, step: str, reason: str, text: str) -> None:
        text = text.strip()
        if text:
            self.records.append(Removed(paragraph, step, reason, text))


Step = Callable[..., str]

# --------------------------------------------------------------------------- helpers

_SPACE_CHARS = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_SPACE_TABLE = {ord(c): " " for c in _SPACE_CHARS} | {ord(c): None for c in _ZERO_WIDTH}


def split_paragraphs(text: str) -> list[str]:
    """Split on blank lines; keep empty paragraphs out."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p.strip())


def _norm_key(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().casefold()


# --------------------------------------------------------------------------- steps


def looks_hard_wrapped(text: str) -> bool:
    """True when most lines are wrapped at a fixed width (so a single newline is not a paragraph break)."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 4:
        return False
    widths = sorted(len(ln) for ln in lines)
    wrap = widths[int(len(widths) * 0.9)]
    wrapped = sum(1 for ln in lines if 0.75 * wrap <= len(ln) <= wrap and not ln.endswith((".", "”", '"', "?", "!", ":")))
    return wrap <= 100 and wrapped >= 0.5 * len(lines)


def normalize_whitespace(text: str, *, log: RemovalLog | None = None) -> str:
    """Unicode NFC; no-break/thin/zero-width spaces to plain spaces; collapse runs of spaces.

    Scraped text puts one paragraph per line, so every line becomes a paragraph, unless the
    text is hard-wrapped at a fixed width, where only blank lines separate paragraphs.
    Paragraphs that are only whitespace disappear.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_SPACE_TABLE)
    separator = r"\n\s*\n" if looks_hard_wrapped(text) else r"\n"
    paragraphs = []
    for para in re.split(separator, text):
        para = re.sub(r"\s+", " ", para).strip()
        if para:
            paragraphs.append(para)
    return join_paragraphs(paragraphs)


_COUNTER_RE = re.compile(r"^\d{1,6}(\s+(comments?|shares?|responses?))?$", re.I)


def strip_title_repeats(text: str, *, log: RemovalLog | None = None, header_size: int = 4) -> str:
    """Drop repeats of the title (first paragraph) and counters ("0", "12 Comments") in the header."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return text
    title_key = _norm_key(paragraphs[0])
    kept = [paragraphs[0]]
    for i, para in enumerate(paragraphs[1:], start=1):
        if i <= header_size and len(kept) == 1:  # still in the header
            if _norm_key(para) == title_key:
                _log(log, i, "strip_title_repeats", "repeated title", para)
                continue
            if _COUNTER_RE.match(para):
                _log(log, i, "strip_title_repeats", "comment counter", para)
                continue
        kept.append(para)
    return join_paragraphs(kept)


_BOILERPLATE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern, re.I))
    for reason, pattern in (
        ("newsletter promo", r"\bnever miss a (story|thing|beat)\b"),
        ("newsletter promo", r"\bsign up for\b.{0,80}\bnewsletters?\b"),
        ("newsletter promo", r"\bsubscribe to\b.{0,60}\bnewsletters?\b"),
        ("newsletter promo", r"\bnewsletters?\b.{0,80}\bstay up[- ]to[- ]date\b"),
        ("comment form", r"^(leave a (reply|comment)|post a comment|add a comment|join the conversation)\W*$"),
        ("comment form", r"\byour email address will not be published\b"),
        ("comment form", r"\brequired fields are marked\b"),
        ("comment form", r"^(post|submit) comment\W*$"),
        ("cookie banner", r"\b(web ?site|site|we) uses? cookies\b.*\b(experience|accept|agree|consent|opt[- ]out|browsing)\b"),
        ("cookie banner", r"^(accept|allow|manage) (all )?cookies\b"),
        ("cookie banner", r"\byou can opt[- ]out if you wish\b"),
        ("share buttons", r"^(share|tweet|pin|email|print)( (this|on) \w+)*\W*$"),
        ("advertisement", r"^(advertisement|sponsored( content)?|ad)\W*$"),
        # a photo gallery flattened into the text: captions with the viewer's control and counter
        # ("... over Times Square. Hide Caption 1 of 24 Photos: ..."); tagged as a PERSON otherwise
        ("photo gallery", r"\b(hide|show) caption\s*\d+\s+of\s+\d+\b"),
        # a video playlist flattened into the text, one line per clip with the player's labels
        # and the clip's length ("JUST WATCHED <title> Replay More Videos ... MUST WATCH <title> 01:49");
        # the clip titles became sentences and "WATCHED Obama"-like names otherwise
        ("video playlist", r"^just watched\b.{0,300}\breplay\b.{0,20}\bmore videos\b"),
        ("video playlist", r"^must watch\b.{0,300}\s\d{1,2}:\d{2}$"),
    )
)

#: Rules for short paragraphs only (promos, footers, widgets are a line or two; a real paragraph that
#: happens to say "sign up here" or "continue reading" is longer): (reason, pattern, longest paragraph).
_SHORT_RULES: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (reason, re.compile(pattern, re.I), limit)
    for reason, pattern, limit in (
        ("newsletter promo", r"\bby signing up\b.{0,40}\byou agree\b", 600),
        ("newsletter promo", r"\b(delivered|right|straight) to your inbox\b|\bin your inbox\b", 400),
        ("newsletter promo", r"\bsign up (here|today|now)\b|^sign up for\b|\bmanage newsletters\b", 160),
        ("continue reading", r"\bcontinue reading\b", 150),
        ("link promo", r"^(click here|read more|related( coverage| stories)?|see also)\b", 150),
        ("social promo", r"\b(follow|like|liking) us on (twitter|facebook|instagram)\b", 250),
        ("reader appeal", r"\b(making|make) a (financial )?contribution\b|\bfinancial contribution will\b", 1500),
        ("reader appeal", r"^support \S+( \S+){0,3} journalism\W*$", 80),
        ("reader call-out", r"\bhave you been affected\b|\bplease get in touch\b", 300),
        ("contact-number footer", r"\b(include|leave|provide) (a|your) (contact|phone|telephone) number\b", 300),
        ("copyright footer", r"^(copyright\s*)?©\s*\d{4}\b|^copyright \d{4}\b|\bfor reprint permission\b", 250),
        ("columnist disclaimer", r"\b(opinions|views) expressed\b.{0,80}\b(are|is) (solely )?"
                                 r"(their|his|her|the author'?s?|the writer'?s?) own\b", 400),
    )
)

#: Reasons after which everything else on the page is footer.
_FOOTER_STARTS = {"comment form", "contact-number footer"}


def strip_boilerplate(text: str, *, log: RemovalLog | None = None) -> str:
    """Drop newsletter promos, share/ad labels, comment forms (and the footer after them) and cookie banners."""
    paragraphs = split_paragraphs(text)
    kept: list[str] = paragraphs[:1]
    in_footer = False
    for i, para in enumerate(paragraphs[1:], start=1):
        reason = next((r for r, rx in _BOILERPLATE_RULES if rx.search(para)), None) or \
            next((r for r, rx, limit in _SHORT_RULES if len(para) <= limit and rx.search(para)), None)
        if reason is None and in_footer:
            reason = "page footer (after the comment form)"
        if reason is None:
            kept.append(para)
            continue
        in_footer = in_footer or reason in _FOOTER_STARTS
        _log(log, i, "strip_boilerplate", reason, para)
    return join_paragraphs(kept)


# Person-card widgets: a linked name expands inline to "Full Middle Name" glued to the
# headlines of the person's latest stories, closed by "MORE" ("Adam Schiff Adam Bennett
# SchiffGraham : Senate trial ... MORE ( D-Calif. )"). The name is kept, the card dropped.
_CAP = r"[A-Z][\w.'’-]*"
PERSON_CARD_RE = re.compile(
    rf"(?P<name>\b(?:{_CAP}\s){{0,3}}(?P<last>[A-Z][a-z][\w'’-]*))"  # the name as written
    rf"\s(?:[A-Z(][\w.'’()-]*\s){{1,4}}?(?P=last)"  # the full name repeated, middle names included
    r"(?P<card>\S.{0,800}?|\s.{1,800}?)\sMORE\b"  # headlines, glued or not, up to MORE
)


def strip_person_cards(text: str, *, log: RemovalLog | None = None) -> str:
    """Remove inline person-card widgets (full name + glued headlines + ``MORE``), keeping the name."""
    paragraphs = split_paragraphs(text)
    for i, para in enumerate(paragraphs):
        if " MORE" not in para:
            continue

        def cut(m: re.Match, i: int = i) -> str:
            _log(log, i, "strip_person_cards", "person-card widget", m.group(0)[len(m["name"]):])
            return m["name"]

        paragraphs[i] = PERSON_CARD_RE.sub(cut, para)
    return join_paragraphs(paragraphs)


# Photo credits: "Name Name/Agency", "Name NameAGENCY via Getty", "AP Photo/Name", "Getty Images".
_AGENCY = (
    r"(?:Getty\s?Images|Getty|Shutterstock|AP\s?Photo|AP|AFP|Reuters|TASS|EPA(?:-EFE)?|Alamy|"
    r"WireImage|FilmMagic|Splash\sNews|Backgrid|BACKGRID|MEGA|Sipa(?:\sUSA)?|ZUMA(?:\sPress|\sWire)?|"
    r"Bloomberg|Pool|NurPhoto|Anadolu|Xinhua|Imagn|UPI|Courtesy|Instagram|Twitter|Facebook)"
)
_NAME_TOKEN = r"[A-Z][\w.'’-]*"
CREDIT_RE = re.compile(
    rf"(?:{_NAME_TOKEN}\s){{0,3}}{_NAME_TOKEN}\s?/\s?{_AGENCY}(?:\s?/\s?{_AGENCY})*\b"  # Name/Getty
    rf"|(?:{_NAME_TOKEN}\s){{0,3}}{_NAME_TOKEN}\svia\s{_AGENCY}\b"  # Name via Getty
    rf"|\b{_AGENCY}\s?/\s?(?:{_NAME_TOKEN}\s?){{1,3}}"  # AP Photo/Name
)
# Auto-generated alt text ("X, Y are posing for a picture:", "X wearing a suit and tie:").
ALT_TEXT_RE = re.compile(
    r"^[^.!?“”\"]{2,160}?\b(?:is|are)?\s?(?:posing|wearing|standing|sitting|smiling|holding|looking|"
    r"talking|walking|speaking|waving|shaking|hugging|taking|giving|sitting|playing|riding|"
    r"in front of|on a stage|a close[- ]up|a group of|a man|a woman|a person|a picture)\b[^.!?:“”\"]{0,120}:\s"
)
# A word glued to the next without a space: "BidenVladimir", "Harris“Putin".
_GLUE_RE = re.compile(r"\b[A-Z][a-z]{2,}(?=[A-Z][a-z]|[“\"‘])")
_CONNECTORS = {"and", "of", "the", "de", "van", "von", "da", "del", "la", "le", "&", "l", "r", "c", "left", "right", ""}


def _is_name_like(token: str) -> bool:
    bare = token.strip("();,:").lower()
    return bare in _CONNECTORS or token[:1].isupper() or token[:1] in "“\"‘"


def _lead_run_end(text: str) -> tuple[int, int] | None:
    """Span of the leading run of capitalised tokens up to the first lowercase word.

    Returns (run_end, last_capital_start): the offset where the run stops and the offset of
    the run's last capitalised token (the likely first word of the real sentence); None if the
    run has fewer than two tokens.
    """
    tokens = list(re.finditer(r"\S+", text))
    last_cap = None
    count = 0
    for m in tokens:
        tok = m.group()
        if not _is_name_like(tok):
            if count >= 2 and last_cap is not None:
                return m.start(), last_cap
            return None
        if tok[:1].isupper() or tok[:1] in "“\"‘":
            last_cap = m.start()
        count += 1
    return None


def _body_start_after_caption(tail: str, captions: list[str]) -> int:
    """Offset in ``tail`` (text after the last credit) where the article sentence starts."""
    lead = len(tail) - len(tail.lstrip())
    rest = tail[lead:]
    run = _lead_run_end(rest)
    if run is not None:
        run_end, last_cap = run
        glues = [m.end() for m in _GLUE_RE.finditer(rest, 0, run_end)]
        if glues:
            return lead + glues[-1]
    for caption in sorted(captions, key=len, reverse=True):
        if len(caption) >= 3 and rest.startswith(caption):
            return lead + len(caption)
    if run is not None:
        return lead + run[1]
    return lead


def strip_photo_captions(text: str, *, log: RemovalLog | None = None) -> str:
    """Remove photo alt text, captions and credits, including ones glued to a real sentence.

    A paragraph is a caption block when it holds a photo credit and either starts with
    auto-generated alt text ("X wearing a suit and tie: ...") or with the credit itself.
    Everything up to the last credit is caption; after it, a repeat of the caption may be
    glued to the first real sentence, which is found by (in order) a glue point inside the
    leading run of capitalised words, a repeat of a caption seen earlier in the block, or
    the last capitalised word before the first lowercase word.
    """
    paragraphs = split_paragraphs(text)
    kept: list[str] = paragraphs[:1]
    for i, para in enumerate(paragraphs[1:], start=1):
        credits = list(CREDIT_RE.finditer(para))
        alt = ALT_TEXT_RE.match(para)
        if not credits or not (alt or credits[0].start() < 60):
            kept.append(para)
            continue
        cut_points = sorted({0, *(m.start() for m in credits), *(m.end() for m in credits)} | ({alt.end()} if alt else set()))
        captions = [para[a:b].strip() for a, b in zip(cut_points, cut_points[1:]) if para[a:b].strip()]
        captions = [c for c in captions if not CREDIT_RE.fullmatch(c) and not ALT_TEXT_RE.match(c + " ")]
        tail_start = credits[-1].end()
        body_start = tail_start + _body_start_after_caption(para[tail_start:], captions)
        _log(log, i, "strip_photo_captions", "photo alt text, caption and credit", para[:body_start])
        body = para[body_start:].strip()
        if body:
            kept.append(body)
    return join_paragraphs(kept)


def strip_glued_tags(text: str, *, log: RemovalLog | None = None) -> str:
    """Remove topic tags glued to the first body sentence ("Joe BidenVladimir Putin is ...").

    Tags are names run together without spaces at the very start of the first body
    paragraph; the sentence starts after the last glue point in the leading capitalised run.
    """
    paragraphs = split_paragraphs(text)
    if len(paragraphs) < 2:
        return text
    first = paragraphs[1]
    run = _lead_run_end(first)
    if run is None:
        return text
    glues = [m.end() for m in _GLUE_RE.finditer(first, 0, run[0])]
    if not glues:
        return text
    cut = glues[-1]
    _log(log, 1, "strip_glued_tags", "topic tags glued to the first sentence", first[:cut])
    paragraphs[1] = first[cut:].strip()
    return join_paragraphs(paragraphs)


def _log(log: RemovalLog | None, paragraph: int, step: str, reason: str, text: str) -> None:
    if log is not None:
        log.add(paragraph, step, reason, text)


# --------------------------------------------------------------------------- pipeline

DEFAULT_STEPS: tuple[Step, ...] = (
    normalize_whitespace,
    strip_title_repeats,
    strip_boilerplate,
    strip_person_cards,
    strip_photo_captions,
    strip_glued_tags,
)


@dataclass(frozen=True)
class CleanResult:
    """Cleaned text and what was removed.

    Attributes:
        text: cleaned text, title first, paragraphs separated by blank lines.
        removed: the dropped pieces, in order.
    """

    text: str
    removed: tuple[Removed, ...]

    @property
    def title(self) -> str:
        paras = split_paragraphs(self.text)
        return paras[0] if paras else ""

    @property
    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.text)[1:]

    def removed_table(self) -> pd.DataFrame:
        return removed_table(self.removed)


def make_pipeline(*steps: Step) -> Callable[[str], CleanResult]:
    """Compose cleaning steps into one function ``raw text -> CleanResult``."""
    steps = steps or DEFAULT_STEPS

    def run(text: str) -> CleanResult:
        log = RemovalLog()
        for step in steps:
            text = step(text, log=log)
        return CleanResult(text, tuple(log.records))

    return run


def clean_text(text: str) -> CleanResult:
    """Clean raw scraped text with :data:`DEFAULT_STEPS`."""
    return make_pipeline(*DEFAULT_STEPS)(text)


def removed_table(removed: Iterable[Removed]) -> pd.DataFrame:
    """What cleaning dropped.

    Columns:
        paragraph (int): index of the paragraph in the text the step received (0 = title).
        step (str): cleaning step that dropped it.
        reason (str): the boilerplate shape recognised.
        text (str): the dropped text.
    """
    rows = [r.__dict__ for r in removed]
    return pd.DataFrame(rows, columns=["paragraph", "step", "reason", "text"])
