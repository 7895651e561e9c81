"""``python -m analysis corpus``: the run, its printed summary, and the corpus report (notebook → HTML)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import one_line
from .runner import run_corpus


def render_notebook(*args, **kwargs) -> Path:
    """:func:`analysis.render.execute.render_notebook`, imported when a report is rendered (a corpus
    run that renders nothing does not pay for importing papermill and nbconvert)."""
    from ..render.execute import render_notebook as render

    return render(*args, **kwargs)


def render_corpus_report(corpus_dir: str | Path) -> Path:
    """Execute ``notebooks/corpus.ipynb`` on a corpus folder into ``corpus.ipynb`` and ``corpus.html`` there."""
    folder = Path(corpus_dir).resolve()
    return render_notebook("corpus", folder / "corpus.ipynb", {"corpus_dir": str(folder)}, title=f"corpus — {folder}")


def render_portrayal_report(corpus_dir: str | Path, out: str | Path | None = None, **parameters) -> Path:
    """Execute ``notebooks/portrayal.ipynb`` on a corpus folder into ``portrayal.ipynb`` / ``.html``.

    Rendered like every report (:func:`analysis.render.execute.render_notebook`: papermill, offline HTML
    without code). ``out`` defaults to the corpus folder; ``parameters`` are the notebook's.
    """
    folder = Path(corpus_dir).resolve()
    target = Path(out).resolve() if out else folder
    return render_notebook("portrayal", target / "portrayal.ipynb", {"corpus_dir": str(folder), **parameters},
                           title=f"portrayal — {folder}")


def render_story_report(source: str | Path, out_dir: str | Path, **parameters) -> Path:
    """Execute ``notebooks/story.ipynb`` into ``OUT/story.{ipynb,html}``; returns the HTML path.

    ``source``: a JSON Lines file of articles (parsed once, cached), or a corpus folder (with
    ``articles.parquet``): the story from its tables, nothing parsed again (``keywords`` then
    default to none). ``parameters`` are the notebook's.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    src = Path(source).resolve()
    if (src / "articles.parquet").exists():  # a corpus run
        parameters = {"corpus_dir": str(src), "keywords": "", **parameters}
    else:
        parameters = {"articles_path": str(src), **parameters}
    return render_notebook("story", folder / "story.ipynb", {"output_dir": str(folder.resolve()), **parameters})


#: Failed articles named one per line on stderr by the command line; the rest are counted.
_ERRORS_SHOWN = 20


def run_cli(args) -> int:
    """``python -m analysis corpus`` (arguments defined in :mod:`analysis.__main__`)."""
    summary = run_corpus(args.inputs, args.out, scheduler=args.scheduler, partition_size=args.partition_size,
                         n_workers=args.workers, progress=not args.quiet,
                         recycle_after=args.recycle_after or None, mention_sentiment=getattr(args, "portrayal", False),
                         quote_min_words=getattr(args, "quote_min_words", None), fresh=getattr(args, "fresh", False))
    for line in summary["corrupt_kept"]:
        print(line, file=sys.stderr)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("tables", "corrupt_kept")}))
    if getattr(args, "report", False):
        try:
            html = render_corpus_report(args.out)
        except Exception as err:  # noqa: BLE001 - the tables are written; say why the report is not
            print(f"{args.out}: corpus report failed: {type(err).__name__}: {one_line(err)}", file=sys.stderr)
            return 1
        print(f"report: {html}")
        if getattr(args, "portrayal", False):
            try:
                print(f"report: {render_portrayal_report(args.out)}")
            except Exception as err:  # noqa: BLE001 - the tables are written; say why the report is not
                print(f"{args.out}: portrayal report failed: {type(err).__name__}: {one_line(err)}", file=sys.stderr)
                return 1
    if summary["errors"]:
        import pyarrow.parquet as pq

        errors = pq.read_table(Path(args.out) / "errors.parquet").to_pylist()
        for row in errors[:_ERRORS_SHOWN]:
            print(row["error"] if row["error"].startswith(row["path"]) else f"{row['path']}: {row['error']}", file=sys.stderr)
        more = f" ({len(errors) - _ERRORS_SHOWN} more not shown)" if len(errors) > _ERRORS_SHOWN else ""
        print(f"{summary['errors']} article(s) could not be analysed{more}: see {Path(args.out) / 'errors.parquet'}", file=sys.stderr)
        return 1
    return 0
