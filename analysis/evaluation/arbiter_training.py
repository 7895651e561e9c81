"""Fitting the arbiter of the MiniLM option (:class:`analysis.lang.minilm_tagger.Arbiter`):
``python -m analysis train entities --tagger arbiter``.

The arbiter decides which of the two taggers' name spans to keep. It is fitted on CoNLL dev
(eng.testa) as tagged by a spaCy ``ner`` trained on eng.train alone (the shipped ``ner`` has
seen eng.testa, so its spans there are too good to learn from) and by the shipped MiniLM
tagger (trained on eng.train alone). Every candidate span (the union of both taggers' spans
in a document, :func:`~analysis.lang.minilm_tagger.candidates`) is a positive example when it
is a gold chunk with the same type, a negative one otherwise; a logistic regression (L2,
``C``, lbfgs: deterministic) over :data:`~analysis.lang.minilm_tagger.FEATURES` is fitted on
all of them. Selection at run time keeps candidates at p >= ``threshold``, the most probable first
among overlapping ones.

Printed (JSON, also written into the artifact as ``dev``): bare PER/ORG/LOC micro-F1 on dev of
each tagger alone and of the arbiter 2-fold cross-validated over documents (even / odd), so the
figure is out of sample.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from ..lang import minilm_tagger as mt
from ..lang.tagger import DEV_FILE, TRAIN_FILE
from .conll import align, read_conll, score

SETTINGS = {"C": 1.0, "threshold": 0.5, "max_iter": 3000}


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dev_candidates(dev_file: Path, ner_artifact: Path, *, minilm: Path = mt.ARTIFACT, log=print):
    """Candidates of every document of ``dev_file`` and each one's gold label.

    Returns:
        ``(rows, gold)``: rows ``(document, Candidate, char start, char end, label)`` and the gold
        chunk set ``{(document, start, end, type)}`` over CoNLL tokens.
    """
    from ..lang import tagger
    from ..lang.nlp import load_model

    nlp = load_model.__wrapped__(tagger=False)
    tagger.apply(nlp, artifact=ner_artifact, vectors=_vectors(ner_artifact))
    component = mt.MiniLMNames(minilm)
    documents = read_conll(dev_file)
    prepared = [d.text_and_offsets() for d in documents]
    gold = {(n, *c) for n, d in enumerate(documents) for c in d.chunks()}
    texts = [text for text, _, _ in prepared]
    # the component runs right after the ``ner``: the spans it sees are the ``ner``'s own
    docs = list(nlp.pipe(texts, disable=[p for p in ("place_names", "name_titles") if p in nlp.pipe_names]))
    log(f"{len(docs)} documents parsed")
    rows = []
    for first in range(0, len(docs), 32):
        for n, found in enumerate(component.candidates(docs[first:first + 32]), start=first):
            doc, (_, starts, ends) = docs[n], prepared[n]
            for c in found:
                a, b = doc[c.start].idx, doc[c.end - 1].idx + len(doc[c.end - 1])
                label = any((n, *chunk) in gold for chunk in align([(a, b, c.kind)], starts, ends))
                rows.append((n, c, a, b, label))
    return rows, gold, prepared


def _vectors(artifact: Path) -> Path:
    from .tagger_training import vectors_path

    return vectors_path(artifact)


def _selection_score(rows, gold, prepared, keep) -> dict:
    """Bare PER/ORG/LOC scores of the spans ``keep(rows of one document)`` selects in each document."""
    by_doc: dict[int, list] = {}
    for row in rows:
        by_doc.setdefault(row[0], []).append(row)
    predicted = set()
    for n, (_, starts, ends) in enumerate(prepared):
        predicted |= {(n, *c) for c in align(keep(by_doc.get(n, [])), starts, ends)}
    s = score(gold, predicted)
    return {k: round(s[k]["f1"], 4) for k in ("micro_PER_ORG_LOC", "PER", "ORG", "LOC")}


def _arbiter_keep(arbiter: mt.Arbiter):
    def keep(rows):
        chars = {(c.start, c.end, c.kind): (a, b) for _, c, a, b, _ in rows}
        return [(*chars[span][:2], span[2]) for span in arbiter.select([c for _, c, _, _, _ in rows])]
    return keep


def fit(rows, *, C: float = SETTINGS["C"]) -> tuple[list[float], float]:
    from sklearn.linear_model import LogisticRegression

    x = np.array([c.features for _, c, _, _, _ in rows], dtype=np.float64)
    y = np.array([label for *_, label in rows], dtype=int)
    model = LogisticRegression(C=C, max_iter=SETTINGS["max_iter"]).fit(x, y)
    return [float(v) for v in model.coef_[0]], float(model.intercept_[0])


def train(dev_file: Path, ner_artifact: Path, *, out: Path = mt.ARBITER, C: float = SETTINGS["C"],
          threshold: float = SETTINGS["threshold"], log=print) -> dict:
    """Fit the arbiter on ``dev_file`` tagged with ``ner_artifact``; write it to ``out``; return a summary."""
    began = time.perf_counter()
    rows, gold, prepared = dev_candidates(dev_file, ner_artifact, log=log)
    log(f"{len(rows)} candidates ({time.perf_counter() - began:.0f} s)")
    right = sum(label for *_, label in rows)
    if right in (0, len(rows)) or len({r[0] for r in rows}) < 2:
        raise ParameterError(f"{dev_file}: every candidate span is {'right' if right else 'wrong'} or all are in one "
                             f"document ({len(rows)} candidates); the arbiter needs both, in several documents")
    alone = {
        "ner": _selection_score(rows, gold, prepared, lambda rs: [(a, b, c.kind) for _, c, a, b, _ in rs if c.features[0]]),
        "minilm": _selection_score(rows, gold, prepared, lambda rs: [(a, b, c.kind) for _, c, a, b, _ in rs if c.features[1]]),
    }
    # cross-fitted selection: each fold's candidates scored by the model fitted on the other fold
    folds = {fold: mt.Arbiter(*fit([r for r in rows if r[0] % 2 != fold], C=C), threshold) for fold in (0, 1)}
    alone["arbiter_2fold"] = _selection_score(rows, gold, prepared, lambda rs: _arbiter_keep(folds[rs[0][0] % 2])(rs) if rs else [])
    coef, intercept = fit(rows, C=C)
    summary = {
        "features": list(mt.FEATURES),
        "coef": coef,
        "intercept": intercept,
        "threshold": threshold,
        "settings": {"C": C, "max_iter": SETTINGS["max_iter"]},
        "fitted_on": {"dev": Path(dev_file).name, "candidates": len(rows),
                      "ner_sha256": _sha(ner_artifact), "minilm_sha256": _sha(mt.ARTIFACT)},
        "dev": alone,
        "seconds": round(time.perf_counter() - began, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    # the seconds stay out of the file: the same inputs write the same bytes
    tmp.write_text(json.dumps({k: v for k, v in summary.items() if k != "seconds"}, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)
    return summary


def main_train(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m analysis train entities --tagger arbiter``."""
    parser = argparse.ArgumentParser(prog="analysis train entities --tagger arbiter", description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV_FILE, help="CoNLL file the arbiter is fitted on (default eng.testa)")
    parser.add_argument("--train", type=Path, default=TRAIN_FILE,
                        help="CoNLL file the helper ner is trained on when --conll-artifact is not given (default eng.train)")
    parser.add_argument("--conll-artifact", type=Path, default=None,
                        help="spaCy ner weights that have not seen --dev (default: train them on --train, about 6 min, "
                             "into .cache/analysis/arbiter/)")
    parser.add_argument("--out", type=Path, default=mt.ARBITER, help="where to write the arbiter (default: the shipped one)")
    parser.add_argument("--C", type=float, default=SETTINGS["C"], help="inverse L2 strength of the regression")
    parser.add_argument("--threshold", type=float, default=SETTINGS["threshold"])
    args = parser.parse_args(argv)
    for f in (args.dev, args.conll_artifact or args.train):
        if not f.is_file():
            print(f"{f}: no such file", file=sys.stderr)
            return 2
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    ner_artifact = args.conll_artifact
    if ner_artifact is None:
        from .tagger_training import teacher_ner

        ner_artifact = teacher_ner(args.train, log=log)
    summary = train(args.dev, ner_artifact, out=args.out, C=args.C, threshold=args.threshold, log=log)
    print(json.dumps({k: summary[k] for k in ("fitted_on", "dev", "seconds")}, indent=2))
    return 0
