"""Named entities: mentions, canonical entities (aliases merged), frequency, co-occurrence.

Built on :func:`analysis.ner.document_entities` (spaCy NER made consistent across the
document). Aliases are merged within an article by general keys, no name lists:

* a PERSON surname or first name alone joins the one full name it belongs to
  ("Putin" → "Vladimir Putin"); when two full names share it, it stays apart;
* an acronym joins the name whose initials it spells ("AP" → "Associated Press",
  "U.S." → "United States");
* determiners and possessives are ignored ("the United States", "Russia’s").
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from .ner import NAME_LABELS, document_entities
from .nlp import parse
from .types import Article

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

MENTION_COLUMNS = ["article_id", "start", "end", "text", "label", "entity", "entity_label", "source", "sent_index"]
FREQUENCY_COLUMNS = [
    "article_id", "entity", "label", "family", "mentions", "aliases", "first_start", "first_sentence", "sentence_share",
]


def _key(text: str) -> str:
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
        ``{key: canonical}`` for every key (``_key(surface)``), canonical names included.
    """
    counts = Counter((_key(text), label) for text, label in surfaces)
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


def entity_mentions(article: Article, *, labels: Iterable[str] = NAME_LABELS, propagate: bool = True) -> pd.DataFrame:
    """Every name mention in the article (title once + cleaned body), with its canonical entity.

    Args:
        article: a cleaned article.
        labels: spaCy labels kept (default: names only, no dates or numbers).
        propagate: add unlabelled repeats of recognised names (see :mod:`analysis.ner`).

    Returns:
        One row per mention, columns:
        ``article_id``; ``start``, ``end`` (char offsets in ``article.text``); ``text`` (surface);
        ``label`` (spaCy label of the mention); ``entity`` (canonical name); ``entity_label``
        (majority label of the entity); ``source`` (``model``/``relabelled``/``propagated``);
        ``sent_index`` (sentence number in the parse).
    """
    doc = parse(article.text)
    mentions = document_entities(doc, labels=set(labels), propagate=propagate)
    sent_starts = [s.start_char for s in doc.sents]
    canon = resolve_aliases((m.text, m.label) for m in mentions)
    rows = []
    for m in mentions:
        rows.append({
            "article_id": article.id,
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "label": m.label,
            "entity": canon[_key(m.text)],
            "source": m.source,
            "sent_index": _bisect_right(sent_starts, m.start) - 1,
        })
    df = pd.DataFrame(rows, columns=[c for c in MENTION_COLUMNS if c != "entity_label"])
    majority = df.groupby("entity")["label"].agg(lambda s: s.value_counts().sort_index().idxmax()) if len(df) else {}
    df["entity_label"] = df["entity"].map(majority) if len(df) else pd.Series(dtype=str)
    df = df[MENTION_COLUMNS]
    df.attrs["n_sentences"] = {article.id: len(sent_starts)}
    return df


def _bisect_right(values: list[int], x: int) -> int:
    from bisect import bisect_right

    return bisect_right(values, x)


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
        return pd.DataFrame(columns=FREQUENCY_COLUMNS)
    rows = []
    for (article_id, entity), grp in mentions.groupby(["article_id", "entity"], sort=False):
        label = grp["entity_label"].iloc[0]
        total = n_sentences or mentions.attrs.get("n_sentences", {}).get(article_id) or mentions["sent_index"].max() + 1
        aliases = grp["text"].map(_key).value_counts()
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


_FAMILY_COLORS = {"PERSON": "#4c72b0", "ORG": "#dd8452", "GPE": "#55a868", "LOC": "#8c8c8c", "NORP": "#8172b3", "MISC": "#937860"}


def plot_entity_frequency(freq: pd.DataFrame, *, top: int = 15, title: str | None = None) -> Figure:
    """Horizontal bar chart of the most mentioned entities, coloured by type family."""
    data = freq.groupby(["entity", "family"], as_index=False)["mentions"].sum().nlargest(top, "mentions").iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.38 * len(data) + 1)))
    ax.barh(data["entity"], data["mentions"], color=[_FAMILY_COLORS.get(f, "#999") for f in data["family"]])
    for y, v in enumerate(data["mentions"]):
        ax.text(v + 0.1, y, str(v), va="center", fontsize=9)
    ax.set_xlabel("mentions (aliases merged)")
    ax.set_title(title or "Most mentioned entities")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for f, c in _FAMILY_COLORS.items() if f in set(data["family"])]
    ax.legend(handles, [f for f in _FAMILY_COLORS if f in set(data["family"])], loc="lower right", fontsize=8)
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
