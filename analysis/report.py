"""Render the report notebooks for articles: papermill → notebook, nbconvert → HTML, plus CSVs and an index.

Layout of an output folder::

    OUT/index.html                       every article, a one-line summary, links
    OUT/<article-id>/sentiment.ipynb     executed notebooks (papermill)
    OUT/<article-id>/sentiment.html      HTML without code cells, figures embedded with alt text
    OUT/<article-id>/sentences.csv       tables written by the notebooks
    OUT/<article-id>/entities.csv
    OUT/<article-id>/timeline.csv

A failing article is recorded (index and return value) and the others still render.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from .config import NOTEBOOKS_DIR
from .errors import AnalysisError, ArticleError, one_line, ParameterError
from .ingest import expand_inputs, load_article, parse_date
from .fileio import write_atomic
from .runner import EncryptedKernelManager, NotebookRunner

#: Report notebooks, in the order they are rendered and linked.
NOTEBOOKS = ("sentiment", "entities", "timeline")


@dataclass
class ArticleReport:
    """Outcome of rendering one article.

    Attributes:
        source: the article path.
        article_id: its id (the output sub-folder), None when it could not be loaded.
        title: its title when loaded.
        outputs: notebook name → HTML path, for the notebooks that rendered.
        error: one-line error, None on success.
        seconds: wall time.
    """

    source: str
    article_id: str | None = None
    title: str = ""
    published: str = ""
    outlet: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


#: The lab template minus the scripts it loads from a CDN (require.js, MathJax, mermaid): the
#: reports hold no widgets, math or diagrams, and must open offline without console errors.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def html_exporter():
    """nbconvert HTML exporter without code cells, prompts or CDN scripts (figures stay embedded)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file="offline.html.j2",
        extra_loaders=[DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


_TYPES = {"str": (str,), "int": (int,), "float": (float, int), "bool": (bool,)}


def check_notebook_parameters(notebook: str, parameters: dict) -> None:
    """Reject parameters the notebook does not declare, or of the wrong type, before running it.

    papermill only logs a warning for an unknown name (a typo would silently keep the default).

    Raises:
        ParameterError: one line naming the notebook, the parameter and what it accepts.
    """
    import papermill as pm

    declared = pm.inspect_notebook(str(NOTEBOOKS_DIR / f"{notebook}.ipynb"))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{notebook} notebook: unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" (it takes {', '.join(declared)})")
    for name, value in parameters.items():
        want = declared[name].get("inferred_type_name")
        types = _TYPES.get(want or "")
        if types and (not isinstance(value, types) or (isinstance(value, bool) and want != "bool")):
            raise ParameterError(f"{notebook} notebook: parameter {name!r} must be {want}, got {type(value).__name__} {value!r}")


def execute(notebook: str, output: Path, parameters: dict, *, runner: NotebookRunner | None = None) -> Path:
    """Execute one report notebook with papermill and render it to HTML next to it.

    The notebook is executed into a temporary file that replaces ``output`` at the end (also
    after a failure, so the error cell can be read): ``output`` is never half written.

    Args:
        notebook: name in ``notebooks/``.
        output: path of the executed notebook; the HTML goes next to it.
        parameters: papermill parameters (checked against the notebook's declarations).
        runner: a :class:`~analysis.runner.NotebookRunner` to reuse its kernel; None starts
            a fresh kernel for this notebook.

    Raises:
        ParameterError: an unknown parameter or one of the wrong type (nothing is run).
        papermill.PapermillExecutionError: a cell failed (the executed notebook is still written).
    """
    import nbformat
    import papermill as pm

    check_notebook_parameters(notebook, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    source = NOTEBOOKS_DIR / f"{notebook}.ipynb"
    partial = output.with_name(f".{output.stem}.partial.ipynb")
    try:
        if runner is not None:
            runner.run(source, partial, parameters)
        else:
            pm.execute_notebook(str(source), str(partial), parameters=parameters, cwd=str(NOTEBOOKS_DIR),
                                progress_bar=False, log_output=False, kernel_manager_class=EncryptedKernelManager)
    finally:
        if partial.exists():
            os.replace(partial, output)
    nb = nbformat.read(output, as_version=4)
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": f"{notebook} — {parameters.get('article_path') or parameters.get('corpus_dir', '')}"}})
    html_path = output.with_suffix(".html")
    write_atomic(html_path, body.encode("utf-8"))
    return html_path


def render_article(path: str | Path, out_dir: str | Path, *, published: str = "", notebooks: Iterable[str] = NOTEBOOKS,
                   runner: NotebookRunner | None = None) -> ArticleReport:
    """Render every report notebook for one article into ``out_dir/<article-id>/``.

    Never raises for a bad article: the error is in the returned report.

    Args:
        runner: reuse this runner's kernel (see :func:`execute`).
    """
    start = time.perf_counter()
    report = ArticleReport(source=str(path))
    try:
        article = load_article(path, published=published or None)
    except AnalysisError as err:
        report.error = str(err) if isinstance(err, ArticleError) or str(err).startswith(str(path)) else f"{path}: {err}"
        report.seconds = time.perf_counter() - start
        return report
    report.article_id, report.title = article.id, article.title
    report.published = f"{article.published:%Y-%m-%d}" + (" (inferred)" if article.published_source == "inferred" else "") if article.published else ""
    report.outlet = article.outlet or ""
    target = Path(out_dir) / article.id
    params = {"article_path": str(Path(path).resolve()), "published": published or "", "output_dir": str(target.resolve())}
    for name in notebooks:
        try:
            report.outputs[name] = execute(name, target / f"{name}.ipynb", params, runner=runner)
        except Exception as err:  # noqa: BLE001 - a failed notebook is recorded, the others still run
            report.error = f"{path}: {name} notebook failed: {one_line(err)}"
    report.seconds = time.perf_counter() - start
    return report


def summarize(report: ArticleReport, out_dir: Path) -> str:
    """One-line summary of an article from the CSVs its notebooks wrote."""
    if not report.article_id:
        return ""
    folder = out_dir / report.article_id
    parts = []
    sents = _read_csv(folder / "sentences.csv")
    if sents is not None and len(sents):
        parts.append(f"{len(sents)} sentences, mean polarity {sents['polarity'].mean():+.2f} (VADER {sents['vader_compound'].mean():+.2f})")
    ents = _read_csv(folder / "entities.csv")
    if ents is not None and len(ents):
        top = ents.nlargest(3, "mentions")
        parts.append("top entities: " + ", ".join(f"{e} ({n})" for e, n in zip(top["entity"], top["mentions"])))
    tl = _read_csv(folder / "timeline.csv")
    if tl is not None:
        dated = tl.assign(date=pd.to_datetime(tl["date"], errors="coerce")).dropna(subset=["date"]).sort_values("date")
        span = f", {len(dated)} dated from {dated['value'].iloc[0]} to {dated['value'].iloc[-1]}" if len(dated) else ""
        parts.append(f"{len(tl)} time expressions{span}")
    return "; ".join(parts)


def _read_csv(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path)
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return None


_INDEX_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;vertical-align:top}
.err{color:#a00}.meta{color:#666;font-size:.9em}a{margin-right:.6rem}
"""


def write_index(reports: list[ArticleReport], out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` linking every report, with a one-line summary per article."""
    rows = []
    for r in reports:
        links = " ".join(
            f'<a href="{html.escape(str(p.relative_to(out_dir)), quote=True)}">{html.escape(name)}</a>'
            for name, p in r.outputs.items()
        )
        status = f'<div class="err">failed: {html.escape(r.error)}</div>' if r.error else ""
        meta = " · ".join(x for x in (r.outlet, r.published, Path(r.source).name) if x)
        rows.append(
            f"<tr><td><strong>{html.escape(r.title or '(not loaded)')}</strong>"
            f'<div class="meta">{html.escape(meta)}</div>{status}</td>'
            f"<td>{html.escape(summarize(r, out_dir))}</td><td>{links}</td></tr>"
        )
    ok = sum(r.ok for r in reports)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>News analysis reports</title><style>{_INDEX_CSS}</style></head><body>"
        f"<h1>News analysis reports</h1><p class=\"meta\">{ok} of {len(reports)} articles rendered · "
        f"generated {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC</p>"
        "<table><thead><tr><th>Article</th><th>Summary</th><th>Reports</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>"
    )
    path = out_dir / "index.html"
    write_atomic(path, page.encode("utf-8"))
    return path


def _report_id(path: Path) -> str | None:
    """The report folder an input will get (None when it cannot be loaded: its error says why)."""
    from .ingest import JSONL_LINE_RE, article_id

    if not JSONL_LINE_RE.match(str(path)):
        return article_id(path.name)
    try:
        return load_article(path, infer_published=False).id
    except AnalysisError:
        return None


def render_reports(inputs: Iterable[str | Path], out_dir: str | Path, *, published: str = "", progress: bool = True) -> list[ArticleReport]:
    """Render reports for every article in ``inputs`` (files, folders, globs) and the index.

    The index (``out_dir/index.html``) is written when at least one article was rendered.

    Raises:
        ParameterError: ``published`` is not a valid date (checked before any work).
    """
    parse_date(published or None)
    out_dir = Path(out_dir)
    from tqdm.auto import tqdm

    from .ingest import is_jsonl, jsonl_line_refs

    paths: list[Path] = []
    for path in expand_inputs(inputs):  # a JSON Lines file is one report per line ("batch.jsonl:3"), .jsonl.gz too
        paths.extend(map(Path, jsonl_line_refs(path)) if is_jsonl(path) and path.exists() else [path])

    reports = []
    first_by_id: dict[str, Path] = {}
    with NotebookRunner() as runner:  # one kernel for the whole batch
        for path in tqdm(paths, desc="articles", unit="article", disable=not progress or len(paths) < 2):
            aid = _report_id(path)
            if aid is not None and aid in first_by_id:  # e.g. a/x.txt and b/x.txt: one would overwrite the other
                reports.append(ArticleReport(source=str(path), error=f"{path}: same report folder {aid!r} as "
                                             f"{first_by_id[aid]}; rename one of the files"))
                continue
            if aid is not None:
                first_by_id[aid] = path
            reports.append(render_article(path, out_dir, published=published, runner=runner))
    if any(r.ok for r in reports):  # an index of nothing but failures would look like a result
        write_index(reports, out_dir)
    return reports
