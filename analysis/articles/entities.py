"""Named entities: mentions, canonical entities (aliases merged), frequency, co-occurrence.

Built on :func:`analysis.lang.ner.document_entities` (spaCy NER made consistent across the
document). Aliases are merged within an article by general keys, no name lists:

* a PERSON surname or first name alone joins the one full name it belongs to
  ("Putin" → "Vladimir Putin"); when two full names share it, it stays apart;
* an acronym joins the name whose initials it spells ("AP" → "Associated Press",
  "U.S." → "United States");
* determiners and possessives are ignored ("the United States", "Russia’s").
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from ..lang.ner import NAME_LABELS, document_entities
from ..lang.nlp import doc_text, lemma, parse
from .columns import MENTIONS
from ..types import Article

if TYPE_CHECKING:  # matplotlib is imported by the plot functions only: corpus workers never plot
    from matplotlib.figure import Figure

#: Label families used in tables and charts.
TYPE_FAMILY = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "GPE",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "NORP",
    "EVENT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "PRODUCT": "MISC",
    "LANGUAGE": "MISC",
}
_STOP_INITIALS = {"of", "the", "and", "for", "&", "de", "la", "du", "in", "on"}

MENTION_COLUMNS = MENTIONS.names
FREQUENCY_COLUMNS = [
    "article_id", "entity", "label", "family", "mentions", "aliases", "first_start", "first_sentence", "sentence_share",
]


def name_key(text: str) -> str:
    """The key aliases are merged by: leading "the", a possessive and extra spaces dropped."""
    text = re.sub(r"^the\s+", "", text.strip())  # "The" kept: NER keeps it only inside a name
    text = re.sub(r"[’']s?$", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", name) if w.lower() not in _STOP_INITIALS).upper()


def _acronym_letters(text: str) -> str | None:
    bare = text.replace(".", "").replace(" ", "")
    if 2 <= len(bare) <= 6 and bare.isalpha() and bare.isupper():
        return bare
    return None


def resolve_aliases(surfaces: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map each surface key to its canonical name within one article (or corpus).

    Args:
        surfaces: (surface text, spaCy label) pairs, one per mention.

    Returns:
        ``{key: canonical}`` for every key (``name_key(surface)``), canonical names included.
    """
    counts = Counter((name_key(text), label) for text, label in surfaces)
    keys = Counter()
    labels: dict[str, Counter] = defaultdict(Counter)
    for (key, label), n in counts.items():
        keys[key] += n
        labels[key][label] += n
    canon = {key: key for key in keys}
    persons = [k for k in keys if labels[k].most_common(1)[0][0] == "PERSON" and len(k.split()) > 1]
    # Single names that belong to exactly one multi-word PERSON (surname or first name).
    parts: dict[str, set[str]] = defaultdict(set)
    for full in persons:
        words = full.split()
        parts[words[-1]].add(full)
        parts[words[0]].add(full)
    for key in keys:
        if len(key.split()) == 1 and len(parts.get(key, ())) == 1:
            canon[key] = next(iter(parts[key]))
    # Acronyms spelled by the initials of exactly one longer name.
    by_initials: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        if len(key.split()) > 1:
            by_initials[_initials(key)].add(key)
    for key in keys:
        letters = _acronym_letters(key)
        if letters and len(by_initials.get(letters, ())) == 1:
            canon[key] = next(iter(by_initials[letters]))
    # Follow chains (a -> b -> c) to the end.
    for key in canon:
        seen = {key}
        while canon[canon[key]] != canon[key] and canon[key] not in seen:
            seen.add(canon[key])
            canon[key] = canon[canon[key]]
    return canon


def mention_records(article: Article, *, labels: Iterable[str] = NAME_LABELS, propagate: bool = True) -> dict[str, list]:
    """The columns of :func:`entity_mentions` (:data:`MENTIONS`) as plain lists, one entry per mention.

    The corpus runner builds its Arrow tables from these without a DataFrame per article.
    """
    doc = parse(article.text)
    mentions = document_entities(doc, labels=set(labels), propagate=propagate)
    sent_starts = [s.start_char for s in doc.sents]
    canon = resolve_aliases((m.text, m.label) for m in mentions)
    entities = [canon[name_key(m.text)] for m in mentions]
    # Majority label per entity; ties go to the alphabetically first label.
    votes = Counter(zip(entities, (m.label for m in mentions)))
    majority: dict[str, str] = {}
    for (entity, label), n in sorted(votes.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
        majority.setdefault(entity, label)
    return {
        "article_id": [article.id] * len(mentions),
        "start": [m.start for m in mentions],
        "end": [m.end for m in mentions],
        "text": [m.text for m in mentions],
        "label": [m.label for m in mentions],
        "entity": entities,
        "entity_label": [majority[e] for e in entities],
        "source": [m.source for m in mentions],
        "sent_index": [bisect_right(sent_starts, m.start) - 1 for m in mentions],
    }


def entity_mentions(article: Article, *, labels: Iterable[str] = NAME_LABELS, propagate: bool = True) -> pd.DataFrame:
    """Every name mention in the article (title once + cleaned body), with its canonical entity.

    Args:
        article: a cleaned article.
        labels: spaCy labels kept (default: names only, no dates or numbers).
        propagate: add unlabelled repeats of recognised names (see :mod:`analysis.lang.ner`).

    Returns:
        One row per mention, columns:
        ``article_id``; ``start``, ``end`` (char offsets in ``article.text``); ``text`` (surface);
        ``label`` (spaCy label of the mention); ``entity`` (canonical name); ``entity_label``
        (majority label of the entity); ``source`` (``model``/``relabelled``/``propagated``);
        ``sent_index`` (sentence number in the parse).
    """
    cols = mention_records(article, labels=labels, propagate=propagate)
    dtypes = MENTIONS.pandas_dtypes()
    df = pd.DataFrame({c: pd.Series(cols[c], dtype=dtypes[c]) for c in MENTION_COLUMNS})
    # sentences in the article, for entity_frequency's sentence_share (the parse is cached)
    df.attrs["n_sentences"] = {article.id: sum(1 for _ in parse(article.text).sents)}
    return df


def entity_frequency(mentions: pd.DataFrame, *, n_sentences: int | None = None, min_mentions: int = 1) -> pd.DataFrame:
    """Frequency table of canonical entities from :func:`entity_mentions` rows.

    Works for one article or many (rows of several articles: counted per ``article_id``).

    Args:
        mentions: output of :func:`entity_mentions` (or several concatenated).
        n_sentences: sentences in the article, for ``sentence_share`` (default: the count
            :func:`entity_mentions` recorded in ``mentions.attrs``).
        min_mentions: drop entities mentioned fewer times.

    Returns:
        One row per (article, entity), most mentioned first, columns:
        ``article_id``; ``entity`` (canonical name); ``label`` (majority spaCy label);
        ``family`` (PERSON/ORG/GPE/LOC/NORP/MISC); ``mentions`` (count);
        ``aliases`` (surface forms seen, "; "-joined, most frequent first);
        ``first_start`` (char offset of the first mention); ``first_sentence`` (its sentence index);
        ``sentence_share`` (fraction of sentences that mention the entity).
    """
    if mentions.empty:
        return _empty_frequency()
    rows = []
    for (article_id, entity), grp in mentions.groupby(["article_id", "entity"], sort=False):
        label = grp["entity_label"].iloc[0]
        total = n_sentences or mentions.attrs.get("n_sentences", {}).get(article_id) or mentions["sent_index"].max() + 1
        aliases = grp["text"].map(name_key).value_counts()
        rows.append({
            "article_id": article_id,
            "entity": entity,
            "label": label,
            "family": TYPE_FAMILY.get(label, "MISC"),
            "mentions": len(grp),
            "aliases": "; ".join(aliases.index),
            "first_start": int(grp["start"].min()),
            "first_sentence": int(grp["sent_index"].min()),
            "sentence_share": round(grp["sent_index"].nunique() / max(total, 1), 4),
        })
    freq = pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)
    freq = freq[freq["mentions"] >= min_mentions]
    return freq.sort_values(["article_id", "mentions", "first_start"], ascending=[True, False, True]).reset_index(drop=True)


def _empty_frequency() -> pd.DataFrame:
    dtypes = {"mentions": "int64", "first_start": "int64", "first_sentence": "int64", "sentence_share": "float64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in FREQUENCY_COLUMNS})


def cooccurrence(mentions: pd.DataFrame, *, min_count: int = 1) -> pd.DataFrame:
    """Pairs of canonical entities mentioned in the same sentence.

    Returns:
        Columns ``source``, ``target`` (entity names, alphabetical within a pair) and
        ``sentences`` (number of sentences where both occur), most frequent first.
    """
    pairs: Counter = Counter()
    for _, grp in mentions.groupby(["article_id", "sent_index"]):
        ents = sorted(set(grp["entity"]))
        pairs.update((a, b) for i, a in enumerate(ents) for b in ents[i + 1:])
    df = pd.DataFrame([(a, b, n) for (a, b), n in pairs.items() if n >= min_count], columns=["source", "target", "sentences"])
    return df.sort_values(["sentences", "source", "target"], ascending=[False, True, True]).reset_index(drop=True)


#: Colour of each type family in charts (bar chart, network).
FAMILY_COLORS = {"PERSON": "#4c72b0", "ORG": "#dd8452", "GPE": "#55a868", "LOC": "#8c8c8c", "NORP": "#8172b3", "MISC": "#937860"}


def plot_entity_frequency(freq: pd.DataFrame, *, top: int = 15, title: str | None = None) -> Figure:
    """Horizontal bar chart of the most mentioned entities, coloured by type family.

    An empty table gives a figure that says no entities were found.
    """
    import matplotlib.pyplot as plt

    if freq.empty:
        fig, ax = plt.subplots(figsize=(8, 1.6))
        ax.text(0.5, 0.5, "No named entities found", ha="center", va="center")
        ax.set_axis_off()
        return fig
    data = freq.groupby(["entity", "family"], as_index=False)["mentions"].sum().nlargest(top, "mentions").iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.38 * len(data) + 1)))
    ax.barh(data["entity"], data["mentions"], color=[FAMILY_COLORS.get(f, "#999") for f in data["family"]])
    for y, v in enumerate(data["mentions"]):
        ax.text(v + 0.1, y, str(v), va="center", fontsize=9)
    ax.set_xlabel("mentions (aliases merged)")
    ax.set_title(title or "Most mentioned entities")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for f, c in FAMILY_COLORS.items() if f in set(data["family"])]
    ax.legend(handles, [f for f in FAMILY_COLORS if f in set(data["family"])], loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def frequency_alt_text(freq: pd.DataFrame, *, top: int = 15) -> str:
    """Alt text for :func:`plot_entity_frequency`."""
    if freq.empty:
        return "Entity frequency: no named entities found."
    head = freq.nlargest(min(top, 8), "mentions")
    return "Bar chart of the most mentioned entities: " + ", ".join(
        f"{e} ({f}) {n}" for e, f, n in zip(head["entity"], head["family"], head["mentions"])) + "."


DESCRIPTOR_COLUMNS = ["article_id", "start", "end", "text", "entity", "kind", "role", "sent_index"]


def descriptor_mentions(article: Article, *, mentions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Role descriptions that refer to a PERSON entity ("the Russian president" → Vladimir Putin).

    Counted apart from name mentions (never merged into :func:`entity_frequency`). General
    rules on the dependency parse, no lists of titles:

    * **title**: the modifiers right before a PERSON name ("former Vice President Joe Biden",
      "Putin’s spokesperson Dmitry Peskov");
    * **appositive**: a short (at most 6 words) common-noun appositive set off by a comma after
      a PERSON name ("Putin, Russia’s autocratic leader,");
    * **repeated**: a later (or earlier) definite noun phrase ("the ...", "Russia’s ...") whose
      head is a role noun of a title or appositive above. It resolves to the one PERSON whose
      title/appositive names the same country (GPE/NORP: "the Russian president",
      "The President of Russia"), else, without a country, to the one PERSON already mentioned
      that holds that role ("the president-elect" when Biden is the only president named so
      far). Ambiguous phrases are left out.

    Returns:
        One row per descriptor, in text order: ``article_id``; ``start``, ``end`` (offsets in
        ``article.text``); ``text``; ``entity`` (canonical PERSON); ``kind``
        (``title``/``appositive``/``repeated``); ``role`` (head noun, lower case);
        ``sent_index``.
    """
    doc = parse(article.text)
    if mentions is None:
        mentions = entity_mentions(article)
    sent_starts = [s.start_char for s in doc.sents]
    span_of = {}  # token index -> (entity, label) for tokens inside a name mention
    for r in mentions.itertuples():
        span = doc.char_span(int(r.start), int(r.end), alignment_mode="expand")
        if span is not None:
            for t in span:
                span_of[t.i] = (r.entity, r.entity_label)
    places = {e: lab for e, lab in span_of.values() if lab in ("GPE", "NORP")}

    def countries(tokens) -> set[str]:
        out = set()
        for t in tokens:
            ent = span_of.get(t.i)
            if ent and ent[1] in ("GPE", "NORP"):
                out.add(ent[0])
            elif t.pos_ in ("ADJ", "PROPN") and t.text[:1].isupper():  # "Russian" -> "Russia"
                out.update(p for p in places if len(p) >= 4 and t.text.startswith(p))
        return {next((p for p in places if places[p] == "GPE" and len(p) >= 4 and c.startswith(p)), c) for c in out}

    rows, anchors, used = [], [], set()

    def add(tokens, entity, kind, role):
        tokens = sorted(tokens, key=lambda t: t.i)
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
        used.update(t.i for t in tokens)
        rows.append({"article_id": article.id, "start": start, "end": end, "text": doc_text(doc)[start:end], "entity": entity,
                     "kind": kind, "role": role, "sent_index": bisect_right(sent_starts, start) - 1})
        return tokens

    person_spans = sorted({(i, e) for i, (e, lab) in span_of.items() if lab == "PERSON"})
    seen_first: dict[str, int] = {}
    for i, e in person_spans:
        seen_first.setdefault(e, i)
    for i, e in person_spans:
        if i - 1 in span_of and span_of[i - 1][0] == e:
            continue  # not the first token of the name
        last = i
        while last + 1 in span_of and span_of[last + 1][0] == e:
            last += 1
        name = set(range(i, last + 1))
        # title: contiguous modifiers to the left attached into the name
        run, j = [], i - 1
        while j >= 0 and doc[j].dep_ in ("compound", "amod", "poss", "case", "nmod") and not doc[j].is_space \
                and (doc[j].head.i in name or doc[j].head.i in {t.i for t in run}
                     or (doc[j].dep_ == "case" and doc[j].head.i == j - 1)) and doc[j].i not in used:
            if span_of.get(j, ("", ""))[1] == "PERSON" and doc[j].dep_ != "poss":
                break
            run.append(doc[j])
            j -= 1
        nouns = [t for t in run if t.pos_ in ("NOUN", "PROPN") and t.i not in span_of]
        if nouns:
            head = max(nouns, key=lambda t: t.i)
            toks = add(run, e, "title", lemma(head).lower())
            anchors.append((e, lemma(head).lower(), countries(toks)))
        # appositive common noun
        for t in name:
            for c in doc[t].children:
                sub = list(c.subtree)
                if c.dep_ == "appos" and c.pos_ == "NOUN" and c.i not in span_of and len(sub) <= 6 \
                        and sub[0].i > 0 and doc[sub[0].i - 1].text == "," and not any(t.i in span_of and span_of[t.i][1] == "PERSON" for t in sub):
                    toks = add(sub, e, "appositive", lemma(c).lower())
                    anchors.append((e, lemma(c).lower(), countries(toks)))
    roles = {r for _, r, _ in anchors}
    for tok in doc:
        if tok.i in used or tok.i in span_of or tok.pos_ not in ("NOUN", "PROPN") or lemma(tok).lower() not in roles:
            continue
        head = tok
        if tok.dep_ == "compound" and tok.i + 2 < len(doc) and doc[tok.i + 1].text == "-" and tok.head.i == tok.i + 2:
            head = tok.head  # "president-elect"
        elif tok.dep_ in ("compound", "amod"):
            continue  # a modifier of another noun ("presidential election", "President Trump")
        left = [c for c in head.lefts if c.dep_ in ("det", "poss", "amod", "compound", "case", "punct") or c.i == tok.i]
        if not any(c.dep_ == "det" and c.lower_ == "the" or c.dep_ == "poss" for c in left):
            continue
        toks = [t for c in left for t in c.subtree] + [head]
        toks += [t for c in head.rights if c.dep_ == "prep" and c.lower_ == "of" for t in c.subtree]
        if any(t.i in span_of and span_of[t.i][1] == "PERSON" for t in toks):
            continue
        role = lemma(tok).lower()
        place = countries(toks)
        if place:
            cands = {e for e, r, c in anchors if c & place}
        else:
            cands = {e for e, r, c in anchors if r == role and seen_first.get(e, 10**9) < tok.i}
        if len(cands) == 1:
            add(toks, next(iter(cands)), "repeated", role)
    df = pd.DataFrame(rows, columns=DESCRIPTOR_COLUMNS)
    return df.sort_values("start").reset_index(drop=True)
