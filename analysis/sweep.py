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

Each run writes its notebook, its HTML rendering ``X.html`` next to ``X.ipynb`` (the reports'
exporter) and, through the notebook's ``output_dir`` parameter, its CSVs into ``<output without
.ipynb>/``. A failed run keeps its partial notebook (rendered too, so the error cell can be read)
and is marked failed with a one-line error; the others go on. ``<sweep>-summary.json`` /
``.csv`` / ``.html`` in the output root record every run; the HTML page links each run's report
and notebook and compares runs (sentiment toward the same entities, also written tidy to
``<sweep>-entity-sentiment.csv``; key figures across grid settings). Re-running the sweep redoes
only missing or failed runs; an ok run whose ``.html`` is missing is only re-rendered.
"""
from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import os
import string
import time
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .config import NOTEBOOKS_DIR
from .errors import ParameterError, one_line
from .ingest import article_id, expand_inputs
from .runner import NotebookRunner

if TYPE_CHECKING:
    import pandas as pd

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


def render_run_html(output: str | Path, title: str = "") -> str:
    """Render an executed (or partially executed) run notebook ``X.ipynb`` to ``X.html`` next to it.

    Same exporter as the reports (:func:`analysis.report.html_exporter`: no code, no CDN scripts).

    Returns:
        ``""`` when written, else a one-line reason (the run itself is not affected).
    """
    import nbformat

    from .fileio import write_atomic
    from .report import html_exporter

    output = Path(output)
    try:
        nb = nbformat.read(output, as_version=4)
        body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title or output.stem}})
        write_atomic(output.with_suffix(".html"), body.encode("utf-8"))
        return ""
    except Exception as err:  # noqa: BLE001 - recorded in the run's error text
        return f"report not rendered: {type(err).__name__}: {' '.join(str(err).split())}"


def _run_title(notebook: str, parameters: dict) -> str:
    grid = ", ".join(f"{k}={v}" for k, v in parameters.items() if k not in ("article_path", "output_dir"))
    art = parameters.get("article_path", "")
    return " — ".join(x for x in (Path(notebook).stem, Path(art).name if art else "", grid) if x)


def execute_run(notebook: str, output: str, parameters: dict, cwd: str) -> tuple[str, str, float]:
    """Execute one run in this worker's shared kernel (papermill API) and render it to ``X.html``.

    The HTML is also rendered for a failed run whose partial notebook exists (its error cell is
    readable there). A rendering failure keeps the run's status and is appended to its error.

    Returns:
        (status, error, seconds); seconds include the rendering.
    """
    start = time.perf_counter()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    try:
        _worker_runner(cwd).run(notebook, output, parameters)
        status, error = "ok", ""
    except Exception as err:  # noqa: BLE001 - recorded in the summary; the sweep goes on
        status, error = "failed", one_line(err)
    if Path(output).exists():
        problem = render_run_html(output, _run_title(notebook, parameters))
        error = "; ".join(e for e in (error, problem) if e)
    return status, error, time.perf_counter() - start


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
        if "vader_smooth" in num:  # how far the smoothed arc swings: what the window changes
            out["arc_range"] = round(float(num["vader_smooth"].max() - num["vader_smooth"].min()), 3)
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


def entity_sentiment_path(sweep: Sweep) -> Path:
    """``<sweep>-entity-sentiment.csv`` in the output root (see :func:`entity_comparison`)."""
    return sweep.root / f"{sweep.path.stem}-entity-sentiment.csv"


def article_labels(articles: list[str]) -> dict[str, str]:
    """Short article names for tables: the file stem, ``{parent}-{stem}`` where stems collide."""
    stems: dict[str, set[str]] = {}
    for a in articles:
        stems.setdefault(Path(a).stem, set()).add(a)
    return {a: Path(a).stem if len(stems[Path(a).stem]) == 1 else f"{Path(a).parent.name}-{Path(a).stem}" for a in articles}


def _grid_of(run: Run, sweep: Sweep) -> dict[str, Any]:
    """The grid values this run takes (the notebook's own parameters only)."""
    return {g: run.parameters[g] for g in sweep.grid if g in run.parameters}


def _setting(values: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in values.items()) or "(no grid parameter)"


def entity_comparison(sweep: Sweep) -> pd.DataFrame:
    """Sentiment toward each entity in every ok run that wrote ``entity_sentiment.csv`` (tidy).

    One row per (run, entity). Columns: ``article`` (path), ``article_label`` (short name, as
    on the summary page), ``notebook``, one column per grid parameter of the sweep (``all`` when
    the notebook does not take it), ``run`` (label: article and the run's grid values),
    ``output`` (the run's notebook), ``entity``, ``entity_label``, ``sentences`` (sentences
    mentioning the entity), ``mean_score`` (mean of the per-sentence targeted ``score`` =
    p_positive − p_negative, in [-1, 1]: the ``mean_score`` of
    :func:`analysis.sentiment.entity_sentiment_summary`), ``runs`` (how many of these runs
    mention the entity). Empty (same columns) when no run wrote the file.
    """
    import pandas as pd

    labels = article_labels([r.article for r in sweep.runs])
    cols = ["article", "article_label", "notebook", *sweep.grid, "run", "output", "entity", "entity_label",
            "sentences", "mean_score", "runs"]
    frames = []
    for r in sweep.runs:
        path = Path(r.output).with_suffix("") / "entity_sentiment.csv"
        if r.status != "ok" or not path.exists():
            continue
        try:
            rows = pd.read_csv(path)
        except (OSError, ValueError):
            continue
        if rows.empty or not {"entity", "score"} <= set(rows.columns):
            continue
        if "entity_label" not in rows:
            rows["entity_label"] = ""
        g = rows.groupby("entity")
        per = pd.DataFrame({"entity_label": g["entity_label"].first(), "sentences": g.size(),
                            "mean_score": g["score"].mean().round(4)}).reset_index()
        grid = {k: r.parameters.get(k, UNUSED) for k in sweep.grid}
        run_label = " ".join([labels[r.article], *(f"{k}={v}" for k, v in _grid_of(r, sweep).items())])
        frames.append(per.assign(article=r.article, article_label=labels[r.article], notebook=r.notebook,
                                 run=run_label, output=r.output, **grid))
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["runs"] = out.groupby("entity")["run"].transform("nunique")
    return out[cols]


def _fmt(value: Any) -> str:
    """A table cell: integers as integers (also 21.0), floats to 4 decimals at most, blanks for missing."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{round(value, 4):g}"
    return str(value)


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value: Any, *, title: str = "", cls: str = "") -> str:
    classes = " ".join(c for c in (cls, "num" if _is_num(value) else "") if c)
    attrs = (f' class="{classes}"' if classes else "") + (f' title="{html.escape(title, quote=True)}"' if title else "")
    return f"<td{attrs}>{html.escape(_fmt(value))}</td>"


def _values_text(values: dict[str, list]) -> str:
    """``1, 3, 5`` for one parameter, ``window 1, 3; x 1, 2`` for several."""
    if len(values) == 1:
        return ", ".join(map(str, next(iter(values.values()))))
    return "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in values.items())


def _entity_section(sweep: Sweep, long: pd.DataFrame, top: int = 15) -> str:
    """HTML: pivot of mean targeted sentiment, entities × runs; identical runs share a column."""
    if long.empty:
        return ""
    esc = html.escape
    runs = [r for r in sweep.runs if r.output in set(long["output"])]
    by_run = {o: d.set_index("entity") for o, d in long.groupby("output", sort=False)}
    # Runs of one article whose entity tables are identical share a column.
    groups: dict[tuple, list[Run]] = {}
    for r in runs:
        d = by_run[r.output]
        sig = (r.article, r.notebook, tuple(sorted(zip(d.index, d["sentences"], d["mean_score"]))))
        groups.setdefault(sig, []).append(r)
    labels = article_labels([r.article for r in sweep.runs])
    columns = []  # (label, title, output of a representative run)
    collapsed: set[str] = set()
    for members in groups.values():
        grids = [_grid_of(m, sweep) for m in members]
        parts = []
        for k in grids[0]:
            vals = list(dict.fromkeys(g[k] for g in grids))
            parts.append(f"{k}={','.join(map(str, vals))}")
            if len(vals) > 1:
                collapsed.add(k)
        label = " ".join([labels[members[0].article], *parts])
        columns.append((label, members[0].article, members[0].output))
    note = ""
    if collapsed:
        names = ", ".join(sorted(collapsed))
        values = _values_text({k: sweep.grid[k] for k in sorted(collapsed)})
        verb = "does" if len(collapsed) == 1 else "do"
        if len(groups) == 1:
            note = (f"All {len(runs)} runs give identical entity scores: {names} ({values}) {verb} not change them, "
                    "so they are shown as one column.")
        else:
            note = f"Runs that differ only in {names} gave identical entity scores and share a column."
    need = min(2, len(runs))
    stats = long.groupby("entity").agg(runs=("run", "nunique"), sentences=("sentences", "sum"))
    stats["columns"] = [sum(e in by_run[o].index for _, _, o in columns) for e in stats.index]
    stats = stats[stats["runs"] >= need].reset_index()
    stats = stats.sort_values(["columns", "runs", "sentences", "entity"], ascending=[False, False, False, True])
    shown = stats.head(top)["entity"].tolist()
    more = len(stats) - len(shown)
    head = "".join(f'<th class="num" title="{esc(t, quote=True)}">{esc(lab)}</th>' for lab, t, _ in columns)
    body = []
    for e in shown:
        cells = []
        for _, _, o in columns:
            d = by_run[o]
            if e not in d.index:
                cells.append("<td></td>")
                continue
            score, n = float(d.at[e, "mean_score"]), int(d.at[e, "sentences"])
            tone = "pos" if score >= 0.25 else "neg" if score <= -0.25 else ""
            cells.append(f'<td class="num {tone}" title="{n} sentence{"s" if n != 1 else ""}">{score:+.2f} '
                         f'<span class="n">({n})</span></td>')
        label = by_run[next(o for _, _, o in columns if e in by_run[o].index)].at[e, "entity_label"]
        body.append(f'<tr><th class="ent" title="{esc(_fmt(label), quote=True)}">{esc(str(e))}</th>{"".join(cells)}</tr>')
    explain = ("Cells: mean targeted sentiment toward the entity (<code>mean_score</code>: mean over the sentences "
               "mentioning it of <code>score</code> = p_positive − p_negative, from −1 to +1, in each run's "
               "<code>entity_sentiment.csv</code>), (n) = sentences. "
               f"Rows: entities in at least {need} run{'s' if need > 1 else ''}, most runs and sentences first"
               + (f"; {more} more in the CSV." if more > 0 else "."))
    csv_name = entity_sentiment_path(sweep).name
    return (f'<h3>Sentiment toward entities</h3>{f"<p class=note>{esc(note)}</p>" if note else ""}'
            '<div class="wrap"><table class="cmp"><caption>Mean targeted sentiment toward each entity, by run</caption>'
            f'<thead><tr><th>entity</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            f'<p class="note small">{explain} All runs and entities: '
            f'<a href="{esc(csv_name, quote=True)}">{esc(csv_name)}</a>.</p>')


def _figures_section(sweep: Sweep) -> str:
    """HTML: per notebook taking grid parameters, its numeric key figures per article × setting."""
    esc = html.escape
    labels = article_labels([r.article for r in sweep.runs])
    out = []
    for name in sweep.notebooks:
        runs = [r for r in sweep.runs if r.notebook == name and r.status == "ok"]
        settings = list(dict.fromkeys(_setting(_grid_of(r, sweep)) for r in runs))
        if len(settings) < 2:
            continue
        figs = list(dict.fromkeys(k for r in runs for k, v in r.figures.items() if _is_num(v)))
        if not figs:
            continue
        cell = {(r.article, f, _setting(_grid_of(r, sweep))): r.figures.get(f) for r in runs for f in figs}
        arts = list(dict.fromkeys(r.article for r in runs))
        rows = [(a, f) for a in arts for f in figs]
        varying = [(a, f) for a, f in rows if len({cell.get((a, f, s)) for s in settings}) > 1]
        params = sorted({k for r in runs for k in _grid_of(r, sweep)})
        title = f"<h3>{esc(name)}: key figures by {esc(', '.join(params))}</h3>"
        if not varying:
            tried = _values_text({k: list(dict.fromkeys(r.parameters[k] for r in runs)) for k in params})
            out.append(f"{title}<p class=note>{esc(', '.join(figs))} do not change with {esc(' or '.join(params))} "
                       f"({esc(tried)}) for {'any article' if len(arts) > 1 else esc(labels[arts[0]])}.</p>")
            continue
        head = "".join(f'<th class="num">{esc(s)}</th>' for s in settings)
        body = "".join(
            f'<tr{"" if (a, f) in varying else " class=same"}><th class="ent" title="{esc(a, quote=True)}">'
            f"{esc(labels[a])}</th><th>{esc(f)}</th>"
            + "".join(_cell(cell.get((a, f, s))) for s in settings) + "</tr>" for a, f in rows)
        out.append(f'{title}<div class="wrap"><table class="cmp"><caption>Key figures per article and setting '
                   f'(rows in grey do not change across settings)</caption><thead><tr><th>article</th><th>figure</th>{head}</tr></thead><tbody>{body}</tbody></table></div>')
    return "".join(out)


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:1rem 1.5rem;color:#222}h2{margin-top:2rem}h3{margin-top:1.5rem}"
    "table{border-collapse:collapse;font-size:.85rem}.wrap{overflow-x:auto;max-width:100%}"
    "td,th{border-bottom:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}"
    "caption{text-align:left;font-weight:600;padding-bottom:.3rem}.small{font-size:.85rem;color:#555}"
    "thead th{background:#f4f4f4;white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "td{white-space:nowrap}td.err{white-space:normal;max-width:28em;color:#a00}tr.failed td{background:#fff3f3}"
    ".status-failed{color:#a00;font-weight:600}.links a{margin-right:.5em}.note{color:#444;max-width:60rem}"
    "td.pos{color:#1a7f37}td.neg{color:#b42318}.n{color:#888;font-size:.8em}tbody th{font-weight:normal}"
    "tr.same td{color:#888}"
)


def write_summary(sweep: Sweep) -> dict[str, Path]:
    """Write ``<sweep>-summary.json``, ``.csv`` and ``.html`` in the sweep's output root.

    Also ``<sweep>-entity-sentiment.csv`` (:func:`entity_comparison`) when some run wrote
    entity sentiment. The page lists every run (short article name, links to the run's HTML
    report and notebook, grid values, status, seconds, key figures, error) and compares runs:
    sentiment toward the same entities across runs, and key figures across grid settings.
    """
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
    for c in table.columns:  # counts stay integers (21, not 21.0) where some runs lack them
        vals = [row[c] for row in rows if row.get(c) is not None]
        if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            table[c] = table[c].astype("Int64")
    write_atomic(paths["csv"], table.to_csv(index=False, lineterminator="\n").encode("utf-8"))

    long = entity_comparison(sweep)
    if not long.empty:
        write_atomic(entity_sentiment_path(sweep), long.to_csv(index=False, lineterminator="\n").encode("utf-8"))

    esc = html.escape
    here = paths["html"].parent.resolve()

    def href(path: Path) -> str:
        try:
            rel = os.path.relpath(path.resolve(), here)
        except ValueError:
            rel = str(path.resolve())
        return esc(Path(rel).as_posix(), quote=True)

    def links(r: Run) -> str:
        nb, rep = Path(r.output), Path(r.output).with_suffix(".html")
        parts = [f'<a href="{href(rep)}">report</a>' if rep.exists() else "",
                 f'<a href="{href(nb)}">notebook</a>' if nb.exists() else ""]
        return f'<td class="links">{"".join(parts)}</td>'

    labels = article_labels([r.article for r in sweep.runs])
    figs = list(dict.fromkeys(k for r in sweep.runs for k in r.figures))
    cols = ["article", "", "notebook", *sweep.grid, "status", "seconds", *figs, "error"]
    numeric = {"seconds", *(f for f in figs if any(_is_num(r.figures.get(f)) for r in sweep.runs)),
               *(g for g in sweep.grid if any(_is_num(r.parameters.get(g)) for r in sweep.runs))}
    body = []
    for r in sweep.runs:
        err = r.error if len(r.error) <= 90 else r.error[:87].rstrip() + "…"
        cells = [
            _cell(labels[r.article], title=r.article),
            links(r),
            _cell(r.notebook, title=r.output),
            *(_cell(r.parameters.get(g, UNUSED), cls="num" if g in numeric else "") for g in sweep.grid),
            f'<td class="status-{esc(r.status, quote=True)}">{esc(r.status)}</td>',
            f'<td class="num">{r.seconds:.1f}</td>',
            *(_cell(r.figures.get(f)) for f in figs),
            _cell(err, title=r.error if err != r.error else "", cls="err"),
        ]
        body.append(f'<tr class="{"ok" if r.status == "ok" else "failed"}">{"".join(cells)}</tr>')
    head = "".join(f'<th{" class=num" if c in numeric else ""}>{esc(c or "open")}</th>' for c in cols)
    ok = sum(r.status == "ok" for r in sweep.runs)
    compare = _entity_section(sweep, long) + _figures_section(sweep)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Sweep {esc(sweep.path.stem)}</title><style>{_CSS}</style></head><body>"
        f"<h1>Sweep {esc(sweep.path.name)}</h1><p>{ok} of {len(sweep.runs)} runs ok · "
        f"updated {esc(doc['updated'])} · data: "
        f'<a href="{esc(paths["csv"].name, quote=True)}">{esc(paths["csv"].name)}</a>, '
        f'<a href="{esc(paths["json"].name, quote=True)}">{esc(paths["json"].name)}</a></p>'
        f'<div class="wrap"><table class="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        + (f"<h2>Comparison</h2>{compare}" if compare else "")
        + "</body></html>"
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
            if not Path(run.output).with_suffix(".html").exists():
                # Done before, report missing (deleted, or its rendering failed): re-render, no re-run.
                run.error = render_run_html(run.output, _run_title(run.notebook, run.parameters))
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
