"""Cost of the tls scorer's perl ROUGE: one ROUGE-1.5.5 run per pair (tilse/pyrouge) against one
batched run (:mod:`analysis.evaluation.rouge_batch`), on real timelines, with the scores checked equal.

One reference timeline of a Timeline17 topic (its first ``--dates`` dates) is scored as the
prediction against another of the same topic, with all of tilse's measures (concat, agreement,
alignment m:1). Prints seconds per path and the ratio per-pair / batched.

Usage: ``python benchmarks/bench_tls_rouge.py [TOPIC_DIR] [--dates N] [--workers W]``
(default: ``$ANALYSIS_SHARED_DIR/data/timeline17/syria``, 6 dates, 2 workers).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from analysis.config import DATA_DIR


def bench(topic: Path, n_dates: int, workers: int) -> dict:
    from analysis.evaluation import tls

    timelines = tls.read_timelines(topic / "timelines.jsonl")
    if len(timelines) < 2:
        raise SystemExit(f"error: {topic}: needs two reference timelines")
    pred = dict(sorted(timelines[0].items())[:n_dates])
    reference = timelines[1]
    t0 = time.perf_counter()
    slow = tls.score_task(pred, reference, tls._evaluator("original-per-pair"))
    t1 = time.perf_counter()
    batched = tls._evaluator("original", workers)
    tls.prefetch(batched, [(pred, reference)])
    fast = tls.score_task(pred, reference, batched)
    t2 = time.perf_counter()
    assert fast == slow, "batched ROUGE changed a score"
    return {"topic": topic.name, "pred_dates": len(pred), "ref_dates": len(reference),
            "perl_runs_batched": batched.rouge.perl_runs, "pairs": len(batched.rouge.table),
            "per_pair_s": round(t1 - t0, 2), "batched_s": round(t2 - t1, 2),
            "per_pair_over_batched": round((t1 - t0) / max(t2 - t1, 1e-9), 1), "scores_equal": True}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topic", nargs="?", default=str(DATA_DIR / "timeline17" / "syria"))
    ap.add_argument("--dates", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not (Path(args.topic) / "timelines.jsonl").exists():
        print(f"error: {args.topic}: no timelines.jsonl", file=sys.stderr)
        return 2
    print(json.dumps(bench(Path(args.topic), args.dates, args.workers), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
