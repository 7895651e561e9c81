"""Direct quotations and who said them.

:func:`quotes` finds text between double quotation marks (curly “…” or straight "…"),
merges the fragments of one quotation that an attribution interrupts
(“…,” she said, “…”) or that continue it in the next sentence of the same paragraph,
and attributes each quotation from the dependency parse, with general rules only:

1. **Cue**: the speech verb outside the quotation marks nearest to the quotation, in
   the sentences the quotation touches (said, told, noted, added, concluded, went on, ...);
   "according to X" is used only when no speech verb is there.
2. **Speaker**: the cue verb's subject. A subject that is (or contains, not as a
   possessive) a name mention gives the canonical entity (aliases merged by
   :func:`analysis.articles.entities.resolve_aliases`). A pronoun (he, she) resolves to the
   nearest preceding PERSON that is the subject of its clause (else the nearest PERSON).
   A subject that is a thing — a statement, a release, a report — is the speaker itself,
   named with the entity it comes from ("statement from the Kremlin" → "Kremlin statement");
   a later "the statement" resolves to that same speaker.
3. **Quoted source**: when the attribution says whose words these are ("giving a quote
   from X", "quoting X"), X is the speaker and the document only its channel.

Scare quotes are not quotations: fragments of fewer than :data:`MIN_WORDS` words
(“stolen.”, “far-fetched”) are skipped, as are single quotation marks ‘…’ (they cannot be
told apart from apostrophes reliably, and English news uses them for quotes in titles only).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

import pandas as pd
from spacy.tokens import Doc, Token

from .entities import mention_records
from ..lang.nlp import lemma, parse
from .columns import QUOTES
from ..types import Article

#: Fragments with fewer words are scare quotes or titles, not quotations with a speaker.
MIN_WORDS = 4
#: Fragments of one quotation may be this many words apart (the attribution between them).
MAX_GAP_WORDS = 25
#: Lemmas of verbs that introduce reported speech.
CUE_LEMMAS = frozenset({
    "say", "tell", "note", "add", "conclude", "state", "write", "explain", "ask", "reply", "respond",
    "announce", "warn", "insist", "argue", "declare", "continue", "claim", "comment", "remark",
    "acknowledge", "admit", "recall", "tweet", "post", "observe", "stress", "emphasize", "emphasise",
    "suggest", "confirm", "deny", "answer", "shout", "whisper", "joke", "quip", "complain",
    "predict", "promise", "vow", "urge", "report", "testify", "read", "begin", "finish", "go",
})
#: Nouns that announce whose words follow ("a quote from X", "the words of X").
_QUOTE_NOUNS = frozenset({"quote", "quotation", "words", "remark", "remarks", "message", "comment", "comments"})
#: Nouns of things that speak for someone: "the statement noted", "a report warned".
_DOCUMENT_NOUNS = frozenset({
    "statement", "release", "report", "letter", "memo", "document", "filing", "post", "tweet", "email",
    "announcement", "communique", "readout", "transcript", "study", "survey", "article", "editorial",
    "complaint", "lawsuit", "ruling", "order", "notice", "message", "decree", "bulletin", "website", "note",
})
_PRONOUNS = frozenset({"he", "she", "him", "her"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OPEN_CLOSE = {"“": "”", '"': '"'}
_MARK = re.compile("[“\"]")

QUOTE_COLUMNS = QUOTES.names


@dataclass
class _Fragment:
    start: int  # offset of the opening mark
    end: int  # offset after the closing mark
    para: int
    parts: list[tuple[int, int]] = field(default_factory=list)  # inner (start, end) of each part

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1


def quotes(article: Article, *, min_words: int = MIN_WORDS, mentions: pd.DataFrame | dict | None = None) -> pd.DataFrame:
    """Direct quotations in the article, with speaker and cue.

    Args:
        article: a cleaned article.
        min_words: shorter quoted fragments are scare quotes and skipped (default 4).
        mentions: :func:`analysis.articles.entities.entity_mentions` of the article, or its column lists
            (:func:`analysis.articles.entities.mention_records`); computed if omitted.

    Returns:
        One row per quotation, in text order, columns:
        ``article_id``; ``start``, ``end`` (char offsets in ``article.text`` from the first
        opening to the last closing quotation mark); ``sent_index`` (sentence of the start);
        ``text`` (the quoted words, fragments joined by " … "); ``words``; ``parts``
        (fragments merged); ``speaker`` (canonical entity, a document such as
        "Kremlin statement" or "the release", or empty when unknown); ``speaker_type``
        (PERSON/ORG/GPE/... label of the entity; ``document`` for a statement, release, report...;
        ``description`` for another unnamed subject such as "local officials"; or empty); ``attribution``
        (how the speaker was found: ``subject``, ``pronoun``, ``quoted source``,
        ``according to``, ``continuation`` or empty); ``cue`` (the cue words, e.g. "told",
        "went on", "according to"); ``cue_start`` (its char offset, -1 when none).
    """
    return pd.DataFrame(quote_records(article, min_words=min_words, mentions=mentions), columns=QUOTE_COLUMNS)


def quote_records(article: Article, *, min_words: int = MIN_WORDS, mentions: pd.DataFrame | dict | None = None) -> dict[str, list]:
    """The columns of :func:`quotes` as plain lists (one entry per quotation).

    The corpus runner builds its Arrow tables from these without a DataFrame per article.
    """
    text = article.text
    doc = parse(text)
    if mentions is None:
        mentions = mention_records(article)
    all_frags = _fragments(text)
    ctx = _Context(doc, list(zip(mentions["start"], mentions["end"], mentions["entity"], mentions["entity_label"])),
                   quote_spans=[(f.start, f.end) for f in all_frags])
    frags = [f for f in all_frags if len(_inner_text(text, f).split()) >= min_words]
    found = [(f, ctx.attribute(f)) for f in frags]
    merged: list[tuple[_Fragment, dict]] = []
    for frag, attr in found:
        if merged:
            prev, pattr = merged[-1]
            gap_words = len(text[prev.end:frag.start].split())
            same_cue = attr["cue_token"] is not None and attr["cue_token"] == pattr["cue_token"]
            if frag.para == prev.para and gap_words <= MAX_GAP_WORDS and pattr["speaker"] and (attr["cue_token"] is None or same_cue):
                prev.end = frag.end
                prev.parts.extend(frag.parts)
                continue
        merged.append((frag, attr))
    sent_starts = [s.start_char for s in doc.sents]
    cols: dict[str, list] = {c: [] for c in QUOTE_COLUMNS}
    for frag, attr in merged:
        quoted = " … ".join(text[a:b].strip() for a, b in frag.parts)
        row = {
            "article_id": article.id,
            "start": frag.start,
            "end": frag.end,
            "sent_index": bisect_right(sent_starts, frag.start) - 1,
            "text": quoted,
            "words": len(quoted.replace("…", " ").split()),
            "parts": len(frag.parts),
            "speaker": attr["speaker"] or "",
            "speaker_type": attr["speaker_type"] or "",
            "attribution": attr["attribution"] or "",
            "cue": attr["cue"] or "",
            "cue_start": attr["cue_start"],
        }
        for c in QUOTE_COLUMNS:
            cols[c].append(row[c])
    return cols


def _inner_text(text: str, frag: _Fragment) -> str:
    a, b = frag.inner
    return text[a:b]


def _paragraph_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n\s*\n", text)]


def _fragments(text: str) -> list[_Fragment]:
    """Spans between paired double quotation marks, never across a paragraph break.

    Curly marks pair by direction; straight marks pair in order within a paragraph.
    A curly opening mark left unclosed (a quotation continued in the next paragraph, or a
    typo) runs to the next opening mark or the paragraph end.
    """
    frags = []
    para_starts = _paragraph_starts(text)
    for p, start in enumerate(para_starts):
        end = para_starts[p + 1] if p + 1 < len(para_starts) else len(text)
        para = text[start:end].rstrip()
        i = 0
        while i < len(para):
            mark = _MARK.search(para, i)  # the next quotation mark
            if mark is None:
                break
            i = mark.start()
            ch = para[i]
            close = para.find(_OPEN_CLOSE[ch], i + 1)
            if ch == "“":
                reopen = para.find("“", i + 1)
                if close == -1 or (reopen != -1 and reopen < close):
                    stop = reopen if reopen != -1 else len(para)
                    inner_end = len(para[:stop].rstrip())
                    if inner_end > i + 1:
                        frags.append(_Fragment(start + i, start + inner_end, p, [(start + i + 1, start + inner_end)]))
                    i = stop
                    continue
            if close == -1:
                break
            frags.append(_Fragment(start + i, start + close + 1, p, [(start + i + 1, start + close)]))
            i = close + 1
    return frags


class _Context:
    """The parse and name mentions of one article, for attribution."""

    def __init__(self, doc: Doc, mentions: list[tuple[int, int, str, str]], quote_spans: list[tuple[int, int]]):
        """``mentions``: ``(start, end, entity, entity_label)`` of the article's name mentions;
        ``quote_spans``: ``(start, end)`` of every quoted fragment (:func:`_fragments`)."""
        self.doc = doc
        self.mentions = sorted((int(s), int(e), ent, lab) for s, e, ent, lab in mentions)
        self._mention_starts = [m[0] for m in self.mentions]
        self.quote_spans = quote_spans
        self.documents: dict[str, str] = {}  # head noun lemma -> speaker name of a document

    # -- helpers ---------------------------------------------------------------------------
    def in_quote(self, tok: Token) -> bool:
        return any(a <= tok.idx < b for a, b in self.quote_spans)

    def mention_of(self, tok: Token):
        i = bisect_right(self._mention_starts, tok.idx) - 1
        if i >= 0:
            s, e, ent, lab = self.mentions[i]
            if s <= tok.idx < e:
                return ent, lab
        return None

    def mention_in(self, tok: Token):
        """Entity the subject token names: its own mention, else one in its subtree that
        is not a possessive or inside a prepositional phrase ("Putin’s spokesperson")."""
        m = self.mention_of(tok)
        if m:
            return m
        for child in tok.subtree:
            if child.i == tok.i or child.dep_ in ("poss", "case") or any(a.dep_ in ("poss", "prep") for a in _path(child, tok)):
                continue
            m = self.mention_of(child)
            if m:
                return m
        return None

    # -- attribution -----------------------------------------------------------------------
    def attribute(self, frag: _Fragment) -> dict:
        none = {"speaker": None, "speaker_type": None, "attribution": None, "cue": None, "cue_start": -1, "cue_token": None}
        cue = self.find_cue(frag)
        if cue is None:
            return none
        tok, kind = cue
        result = dict(none, cue_token=tok.i, cue_start=tok.idx)
        if kind == "according":
            pobj = next((t for t in tok.subtree if t.dep_ == "pobj"), None)
            result["cue"] = "according to"
            if pobj is not None:
                sp = self.speaker_of(pobj)
                result.update(sp, attribution="according to")
            return result
        particle = next((c.text for c in tok.children if c.dep_ == "prt"), "")
        result["cue"] = f"{tok.text} {particle}".strip()
        source = self.quoted_source(frag, tok)
        if source:
            result.update(source, attribution="quoted source")
            return result
        subj = _subject(tok)
        if subj is None:
            return result
        if subj.lower_ in _PRONOUNS:
            person = self.preceding_person(subj)
            if person:
                result.update(speaker=person[0], speaker_type=person[1], attribution="pronoun")
            return result
        result.update(self.speaker_of(subj), attribution="subject")
        return result

    def find_cue(self, frag: _Fragment):
        """The nearest speech verb (else "according to") outside quotation marks in the
        sentences the fragment touches, within its paragraph."""
        sents = [s for s in self.doc.sents if s.end_char > frag.start - 1 and s.start_char <= frag.end]
        # also the sentence right after a quote that ends with a comma (“…,” she said.)
        best = None
        for sent in sents:
            for tok in sent:
                if self.in_quote(tok) or tok.is_space:
                    continue
                if tok.lower_ == "according" and tok.i + 1 < len(self.doc) and self.doc[tok.i + 1].lower_ == "to":
                    kind, rank = "according", 1
                elif tok.pos_ in ("VERB", "AUX") and lemma(tok).lower() in CUE_LEMMAS and self._is_speech(tok):
                    kind, rank = "verb", 0
                else:
                    continue
                dist = frag.start - tok.idx if tok.idx < frag.start else tok.idx - frag.end
                key = (rank, dist)
                if best is None or key < best[0]:
                    best = (key, tok, kind)
        return None if best is None else (best[1], best[2])

    def _is_speech(self, tok: Token) -> bool:
        verb = lemma(tok).lower()
        if verb == "go":  # "went on" only
            return any(c.dep_ == "prt" and c.lower_ == "on" for c in tok.children)
        if verb in ("begin", "finish", "continue", "read"):
            return not any(c.dep_ in ("xcomp", "dobj") for c in tok.children) or verb == "read"
        return True

    def quoted_source(self, frag: _Fragment, cue: Token):
        """"a quote from X", "quoting X", "X's words": X, found in the cue's clause."""
        for tok in cue.sent:
            if self.in_quote(tok):
                continue
            if lemma(tok).lower() == "quote" and tok.pos_ == "VERB":
                obj = next((c for c in tok.children if c.dep_ in ("dobj", "pobj")), None)
                if obj is not None and self.mention_in(obj):
                    ent, lab = self.mention_in(obj)
                    return {"speaker": ent, "speaker_type": lab}
            if tok.lower_ in _QUOTE_NOUNS and tok.pos_ in ("NOUN", "PROPN"):
                for child in tok.children:
                    if child.dep_ == "poss":
                        m = self.mention_in(child)
                        if m:
                            return {"speaker": m[0], "speaker_type": m[1]}
                    if child.dep_ == "prep" and child.lower_ in ("from", "of", "by"):
                        for t in child.subtree:
                            m = self.mention_of(t)
                            if m and m[1] == "PERSON" or (m and t.dep_ in ("pobj", "nsubj")):
                                return {"speaker": m[0], "speaker_type": m[1]}
        return None

    def speaker_of(self, subj: Token) -> dict:
        m = self.mention_in(subj)
        if m:
            return {"speaker": m[0], "speaker_type": m[1]}
        if subj.pos_ in ("NOUN",):
            noun = lemma(subj).lower()
            source = None
            for child in subj.children:
                if child.dep_ == "poss" or (child.dep_ == "prep" and child.lower_ in ("from", "of", "by")):
                    for t in child.subtree:
                        m = self.mention_of(t)
                        if m:
                            source = m[0]
                            break
                if source:
                    break
            if source:
                name = f"{source} {subj.text.lower()}"
                self.documents[noun] = name
                return {"speaker": name, "speaker_type": "document"}
            if any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in subj.children) and noun in self.documents:
                return {"speaker": self.documents[noun], "speaker_type": "document"}
            mods = [c for c in subj.lefts if c.dep_ in ("det", "poss", "amod", "compound", "nummod")]
            words = " ".join([t.text for c in mods for t in c.subtree] + [subj.text])
            words = words[:1].lower() + words[1:] if subj.i == subj.sent.start or mods and mods[0].i == subj.sent.start else words
            return {"speaker": words, "speaker_type": "document" if noun in _DOCUMENT_NOUNS else "description"}
        return {"speaker": None, "speaker_type": None}

    def preceding_person(self, pron: Token):
        """Nearest PERSON before ``pron`` that is a clause subject, else the nearest PERSON."""
        nearest = None
        for start, end, ent, lab in reversed(self.mentions):
            if start >= pron.idx or lab != "PERSON":
                continue
            span = self.doc.char_span(start, end, alignment_mode="expand")
            if span is None or any(self.in_quote(t) for t in span):
                continue
            if nearest is None:
                nearest = (ent, lab)
            if span.root.dep_ in _SUBJECT_DEPS:
                return ent, lab
            if pron.idx - start > 1500:
                break
        return nearest


def _subject(verb: Token) -> Token | None:
    """The subject of ``verb``, climbing through conjunctions and auxiliaries."""
    tok = verb
    for _ in range(4):
        subj = next((c for c in tok.children if c.dep_ in _SUBJECT_DEPS), None)
        if subj is not None:
            return subj
        if tok.dep_ in ("conj", "xcomp", "advcl") and tok.head.i != tok.i:
            tok = tok.head
        else:
            break
    return None


def _path(tok: Token, top: Token) -> list[Token]:
    """Tokens from ``tok`` up to (excluding) ``top``."""
    out = []
    while tok.i != top.i and tok.head.i != tok.i:
        out.append(tok)
        tok = tok.head
    return out
