"""Start-up of a corpus worker with and without the optional imports skipped (analysis.corpus.workers),
and of the run's local cluster with workers spawned or forked from a preloaded server (``--cluster``).

A local-cluster worker of ``python -m analysis corpus`` loads the spaCy model and imports the
analyses before its first partition (:func:`analysis.corpus.runner._warm`); that start-up is paid
on every run, so it is most of the fixed cost of a small incremental run. Each round starts two
fresh interpreters side by side in alternating order, one plain and one with
:class:`analysis.corpus.workers.OptionalImportsSkipped` installed first (as the
``SkipOptionalImports`` worker plugin does), each timing ``_warm()`` plus one analysis of a short
article; printed as JSON: the medians, ``ratio`` = skipped / plain, and which of torch, scipy,
scikit-learn each process ended up importing. No data needed.

``--cluster``: each round starts two fresh driver processes in alternating order; each times,
from its first line, a 2-worker ``LocalCluster`` as the corpus runner configures it up to both
workers warm (``_warm`` run on each): ``spawned`` as before, ``forked`` from the fork server of
:func:`analysis.corpus.forkserver.preloaded_workers`, started first (as the command line does).

Run: ``python benchmarks/bench_worker_startup.py [--rounds 5] [--cluster]`` on a quiet machine.
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


CLUSTER_CHILD = r"""
import contextlib, json, logging, sys, time
t0 = time.perf_counter()
from analysis.corpus.forkserver import preloaded_workers, worker_environment
env = worker_environment()
with (preloaded_workers(env) if sys.argv[1] == "forked" else contextlib.nullcontext(False)) as forked:
    import dask
    from distributed import Client, LocalCluster
    from analysis.corpus.runner import _warm
    from analysis.corpus.workers import ExitAtClose, SkipOptionalImports
    method = {"distributed.worker.multiprocessing-method": "forkserver"} if forked else {}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env, "distributed.worker.profile.enabled": False, **method}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                               silence_logs=logging.ERROR)
        client = Client(cluster)
        client.register_plugin(ExitAtClose(), name="exit")
        client.register_plugin(SkipOptionalImports(), name="skip")
        client.run(_warm)
        seconds = time.perf_counter() - t0
        client.close()
        cluster.close()
print(json.dumps({"seconds": seconds, "forked": forked}))
"""


def run(mode: str, child: str = CHILD) -> dict:
    out = subprocess.run([sys.executable, "-c", child, mode], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cluster(rounds: int) -> None:
    times: dict[str, list[float]] = {"spawned": [], "forked": []}
    for r in range(rounds):
        for mode in (("spawned", "forked") if r % 2 == 0 else ("forked", "spawned")):
            got = run(mode, CLUSTER_CHILD)
            assert got["forked"] == (mode == "forked"), got
            times[mode].append(got["seconds"])
    med = {m: statistics.median(v) for m, v in times.items()}
    print(json.dumps({"rounds": rounds, "seconds_spawned": round(med["spawned"], 3), "seconds_forked": round(med["forked"], 3),
                      "ratio": round(med["forked"] / med["spawned"], 3), "saved_seconds": round(med["spawned"] - med["forked"], 3),
                      "all_seconds": {m: [round(x, 3) for x in v] for m, v in times.items()}}, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cluster", action="store_true", help="the local cluster: workers spawned vs forked from a preloaded server")
    args = ap.parse_args()
    if args.cluster:
        return cluster(args.rounds)
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
