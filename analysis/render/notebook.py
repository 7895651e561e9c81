"""Small helpers the report notebooks call, so the notebooks hold no logic of their own.

Everything shown goes through here: untrusted article text is HTML-escaped, figures carry
alt text into the HTML report, tables are written atomically when an output folder is given.
"""
from __future__ import annotations

import functools
import html
import io
import os
import re
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..config import PROJ_ROOT
from ..fileio import write_atomic
from ..io.dates import parse_date
from ..io.expand import split_ref
from ..io.ingest import SIDECAR_SUFFIX, article_id, load_article
from ..params import check_parameters
from ..types import Article
from .numbers import format_number

__all__ = ["article_header", "check_parameters", "looks_english", "open_article", "resolve_path", "save_table",
           "show_figure", "show_html", "show_table", "show_text"]


def resolve_path(path: str | os.PathLike) -> Path:
    """A path as given, or relative to the project root when it does not exist as given."""
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p
    alt = PROJ_ROOT / p
    if alt.exists():
        return alt
    alt = PROJ_ROOT / "notebooks" / p  # notebook defaults are relative to notebooks/
    return alt if alt.exists() else p


def open_article(article_path: str, *, published: str = "", title: str = "", outlet: str = "") -> Article:
    """Load an article for a notebook from its (string) parameters.

    Empty strings mean "not given": the sidecar, the file or inference decide.

    Raises:
        ParameterError: a parameter has the wrong type or an impossible date.
        ArticleError: the file cannot be read or holds no article.
    """
    check_parameters(article_path=(article_path, str), published=(published, str), title=(title, str), outlet=(outlet, str))
    parse_date(published, source=article_path)
    path = resolve_path(article_path)
    return _load(str(path), _stamp(path), published or None, title or None, outlet or None)


def _stamp(path: Path) -> tuple:
    """What a load depends on besides the arguments: size and mtime of the file and its sidecar."""
    file = Path(split_ref(str(path))[0])
    sidecar = file.with_name(article_id(file.name) + SIDECAR_SUFFIX)
    return tuple((s.st_size, s.st_mtime_ns) if (s := _stat(f)) else None for f in (file, sidecar))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


@functools.lru_cache(maxsize=8)
def _load(path: str, stamp: tuple, published: str | None, title: str | None, outlet: str | None) -> Article:
    """One load per article and parameters in this process: the report notebooks run one after
    another in one kernel (:class:`~analysis.render.kernel.NotebookRunner`) and share it.
    Errors are not cached. ``stamp`` (:func:`_stamp`) makes an edited file load again."""
    return load_article(Path(path), published=published, title=title, outlet=outlet)


_ENGLISH_WORDS = frozenset(
    "the a an and or but of to in on at for with by from as is are was were be been has have had "
    "it its this that these those he she they we you his her their our not no said will would".split()
)


def looks_english(article: Article) -> bool:
    """False when the sidecar/page says another language, or the text has few English function words.

    Every analysis (spaCy, TextBlob, VADER, the TIMEX rules) is English-only; a report on other
    text must say so rather than show confident nonsense.
    """
    if article.language:
        return article.language.lower().startswith("en")
    words = re.findall(r"[^\W\d_]+", " ".join([article.title, *article.paragraphs]).lower())
    if len(words) < 12:
        return True  # too short to judge
    return sum(w in _ENGLISH_WORDS for w in words) / len(words) >= 0.12


def article_header(article: Article) -> str:
    """HTML block with the escaped title and metadata, flagging an inferred or missing date and non-English text."""
    if article.published is None:
        date = "publication date unknown (relative dates left unresolved)"
    elif article.published_source == "inferred":
        date = f"published {article.published:%Y-%m-%d} (inferred from the text: no date was given)"
    else:
        date = f"published {article.published:%Y-%m-%d} (from {article.published_source})"
    meta = " · ".join(x for x in (article.outlet or "", date, f"{len(article.paragraphs)} paragraphs", f"source: {Path(article.source).name}") if x)
    warn = ""
    if not article.paragraphs:
        warn += "<p><strong>Only a title: the article has no body text.</strong></p>"
    if not looks_english(article):
        lang = f" ({article.language})" if article.language else ""
        warn += (f"<p><strong>This article does not look like English{html.escape(lang)}: the analyses are "
                 "English-only, so the scores, entities and dates below are unreliable.</strong></p>")
    return f"<h2>{html.escape(article.title or '(untitled)')}</h2><p><em>{html.escape(meta)}</em></p>{warn}"


def show_figure(fig: Figure, alt: str) -> None:
    """Display a figure as PNG with alt text, then close it.

    The output carries both an ``<img alt=...>`` (which JupyterLab and nbconvert's HTML
    prefer, so the alt text reaches the report) and the plain PNG with ``alt`` metadata.
    """
    import base64

    import matplotlib.pyplot as plt
    from IPython.display import display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    img = f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" style="max-width:100%">'
    display({"text/html": img, "image/png": data, "text/plain": alt}, raw=True, metadata={"image/png": {"alt": alt}})


def show_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def show_text(text: str, tag: str = "p") -> None:
    """Display untrusted text (escaped) in an HTML element."""
    show_html(f"<{tag}>{html.escape(text)}</{tag}>")


_TABLE_STYLE = (
    "<style>.report-table td,.report-table th{text-align:left !important;vertical-align:top;padding:2px 8px}"
    ".report-table{border-collapse:collapse;font-size:13px}.report-table tr:nth-child(even){background:#f6f6f6}</style>"
)


def show_table(df: pd.DataFrame, *, max_rows: int = 60, caption: str | None = None,
               hide: tuple[str, ...] = ("article_id",), collapse: str | None = None, collapse_after: int = 25) -> None:
    """Display a DataFrame as an escaped HTML table (article text never becomes markup).

    Args:
        hide: columns left out (default ``article_id``: the same on every row of a report).
        collapse: a table longer than ``collapse_after`` rows is shown folded (``<details>``)
            under this summary line, with its row count; shorter ones are shown open.
    """
    shown = df.drop(columns=[c for c in hide if c in df.columns]).head(max_rows).copy()
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_float_dtype(shown[col]) or shown[col].dtype == object:
            shown[col] = shown[col].map(format_number)
    table = _TABLE_STYLE + shown.to_html(index=False, escape=True, border=0, classes="dataframe report-table", na_rep="")
    more = f"<p><em>{len(df) - max_rows} more rows in the CSV.</em></p>" if len(df) > max_rows else ""
    cap = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    if collapse and len(df) > collapse_after:
        show_html(f"{cap}<details><summary>{html.escape(collapse)} ({len(df)} rows)</summary>{table}{more}</details>")
    else:
        show_html(cap + table + more)


def save_table(df: pd.DataFrame, output_dir: str, name: str) -> Path | None:
    """Write ``df`` as ``<output_dir>/<name>`` (CSV, UTF-8, no index) atomically; skip when output_dir is ""."""
    if not output_dir:
        return None
    path = Path(output_dir) / name
    write_atomic(path, df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return path
