"""Document-level named-entity mentions on top of spaCy's sentence-level NER.

spaCy's small English model labels each occurrence of a name on its own, so one article
calls "Trump" a PERSON in one sentence and an ORG in the next, misses the surname after the
full name, swallows "the" and possessives, and reads ALL-CAPS headlines poorly.
:func:`document_entities` repairs the spans, makes labels consistent across the document
and propagates every recognised name to its other occurrences, so mention counts match
what a careful reader counts. Only general rules are used: no lists of names.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..errors import ParameterError
from .nlp import doc_text, load_model

#: Labels of names; numbers, dates and amounts are not entities for this module.
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
#: How ALL-CAPS sentences are read (see :func:`document_entities`).
CAPS_MODES = ("recase", "lookup", "model")
#: The default: with the name tagger (trained on ALL-CAPS headlines too) its own reading of
#: capitals is best (CoNLL dev micro-F1 PER/ORG/LOC "model" > "recase" > "lookup"; see
#: ``python -m analysis evaluate entities eng.testa``); the base model was best with "recase".
DEFAULT_CAPS = "model"
#: Document-level rules :func:`document_entities` can be told to skip (``skip=``), for ablations.
RULES = ("split_coordinations", "merge_abbreviated_places", "shrink_titles", "harmonise_labels", "table_rows",
         "caps_lookup")
#: Rules skipped by default: with the name tagger, which learned results tables from CoNLL,
#: relabelling table-row heads lowers CoNLL dev micro-F1 (see ``evaluate entities --ablation``).
DEFAULT_SKIP = ("table_rows",)
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
_ABBREVIATION = re.compile(r"^(?:[A-Z]\.){2,}$")
_SENTENCE_END = frozenset(".!?:;\"“”‘’'")
#: Tokens that never occur inside a name: a span is split at them.
_SEPARATORS = frozenset({"-", "–", "—", "/", "(", ")", "[", "]", ",", ";", ":", "|", "\"", "“", "”"})
_JOINERS = frozenset({"-", "–", "—", "/"})
#: Labels whose names may end in a number ("Windows 95", "Super 12", "Apollo 13").
_NUMBERED_LABELS = frozenset({"PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "NORP", "FAC"})
#: Table rows: a number (score, statistic), a date (not a number), punctuation.
_ROW_NUMBER = re.compile(r"[+-]?\d[\d.,:/-]*|\.\d+")
_ROW_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_ROW_PUNCT = frozenset("()-.,:;/")
#: Generational suffixes, skipped when taking a surname ("John Mills Jr" -> "Mills").
_NAME_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"})


@dataclass(frozen=True)
class Mention:
    """One occurrence of a name in ``doc.text``.

    Attributes:
        start: character offset of the first character.
        end: character offset after the last character.
        text: the surface text ``doc.text[start:end]``.
        label: spaCy label (PERSON, ORG, GPE, LOC, NORP, FAC, EVENT, ...).
        source: ``"model"`` (spaCy's span, possibly trimmed), ``"relabelled"`` (spaCy's
            span with the document-level label) or ``"propagated"`` (found by this module).
    """

    start: int
    end: int
    text: str
    label: str
    source: str


def document_entities(
    doc: Doc,
    *,
    labels: Collection[str] | None = None,
    propagate: bool = True,
    caps: str = DEFAULT_CAPS,
    nlp: Language | None = None,
    skip: Collection[str] = DEFAULT_SKIP,
) -> list[Mention]:
    """Name mentions of a parsed document, consistent across the document.

    Beyond ``doc.ents``: trims determiners, possessives, punctuation and trailing numbers;
    splits spans at separators and coordinations of two known names; shrinks title-line
    spans to names known from the body; re-reads ALL-CAPS sentences; gives one label per
    name by majority vote (a surname takes its full name's PERSON label, a company's
    first word its ORG label); gives the heads of a results table's rows one label; and,
    with ``propagate``, adds every other occurrence of a recognised name or PERSON surname.

    Args:
        doc: a document parsed by the project's pipeline (:func:`analysis.lang.nlp.parse`).
        labels: keep only these labels (default: all name labels, see ``NAME_LABELS``).
        propagate: add unrecognised occurrences of recognised names.
        caps: ALL-CAPS sentences: ``"recase"`` re-runs NER on a copy recased from the
            document's own spelling of each word; ``"lookup"`` only finds the names known
            from the rest of the document; ``"model"`` keeps the model's spans as they are.
        nlp: the pipeline for ``"recase"`` (default :func:`analysis.lang.nlp.load_model`).
        skip: rules to leave out (names in ``RULES``; default ``DEFAULT_SKIP``); ``()`` runs
            them all, as the project did with the base model.

    Returns:
        Mentions sorted by offset, non-overlapping.
    """
    if caps not in CAPS_MODES:
        raise ParameterError(f"caps must be one of {', '.join(CAPS_MODES)}, not {caps!r}")
    if set(skip) - set(RULES):
        raise ParameterError(f"skip: unknown rules {sorted(set(skip) - set(RULES))}; known: {', '.join(RULES)}")
    headlines = _headline_sentences(doc)
    caps_sents = [s for s in headlines if _is_all_caps(s)] if caps != "model" else []
    mentions = [m for ent in doc.ents if ent.label_ in NAME_LABELS and not _inside_any(ent, caps_sents)
                for m in _clean_entity(ent)]
    if caps == "recase":
        mentions += _recased_mentions(doc, caps_sents, nlp or load_model())
    if "split_coordinations" not in skip:
        mentions = _split_coordinations(mentions)
    if "merge_abbreviated_places" not in skip:
        mentions = _merge_abbreviated_places(mentions, doc_text(doc))
    if "shrink_titles" not in skip:
        titles = [s for s in headlines if s not in caps_sents and _is_title_case(s)]
        mentions = _shrink_title_mentions(mentions, titles)
    if "harmonise_labels" not in skip:
        mentions = _harmonise_labels(mentions)
    if "table_rows" not in skip:
        mentions = _label_table_rows(mentions, doc_text(doc))
    if propagate:
        mentions = _propagate(mentions, doc_text(doc), caps_sents)
    if "caps_lookup" not in skip:
        mentions = _read_caps_sentences(mentions, doc_text(doc), caps_sents)
    wanted = NAME_LABELS if labels is None else frozenset(labels)
    return sorted((m for m in mentions if m.label in wanted), key=lambda m: m.start)


# --- span repair -----------------------------------------------------------------------


#: Labels whose names keep a leading capital "The" ("The New York Times", "The Hague" is GPE and
#: left to the tagger).
_TITLED_LABELS = frozenset({"ORG", "WORK_OF_ART", "FAC", "EVENT", "LAW", "PRODUCT"})


def _clean_entity(ent: Span) -> list[Mention]:
    """Trim an entity span, split it at separators; return its mentions (maybe none).

    A capital "The" just before a title-like name (an organisation, a work, a building, an
    event, a law or a product) is taken in when :func:`_is_determiner` would keep it inside:
    CoNLL-trained taggers leave it out ("The [New York Times]"), OntoNotes and the seed's
    gold keep it ("[The New York Times]").
    """
    tokens = list(ent)
    if ent.label_ in _TITLED_LABELS and ent.start > 0:
        before = ent.doc[ent.start - 1]
        if before.text == "The" and not _is_determiner(before, ent.doc):
            tokens.insert(0, before)
    while tokens and (_is_edge_junk(tokens[0]) or _is_determiner(tokens[0], ent.doc)):
        tokens.pop(0)
    pieces: list[list[Token]] = [[]]
    for token in tokens:
        if token.is_space or _is_separator(token):
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [m for piece in pieces if (m := _piece_mention(piece, ent.label_))]


def _is_separator(token: Token) -> bool:
    """Punctuation that separates names; a dash or slash only when spaced ("A / B", not "Bre-X")."""
    if token.text not in _SEPARATORS:
        return False
    spaced = bool(token.whitespace_) or (token.i > 0 and bool(token.doc[token.i - 1].whitespace_))
    return token.text not in _JOINERS or spaced


def _piece_mention(tokens: list[Token], label: str) -> Mention | None:
    """A mention of the tokens without trailing junk, numbers (for names) or possessives.

    None when no token has a capital letter.
    """
    while tokens and (
        _is_edge_junk(tokens[-1])
        or tokens[-1].text in _POSSESSIVES
        or (label not in _NUMBERED_LABELS and any(ch.isdigit() for ch in tokens[-1].text))
    ):
        tokens = tokens[:-1]
    if not tokens or not any(ch.isupper() for t in tokens for ch in t.text):
        return None  # a name has a capital letter: "heifers" or "police" is not one
    doc = tokens[0].doc
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    for suffix in ("'s", "’s"):
        if doc_text(doc).endswith(suffix, start, end) and end - start > len(suffix):
            end -= len(suffix)
    return Mention(start, end, doc_text(doc)[start:end], label, "model")


def _is_edge_junk(token: Token) -> bool:
    """Punctuation or whitespace that cannot begin or end a name."""
    return token.is_space or (token.is_punct and not _ABBREVIATION.match(token.text))


def _is_determiner(token: Token, doc: Doc) -> bool:
    """A leading "the" that is not part of a title such as "The New York Times".

    A lowercase "the" is never part of the name. A capital "The" mid-sentence is (titles
    keep their article); at the start of a sentence it is part of the name only when the
    document also writes "The <rest>" mid-sentence.
    """
    if token.lower_ != "the":
        return False
    if token.text == "the":
        return True
    if not token.is_sent_start:
        return False
    rest_start = token.idx + len(token.text_with_ws)
    rest = doc_text(doc)[rest_start: token.sent.end_char]
    head = re.match(r"[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*)*", rest)
    return head is None or not _has_midsentence_title(doc_text(doc), "The " + head.group())


def _has_midsentence_title(text: str, title: str) -> bool:
    """Whether ``title`` occurs after a word (not a sentence end) somewhere in ``text``."""
    for match in re.finditer(re.escape(title), text):
        before = text[: match.start()].rstrip(" ")
        if before and before[-1] not in _SENTENCE_END and before[-1] != "\n":
            return True
    return False


def _split_coordinations(mentions: list[Mention]) -> list[Mention]:
    """Split "the AP and The New York Times" into two names when evidence says so.

    A span joined by "and"/"&" is split when one side is a name found on its own
    elsewhere in the document, or when the right side starts with a capital "The".
    """
    known = {m.text for m in mentions}
    result = []
    for mention in mentions:
        parts = _coordination_parts(mention)
        if parts and (any(p.text in known for p in parts) or parts[1].text.startswith("The ")):
            result.extend(parts)
        else:
            result.append(mention)
    return result


def _coordination_parts(mention: Mention) -> list[Mention] | None:
    """The two sides of the first coordinator in a mention, or None."""
    match = re.search(r" (?:and|&) ", mention.text)
    if match is None:
        return None
    left_text = mention.text[: match.start()]
    right_text = mention.text[match.end():]
    left_start = mention.start
    if left_text.startswith("the "):
        left_text, left_start = left_text[4:], left_start + 4
    right_start = mention.start + match.end()
    if not left_text or not right_text:
        return None
    return [
        Mention(left_start, left_start + len(left_text), left_text, mention.label, mention.source),
        Mention(right_start, right_start + len(right_text), right_text, mention.label, mention.source),
    ]


def _merge_abbreviated_places(mentions: list[Mention], text: str) -> list[Mention]:
    """Join "Washington" + ", " + "D.C." (a place and its dotted abbreviation) into one."""
    result: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        prev = result[-1] if result else None
        if (
            prev is not None
            and prev.label == mention.label == "GPE"
            and text[prev.end: mention.start] == ", "
            and _ABBREVIATION.match(mention.text)
        ):
            result[-1] = Mention(prev.start, mention.end, text[prev.start: mention.end], "GPE", prev.source)
        else:
            result.append(mention)
    return result


# --- headlines ---------------------------------------------------------------------------


def _headline_sentences(doc: Doc) -> list[Span]:
    """ALL-CAPS sentences anywhere, and the first sentence when it is title-cased."""
    sents = list(doc.sents)
    heads = [s for s in sents if _is_all_caps(s)]
    if sents and sents[0] not in heads and _is_title_case(sents[0]):
        heads.insert(0, sents[0])
    return heads


def _words(sent: Span) -> list[Token]:
    return [t for t in sent if t.is_alpha]


def _is_all_caps(sent: Span) -> bool:
    """A word of two letters or more, and no lowercase letter in any word."""
    long_word = False
    for tok in sent:
        if tok.is_alpha:
            if not tok.is_upper:  # stops at the first lowercase word, as most sentences do
                return False
            long_word = long_word or len(tok) > 1
    return long_word


def _is_title_case(sent: Span) -> bool:
    """At least four words, three quarters of them capitalised."""
    words = _words(sent)
    return len(words) >= 4 and sum(w.text[0].isupper() for w in words) >= 0.75 * len(words)


def _recased_mentions(doc: Doc, caps_sents: list[Span], nlp: Language) -> list[Mention]:
    """Mentions in ALL-CAPS sentences, found by NER on a recased copy of each sentence.

    Each word takes the spelling the document uses elsewhere ("DEFEAT" -> "defeat",
    "JAPAN" -> "Japan", "UAE" stays); a word seen only in capitals is capitalised.
    The copy has the same length, so offsets carry over.
    """
    if not caps_sents:
        return []
    spelling = _document_spelling(doc, caps_sents)
    texts = [_recase(s.text, spelling) for s in caps_sents]
    mentions = []
    for sent, recased in zip(caps_sents, nlp.pipe(texts)):
        for ent in recased.ents:
            if ent.label_ not in NAME_LABELS:
                continue
            for m in _clean_entity(ent):
                start, end = sent.start_char + m.start, sent.start_char + m.end
                mentions.append(Mention(start, end, doc_text(doc)[start:end], m.label, "model"))
    return mentions


def _document_spelling(doc: Doc, caps_sents: list[Span]) -> dict[str, str]:
    """Lowercased word -> its most common spelling outside ALL-CAPS sentences.

    Sentence-initial words vote only when the word never occurs elsewhere.
    """
    inside = {t.i for s in caps_sents for t in s}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for token in doc:
        if token.is_alpha and token.i not in inside:
            votes[token.lower_][token.text] += 1 if token.is_sent_start else 100
    return {lower: counter.most_common(1)[0][0] for lower, counter in votes.items()}


def _recase(text: str, spelling: dict[str, str]) -> str:
    """``text`` with every letter run respelled; the result has the same length."""

    def respell(match: re.Match[str]) -> str:
        word = match.group()
        new = spelling.get(word.lower(), word[0] + word[1:].lower())
        return new if len(new) == len(word) else word

    return re.sub(r"[^\W\d_]+", respell, text)


def _inside_any(ent: Span, sents: Iterable[Span]) -> bool:
    return any(s.start <= ent.start and ent.end <= s.end for s in sents)


def _shrink_title_mentions(mentions: list[Mention], titles: list[Span]) -> list[Mention]:
    """In a title-cased title, cut a span down to the longest name known from the body.

    "Vladimir Putin Congratulates" becomes "Vladimir Putin" when the body names
    "Vladimir Putin"; a title span the body does not contain is kept as it is.
    """
    in_title = [m for m in mentions if any(s.start_char <= m.start < s.end_char for s in titles)]
    body_names = {m.text: m.label for m in mentions if m not in in_title}
    result = []
    for mention in mentions:
        if mention in in_title and mention.text not in body_names:
            mention = _longest_known_part(mention, body_names) or mention
        result.append(mention)
    return result


def _longest_known_part(mention: Mention, known: dict[str, str]) -> Mention | None:
    """The longest known name that starts or ends the mention on a word boundary."""
    for name in sorted(known, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", mention.text):
            if match.start() == 0 or match.end() == len(mention.text):
                start = mention.start + match.start()
                return Mention(start, start + len(name), name, known[name], mention.source)
    return None


def _read_caps_sentences(mentions: list[Mention], text: str, caps: list[Span]) -> list[Mention]:
    """Find the document's names, upper-cased, in its ALL-CAPS sentences.

    The model reads capitals poorly: a name recognised elsewhere in the document is
    looked up in capitals too (with ``caps="lookup"``, the only source there).
    """
    names = _label_map(mentions)
    by_upper = {name.upper(): label for name, label in names.items() if len(name) > 1}
    found = list(mentions)
    for sent in caps:
        for upper in sorted(by_upper, key=len, reverse=True):
            for start in _occurrences(text, upper, sent.start_char, sent.end_char):
                candidate = Mention(start, start + len(upper), upper, by_upper[upper], "propagated")
                if not _overlaps(candidate, found):
                    found.append(candidate)
    return found


# --- tables ----------------------------------------------------------------------------


def _label_table_rows(mentions: list[Mention], text: str) -> list[Mention]:
    """Read the names heading the rows of results and standings tables.

    A row is a line of capitalised words, numbers and punctuation only; a row head is a
    run of capitalised words followed by a number ("Hereford 22 6 5 11", "Bath 35
    Harlequins 20"). The rows of one table name the same kind of thing, so every head in
    a block of consecutive rows takes the block's majority label, a place heading a row
    of statistics counting as a team (ORG). Blocks with no recognised head are left alone.
    """
    result = list(mentions)
    for block in _table_blocks(text):
        votes = Counter(
            "ORG" if m.label in _PLACE_LABELS else m.label
            for start, end in block for m in mentions if start <= m.start < end
        )
        if not votes:
            continue
        label = votes.most_common(1)[0][0]
        heads = [Mention(a, b, text[a:b], label, "relabelled") for a, b in block]
        result = [m for m in result if not _overlaps(m, heads)] + heads
    return result


def _table_blocks(text: str) -> list[list[tuple[int, int]]]:
    """Row-head spans of consecutive table rows, one list per block."""
    blocks: list[list[tuple[int, int]]] = [[]]
    pos = 0
    for line in text.split("\n"):
        heads = _row_heads(line, pos)
        if heads:
            blocks[-1].extend(heads)
        elif blocks[-1]:
            blocks.append([])
        pos += len(line) + 1
    return [b for b in blocks if b]


_ROW_TOKEN = re.compile(r"\S+")


def _row_heads(line: str, offset: int) -> list[tuple[int, int]]:
    """Spans of the row heads when ``line`` is a table row, else none."""
    tokens, kinds = [], []
    for m in _ROW_TOKEN.finditer(line):
        kind = _row_token_kind(m.group())
        if kind is None:  # prose: most lines stop at their first lowercase word
            return []
        tokens.append((m.start() + offset, m.group()))
        kinds.append(kind)
    if "number" not in kinds:
        return []
    heads, run, depth = [], None, 0
    for (start, tok), kind in zip(tokens, kinds):
        depth += tok.count("(") - tok.count(")")
        if kind == "word" and depth == 0:
            run = (run[0] if run else start, start + len(tok))
            continue
        if kind == "number" and run:
            heads.append(run)
        run = None
    return heads


def _row_token_kind(token: str) -> str | None:
    """``"number"``, ``"word"`` (capitalised), ``"punct"``, or None (anything else)."""
    if _ROW_NUMBER.fullmatch(token) and not _ROW_DATE.fullmatch(token):
        return "number"
    if token[0].isupper() and any(ch.isalpha() for ch in token):
        return "word"
    if all(ch in _ROW_PUNCT for ch in token):
        return "punct"
    return None


# --- labels and propagation --------------------------------------------------------------


def _surname(name: str) -> str | None:
    """Last word of a multi-word name, skipping "Jr"/"III"; None for a single word."""
    words = [w for w in name.split() if w not in _NAME_SUFFIXES]
    return words[-1] if len(words) >= 2 and words[-1][:1].isupper() else None


def _short_form(name: str) -> str | None:
    """First word of a multi-word name ("Bre-X" of "Bre-X Minerals"); None for one word."""
    words = name.split()
    return words[0] if len(words) >= 2 and words[0][:1].isupper() else None


def _harmonise_labels(mentions: list[Mention]) -> list[Mention]:
    """Give every mention its name's document-level label (see :func:`_label_map`)."""
    labels = _label_map(mentions)
    result = []
    for mention in mentions:
        label = labels[mention.text]
        result.append(mention if label == mention.label else replace(mention, label=label, source="relabelled"))
    return result


def _label_map(mentions: list[Mention]) -> dict[str, str]:
    """Document-level label of every name, and of the surnames of PERSON names.

    Mentions vote case-insensitively ("JAPAN" with "Japan"); ties go to the first
    occurrence. The surname of a full PERSON name is a PERSON; the first word of a
    multi-word ORG name, when used alone and not voted a place, is an ORG.
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[str, str] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        votes[mention.text.casefold()][mention.label] += 1
        first.setdefault(mention.text.casefold(), mention.label)
    labels = {}
    for key, counter in votes.items():
        labels[key] = first[key] if counter[first[key]] == max(counter.values()) else counter.most_common(1)[0][0]
    names = {m.text for m in mentions}
    for name in names:
        short = _short_form(name)
        if labels[name.casefold()] == "ORG" and short and labels.get(short.casefold()) not in (None, *_PLACE_LABELS):
            labels[short.casefold()] = "ORG"
    surnames = {_surname(n) for n in names if labels[n.casefold()] == "PERSON"} - {None}
    by_surface = {n: labels[n.casefold()] for n in names}
    by_surface.update({s: "PERSON" for s in surnames})
    by_surface.update({n: "PERSON" for n in names if n.casefold() in {s.casefold() for s in surnames}})
    return by_surface


def _propagate(mentions: list[Mention], text: str, caps: list[Span]) -> list[Mention]:
    """Add the other occurrences of every recognised name and PERSON surname.

    Occurrences inside or overlapping an existing mention, inside ALL-CAPS sentences, or
    glued to another capitalised word (part of a longer, unrecognised name) are skipped.
    """
    names = _label_map(mentions)
    found = list(mentions)
    blocked = [(s.start_char, s.end_char) for s in caps]
    for name in sorted(names, key=len, reverse=True):
        if len(name) < 2:
            continue
        for start in _occurrences(text, name, 0, len(text)):
            candidate = Mention(start, start + len(name), name, names[name], "propagated")
            if (
                not _overlaps(candidate, found)
                and not any(a <= start < b for a, b in blocked)
                and not _extends_capitalised(text, candidate)
            ):
                found.append(candidate)
    return found


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _occurrences(text: str, name: str, lo: int, hi: int) -> list[int]:
    """Start offsets of ``name`` as a whole word in ``text[lo:hi]`` (case-sensitive).

    Whole word: not preceded by a word character, ``&``, ``.`` or ``-``; not followed by a word
    character, ``&``, ``-``, or a ``.`` that continues a word. (``str.find`` rather than one
    regex per name: a document has hundreds of names and compiling dominated the run time.)
    """
    starts: list[int] = []
    size = len(name)
    i = text.find(name, lo, hi)
    while i != -1:
        j = i + size
        before = text[i - 1] if i > 0 else ""  # like a regex lookbehind: sees before lo
        after = text[j] if j < hi else ""
        after2 = text[j + 1] if j + 1 < hi else ""
        if (not before or not (_is_word_char(before) or before in "&.-")) and (
            not after or not (_is_word_char(after) or after in "&-" or (after == "." and after2 and _is_word_char(after2)))
        ):
            starts.append(i)
            i = text.find(name, j, hi)
        else:
            i = text.find(name, i + 1, hi)
    return starts


def _overlaps(candidate: Mention, mentions: Iterable[Mention]) -> bool:
    return any(m.start < candidate.end and candidate.start < m.end for m in mentions)


def _extends_capitalised(text: str, mention: Mention) -> bool:
    """Whether a capitalised word directly follows the mention ("Japan" in "Japan Airlines")."""
    return re.match(r" [A-Z]\w", text[mention.end: mention.end + 3]) is not None
