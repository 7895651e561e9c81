"""Entity cross-document coreference on ECB+: the mentions, the rule resolver, the scorer.

``python -m analysis evaluate coref FOLDER`` (:mod:`analysis.evaluation.coref_eval`) scores them.

Setup (SOURCE.md of the data set; Barhom et al. 2019 "Cybulska setup"): test topics 36-45 by
default, validated sentences only, gold entity mentions, singletons kept. Prints JSON with
MUC, B³, CEAF-e (recall, precision, F1, in %) and CoNLL F1 (their mean), computed by the
``scorch`` package, for

* ``system``: the pair model of :mod:`analysis.evaluation.coref_pairs` (logistic regression over
  mention pairs, fitted on the train and dev topics, average-linkage clustering; pronouns from the rules
  below) — ``--rules`` makes it the rule resolver alone;
* ``rules``: this module's rule resolver (below), always reported;
* ``baseline``: same head lemma, within the same predicted document cluster (the published
  "cluster + lemma" baseline), on the same mentions and the same document clusters;
* ``baseline_no_clusters``: same head lemma across all the documents scored (no document
  clustering: the bare lemma baseline; test 63.92, names-only B³ 79.70);

each for all entity mentions and for name mentions only (the head is a proper noun: the gold
and the response clusterings restricted to those mentions).

The rule resolver works in three steps, without gold types or gold document topics:

1. **Document clusters.** TF-IDF vectors of every document's full text (content words),
   agglomerative clustering (cosine, average linkage, distance threshold ``DOC_THRESHOLD``,
   chosen on the train and dev topics: it finds the topics, not the two sub-topics of each):
   mentions in different clusters are never merged.
2. **Within a document.** A relative pronoun joins the noun its clause modifies ("the inmate
   [who] escaped") and a reflexive the subject of its verb ("he shot [himself]"), by the parse
   alone (``syntax``). Another third-person pronoun joins the nearest preceding non-pronoun
   mention that agrees with it (he/she: a head the parser tags PERSON; they: a plural or
   ORG/NORP head; it: a mention that is neither a person nor a time); a he/she with no person
   named before it joins the nearest singular common noun the corpus uses for people
   (``person_nominals``, :func:`person_nouns`: "the inmate ... he"); a pronoun left
   unresolved joins the same pronoun elsewhere in its document (every "I" of a document is
   one speaker). Measured on the rules alone (``python -m analysis evaluate coref
   ../shared/data/ecbplus --topics train --rules``): CoNLL F1 71.06 → 71.93 with ``syntax`` →
   72.10 with ``person_nominals`` as well (dev: 71.75 → 72.54 → 73.26). Letting a person noun
   compete with names as the nearest antecedent instead of being a fallback: train 71.84, dev
   73.25 (left off).
3. **Across documents, within a document cluster.** Mentions with the same head lemma (the
   syntactic head; a preposition hands over to its object: "in India" → India) are one
   entity, as in the baseline; an acronym name ("AP") joins the one multi-word name of its
   cluster whose initials it spells ("Associated Press").

Switches measured on train/dev and left off (they did not help there): ``names`` (split person
names sharing a surname but not a first name: ``--name-variants``), ``appositives`` ("X, the
actress"), ``nominal_cluster`` (finer document clusters for common nouns),
``times_in_document``. The sentence encoder is not used.

``--predictions FILE`` writes one JSON line per mention (``doc``, ``m_id``, ``cluster``,
``gold``) for independent re-scoring.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .ecbplus import EcbDocument, EcbMention

#: Cosine distance under which two documents are put into one cluster (average linkage);
#: chosen on the train and dev topics.
DOC_THRESHOLD = 0.93

PERSON_PRONOUNS = {"he", "him", "his", "himself", "she", "her", "hers", "herself"}
PLURAL_PRONOUNS = {"they", "them", "their", "theirs", "themselves"}
NEUTER_PRONOUNS = {"it", "its", "itself"}
SPEAKER_PRONOUNS = {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you", "your", "yours"}
RELATIVE_PRONOUNS = {"who", "whom", "whose", "which", "that"}
_PRONOUN_CLASS = {w: c for c, ws in {
    "he": ("he", "him", "his", "himself"), "she": ("she", "her", "hers", "herself"),
    "they": ("they", "them", "their", "theirs", "themselves"), "it": ("it", "its", "itself"),
    "i": ("i", "me", "my", "mine", "myself"), "we": ("we", "us", "our", "ours", "ourselves"),
    "you": ("you", "your", "yours", "yourself")}.items() for w in ws}
TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday", "tomorrow",
    "tonight", "morning", "afternoon", "evening", "night", "week", "weekend", "month", "year", "day", "hour", "minute",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "time", "date", "decade", "century", "season", "p.m.", "a.m.", "pm", "am",
}


@dataclass
class MentionInfo:
    """What the resolver reads of one gold mention (from the spaCy parse of its document)."""

    index: int
    doc: str
    head: str  # head token text
    lemma: str  # head lemma, lower case
    pos: str  # head POS
    tag: str  # head fine tag
    ner: str  # NER label of the head token ("" outside a name)
    text: str
    words: tuple[str, ...]  # lower-cased words of the mention
    sent: int
    start: int  # first token index in the document
    is_name: bool
    name: tuple[str, ...] = ()  # normalized proper-noun words up to the head ("betty", "ford", "center")
    head_i: int = -1  # head token position in the parse of the document
    link_i: int = -1  # the token this head is an appositive of or, after a copula, the subject's ("X, the actress"; "X is the actress")
    antecedent_i: int = -1  # a relative pronoun's noun ("the man who ..."), a reflexive's subject ("he ... himself"): :func:`_syntactic_antecedent`
    descriptors: frozenset = frozenset()  # a name's describing nouns ("host Hugh Jackman": host), descriptors
    governor: tuple[str, str] = ("", "")  # the word the head depends on and the relation ("arrest", "dobj"; "arrest", "prep:on"): :func:`_governor`
    plural: bool = False  # head tagged NNS/NNPS
    person_noun: bool = False  # a common noun head this corpus uses for people ("the inmate"): :func:`person_nouns`
    common: bool = False  # a one-word "name" that is a capitalized common noun ("Host", "GRANDMOTHER"): :func:`common_nouns`


_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_POSSESSIVE = re.compile(r"['’]s?$")


def _norm(word: str) -> str:
    """Lower case, without a possessive ending or edge punctuation and quotes ("Lohan's" → "lohan")."""
    return _EDGE.sub("", _POSSESSIVE.sub("", word.strip().lower()))


def _linked(head) -> int:
    """The token an appositive head refers to, or the subject of a copula whose attribute this head is."""
    if head.dep_ == "appos":
        return head.head.i
    if head.dep_ == "attr" and head.head.lemma_ == "be":
        subj = [c for c in head.head.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subj:
            return subj[0].i
    return -1


REFLEXIVE_PRONOUNS = {"himself", "herself", "itself", "themselves"}


def _syntactic_antecedent(head) -> int:
    """The token a pronoun refers to by syntax alone, or -1: the noun a relative clause modifies
    ("the man [who] fled": man; "a car [that] ..."), the subject of the verb of a reflexive ("he
    shot [himself]": he)."""
    word = head.lower_
    if word in RELATIVE_PRONOUNS and head.head.dep_ == "relcl" and head.head.head.pos_ in ("NOUN", "PROPN", "PRON"):
        return head.head.head.i
    if word in REFLEXIVE_PRONOUNS:
        subj = [c for c in head.head.children if c.dep_ in ("nsubj", "nsubjpass") and c.i != head.i]
        if subj:
            return subj[0].i
    return -1


def _head(toks):
    """Syntactic head of a mention: the last token whose head lies outside the span; a preposition
    ("in India", "on Friday") hands over to its object inside the span."""
    idx = {t.i for t in toks}
    heads = [t for t in toks if t.head.i not in idx or t.head.i == t.i]
    head = heads[-1] if heads else toks[-1]
    seen = set()
    while head.pos_ in ("ADP", "SCONJ") and head.i not in seen:
        seen.add(head.i)
        objs = [c for c in head.children if c.i in idx and c.dep_ in ("pobj", "pcomp", "dobj", "npadvmod", "nmod")]
        if not objs:
            nouns = [t for t in toks if t.pos_ in ("NOUN", "PROPN", "NUM", "PRON") and t.i > head.i]
            if not nouns:
                break
            head = nouns[0] if nouns[0].head.i not in idx else nouns[0].head if nouns[0].head.pos_ != "ADP" else nouns[0]
            break
        head = objs[0]
    return head


def _parse(docs: list[EcbDocument]):
    """spaCy parse of each document's validated sentences (ECB+ tokens kept as they are)."""
    from spacy.tokens import Doc

    from ..lang.nlp import load_model

    nlp = load_model()
    out = {}
    for d in docs:
        keep = [i for i, s in enumerate(d.sentences) if s in d.validated]
        words = [d.words[i] or "_" for i in keep]
        starts = [i == 0 or d.sentences[keep[k - 1]] != d.sentences[i] for k, i in enumerate(keep)]
        doc = Doc(nlp.vocab, words=words, sent_starts=starts)
        for name, proc in nlp.pipeline:
            doc = proc(doc)
        out[d.name] = (doc, {i: k for k, i in enumerate(keep)})
    return out


def descriptors(doc, head_i: int) -> frozenset:
    """Common-noun lemmas that describe the name headed by ``doc[head_i]``: a noun compound or
    appositive of its words ("host Hugh Jackman", "Raj Chohan, a grandmother"), the noun it is an
    appositive of, the attribute of a copula it is the subject of ("X is the host"), the object of an
    "as" of the verb it is the object or passive subject of ("named X as host", "X was hired as coach")."""
    head = doc[head_i]
    out = set()
    for tok in [head] + [c for c in head.children if c.dep_ == "compound" and c.pos_ == "PROPN"]:
        out.update(c.lemma_.lower() for c in tok.children if c.pos_ == "NOUN" and c.dep_ in ("compound", "appos", "nmod"))
    if head.dep_ == "appos" and head.head.pos_ == "NOUN":
        out.add(head.head.lemma_.lower())
    if head.dep_ in ("nsubj", "nsubjpass") and head.head.lemma_ == "be":
        out.update(c.lemma_.lower() for c in head.head.children if c.dep_ == "attr" and c.pos_ == "NOUN")
    preps = [c for c in head.children if c.dep_ == "prep" and c.lower_ == "as"]  # "DeGeneres as host"
    verb_has_object = any(c.dep_ == "dobj" for c in head.head.children)
    if head.dep_ in ("dobj", "nsubjpass") or (head.dep_ == "nsubj" and not verb_has_object):
        # "named X as host", "X was hired as coach", "X returns as host" (not "X named Y as host")
        preps += [c for c in head.head.children if c.dep_ == "prep" and c.lower_ == "as"]
    for prep in preps:
        out.update(o.lemma_.lower() for o in prep.children if o.dep_ == "pobj" and o.pos_ in ("NOUN", "PROPN"))
    return frozenset(out)


def common_nouns(parsed_docs) -> set[str]:
    """Lower-case words written in lower case as a common noun more often than capitalized as a proper
    noun in running text (not at a sentence start, not in a title-case or upper-case sentence such
    as a headline): a one-word "name" among them ("Host", "Teen", "GRANDMOTHER") is a headline's
    capitalized common noun, not a name."""
    lower, capital = Counter(), Counter()
    for doc in parsed_docs:
        for sent in doc.sents:
            alpha = [t for t in sent if t.is_alpha]
            if not alpha or sum(t.text[:1].isupper() for t in alpha) > len(alpha) / 2:
                continue
            for t in sent:
                if t.pos_ == "NOUN" and t.text.islower():
                    lower[t.lemma_.lower()] += 1
                elif t.pos_ == "PROPN" and t.text[:1].isupper() and not t.is_sent_start:
                    capital[t.text.lower()] += 1
    return {w for w, n in lower.items() if n > capital[w]}


def _governor(head) -> tuple[str, str]:
    """Lemma of the word a mention's head depends on and the relation ("arrest", "dobj"); through a
    preposition, the word the preposition attaches to ("arrested on Friday": "arrest", "prep:on")."""
    gov = head.head
    if gov.i == head.i:
        return ("", "")
    if gov.pos_ == "ADP" and gov.head.i != gov.i:
        return (gov.head.lemma_.lower(), f"prep:{gov.lower_}")
    return (gov.lemma_.lower(), head.dep_)


def person_nouns(parsed_docs) -> set[str]:
    """Lemmas of the common nouns a corpus uses for people, from its own syntax: a noun whose
    relative clause starts with "who" ("the inmate who escaped"), or a noun describing a name the
    tagger calls a PERSON ("actress Esther Williams", "Raj Chohan, a grandmother")."""
    out = set()
    for doc in parsed_docs:
        for t in doc:
            if t.lower_ in ("who", "whom") and t.head.dep_ == "relcl" and t.head.head.pos_ == "NOUN":
                out.add(t.head.head.lemma_.lower())
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                out.update(descriptors(doc, ent.root.i))
    return out


def mention_info(docs: list[EcbDocument], mentions: list[EcbMention]) -> list[MentionInfo]:
    """Head token, lemma, POS and NER label of every mention from the parse of its document."""

    parsed = _parse(docs)
    commons = common_nouns(doc for doc, _ in parsed.values())
    people = person_nouns(doc for doc, _ in parsed.values())
    infos = []
    for n, m in enumerate(mentions):
        doc, pos_of = parsed[m.doc]
        toks = [doc[pos_of[i]] for i in m.tokens if i in pos_of]
        idx = {t.i for t in toks}
        head = _head(toks)
        lem = _norm(head.lemma_ if head.pos_ != "PROPN" else head.text) or head.text.lower()
        name = tuple(w for w in (_norm(t.text) for t in toks if t.pos_ in ("PROPN", "NUM") and t.i <= head.i) if w)
        infos.append(MentionInfo(
            index=n, doc=m.doc, head=head.text, lemma=lem, pos=head.pos_, tag=head.tag_, ner=head.ent_type_,
            text=m.text, words=tuple(t.text.lower() for t in toks), sent=m.sentence, start=m.tokens[0],
            is_name=head.pos_ == "PROPN", name=name or (lem,), head_i=head.i, link_i=_linked(head),
            antecedent_i=_syntactic_antecedent(head) if head.pos_ == "PRON" else -1,
            descriptors=descriptors(doc, head.i) if head.pos_ == "PROPN" else frozenset(),
            governor=_governor(head),
            plural=head.tag_ in ("NNS", "NNPS"), person_noun=head.pos_ == "NOUN" and lem in people,
            common=head.pos_ == "PROPN" and len(name) <= 1 and (head.lemma_.lower() in commons or lem in commons)))
    return infos


def document_clusters(docs: list[EcbDocument], *, threshold: float = DOC_THRESHOLD) -> dict[str, int]:
    """Document name → predicted cluster (TF-IDF of the full text, average-linkage cosine clustering)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(docs) == 1:
        return {docs[0].name: 0}
    texts = [" ".join(w for w, s in zip(d.words, d.sentences) if not (d.subtopic.endswith("ecbplus") and s == 0)) for d in docs]
    vec = TfidfVectorizer(lowercase=True, stop_words="english", sublinear_tf=True, min_df=1,
                          token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    x = vec.fit_transform(texts).toarray()
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=threshold).fit_predict(x)
    return {d.name: int(c) for d, c in zip(docs, labels)}


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]


def baseline_clusters(infos: list[MentionInfo], doc_cluster: dict[str, int]) -> list[int]:
    """Same head lemma within the same document cluster."""
    keys: dict[tuple, int] = {}
    return [keys.setdefault((doc_cluster[m.doc], m.lemma), len(keys)) for m in infos]


def _is_time(m: MentionInfo) -> bool:
    return m.ner in ("DATE", "TIME") or m.lemma in TIME_WORDS


def _is_person(m: MentionInfo) -> bool:
    return m.ner == "PERSON" or m.lemma in PERSON_PRONOUNS


def system_clusters(infos: list[MentionInfo], doc_cluster: dict[str, int], *, names: bool = False,
                    nominal_cluster: dict[str, int] | None = None, appositives: bool = False,
                    acronyms: bool = True, pronoun_groups: bool = True, times_in_document: bool = False,
                    syntax: bool = True, person_nominals: bool = True) -> list[int]:
    """The resolver of the module docstring: within each document, then across documents."""
    uf = _Union(len(infos))
    by_doc: dict[str, list[MentionInfo]] = defaultdict(list)
    for m in infos:
        by_doc[m.doc].append(m)
    for ms in by_doc.values():
        ms.sort(key=lambda m: (m.start, m.index))
        unresolved: dict[str, int] = {}
        at_head = {m.head_i: m for m in ms}
        for k, m in enumerate(ms):
            if m.pos != "PRON":
                continue
            w = m.lemma
            target = at_head.get(m.antecedent_i) if syntax else None
            if target is not None and target.index != m.index:  # "the man who", "he ... himself"
                uf.union(m.index, target.index)
                continue
            resolved = False
            for prev in reversed(ms[:k]):
                if prev.pos == "PRON":
                    continue
                if (w in PERSON_PRONOUNS and _is_person(prev)) \
                        or (w in PLURAL_PRONOUNS and (prev.tag in ("NNS", "NNPS") or prev.ner in ("ORG", "NORP"))) \
                        or (w in NEUTER_PRONOUNS and not _is_person(prev) and not _is_time(prev)):
                    uf.union(m.index, prev.index)
                    resolved = True
                    break
                if w not in PERSON_PRONOUNS | PLURAL_PRONOUNS | NEUTER_PRONOUNS:
                    break
            if not resolved and person_nominals and w in PERSON_PRONOUNS:  # no person named before: "the inmate ... he"
                prev = next((p for p in reversed(ms[:k]) if p.person_noun and not p.plural), None)
                if prev is not None:
                    uf.union(m.index, prev.index)
                    resolved = True
            if not resolved and pronoun_groups:  # the same unresolved pronoun within a document: one referent
                cls = _PRONOUN_CLASS.get(w, w)
                uf.union(m.index, unresolved.setdefault(cls, m.index))
    if appositives:
        for ms in by_doc.values():
            at = {m.head_i: m for m in ms}
            for m in ms:
                other = at.get(m.link_i)
                if other is not None and other.index != m.index and not _is_time(m) and not _is_time(other):
                    uf.union(m.index, other.index)
    # across documents (and within one): same head lemma of the non-pronoun mentions; names
    # by compatible full names (below)
    keys: dict[tuple, int] = {}
    groups: dict[tuple, list[MentionInfo]] = defaultdict(list)
    for m in infos:
        if m.pos == "PRON":
            continue
        key = (doc_cluster[m.doc], m.lemma) if m.is_name or nominal_cluster is None else ("n", nominal_cluster[m.doc], m.lemma)
        if times_in_document and _is_time(m):
            key = ("t", m.doc, m.lemma)
        if m.is_name and names:
            groups[key].append(m)
            continue
        if key in keys:
            uf.union(m.index, keys[key])
        else:
            keys[key] = m.index
    if acronyms:  # "AP" joins the one multi-word name of its document cluster with initials A. P.
        spelled: dict[tuple, set[int]] = defaultdict(set)
        for m in infos:
            words = [w for w in m.text.replace("-", " ").split() if w[:1].isalpha() and w.lower() not in ("the", "of", "and", "for")]
            if m.is_name and len(words) >= 2 and all(w[:1].isupper() for w in words):
                spelled[(doc_cluster[m.doc], "".join(w[0] for w in words).upper())].add(m.index)
        for m in infos:
            letters = m.head.replace(".", "")
            if m.is_name and 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper():
                full = spelled.get((doc_cluster[m.doc], letters), set())
                if full and len({uf.find(i) for i in full}) == 1:
                    uf.union(m.index, min(full))
    for key, ms in groups.items():
        links = _name_links(ms)
        if links is None:  # one entity under this head word: with the nominals of the same head
            links = [(m.index, keys.setdefault(key, ms[0].index)) for m in ms]
        for a, b in links:
            uf.union(a, b)
    return uf.labels()


def _name_links(ms: list[MentionInfo]) -> list[tuple[int, int]] | None:
    """Links among name mentions sharing a head word: a name joins the longest full name whose words
    include all of its own; a shorter name that fits several full names ("Jenkin": "Kathryn
    Jenkin", "John Jenkin") joins the one named in its own document, else the most mentioned one
    only when that one has at least twice the mentions of the next, else stays apart."""
    variants = Counter(m.name for m in ms)
    maximal = [v for v in variants if not any(set(v) < set(w) for w in variants if w != v)]
    people = [v for v in maximal if len(v) >= 2 and any(m.ner == "PERSON" for m in ms if m.name == v)]
    if len({v[0] for v in people}) < 2:  # one person (or no person) under this head word: one entity
        return None
    by_variant: dict[tuple, int] = {}
    links = []
    for m in ms:
        fits = [v for v in maximal if set(m.name) <= set(v)]
        if len(fits) > 1:
            same_doc = {o.name for o in ms if o.doc == m.doc} & set(fits)
            if len(same_doc) == 1:
                fits = list(same_doc)
            else:
                ranked = sorted(fits, key=lambda v: -sum(n for w, n in variants.items() if set(w) <= set(v)))
                fits = ranked[:1] if len(ranked) == 1 or _weight(ranked[0], variants) >= 2 * _weight(ranked[1], variants) else []
        if len(fits) == 1:
            target = by_variant.setdefault(fits[0], m.index)
            links.append((m.index, target))
    return links


def _weight(v: tuple, variants: Counter) -> int:
    return variants[v]


# --- scoring -----------------------------------------------------------------------------------


def _clusters(labels: list, keep: list[int]) -> list[set]:
    groups: dict = defaultdict(set)
    for i in keep:
        groups[labels[i]].add(i)
    return list(groups.values())


def score(gold: list, response: list, *, keep: list[int] | None = None) -> dict:
    """MUC, B³, CEAF-e (recall, precision, F1 in %) and CoNLL F1 of ``response`` against ``gold``
    (one cluster label per mention), over the mentions ``keep`` (default all), with scorch."""
    from scorch import scores

    keep = list(range(len(gold))) if keep is None else keep
    key, resp = _clusters(gold, keep), _clusters(response, keep)
    out = {}
    for name, metric in (("muc", scores.muc), ("b3", scores.b_cubed), ("ceafe", scores.ceaf_e)):
        r, p, f = metric(key, resp)
        out[name] = {"recall": round(100 * r, 2), "precision": round(100 * p, 2), "f1": round(100 * f, 2)}
    out["conll_f1"] = round((out["muc"]["f1"] + out["b3"]["f1"] + out["ceafe"]["f1"]) / 3, 2)
    out["mentions"] = len(keep)
    out["gold_clusters"] = len(key)
    out["response_clusters"] = len(resp)
    return out


def score_all_and_names(mentions: list[EcbMention], infos: list[MentionInfo], systems: dict[str, list]) -> dict:
    """``{system: {"all": score, "names": score}}`` for each system's labels (one per mention) against
    the gold clusters of ``mentions``; names are the mentions whose head is a proper noun."""
    gold_ids: dict[str, int] = {}
    gold = [gold_ids.setdefault(m.gold, len(gold_ids)) for m in mentions]
    names = [m.index for m in infos if m.is_name]
    return {key: {"all": score(gold, labels), "names": score(gold, labels, keep=names)} for key, labels in systems.items()}
