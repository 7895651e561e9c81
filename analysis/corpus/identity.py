"""One entity across a corpus: every name mention gets a corpus-wide ``entity_id``.

The corpus pass (:func:`resolve_identity`) works from the per-article results only (the
corpus ``entities`` table: one row per name mention with its per-article canonical name
``entity``, and the ``articles`` table for topic, outlet and date); it never re-parses. It
works on *units* — one per (article, per-article canonical name) — and joins them by
normalized keys (blocking: no pair of names is compared unless they share a key), so the
cost grows with the number of distinct names, not with their pairs.

Signals, each switchable (``signals=``) so it can be measured on its own:

``surface``
    Normalized surface forms: "the", possessives, edge punctuation and quotes dropped,
    "U.S." = "US", case folded ("the United States'" → "united states").
``country``
    Countries by their names, common names and codes from ``country_converter``'s data
    (its regular expressions: "UK" = "Britain" = "United Kingdom" = "Great Britain",
    "US" = "U.S." = "United States"; plus "America" → USA, which its data does not have).
    England, Scotland, Wales and Northern Ireland stay themselves (national teams).
    Demonyms ("British", NORP) are *not* merged: they keep their own entity and get a
    ``country`` attribute (ISO3) when their stem names a country ("Brit-ish" → Britain).
``company``
    Company legal suffixes dropped by ``cleanco`` ("Yukos Oil Company" → "Yukos Oil",
    "Deutsche Bank AG" → "Deutsche Bank").
``person``
    Person names parsed by ``nameparser``: titles and suffixes dropped from the key
    ("Mr Tony Blair" = "Tony Blair"); "Mr Blair"/"Dr Blair" count as the bare surname
    "Blair"; "Mrs"/"Ms"/"Lady Blair" stay apart (a spouse is a different person); middle names
    and initials are kept ("George W. Bush" ≠ "George H. W. Bush").
``surname``
    A bare surname joins a full name (see *Bare surnames* below).
``acronym``
    An acronym that the corpus spells out (articles where the per-article pass resolved
    "WTO" to "World Trade Organization") joins that name in the articles that do not spell it
    out, when at least 80 % of the articles that resolved it agree (one article is enough: the
    long form must spell the acronym out, :func:`_spells_out`, and be no person's name).
``plural``
    A single-word non-person name joins its singular ("Oscars" → "Oscar", "Tories" → "Tory"); when the plural
    itself is voted not PERSON, the group counts as having no person evidence in the type vote
    (people's names are not written in the plural) if the plural has at least :data:`PLURAL_SHARE`
    of the singular's mentions (a family, "the Blairs", is rare), so "Oscar", tagged PERSON 143 times on BBC
    and the surname of three stray tagger spans ("Other Oscar"), takes the plural's type.
``fuzzy``
    Spelling variants of full person names ("Muammar Gaddafi"/"Muammar Qaddafi",
    ``rapidfuzz`` ratio ≥ :data:`FUZZY_MIN`) within a block of the same first name and number
    of words, differing in the surname only, by one edit (two for surnames of 7 letters or
    more: "Richard Eyre" is not "Richard Gere", "Tony Bland" not "Tony Blair"), only with
    supporting context: the two names share at least :data:`FUZZY_MIN_SHARED`
    co-mentioned entities, and specific ones (the sum of their log inverse article frequencies is
    at least :data:`FUZZY_MIN_CONTEXT`): "Gareth Pierce"/"Gareth Peirce" sharing only Britain and
    the US stay apart; the BBC's "shadow home secretary David Davies" (one article, with Charles
    Clarke, Mark Oaten and the Prevention of Terrorism Bill) joins David Davis, and "Brown's Britain
    by Robert Preston" (an article that goes on "Mr Peston's book") joins Robert Peston.

**Type vote.** Every entity gets one type: the corpus-wide majority of its mentions' labels,
except that a single-word PERSON with no person evidence anywhere in the corpus (it is never
the surname of a full name nor used with a title such as "Mr") takes its most frequent
non-person label when at least 5 % of its mentions (or 3) carry one: "Yukos", tagged
PERSON in most articles, becomes ORG.

**Bare surnames.** A bare surname ("Blair", "Mr Blair") that the per-article pass left bare is
attached, article by article, to a full name of the corpus with that surname:

1. a full name with that surname in the same article (the per-article pass did not link it);
2. else, when the corpus names exactly one person with that surname in full, that person;
3. else (several people share the surname: "George W. Bush", "George H. W. Bush") by
   context: each candidate scores the number of entities the article shares with the
   candidate's articles (co-mentioned entities, weighted by 1/log of their article count),
   plus 1 if the article's topic is the candidate's most frequent topic and 1 if its outlet is
   the candidate's most frequent outlet, plus 1 if the article is dated within 365 days of the
   candidate's median date, plus :data:`SURNAME_PRIOR` × log(1 + articles naming the
   candidate in full) (a person the corpus names in 300 articles is a likelier referent than
   one it names in 3). The best candidate wins when it leads the runner-up by at least
   :data:`SURNAME_MIN_GAP`; otherwise the surname stays its own entity ("Bush",
   ``ambiguous`` true in the index).

**Ids.** ``entity_id`` is derived from the entity's canonical key (``"country:GBR"``,
``"person:tony blair"``, ``"name:yukos"``): a hash, stable across runs and corpora, not a
counter.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache, wraps
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..lang.plurals import singulars
from ..schema import Table

#: Articles that must resolve an acronym to one long form before the corpus joins them.
ACRONYM_MIN_ARTICLES = 1

#: Every signal; ``resolve_identity(..., signals=...)`` switches them off one by one for ablation.
SIGNALS = ("surface", "country", "company", "person", "surname", "acronym", "plural", "fuzzy")

#: The ``entity_index`` table: one row per corpus entity (declared once, :mod:`analysis.schema`).
ENTITY_INDEX = Table.parse("entity_index", """
    entity_id  str        stable id: hash of the canonical key (entity_id())
    name       str        canonical name: the most frequent full form
    type       str        one type by corpus-wide vote (PERSON, ORG, GPE, LOC, NORP, EVENT, ...)
    key        str        canonical key the id is derived from (country:GBR, person:tony blair, name:yukos)
    aliases    str        surface forms seen with their counts, most frequent first: 'US (1509); United States (58)'
    n_aliases  int        number of distinct surface forms
    mentions   int        name mentions in the corpus
    articles   int        articles mentioning it
    first_date timestamp  earliest publication date of those articles (null when none is dated)
    last_date  timestamp  latest publication date of those articles
    country    str        ISO3 code: the country itself (GPE) or the one a demonym refers to (NORP); '' otherwise
    ambiguous  bool       a bare surname that context could not attach to one of several full names
""")
INDEX_COLUMNS = ENTITY_INDEX.names

#: Context score of a bare surname's candidates: the best must lead the runner-up by this much ...
SURNAME_MIN_GAP = 1.0
#: ... where each candidate also gets this weight times log(1 + the articles naming it in full).
SURNAME_PRIOR = 0.5
#: rapidfuzz ratio (0-100) for spelling variants, and co-mentioned entities they must share ...
FUZZY_MIN = 90
FUZZY_MIN_SHARED = 2
#: ... whose specificity, the sum of log(articles in the corpus / articles naming the entity), is at
#: least this: sharing only "UK" and "US" (in a third of the BBC articles, about 1.1 each) is no
#: context; sharing one entity named in under 1 article in 400 is (log 400 = 6.0).
FUZZY_MIN_CONTEXT = 6.0

#: A plural voted not PERSON with at least this share of its singular's mentions ("Oscars" 78 to
#: "Oscar" 143) makes the singular no person; a stray "Blairs" (1 to 450) does not.
PLURAL_SHARE = 0.2

#: Titles after which a single name is a bare surname ("Mr Blair", "President Bush").
BARE_TITLES = {"mr", "dr", "president", "sir", "prof", "professor", "senator", "sen", "gov", "governor", "judge",
               "chancellor", "minister", "general", "gen", "mister", "secretary", "premier", "coach", "captain"}
#: Generational suffixes: a name with one is another person than the same name without it
#: (father and son), so it keys apart ("person:donald trump jr").
GENERATIONS = {"jr", "sr", "ii", "iii", "iv"}
#: Titles that make a different person of the same surname (a spouse, a peer).
OTHER_TITLES = {"mrs", "ms", "miss", "lady", "lord", "madam", "madame", "dame", "baroness", "prince", "princess",
                "king", "queen", "pope", "duke", "duchess", "countess", "earl"}
#: Parts of the United Kingdom that stay themselves (national teams, devolved governments).
_NOT_COUNTRY = re.compile(r"england|scotland|wales|(northern )?ireland|british isles", re.I)
_EXTRA_COUNTRY = {"america": "USA"}

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_POSSESSIVE = re.compile(r"['’]s?$")
_ACRONYM_DOTS = re.compile(r"^(?:[A-Za-z]\.){2,}[A-Za-z]?\.?$")


_SPACES = re.compile(r"\s+")
_THE = re.compile(r"^the\s+", re.I)


def _tidy(text) -> str:
    """One space between words, none at the ends, no leading "the"."""
    return _THE.sub("", _SPACES.sub(" ", str(text)).strip())


class _Memo:
    """A one-argument function's results by argument (like ``lru_cache``, cleared when full),
    in a plain dict that :func:`write_identity` can save beside a corpus and load on its next
    run (``memo=``): the per-name work (nameparser, cleanco, the country expressions) is then
    done only for names the corpus did not have before."""

    def __init__(self, fn, maxsize: int):
        wraps(fn)(self)
        self.fn, self.maxsize, self.cache = fn, maxsize, {}

    def __call__(self, arg):
        try:
            return self.cache[arg]
        except KeyError:
            if len(self.cache) >= self.maxsize:
                self.cache.clear()
            value = self.cache[arg] = self.fn(arg)
            return value

    def cache_clear(self) -> None:
        self.cache.clear()


def _memo(maxsize: int):
    return lambda fn: _Memo(fn, maxsize)


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """Surface key: without "the", possessive, edge punctuation; "U.S." → "us"; lower case."""
    t = _POSSESSIVE.sub("", _tidy(text))
    if _ACRONYM_DOTS.match(t):
        t = t.replace(".", "")
    t = _EDGE.sub("", t)
    return t.lower()


@lru_cache(maxsize=1)
def _country_table() -> list[tuple[re.Pattern, str, str, frozenset]]:
    """(regex, ISO3, short name, words of its names and codes) rows of country_converter's data file.

    Read directly: ``country_converter.CountryConverter()`` 1.3.2 fails to build under pandas 3
    (a missing ISO2 code is read as NaN); its data and regular expressions are fine.
    """
    from importlib.resources import files

    import country_converter

    path = files(country_converter) / "country_data.tsv"
    df = pd.read_csv(str(path), sep="\t", dtype=str, keep_default_na=False,
                     usecols=["name_short", "name_official", "regex", "ISO2", "ISO3", "obsolete"])
    df = df[df["obsolete"] == ""]
    rows = []
    for r, iso2, iso3, short, official in zip(df["regex"], df["ISO2"], df["ISO3"], df["name_short"], df["name_official"]):
        words = set(re.findall(r"[a-z]+", f"{short} {official}".lower())) | {iso2.lower(), iso3.lower()}
        if iso3 == "GBR":
            words.add("uk")
        rows.append((re.compile(r, re.I), iso3, short, frozenset(words)))
    return rows


@lru_cache(maxsize=1)
def _country_vocabulary() -> frozenset:
    return frozenset(w for *_, words in _country_table() for w in words)


_COUNTRY_FILLERS = {"the", "of", "and"}


@_memo(maxsize=50_000)
def country_code(name: str) -> str | None:
    """ISO3 code of a country name, common name or code ("UK", "Britain", "U.S." …); None otherwise.

    The name must match the country's regular expression in country_converter's data *and*
    consist of words of that country's names or codes, so "Tate Britain", "Air China" or
    "KGB" (which the expressions alone would take for countries) are not countries.
    """
    key = normalize(name)
    if key in _EXTRA_COUNTRY:
        return _EXTRA_COUNTRY[key]
    words = set(key.replace(".", "").split()) - _COUNTRY_FILLERS
    if not words or len(key.split()) > 5 or _NOT_COUNTRY.fullmatch(key) or not words <= _country_vocabulary():
        return None
    hits = {iso3 for rx, iso3, _, vocab in _country_table() if words <= vocab and rx.fullmatch(key)}
    return hits.pop() if len(hits) == 1 else None


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return {iso3: short for _, iso3, short, _ in _country_table()}


@_memo(maxsize=10_000)
def demonym_country(name: str) -> str | None:
    """ISO3 code of the country a demonym refers to ("British" → GBR, "Iraqi" → IRQ), by its stem."""
    key = normalize(name)
    if not key or " " in key:
        return None
    for suffix in ("ians", "ian", "ans", "an", "ish", "ese", "is", "i", "s"):
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            stem = key[: -len(suffix)]
            for ending in ("", "a", "ia", "ain", "y", "e", "o", "any", "and"):
                iso = country_code(stem + ending)
                if iso:
                    return iso
    return None


@_memo(maxsize=50_000)
def company_base(name: str) -> str:
    """Company name without its legal suffix ("Yukos Oil Company" → "yukos oil")."""
    from cleanco.clean import custom_basename, normalized, strip_punct

    terms, last_words = _legal_terms()
    # cleanco compares the name's last words with each of its ~400 legal terms (90 µs a name);
    # a name whose last word ends no term can match none of them, and cleanco's answer for it is
    # its answer with no terms at all (same bytes, a tenth of the time)
    nnparts = [strip_punct(w) for w in normalized(name).split()]
    base = normalize(custom_basename(name, terms if nnparts and nnparts[-1] in last_words else []))
    return base or normalize(name)


@lru_cache(maxsize=1)
def _legal_terms() -> tuple[list, frozenset]:
    """cleanco's default legal terms (as its ``basename`` uses them) and the words they end with."""
    from cleanco.clean import prepare_default_terms

    terms = prepare_default_terms()
    return terms, frozenset(parts[-1] for _, parts in terms if parts)


@_memo(maxsize=100_000)
def person_parts(name: str) -> tuple[str, str, str]:
    """(kind, key, surname) of a person name: kind ``full`` ("tony blair"), ``bare`` (a surname
    alone or after Mr/Dr/President: "blair"), or ``other`` (after Mrs/Lady/Prince…: the whole
    name, never merged with the bare surname)."""
    from nameparser import HumanName

    clean = normalize(name)
    words = clean.split()
    if not words:
        return "other", clean, ""
    if len(words) == 1:
        return "bare", words[0], words[0]
    generation = ""
    if _plain_name(tuple(words)):  # no title, suffix, particle or conjunction: nameparser would split it the same way
        title, parts = "", [w.replace(".", "") for w in words]
    else:
        h = HumanName(" ".join(w.capitalize() for w in words))
        title = normalize(h.title).replace(".", "")
        parts = [normalize(p).replace(".", "") for p in (h.first, h.middle, h.last)]
        generation = next((g for g in normalize(h.suffix).replace(".", "").replace(",", " ").split() if g in GENERATIONS), "")
    parts = [p for p in parts if p]
    if title in OTHER_TITLES or (title and title not in BARE_TITLES and len(parts) <= 1):
        return "other", clean, ""
    if generation:  # "Donald Trump Jr." is not "Donald Trump"; "Trump Jr" alone is not a bare "Trump"
        return ("full", f"{' '.join(parts)} {generation}", parts[-1]) if len(parts) >= 2 else ("other", clean.replace(".", ""), "")
    if len(parts) == 1:
        return "bare", parts[0], parts[0]
    if not parts:
        return "other", clean, ""
    return "full", " ".join(parts), parts[-1]


@lru_cache(maxsize=1)
def _name_words() -> frozenset:
    """Titles, suffixes, particles and conjunctions nameparser knows (lower case)."""
    from nameparser.config import CONSTANTS

    out = set()
    for group in (CONSTANTS.titles, CONSTANTS.suffix_acronyms, CONSTANTS.suffix_not_acronyms, CONSTANTS.prefixes,
                  CONSTANTS.conjunctions):
        out.update(str(w).lower().replace(".", "") for w in group)
    return frozenset(out)


def _plain_name(words: tuple[str, ...]) -> bool:
    vocab = _name_words()
    return len(words) <= 4 and not any(w.replace(".", "") in vocab or "," in w for w in words)


#: Courtesy titles: a name after one of these is a person whatever the tagger's label.
COURTESY_TITLES = {"mr", "mrs", "ms", "miss", "dr"}


def _courtesy_titled(name: str) -> bool:
    words = normalize(name).split()
    return len(words) >= 2 and words[0].rstrip(".") in COURTESY_TITLES


def _acronym(text: str) -> str | None:
    bare = text.replace(".", "").replace(" ", "")
    return bare if 2 <= len(bare) <= 6 and bare.isalpha() and bare.isupper() else None


def _spells_out(acronym: str, name: str) -> bool:
    """Whether ``name`` can be what ``acronym`` (lower case) abbreviates: the acronym's letters
    occur in order in the name, the first one starting the name ("wto" in "World Trade
    Organization", "asean" in "Association of Southeast Asian Nations"), and the acronym is not
    simply one of the name's words: a surname in capitals ("TRUMP" in a "Donald TRUMP" headline)
    is no acronym. The check of Schwartz & Hearst (2003) for abbreviation definitions, with the
    long form given."""
    words = re.findall(r"[a-z0-9]+", normalize(name))
    if words[:1] == ["the"]:
        words = words[1:]
    if not words or acronym in words or words[0][0] != acronym[0]:
        return False
    text, pos = " ".join(words), 0
    for ch in acronym:
        pos = text.find(ch, pos) + 1
        if not pos:
            return False
    return True


def _same_middle(a: str, b: str) -> bool:
    """Two full person keys with the same first and last name whose middle names can be one
    person's: as many middle names, each equal or an initial of the other ("h" / "hussein")."""
    ma, mb = a[7:].split()[1:-1], b[7:].split()[1:-1]
    return len(ma) == len(mb) and all(x == y or (min(len(x), len(y)) == 1 and x[0] == y[0]) for x, y in zip(ma, mb))


class _Union:
    def __init__(self):
        self.parent: dict = {}

    def find(self, a):
        self.parent.setdefault(a, a)
        root = a
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[a] != root:
            self.parent[a], a = root, self.parent[a]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller key (sorted) becomes the root: deterministic whatever the order of unions
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def _mode(counts: Counter):
    """The most common value; ties go to the smallest (as a string), not to the first counted,
    so the result does not depend on the order a set was walked in."""
    return min(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0] if counts else None


def entity_id(key: str) -> str:
    """Stable id of a canonical key: ``e`` + 12 hex digits of its BLAKE2b hash."""
    return "e" + hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


def _unit_key(name: str, label: str, signals: set[str], norm=normalize) -> tuple[str, str, str]:
    """(key, ISO3 country or "", person kind or "") of a per-article name with its label: the block
    it joins before the corpus-wide joins (a country, a person's full or bare name, a company's
    base name, else its surface key)."""
    key, iso, kind = None, None, ""
    if "country" in signals and label in ("GPE", "LOC", "ORG", "NORP", "PERSON"):
        iso = country_code(name)
        if iso and label in ("GPE", "LOC", "ORG"):
            key = f"country:{iso}"
        elif iso:
            iso = None
    if key is None and label == "PERSON" and "person" in signals:
        kind, pkey, _ = person_parts(name)
        key = f"person:{pkey}" if kind == "full" else f"name:{pkey}" if kind == "bare" else f"person:{pkey}"
    if key is None and label == "ORG" and "company" in signals:
        key = f"name:{company_base(name)}"
    if key is None:
        key = f"name:{norm(name)}"
    if label == "NORP" and "country" in signals:
        iso = demonym_country(name)
    return key, iso or "", kind


def resolve_identity(entities: pd.DataFrame, articles: pd.DataFrame, *,
                     signals: Iterable[str] = SIGNALS) -> tuple[pd.Series, pd.DataFrame]:
    """Corpus-wide identity of every name mention.

    Args:
        entities: the corpus ``entities`` table (``article_id``, ``text``, ``label``,
            ``entity``, ``entity_label`` at least).
        articles: the corpus ``articles`` table (``article_id``, ``topic``, ``outlet``,
            ``published``).
        signals: the signals used (default all, :data:`SIGNALS`); ``surface`` off keys names
            by their exact per-article canonical string.

    Returns:
        ``(entity_id, entity_index)``: the id of each row of ``entities`` (same index) and the
        index table (:data:`INDEX_COLUMNS`, sorted by mentions, then name).
    """
    signals = set(signals)
    unknown = signals - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown identity signal(s): {', '.join(sorted(unknown))}")
    if entities.empty:
        return pd.Series([], index=entities.index, dtype="str"), pd.DataFrame(columns=INDEX_COLUMNS)
    norm = normalize if "surface" in signals else (lambda s: str(s))
    ents = entities[["article_id", "text", "label", "entity", "entity_label"]]
    if "person" in signals:  # "Mr Blair" tagged ORG: a courtesy title only ever precedes a person
        titled = ents["entity_label"].ne("PERSON") & ents["entity"].map(
            {e: _courtesy_titled(e) for e in ents["entity"].unique()})
        if titled.any():
            ents = ents.assign(label=ents["label"].mask(titled, "PERSON"), entity_label=ents["entity_label"].mask(titled, "PERSON"))
    # --- units: one per (article, per-article canonical name), in order of first mention ------
    # (plain lists and dicts: iterating Arrow-backed string columns, or grouping by them, costs more)
    unit_of: dict[tuple, int] = {}
    code_list = [unit_of.setdefault(pair, len(unit_of)) for pair in zip(ents["article_id"].tolist(), ents["entity"].tolist())]
    codes = np.asarray(code_list, dtype=np.intp)  # mention -> unit
    unit_article, unit_entity = [a for a, _ in unit_of], [e for _, e in unit_of]
    label_votes = Counter((u, lab) for u, lab in zip(code_list, ents["label"].tolist()) if isinstance(lab, str))
    unit_label: list = [None] * len(unit_of)  # the first label its mentions carry
    for u, lab in zip(code_list, ents["entity_label"].tolist()):
        if unit_label[u] is None and isinstance(lab, str):
            unit_label[u] = lab
    units = pd.DataFrame({"article_id": unit_article, "entity": unit_entity, "label": unit_label})

    # --- unit key: the block a unit belongs to before joining ---------------------------------
    person_kind = {}
    unit_key = []
    country_of_unit = []
    for name, label in zip(unit_entity, units["label"].tolist()):
        key, iso, kind = _unit_key(name, label, signals, norm)
        if kind:
            person_kind[name] = kind
        unit_key.append(key)
        country_of_unit.append(iso)
    units["key"] = unit_key
    units["country"] = country_of_unit

    # --- label votes and person evidence per key --------------------------------------------
    # plain dicts, not Counters, for the ~35,000 keys and ~14,000 groups below (a Counter costs more to make)
    key_votes: dict[str, dict[str, int]] = defaultdict(dict)
    for (u, label), n in label_votes.items():
        kv = key_votes[unit_key[u]]
        kv[label] = kv.get(label, 0) + n
    surnames: dict[str, set[str]] = defaultdict(set)  # surname -> full person keys
    titled = set()  # bare keys seen with a title ("Mr Blair")
    for name, key in zip(unit_entity, unit_key):
        if key.startswith("person:") and person_kind.get(name) == "full":
            surnames[person_parts(name)[2]].add(key)
        elif person_kind.get(name) == "bare" and normalize(name) != key[5:]:
            titled.add(key)

    def has_person_evidence(key: str) -> bool:
        return not (key.startswith("name:") and " " not in key and key not in titled and key[5:] not in surnames)

    def vote(key: str, votes: dict | None = None, evidence: bool | None = None) -> str:
        votes = key_votes[key] if votes is None else votes
        best = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        if best == "PERSON" and not (has_person_evidence(key) if evidence is None else evidence):
            others = {lab: n for lab, n in votes.items() if lab != "PERSON"}
            total = sum(votes.values())
            if others:
                lab, n = sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                if n >= 3 or n >= 0.05 * total:
                    return lab
        return best

    uf = _Union()
    for key in dict.fromkeys(unit_key):
        uf.find(key)

    # acronyms the corpus spells out
    if "acronym" in signals:
        spelled: dict[str, Counter] = defaultdict(Counter)
        acronyms = {t: _acronym(str(t)) for t in ents["text"].unique()}
        acr_rows = ents[ents["text"].map(lambda t: acronyms[t] is not None)]
        acr = acr_rows.assign(a=acr_rows["text"].map(lambda t: acronyms[t].lower()))
        acr = acr[acr["a"] != acr["entity"].map(lambda e: normalize(e).replace(" ", ""))]
        for a, grp in acr.drop_duplicates(["article_id", "a", "entity"]).groupby("a", sort=True):
            spelled[a].update(grp["entity"])
        keys_present = set(unit_key)
        for a, cnt in spelled.items():
            full, n = sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            if n >= ACRONYM_MIN_ARTICLES and n >= 0.8 * sum(cnt.values()) and f"name:{a}" in keys_present and _spells_out(a, full):
                # the long name's key as the units key it (any article that resolved it)
                target = units.loc[units["entity"] == full, "key"]
                # never a person's name: "DJ" is no "Dan Jolin" because one article spelled it so
                if len(target) and not target.iloc[0].startswith("person:"):
                    uf.union(f"name:{a}", target.iloc[0])

    # plurals: "oscars" -> "oscar" for non-person single words
    plural_not_person = set()  # plural keys voted not PERSON: their singular is no person either
    if "plural" in signals:
        keys_present = set(unit_key)
        for key in sorted(keys_present):
            forms = singulars(key[len("name:"):]) if key.startswith("name:") and " " not in key else ()
            if forms:
                # "tories" -> "tory" (BBC: Tory 258 / Tories 235, Wallaby / Wallabies), else "oscars" -> "oscar"
                sing = next((f"name:{s}" for s in forms if f"name:{s}" in keys_present), f"name:{forms[-1]}")
                if sing in keys_present and vote(key) != "PERSON" or (sing in keys_present and vote(sing) != "PERSON"):
                    uf.union(key, sing)
                    if vote(key) != "PERSON" and sum(key_votes[key].values()) >= PLURAL_SHARE * sum(key_votes[sing].values()):
                        plural_not_person.add(key)

    # --- bare surnames, article by article ---------------------------------------------------
    art_keys: dict[str, set[str]] = defaultdict(set)
    key_articles: dict[str, set[str]] = defaultdict(set)
    for a, k in zip(unit_article, unit_key):
        art_keys[a].add(k)
        key_articles[k].add(a)
    meta = articles.set_index("article_id")
    topic_of = meta["topic"].to_dict() if "topic" in meta else {}
    outlet_of = meta["outlet"].to_dict() if "outlet" in meta else {}
    date_of = meta["published"].to_dict() if "published" in meta else {}
    n_articles = max(len(articles), 1)
    unit_target = list(unit_key)
    ambiguous = set()
    if "surname" in signals and "person" in signals:
        profile: dict[str, tuple] = {}

        def cand_profile(c: str):
            if c not in profile:
                arts = root_articles[c]
                co = Counter(k for a in arts for k in art_keys[a] if k != c)
                topics = Counter(topic_of.get(a) for a in arts)
                outlets = Counter(outlet_of.get(a) for a in arts)
                dates = sorted(d for d in (date_of.get(a) for a in arts) if pd.notna(d))
                profile[c] = (co, _mode(topics), _mode(outlets), dates[len(dates) // 2] if dates else None)
            return profile[c]

        with_middle: dict[tuple, set[str]] = defaultdict(set)  # (first, last) -> full names with a middle name
        for k in set(unit_key):
            words = k[7:].split() if k.startswith("person:") else []
            if len(words) >= 3 and words[-1] not in GENERATIONS:
                with_middle[(words[0], words[-1])].add(k)
        for variants in with_middle.values():  # "Barack H. Obama" = "Barack Hussein Obama"; never "George H. W." = "George W."
            ordered = sorted(variants)
            if len(ordered) > 1 and all(_same_middle(x, y) for i, x in enumerate(ordered) for y in ordered[i + 1:]):
                for other in ordered[1:]:
                    uf.union(ordered[0], other)
        with_generation: dict[tuple, set[str]] = defaultdict(set)  # (surname, "jr") -> full names with that suffix
        for k in set(unit_key):
            words = k[7:].split() if k.startswith("person:") else []
            if len(words) >= 3 and words[-1] in GENERATIONS:
                with_generation[(words[-2], words[-1])].add(k)
        for k in sorted(set(unit_key)):  # "Mullen Jr" = the one "Larry Mullen Jr" the corpus names
            words = k[7:].split() if k.startswith("person:") else []
            if len(words) == 2 and len(with_generation.get((words[0], words[1]), ())) == 1:
                uf.union(k, next(iter(with_generation[(words[0], words[1])])))
        for k in sorted(set(unit_key)):  # "George Bush" = the one "George X. Bush" the corpus names
            words = k[7:].split() if k.startswith("person:") else []
            if len(words) == 2 and len({uf.find(v) for v in with_middle.get((words[0], words[1]), ())}) == 1:
                uf.union(k, next(iter(with_middle[(words[0], words[1])])))
        # articles per group, after the joins above (a candidate's weight is its whole group's)
        root_articles: dict[str, set[str]] = defaultdict(set)
        for k2, arts2 in key_articles.items():
            root_articles[uf.find(k2)] |= arts2

        for i, (a, k) in enumerate(zip(unit_article, unit_key)):
            words = k[7:].split() if k.startswith("person:") else []
            if len(words) == 2 and len({uf.find(v) for v in with_middle.get((words[0], words[1]), ())}) > 1:
                cands = sorted({uf.find(c) for c in with_middle[(words[0], words[1])]})
            elif k.startswith("name:") and " " not in k[5:] and vote(k) == "PERSON" and k + "s" not in plural_not_person:
                cands = sorted({uf.find(c) for c in surnames.get(k[5:], ())})
            else:
                continue
            if not cands:
                continue
            here = sorted({uf.find(c) for c in art_keys[a]} & set(cands))
            if len(here) == 1:
                unit_target[i] = here[0]
                continue
            if len(cands) == 1:
                unit_target[i] = cands[0]
                continue
            scores = []
            for c in cands:
                co, topic, outlet, median = cand_profile(c)
                # fsum: the same float whatever order the set is walked in (a plain sum differed
                # across processes with different hash seeds and flipped near-ties)
                s = math.fsum(co[k2] and 1.0 / math.log(2 + len(key_articles[k2])) for k2 in art_keys[a] if k2 != k and k2 in co)
                s += (topic_of.get(a) == topic) + (outlet is not None and outlet_of.get(a) == outlet)
                d = date_of.get(a)
                if median is not None and d is not None and not pd.isna(d) and abs((d - median).days) <= 365:
                    s += 1
                s += SURNAME_PRIOR * math.log(1 + len(root_articles[c]))
                scores.append((s, c))
            scores.sort(key=lambda sc: (-sc[0], sc[1]))
            (s1, c1), (s2, _) = scores[0], scores[1]
            if s1 - s2 >= SURNAME_MIN_GAP:
                unit_target[i] = c1
            else:
                ambiguous.add(k)

    # bare keys that were attached in every article join that person's entity for good
    # (article-level targets are kept per unit below)
    # --- fuzzy spelling variants of multi-word names ----------------------------------------
    if "fuzzy" in signals:
        from rapidfuzz import fuzz
        from rapidfuzz.distance import DamerauLevenshtein

        blocks: dict[tuple, list[str]] = defaultdict(list)
        for key in sorted(set(unit_key)):
            words = key[7:].split() if key.startswith("person:") else []
            if len(words) >= 2 and vote(key) == "PERSON":
                blocks[(words[0], len(words))].append(key)
        for block in blocks.values():
            if len(block) < 2 or len(block) > 500:
                continue
            for i, k1 in enumerate(block):
                for k2 in block[i + 1:]:
                    w1, w2 = k1[7:].split(), k2[7:].split()
                    if w1[:-1] == w2[:-1] and fuzz.ratio(k1[7:], k2[7:]) >= FUZZY_MIN \
                            and DamerauLevenshtein.distance(w1[-1], w2[-1]) <= (1 if min(len(w1[-1]), len(w2[-1])) <= 6 else 2):
                        co1 = {k for a in key_articles[k1] for k in art_keys[a]} - {k1}
                        co2 = {k for a in key_articles[k2] for k in art_keys[a]} - {k2}
                        shared = co1 & co2
                        specific = math.fsum(math.log(n_articles / max(len(key_articles[k]), 1)) for k in shared)
                        if len(shared) >= FUZZY_MIN_SHARED and specific >= FUZZY_MIN_CONTEXT:
                            uf.union(k1, k2)

    # --- final groups ------------------------------------------------------------------------
    final_key = [uf.find(t) for t in unit_target]
    mention_final = pd.Series(final_key, dtype="str").to_numpy()[codes]
    # type: vote over all mentions of the group
    group_votes: dict[str, dict[str, int]] = defaultdict(dict)
    for (u, label), n in label_votes.items():
        gv = group_votes[final_key[u]]
        gv[label] = gv.get(label, 0) + n
    members: dict[str, set[str]] = defaultdict(set)
    for k, g in zip(unit_target, final_key):
        members[g].add(k)
    key_type = {}
    for g, votes in group_votes.items():
        # a name the corpus also writes in the plural, not as a person ("the Oscars"), is no
        # person, whatever a stray "Other Oscar" full name suggests
        evidence = any(has_person_evidence(k) for k in members[g]) and not (members[g] & plural_not_person)
        t = vote(g, votes, evidence)
        if g.startswith("country:"):
            t = "GPE"
        key_type[g] = t
    ids = {g: entity_id(g) for g in group_votes}
    out_ids = pd.Series([ids[g] for g in mention_final], index=entities.index, dtype="str")

    # --- index -------------------------------------------------------------------------------
    aliases_of: dict[str, dict[str, int]] = defaultdict(dict)
    entities_of: dict[str, dict[str, int]] = defaultdict(dict)
    articles_of: dict[str, set] = defaultdict(set)
    # counted per distinct (group, value) pair (Counter's C loop), in order of first mention as before
    groups = mention_final.tolist()
    for (g, text), n in Counter(zip(groups, ents["text"].tolist())).items():
        aliases_of[g][text] = n
    for (g, ent), n in Counter(zip(groups, ents["entity"].tolist())).items():
        entities_of[g][ent] = n
    for g, art in dict.fromkeys(zip(groups, ents["article_id"].tolist())):
        articles_of[g].add(art)
    display = {t: _display(t) for t in {t for c in aliases_of.values() for t in c}}
    country_of_key = {}
    for k, iso in zip(final_key, country_of_unit):
        if iso:
            country_of_key.setdefault(k, iso)
    dated = {a: d for a, d in date_of.items() if d is not None and not pd.isna(d)}  # checked once per article
    columns: dict[str, list] = {c: [] for c in INDEX_COLUMNS}
    for g in sorted(aliases_of):
        counts: dict[str, int] = {}
        for t, n in aliases_of[g].items():
            d = display[t]
            counts[d] = counts.get(d, 0) + n
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if g.startswith("country:"):
            name = _country_names().get(g[8:], ordered[0][0])
            iso = g[8:]
        else:
            full = sorted(entities_of[g].items(), key=lambda kv: (-kv[1], kv[0]))
            name = _canonical_name(full + ordered, key_type[g])
            iso = country_of_key.get(g, "")
        dates = [dated[a] for a in articles_of[g] if a in dated]
        for c, v in (("entity_id", ids[g]), ("name", name), ("type", key_type[g]), ("key", g),
                     ("aliases", "; ".join(f"{a} ({n})" for a, n in ordered)), ("n_aliases", len(ordered)),
                     ("mentions", sum(counts.values())), ("articles", len(articles_of[g])),
                     ("first_date", min(dates) if dates else pd.NaT), ("last_date", max(dates) if dates else pd.NaT),
                     ("country", iso), ("ambiguous", g in ambiguous)):
            columns[c].append(v)
    index = pd.DataFrame(columns, columns=INDEX_COLUMNS)
    index = index.sort_values(["mentions", "name", "entity_id"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
    return out_ids, index


def _display(text: str) -> str:
    t = _tidy(text)
    return _EDGE.sub("", _POSSESSIVE.sub("", t)) or t


def _canonical_name(ordered: list[tuple[str, int]], type_: str) -> str:
    """The most frequent alias; for a person, the most frequent multi-word alias without a title,
    and when the person is also named by one word ("Blair"), one whose surname is such a word:
    the bare "Clinton"s that no context could attribute stay "Clinton", not a stray "Clinton Inc"."""
    if type_ == "PERSON":
        bare = {normalize(a) for a, _ in ordered if len(a.split()) == 1}
        full = [(a, n) for a, n in ordered if len(a.split()) >= 2 and person_parts(a)[0] == "full"
                and not normalize(a).split()[0].rstrip(".") in BARE_TITLES
                and (not bare or person_parts(a)[2] in bare)]
        if full:
            return full[0][0]
    return ordered[0][0]


# --- the corpus pass: Parquet in, Parquet out ------------------------------------------------


def index_schema():
    """Arrow schema of the ``entity_index`` table (:data:`ENTITY_INDEX`)."""
    return ENTITY_INDEX.arrow_schema()


#: The per-name functions whose results :func:`write_identity` keeps between runs (``memo=``).
MEMO_FUNCTIONS = {"country_code": country_code, "demonym_country": demonym_country,
                  "company_base": company_base, "person_parts": person_parts}


def _load_memo(path: Path, key: str) -> int:
    """Seed :data:`MEMO_FUNCTIONS`' caches from ``path`` when it was written under ``key`` (the
    identity code and its libraries); an unreadable or outdated file is ignored (it is
    rewritten after the pass). Returns the entries in the caches."""
    import json

    try:
        data = json.loads(path.read_bytes())
        if data.get("key") != key:
            return 0
        loaded = {name: {arg: tuple(v) if isinstance(v, list) else v for arg, v in data["functions"][name]}
                  for name in MEMO_FUNCTIONS}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0
    for name, fn in MEMO_FUNCTIONS.items():
        fn.cache.update(loaded[name])
    return sum(len(fn.cache) for fn in MEMO_FUNCTIONS.values())


def _save_memo(path: Path, key: str) -> None:
    import json
    import os

    data = {"key": key, "functions": {name: list(fn.cache.items()) for name, fn in MEMO_FUNCTIONS.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def write_identity(corpus_dir: str | Path, *, signals: Iterable[str] = SIGNALS, memo: str | Path | None = None,
                   memo_key: str = "") -> dict:
    """Add ``entity_id`` to ``entities.parquet`` and write ``entity_index.parquet`` in a corpus folder.

    Reads only the Parquet tables (no parse), so it runs the same after a local or a
    scheduler run. Rewrites ``entities.parquet`` atomically, rows in the same order.

    Args:
        memo: a JSON file that keeps the per-name results (:data:`MEMO_FUNCTIONS`) between
            runs on a growing corpus (the corpus runner keeps it in ``OUT/.kept``); read when it
            was written under ``memo_key``, rewritten when the pass added names. The results do
            not depend on it (the cost does: the cold pass on BBC, 1.23-1.31 s, takes about
            1.0 s with every name in it).
        memo_key: what the per-name results depend on (the runner's ``passes_key()``: the identity
            code and the versions of its libraries).

    Returns:
        ``{"entities": rows, "entity_index": rows, "seconds": s}``.
    """
    import time

    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    folder = Path(corpus_dir)
    memo = Path(memo) if memo is not None else None
    seeded = _load_memo(memo, memo_key) if memo is not None else 0
    ent_table = pq.read_table(folder / "entities.parquet")
    if "entity_id" in ent_table.column_names:
        ent_table = ent_table.drop_columns(["entity_id"])
    entities = ent_table.to_pandas()
    articles = pd.read_parquet(folder / "articles.parquet", columns=["article_id", "topic", "outlet", "published"])
    ids, index = resolve_identity(entities, articles, signals=signals)
    ent_table = ent_table.append_column("entity_id", pa.array(ids.tolist(), type=pa.string()))
    tmp = folder / ".entities.parquet.identity.tmp"
    pq.write_table(ent_table, tmp, compression="zstd")
    tmp.replace(folder / "entities.parquet")
    idx_tmp = folder / ".entity_index.parquet.tmp"
    pq.write_table(pa.Table.from_pandas(index, schema=index_schema(), preserve_index=False), idx_tmp, compression="zstd")
    idx_tmp.replace(folder / "entity_index.parquet")
    if memo is not None and sum(len(fn.cache) for fn in MEMO_FUNCTIONS.values()) != seeded:
        _save_memo(memo, memo_key)
    return {"entities": ent_table.num_rows, "entity_index": len(index), "seconds": round(time.perf_counter() - t0, 3)}
