"""Name finding on news that is not Reuters 1996: hand-labelled BBC articles and the seed.

``benchmarks/data/names_non_reuters.json`` holds, for 15 BBC News articles (2004-05; for each
topic folder files 001, 151 and 301, tech/302 for the 1,044-word tech/301) and the seed
article, every PER/ORG/LOC name mention as character offsets into
``analysis.load_article(path).text``, its label and the name string (no article text). A gold
label ``ORG|LOC`` accepts either type (national sports teams, galleries, stadiums); ``IGNORE``
marks names that are none of the three or are ambiguous (film titles, "the Bank", "Lib Dem
leader"): predictions overlapping them are not scored. Labelled by hand from the text alone,
before looking at any system's output; the seed's names are those of
``../shared/gold/seed-article.yml``.

Prints JSON: exact-span precision/recall/F1 (micro over PER/ORG/LOC, and per type) of the base
model and of the name tagger (:mod:`analysis.lang.tagger`), each bare and with
:func:`analysis.ner.document_entities`. Exits 0 with a message when the articles are absent.

Run: ``python benchmarks/bench_names.py [--tagger minilm]`` (``minilm``: the MiniLM option,
:mod:`analysis.lang.minilm_tagger`, scored under the ``tagger*`` keys).
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from analysis import load_article
from analysis.config import DATA_DIR, SEEDS_DIR
from analysis.lang.ner import NAME_LABELS, document_entities
from analysis.lang.tagger import CONLL_TYPE
from analysis.lang.nlp import load_model

GOLD = Path(__file__).resolve().parent / "data" / "names_non_reuters.json"
TYPES = ("PER", "ORG", "LOC")
LABELS = {label: kind for label, kind in CONLL_TYPE.items() if kind in TYPES}


def source_path(name: str) -> Path:
    """``bbc-news/...`` under ``../shared/data``; ``seeds/...`` in the project."""
    return SEEDS_DIR / name.split("/", 1)[1] if name.startswith("seeds/") else DATA_DIR / name


def system_spans(doc, nlp, system: str) -> list[tuple[int, int, str]]:
    if system.endswith("document_entities"):
        # the base model as the project ran it before the tagger (caps="recase", every rule); the tagger as now
        options = {} if system.startswith("tagger") else {"caps": "recase", "skip": ()}
        return [(m.start, m.end, LABELS[m.label]) for m in document_entities(doc, labels=NAME_LABELS, nlp=nlp, **options)
                if m.label in LABELS]
    return [(e.start_char, e.end_char, LABELS[e.label_]) for e in doc.ents if e.label_ in LABELS]


def score(gold: list[tuple], predicted: list[tuple]) -> dict:
    """P/R/F1 of (doc, start, end, type) predictions against (doc, start, end, "A|B") gold."""
    ignored = [(d, a, b) for d, a, b, t in gold if t == "IGNORE"]
    gold = [g for g in gold if g[3] != "IGNORE"]
    kept = [p for p in predicted if not any(d == p[0] and a < p[2] and p[1] < b for d, a, b in ignored)]
    allowed = {(d, a, b): set(t.split("|")) for d, a, b, t in gold}

    def prf(types: tuple[str, ...]) -> dict:
        g = [k for k, ts in allowed.items() if ts & set(types) and (len(types) > 1 or len(ts) == 1)]
        p = [x for x in kept if x[3] in types]
        correct = sum(1 for d, a, b, t in p if t in allowed.get((d, a, b), ()) and (d, a, b) in g)
        precision = correct / len(p) if p else 0.0
        recall = correct / len(g) if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                "gold": len(g), "predicted": len(p), "correct": correct}

    return {"micro_PER_ORG_LOC": prf(TYPES), **{t: prf((t,)) for t in TYPES}}


def run(models: tuple[tuple[str, object], ...] | None = None) -> dict | None:
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    texts, gold = [], []
    for n, document in enumerate(data["documents"]):
        path = source_path(document["file"])
        if not path.is_file():
            return None
        text = load_article(path).text
        if hashlib.sha256(text.encode()).hexdigest() != document["text_sha256"]:
            raise SystemExit(f"{path}: text differs from the one labelled (load_article changed?)")
        texts.append(text)
        gold += [(n, a, b, t) for a, b, t, _ in document["mentions"]]
    result = {"documents": len(texts), "gold_mentions": sum(1 for g in gold if g[3] != "IGNORE")}
    for prefix, nlp in models or (("", load_model(tagger=False)), ("tagger_", load_model())):
        docs = list(nlp.pipe(texts))
        for system in ("bare", "document_entities"):
            name = "tagger" if (prefix, system) == ("tagger_", "bare") else prefix + system
            predicted = [(n, *s) for n, doc in enumerate(docs) for s in system_spans(doc, nlp, system)]
            result[name] = score(gold, predicted)
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tagger", choices=["conll", "minilm"], default="conll",
                        help="pipeline scored under the tagger* keys: the default (conll) or the MiniLM option")
    parser.add_argument("--minilm-artifact", type=Path, default=None, help="with --tagger minilm: other weights")
    args = parser.parse_args(argv)
    models = None
    if args.tagger == "minilm":
        from analysis.lang import minilm_tagger

        option = (minilm_tagger.apply(load_model.__wrapped__(None, tagger=True), args.minilm_artifact)
                  if args.minilm_artifact else load_model(tagger="minilm"))
        models = (("", load_model(tagger=False)), ("tagger_", option))
    result = run(models)
    if result is None:
        print("BBC News articles not found under ../shared/data; nothing to benchmark", file=sys.stderr)
        return 0
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
