"""The story across articles: which days mattered and what happened on each, with sources.

A corpus-level pass over per-article results (news timeline summarization):

1. :func:`dated_articles` reads each article once: PTB tokens detokenized (``-LRB-``,
   ````` ``, `` 's``), boilerplate lines dropped, the text capped (:data:`MAX_LINES`,
   :data:`MAX_TOKENS`), the lines that may hold a date parsed with spaCy (one ``nlp.pipe``
   pass) and their temporal expressions found by :func:`analysis.timex.extract_timexes`,
   normalized against the article's publication date. The result (lines and the dates they
   name) is cached per article on disk (``.cache/analysis/story/``), so re-scoring a corpus
   re-parses nothing. Dates far after publication (crawl-time widgets, "RETWEET ... 2013" in
   a 2011 article) are dropped (:data:`MAX_AHEAD_DAYS`).
2. :func:`story` ranks days: an article that dates a sentence to day *d* (at day granularity,
   not after its own publication) votes for *d*, and so does each article published on *d*
   (:data:`PUB_WEIGHT` each). For every chosen day the candidate sentences are those dating
   an event to it plus the lead sentences of articles published that day or the next
   (with no date of their own); near-duplicate candidates from different articles merge into
   one event that keeps all its sources; events compete on TF-IDF closeness to the day's
   centroid times their support (distinct articles), and one too close to an event already
   chosen (for any day) is skipped. The day's centroid is built from every candidate of the day;
   only plain statements naming a keyword, without their wire dateline, are summaries
   (:class:`StoryOptions` ``centroid_pool``, ``plain``, ``dateline``; DATEWISE's shared-term date
   vector, ``date_centroid="shared"``, is an option).

A corpus run has parsed its articles already: :mod:`analysis.corpus.story_corpus` builds the same
per-article inputs from its ``sentences``, ``timexes`` and ``articles`` tables (no second parse) and
queries the story by keywords, a corpus entity and a date range.

Tables: :data:`STORY_COLUMNS` (one row per day, :func:`story`) and :data:`EVENT_COLUMNS`
(one row per event sentence of the story, :func:`story_events`); :func:`plot_story` draws it.
"""
from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..config import cache_dir
from ..errors import ArticleError
from ..fileio import write_atomic

__all__ = [
    "STORY_COLUMNS", "EVENT_COLUMNS", "DatedArticle", "StoryOptions", "detokenize", "dated_articles",
    "read_articles", "story", "story_events", "plot_story", "inputs_text",
]

#: Lines of an article read (boilerplate excluded): the lead and body of a news story; blog pages
#: with thousands of comment lines are cut here.
MAX_LINES = 120
#: Whitespace tokens of an article read at most (the median T17 article has 799).
MAX_TOKENS = 3000
#: Lines longer than this (tokens) are page furniture or run-on comment text, not sentences.
MAX_LINE_TOKENS = 80
#: A date more than this many days after publication is not the article's (a crawl-time widget,
#: a "most read" box): it is dropped.
MAX_AHEAD_DAYS = 60
#: Version of the per-article extraction; part of the cache key (with a hash of the timex extractor's source).
EXTRACT_VERSION = "1"

#: One row per story day (:func:`story`).
STORY_COLUMNS = [
    "date",         # the day (datetime64)
    "rank",         # 1 = most salient day
    "salience",     # the day's score: article votes (dating articles + PUB_WEIGHT * published that day)
    "summary",      # the day's event sentences, newline-joined, most salient first
    "n_articles",   # distinct articles behind the summary sentences (all merged near-duplicates)
    "n_outlets",    # distinct outlets among them
    "source_ids",   # their article ids, "; "-joined
    "outlets",      # their outlets, "; "-joined
    "n_dating",     # articles that date a sentence to this day
    "n_published",  # articles published on this day
]
#: One row per event sentence of the story (:func:`story_events`).
EVENT_COLUMNS = [
    "date", "rank", "event_rank", "sentence", "score", "n_articles", "n_outlets", "source_ids", "outlets",
]

# --------------------------------------------------------------------------- text handling
_PTB = [
    (re.compile(r"-LRB-|-LSB-|-LCB-"), "("), (re.compile(r"-RRB-|-RSB-|-RCB-"), ")"),
    (re.compile(r"``\s*"), '"'), (re.compile(r"\s*''"), '"'),
    (re.compile(r"\(\s+"), "("), (re.compile(r"\s+\)"), ")"),
    (re.compile(r"\s+(n't|'s|'re|'ve|'m|'ll|'d|')(?=\s|$)", re.I), r"\1"),
    (re.compile(r"\s+([.,;:!?%])(?=\s|$)"), r"\1"),
    (re.compile(r"(\$|#)\s+(?=\d)"), r"\1"),
    (re.compile(r"\\\*"), "*"),
    (re.compile(r"\s{2,}"), " "),
]


def detokenize(line: str) -> str:
    """A PTB-tokenized line as ordinary text: ``-LRB- 1 -RRB- `` a '' , it 's`` → ``(1) "a", it's``."""
    text = line.strip()
    for pattern, repl in _PTB:
        text = pattern.sub(repl, text)
    text = re.sub(r'"\s+([^"]*?)\s*"', r'"\1"', text)  # tighten matched quotes
    return text.strip()


#: Page furniture seen across outlets (ads, comment policy, sign-up forms, share widgets, sidebars).
_BOILERPLATE = re.compile(
    r"ultra-low latency|comment(?:s)? (?:policy|are closed)|terms of (?:service|use)|privacy policy|e-mail address"
    r"|sign up|log ?in|retweet|follow us|share this|click here|all rights reserved|copyright|\bcookies?\b"
    r"|screen name|ireport|most popular|most read|advertisement|newsletter|subscribe|says jim muir"
    r"|your (?:comments?|password|e-mail)|report abuse|recommend(?:ed)? \(|\bpermalink\b",
    re.I,
)
#: Words that may start a temporal expression; a line with none of them (and no digit) holds no
#: date, so it is not parsed.
_TEMPORAL_CUE = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|\b(?:today|tonight|yesterday|tomorrow|day|days|week|weeks|weekend|month|months|year|years|quarter|decade"
    r"|century|morning|afternoon|evening|night|overnight|noon|midnight|ago|spring|summer|autumn|fall|winter|christmas"
    r"|easter|eve|now|recently|currently|earlier|later|hour|hours)\b",
    re.I,
)


@dataclass
class DatedArticle:
    """One article as the story pass uses it (the per-article result that is cached).

    Attributes:
        id: article id; outlet: publisher (folder) name; published: publication day.
        lines: the article's sentences (one per source line, detokenized, boilerplate dropped,
            capped); index 0 holds the fused headline/lead in T17.
        dates: ``(line index, ISO day, expression)`` for every day-level date a line names
            (after the widget filter), in text order.
        months: ``(line index, "YYYY-MM", expression)`` for month-level dates.
    """

    id: str
    outlet: str
    published: dt.date
    lines: list[str]
    dates: list[tuple[int, str, str]] = field(default_factory=list)
    months: list[tuple[int, str, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"id": self.id, "outlet": self.outlet, "published": self.published.isoformat(), "lines": self.lines,
                "dates": self.dates, "months": self.months}

    @classmethod
    def from_json(cls, d: dict) -> "DatedArticle":
        return cls(d["id"], d["outlet"], dt.date.fromisoformat(d["published"]), d["lines"],
                   [tuple(x) for x in d["dates"]], [tuple(x) for x in d["months"]])


def article_lines(text: str) -> list[str]:
    """The article's sentences: detokenized source lines without boilerplate, capped."""
    out: list[str] = []
    tokens = 0
    for raw in text.splitlines():
        n = len(raw.split())
        if not n:
            continue
        if n > MAX_LINE_TOKENS or _BOILERPLATE.search(raw):
            continue
        if tokens + n > MAX_TOKENS or len(out) >= MAX_LINES:
            break
        tokens += n
        out.append(detokenize(raw))
    return out


def _cache_path(record_key: str) -> Path:
    return cache_dir() / "story" / record_key[:2] / f"{record_key}.json"


@functools.lru_cache(maxsize=1)
def _extractor_hash() -> str:
    """Hash of what a per-article result depends on: the timex extractor's source, the installed spaCy
    model packages and the name tagger's weights (whose DATE entities the extractor reads), so a cached
    result is stale once any of them changes. Computed without loading the model."""
    from importlib import metadata

    from ..articles import chronology
    from ..lang import nlp, tagger, timex

    h = hashlib.sha256()
    for module in (timex, chronology):
        h.update(Path(module.__file__).read_bytes())
    for name in nlp.MODEL_CANDIDATES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            pass
    h.update(tagger.TAGGER_VERSION.encode())
    for artifact in tagger.ARTIFACTS:
        if artifact.exists():
            h.update(hashlib.sha256(artifact.read_bytes()).digest())
    return h.hexdigest()[:16]


def _record_key(article_id: str, published: dt.date, text: str) -> str:
    h = hashlib.sha256()
    h.update(f"{EXTRACT_VERSION}|{_extractor_hash()}|{MAX_LINES}|{MAX_TOKENS}|{MAX_LINE_TOKENS}|{MAX_AHEAD_DAYS}|{article_id}|{published}\0".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _extract(lines: list[str], doc, published: dt.date, line_of: list[int], starts: list[int]):
    """Day- and month-level dates of the parsed lines (``doc`` = the cue lines joined by newlines)."""
    import bisect

    from ..articles.chronology import value_period
    from ..lang.timex import extract_timexes

    dates, months = [], []
    horizon = published + dt.timedelta(days=MAX_AHEAD_DAYS)
    for tx in extract_timexes(doc, published):
        gran, start, _ = value_period(tx.value)
        if start is None or gran not in {"day", "time", "month"}:
            continue
        day = start.date()
        if day > horizon or day.year < 1900:
            continue
        line = line_of[bisect.bisect_right(starts, tx.start) - 1]
        if gran == "month":
            months.append((line, tx.value[:7], tx.text))
        else:
            dates.append((line, day.isoformat(), tx.text))
    return dates, months


def dated_articles(
    records: Iterable[dict],
    *,
    use_cache: bool = True,
    batch_size: int = 32,
    progress: bool = False,
) -> list[DatedArticle]:
    """Per-article results (lines and the days they name) of ``records``, parsing only cache misses.

    Args:
        records: dicts with ``id``, ``time`` (publication day, ``YYYY-MM-DD`` or a date),
            ``text`` and optionally ``source`` (the outlet).
        use_cache: read/write ``.cache/analysis/story/<key>.json`` (key: text, id, date, caps).
        batch_size: texts per ``nlp.pipe`` batch.
        progress: print a progress line to stderr every 100 parsed articles.

    Returns:
        One :class:`DatedArticle` per record, in input order.
    """
    out: list[DatedArticle | None] = []
    todo: list[tuple[int, str, dict, dt.date, list[str]]] = []
    for rec in records:
        published = rec["time"] if isinstance(rec["time"], dt.date) else dt.date.fromisoformat(str(rec["time"])[:10])
        key = _record_key(rec["id"], published, rec["text"])
        path = _cache_path(key)
        if use_cache and path.exists():
            try:
                out.append(DatedArticle.from_json(json.loads(path.read_text())))
                continue
            except (ValueError, KeyError):
                pass  # a corrupt entry is recomputed
        todo.append((len(out), key, rec, published, article_lines(rec["text"])))
        out.append(None)
    if todo:
        from ..lang.nlp import SKIPPABLE, load_model

        nlp = load_model()
        texts, layouts = [], []
        for _, _, _, _, lines in todo:
            cue = [i for i, line in enumerate(lines) if _TEMPORAL_CUE.search(line)]
            starts, pos = [], 0
            for i in cue:
                starts.append(pos)
                pos += len(lines[i]) + 2
            texts.append("\n\n".join(lines[i] for i in cue))
            layouts.append((cue, starts))
        disable = [p for p in SKIPPABLE if p in nlp.pipe_names]
        for n, (doc, (slot, key, rec, published, lines), (cue, starts)) in enumerate(
            zip(nlp.pipe(texts, batch_size=batch_size, disable=disable), todo, layouts), 1
        ):
            dates, months = _extract(lines, doc, published, cue, starts) if cue else ([], [])
            art = DatedArticle(rec["id"], rec.get("source") or "", published, lines, dates, months)
            if use_cache:
                write_atomic(_cache_path(key), json.dumps(art.to_json()).encode())
            out[slot] = art
            if progress and n % 100 == 0:
                print(f"story: parsed {n}/{len(todo)} articles", file=sys.stderr, flush=True)
    return out  # type: ignore[return-value]


def read_articles(path: str | Path) -> list[dict]:
    """Articles of a JSON Lines file (``.jsonl`` or ``.jsonl.gz``; ``id``, ``time``, ``text``, ``source``).

    Raises:
        ArticleError: naming the file and the line when a record is not usable.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "articles.jsonl.gz"
    if not path.exists():
        raise ArticleError(path, "no such file")
    opener = gzip.open if path.suffix == ".gz" else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                dt.date.fromisoformat(str(rec["time"])[:10])
                if not isinstance(rec["text"], str) or not rec.get("id"):
                    raise ValueError("text must be a string and id non-empty")
            except (ValueError, KeyError, TypeError) as err:
                raise ArticleError(f"{path}:{n}", f"not an article record ({type(err).__name__}: {err})") from None
            out.append(rec)
    return out


# --------------------------------------------------------------------------- the story pass
@dataclass(frozen=True)
class StoryOptions:
    """The design choices of :func:`story` (defaults = the evaluated system; see the ablation in
    ``analysis/evaluation/tls.py``). Constants are global, never per topic.

    Attributes:
        date_ranker: ``"votes"`` (articles dating a sentence to the day + ``pub_weight`` x articles
            published that day), ``"pubcount"`` (articles published that day: the PUBCOUNT baseline),
            ``"mentions"`` (dating articles only) or ``"random"`` (publication days shuffled with ``seed``).
        pub_weight: weight of one published article against one dating article.
        vote: ``"articles"`` (an article votes once per day it names) or ``"sentences"`` (every dating sentence).
        future_days: a mention votes only when the day is at most this many days after the article's publication.
        pub_days: lead sentences of an article stand for its publication day and the ``pub_days - 1`` days before.
        lead: lead sentences of an article that are candidates for its publication day.
        support: weigh an event by its support (1 + log of its distinct articles), not by centrality alone.
        balanced: the day's centroid weighs its dating sentences and its lead sentences equally
            (else: the mean of all candidates).
        dup_sim: cosine (TF-IDF) at which two candidate sentences are one event (merged, sources pooled).
        redundancy: cosine above which a candidate repeats an event already in the story (skipped).
        relevance: with keywords, an article takes part (votes, candidates) only when at least this
            many of its lines name one (0: every article).
        min_tokens, max_tokens: length of a summary sentence (words).
        seed: random seed of the ``"random"`` ranker.
        topic_weight: an event's centrality adds this weight times its closeness to the whole story's
            centroid (every candidate of every day), so that a day's events stay on the story's topic (0: off).
        lead_weight: centrality of a lead sentence (a candidate by its article's publication day, not by a
            date it names) is multiplied by this (1: lead and dating sentences compete alike).
        position_decay: centrality of a sentence on line ``i`` of its article is divided by
            ``1 + position_decay * i`` (news puts what happened first; 0: no position prior).
        dateline: a wire dateline in a sentence ("CAIRO, Egypt (CNN) --", "LONDON (Reuters) -",
            "NEW ORLEANS --") is cut from the summary sentence together with what precedes it on the line
            (in Timeline17 a headline fused in front of the lead): :func:`drop_dateline`.
        date_centroid: ``"mean"`` (the day's centroid is the mean of its candidates, see ``balanced``) or
            ``"shared"`` (DATEWISE's PM-Mean date vector: only the terms found both in sentences dating an
            event to the day and in that day's lead sentences, each kind weighing half; the mean when
            the day has only one kind or they share no term).
        centroid_pool: ``"matching"`` (the centroid is built from the candidates that may be summaries,
            i.e. that name a keyword) or ``"all"`` (from every candidate of the day, keyword or not; the
            keyword constraint then applies only to the sentences chosen, as in DATEWISE).
        plain: summary sentences are plain reported statements: questions, first-person sentences
            (I/we/my/our outside quotation marks) and sentences that open with a quotation are not
            summaries (:func:`plain_statement`); they still shape the day's centroid.
    """

    date_ranker: str = "votes"
    pub_weight: float = 1.0
    vote: str = "articles"
    future_days: int = 0
    pub_days: int = 2
    lead: int = 5
    support: bool = True
    balanced: bool = False
    dup_sim: float = 0.8
    redundancy: float = 0.3
    relevance: int = 2
    min_tokens: int = 6
    max_tokens: int = 60
    seed: int = 0
    topic_weight: float = 0.0
    lead_weight: float = 1.0
    position_decay: float = 0.0
    dateline: bool = True
    date_centroid: str = "mean"
    centroid_pool: str = "all"
    plain: bool = True


@dataclass
class _Candidate:
    sentence: str
    article: str
    outlet: str
    dating: bool = True  # the sentence names the day (False: a lead sentence of that day's article)
    line: int = -1  # its index in the article's lines
    eligible: bool = True  # it may be a summary sentence (keyword, plain statement); else it only shapes the centroid


_STAMP_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: A stamp's date: "May 11, 2010", "19 January, 2010", "03 February 12" (two-digit year).
_STAMP_DATE = rf"(?:{_STAMP_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_STAMP_MONTH},?\s+(?:\d{{4}}|\d{{2}}))"
#: A stamp's clock time with its zone: "20:24 UTC", "4:29 pm", "12:13 UK time".
_STAMP_CLOCK = r"\d{1,2}:\s*\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*(?:GMT|UTC|BST|EDT|EST|ET|CET|UK\s+time|local\s+time)\b)?"
#: Page stamps in front of a lead line: a Reuters dateline ("BEIRUT | Wed May 11, 2011 4:25 pm EDT BEIRUT
#: (Reuters) -"), a BBC "21 December 2011 Last updated at 04:27 GMT" header. Their date is the page's,
#: not an event's: it is no vote and no part of a summary sentence.
_STAMP = re.compile(
    r"^(?:Credit:.{0,100}?)?[A-Z][A-Za-z .,'-]{1,40}\|\s*(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*\.?\s+\w{3,9}\.?\s+\d{1,2},\s*\d{4}"
    r"\s+\d{1,2}:\s*\d{2}\s*[ap]m\s+[A-Z]{2,4}\s+(?:[A-Z][A-Za-z .,'-]{1,40}\((?:Reuters)\)\s*-+\s*)?"
    r"|^\d{1,2} \w+ \d{4},? Last updated at \d{1,2}:\d{2}\s*(?:GMT|BST|ET)?\s*(?:Help\s+)?"
    # a post or update stamp: a date with a clock time in front of the text ("May 11, 2010 20:24 UTC",
    # "Last updated: 19 January, 2010 - 14:10 GMT", "03 February 12 17:03 GMT", "February 1, 2011 at 4:29 pm |",
    # "12:13 UK time, Thursday, 10 June 2010"); a date alone in front ("June 15, 2010: Obama speaks") is an event's
    rf"|^(?i:(?:(?:Last\s+)?(?:updated|posted|published)\s*:?\s*)?{_STAMP_DATE}\s*(?:-|at|,)?\s*{_STAMP_CLOCK}\s*(?:\|\s*)?)"
    rf"|^(?i:{_STAMP_CLOCK},?\s*(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s*)?{_STAMP_DATE}\s*(?:\|\s*)?)"
)
#: A clock time alone ("04:27 GMT", "7 pm") dates nothing but the page.
_CLOCK_ONLY = re.compile(r"(?:about |around |at |by )?\d{1,2}(?:[:.]\s*\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:GMT|BST|EDT|EST|ET|UTC|CET|local time)?", re.I)


def split_stamp(line: str) -> tuple[str, str]:
    """``(stamp, rest)`` of a line: the page stamp in front (see :data:`_STAMP`), or ``""``."""
    m = _STAMP.match(line)
    return (m.group(), line[m.end():]) if m else ("", line)


def event_dates(a: DatedArticle) -> list[tuple[int, dt.date]]:
    """``(line, day)`` of the article's dates that date an event: not a page stamp's, not a bare clock time."""
    cached = getattr(a, "_event_dates", None)
    if cached is not None:
        return cached
    out = []
    stamps: dict[int, tuple[str, str]] = {}
    for line, day, expr in a.dates:
        if _CLOCK_ONLY.fullmatch(expr.strip()):
            continue
        stamp, rest = stamps.setdefault(line, split_stamp(a.lines[line]))
        if stamp and expr in stamp and expr not in rest:
            continue
        out.append((line, dt.date.fromisoformat(day)))
    a._event_dates = out  # type: ignore[attr-defined]
    return out


_LIVE_PREFIX = re.compile(r"^\((?:update|updated|posted)\b[^)]{0,80}\)\s*|^(?:update|updated)\s*:?\s*[\d:.apm ]+[^,]{0,40},[^)]{0,40}?\bET\)?\s*", re.I)


def summary_sentence(line: str) -> str:
    """A line as a summary sentence: a page stamp or live-blog stamp in front
    ("(Update 3:28 a.m. Thursday in Cairo, ...)") dropped."""
    return _LIVE_PREFIX.sub("", split_stamp(line)[1]).strip()


def _matches(text: str, terms: Sequence[str]) -> bool:
    low = text.lower()
    return any(t in low for t in terms)


def _in_range(d: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or d >= start) and (end is None or d <= end)


def rank_days(
    articles: Sequence[DatedArticle],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    options: StoryOptions = StoryOptions(),
) -> pd.DataFrame:
    """Days ranked by salience: columns ``date`` (datetime.date), ``salience``, ``n_dating``, ``n_published``."""
    dating: Counter = Counter()
    published = Counter(a.published for a in articles)
    for a in articles:
        horizon = a.published + dt.timedelta(days=options.future_days)
        days = [d for _, d in event_dates(a) if d <= horizon]
        dating.update(set(days) if options.vote == "articles" else days)
    days = sorted(d for d in set(dating) | set(published) if _in_range(d, start, end))
    if options.date_ranker == "pubcount":
        score = {d: float(published[d]) for d in days}
    elif options.date_ranker == "mentions":
        score = {d: float(dating[d]) for d in days}
    elif options.date_ranker == "votes":
        score = {d: dating[d] + options.pub_weight * published[d] for d in days}
    elif options.date_ranker == "random":
        rng = np.random.default_rng(options.seed)
        pool = sorted({d for d in published if _in_range(d, start, end)})
        order = rng.permutation(len(pool))
        score = {pool[i]: float(len(pool) - r) for r, i in enumerate(order)}
        days = pool
    else:
        raise ValueError(f"unknown date_ranker {options.date_ranker!r}")
    rows = [(d, score[d], dating[d], published[d]) for d in days if score[d] > 0]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return pd.DataFrame(rows, columns=["date", "salience", "n_dating", "n_published"])


def _candidates(
    articles: Sequence[DatedArticle], terms: Sequence[str], options: StoryOptions
) -> dict[dt.date, list[_Candidate]]:
    """Day → sentences that may describe it: lines dating an event to it, leads of that day's articles."""
    by_day: dict[dt.date, list[_Candidate]] = defaultdict(list)

    def ok(sentence: str) -> bool:
        n = len(sentence.split())
        return bool(sentence) and options.min_tokens <= n <= options.max_tokens

    def clean(line: str) -> str:
        sentence = summary_sentence(line)
        return drop_dateline(sentence) if options.dateline else sentence

    def eligible(sentence: str) -> bool:
        return (not terms or _matches(sentence, terms)) and (not options.plain or plain_statement(sentence))

    pool_all = options.centroid_pool == "all"
    for a in articles:
        dated_lines: dict[int, set[dt.date]] = defaultdict(set)
        for line, d in event_dates(a):
            dated_lines[line].add(d)
        for line, days in dated_lines.items():
            sentence = clean(a.lines[line])
            if ok(sentence) and ((use := eligible(sentence)) or pool_all or options.plain and _matches_any(sentence, terms)):
                for d in days:
                    by_day[d].append(_Candidate(sentence, a.id, a.outlet, True, line, use))
        for i, line in enumerate(a.lines[: options.lead]):
            sentence = clean(line)
            if i in dated_lines or not ok(sentence):
                continue
            use = eligible(sentence)
            if not (use or pool_all or options.plain and _matches_any(sentence, terms)):
                continue
            for k in range(options.pub_days):
                by_day[a.published - dt.timedelta(days=k)].append(_Candidate(sentence, a.id, a.outlet, False, i, use))
    return by_day


#: A wire dateline: place in capitals, optional region, the agency in brackets, a dash ("CAIRO, Egypt (CNN) --");
#: or a place in capitals and a double dash ("NEW ORLEANS --"). What precedes it on the line is a headline.
_DATELINE = re.compile(
    r"^(?:.{0,200}?\s)?[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]+){0,3}(?:,\s*[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2})?"
    r"\s*(?:\((?:Reuters|AP|AFP|CNN|CNN\.com|CNNMoney)\)\s*-+|--)\s+"
)


def drop_dateline(sentence: str) -> str:
    """A sentence without the wire dateline in it and what precedes it ("Rig sinks LONDON (Reuters) - BP said"
    → "BP said"); unchanged when it has none or when nothing would remain."""
    m = _DATELINE.match(sentence)
    if not m or len(sentence) - m.end() < 20:
        return sentence
    return sentence[m.end():]


def _matches_any(sentence: str, terms: Sequence[str]) -> bool:
    return not terms or _matches(sentence, terms)


_FIRST_PERSON = re.compile(r"\b(?:I|we|We|me|us|my|My|our|Our|I'm|I've|we're|We're|we've)\b")
_QUOTED = re.compile(r'"[^"]*"?')


def plain_statement(sentence: str) -> bool:
    """A sentence that reports something in the third person: not a question, not first person outside
    quotation marks (a columnist's or commenter's voice), not opening with a quotation (speech whose
    speaker comes later or in another sentence)."""
    text = sentence.strip()
    if not text or text.endswith("?") or text[0] in "\"'“‘":
        return False
    return not _FIRST_PERSON.search(_QUOTED.sub(" ", text))


@functools.lru_cache(maxsize=1)
def _analyzer():
    """sklearn's default word analyzer (lower-cased, English stop words dropped), memoized per text: the
    same lines are fitted for every system and task of a topic and their sentences transformed again."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return functools.lru_cache(maxsize=1 << 18)(TfidfVectorizer(stop_words="english", lowercase=True).build_analyzer())


#: The last fitted vectorizers with the articles they were fitted on (the systems of one task share them).
_VECTORIZERS: list[tuple[tuple, object]] = []


def _vectorizer(articles: Sequence[DatedArticle]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    key = tuple(articles)
    for arts, vec in _VECTORIZERS:  # the same article objects: the same fit
        if len(arts) == len(key) and all(a is b for a, b in zip(arts, key)):
            return vec
    vec = TfidfVectorizer(analyzer=_analyzer(), sublinear_tf=True, min_df=2, dtype=np.float32)
    corpus = [line for a in articles for line in a.lines]
    try:
        vec.fit(corpus)
    except ValueError:  # tiny corpora: every term once
        vec = TfidfVectorizer(analyzer=_analyzer(), sublinear_tf=True, dtype=np.float32).fit(corpus or ["empty"])
    _VECTORIZERS.insert(0, (key, vec))
    del _VECTORIZERS[2:]
    return vec


def _events_of_day(cands: list[_Candidate], vec, options: StoryOptions, topic: np.ndarray | None = None):
    """Merge near-duplicates and score events: ``(X, [(score, rep row, [members])])``, best first.

    ``topic``: the unit centroid of the whole story's candidates (with ``options.topic_weight``).
    """
    from sklearn.preprocessing import normalize

    X = normalize(vec.transform([c.sentence for c in cands]))
    dating = np.array([c.dating for c in cands])
    both = dating.any() and not dating.all()
    centroid = None
    if options.date_centroid == "shared" and both:  # DATEWISE PM-Mean: terms of both kinds only
        ment = np.asarray(X[dating].mean(axis=0)).ravel()
        pub = np.asarray(X[~dating].mean(axis=0)).ravel()
        centroid = np.where((ment > 0) & (pub > 0), ment + pub, 0.0)
        if not centroid.any():
            centroid = None
    if centroid is not None:
        pass
    elif options.balanced and both:  # both kinds count half
        centroid = np.asarray(X[dating].mean(axis=0)).ravel() + np.asarray(X[~dating].mean(axis=0)).ravel()
    else:
        centroid = np.asarray(X.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return X, []
    central = X @ (centroid / norm)
    if options.topic_weight and topic is not None:
        central = central + options.topic_weight * (X @ topic)
    if options.lead_weight != 1.0:
        central = np.where(dating, central, central * options.lead_weight)
    if options.position_decay:
        central = central / (1.0 + options.position_decay * np.maximum([c.line for c in cands], 0))
    sims = (X @ X.T).toarray()
    usable = np.array([c.eligible for c in cands])
    order = [int(i) for i in np.argsort(-central, kind="stable") if central[i] > 0 and usable[i]]
    reps: list[int] = []
    members: list[list[int]] = []
    for i in order:
        if reps:
            row = sims[i, reps]
            j = int(np.argmax(row))
            if row[j] >= options.dup_sim:
                members[j].append(i)
                continue
        reps.append(i)
        members.append([i])
    events = []
    for rep, group in zip(reps, members):
        n_art = len({cands[i].article for i in group})
        score = float(central[rep]) * ((1.0 + math.log(n_art)) if options.support else 1.0)
        events.append((score, rep, [cands[i] for i in group]))
    events.sort(key=lambda e: -e[0])
    return X, events


def story(
    articles: Sequence[DatedArticle],
    *,
    keywords: Sequence[str] = (),
    entity: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    n_dates: int = 10,
    n_sentences: int = 2,
    options: StoryOptions = StoryOptions(),
    mentions: dict[str, set[int]] | None = None,
) -> pd.DataFrame:
    """The story of ``articles``: the ``n_dates`` most salient days, each with its events.

    Args:
        articles: per-article results (:func:`dated_articles`).
        keywords: summary sentences must contain one of them (case-insensitive substring);
            empty: no constraint.
        entity: only articles naming it take part, and summary sentences must name it
            (a string now; an entity id once the cross-document identity pass exists).
        start, end: date range (inclusive) of the publication days read and the days told.
        n_dates: days in the story; n_sentences: event sentences per day.
        options: design choices (:class:`StoryOptions`).
        mentions: article id → indices of its lines that name the queried entity (a corpus entity,
            :func:`analysis.corpus.story_corpus.entity_lines`): only those articles take part and
            only those lines are summary sentences; ``None``: no such constraint.

    Returns:
        One row per day in calendar order, columns :data:`STORY_COLUMNS`.
    """
    return _story(articles, keywords=keywords, entity=entity, start=start, end=end, n_dates=n_dates,
                  n_sentences=n_sentences, options=options, mentions=mentions)[0]


def story_events(articles: Sequence[DatedArticle], **kwargs) -> pd.DataFrame:
    """The event sentences of :func:`story` (same arguments), one row each: :data:`EVENT_COLUMNS`."""
    return _story(articles, **kwargs)[1]


def _as_date(d) -> dt.date | None:
    if d is None or d == "":
        return None
    return d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])


def _story(articles, *, keywords=(), entity=None, start=None, end=None, n_dates=10, n_sentences=2,
           options: StoryOptions = StoryOptions(), mentions=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    start, end = _as_date(start), _as_date(end)
    arts = [a for a in articles if _in_range(a.published, start, end)]
    if mentions is not None:  # a corpus entity: the articles naming it
        arts = [a for a in arts if mentions.get(a.id)]
    terms = [k.lower() for k in keywords if k]
    if terms and options.relevance:
        arts = [a for a in arts if sum(_matches(line, terms) for line in a.lines) >= options.relevance]
    if entity:
        ent = entity.lower()
        arts = [a for a in arts if any(ent in line.lower() for line in a.lines)]
        terms = [ent] if not terms else terms
    days = rank_days(arts, start=start, end=end, options=options)
    rows, event_rows = [], []
    if len(days) and arts:
        by_day = _candidates(arts, terms, options)
        if entity:
            by_day = {d: [c for c in cs if entity.lower() in c.sentence.lower()] for d, cs in by_day.items()}
        if mentions is not None:  # ... and its events are sentences naming it
            by_day = {d: [c for c in cs if c.line in mentions[c.article]] for d, cs in by_day.items()}
        vec = _vectorizer(arts)
        topic = None
        if options.topic_weight:  # the centroid of every candidate sentence of the story
            from sklearn.preprocessing import normalize

            pool = [c.sentence for cs in by_day.values() for c in cs]
            if pool:
                centroid = np.asarray(normalize(vec.transform(pool)).mean(axis=0)).ravel()
                topic = centroid / (np.linalg.norm(centroid) or 1.0)
        chosen: list = []  # vectors of events already told
        for day, salience, n_dating, n_pub in days.itertuples(index=False):
            if len(rows) >= n_dates:
                break
            cands = by_day.get(day) or []
            if not cands:
                continue
            picked = []
            X, events = _events_of_day(cands, vec, options, topic)
            if not events:
                continue
            R = X[[rep for _, rep, _ in events]]
            to_told = (R @ sp.vstack(chosen).T).toarray().max(axis=1) if chosen else np.zeros(len(events))
            within = (R @ R.T).toarray()
            taken: list[int] = []
            for e, (score, rep, group) in enumerate(events):
                if len(picked) >= n_sentences:
                    break
                if to_told[e] > options.redundancy or (taken and within[e, taken].max() > options.redundancy):
                    continue
                taken.append(e)
                picked.append((score, group))
            chosen.extend(R[e] for e in taken)
            if not picked:
                continue
            ids = list(dict.fromkeys(c.article for _, g in picked for c in g))
            outlets = list(dict.fromkeys(c.outlet for _, g in picked for c in g if c.outlet))
            rows.append({
                "date": pd.Timestamp(day), "rank": 0, "salience": float(salience),
                "summary": "\n".join(g[0].sentence for _, g in picked), "n_articles": len(ids),
                "n_outlets": len(outlets), "source_ids": "; ".join(ids), "outlets": "; ".join(outlets),
                "n_dating": int(n_dating), "n_published": int(n_pub),
            })
            for k, (score, g) in enumerate(picked, 1):
                gids = list(dict.fromkeys(c.article for c in g))
                gout = list(dict.fromkeys(c.outlet for c in g if c.outlet))
                event_rows.append({
                    "date": pd.Timestamp(day), "rank": len(rows), "event_rank": k, "sentence": g[0].sentence,
                    "score": score, "n_articles": len(gids), "n_outlets": len(gout), "source_ids": "; ".join(gids),
                    "outlets": "; ".join(gout),
                })
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    tab = pd.DataFrame(rows, columns=STORY_COLUMNS).sort_values("date", kind="stable").reset_index(drop=True)
    ev = pd.DataFrame(event_rows, columns=EVENT_COLUMNS).sort_values(["date", "event_rank"], kind="stable").reset_index(drop=True)
    tab["date"] = pd.to_datetime(tab["date"])
    ev["date"] = pd.to_datetime(ev["date"])
    return tab, ev


# --------------------------------------------------------------------------- chart and report
def short_label(sentence: str, max_words: int = 7, max_chars: int = 44) -> str:
    """The first words of an event sentence, for a chart label (the wire-service dateline dropped)."""
    text = re.sub(r"^[A-Z][A-Za-z .,'-]{0,40}\((?:Reuters|AP|AFP|CNN)\)\s*-*\s*", "", sentence.strip())
    words = text.split()
    label = " ".join(words[:max_words])
    if len(label) > max_chars:
        label = label[: max_chars - 1].rstrip() + "…"
    elif len(words) > max_words:
        label += " …"
    return label


def plot_story(tab: pd.DataFrame, *, title: str | None = None, max_labels: int = 12):
    """The story on a time axis: one stem per day, its height the day's salience (the larger the dot,
    the more articles behind the day's events). The ``max_labels`` most salient days are labelled
    (date and the first words of the top event), one row each above the stems, earliest at the top,
    joined to their stems by dotted leaders, so no two labels overlap."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    t = tab.sort_values("date").reset_index(drop=True)
    labelled = t.nlargest(min(len(t), max_labels), "salience").sort_values("date") if len(t) else t
    n_rows = max(1, len(labelled))
    fig, ax = plt.subplots(figsize=(11, 3.0 + 0.24 * n_rows))
    if t.empty:
        ax.text(0.5, 0.5, "no dated events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    sal = t["salience"].astype(float).to_numpy()
    top = float(sal.max())
    ax.vlines(t["date"], 0, sal, color="#9aa7b8", lw=1.2)
    ax.scatter(t["date"], sal, s=18 + 10 * np.sqrt(t["n_articles"].to_numpy()), color="#4c72b0", zorder=3)
    lo, hi = t["date"].min(), t["date"].max()
    pad = max((hi - lo) * 0.03, pd.Timedelta(days=1))
    row_h = top * 0.13
    span = (hi - lo) if hi > lo else pd.Timedelta(days=1)
    for i, r in enumerate(labelled.itertuples()):  # one row per label, earliest at the top
        y = top * 1.12 + row_h * (n_rows - 1 - i)
        side = "right" if (r.date - lo) / span > 0.6 else "left"
        ax.vlines(r.date, r.salience, y, color="#bbbbbb", lw=0.7, linestyles=":")
        ax.annotate(f"{r.date:%d %b}: {short_label(r.summary.split(chr(10))[0])}", (r.date, y), fontsize=8,
                    ha=side, va="bottom", xytext=(0, 1), textcoords="offset points", color="#222")
    ax.set_ylim(0, top * 1.12 + row_h * n_rows)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_yticks([v for v in ax.get_yticks() if v <= top])
    ax.set_ylabel("salience")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title or f"The story in {len(t)} days (salience: articles dating an event to the day or published that day)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def story_alt_text(tab: pd.DataFrame) -> str:
    """A sentence describing the chart of :func:`plot_story`."""
    if tab.empty:
        return "No day of the story could be dated."
    top = tab.nlargest(3, "salience")
    parts = [f"{d:%d %B %Y} ({short_label(s.split(chr(10))[0])})" for d, s in zip(top["date"], top["summary"])]
    return (f"Timeline of {len(tab)} days from {tab['date'].min():%d %B %Y} to {tab['date'].max():%d %B %Y}; "
            f"the most salient: " + "; ".join(parts) + ".")


def inputs_text(articles: Sequence[DatedArticle], tab: pd.DataFrame) -> str:
    """One sentence on what the story was built from: articles, outlets, publication days, dates found, days told."""
    if not articles:
        return "No dated article to build a story from (articles need a publication date)."
    outlets = len({a.outlet for a in articles if a.outlet})
    return (f"{len(articles)} dated articles from {outlets} outlet(s), published {min(a.published for a in articles)} to "
            f"{max(a.published for a in articles)}; {sum(len(a.dates) for a in articles)} day-level dates found in them; "
            f"{len(tab)} days told.")
