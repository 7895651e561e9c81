"""Throughput of the timeline extractor on TempEval-3 documents.

Times the spaCy parse and :func:`analysis.lang.timex.extract_timexes` separately and prints
documents per second for each and for both.

Usage: ``python benchmarks/bench_timeline.py [DIR_OR_FILES...] [--limit N]``
(default: ``$ANALYSIS_SHARED_DIR/data/tempeval3-tbaq-cleaned``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from analysis.config import DATA_DIR
from analysis.evaluation.timeml import iter_tml_paths, read_tml
from analysis.lang.nlp import load_model
from analysis.lang.timex import extract_timexes


def bench(paths: list[Path], limit: int | None = None) -> dict:
    """Parse and extract every document once; return timings and documents per second."""
    docs = [read_tml(p) for p in list(iter_tml_paths(paths))[:limit]]
    nlp = load_model()
    nlp("warm up")
    t0 = time.perf_counter()
    parsed = [nlp(d.text) for d in docs]
    t1 = time.perf_counter()
    n_timexes = sum(len(extract_timexes(doc, d.dct)) for doc, d in zip(parsed, docs))
    t2 = time.perf_counter()
    n = len(docs)
    return {
        "documents": n,
        "characters": sum(len(d.text) for d in docs),
        "timexes": n_timexes,
        "parse_docs_per_second": round(n / (t1 - t0), 2),
        "extract_docs_per_second": round(n / (t2 - t1), 2),
        "total_docs_per_second": round(n / (t2 - t0), 2),
    }


def main(argv: list[str]) -> int:
    """CLI entry point; prints JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DATA_DIR / "tempeval3-tbaq-cleaned"])
    parser.add_argument("--limit", type=int, default=None, help="at most this many documents")
    args = parser.parse_args(argv)
    print(json.dumps(bench(args.paths, args.limit), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
