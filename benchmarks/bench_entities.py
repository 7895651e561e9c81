"""Throughput of the entity stage: ``document_entities`` on parsed documents.

Prints JSON: articles per second for parsing and for the entity stage alone, and the
entity stage's share of parse + entities. Uses up to ``--limit`` BBC News articles from
``../shared/data/bbc-news`` (the seed article when absent); exits 0 with a message when
neither exists.

Run: ``python benchmarks/bench_entities.py [--limit 100]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from analysis.config import DATA_DIR, SHARED_DIR
from analysis.lang.ner import document_entities
from analysis.lang.nlp import load_model

SEED = SHARED_DIR / "seeds" / "000_bf838fbfbc626702.txt"


def load_texts(limit: int) -> list[str]:
    """Up to ``limit`` BBC articles (sorted paths), else the seed article, else none."""
    paths = sorted((DATA_DIR / "bbc-news").glob("*/*.txt"))[:limit] or ([SEED] if SEED.is_file() else [])
    return [p.read_bytes().decode("utf-8", errors="replace") for p in paths]


def run(texts: list[str]) -> dict:
    """Time parsing and the entity stage separately over ``texts``."""
    nlp = load_model()
    began = time.perf_counter()
    docs = list(nlp.pipe(texts))
    parsed = time.perf_counter()
    mentions = sum(len(document_entities(doc, nlp=nlp)) for doc in docs)
    done = time.perf_counter()
    parse_s, entity_s = parsed - began, done - parsed
    return {
        "articles": len(texts),
        "mentions": mentions,
        "parse_seconds": round(parse_s, 2),
        "entities_seconds": round(entity_s, 2),
        "parse_articles_per_second": round(len(texts) / parse_s, 1),
        "entities_articles_per_second": round(len(texts) / entity_s, 1),
        "entities_share_of_total": round(entity_s / (parse_s + entity_s), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100, help="articles to process (default 100)")
    args = parser.parse_args(argv)
    texts = load_texts(args.limit)
    if not texts:
        print("no BBC News articles or seed article found; nothing to benchmark", file=sys.stderr)
        return 0
    print(json.dumps(run(texts), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
