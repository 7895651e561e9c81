"""Parameter sweeps: notebooks × articles × a parameter grid, executed by papermill in parallel.

A sweep is a YAML file::

    articles: [seeds/*.txt]                 # files, folders or globs (relative to the working dir)
    notebooks: [sentiment, timeline]        # names in notebooks/ (or paths to .ipynb files)
    parameters: {window: [1, 3, 5]}         # grid: name -> list of values
    output: sweeps/out/{article}/{notebook}-window{window}.ipynb

Every article × every combination of the grid × every notebook is one *run*, executed
in-process by ``papermill.execute_notebook`` in a pool of worker processes, each worker reusing
one kernel across its runs (:class:`analysis.runner.NotebookRunner`). A notebook only
receives the parameters it declares (``papermill.inspect_notebook``): a notebook that does not
declare a grid parameter runs once per article, and that parameter's placeholder in the output
template reads ``all`` (e.g. ``timeline-windowall.ipynb``). Template fields: ``{article}``
(article id), ``{parent}`` (the article's folder name), ``{notebook}``, and the grid names.

Each run writes its notebook and, through the notebook's ``output_dir`` parameter, its CSVs
into ``<output without .ipynb>/``. A failed run keeps its partial notebook and is marked failed
with a one-line error; the others go on. ``sweep-summary.json`` / ``.csv`` and ``index.html``
next to the outputs record every run; re-running the sweep redoes only missing or failed runs.
"""
from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import os
import string
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import NOTEBOOKS_DIR
from .errors import ParameterError, one_line
from .ingest import article_id, expand_inputs
from .runner import NotebookRunner

#: Value of a template field the notebook does not take.
UNUSED = "all"


@dataclass
class Run:
    """One notebook execution of a sweep."""

    article: str
    notebook: str
    parameters: dict[str, Any]
    output: str
    status: str = "pending"  # pending / ok / failed
    error: str = ""
    seconds: float = 0.0
    finished: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.output


@dataclass
class Sweep:
    path: Path
    articles: list[Path]
    notebooks: dict[str, Path]
    grid: dict[str, list]
    output: str
    root: Path  # folder of the summary (the output template's fixed prefix)
    runs: list[Run] = field(default_factory=list)


def _notebook_path(name: str) -> Path:
    p = Path(name)
    if p.suffix == ".ipynb":
        return p
    return NOTEBOOKS_DIR / f"{name}.ipynb"


def _template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _fixed_prefix(template: str) -> Path:
    """The folder part of the template before the first placeholder: where the summary goes."""
    head = template.split("{", 1)[0]
    return Path(head) if head.endswith(("/", os.sep)) else Path(head).parent


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep YAML; expand articles × grid × notebooks into runs.

    Raises:
        ParameterError: a missing or ill-typed key, an unknown notebook, a grid parameter no
            notebook declares, or an output template under which two runs would collide.
    """
    import papermill as pm

    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ParameterError(f"{path}: cannot read sweep ({' '.join(str(err).split())})") from None
    if not isinstance(spec, dict):
        raise ParameterError(f"{path}: a sweep is a mapping with articles, notebooks, parameters, output")
    for key in ("articles", "notebooks", "output"):
        if key not in spec:
            raise ParameterError(f"{path}: missing key {key!r}")
    articles = spec["articles"] if isinstance(spec["articles"], list) else [spec["articles"]]
    names = spec["notebooks"] if isinstance(spec["notebooks"], list) else [spec["notebooks"]]
    grid = spec.get("parameters") or {}
    template = spec["output"]
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise ParameterError(f"{path}: 'parameters' must map each name to a non-empty list of values")
    if not isinstance(template, str) or not template.endswith(".ipynb"):
        raise ParameterError(f"{path}: 'output' must be a path template ending in .ipynb")
    fields = _template_fields(template)
    unknown = set(fields) - {"article", "parent", "notebook", *grid}
    if unknown:
        raise ParameterError(f"{path}: output template uses unknown field(s) {', '.join(sorted(unknown))}")

    notebooks: dict[str, Path] = {}
    declared: dict[str, dict] = {}
    for name in names:
        nb = _notebook_path(str(name))
        if not nb.exists():
            raise ParameterError(f"{path}: notebook {name!r} not found ({nb})")
        notebooks[Path(str(name)).stem] = nb
        declared[Path(str(name)).stem] = pm.inspect_notebook(str(nb))
    unused = [g for g in grid if not any(g in d for d in declared.values())]
    if unused:
        raise ParameterError(f"{path}: no notebook declares parameter(s) {', '.join(unused)}")

    paths = expand_inputs(str(a) for a in articles)
    sweep = Sweep(path=path, articles=paths, notebooks=notebooks, grid=grid, output=template,
                  root=_fixed_prefix(template))
    seen: dict[str, tuple] = {}
    for art in paths:
        for name, nb in notebooks.items():
            params_declared = declared[name]
            own = [g for g in grid if g in params_declared]
            for combo in itertools.product(*(grid[g] for g in own)):
                values = dict(zip(own, combo))
                fmt = {g: UNUSED for g in grid} | values | {"article": article_id(art.name), "parent": art.parent.name, "notebook": name}
                out = template.format(**fmt)
                ident = (str(art), name, tuple(sorted(values.items())))
                if out in seen and seen[out] != ident:
                    raise ParameterError(f"{path}: output template {template!r} gives {out} to two different runs; "
                                         "add the distinguishing field ({parent}, {article}, {notebook} or a grid name)")
                if out in seen:
                    continue
                seen[out] = ident
                params = dict(values)
                if "article_path" in params_declared:
                    params["article_path"] = str(art.resolve())
                if "output_dir" in params_declared:
                    params["output_dir"] = str(Path(out).with_suffix("").resolve())
                sweep.runs.append(Run(article=str(art), notebook=name, parameters=params, output=out))
    return sweep


_RUNNER: NotebookRunner | None = None


def _worker_runner(cwd: str) -> NotebookRunner:
    """This worker process's runner: one kernel reused by every run the worker executes."""
    global _RUNNER
    if _RUNNER is None:
        from multiprocessing.util import Finalize

        _RUNNER = NotebookRunner(cwd=cwd)
        Finalize(_RUNNER, _RUNNER.close, exitpriority=10)  # shut the kernel down when the worker exits
    return _RUNNER


def execute_run(notebook: str, output: str, parameters: dict, cwd: str) -> tuple[str, str, float]:
    """Execute one run in this worker's shared kernel (papermill API). Returns (status, error, seconds)."""
    start = time.perf_counter()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    try:
        _worker_runner(cwd).run(notebook, output, parameters)
        return "ok", "", time.perf_counter() - start
    except Exception as err:  # noqa: BLE001 - recorded in the summary; the sweep goes on
        return "failed", one_line(err), time.perf_counter() - start


def key_figures(run: Run) -> dict[str, Any]:
    """A few numbers per run from the CSVs its notebook wrote into its ``output_dir``."""
    import pandas as pd

    folder = Path(run.output).with_suffix("")
    out: dict[str, Any] = {}

    def read(name):
        try:
            return pd.read_csv(folder / name)
        except (FileNotFoundError, pd.errors.EmptyDataError):
            return None

    sents = read("sentences.csv")
    if sents is not None and len(sents):
        out["sentences"] = len(sents)
        out["mean_polarity"] = round(float(sents["polarity"].mean()), 3)
        out["mean_vader"] = round(float(sents["vader_compound"].mean()), 3)
    arc = read("arc.csv")
    if arc is not None and len(arc):
        num = arc.select_dtypes("number")
        if "vader_compound" in num:
            out["arc_range"] = round(float(num["vader_compound"].max() - num["vader_compound"].min()), 3)
    ents = read("entities.csv")
    if ents is not None and len(ents) and "mentions" in ents:
        out["entities"] = len(ents)
        top = ents.nlargest(1, "mentions")
        out["top_entity"] = f"{top['entity'].iloc[0]} ({int(top['mentions'].iloc[0])})"
    tl = read("timeline.csv")
    if tl is not None:
        out["timexes"] = len(tl)
        dated = pd.to_datetime(tl.get("date", pd.Series(dtype=str)), errors="coerce").dropna()
        if len(dated):
            out["span"] = f"{dated.min():%Y-%m-%d}..{dated.max():%Y-%m-%d}"
    return out


def summary_paths(sweep: Sweep) -> dict[str, Path]:
    name = sweep.path.stem
    return {ext: sweep.root / f"{name}-summary.{ext}" for ext in ("json", "csv", "html")}


def _read_previous(sweep: Sweep) -> dict[str, dict]:
    path = summary_paths(sweep)["json"]
    try:
        return {r["output"]: r for r in json.loads(path.read_text(encoding="utf-8"))["runs"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_summary(sweep: Sweep) -> dict[str, Path]:
    """Write ``<sweep>-summary.json``, ``.csv`` and ``.html`` in the sweep's output root."""
    import pandas as pd

    from .fileio import write_atomic

    paths = summary_paths(sweep)
    runs = [asdict(r) for r in sweep.runs]
    doc = {"sweep": str(sweep.path), "updated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "runs": runs}
    write_atomic(paths["json"], json.dumps(doc, indent=1, default=str).encode("utf-8"))
    rows = []
    for r in sweep.runs:
        grid = {g: r.parameters.get(g, UNUSED) for g in sweep.grid}
        rows.append({"article": r.article, "notebook": r.notebook, **grid, "status": r.status,
                     "seconds": round(r.seconds, 2), **r.figures, "error": r.error, "output": r.output})
    table = pd.DataFrame(rows)
    write_atomic(paths["csv"], table.to_csv(index=False, lineterminator="\n").encode("utf-8"))

    def link(r: dict) -> str:
        try:
            rel = os.path.relpath(Path(r["output"]).resolve(), paths["html"].parent.resolve())
        except ValueError:
            rel = str(Path(r["output"]).resolve())
        return f'<a href="{html.escape(Path(rel).as_posix(), quote=True)}">notebook</a>'

    body = []
    cols = [c for c in table.columns if c not in ("output",)]
    for _, r in table.iterrows():
        cls = "" if r["status"] == "ok" else ' class="err"'
        cells = "".join(f"<td>{html.escape('' if pd.isna(r[c]) else str(r[c]))}</td>" for c in cols)
        body.append(f"<tr{cls}>{cells}<td>{link(r)}</td></tr>")
    ok = sum(r.status == "ok" for r in sweep.runs)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Sweep {html.escape(sweep.path.stem)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}.err td{color:#a00}</style></head><body>"
        f"<h1>Sweep {html.escape(sweep.path.name)}</h1><p>{ok} of {len(sweep.runs)} runs ok · "
        f"updated {doc['updated']}</p><table><thead><tr>"
        + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "<th>link</th></tr></thead><tbody>"
        + "".join(body) + "</tbody></table></body></html>"
    )
    write_atomic(paths["html"], page.encode("utf-8"))
    return paths


def run_sweep(spec: str | Path, *, workers: int = 2, force: bool = False, progress: bool = True) -> Sweep:
    """Execute the runs of a sweep that are missing or failed (all with ``force``); write the summary.

    Returns:
        The sweep, every run with its status (``ok``/``failed``), error, seconds and key figures.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import multiprocessing

    from tqdm.auto import tqdm

    sweep = load_sweep(spec)
    previous = {} if force else _read_previous(sweep)
    todo = []
    for run in sweep.runs:
        prev = previous.get(run.output)
        if prev and prev.get("status") == "ok" and prev.get("parameters") == run.parameters and Path(run.output).exists():
            run.status, run.seconds, run.finished = "ok", prev.get("seconds", 0.0), prev.get("finished", "")
            run.figures = prev.get("figures") or {}
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
                        bar.write(f"FAILED {run.output}: {run.error}")
    write_summary(sweep)
    return sweep


def run_cli(args) -> int:
    """``python -m analysis sweep SPEC`` (arguments defined in :mod:`analysis.__main__`)."""
    import sys

    sweep = load_sweep(args.spec)
    if not sweep.articles:
        print(f"skipped: no articles found for {args.spec} (is the data folder present?)")
        return 0
    sweep = run_sweep(args.spec, workers=args.workers, force=args.force, progress=not args.quiet)
    ok = sum(r.status == "ok" for r in sweep.runs)
    for r in sweep.runs:
        if r.status != "ok":
            print(f"FAILED {r.output}: {r.error}", file=sys.stderr)
    paths = summary_paths(sweep)
    print(f"{ok} of {len(sweep.runs)} runs ok; summary: {paths['csv']} {paths['html']}")
    return 0 if ok == len(sweep.runs) else 1
