"""Temporal expressions (TimeML TIMEX3): extraction and normalization against a creation date.

Candidates come from a regular grammar of English temporal expressions run over
``doc.text`` (TimeML extents: leading prepositions excluded; "last"/"this"/"next", "the"
and modifiers such as "early", "about", "more than" included) and from spaCy's DATE/TIME
entities the grammar missed (absolute dates only, normalized with ``dateparser.parse``).
Relative expressions are anchored to the document creation time (DCT); the direction of
a bare weekday, month or month-day is chosen from the governing verb's tense, as HeidelTime
does for news (past unless the verb is future: "will", "going to", a modal, ...).

Public API: :class:`Timex`, :func:`extract_timexes`. (A publication date guessed from the
text: :func:`analysis.io.dates.infer_dct`.)
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc

from ..io.dates import DAY, MONTH, MONTH_NAMES as _MONTH_NAMES, MONTH_OF as _MONTH_OF, YEAR
from ..io.dates import cap_alternatives as _cap_alternatives, year_of as _year
from .nlp import doc_text, lemma

__all__ = ["Timex", "extract_timexes", "dct_part"]


@dataclass(frozen=True)
class Timex:
    """One TIMEX3.

    Attributes:
        start: char offset of the expression in ``doc.text``.
        end: char offset just after it.
        text: the TimeML extent, ``doc.text[start:end]``.
        type: ``"DATE"``, ``"TIME"``, ``"DURATION"`` or ``"SET"``.
        value: the TIMEX3 value (``"2020-12-14"``, ``"2020-W51"``, ``"P3D"``, ``"PRESENT_REF"``...).
        anchor: ``"absolute"`` (fully stated), ``"dct"`` (resolved against the DCT), ``"event"``
            (counted from a day the text dated just before: "the next day", "two days later") or
            ``"unresolved"`` (relative, no DCT: the value is underspecified, e.g. ``"XXXX-12"``).
        sent_index: index of the sentence in ``list(doc.sents)``.
    """

    start: int
    end: int
    text: str
    type: str
    value: str
    anchor: str
    sent_index: int


@dataclass(frozen=True)
class _Norm:
    """A normalization: TIMEX3 type, value and anchor."""

    type: str
    value: str
    anchor: str


# --------------------------------------------------------------------------- lexicon
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_SEASON_ORDER = ("WI", "SP", "SU", "FA")
_PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "overnight": "NI"}
_UNIT_CODE = {
    "second": ("S", 1, True), "minute": ("M", 1, True), "hour": ("H", 1, True),
    "day": ("D", 1, False), "week": ("W", 1, False), "fortnight": ("W", 2, False),
    "month": ("M", 1, False), "quarter": ("Q", 1, False), "year": ("Y", 1, False),
    "decade": ("Y", 10, False), "century": ("Y", 100, False), "weekend": ("D", 2, False),
}
_SMALL_NUMBERS = {
    w: i for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}


WEEKDAY = _cap_alternatives(list(_WEEKDAYS))
_NUM_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|a hundred|one hundred|hundreds|dozens|a dozen)"
)
NUM = (
    rf"(?:\d+(?:\.\d+)?(?:\s+1/2)?|{_NUM_WORD}(?:\s+and\s+a\s+half)?|an?(?:\s+and\s+a\s+half)?|a\s+half"
    r"|several|a\s+few|few|many|a\s+couple(?:\s+of)?|a\s+number\s+of)"
)
UNIT = r"(?:second|minute|hour|day|week|fortnight|month|quarter|year|decade|centur(?:y|ies)|weekend)s?"
APPROX = (
    r"(?:(?:almost|nearly|roughly|approximately|some|at\s+least|at\s+most|no\s+more\s+than"
    r"|more\s+than|less\s+than|fewer\s+than|up\s+to|as\s+many\s+as|as\s+much\s+as|well\s+over)\s+)"
)
REL = r"(?:last|this|next|past|previous|coming|current|the\s+(?:past|last|next|previous|coming|current|following))"
PART = r"(?:morning|afternoon|evening|night|overnight)"
CLOCK = (
    r"(?:(?:[01]?\d|2[0-3])(?::[0-5]\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b|a\.m|p\.m)|(?:[01]?\d|2[0-3]):[0-5]\d(?=\s*(?:GMT|UTC|EST|EDT))"
    r"|noon|midnight|midday)"
)
TZ = r"(?:\s+(?-i:GMT|UTC|EST|EDT|CST|CDT|MST|MDT|PST|PDT|ET|PT|BST|CET))"
_MOD = r"(?:(?:early|late|mid|earlier|later)[\s-]+|mid-|the\s+(?:end|beginning|start|middle|rest|remainder)\s+of\s+)"

# --------------------------------------------------------------------------- context


class _Context:
    """Per-document state: the DCT, token lookup and sentence starts."""

    def __init__(self, doc: Doc, dct: dt.date | None):
        self.doc = doc
        self.text = doc_text(doc)
        self.dct = dct
        self.sent_starts = [s.start_char for s in doc.sents]

    def sent_index(self, start: int) -> int:
        """Index of the sentence holding char ``start``."""
        return max(bisect.bisect_right(self.sent_starts, start) - 1, 0)

    def direction(self, start: int, end: int) -> int:
        """+1 when the expression refers forward (future verb, "until", "as soon as"), else -1.

        News convention (HeidelTime): a bare weekday or month is past unless the governing
        verb is future ("will", "going to", "is to", "plans/expects/is scheduled to"...).
        """
        return 1 if self.tense(start, end) == 1 else -1

    def tense(self, start: int, end: int) -> int | None:
        """+1 forward (as :meth:`direction`), -1 when the governing verb is past-tense ("fell",
        "was delayed", "had met"), ``None`` otherwise (present tense, no verb)."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None or not len(span):
            return None
        before = self.text[max(start - 12, 0):start].lower()
        if re.search(r"(?:\buntil|\btill|as soon as)\s+$", before):
            return 1
        tok = span.root
        for _ in range(6):
            if tok.pos_ in ("VERB", "AUX") or tok.head is tok:
                break
            tok = tok.head
        if _is_future(tok):
            return 1
        if tok.pos_ in ("VERB", "AUX") and (tok.tag_ == "VBD" or any(
                c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in tok.children)):
            return -1
        return None


_FUTURE_AUX = {"will", "'ll", "shall", "wo"}
_FUTURE_LEMMAS = {"plan", "schedule", "expect", "due", "slate", "postpone", "delay", "suppose", "intend", "propose", "hope"}


def _is_future(verb) -> bool:
    """Whether ``verb`` is future-marked ("will meet", "is to meet", "plans to meet", "is expected")."""
    aux = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    if aux & _FUTURE_AUX or verb.lower_ in _FUTURE_AUX:
        return True
    chain = [verb, verb.head, verb.head.head]
    if any(lemma(t) in _FUTURE_LEMMAS for t in chain):
        return True
    return "to" in aux and lemma(verb.head) in ("be", "go")


# --------------------------------------------------------------------------- date helpers


def _shift_months(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + month - 1 + delta
    return idx // 12, idx % 12 + 1


def _iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _quarter(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def _season(d: dt.date) -> str:
    return _SEASON_ORDER[(d.month % 12) // 3]


def _resolve_annual(on: Callable[[int], dt.date | None], dct: dt.date, direction: int | None) -> dt.date | None:
    """A yearly day (a month-day, a holiday; ``on(year)`` is its date in ``year``) near the DCT: the
    nearest occurrence on or before it (``direction`` -1), on or after it (+1), or either (``None``)."""
    options = [d for d in (on(year) for year in (dct.year - 1, dct.year, dct.year + 1)) if d is not None]
    if not options:
        return None
    if direction == -1:
        past = [d for d in options if d <= dct]
        return max(past) if past else min(options)
    if direction == 1:
        future = [d for d in options if d >= dct]
        return min(future) if future else max(options)
    return min(options, key=lambda d: abs((d - dct).days))


def _month_day_on(month: int, day: int) -> Callable[[int], dt.date | None]:
    def on(year: int) -> dt.date | None:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return on


def _resolve_month_day(month: int, day: int, dct: dt.date, direction: int | None) -> dt.date | None:
    """The year of a month-day: by tense direction, or the closest to the DCT when ``None``."""
    return _resolve_annual(_month_day_on(month, day), dct, direction)


def _annual_direction(ctx: "_Context", start: int, end: int, rel: str | None) -> int | None:
    """Which occurrence of a yearly day (a month-day, a holiday) an expression means: "last"/"next"
    name it; otherwise the tense (:meth:`_Context.tense`): a future verb looks forward, a past-tense
    verb back, and anything else ("before Christmas", "on Dec. 3 the vote") takes the nearest. A past
    event "before"/"ahead of" the day ("shoppers rushed out before Christmas") or a future one
    "after"/"since" it says nothing of which side of the DCT the day is on: the nearest too."""
    rel = (rel or "").lower()
    if rel in ("last", "past", "previous"):
        return -1
    if rel in ("next", "coming"):
        return 1
    tense = ctx.tense(start, end)
    before = ctx.text[max(start - 12, 0):start].lower()
    if tense == -1 and re.search(r"\b(?:before|ahead of|by|until|till)\s+$", before):
        return None
    if tense == 1 and re.search(r"\b(?:after|since)\s+$", before):
        return None
    return tense


def _resolve_weekday(weekday: int, dct: dt.date, direction: int, strict: bool = False) -> dt.date:
    """The weekday nearest the DCT in ``direction`` (the DCT itself unless ``strict``)."""
    delta = (weekday - dct.weekday()) * direction % 7
    if strict and delta == 0:
        delta = 7
    return dct + dt.timedelta(days=delta * direction)


def _month_year(month: int, dct: dt.date, direction: int, strict: bool = False) -> int:
    """Year of a bare month: the nearest occurrence in ``direction`` (strictly for last/next)."""
    if direction < 0:
        return dct.year if month < dct.month or (month == dct.month and not strict) else dct.year - 1
    return dct.year if month > dct.month or (month == dct.month and not strict) else dct.year + 1


def parse_number(text: str) -> float | None:
    """Value of a number phrase ("three", "twenty-four", "2 1/2", "a", "a half"); ``None`` if vague."""
    t = re.sub(r"\s+", " ", text.lower().strip())
    half = 0.5 if t.endswith("and a half") or t.endswith(" 1/2") else 0.0
    t = re.sub(r"\s*(and a half| 1/2)$", "", t)
    if t in ("a half",):
        return 0.5
    if t in ("a", "an", "one", "a hundred", "one hundred", "a dozen"):
        base = {"a hundred": 100, "one hundred": 100, "a dozen": 12}.get(t, 1)
        return base + half
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t) + half
    if t in _SMALL_NUMBERS:
        return _SMALL_NUMBERS[t] + half
    parts = re.split(r"[- ]", t)
    if parts[0] in _TENS and (len(parts) == 1 or (len(parts) == 2 and parts[1] in _SMALL_NUMBERS)):
        return _TENS[parts[0]] + (_SMALL_NUMBERS[parts[1]] if len(parts) == 2 else 0) + half
    if t in ("a couple", "a couple of"):
        return 2 + half
    return None


def _unit_key(unit: str) -> str:
    """Singular lower-case unit: "Centuries" -> "century"."""
    return unit.lower().rstrip("s").replace("centurie", "century")


# A fraction of a unit is written in the next smaller unit: 2 1/2 years -> P2Y6M.
_SUBUNIT = {
    ("Y", False): ("M", 12, False), ("M", False): ("D", 30, False), ("W", False): ("D", 7, False),
    ("D", False): ("H", 24, True), ("H", True): ("M", 60, True), ("M", True): ("S", 60, True),
}


def _duration_value(amount: float | None, unit: str) -> str:
    """TIMEX3 duration value: ``P3D``, ``PT5H30M``, ``P10Y``, ``PXY`` (``amount=None``: vague)."""
    unit = _unit_key(unit)
    code, factor, is_time = _UNIT_CODE[unit]
    if amount is None:
        return ("PT" if is_time else "P") + "X" + {"decade": "DE", "century": "CE", "weekend": "WE"}.get(unit, code)
    amount *= factor
    if code == "Q":
        code, amount = "M", amount * 3
    whole, frac = int(amount), amount - int(amount)
    if frac and (code, is_time) not in _SUBUNIT:
        return f"{'PT' if is_time else 'P'}{_fmt(amount)}{code}"
    parts = [(whole, code, is_time)] if whole else []
    if frac:
        sub_code, sub_factor, sub_time = _SUBUNIT[(code, is_time)]
        parts.append((round(frac * sub_factor), sub_code, sub_time))
    date_part = "".join(f"{n}{c}" for n, c, t in parts if not t)
    time_part = "".join(f"{n}{c}" for n, c, t in parts if t)
    return "P" + date_part + ("T" + time_part if time_part else "")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _granular_shift(dct: dt.date, unit: str, n: int) -> str:
    """The DCT shifted by ``n`` units, written at that unit's granularity."""
    unit = _unit_key(unit)
    if unit == "day":
        return (dct + dt.timedelta(days=n)).isoformat()
    if unit in ("week", "fortnight"):
        return _iso_week(dct + dt.timedelta(weeks=n * (2 if unit == "fortnight" else 1)))
    if unit == "weekend":
        return _iso_week(dct + dt.timedelta(weeks=n)) + "-WE"
    if unit == "month":
        y, m = _shift_months(dct.year, dct.month, n)
        return f"{y}-{m:02d}"
    if unit == "quarter":
        y, m = _shift_months(dct.year, dct.month, 3 * n)
        return f"{y}-Q{(m - 1) // 3 + 1}"
    if unit == "year":
        return str(dct.year + n)
    if unit == "decade":
        return str(dct.year // 10 + n)
    if unit == "century":
        return f"{dct.year // 100 + n:02d}"
    raise ValueError(unit)


_UNDERSPECIFIED = {
    "day": "XXXX-XX-XX", "week": "XXXX-WXX", "fortnight": "XXXX-WXX", "weekend": "XXXX-WXX-WE",
    "month": "XXXX-XX", "quarter": "XXXX-QX", "year": "XXXX", "decade": "XXX", "century": "XX",
}


def _relative(ctx: _Context, unit: str, n: int) -> _Norm:
    """A DATE ``n`` units from the DCT (underspecified without a DCT)."""
    unit_key = _unit_key(unit)
    if ctx.dct is None:
        return _Norm("DATE", _UNDERSPECIFIED[unit_key], "unresolved")
    return _Norm("DATE", _granular_shift(ctx.dct, unit_key, n), "dct")


_REL_SIGN = {"last": -1, "past": -1, "previous": -1, "this": 0, "current": 0, "next": 1, "coming": 1, "following": 1}


def _rel_sign(rel: str) -> int:
    return _REL_SIGN[rel.lower().split()[-1]]


# --------------------------------------------------------------------------- rule handlers
Handler = Callable[[re.Match, _Context], "_Norm | None"]


def _h_full_date(m: re.Match, ctx: _Context) -> _Norm | None:
    if m["day2"]:
        return _month_day(ctx, m.start(), m.end(), m["month2"], m["day2"], m["year"], m["rel"])
    return _month_day(ctx, m.start(), m.end(), m["month"], m["day"], m["year"], m["rel"])


def _month_day(
    ctx: _Context, start: int, end: int, month_word: str, day_word: str, year_word: str | None = None, rel: str | None = None
) -> _Norm | None:
    """A month-day date; without a year, the year comes from the DCT and the tense (or "last"/"next")."""
    month = _MONTH_OF[month_word.rstrip(".").lower()]
    day = int(re.match(r"\d+", day_word).group())
    if year_word:
        try:
            return _Norm("DATE", dt.date(_year(year_word), month, day).isoformat(), "absolute")
        except ValueError:
            return None
    if ctx.dct is None:
        return _Norm("DATE", f"XXXX-{month:02d}-{day:02d}", "unresolved")
    date = _resolve_month_day(month, day, ctx.dct, _annual_direction(ctx, start, end, rel))
    return _Norm("DATE", date.isoformat(), "dct") if date else None


def _h_numeric_date(m: re.Match, ctx: _Context) -> _Norm | None:
    year = int(m["y"]) if len(m["y"]) == 4 else 1900 + int(m["y"]) + (100 if int(m["y"]) < 50 else 0)
    try:
        return _Norm("DATE", dt.date(year, int(m["m"]), int(m["d"])).isoformat(), "absolute")
    except ValueError:
        return None


def _h_month_year(m: re.Match, ctx: _Context) -> _Norm | None:
    month = _MONTH_OF[m["month"].rstrip(".").lower()]
    if m["year"]:
        return _Norm("DATE", f"{_year(m['year'])}-{month:02d}", "absolute")
    if ctx.dct is None:
        return _Norm("DATE", f"XXXX-{month:02d}", "unresolved")
    return _Norm("DATE", f"{ctx.dct.year + _rel_sign(m['rel'])}-{month:02d}", "dct")


def _h_month(m: re.Match, ctx: _Context) -> _Norm | None:
    word = m["month"]
    month = _MONTH_OF[word.rstrip(".").lower()]
    if word.lower() in _MONTH_OF and word.lower() != _MONTH_NAMES[month][0].lower():
        return None  # "Jan" without a period: a name ("Jan Kavan") more often than a month
    if month == 5 and word.startswith("M") and not m["rel"] and not re.search(
        r"\b(?:in|since|until|by|of|during|from|through|early|late|mid|last|this|next|and|or|to)[\s-]+$",
        ctx.text[max(m.start() - 12, 0):m.start()], re.I,
    ):
        return None
    rel = (m["rel"] or "").lower()
    if ctx.dct is None:
        return _Norm("DATE", f"XXXX-{month:02d}", "unresolved")
    if rel == "this":
        year = ctx.dct.year
    elif rel in ("last", "next"):
        year = _month_year(month, ctx.dct, -1 if rel == "last" else 1, strict=True)
    else:
        year = _month_year(month, ctx.dct, ctx.direction(m.start(), m.end()))
    return _Norm("DATE", f"{year}-{month:02d}", "dct")


def _weekday_date(m: re.Match, ctx: _Context) -> tuple[str, str]:
    """(date value, anchor) of the weekday in group ``wd`` with optional ``rel``."""
    weekday = _WEEKDAYS.index(m["wd"].lower())
    rel = (m["rel"] or "").lower() if "rel" in m.re.groupindex else ""
    if ctx.dct is None:
        return f"XXXX-WXX-{weekday + 1}", "unresolved"
    if rel in ("last", "past", "previous"):
        date = _resolve_weekday(weekday, ctx.dct, -1, strict=True)
    elif rel in ("next", "coming"):
        date = _resolve_weekday(weekday, ctx.dct, 1, strict=True)
    else:
        date = _resolve_weekday(weekday, ctx.dct, ctx.direction(m.start(), m.end()))
    return date.isoformat(), "dct"


def _h_weekday(m: re.Match, ctx: _Context) -> _Norm | None:
    value, anchor = _weekday_date(m, ctx)
    if m["part"]:
        value += "T" + _PARTS_OF_DAY[m["part"].lower()]
    return _Norm("DATE", value, anchor)


_DEICTIC_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}


def _h_deictic_day(m: re.Match, ctx: _Context) -> _Norm | None:
    word = m["word"].lower()
    part = "NI" if word == "tonight" else _PARTS_OF_DAY[m["part"].lower()] if m["part"] else ""
    typ = "TIME" if part else "DATE"
    if ctx.dct is None:
        return _Norm(typ, "XXXX-XX-XX" + (f"T{part}" if part else ""), "unresolved")
    value = (ctx.dct + dt.timedelta(days=_DEICTIC_DAYS[word])).isoformat()
    return _Norm(typ, value + (f"T{part}" if part else ""), "dct")


def _h_part_of_day(m: re.Match, ctx: _Context) -> _Norm | None:
    part = _PARTS_OF_DAY[m["part"].lower()]
    offset = -1 if m["rel"].lower() == "last" else 0
    if ctx.dct is None:
        return _Norm("TIME", f"XXXX-XX-XXT{part}", "unresolved")
    return _Norm("TIME", f"{(ctx.dct + dt.timedelta(days=offset)).isoformat()}T{part}", "dct")


def _h_rel_unit(m: re.Match, ctx: _Context) -> _Norm | None:
    unit = m["unit"].lower()
    sign = _rel_sign(m["rel"])
    if unit in ("decade", "century") and m["rel"].lower().startswith("the") and sign != 0:
        return _Norm("DURATION", _duration_value(1, unit), "absolute")
    return _relative(ctx, unit, sign)


def _h_rel_season(m: re.Match, ctx: _Context) -> _Norm | None:
    season = _SEASONS[m["season"].lower()]
    if m["year"]:
        return _Norm("DATE", f"{_year(m['year'])}-{season}", "absolute")
    if ctx.dct is None:
        return _Norm("DATE", f"XXXX-{season}", "unresolved")
    rel = (m["rel"] or "this").lower().split()[-1]
    cur = _SEASON_ORDER.index(_season(ctx.dct))
    idx = _SEASON_ORDER.index(season)
    year = ctx.dct.year
    if rel in ("last", "past", "previous") and idx >= cur:
        year -= 1
    elif rel in ("next", "coming") and idx <= cur:
        year += 1
    return _Norm("DATE", f"{year}-{season}", "dct")


def _h_year(m: re.Match, ctx: _Context) -> _Norm | None:
    if not _plausible_year(m, ctx):
        return None
    return _Norm("DATE", str(_year(m.group())), "absolute")


def _plausible_year(m: re.Match, ctx: _Context) -> bool:
    """Reject numbers that only look like years: "2000 people", "1,500", "$1990"."""
    after = ctx.text[m.end():m.end() + 25]
    before = ctx.text[max(m.start() - 3, 0):m.start()]
    if re.match(r"\s*(?:%|percent|per\b|-(?:\d)|[-–]\s*\d{1,3}\b|\.\d)", after, re.I) and not re.match(r"[-–]\d{2,4}\b", after):
        return False
    if re.search(r"[-+#]$|no\.\s?$", before, re.I):
        return False
    span = ctx.doc.char_span(m.start(), m.end(), alignment_mode="expand")
    if span is None:
        return True
    tok = span[-1]
    nxt = tok.nbor(1) if tok.i + 1 < len(ctx.doc) else None
    if nxt is not None and nxt.tag_ == "NNS" and not re.fullmatch(UNIT, nxt.lower_):
        return False
    return tok.ent_type_ not in ("MONEY", "QUANTITY", "PERCENT")


def _h_decade(m: re.Match, ctx: _Context) -> _Norm | None:
    return _Norm("DATE", m["decade"][:3], "absolute")


def _h_century(m: re.Match, ctx: _Context) -> _Norm | None:
    return _Norm("DATE", f"{int(m['n']) - 1:02d}", "absolute")


def _h_quarter_of_year(m: re.Match, ctx: _Context) -> _Norm | None:
    q = _ORDINALS[m["ord"].lower()]
    if m["year"]:
        return _Norm("DATE", f"{_year(m['year'])}-Q{q}", "absolute")
    if ctx.dct is None:
        return _Norm("DATE", f"XXXX-Q{q}", "unresolved")
    year = ctx.dct.year
    if "qrel" in m.re.groupindex and m["qrel"]:  # "the first quarter of last year"
        year += _rel_sign(m["qrel"])
    elif m["rel"]:
        year += _rel_sign(m["rel"].split()[0])
    elif q > _quarter(ctx.dct) and ctx.direction(m.start(), m.end()) < 0 and _quarter(ctx.dct) == 1:
        year -= 1
    return _Norm("DATE", f"{year}-Q{q}", "dct")


def _h_half(m: re.Match, ctx: _Context) -> _Norm | None:
    h = 1 if m["ord"].lower() == "first" else 2
    if m["year"]:
        return _Norm("DATE", f"{_year(m['year'])}-H{h}", "absolute")
    if ctx.dct is None:
        return _Norm("DATE", f"XXXX-H{h}", "unresolved")
    return _Norm("DATE", f"{ctx.dct.year}-H{h}", "dct")


def _h_ago(m: re.Match, ctx: _Context) -> _Norm | None:
    unit = _unit_key(m["unit"])
    n = parse_number(m["num"]) if m["num"] else 1
    sign = -1 if m["dir"].lower() in ("ago", "earlier") else 1
    if unit not in _UNDERSPECIFIED:
        return None
    if n is None or not float(n).is_integer():
        if sign < 0 and unit in ("year", "decade", "century"):
            return _Norm("DATE", "PAST_REF", "dct" if ctx.dct else "unresolved")
        return None
    if unit == "year" and n == 1 and ctx.dct and _QUARTER_TALK.search(ctx.text, max(m.start() - 400, 0), m.start()):
        y, mo = _shift_months(ctx.dct.year + sign, ctx.dct.month, -3)
        return _Norm("DATE", f"{y}-Q{(mo - 1) // 3 + 1}", "dct")  # earnings report: the year-ago quarter
    if unit == "week" and ctx.dct is not None:  # "a week ago": that day, not that calendar week
        return _Norm("DATE", (ctx.dct + dt.timedelta(days=7 * sign * int(n))).isoformat(), "dct")
    return _relative(ctx, unit, sign * int(n))


_QUARTER_TALK = re.compile(r"\bquarter(?:ly)?\b|-quarter\b", re.I)


def _h_duration(m: re.Match, ctx: _Context) -> _Norm | None:
    if re.fullmatch(r"an?\s+second", m.group(), re.I):
        return None  # "a second term": an ordinal
    n = parse_number(m["num"]) if m["num"] else 1
    if m["num"] and n is None and not re.fullmatch(NUM, m["num"], re.I):
        return None
    return _Norm("DURATION", _duration_value(n, m["unit"]), "absolute")


def _h_bare_units(m: re.Match, ctx: _Context) -> _Norm | None:
    unit = m["unit"].lower()
    if (m["pre"] or "").lower().startswith("recent") and unit == "years":
        return _Norm("DATE", "PAST_REF", "dct" if ctx.dct else "unresolved")
    return _Norm("DURATION", _duration_value(None, unit), "absolute")


_REF_WORDS = {
    "now": "PRESENT_REF", "currently": "PRESENT_REF", "nowadays": "PRESENT_REF", "the present": "PRESENT_REF",
    "these days": "PRESENT_REF", "the moment": "PRESENT_REF", "current": "PRESENT_REF",
    "recently": "PAST_REF", "the past": "PAST_REF", "previously": "PAST_REF", "formerly": "PAST_REF",
    "lately": "PAST_REF", "the future": "FUTURE_REF", "soon": "FUTURE_REF", "the near future": "FUTURE_REF",
}


def _h_ref(m: re.Match, ctx: _Context) -> _Norm | None:
    key = re.sub(r"\s+", " ", m.group().lower())
    return _Norm("DATE", _REF_WORDS[key], "dct" if ctx.dct else "unresolved")


_SET_ADVERBS = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "annually": "P1Y", "yearly": "P1Y",
                "hourly": "PT1H", "nightly": "P1D", "quarterly": "P3M", "biweekly": "P2W"}


def _h_set_adverb(m: re.Match, ctx: _Context) -> _Norm | None:
    return _Norm("SET", _SET_ADVERBS[m.group().lower()], "absolute")


def _h_set_every(m: re.Match, ctx: _Context) -> _Norm | None:
    n = parse_number(m["num"]) if m["num"] else 1
    n = (n or 1) * (2 if m["other"] else 1)
    return _Norm("SET", _duration_value(n, m["unit"]), "absolute")


def _h_set_per(m: re.Match, ctx: _Context) -> _Norm | None:
    before = ctx.text[max(m.start() - 20, 0):m.start()]
    if m["det"].lower() in ("a", "an") and not re.search(
        r"(?:\d|million|billion|trillion|percent|%|times|once|twice|dollars|cents|hours|miles|tons|barrels|people)\s*$", before, re.I
    ):
        return None
    return _Norm("SET", _duration_value(1, m["unit"]), "absolute")


def _h_clock(m: re.Match, ctx: _Context) -> _Norm | None:
    clock = _clock_value(m["clock"])
    if clock is None:
        return None
    if m["wd"]:
        date, anchor = _weekday_date(m, ctx)
    elif m["month"]:
        day = _month_day(ctx, m.start(), m.end(), m["month"], m["day"])
        if day is None:
            return None
        date, anchor = day.value, day.anchor
    elif m["deictic"]:
        word = m["deictic"].lower()
        date = (ctx.dct + dt.timedelta(days=_DEICTIC_DAYS[word])).isoformat() if ctx.dct else "XXXX-XX-XX"
        anchor = "dct" if ctx.dct else "unresolved"
    elif ctx.dct is not None:
        date, anchor = ctx.dct.isoformat(), "dct"
    else:
        date, anchor = "XXXX-XX-XX", "unresolved"
    zone = "Z" if re.search(r"\s(?-i:UTC)\b", m.group()) else ""  # TE3 gold writes GMT times without a zone
    return _Norm("TIME", f"{date}T{clock}{zone}", anchor)


def _clock_value(text: str) -> str | None:
    t = text.lower().replace(" ", "")
    if t in ("noon", "midday"):
        return "12:00"
    if t == "midnight":
        return "24:00"
    mm = re.match(r"(\d{1,2})(?::(\d\d))?(a\.?m\.?|p\.?m\.?)?", t)
    hour, minute = int(mm[1]), int(mm[2] or 0)
    if mm[3] and mm[3].startswith("p") and hour < 12:
        hour += 12
    elif mm[3] and mm[3].startswith("a") and hour == 12:
        hour = 0
    if hour > 23:
        return None
    return f"{hour:02d}:{minute:02d}"


_HOLIDAYS = {"christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24), "new year's day": (1, 1),
             "new year's eve": (12, 31), "halloween": (10, 31), "valentine's day": (2, 14), "independence day": (7, 4)}


def _h_holiday(m: re.Match, ctx: _Context) -> _Norm | None:
    name = re.sub(r"\s+", " ", m["name"].lower().replace("’", "'"))
    year = _year(m["year"]) if m["year"] else None
    if ctx.dct is None and year is None:
        if name in _HOLIDAYS:
            mo, d = _HOLIDAYS[name]
            return _Norm("DATE", f"XXXX-{mo:02d}-{d:02d}", "unresolved")
        return None
    if year:
        return _Norm("DATE", _holiday_date(name, year).isoformat(), "absolute")
    # the nearest occurrence the tense allows, as a month-day ("before Christmas" written on Dec. 20: this one)
    date = _resolve_annual(functools.partial(_holiday_date, name), ctx.dct, _annual_direction(ctx, m.start(), m.end(), m["rel"]))
    return _Norm("DATE", date.isoformat(), "dct")


def _holiday_date(name: str, year: int) -> dt.date:
    """Date of a named holiday in ``year`` (US Thanksgiving and Election Day computed)."""
    if name in _HOLIDAYS:
        return dt.date(year, *_HOLIDAYS[name])
    if name.startswith("thanksgiving"):
        return _nth_weekday(year, 11, 3, 4)
    return _nth_weekday(year, 11, 0, 1) + dt.timedelta(days=1)  # Election Day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _h_dct_year(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "the end of the year", "the rest of the month": the DCT's year/month."""
    return _relative(ctx, m["unit"], 0)


def _h_reported_quarter(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "the quarter", "the latest quarter", "the year-ago quarter": the last completed quarter."""
    if ctx.dct is None and not m["year"]:
        return _Norm("DATE", "XXXX-QX", "unresolved")
    year = int(m["year"]) if m["year"] else ctx.dct.year - (1 if m["ago"] or m["ago2"] else 0)
    y, mo = _shift_months(year, ctx.dct.month if ctx.dct else 12, -3)
    return _Norm("DATE", f"{y}-Q{(mo - 1) // 3 + 1}", "dct")


def _h_same_period(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "the same period a year earlier": the last completed quarter, a year before."""
    if ctx.dct is None:
        return _Norm("DATE", "XXXX-QX", "unresolved")
    y, mo = _shift_months(ctx.dct.year - 1, ctx.dct.month, -3)
    return _Norm("DATE", f"{y}-Q{(mo - 1) // 3 + 1}", "dct")


def _h_the_year(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "the year ended March 31" is a DURATION; "for the (full/current) year" the DCT's year."""
    if re.match(r"\s+(?:ended|ending|to)\b", ctx.text[m.end():m.end() + 8]):
        return _Norm("DURATION", "P1Y", "absolute")
    return _relative(ctx, "year", 0)


def _h_year_end(m: re.Match, ctx: _Context) -> _Norm | None:
    return _relative(ctx, "year", 0)


def _h_weekend(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "the weekend": the nearest weekend in the tense direction."""
    if ctx.dct is None:
        return _Norm("DATE", "XXXX-WXX-WE", "unresolved")
    saturday = _resolve_weekday(5, ctx.dct, ctx.direction(m.start(), m.end()))
    return _Norm("DATE", _iso_week(saturday) + "-WE", "dct")


def _event_shift(text: str) -> int | None:
    """Days from the event an anchored expression counts from ("the next day" +1, "two days earlier" -2)."""
    t = " ".join(text.lower().split())
    if m := re.fullmatch(r"the (next|following|previous|preceding) day|the day (before|after)", t):
        return 1 if (m[1] or m[2]) in ("next", "following", "after") else -1
    if m := re.fullmatch(rf"(?P<num>{NUM}) days? (?P<dir>later|earlier)", t, re.I):
        n = parse_number(m["num"])
        if n is not None and float(n).is_integer():
            return int(n) * (1 if m["dir"] == "later" else -1)
    return None


def _h_event_day(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "the next day", "the day before": from the DCT here; :func:`_anchor_to_events` re-anchors it to
    the day of the event the text just dated."""
    if ctx.dct is None:
        return _Norm("DATE", "XXXX-XX-XX", "unresolved")
    return _Norm("DATE", (ctx.dct + dt.timedelta(days=_event_shift(m.group()) or 0)).isoformat(), "dct")


_DAY_VALUE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T.*)?")


def _anchor_to_events(timexes: list["Timex"]) -> list["Timex"]:
    """Expressions counted from another event ("the next day", "two days later") get their day from the
    latest day-level date written before them in the same or the previous two sentences (anchor ``"event"``)."""
    out: list[Timex] = []
    for tx in timexes:
        shift = _event_shift(tx.text) if tx.type == "DATE" else None
        if shift is not None:
            prev = next((p for p in reversed(out) if tx.sent_index - p.sent_index <= 2 and _DAY_VALUE.fullmatch(p.value)), None)
            if prev is not None:
                day = dt.date.fromisoformat(prev.value[:10]) + dt.timedelta(days=shift)
                tx = Timex(tx.start, tx.end, tx.text, tx.type, day.isoformat(), "event", tx.sent_index)
        out.append(tx)
    return out


_SPELLED_UNITS = {w: i for i, w in enumerate("oh one two three four five six seven eight nine".split())}


def _h_spelled_year(m: re.Match, ctx: _Context) -> _Norm | None:
    """ "nineteen ninety-six", "two thousand (and) one": a year written in words."""
    if m["thousand"]:
        rest = parse_number(m["rest"]) if m["rest"] else 0
        return _Norm("DATE", str(2000 + int(rest or 0)), "absolute")
    century = 1900 if m["cent"].lower() == "nineteen" else 1800
    tail = m["tail"].lower().replace("-", " ").split()
    if tail[0] == "oh":
        value = _SPELLED_UNITS[tail[1]]
    else:
        value = int(parse_number(" ".join(tail)) or 0)
    return _Norm("DATE", str(century + value), "absolute")


# --------------------------------------------------------------------------- grammar
def _rule(pattern: str, handler: Handler) -> tuple[re.Pattern, Handler]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.I), handler




def _h_numeric(m: re.Match, ctx: _Context) -> _Norm | None:
    if m["y2"]:
        try:
            return _Norm("DATE", dt.date(int(m["y2"]), int(m["m2"]), int(m["d2"])).isoformat(), "absolute")
        except ValueError:
            return None
    return _h_numeric_date(m, ctx)


def _h_weekday_set(m: re.Match, ctx: _Context) -> _Norm | None:
    if m["wd"]:
        weekday = _WEEKDAYS.index(m["wd"].lower()) + 1
        if m.group().lower().startswith("on"):
            return None
        return _Norm("SET", f"XXXX-WXX-{weekday}", "absolute")
    weekday = _WEEKDAYS.index(m["wd2"].lower()) + 1
    part = "T" + _PARTS_OF_DAY[m["part2"].lower()] if m["part2"] else ""
    return _Norm("SET", f"XXXX-WXX-{weekday}{part}", "absolute")


def _h_season(m: re.Match, ctx: _Context) -> _Norm | None:
    if not (m["rel"] or m["year"] or m.group().lower().startswith("the")):
        return None
    return _h_rel_season(m, ctx)


def _h_quarter(m: re.Match, ctx: _Context) -> _Norm | None:
    if m["year2"] and not m["year"]:
        q = _ORDINALS[m["ord"].lower()]
        return _Norm("DATE", f"{_year(m['year2'])}-Q{q}", "absolute")
    return _h_quarter_of_year(m, ctx)


_RULES: list[tuple[re.Pattern, Handler]] = [
    _rule(rf"(?:{_MOD})?(?:(?P<rel>last|next)\s+)?(?:{WEEKDAY},?\s+)?(?:(?P<month>{MONTH})\s*(?P<day>{DAY})|(?P<day2>{DAY})\s+(?:of\s+)?(?P<month2>{MONTH}))"
          rf"(?:,?\s+(?P<year>{YEAR}))?", _h_full_date),
    _rule(r"(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/(?P<y>\d{4}|\d{2})|(?P<y2>\d{4})-(?P<m2>1[0-2]|0[1-9])-(?P<d2>3[01]|[12]\d|0[1-9])", _h_numeric),
    _rule(rf"(?:{_MOD})?(?P<month>{MONTH})(?:,?\s+(?:of\s+)?(?P<year>{YEAR})|\s+(?:of\s+)?(?P<rel>this|last|next)\s+year)", _h_month_year),
    _rule(rf"(?:{_MOD})?(?:(?P<rel>last|this|next)\s+)?(?P<month>{MONTH})", _h_month),
    _rule(rf"(?:(?P<rel>last|this|next|past|previous|coming)\s+)?(?P<wd>{WEEKDAY})(?:\s+(?P<part>{PART}))?", _h_weekday),
    _rule(rf"(?:every|each|on)\s+(?P<wd>{WEEKDAY})|(?P<wd2>{WEEKDAY})s(?:\s+(?P<part2>{PART})s?)?", _h_weekday_set),
    _rule(rf"(?P<word>today|yesterday|tomorrow|tonight)(?:\s+(?P<part>{PART}))?", _h_deictic_day),
    _rule(rf"(?:{_MOD})?(?:(?P<rel>this|last)\s+(?P<part>morning|afternoon|evening|night))", _h_part_of_day),
    _rule(rf"(?:{_MOD})?(?P<rel>{REL})\s+(?:fiscal\s+)?(?P<unit>week|month|year|weekend|quarter|decade|century)", _h_rel_unit),
    _rule(rf"(?:{_MOD})?(?:(?P<rel>{REL})\s+|the\s+)?(?P<season>spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?(?P<year>{YEAR}))?", _h_season),
    _rule(rf"(?:{_MOD})?(?:fiscal\s+|calendar\s+)?{YEAR}", _h_year),
    _rule(rf"(?:the\s+)?(?:(?:early|mid|late)[\s-]+)?(?:mid-)?(?P<decade>(?:1[5-9]|20)\d0)'?s", _h_decade),
    _rule(r"(?:the\s+)?(?P<n>\d{1,2})(?:st|nd|rd|th)[\s-]+century", _h_century),
    _rule(rf"(?:(?P<rel>this\s+year's|last\s+year's|next\s+year's)\s+|(?:the\s+)?(?P<year2>{YEAR})\s+|the\s+(?=\w+\s))?(?:fiscal[\s-]+)?"
          rf"(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter(?:\s+of\s+(?:fiscal\s+)?(?P<year>{YEAR})|\s+of\s+(?P<qrel>last|this|next)\s+year)?", _h_quarter),
    _rule(r"the\s+same\s+(?:period|quarter)\s+(?:a\s+year\s+(?:earlier|ago|before)|(?:of\s+)?last\s+year|the\s+previous\s+year)", _h_same_period),
    _rule(rf"(?:the\s+)?(?P<ord>first|second)\s+half(?:\s+of\s+(?:the\s+year|(?:fiscal\s+)?(?P<year>{YEAR})))?", _h_half),
    _rule(r"daily|weekly|monthly|annually|yearly|hourly|nightly|quarterly|biweekly", _h_set_adverb),
    _rule(rf"(?:every|each)\s+(?P<other>other\s+)?(?:(?P<num>{NUM})\s+)?(?P<unit>{UNIT})", _h_set_every),
    _rule(rf"(?P<det>a|an|per)\s+(?P<unit>day|week|month|year|hour|minute|quarter)", _h_set_per),
    _rule(rf"{APPROX}?(?:(?P<num>{NUM})\s+)?(?:more\s+)?(?P<unit>{UNIT})(?:\s+or\s+so)?\s+(?P<dir>ago|earlier|later|hence|from\s+now)", _h_ago),
    _rule(rf"{APPROX}?(?:the\s+(?:past|last|next|first|previous|coming|final|latest|remaining|following)\s+|(?:past|last|next|first|previous|coming)\s+|the\s+)?"
          rf"(?P<num>{NUM})(?:\s+(?:more|additional|full|straight|consecutive|long))?\s+(?P<unit>{UNIT})(?![\s-]+old)", _h_duration),
    _rule(rf"(?P<num>\d+|{_NUM_WORD})-(?P<unit>{UNIT})(?!-old)", _h_duration),
    _rule(rf"(?:(?P<pre>the\s+(?:past|last|next|coming)\s+(?:few|several)|the\s+(?:past|last|next|coming)|recent|coming|several|many)\s+)?"
          r"(?P<unit>years|months|weeks|days|decades|centuries|hours|minutes)(?![\s-]+old)", _h_bare_units),
    _rule(r"the\s+near\s+future|the\s+(?:future|present|past)|these\s+days|now|currently|nowadays|recently|previously"
          r"|formerly|lately|(?<!as\s)soon|(?<=\bat\s)the\s+moment|current(?!\s+(?:year|month|week|quarter))", _h_ref),
    _rule(rf"(?P<clock>{CLOCK}){TZ}?(?:,?\s+(?:(?P<wd>{WEEKDAY})|(?P<deictic>today|yesterday|tomorrow|tonight)|(?P<month>{MONTH})\s*(?P<day>{DAY})))?", _h_clock),
    _rule(r"(?:(?P<rel>(?-i:[Ll]ast|[Tt]his|[Nn]ext))\s+)?(?P<name>(?-i:Christmas(?:\s+(?:Day|Eve))?|New\s+Year(?:'|’)s\s+(?:Day|Eve)|Halloween|Valentine(?:'|’)s\s+Day"
          rf"|Independence\s+Day|Thanksgiving(?:\s+Day)?|Election\s+Day))(?:\s+(?P<year>{YEAR}))?", _h_holiday),
    _rule(r"(?:the\s+(?:end|beginning|start|middle|rest|remainder)\s+of|(?:earlier|later)\s+in)\s+the\s+(?P<unit>year|month|week|decade|century)", _h_dct_year),
    _rule(r"the\s+(?:(?P<ago>comparable\s+year-(?:ago|earlier)|year-(?:ago|earlier))\s+|(?:latest|most\s+recent|just-ended|fiscal)\s+)?quarter"
          r"|(?:the\s+(?=\S+\s+(?:quarter|period)))?(?P<ago2>year-(?:ago|earlier))(?:\s+(?:quarter|period))?"
          rf"|the\s+(?P<year>{YEAR})\s+period", _h_reported_quarter),
    _rule(r"the\s+(?:full\s+|fiscal\s+|current\s+fiscal\s+|full\s+fiscal\s+)?year(?!\s+(?:\d|two|nineteen))", _h_the_year),
    _rule(r"(?:the\s+)?year(?:-|\s+|'s\s+)end", _h_year_end),
    _rule(r"the\s+weekend", _h_weekend),
    _rule(r"the\s+(?:next|following|previous|preceding)\s+day|the\s+day\s+(?:before|after)", _h_event_day),
    _rule(r"(?:the\s+year\s+)?(?:(?P<cent>nineteen|eighteen)\s+(?P<tail>(?:oh[\s-]+)?(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|one|two|three|four|five|six|seven|eight|nine)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)"
          r"|(?<=the\syear\s)(?P<thousand>two\s+thousand)(?:\s+(?:and\s+)?(?P<rest>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty))?)", _h_spelled_year),
]

_LEADING_WORDS = re.compile(
    r"^(?:(?:on|in|at|since|by|until|till|from|to|during|for|of|through|throughout|within|before|after|as|around|the|a|an)\s+)+", re.I
)


def _candidates(ctx: _Context) -> Iterator[tuple[int, int, int, _Norm]]:
    """All grammar matches that normalize: ``(start, end, rule index, norm)``."""
    for i, (pattern, handler) in enumerate(_RULES):
        for m in pattern.finditer(ctx.text):
            norm = handler(m, ctx)
            if norm is not None:
                yield m.start(), m.end(), i, norm


def _spacy_candidates(ctx: _Context) -> Iterator[tuple[int, int, int, _Norm]]:
    """spaCy DATE entities with a stated year and month, normalized with ``dateparser.parse``."""
    for ent in ctx.doc.ents:
        if ent.label_ != "DATE":
            continue
        text = ent.text
        lead = _LEADING_WORDS.match(text)
        start = ent.start_char + (lead.end() if lead else 0)
        core = ctx.text[start:ent.end_char].rstrip(" .,")
        if not (re.search(YEAR, core) and re.search(MONTH, core)):
            continue
        norm = _dateparser_norm(core)
        if norm is not None:
            yield start, start + len(core), len(_RULES), norm


@functools.lru_cache(maxsize=1)
def _date_parser():
    """One English ``DateDataParser`` per process (building one per call dominated the run time)."""
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={"REQUIRE_PARTS": ["month", "year"], "STRICT_PARSING": False})


@functools.lru_cache(maxsize=4096)
def _dateparser_norm(text: str) -> _Norm | None:
    """Absolute date through dateparser (day granularity only when a day is stated)."""
    parsed = _date_parser().get_date_data(text).date_obj
    if parsed is None:
        return None
    has_day = re.search(r"(?<!\d)(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)", re.sub(YEAR, "", text))
    value = parsed.date().isoformat() if has_day else f"{parsed.year}-{parsed.month:02d}"
    return _Norm("DATE", value, "absolute")


def _select(cands: list[tuple[int, int, int, _Norm]]) -> list[tuple[int, int, _Norm]]:
    """Longest-first, then earliest rule, non-overlapping selection, sorted by start."""
    chosen: list[tuple[int, int, _Norm]] = []
    taken: list[tuple[int, int]] = []
    for start, end, _, norm in sorted(cands, key=lambda c: (-(c[1] - c[0]), c[2], c[0])):
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        chosen.append((start, end, norm))
    return sorted(chosen, key=lambda c: c[0])


def extract_timexes(doc: Doc, dct: dt.date | None) -> list[Timex]:
    """Find and normalize the temporal expressions of a parsed text.

    Args:
        doc: a spaCy ``Doc`` (from :func:`analysis.lang.nlp.parse`); its entities and parse are used.
        dct: the document creation time; ``None`` leaves relative expressions underspecified
            (``"XXXX-12"``, ``"XXXX-WXX-1"``) with anchor ``"unresolved"``.

    Returns:
        Timexes sorted by start offset, non-overlapping.
    """
    ctx = _Context(doc, dct)
    cands = list(_candidates(ctx)) + list(_spacy_candidates(ctx))
    return _anchor_to_events([
        Timex(start, end, ctx.text[start:end], norm.type, norm.value, norm.anchor, ctx.sent_index(start))
        for start, end, norm in _select(cands)
    ])


#: "later this year", "the rest of the month": the part of the period after the DCT ...
_AFTER_DCT = re.compile(r"(?:later|the\s+(?:rest|remainder)\s+of)\b", re.I)
#: ... "earlier this week": the part before it.
_BEFORE_DCT = re.compile(r"earlier\b", re.I)


def dct_part(text: str) -> int:
    """Which part of its period an expression means when the period holds the DCT.

    The TIMEX3 value of "later this year" is the DCT's year (TimeML; TE3-Platinum annotates it so),
    but the expression means the rest of that year: +1 for the part after the DCT ("later this
    year", "later this month", "the rest of the week"), -1 for the part before it ("earlier this
    week", "earlier this year"), 0 for the whole period ("this year", "late last year"). A calendar
    narrows the period only when it holds the DCT (:func:`analysis.articles.chronology.timeline_records`).
    """
    if _AFTER_DCT.match(text):
        return 1
    if _BEFORE_DCT.match(text):
        return -1
    return 0
