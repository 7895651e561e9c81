"""Cost of the corpus identity pass (analysis.identity) relative to a corpus run (goal <= 5 %).

Two ways, printed as JSON:

* ``--corpus DIR`` (a folder a full ``python -m analysis corpus`` run wrote, with its run
  summary's ``seconds`` given as ``--run-seconds``): times :func:`analysis.identity.write_identity`
  on a copy of the folder ``--rounds`` times (median) and prints ``ratio`` = identity seconds /
  run seconds. Without ``--run-seconds`` it reads ``summary.json`` in the folder if present.
* without ``--corpus``: runs ``python -m analysis corpus`` on the first ``--limit`` BBC articles
  (sorted paths), which includes the identity pass, and prints the pass's share of the run from
  the run summary (``identity_seconds`` / ``seconds``).

Run: ``python benchmarks/bench_identity.py --corpus /tmp/bbc --run-seconds 612`` or
``python benchmarks/bench_identity.py --limit 300``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.config import DATA_DIR


def _time_pass(corpus: Path, rounds: int) -> list[float]:
    from analysis.corpus.identity import write_identity

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("entities", "articles"):
            shutil.copy(corpus / f"{name}.parquet", Path(tmp) / f"{name}.parquet")
        for _ in range(rounds):
            t0 = time.perf_counter()
            write_identity(tmp)
            out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="a corpus output folder (entities.parquet, articles.parquet)")
    ap.add_argument("--run-seconds", type=float, help="wall seconds of the corpus run that wrote it")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=300, help="BBC articles for a fresh run (without --corpus)")
    args = ap.parse_args()
    if args.corpus:
        corpus = Path(args.corpus)
        run = args.run_seconds
        if run is None and (corpus / "summary.json").exists():
            run = json.loads((corpus / "summary.json").read_text())["seconds"]
        secs = _time_pass(corpus, args.rounds)
        med = statistics.median(secs)
        print(json.dumps({"identity_seconds": round(med, 2), "rounds": [round(s, 2) for s in secs], "run_seconds": run,
                          "ratio": round(med / run, 4) if run else None, "goal": 0.05}))
        return 0
    paths = sorted((DATA_DIR / "bbc-news").glob("*/*.txt"))[: args.limit]
    if not paths:
        print("BBC News not available in ../shared/data/bbc-news; nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "analysis", "corpus", *map(str, paths), "--out", tmp, "--quiet"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        summary = json.loads(proc.stdout.strip().splitlines()[0])
    print(json.dumps({"articles": len(paths), "run_seconds": summary["seconds"], "identity_seconds": summary["identity_seconds"],
                      "ratio": round(summary["identity_seconds"] / summary["seconds"], 4), "goal": 0.05}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
