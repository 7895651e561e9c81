"""Start-up of a corpus worker with and without the optional imports skipped (analysis.corpus.workers).

A local-cluster worker of ``python -m analysis corpus`` loads the spaCy model and imports the
analyses before its first partition (:func:`analysis.corpus.runner._warm`); that start-up is paid
on every run, so it is most of the fixed cost of a small incremental run. Each round starts two
fresh interpreters side by side in alternating order, one plain and one with
:class:`analysis.corpus.workers.OptionalImportsSkipped` installed first (as the
``SkipOptionalImports`` worker plugin does), each timing ``_warm()`` plus one analysis of a short
article; printed as JSON: the medians, ``ratio`` = skipped / plain, and which of torch, scipy,
scikit-learn each process ended up importing. No data needed.

Run: ``python benchmarks/bench_worker_startup.py [--rounds 5]`` on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
if sys.argv[1] == "skip":
    from analysis.corpus.workers import OptionalImportsSkipped
    sys.meta_path.insert(0, OptionalImportsSkipped())
t0 = time.perf_counter()
from analysis.corpus.runner import _warm
_warm()
from analysis.articles.sentiment import sentence_records
from analysis.types import Article
art = Article(id="acme", title="Acme", paragraphs=("Acme Corp said on 12 March 2021 that profits rose. Jane Smith welcomed it in London.",))
rows = sentence_records(art)
print(json.dumps({"seconds": time.perf_counter() - t0, "sentences": len(rows["text"]),
                  "loaded": sorted(m for m in ("torch", "scipy", "sklearn") if m in sys.modules)}))
"""


def run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    times: dict[str, list[float]] = {"plain": [], "skip": []}
    loaded: dict[str, list[str]] = {}
    for r in range(args.rounds):
        for mode in (("plain", "skip") if r % 2 == 0 else ("skip", "plain")):
            got = run(mode)
            times[mode].append(got["seconds"])
            loaded[mode] = got["loaded"]
    med = {m: statistics.median(v) for m, v in times.items()}
    print(json.dumps({"rounds": args.rounds, "seconds_plain": round(med["plain"], 3), "seconds_skipped": round(med["skip"], 3),
                      "ratio": round(med["skip"] / med["plain"], 3), "saved_seconds": round(med["plain"] - med["skip"], 3),
                      "imported_plain": loaded["plain"], "imported_skipped": loaded["skip"],
                      "all_seconds": {m: [round(x, 3) for x in v] for m, v in times.items()}}, indent=1))


if __name__ == "__main__":
    main()
