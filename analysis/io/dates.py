"""Dates in articles: parameters coerced to dates, and a publication date inferred from the text.

Plain regular expressions over the text, no language model: :mod:`analysis.io.ingest` infers
a missing publication date with :func:`infer_dct` without importing spaCy. The month lexicon
and the day/month/year patterns are shared with :mod:`analysis.lang.timex`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ParameterError

def parse_date(value: Any, *, source: str | Path | None = None, what: str = "publication date") -> dt.date | None:
    """Coerce a date parameter (``date``, ``datetime``, ISO string, ``None``/``""``) to a ``date``.

    Raises:
        ParameterError: for a wrong type or an impossible date (e.g. ``2020-02-30``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    where = f"{source}: " if source else ""
    if not isinstance(value, str):
        raise ParameterError(f"{where}{what} must be a date or an ISO string like 2020-12-15, got {type(value).__name__} {value!r}")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ParameterError(f"{where}{what} {value!r} is not a valid date (expected YYYY-MM-DD)") from None


#: month number -> full name and abbreviations
MONTH_NAMES = {
    1: ("January", "Jan"), 2: ("February", "Feb"), 3: ("March", "Mar"), 4: ("April", "Apr"),
    5: ("May",), 6: ("June", "Jun"), 7: ("July", "Jul"), 8: ("August", "Aug"),
    9: ("September", "Sept", "Sep"), 10: ("October", "Oct"), 11: ("November", "Nov"),
    12: ("December", "Dec"),
}
#: lower-case month name or abbreviation -> month number
MONTH_OF = {n.lower(): m for m, names in MONTH_NAMES.items() for n in names}


def cap_alternatives(words: list[str]) -> str:
    """Case-sensitive alternation of Capitalized and UPPER forms, longest first."""
    forms = {f for w in words for f in (w.capitalize(), w.upper())}
    return "(?-i:" + "|".join(sorted(map(re.escape, forms), key=len, reverse=True)) + ")"


_MONTH_FULL = [names[0] for names in MONTH_NAMES.values()]
_MONTH_ABBR = [n for names in MONTH_NAMES.values() for n in names[1:]]
MONTH = rf"(?:{cap_alternatives(_MONTH_FULL)}|{cap_alternatives(_MONTH_ABBR)}(?:\.|\b))"
YEAR = r"(?<![\d$£€.,])(?:1[5-9]\d\d|20\d\d)(?![\d,]\d)"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"


def year_of(text: str) -> int:
    return int(re.search(r"\d{4}", text).group())


_ABSOLUTE_DAY = re.compile(rf"(?<![\w-])(?:{MONTH})\s*(?:{DAY}),?\s+(?:{YEAR})|(?:{DAY})\s+(?:{MONTH}),?\s+(?:{YEAR})", re.I)


_DATELINE_CUE = re.compile(r"(?:\b(?:published|updated|posted|filed|dated|modified)\b[^.\n]{0,30}|^[A-Z][A-Z .,'-]{1,40},\s*)$", re.I)
_FUTURE_CUE = re.compile(r"\b(?:will|shall|scheduled|due|expected|planned|set\s+to|next|upcoming|until|deadline)\b|'ll\b", re.I)


def _full_dates(text: str) -> Iterator[tuple[dt.date, int, int]]:
    """``(date, start, end)`` of every date written with day, month and year."""
    for m in _ABSOLUTE_DAY.finditer(text):
        month_word = re.search(MONTH, m.group())
        day = re.search(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?!\d)", m.group().replace(month_word.group(), " ", 1))
        try:
            yield (dt.date(year_of(m.group()), MONTH_OF[month_word.group().rstrip(".").lower()], int(day.group(1))),
                   m.start(), m.end())
        except (ValueError, AttributeError):
            continue


def infer_dct(text: str) -> dt.date | None:
    """Best guess of a publication date from the dates written in full in ``text``.

    In order of trust:

    1. a dateline or byline date: after "Published/Updated/Posted/Filed/Dated", after an
       upper-case place at the start of a paragraph ("MOSCOW, Dec. 15, 2020 —"), or in a
       short paragraph after the first (at most 12 words, a byline): the first such date;
    2. else the latest date whose sentence does not look ahead ("will", "scheduled",
       "next", "until", ...): a report is written after what it recounts;
    3. else the latest date.

    Args:
        text: an article's text (paragraphs separated by blank lines).

    Returns:
        A date written with day, month and year (``"Dec. 15, 2020"``), or ``None``.
    """
    dates = list(_full_dates(text))
    if not dates:
        return None
    for date, start, end in dates:
        para_start = text.rfind("\n\n", 0, start) + 1
        para_end = text.find("\n\n", end)
        paragraph = text[para_start:para_end if para_end >= 0 else len(text)]
        short = para_start > 0 and len(paragraph.split()) <= 12  # not the title: titles are short too
        if _DATELINE_CUE.search(text[para_start:start].lstrip()) or short:
            return date
    past = []
    for date, start, end in dates:
        sent_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
        stops = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
        sentence = text[sent_start:min(stops) if stops else len(text)]
        if not _FUTURE_CUE.search(sentence):
            past.append(date)
    return max(past or [d for d, _, _ in dates])
