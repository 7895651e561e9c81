"""Ingestion: files (plain text, HTML, JSON Lines) to cleaned :class:`Article` records.

Plain text: the first line is the title, then the body (the shape of scraped pages and of
the BBC corpus). A metadata sidecar ``<stem>.meta.yml`` beside the file (keys ``title``,
``outlet``, ``published``, ``language``, ``url``) is read when present; every field can be
overridden by keyword arguments (the notebooks' parameters).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Collection, Iterator

import yaml

from .clean import clean_text
from .dates import infer_dct, parse_date
from ..errors import ArticleError, ParameterError, one_line
from ..types import Article

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
#: gzip-compressed JSON Lines (``x.jsonl.gz``): read as a stream, like ``.jsonl``.
GZIP_SUFFIX = ".gz"
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
SIDECAR_SUFFIX = ".meta.yml"
#: Largest article file read (HTML pages carry markup; a news story is rarely over 100 kB of text).
MAX_BYTES = 5 * 1024 * 1024
#: Longest article text analysed: spaCy's default ``nlp.max_length``; checked before cleaning.
MAX_CHARS = 1_000_000

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def is_jsonl(path: str | Path) -> bool:
    """Whether ``path`` names a JSON Lines file, plain (``.jsonl``, ``.ndjson``) or gzipped (``.jsonl.gz``)."""
    name = Path(path).name.lower()
    name = name[: -len(GZIP_SUFFIX)] if name.endswith(GZIP_SUFFIX) else name
    return Path(name).suffix in JSONL_SUFFIXES


def article_id(name: str) -> str:
    """A file-system-safe id: the name itself when already safe, else a slug of it."""
    name = Path(name).name
    for suffix in (SIDECAR_SUFFIX, *sorted(ARTICLE_SUFFIXES - {""}, key=len, reverse=True)):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if _SAFE_ID.match(name) and ".." not in name:
        return name
    from slugify import slugify

    return slugify(name, max_length=80) or "article"


def read_text_file(path: Path) -> str:
    """Read a text file whatever its encoding (UTF-8, UTF-16 with BOM, Latin-1, ...).

    Raises:
        ArticleError: missing file, directory, binary content, undecodable or oversized file.
    """
    if not path.exists():
        raise ArticleError(path, "no such file")
    if path.is_dir():
        raise ArticleError(path, "is a directory, not an article file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ArticleError(path, f"file is {size / 1e6:.0f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit for one article")
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if b"\x00" in data[:8192]:
        raise ArticleError(path, "binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ArticleError(path, "could not detect the text encoding")
    return str(best)


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata from ``<stem>.meta.yml`` next to ``path`` ({} when absent)."""
    sidecar = path.with_name(article_id(path.name) + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ArticleError(sidecar, f"invalid YAML sidecar ({str(err).splitlines()[0]})") from None
    except ValueError as err:  # YAML timestamps are built eagerly: published: 2020-02-30
        raise ArticleError(sidecar, f"impossible date in the sidecar ({err}); expected a real YYYY-MM-DD") from None
    if not isinstance(meta, dict):
        raise ArticleError(sidecar, "sidecar must be a mapping of title/outlet/published/language")
    return meta


def build_article(
    raw: str,
    *,
    id: str,
    source: str,
    title: str | None = None,
    published: Any = None,
    published_source: str = "none",
    outlet: str | None = None,
    language: str | None = None,
    url: str | None = None,
    infer_published: bool = True,
    topic: str | None = None,
    bias: str | None = None,
) -> Article:
    """Clean ``raw`` (title first line, then body) into an :class:`Article`.

    Raises:
        ArticleError: when nothing but whitespace is left.
    """
    if len(raw) > MAX_CHARS:
        raise ArticleError(source, f"article text is {len(raw):,} characters, over the {MAX_CHARS:,} limit for one article")
    result = clean_text(raw)
    if not result.text.strip():
        raise ArticleError(source, "empty article (no text after cleaning)")
    paragraphs = result.paragraphs
    head = result.title
    if title and title.strip() and head.strip() != title.strip():
        # A title given explicitly wins; the first line is body unless it repeats the title.
        paragraphs = [head, *paragraphs] if head.strip().casefold() != title.strip().casefold() else paragraphs
        head = title.strip()
    date = parse_date(published, source=source)
    if date is None:
        published_source = "none"
        if infer_published:
            date = infer_dct("\n\n".join([head, *paragraphs]))
            published_source = "inferred" if date else "none"
    return Article(
        id=id,
        title=head,
        paragraphs=tuple(paragraphs),
        published=date,
        published_source=published_source,
        outlet=outlet,
        language=language,
        source=source,
        url=url,
        removed=result.removed,
        topic=topic,
        bias=bias,
    )


def _from_html(html: str, path: Path) -> dict[str, Any]:
    import trafilatura
    from htmldate import find_date

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise ArticleError(path, "no article text found in the HTML page")
    title = (getattr(doc, "title", None) or "").strip()
    date = getattr(doc, "date", None) or find_date(html, extensive_search=False, original_date=True)
    return {
        "raw": (title + "\n\n" + text) if title else text,
        "published": date,
        "outlet": getattr(doc, "sitename", None),
        "language": getattr(doc, "language", None),
        "url": getattr(doc, "url", None),
    }


def load_article(
    path: str | Path,
    *,
    title: str | None = None,
    published: Any = None,
    outlet: str | None = None,
    language: str | None = None,
    infer_published: bool = True,
) -> Article:
    """Load and clean one article file (``.txt`` or ``.html``).

    Keyword arguments override the sidecar and whatever the file says (``None`` keeps them).

    Raises:
        ArticleError: the file is missing, unreadable, binary, empty, or holds no article.
        ParameterError: an override has the wrong type or an impossible date.
    """
    if m := JSONL_LINE_RE.match(str(path)):  # one line of a JSON Lines file: "batch.jsonl:3"
        return _jsonl_line(Path(m["file"]), int(m["line"]), title=title, published=published, outlet=outlet,
                           language=language, infer_published=infer_published)
    path = Path(path)
    if is_jsonl(path):
        articles = list(load_jsonl(path))
        if len(articles) != 1:
            raise ArticleError(path, f"holds {len(articles)} articles; name one line as {path}:N or use load_articles()")
        if isinstance(articles[0], ArticleError):
            raise articles[0]
        return articles[0]
    raw = read_text_file(path)
    meta: dict[str, Any] = {"published_source": "sidecar"}
    if path.suffix.lower() in HTML_SUFFIXES:
        meta = {"published_source": "html", **_from_html(raw, path)}
        raw = meta.pop("raw")
    meta.update({k: v for k, v in read_sidecar(path).items() if v not in (None, "")})
    overrides = {"title": title, "outlet": outlet, "language": language}
    meta.update({k: v for k, v in overrides.items() if v is not None})
    if published not in (None, ""):
        meta["published"], meta["published_source"] = published, "parameter"
    if not raw.strip():
        raise ArticleError(path, "empty file (no text)")
    return build_article(
        raw,
        id=article_id(path.name),
        source=str(path),
        title=meta.get("title"),
        published=meta.get("published"),
        published_source=meta.get("published_source", "none"),
        outlet=meta.get("outlet"),
        language=meta.get("language"),
        url=meta.get("url"),
        infer_published=infer_published,
    )


JSONL_LINE_RE = re.compile(r"^(?P<file>.+\.(?:jsonl|ndjson)(?:\.gz)?):(?P<line>\d+)$", re.IGNORECASE)


def iter_jsonl_lines(path: str | Path) -> Iterator[tuple[int, str | ArticleError]]:
    """``(line number, line)`` of a JSON Lines file, read as a stream (gzip when ``.gz``).

    Blank lines are skipped. A gzip stream that breaks off (truncated or corrupt file) ends
    the iteration with one ``(n, ArticleError)`` naming ``file:n``, the line where it broke;
    the lines read before the break have been yielded.

    Raises:
        ArticleError: the file is missing or is a directory.
    """
    import gzip
    import zlib

    path = Path(path)
    if not path.exists():
        raise ArticleError(path, "no such file")
    if path.is_dir():
        raise ArticleError(path, "is a directory, not an article file")
    gz = path.name.lower().endswith(GZIP_SUFFIX)
    n = 0
    opener = gzip.open(path, "rt", encoding="utf-8-sig", errors="replace") if gz else \
        path.open(encoding="utf-8-sig", errors="replace")
    with opener as fh:
        try:
            for n, line in enumerate(fh, start=1):
                if line.strip():
                    yield n, line
        except (EOFError, OSError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
            yield n + 1, ArticleError(f"{path}:{n + 1}", f"compressed stream broken after line {n} "
                                      f"({one_line(err)}); the {n} lines before were read")


def _jsonl_line(path: Path, line: int, **overrides: Any) -> Article:
    """Load line ``line`` (1-based) of a JSON Lines file, applying the non-None overrides."""
    import dataclasses

    infer = overrides.pop("infer_published", True)
    where = f"{path}:{line}"
    found = next(iter(load_jsonl(path, infer_published=infer, lines={line})), None)
    if found is None:
        raise ArticleError(where, "no such line (or a blank one) in the JSON Lines file")
    if isinstance(found, ArticleError):
        raise found
    changes = {k: v for k, v in overrides.items() if v is not None and k != "published"}
    if overrides.get("published") not in (None, ""):
        changes.update(published=parse_date(overrides["published"], source=where), published_source="parameter")
    return dataclasses.replace(found, **changes)


def load_jsonl(path: str | Path, *, infer_published: bool = True,
               lines: Collection[int] | None = None) -> Iterator[Article | ArticleError]:
    """Articles from JSON Lines (``title``, ``text``, ``published``, ``outlet``, ``url``, ``topic``,
    ``bias`` per line), plain or gzipped (``.jsonl.gz``), read as a stream.

    Yields an :class:`ArticleError` (instead of raising) for a bad line (cut-off JSON, no text,
    an impossible date) naming ``file:line``, so a batch goes on; a broken gzip stream ends with
    one such error after the lines read before the break.

    Args:
        lines: only these (1-based) line numbers; reading stops after the last of them.

    Each article's ``source`` is ``"<path>:<line>"`` (file line numbers, blank lines counted).
    """
    import itertools

    path = Path(path)
    last = max(lines) if lines else None
    try:
        stream = iter_jsonl_lines(path)
        first = next(stream, None)
    except ArticleError as err:
        yield err
        return
    for n, line in itertools.chain([first] if first else [], stream):
        if last is not None and n > last:
            break
        if lines is not None and n not in lines:
            continue
        where = f"{path}:{n}"
        if isinstance(line, ArticleError):
            yield line
            break
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or not str(rec.get("text") or "").strip():
                raise ArticleError(where, "JSON line has no 'text'")
            title = str(rec.get("title") or "").strip()
            raw = f"{title}\n\n{rec['text']}" if title else str(rec["text"])
            yield build_article(
                raw,
                id=article_id(str(rec.get("id") or f"{path.stem}-{n}")),
                source=where,
                published=rec.get("published"),
                published_source="jsonl",
                outlet=rec.get("outlet"),
                language=rec.get("language"),
                url=rec.get("url"),
                infer_published=infer_published,
                topic=_optional_str(rec.get("topic")),
                bias=_optional_str(rec.get("bias")),
            )
        except json.JSONDecodeError as err:
            yield ArticleError(where, f"invalid JSON ({err.msg})")
        except (ArticleError, ParameterError) as err:
            yield err if isinstance(err, ArticleError) else ArticleError(where, str(err))


def _optional_str(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None
