"""Incremental, resumable corpus runs (analysis.corpus.kept) on BBC: what a rerun costs against a full run.

Every run is ``python -m analysis corpus DIR --out OUT --quiet`` in a subprocess (local cluster,
2 workers), timed wall-clock as a user sees it. In one invocation, printed as JSON:

* ``full``: a fresh run on the articles (``--limit``; default all 2,225) into an empty folder.
* ``unchanged``: the same run again on that folder; ``ratio`` = unchanged / full (goal <= .05).
* ``add_5pct``: a run on 95 % of the articles (a folder of symlinks without every 20th article)
  into a new folder, then on all of them; ``ratio`` = the second run / full (goal <= .10). With
  ``--repeat K`` the second run is made K times, each on a fresh copy of the 95 % folder, and the
  median is used (single runs differ by about ±0.4 s here).
* ``killed_resumed``: a run on all the articles whose driver SIGKILLs itself after about half of
  its partitions (``ANALYSIS_KILL_AFTER_PARTITIONS``), then the same run again;
  ``ratio`` = (killed + resumed) / full (goal <= 1.15).
* ``throughput`` (unless ``--skip-throughput``): bare ``nlp.pipe(texts, n_process=2,
  batch_size=16)`` on the cleaned texts, a fresh run of the code before issue 17 (``git archive``
  of ``--base``, default the commit before ``analysis/corpus/kept.py`` was added, run with ``PYTHONPATH``) and a fresh run of
  this code (``--fresh``), alternating for ``--rounds``; ``ratio_*`` = articles/s of the run /
  articles/s of the bare pipe of its round (the corpus runs here include interpreter start-up,
  unlike ``bench_corpus.py``), ``bookkeeping_cost`` = median of ratio_base - ratio_kept
  (goal <= .02).

* ``on_scheduler`` (``--scheduler-mode``): ``full``, ``unchanged`` and ``add_5pct`` again, every run
  given ``--scheduler`` of a real ``dask scheduler`` with two ``dask worker`` processes (1 thread
  each, ``--no-nanny``, started by this script with the local cluster's worker settings: no
  statistical profiler, no ``MALLOC_TRIM_THRESHOLD_``) that stay up between the runs, as for a newsroom that
  keeps its workers running and reruns daily. A warm-up run on 20 articles loads the model in
  the workers first. The difference from the local-cluster figures is what starting the
  workers (interpreter, spaCy, torch via thinc, TextBlob/NLTK, the model) costs every run.

Each incremental folder's tables are compared with the full run's (``same_tables``: equal bytes).
The throughput rounds' ``--fresh`` runs reuse the full run's folder (so they also delete its kept files).
``uptime`` is printed before and after (the machine is shared). Exits 0 with a message when the
corpus is absent.

Run: ``nohup python benchmarks/bench_incremental.py [--limit N] [--rounds 1] [--skip-throughput | --skip-incremental] [--scheduler-mode]
> bench-incremental.log 2>&1 &``. The ratios compare wall-clock times of runs made minutes apart:
on a shared machine, read them with the load printed per run.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import socket
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.config import DATA_DIR, PARTITION_SIZE

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("articles", "sentences", "entities", "timexes", "quotes", "mention_sentiment", "errors", "entity_index")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def link_tree(paths: list[Path], root: Path) -> Path:
    """A folder of symlinks topic/name.txt → the BBC files (same doc_ids as the BBC folder)."""
    for p in paths:
        link = root / p.parent.name / p.name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(p.resolve(), link)
    return root


def corpus_run(folder: Path, out: Path, *, env: dict | None = None, extra: list[str] = (),
               cwd: Path = ROOT) -> tuple[float, int, dict | None]:
    """Run the corpus command in ``cwd`` (``-m`` imports ``analysis`` from there first); (seconds, exit code, summary)."""
    cmd = [sys.executable, "-m", "analysis", "corpus", str(folder), "--out", str(out), "--quiet", *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    try:  # a killed driver's workers exit by themselves; make sure nothing of it keeps a core busy
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc.returncode not in (0, 1, -signal.SIGKILL):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr[-2000:]}")
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    summary = json.loads(lines[-1]) if lines else None
    print(json.dumps({"run": f"{folder.name} -> {out.name}", "seconds": round(seconds, 2), "exit": proc.returncode,
                      "loadavg_1min_after": round(os.getloadavg()[0], 2),
                      **({k: summary.get(k) for k in ("articles", "analysed", "reused", "dropped", "reasons", "rebuilt",
                                                      "partitions", "startup_seconds", "shutdown_seconds", "kept_seconds",
                                                      "driver_cpu_seconds")} if summary else {})}),
          file=sys.stderr, flush=True)
    return seconds, proc.returncode, summary


@contextlib.contextmanager
def dask_scheduler(tmp: Path, n_workers: int = 2):
    """A real ``dask scheduler`` and ``n_workers`` ``dask worker`` processes (1 thread each) on
    loopback; yields the scheduler's address. Workers run with the settings the corpus runner
    gives its own local cluster (no profiler thread, glibc's default trim threshold)."""
    from distributed import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask_bin = str(Path(sys.executable).with_name("dask"))
    # --no-nanny: the worker is the process started here, with this environment (a nanny would add
    # its MALLOC_TRIM_THRESHOLD_, which Dask's config merges back in and which slows spaCy's parse)
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    procs = [subprocess.Popen([dask_bin, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(n_workers):
            procs.append(subprocess.Popen([dask_bin, "worker", address, "--nthreads", "1", "--no-nanny",
                                           "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(tmp / "dask")],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 120
        while True:  # the scheduler needs a moment to listen
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(n_workers, timeout=120)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def digest(out: Path) -> str:
    import hashlib

    return hashlib.sha256(b"".join((out / f"{n}.parquet").read_bytes() for n in TABLES)).hexdigest()


def base_code(ref: str | None, dest: Path) -> tuple[str, Path]:
    if not ref:  # the commit before analysis/corpus/kept.py was added
        added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "analysis/corpus/kept.py"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
        ref = f"{added[-1]}^" if added else "HEAD"
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref, "analysis"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return ref, dest


def bare_pipe_seconds(paths: list[Path]) -> tuple[float, int]:
    code = ("import sys, time\n"
            "from analysis.io.expand import load_articles\nfrom analysis.lang.nlp import load_model\nfrom analysis.types import Article\n"
            "texts = [a.text for a in load_articles(sys.argv[1:]) if isinstance(a, Article)]\n"
            "nlp = load_model()\nt0 = time.perf_counter()\n"
            "n = sum(1 for _ in nlp.pipe(texts, n_process=2, batch_size=16))\n"
            "print(time.perf_counter() - t0, n)\n")
    out = subprocess.run([sys.executable, "-c", code, *map(str, paths)], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, n = out.stdout.split()
    return float(seconds), int(n)


def main() -> int:
    from statistics import median

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N BBC articles (sorted paths; default all)")
    ap.add_argument("--rounds", type=int, default=1, help="throughput rounds (bare, base, kept alternate)")
    ap.add_argument("--base", default=None, help="git ref of the code before issue 17 (default: the parent of the commit that added analysis/corpus/kept.py)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the 100 %% step this many times on copies of the 95 %% folder; its median is the ratio's numerator")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-incremental", action="store_true", help="only the throughput rounds")
    ap.add_argument("--scheduler-mode", action="store_true",
                    help="also full/unchanged/add_5pct with every run on one running dask scheduler and its 2 workers")
    args = ap.parse_args()
    paths = sorted((DATA_DIR / "bbc-news").glob("*/*.txt"))
    paths = paths[: args.limit] if args.limit else paths
    if not paths:
        print(f"no BBC corpus at {DATA_DIR / 'bbc-news'}; nothing to measure")
        return 0
    result: dict = {"articles": len(paths), "uptime_before": uptime()}
    print(json.dumps(result), file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        tmp = Path(tmp)
        full_dir = link_tree(paths, tmp / "all")
        sub_dir = link_tree([p for i, p in enumerate(paths) if i % 20 != 19], tmp / "95pct")

        if not args.skip_incremental:
            full, _, _ = corpus_run(full_dir, tmp / "out-full")
            reference = digest(tmp / "out-full")
            unchanged, _, s_unch = corpus_run(full_dir, tmp / "out-full")
            result["full_seconds"] = round(full, 2)
            result["unchanged"] = {"seconds": round(unchanged, 2), "ratio": round(unchanged / full, 3), "goal": "<= .05",
                                   "analysed": s_unch["analysed"], "same_tables": digest(tmp / "out-full") == reference}

            t95, _, _ = corpus_run(sub_dir, tmp / "out-inc")
            if args.repeat > 1:  # the 100 % run on copies of the 95 % folder: its spread between runs
                shutil.copytree(tmp / "out-inc", tmp / "out-inc-95", symlinks=True)
            runs100 = []
            for k in range(args.repeat):
                if k:
                    shutil.rmtree(tmp / "out-inc")
                    shutil.copytree(tmp / "out-inc-95", tmp / "out-inc", symlinks=True)
                t100, _, s100 = corpus_run(full_dir, tmp / "out-inc")
                runs100.append(t100)
            t100 = median(runs100)
            result["add_5pct"] = {"seconds_95pct": round(t95, 2), "seconds_then_100pct": round(t100, 2),
                                  "ratio": round(t100 / full, 3), "goal": "<= .10", "analysed": s100["analysed"],
                                  "reused": s100["reused"], "same_tables": digest(tmp / "out-inc") == reference,
                                  **({"seconds_100pct_runs": [round(t, 2) for t in runs100]} if args.repeat > 1 else {})}

            half = math.ceil(math.ceil(len(paths) / PARTITION_SIZE) / 2)
            killed, code, _ = corpus_run(full_dir, tmp / "out-kill", env={"ANALYSIS_KILL_AFTER_PARTITIONS": str(half)})
            resumed, _, s_res = corpus_run(full_dir, tmp / "out-kill")
            result["killed_resumed"] = {"kill_after_partitions": half, "killed_exit": code, "seconds_killed": round(killed, 2),
                                        "seconds_resumed": round(resumed, 2), "ratio": round((killed + resumed) / full, 3),
                                        "goal": "<= 1.15", "resumed_analysed": s_res["analysed"], "resumed_reused": s_res["reused"],
                                        "same_tables": digest(tmp / "out-kill") == reference}
            print(json.dumps(result), file=sys.stderr, flush=True)

        if args.scheduler_mode:
            with dask_scheduler(tmp) as address:
                on = ["--scheduler", address]
                corpus_run(link_tree(paths[:20], tmp / "warm"), tmp / "out-s-warm", extra=on)  # the workers load the model
                full, _, _ = corpus_run(full_dir, tmp / "out-s-full", extra=on)
                reference = digest(tmp / "out-s-full")
                unchanged, _, s_unch = corpus_run(full_dir, tmp / "out-s-full", extra=on)
                t95, _, _ = corpus_run(sub_dir, tmp / "out-s-inc", extra=on)
                t100, _, s100 = corpus_run(full_dir, tmp / "out-s-inc", extra=on)
                local = tmp / "out-full"
                result["on_scheduler"] = {
                    "full_seconds": round(full, 2),
                    "same_tables_as_local_cluster": digest(local) == reference if (local / "articles.parquet").exists() else None,
                    "unchanged": {"seconds": round(unchanged, 2), "ratio": round(unchanged / full, 3), "goal": "<= .05",
                                  "analysed": s_unch["analysed"], "same_tables": digest(tmp / "out-s-full") == reference},
                    "add_5pct": {"seconds_95pct": round(t95, 2), "seconds_then_100pct": round(t100, 2),
                                 "ratio": round(t100 / full, 3), "goal": "<= .10", "analysed": s100["analysed"],
                                 "reused": s100["reused"], "same_tables": digest(tmp / "out-s-inc") == reference}}
                print(json.dumps(result), file=sys.stderr, flush=True)

        if not args.skip_throughput:
            ref, base = base_code(args.base, tmp / "base")
            rounds = []
            for r in range(args.rounds):
                bare, n_docs = bare_pipe_seconds(paths)
                t_base, _, _ = corpus_run(full_dir, tmp / f"out-base-{r}", env={"PYTHONPATH": str(base)}, cwd=base)
                t_kept, _, _ = corpus_run(full_dir, tmp / "out-full", extra=["--fresh"])
                rounds.append({"bare_pipe_seconds": round(bare, 2), "base_seconds": round(t_base, 2),
                               "kept_seconds": round(t_kept, 2),
                               "ratio_base": round((len(paths) / t_base) / (n_docs / bare), 3),
                               "ratio_kept": round((len(paths) / t_kept) / (n_docs / bare), 3)})
                print(json.dumps({"round": r, **rounds[-1]}), file=sys.stderr, flush=True)
            result["throughput"] = {"base": ref, "rounds": rounds,
                                    "ratio_base": median(r["ratio_base"] for r in rounds),
                                    "ratio_kept": median(r["ratio_kept"] for r in rounds),
                                    "bookkeeping_cost": round(median(r["ratio_base"] - r["ratio_kept"] for r in rounds), 3),
                                    "goal": "<= .02"}
    result["uptime_after"] = uptime()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
