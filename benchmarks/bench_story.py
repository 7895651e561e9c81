"""Cost of the story pass: per-article extraction cold (spaCy parse + timexes) against cached,
and the story itself, on one Timeline17 topic.

Prints seconds for each stage and the ratio cold / cached (the evaluation's 10-minute budget
holds only because re-scoring reads cached per-article results).

Usage: ``python benchmarks/bench_story.py [TOPIC_DIR] [--limit N]``
(default: ``$ANALYSIS_SHARED_DIR/data/timeline17/haiti``, 60 articles).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from analysis.config import DATA_DIR


def bench(topic: Path, limit: int) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ANALYSIS_CACHE_DIR"] = cache  # a fresh cache: the first pass is cold
        from analysis.corpus import story as S
        from analysis.nlp import load_model

        records = S.read_articles(topic)[:limit]
        load_model()("warm up")
        t0 = time.perf_counter()
        cold = S.dated_articles(records)
        t1 = time.perf_counter()
        cached = S.dated_articles(records)
        t2 = time.perf_counter()
        S.story(cached, n_dates=10, n_sentences=2)
        t3 = time.perf_counter()
    assert [a.to_json() for a in cold] == [a.to_json() for a in cached]
    return {"articles": len(records), "cold_s": round(t1 - t0, 2), "cached_s": round(t2 - t1, 3),
            "story_s": round(t3 - t2, 3), "cold_over_cached": round((t1 - t0) / max(t2 - t1, 1e-9), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topic", nargs="?", default=str(DATA_DIR / "timeline17" / "haiti"))
    ap.add_argument("--limit", type=int, default=60)
    args = ap.parse_args()
    if not Path(args.topic).exists():
        print(f"error: {args.topic}: not found", file=sys.stderr)
        return 2
    print(json.dumps(bench(Path(args.topic), args.limit), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
