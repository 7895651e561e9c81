"""Parameter sweeps, the summary: ``<sweep>-summary.json`` / ``.csv`` / ``.html`` and the run comparisons.

The HTML page lists every run (links to its report and notebook, grid values, status, key
figures, error) and compares runs: sentiment toward the same entities across runs (also written
tidy to ``<sweep>-entity-sentiment.csv``) and key figures across grid settings.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .numbers import format_number
from .outputs import ARC_CSV, ENTITIES_CSV, ENTITY_SENTIMENT_CSV, SENTENCES_CSV, TIMELINE_CSV, read_run_table
from .sweep_spec import UNUSED, Run, Sweep

if TYPE_CHECKING:
    import pandas as pd


def key_figures(run: Run) -> dict[str, Any]:
    """A few numbers per run from the CSVs its notebook wrote into its ``output_dir``."""
    import pandas as pd

    folder = Path(run.output).with_suffix("")
    out: dict[str, Any] = {}

    sents = read_run_table(folder, SENTENCES_CSV)
    if sents is not None and len(sents):
        out["sentences"] = len(sents)
        out["mean_polarity"] = round(float(sents["polarity"].mean()), 3)
        out["mean_vader"] = round(float(sents["vader_compound"].mean()), 3)
    arc = read_run_table(folder, ARC_CSV)
    if arc is not None and len(arc):
        num = arc.select_dtypes("number")
        if "vader_smooth" in num:  # how far the smoothed arc swings: what the window changes
            out["arc_range"] = round(float(num["vader_smooth"].max() - num["vader_smooth"].min()), 3)
    ents = read_run_table(folder, ENTITIES_CSV)
    if ents is not None and len(ents) and "mentions" in ents:
        out["entities"] = len(ents)
        top = ents.nlargest(1, "mentions")
        out["top_entity"] = f"{top['entity'].iloc[0]} ({int(top['mentions'].iloc[0])})"
    tl = read_run_table(folder, TIMELINE_CSV)
    if tl is not None:
        out["timexes"] = len(tl)
        dated = pd.to_datetime(tl.get("date", pd.Series(dtype=str)), errors="coerce").dropna()
        if len(dated):
            out["span"] = f"{dated.min():%Y-%m-%d}..{dated.max():%Y-%m-%d}"
    return out


def summary_paths(sweep: Sweep) -> dict[str, Path]:
    name = sweep.path.stem
    return {ext: sweep.root / f"{name}-summary.{ext}" for ext in ("json", "csv", "html")}


def read_previous(sweep: Sweep) -> dict[str, dict]:
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
    :func:`analysis.articles.entity_sentiment.entity_sentiment_summary`), ``runs`` (how many of these runs
    mention the entity). Empty (same columns) when no run wrote the file.
    """
    import pandas as pd

    labels = article_labels([r.article for r in sweep.runs])
    cols = ["article", "article_label", "notebook", *sweep.grid, "run", "output", "entity", "entity_label",
            "sentences", "mean_score", "runs"]
    frames = []
    for r in sweep.runs:
        rows = read_run_table(Path(r.output).with_suffix(""), ENTITY_SENTIMENT_CSV) if r.status == "ok" else None
        if rows is None or rows.empty or not {"entity", "score"} <= set(rows.columns):
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


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value: Any, *, title: str = "", cls: str = "") -> str:
    classes = " ".join(c for c in (cls, "num" if _is_num(value) else "") if c)
    attrs = (f' class="{classes}"' if classes else "") + (f' title="{html.escape(title, quote=True)}"' if title else "")
    return f"<td{attrs}>{html.escape(format_number(value))}</td>"


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
        body.append(f'<tr><th class="ent" title="{esc(format_number(label), quote=True)}">{esc(str(e))}</th>{"".join(cells)}</tr>')
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

    from ..fileio import write_atomic

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
