"""TempEval-3 Task A (TIMEX3 extraction and normalization) scorer for :mod:`analysis.lang.timex`.

Reads TimeML ``.tml`` files, runs :func:`analysis.lang.timex.extract_timexes` on the raw text of
each ``TEXT`` element (tags stripped) with the document creation time as DCT, and computes
the TempEval-3 measures:

* strict span P/R/F1: a system timex matches a gold timex with exactly the same offsets;
* relaxed span P/R/F1: a system timex matches a gold timex it overlaps;
* type and value accuracy over relaxed matches, and attribute F1
  (``type_f1 = relaxed_f1 * type_accuracy``, ``value_f1 = relaxed_f1 * value_accuracy``).

Usage: ``python -m analysis.evaluation.timeml DIR_OR_FILES...`` prints JSON.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from ..errors import ArticleError


@dataclass(frozen=True)
class GoldTimex:
    """One gold TIMEX3 of a TimeML text: character offsets into :attr:`TimeMLDoc.text`."""

    start: int
    end: int
    text: str
    type: str
    value: str


@dataclass(frozen=True)
class TimeMLDoc:
    """A TimeML document: its id, DCT, raw text (tags stripped) and gold timexes."""

    doc_id: str
    dct: dt.date | None
    text: str
    timexes: list[GoldTimex] = field(default_factory=list)


def _parse_dct(root: ET.Element) -> dt.date | None:
    """The date of the TIMEX3 with ``functionInDocument="CREATION_TIME"`` (or ``None``)."""
    for timex in root.iter("TIMEX3"):
        if timex.get("functionInDocument") == "CREATION_TIME":
            try:
                return dt.date.fromisoformat(timex.get("value", "")[:10])
            except ValueError:
                return None
    return None


def _walk_text(elem: ET.Element, parts: list[str], timexes: list[GoldTimex]) -> None:
    """Append the text of ``elem`` (recursively) to ``parts``, recording TIMEX3 offsets."""
    start = sum(map(len, parts))
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        _walk_text(child, parts, timexes)
        if child.tail:
            parts.append(child.tail)
    if elem.tag == "TIMEX3":
        end = sum(map(len, parts))
        text = "".join(parts)[start:end]
        timexes.append(GoldTimex(start, end, text, elem.get("type", ""), elem.get("value", "")))


def read_tml(path: Path) -> TimeMLDoc:
    """Read one TimeML file.

    Args:
        path: a ``.tml`` file with a ``TEXT`` element.

    Returns:
        The document; gold timexes are those inside ``TEXT`` (the DCT timex is excluded).

    Raises:
        ArticleError: when the file is not well-formed XML or has no ``TEXT`` element.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise ArticleError(path, f"not well-formed TimeML ({err}); check the file") from err
    text_elem = root.find(".//TEXT")
    if text_elem is None:
        raise ArticleError(path, "no <TEXT> element; is this a TimeML file?")
    parts: list[str] = []
    timexes: list[GoldTimex] = []
    _walk_text(text_elem, parts, timexes)  # its own tail belongs to the outer document: not walked
    doc_id_elem = root.find(".//DOCID")
    doc_id = doc_id_elem.text.strip() if doc_id_elem is not None and doc_id_elem.text else path.stem
    timexes.sort(key=lambda t: (t.start, t.end))
    return TimeMLDoc(doc_id, _parse_dct(root), "".join(parts), timexes)


def iter_tml_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand directories to their ``.tml`` files (recursively, sorted); keep files as given.

    A directory's ``te3input/`` subfolder (the unannotated copy of TE3-Platinum) is skipped.
    """
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.tml") if "te3input" not in p.relative_to(path).parts)
        else:
            yield path


@dataclass
class Counts:
    """Match counts accumulated over documents."""

    gold: int = 0
    system: int = 0
    strict_system: int = 0
    strict_gold: int = 0
    relaxed_system: int = 0
    relaxed_gold: int = 0
    type_correct: int = 0
    value_correct: int = 0

    def add(self, gold: list[tuple[int, int, str, str]], system: list[tuple[int, int, str, str]]) -> None:
        """Count the matches between the gold and system ``(start, end, type, value)`` spans of one doc."""
        self.gold += len(gold)
        self.system += len(system)
        gold_spans = {(g[0], g[1]) for g in gold}
        sys_spans = {(s[0], s[1]) for s in system}
        self.strict_system += sum((s[0], s[1]) in gold_spans for s in system)
        self.strict_gold += sum((g[0], g[1]) in sys_spans for g in gold)
        self.relaxed_system += sum(any(_overlap(s, g) for g in gold) for s in system)
        for g in gold:
            partners = [s for s in system if _overlap(s, g)]
            if not partners:
                continue
            self.relaxed_gold += 1
            best = max(partners, key=lambda s: (min(s[1], g[1]) - max(s[0], g[0]), -abs(s[0] - g[0])))
            self.type_correct += best[2] == g[2]
            self.value_correct += best[3] == g[3]


def _overlap(a: tuple[int, int, str, str], b: tuple[int, int, str, str]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _prf(matched_system: int, system: int, matched_gold: int, gold: int) -> dict[str, float]:
    p = matched_system / system if system else 0.0
    r = matched_gold / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def scores(counts: Counts) -> dict:
    """TempEval-3 Task A measures from accumulated :class:`Counts`."""
    strict = _prf(counts.strict_system, counts.system, counts.strict_gold, counts.gold)
    relaxed = _prf(counts.relaxed_system, counts.system, counts.relaxed_gold, counts.gold)
    type_acc = counts.type_correct / counts.relaxed_gold if counts.relaxed_gold else 0.0
    value_acc = counts.value_correct / counts.relaxed_gold if counts.relaxed_gold else 0.0
    return {
        "strict": strict,
        "relaxed": relaxed,
        "type_accuracy": round(type_acc, 4),
        "value_accuracy": round(value_acc, 4),
        "type_f1": round(relaxed["f1"] * type_acc, 4),
        "value_f1": round(relaxed["f1"] * value_acc, 4),
        "counts": {
            "gold": counts.gold,
            "system": counts.system,
            "strict_matches": counts.strict_gold,
            "relaxed_matches": counts.relaxed_gold,
            "type_correct": counts.type_correct,
            "value_correct": counts.value_correct,
        },
    }


def evaluate_timeline(paths: Iterable[Path], *, nlp: Language | None = None) -> dict:
    """Score :func:`analysis.lang.timex.extract_timexes` on TimeML files.

    Args:
        paths: ``.tml`` files or directories holding them.
        nlp: a loaded spaCy pipeline (default :func:`analysis.lang.nlp.load_model`).

    Returns:
        The measures of :func:`scores` plus ``documents``, ``seconds``, ``docs_per_second``,
        ``parse_seconds`` and ``extract_seconds``.

    Raises:
        ArticleError: when no ``.tml`` file is found or one cannot be read.
    """
    from ..lang.nlp import load_model
    from ..lang.timex import extract_timexes

    nlp = nlp or load_model()
    counts = Counts()
    parse_s = extract_s = 0.0
    n_docs = 0
    for path in iter_tml_paths(paths):
        tml = read_tml(path)
        t0 = time.perf_counter()
        doc = nlp(tml.text)
        t1 = time.perf_counter()
        system = extract_timexes(doc, tml.dct)
        t2 = time.perf_counter()
        parse_s += t1 - t0
        extract_s += t2 - t1
        n_docs += 1
        counts.add(
            [(g.start, g.end, g.type, g.value) for g in tml.timexes],
            [(s.start, s.end, s.type, s.value) for s in system],
        )
    if not n_docs:
        raise ArticleError(None, "no .tml files found; pass a TimeML directory or files")
    total = parse_s + extract_s
    return {
        "documents": n_docs,
        **scores(counts),
        "seconds": round(total, 3),
        "parse_seconds": round(parse_s, 3),
        "extract_seconds": round(extract_s, 3),
        "docs_per_second": round(n_docs / total, 2) if total else None,
    }


def main(argv: list[str]) -> int:
    """CLI: ``evaluate timeline DIR_OR_FILES...``; prints the JSON of :func:`evaluate_timeline`.

    Returns:
        0 on success, 2 when the input cannot be read.
    """
    parser = argparse.ArgumentParser(prog="analysis evaluate timeline", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="TimeML .tml files or directories")
    args = parser.parse_args(argv)
    try:
        result = evaluate_timeline(args.paths)
    except ArticleError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
