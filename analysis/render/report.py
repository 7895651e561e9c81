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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..errors import AnalysisError, ArticleError, one_line
from ..fileio import write_atomic
from ..io.dates import parse_date
from ..io.expand import article_refs, split_ref
from ..io.ingest import article_id, load_article
from ..types import Article
from .execute import render_notebook
from .kernel import NotebookRunner
from .outputs import ENTITIES_CSV, SENTENCES_CSV, TIMELINE_CSV, read_run_table

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


def render_article(path: str | Path, out_dir: str | Path, *, published: str = "", notebooks: Iterable[str] = NOTEBOOKS,
                   runner: NotebookRunner | None = None, article: Article | None = None) -> ArticleReport:
    """Render every report notebook for one article into ``out_dir/<article-id>/``.

    Never raises for a bad article: the error is in the returned report.

    Args:
        path: an article reference (a file, or ``batch.jsonl:3``).
        runner: reuse this runner's kernel (see :func:`~analysis.render.execute.render_notebook`).
        article: the article already loaded from ``path`` (with ``published``); default: loaded here.
    """
    start = time.perf_counter()
    report = ArticleReport(source=str(path))
    try:
        if article is None:
            article = load_article(path, published=published or None)
    except AnalysisError as err:
        report.error = str(err) if isinstance(err, ArticleError) or str(err).startswith(str(path)) else f"{path}: {err}"
        report.seconds = time.perf_counter() - start
        return report
    report.article_id, report.title = article.id, article.title
    report.published = f"{article.published:%Y-%m-%d}" + (" (inferred)" if article.published_source == "inferred" else "") if article.published else ""
    report.outlet = article.outlet or ""
    target = Path(out_dir) / article.id
    article_path = str(Path(path).resolve())
    params = {"article_path": article_path, "published": published or "", "output_dir": str(target.resolve())}
    for name in notebooks:
        try:
            report.outputs[name] = render_notebook(name, target / f"{name}.ipynb", params, runner=runner,
                                                   title=f"{name} — {article_path}")
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
    sents = read_run_table(folder, SENTENCES_CSV)
    if sents is not None and len(sents):
        parts.append(f"{len(sents)} sentences, mean polarity {sents['polarity'].mean():+.2f} (VADER {sents['vader_compound'].mean():+.2f})")
    ents = read_run_table(folder, ENTITIES_CSV)
    if ents is not None and len(ents):
        top = ents.nlargest(3, "mentions")
        parts.append("top entities: " + ", ".join(f"{e} ({n})" for e, n in zip(top["entity"], top["mentions"])))
    tl = read_run_table(folder, TIMELINE_CSV)
    if tl is not None:
        dated = tl.assign(date=pd.to_datetime(tl["date"], errors="coerce")).dropna(subset=["date"]).sort_values("date")
        span = f", {len(dated)} dated from {dated['value'].iloc[0]} to {dated['value'].iloc[-1]}" if len(dated) else ""
        parts.append(f"{len(tl)} time expressions{span}")
    return "; ".join(parts)


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


def render_reports(inputs: Iterable[str | Path], out_dir: str | Path, *, published: str = "", progress: bool = True) -> list[ArticleReport]:
    """Render reports for every article in ``inputs`` (files, folders, globs) and the index.

    A JSON Lines file is one report per line (:func:`~analysis.io.expand.article_refs`). Each
    article is loaded once here; the notebooks then share one load in the runner's kernel
    (:func:`~analysis.render.notebook.open_article`). The index (``out_dir/index.html``) is
    written when at least one article was rendered.

    Raises:
        ParameterError: ``published`` is not a valid date (checked before any work).
    """
    parse_date(published or None)
    out_dir = Path(out_dir)
    from tqdm.auto import tqdm

    refs = article_refs(inputs)
    reports = []
    first_by_id: dict[str, str] = {}
    with NotebookRunner() as runner:  # one kernel for the whole batch
        for ref in tqdm(refs, desc="articles", unit="article", disable=not progress or len(refs) < 2):
            try:
                article = load_article(ref, published=published or None)
            except AnalysisError:
                article = None  # render_article records the error
            # a file's report folder is its name's id even when it cannot be loaded
            aid = article.id if article is not None else None if split_ref(ref)[1] else article_id(Path(ref).name)
            if aid is not None and aid in first_by_id:  # e.g. a/x.txt and b/x.txt: one would overwrite the other
                reports.append(ArticleReport(source=ref, error=f"{ref}: same report folder {aid!r} as "
                                             f"{first_by_id[aid]}; rename one of the files"))
                continue
            if aid is not None:
                first_by_id[aid] = ref
            reports.append(render_article(ref, out_dir, published=published, runner=runner, article=article))
    if any(r.ok for r in reports):  # an index of nothing but failures would look like a result
        write_index(reports, out_dir)
    return reports
