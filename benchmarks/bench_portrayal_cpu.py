"""CPU cost of the mention_sentiment table in one process: a partition analysed without and with it.

Usage: ``python benchmarks/bench_portrayal_cpu.py INPUT [--limit 100] [--backend onnx-int8]``

:func:`analysis.corpus.runner.analyse_partition` on the first ``--limit`` lines of a JSON Lines
file, in this process, once without and once with targeted sentiment (after a warm-up on one
article, so the spaCy model is loaded before either is timed; the targeted model's load is
inside the "with" run, as it is in a corpus worker). Prints the process CPU seconds of each
run (``time.process_time``: the time this process ran, so other jobs on a shared machine
change it far less than the wall-clock stage seconds of ``bench_portrayal_cost.py``), the
stage seconds, the mention_sentiment rows and the ratio with/without. The issue's target is a ratio of at most 1.5.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="a .jsonl or .jsonl.gz file")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--backend", default="onnx-int8")
    args = parser.parse_args()
    from analysis.articles import mention_sentiment
    from analysis.corpus.runner import analyse_partition
    from analysis.io.ingest import iter_jsonl_lines

    os.environ["ANALYSIS_TARGETED"] = args.backend
    mention_sentiment.prepare_mention_model(args.backend)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        lines = [line for _, line in itertools.islice(iter_jsonl_lines(args.input), args.limit) if isinstance(line, str)]
        sample.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
        items = [(f"a{n}", f"{sample}:{n}") for n in range(1, len(lines) + 1)]
        analyse_partition(items[:1])  # loads spaCy
        runs = {}
        for name, flag in (("without", False), ("with", True)):
            cpu, wall = time.process_time(), time.perf_counter()
            result = analyse_partition(items, mention_sentiment=flag)
            runs[name] = {"cpu_s": round(time.process_time() - cpu, 2), "wall_s": round(time.perf_counter() - wall, 2),
                          "stage_s": {k: round(v, 2) for k, v in result["seconds"].items()},
                          "mention_sentiment_rows": result["mention_sentiment"].num_rows}
    print(json.dumps({
        "articles": len(lines), "backend": args.backend, "context_tokens": getattr(mention_sentiment, "CONTEXT_TOKENS", None),
        "load_avg_before": [round(x, 1) for x in load_before], "load_avg_after": [round(x, 1) for x in os.getloadavg()],
        "runs": runs, "ratio_cpu": round(runs["with"]["cpu_s"] / runs["without"]["cpu_s"], 2), "target": 1.5,
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
