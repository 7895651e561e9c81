"""Sweep: seconds per notebook of ``run_sweep`` vs a shell loop of ``papermill`` CLI calls.

Both execute the same runs (the sweep ``--spec``, default ``sweeps/seed-grid.yaml``, with its
outputs redirected to a tmp dir) with a warm parse cache; prints JSON with seconds per notebook
of each and ``ratio`` = sweep / loop (goal <= 0.25).

Run: ``python benchmarks/bench_sweep.py [--spec sweeps/seed-grid.yaml] [--workers 2]``.
"""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from analysis.render.sweep import load_sweep, run_sweep

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "sweeps" / "seed-grid.yaml"))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    spec = yaml.safe_load(Path(args.spec).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        tmp = Path(tmp)
        for name in ("sweep", "loop"):
            s = dict(spec, output=str(tmp / name / Path(spec["output"]).relative_to(Path(spec["output"].split("{", 1)[0]).parent)))
            (tmp / f"{name}.yaml").write_text(yaml.safe_dump(s), encoding="utf-8")
        loop_sweep = load_sweep(tmp / "loop.yaml")
        if not loop_sweep.runs:
            print("no articles for this sweep; nothing to measure")
            return 0
        papermill = Path(sys.executable).parent / "papermill"
        lines = []
        for r in loop_sweep.runs:
            Path(r.output).parent.mkdir(parents=True, exist_ok=True)
            ps = " ".join(f"-p {shlex.quote(k)} {shlex.quote(str(v))}" for k, v in r.parameters.items())
            lines.append(f"{papermill} --no-progress-bar --cwd {ROOT / 'notebooks'} "
                         f"{shlex.quote(str(loop_sweep.notebooks[r.notebook]))} {shlex.quote(r.output)} {ps}")
        script = "set -e\n" + "\n".join(lines)
        # warm the parse cache for both (one untimed run of the first notebook)
        subprocess.run(["bash", "-c", lines[0] + " >/dev/null 2>&1"], check=True, cwd=ROOT)
        t0 = time.perf_counter()
        done = subprocess.run(["bash", "-c", script], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        loop = time.perf_counter() - t0
        if done.returncode:
            print("papermill CLI loop failed:\n" + "\n".join(done.stderr.splitlines()[-15:]), file=sys.stderr)
            return 1
        t0 = time.perf_counter()
        sweep = run_sweep(tmp / "sweep.yaml", workers=args.workers, force=True, progress=False)
        swept = time.perf_counter() - t0
        ok = sum(r.status == "ok" for r in sweep.runs)
    n = len(loop_sweep.runs)
    print(json.dumps({"runs": n, "sweep_ok": ok, "workers": args.workers,
                      "loop_seconds": round(loop, 2), "sweep_seconds": round(swept, 2),
                      "loop_s_per_notebook": round(loop / n, 2), "sweep_s_per_notebook": round(swept / n, 2),
                      "ratio": round(swept / loop, 3), "goal": "<= 0.25"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
