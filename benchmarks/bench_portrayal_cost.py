"""Cost of the mention_sentiment table: the same corpus run with and without it, side by side.

Usage: ``python benchmarks/bench_portrayal_cost.py INPUT [--limit 30] [--backend onnx-int8] [--partition-size 10]``

Runs :func:`analysis.corpus.run_corpus` twice on the same articles (first ``--limit`` lines of a
JSON Lines input, written to a temporary file): without targeted sentiment, then with it
(``--backend``: onnx-int8, minilm-int8, minilm, lexical). Prints wall seconds, worker seconds
per stage, mention_sentiment rows and the ratios with/without (wall and worker CPU). The
issue's target is a ratio of at most 1.5. On a shared machine run it when the load is steady:
it prints the load average before and after.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="a .jsonl or .jsonl.gz file")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--partition-size", type=int, default=10)
    args = parser.parse_args()
    from analysis.corpus.runner import run_corpus
    from analysis.io.ingest import iter_jsonl_lines

    os.environ["ANALYSIS_TARGETED"] = args.backend
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        lines = [line for _, line in itertools.islice(iter_jsonl_lines(args.input), args.limit) if isinstance(line, str)]
        sample.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
        runs = {}
        for name, flag in (("without", False), ("with", True)):
            s = run_corpus([sample], Path(tmp) / name, partition_size=args.partition_size, mention_sentiment=flag)
            runs[name] = {"wall_s": s["seconds"], "startup_s": s["startup_seconds"], "worker_s": s["worker_seconds"],
                          "worker_total_s": round(sum(s["worker_seconds"].values()), 2),
                          "articles": s["articles"], "mention_sentiment_rows": s["mention_sentiment"]}
    w, wo = runs["with"], runs["without"]
    print(json.dumps({
        "articles": w["articles"], "backend": args.backend, "load_avg_before": [round(x, 1) for x in load_before],
        "load_avg_after": [round(x, 1) for x in os.getloadavg()], "runs": runs,
        "ratio_wall": round(w["wall_s"] / wo["wall_s"], 2),
        "ratio_wall_after_startup": round((w["wall_s"] - w["startup_s"]) / (wo["wall_s"] - wo["startup_s"]), 2),
        "ratio_worker_cpu": round(w["worker_total_s"] / wo["worker_total_s"], 2),
        "target": 1.5,
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
