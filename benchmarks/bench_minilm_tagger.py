"""Speed of the MiniLM name-tagger option vs the default pipeline, side by side in one process.

``load_model(tagger="minilm")`` (:mod:`analysis.lang.minilm_tagger`) is the default pipeline plus
the int8 ONNX MiniLM run over every sentence. Alternates default and option for ``--rounds``
rounds over the first ``--limit`` BBC articles (sorted paths; one process, ``nlp.pipe`` without
the lemmatizer as the corpus run, then ``document_entities``) and prints JSON: articles/s and
words/s of each and the ratio option / default (median over rounds), also per CPU second of
this process (steadier than wall time on a shared machine: ONNX Runtime runs on this thread). The ONNX model is built
(once, into ``.cache/``) before timing. Exits 0 with a message when the corpus is absent.

Run: ``python benchmarks/bench_minilm_tagger.py [--limit 200] [--rounds 1]``.
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
    """(wall seconds, CPU seconds of this process) of parse + ``document_entities`` over ``texts``."""
    t0, c0 = time.perf_counter(), time.process_time()
    for doc in nlp.pipe(texts, disable=list(SKIPPABLE), batch_size=16):
        document_entities(doc, nlp=nlp)
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    paths = sorted((DATA_DIR / "bbc-news").glob("*/*.txt"))[: args.limit]
    if not paths:
        print("BBC News articles not found under ../shared/data; nothing to benchmark", file=sys.stderr)
        return 0
    texts = [a.text for a in load_articles(paths) if isinstance(a, Article)]
    words = sum(len(t.split()) for t in texts)
    models = {"default": load_model(), "minilm": load_model(tagger="minilm")}
    for nlp in models.values():  # warm up (and build the ONNX model once)
        timed(nlp, texts[:5])
    rounds = []
    for _ in range(args.rounds):
        row = {}
        for name, nlp in models.items():
            seconds, cpu = timed(nlp, texts)
            row[name] = {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                         "articles_per_s": round(len(texts) / seconds, 2),
                         "articles_per_cpu_s": round(len(texts) / cpu, 2), "words_per_s": round(words / seconds)}
        rounds.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    ratio = round(median(r["minilm"]["articles_per_s"] / r["default"]["articles_per_s"] for r in rounds), 3)
    cpu_ratio = round(median(r["minilm"]["articles_per_cpu_s"] / r["default"]["articles_per_cpu_s"] for r in rounds), 3)
    print(json.dumps({"articles": len(texts), "words": words, "rounds": rounds, "ratio_minilm_over_default": ratio,
                      "cpu_ratio_minilm_over_default": cpu_ratio}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
