"""Parameter sweeps: notebooks × articles × a parameter grid, executed by papermill in parallel.

A sweep is a YAML file::

    articles: [seeds/*.txt]                 # files, folders or globs (relative to the working dir)
    notebooks: [sentiment, timeline]        # names in notebooks/ (or paths to .ipynb files)
    parameters: {window: [1, 3, 5]}         # grid: name -> list of values
    output: sweeps/out/{article}/{notebook}-window{window}.ipynb

Every article × every combination of the grid × every notebook is one *run*, executed
in-process by ``papermill.execute_notebook`` in a pool of worker processes, each worker reusing
one kernel across its runs (:class:`analysis.render.kernel.NotebookRunner`). A notebook only
receives the parameters it declares (``papermill.inspect_notebook``): a notebook that does not
declare a grid parameter runs once per article, and that parameter's placeholder in the output
template reads ``all`` (e.g. ``timeline-windowall.ipynb``). Template fields: ``{article}``
(article id), ``{parent}`` (the article's folder name), ``{notebook}``, and the grid names.

Each run writes its notebook, its HTML rendering ``X.html`` next to ``X.ipynb`` (the reports'
exporter) and, through the notebook's ``output_dir`` parameter, its CSVs into ``<output without
.ipynb>/``. A failed run keeps its partial notebook (rendered too, so the error cell can be read)
and is marked failed with a one-line error; the others go on. ``<sweep>-summary.json`` /
``.csv`` / ``.html`` in the output root record every run; the HTML page links each run's report
and notebook and compares runs (sentiment toward the same entities, also written tidy to
``<sweep>-entity-sentiment.csv``; key figures across grid settings). Re-running the sweep redoes
only missing or failed runs; an ok run whose ``.html`` is missing is only re-rendered.

Modules: :mod:`analysis.render.sweep_spec` (the YAML and its runs), this one (execution, the
command line), :mod:`analysis.render.sweep_summary` (summary files and comparisons).
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from ..config import NOTEBOOKS_DIR
from ..errors import one_line
from .execute import ExportError, export_html, render_notebook
from .kernel import NotebookRunner
from .sweep_spec import Run, Sweep, load_sweep
from .sweep_summary import key_figures, read_previous, summary_paths, write_summary

__all__ = ["Run", "Sweep", "execute_run", "load_sweep", "run_cli", "run_sweep"]

_RUNNER: NotebookRunner | None = None


def _worker_runner(cwd: str) -> NotebookRunner:
    """This worker process's runner: one kernel reused by every run the worker executes."""
    global _RUNNER
    if _RUNNER is None:
        from multiprocessing.util import Finalize

        _RUNNER = NotebookRunner(cwd=cwd)
        Finalize(_RUNNER, _RUNNER.close, exitpriority=10)  # shut the kernel down when the worker exits
    return _RUNNER


def _run_title(notebook: str, parameters: dict) -> str:
    grid = ", ".join(f"{k}={v}" for k, v in parameters.items() if k not in ("article_path", "output_dir"))
    art = parameters.get("article_path", "")
    return " — ".join(x for x in (Path(notebook).stem, Path(art).name if art else "", grid) if x)


def execute_run(notebook: str, output: str, parameters: dict, cwd: str) -> tuple[str, str, float]:
    """Execute one run in this worker's shared kernel and render it to ``X.html``
    (:func:`~analysis.render.execute.render_notebook`: parameters checked, partial file, HTML).

    The HTML is also rendered for a failed run (its error cell is readable there). A rendering
    failure keeps the run's status and is appended to its error.

    Returns:
        (status, error, seconds); seconds include the rendering.
    """
    start = time.perf_counter()
    try:
        render_notebook(notebook, output, parameters, runner=_worker_runner(cwd), title=_run_title(notebook, parameters))
        status, error = "ok", ""
    except ExportError as err:
        status, error = "ok", str(err)
    except Exception as err:  # noqa: BLE001 - recorded in the summary; the sweep goes on
        status, error = "failed", "; ".join(e for e in (one_line(err), getattr(err, "export_problem", "")) if e)
    return status, error, time.perf_counter() - start


def _rerender(run: Run) -> str:
    """Export an ok run's notebook to HTML again; ``""`` or a one-line reason."""
    try:
        export_html(run.output, _run_title(run.notebook, run.parameters))
        return ""
    except ExportError as err:
        return str(err)


def run_sweep(spec: str | Path, *, workers: int = 2, force: bool = False, progress: bool = True) -> Sweep:
    """Execute the runs of a sweep that are missing or failed (all with ``force``); write the summary.

    Returns:
        The sweep, every run with its status (``ok``/``failed``), error, seconds and key figures.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import multiprocessing

    from tqdm.auto import tqdm

    sweep = load_sweep(spec)
    previous = {} if force else read_previous(sweep)
    todo = []
    for run in sweep.runs:
        prev = previous.get(run.output)
        if prev and prev.get("status") == "ok" and prev.get("parameters") == run.parameters and Path(run.output).exists():
            run.status, run.seconds, run.finished = "ok", prev.get("seconds", 0.0), prev.get("finished", "")
            run.figures = prev.get("figures") or {}
            if not Path(run.output).with_suffix(".html").exists():
                # Done before, report missing (deleted, or its rendering failed): re-render, no re-run.
                run.error = _rerender(run)
        else:
            todo.append(run)
    cwd = str(NOTEBOOKS_DIR)
    if todo:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))), mp_context=ctx) as pool:
            futures = {pool.submit(execute_run, str(sweep.notebooks[r.notebook]), r.output, r.parameters, cwd): r for r in todo}
            with tqdm(total=len(todo), desc="sweep", unit="run", disable=not progress) as bar:
                for fut in as_completed(futures):
                    run = futures[fut]
                    try:
                        run.status, run.error, run.seconds = fut.result()
                    except Exception as err:  # noqa: BLE001 - a dead worker fails its run only
                        run.status, run.error = "failed", f"{type(err).__name__}: {' '.join(str(err).split())}"
                    run.finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
                    run.figures = key_figures(run) if run.status == "ok" else {}
                    bar.update(1)
                    if run.status != "ok":
                        bar.write(f"FAILED {run.output}: {run.error}", file=sys.stderr)
    write_summary(sweep)
    return sweep


def run_cli(args) -> int:
    """``python -m analysis sweep SPEC`` (arguments defined in :mod:`analysis.__main__`)."""
    sweep = load_sweep(args.spec)
    if not sweep.articles:
        print(f"{args.spec}: no articles found (is the data folder present?)", file=sys.stderr)
        return 2
    sweep = run_sweep(args.spec, workers=args.workers, force=args.force, progress=not args.quiet)
    ok = sum(r.status == "ok" for r in sweep.runs)  # each failure was named on stderr as it happened
    paths = summary_paths(sweep)
    print(f"{ok} of {len(sweep.runs)} runs ok; summary: {paths['csv']} {paths['html']}")
    return 0 if ok == len(sweep.runs) else 1
