"""Inputs to article references: files, folders, globs and JSON Lines lines, one id scheme.

:func:`article_refs` is the one place that decides what a list of inputs names: every
article file, and for a JSON Lines file one reference per non-blank line, ``"batch.jsonl:3"``
for line 3 (file line numbers, so a blank line shifts nothing). :func:`~analysis.io.ingest.load_article`
takes each reference as it is; ``report``, ``corpus`` and :func:`load_articles` use it.
"""
from __future__ import annotations

import glob
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import AnalysisError, ArticleError, ParameterError
from ..types import Article
from .ingest import ARTICLE_SUFFIXES, JSONL_LINE_RE, SIDECAR_SUFFIX, is_jsonl, iter_jsonl_lines, load_article, load_jsonl


def _is_dataset_doc(name: str) -> bool:
    """README*, SOURCE.md, LICENSE*: documentation shipped with a corpus folder, not articles."""
    low = name.lower()
    return low.startswith(("readme", "license", "licence")) or low in {"source.md", "source.txt"}


def expand_inputs(inputs: Iterable[str | Path], *, strict: bool = False) -> list[Path]:
    """Files named by paths, directories (recursively, article suffixes only) and glob patterns.

    Inside a directory, hidden files, sidecars and corpus documentation (README*, LICENSE*,
    SOURCE.md) are skipped. A name that matches nothing is kept, so loading it reports
    "no such file" — unless ``strict``: then it raises before anything is loaded.

    Raises:
        ParameterError: with ``strict``, a name that is no file or folder and no glob that matches.
    """
    found: list[Path] = []
    for item in inputs:
        item = str(item)
        path = Path(item)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and (p.suffix.lower() in ARTICLE_SUFFIXES or is_jsonl(p)) and not p.name.startswith(".")
                and not p.name.endswith(SIDECAR_SUFFIX) and not _is_dataset_doc(p.name)
            )
        elif any(ch in item for ch in "*?[") and not path.exists():
            matches = sorted(glob.glob(item, recursive=True))
            if strict and not matches:
                raise ParameterError(f"{item}: no such file or folder")
            found.extend(Path(p) for p in matches if Path(p).is_file())
        elif strict and not path.exists():
            raise ParameterError(f"{item}: no such file or folder")
        else:
            found.append(path)
    return found


def jsonl_line_refs(path: str | Path) -> list[str]:
    """``"<path>:<n>"`` for every non-blank line of a JSON Lines file (plain or ``.jsonl.gz``, read
    as a stream; the form load_article takes). A gzip stream that breaks off adds the ref of the
    line where it broke (loading it reports the break)."""
    return [f"{path}:{n}" for n, _ in iter_jsonl_lines(path)]


def article_refs(inputs: Iterable[str | Path], *, strict: bool = False) -> list[str]:
    """Every article the inputs name, as references :func:`~analysis.io.ingest.load_article` takes.

    Files, folders and globs are expanded by :func:`expand_inputs`; a JSON Lines file becomes
    one reference per non-blank line, ``"<path>:<line>"`` (file line numbers). A JSON Lines
    file that cannot be read stays one reference (loading it reports why).

    Raises:
        ParameterError: with ``strict``, an input that names nothing (see :func:`expand_inputs`).
    """
    refs: list[str] = []
    for path in expand_inputs(inputs, strict=strict):
        if is_jsonl(path) and path.exists():
            try:
                refs.extend(jsonl_line_refs(path))
                continue
            except AnalysisError:
                pass
        refs.append(str(path))
    return refs


def split_ref(ref: str) -> tuple[str, int | None]:
    """``"batch.jsonl:3"`` → ``("batch.jsonl", 3)``; a plain path → ``(path, None)``."""
    m = JSONL_LINE_RE.match(ref)
    return (m["file"], int(m["line"])) if m else (ref, None)


def load_articles(inputs: Iterable[str | Path], **overrides: Any) -> Iterator[Article | ArticleError]:
    """Every article in ``inputs`` (files, directories, globs, JSON Lines).

    Bad files are yielded as :class:`ArticleError` (one line: path and problem) so that a batch
    records them and goes on with the rest.
    """
    for path in expand_inputs(inputs):
        if is_jsonl(path) and path.exists():
            yield from load_jsonl(path)
            continue
        try:
            yield load_article(path, **overrides)
        except ArticleError as err:
            yield err
        except ParameterError as err:
            yield ArticleError(path, str(err))

