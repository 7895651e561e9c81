"""Parse speed with the name tagger vs the base model, side by side in one process.

The tagger (:mod:`analysis.lang.tagger`) only swaps the weights of the base ``ner`` (same
architecture), so the parse should cost the same; the document-level layer may cost more or
less with other entities. Alternates base and tagger for ``--rounds`` rounds over the first
``--limit`` BBC articles (one process, ``nlp.pipe`` without the lemmatizer, as the corpus run)
and prints JSON: words/s of parse and of parse + ``document_entities`` for each, and the ratios
tagger / base (median over rounds). Exits 0 with a message when the corpus is absent.

Run: ``python benchmarks/bench_tagger_speed.py [--limit 200] [--rounds 3]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from statistics import median

from analysis.config import DATA_DIR
from analysis.io.expand import load_articles
from analysis.lang.ner import document_entities
from analysis.lang.nlp import SKIPPABLE, load_model
from analysis.types import Article


def timed(nlp, texts: list[str]) -> tuple[float, float]:
    """(parse seconds, document_entities seconds) over ``texts``."""
    t0 = time.perf_counter()
    docs = list(nlp.pipe(texts, disable=list(SKIPPABLE), batch_size=16))
    t1 = time.perf_counter()
    for doc in docs:
        document_entities(doc, nlp=nlp)
    return t1 - t0, time.perf_counter() - t1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    paths = sorted((DATA_DIR / "bbc-news").glob("*/*.txt"))[: args.limit]
    if not paths:
        print("BBC News articles not found under ../shared/data; nothing to benchmark", file=sys.stderr)
        return 0
    texts = [a.text for a in load_articles(paths) if isinstance(a, Article)]
    words = sum(len(t.split()) for t in texts)
    models = {"base": load_model(tagger=False), "tagger": load_model()}
    for nlp in models.values():  # warm up
        timed(nlp, texts[:5])
    rounds = []
    for _ in range(args.rounds):
        row = {}
        for name, nlp in models.items():
            parse_s, ents_s = timed(nlp, texts)
            row[name] = {"parse_words_per_s": round(words / parse_s), "with_entities_words_per_s": round(words / (parse_s + ents_s))}
        rounds.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    ratio = {k: round(median(r["tagger"][k] / r["base"][k] for r in rounds), 3)
             for k in ("parse_words_per_s", "with_entities_words_per_s")}
    print(json.dumps({"articles": len(texts), "words": words, "rounds": rounds, "ratio_tagger_over_base": ratio}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
