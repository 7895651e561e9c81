"""Corpus runs on Dask: every article of a corpus through every analysis, into Parquet tables.

``run_corpus(inputs, out_dir)`` expands the inputs (files, folders, globs, JSON Lines), cuts the
sorted paths into coarse partitions and analyses each partition on a Dask worker: the spaCy
model is loaded once per worker process, the partition's texts go through ``nlp.pipe`` and the
resulting ``Doc`` objects are handed to the analyses through the in-memory parse cache of
:mod:`analysis.nlp` (so nothing is parsed twice and no per-article cache file is written).

Output folder (one Parquet file per table, rows in a deterministic order, so two runs over
the same inputs with the same ``partition_size`` are byte-identical)::

    OUT/articles.parquet   one row per article (doc_id, path, topic, title, counts, mean scores)
    OUT/sentences.parquet  sentence sentiment (analysis.sentiment.sentence_sentiment)
    OUT/entities.parquet   name mentions (analysis.entities.entity_mentions)
    OUT/timexes.parquet    temporal expressions (analysis.chronology.timeline)
    OUT/quotes.parquet     direct quotations with speaker and cue (analysis.quotes.quotes)
    OUT/mention_sentiment.parquet  targeted sentiment of every entity x sentence (analysis.mention_sentiment)
    OUT/errors.parquet     path, error: articles that could not be read or analysed

``doc_id`` (column ``article_id`` in the per-article tables) is the article's path relative to
the common folder of the inputs, e.g. ``business/001.txt``: unique across topic folders, unlike
the file stem; a JSON Lines (``.jsonl``, ``.jsonl.gz``) line is ``file.jsonl.gz:N``, and the lines of
one file are spread over partitions. ``topic`` is the line's ``topic`` field when it has one, else
the name of the article's parent folder; ``bias`` the line's ``bias`` field.

The notebook ``notebooks/corpus.ipynb`` reads the folder with the helpers at the end of this module.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import time
from collections import Counter
from statistics import fmean
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .config import PARTITION_SIZE, RECYCLE_AFTER
from .mention_sentiment import MentionTargets, mention_sentiment_schema, prepare_mention_model
from .errors import AnalysisError, ArticleError, ParameterError, one_line
from .ingest import JSONL_LINE_RE, expand_inputs, is_jsonl, jsonl_line_refs



TABLES = ("articles", "sentences", "entities", "timexes", "quotes", "mention_sentiment", "errors")


def _schemas():
    import pyarrow as pa

    s, i, f, b, ts = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("us")
    return {
        "articles": pa.schema([
            ("article_id", s), ("path", s), ("topic", s), ("file_id", s), ("title", s), ("published", ts),
            ("published_source", s), ("outlet", s), ("bias", s), ("n_paragraphs", i), ("n_chars", i), ("n_sentences", i),
            ("n_mentions", i), ("n_timexes", i), ("n_quotes", i), ("mean_polarity", f), ("mean_vader", f),
        ]),
        "sentences": pa.schema([
            ("article_id", s), ("sent_index", i), ("paragraph", i), ("start", i), ("end", i), ("text", s),
            ("polarity", f), ("subjectivity", f), ("vader_compound", f), ("vader_pos", f), ("vader_neu", f),
            ("vader_neg", f), ("quote_share", f), ("is_quote", b),
        ]),
        "entities": pa.schema([
            ("article_id", s), ("start", i), ("end", i), ("text", s), ("label", s), ("entity", s),
            ("entity_label", s), ("source", s), ("sent_index", i),
        ]),
        "timexes": pa.schema([
            ("article_id", s), ("start", i), ("end", i), ("expression", s), ("type", s), ("value", s),
            ("granularity", s), ("date", ts), ("date_end", ts), ("anchor", s), ("sent_index", i), ("event", s),
            ("entities", s), ("sentence", s), ("published", ts), ("published_source", s),
        ]),
        "quotes": pa.schema([
            ("article_id", s), ("start", i), ("end", i), ("sent_index", i), ("text", s), ("words", i), ("parts", i),
            ("speaker", s), ("speaker_type", s), ("attribution", s), ("cue", s), ("cue_start", i),
        ]),
        "mention_sentiment": mention_sentiment_schema(),
        "errors": pa.schema([("path", s), ("error", s)]),
    }


#: Sort keys of each table: the order rows are written in.
SORT_KEYS = {
    "articles": ["article_id"],
    "sentences": ["article_id", "sent_index"],
    "entities": ["article_id", "start", "end"],
    "timexes": ["article_id", "start", "end"],
    "quotes": ["article_id", "start"],
    "mention_sentiment": ["article_id", "sent_index", "start"],
    "errors": ["path"],
}


def doc_ids(paths: list[Path]) -> dict[str, str]:
    """Path → unique id: the path relative to the common folder of all paths (``/`` separated)."""
    if not paths:
        return {}
    resolved = [os.path.abspath(p) for p in paths]
    parents = [os.path.dirname(p) for p in resolved]
    common = os.path.commonpath(parents) if len(set(parents)) > 1 else parents[0]
    return {str(p): Path(os.path.relpath(r, common)).as_posix() for p, r in zip(paths, resolved)}


def partition(paths: list[Any], size: int) -> list[list[Any]]:
    """Consecutive chunks of ``size`` items (the last one shorter)."""
    if size < 1:
        raise AnalysisError(f"partition_size must be at least 1, got {size}")
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def _load_partition(items: list[tuple[str, str]]):
    """(doc_id, path) pairs → list of (doc_id, path, Article) and error rows."""
    from .ingest import load_article, load_jsonl

    loaded, errors = [], []
    lines = _jsonl_lines(items)
    for doc_id, path in items:
        p = Path(path)
        if (m := JSONL_LINE_RE.match(path)) and m["file"] in lines:  # one line of a JSON Lines file
            art = lines[m["file"]].get(int(m["line"]))
            if isinstance(art, ArticleError) or art is None:
                errors.append({"path": path, "error": one_line(art or ArticleError(path, "no such line"))})
            else:
                loaded.append((doc_id, path, art))
            continue
        try:
            if is_jsonl(p) and p.exists():
                for n, art in enumerate(load_jsonl(p), start=1):
                    if isinstance(art, ArticleError):
                        errors.append({"path": art.source, "error": one_line(art)})
                    else:
                        loaded.append((f"{doc_id}:{n}", path, art))
            else:
                loaded.append((doc_id, path, load_article(p)))
        except (ArticleError, ParameterError) as err:
            errors.append({"path": path, "error": one_line(err)})
        except Exception as err:  # noqa: BLE001 - a broken file is recorded, the run goes on
            errors.append({"path": path, "error": f"{type(err).__name__}: {one_line(err)}"})
    return loaded, errors


def _jsonl_lines(items: list[tuple[str, str]]) -> dict[str, dict[int, Any]]:
    """JSON Lines files named line by line in ``items`` → {line number: Article or ArticleError},
    each file read once as a stream up to the last line named."""
    from .ingest import load_jsonl

    wanted: dict[str, set[int]] = {}
    for _, path in items:
        if (m := JSONL_LINE_RE.match(path)) and Path(m["file"]).exists():
            wanted.setdefault(m["file"], set()).add(int(m["line"]))
    found: dict[str, dict[int, Any]] = {}
    for file, numbers in wanted.items():
        found[file] = {}
        for art in load_jsonl(file, lines=numbers):
            found[file][int(str(art.source).rsplit(":", 1)[1])] = art
    return found


def _natural(item: tuple[str, str]) -> tuple:
    """Sort key of an item: its id, JSON Lines line numbers compared as numbers (lines stay in file order)."""
    m = JSONL_LINE_RE.match(item[0])
    return (m["file"], int(m["line"])) if m else (item[0], -1)


def _expand_jsonl(items: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[dict]]:
    """Each JSON Lines file becomes one item per line (``id:n``, ``path:n``) so its lines spread
    over partitions; files that cannot be opened are error rows."""
    out, errors = [], []
    for doc_id, path in items:
        if not (is_jsonl(path) and Path(path).exists()):
            out.append((doc_id, path))
            continue
        try:
            refs = jsonl_line_refs(path)
        except ArticleError as err:
            errors.append({"path": path, "error": one_line(err)})
            continue
        out.extend((f"{doc_id}:{ref.rsplit(':', 1)[1]}", ref) for ref in refs)
    return sorted(out, key=_natural), errors


#: Texts per ``nlp.pipe`` batch inside a partition: as fast as 64 on CPU (25.1 s vs 26.2 s for
#: 400 BBC articles) with a third of the transient memory per worker (+120 MB vs +320 MB).
PIPE_BATCH_SIZE = 16


def analyse_partition(items: list[tuple[str, str]], *, batch_size: int = PIPE_BATCH_SIZE,
                      mention_sentiment: bool = True) -> dict:
    """Load and analyse a partition of articles in this process; return the corpus tables.

    The model is loaded once per process (``load_model`` is cached); the texts are parsed with
    ``nlp.pipe`` (without the components in :data:`analysis.nlp.SKIPPABLE`, whose output the
    analyses compute on demand for the few tokens they read) and each ``Doc`` is handed to
    the analyses of its article with :func:`analysis.nlp.primed`. The analyses' column lists
    (``sentence_records``, ``mention_records``, ``timeline_records``, ``quote_records``: the
    same values as the DataFrame functions) are gathered for the whole partition and become
    one ``pyarrow.Table`` per table, sorted by :data:`SORT_KEYS`, so no DataFrame is built
    per article.

    Returns:
        ``{table name: pyarrow.Table}`` for :data:`TABLES`; ``"seconds"``: this process's
        time in ``load`` (read + clean), ``parse``, ``analyse`` and ``tables`` (Arrow build);
        ``"pid"``: this process's id.
    """
    import pyarrow as pa

    from . import nlp as nlpmod
    from .chronology import entities_per_sentence, timeline_records
    from .entities import mention_records
    from .quotes import quote_records
    from .sentiment import sentence_records

    nlp = nlpmod.load_model()
    schemas = _schemas()
    clock = time.perf_counter
    t0 = clock()
    loaded, errors = _load_partition(items)
    seconds = {"load": clock() - t0, "parse": 0.0, "analyse": 0.0, "targeted": 0.0, "tables": 0.0}
    cols = {name: {c: [] for c in schemas[name].names} for name in ("articles", "sentences", "entities", "timexes", "quotes")}
    targets = MentionTargets() if mention_sentiment else None  # targeted sentiment: one batch per partition
    # the lemmatizer is skipped: the analyses compute the few lemmas they read (nlp.lemma)
    skip = [name for name in nlpmod.SKIPPABLE if name in nlp.pipe_names]
    docs = iter(nlp.pipe((a.text for _, _, a in loaded), batch_size=batch_size, disable=skip))
    for doc_id, path, art in loaded:
        t0 = clock()
        doc = next(docs)  # parses a batch every batch_size articles
        t1 = clock()
        seconds["parse"] += t1 - t0
        try:
            with nlpmod.primed(art.text, doc, nlp=nlp):
                sents = sentence_records(art)
                ments = mention_records(art)
                tl = timeline_records(art, entities_by_sentence=entities_per_sentence(ments["sent_index"], ments["entity"]))
                qs = quote_records(art, mentions=ments)
        except Exception as err:  # noqa: BLE001 - one failed article never stops the run
            errors.append({"path": path, "error": f"analysis failed: {type(err).__name__}: {one_line(err)}"})
            seconds["analyse"] += clock() - t1
            continue
        for name, table in (("sentences", sents), ("entities", ments), ("timexes", tl), ("quotes", qs)):
            n = len(table["start"])
            for c, values in cols[name].items():
                values.extend([doc_id] * n if c == "article_id" else table[c])
        if targets is not None:
            targets.add(doc_id, art.text, sents, ments, qs)
        pol, vad = sents["polarity"], sents["vader_compound"]
        article = {
            "article_id": doc_id,
            "path": path,
            "topic": art.topic or Path(path).parent.name,
            "file_id": art.id,
            "title": art.title,
            "published": dt.datetime.combine(art.published, dt.time()) if art.published else None,
            "published_source": art.published_source,
            "outlet": art.outlet,
            "bias": art.bias,
            "n_paragraphs": len(art.paragraphs),
            "n_chars": len(art.text),
            "n_sentences": len(pol),
            "n_mentions": len(ments["start"]),
            "n_timexes": len(tl["start"]),
            "n_quotes": len(qs["start"]),
            "mean_polarity": fmean(pol) if pol else None,
            "mean_vader": fmean(vad) if vad else None,
        }
        for c, values in cols["articles"].items():
            values.append(article[c])
        seconds["analyse"] += clock() - t1
    cols["errors"] = {"path": [e["path"] for e in errors], "error": [e["error"] for e in errors]}
    del loaded, docs
    t0 = clock()
    cols["mention_sentiment"] = targets.score() if targets is not None else {c: [] for c in schemas["mention_sentiment"].names}
    seconds["targeted"] = clock() - t0
    t0 = clock()
    tables = {name: pa.Table.from_pydict(cols[name], schema=schemas[name]).sort_by([(k, "ascending") for k in SORT_KEYS[name]])
              for name in TABLES}
    seconds["tables"] = clock() - t0
    tables["seconds"] = seconds
    tables["pid"] = os.getpid()
    return tables


class _TableWriters:
    """One Parquet file per table, written partition by partition, in partition order."""

    def __init__(self, out_dir: Path):
        import pyarrow.parquet as pq

        self.out_dir = out_dir
        self.schemas = _schemas()
        self.tmp = {n: out_dir / f".{n}.parquet.tmp" for n in TABLES}
        self.writers = {n: pq.ParquetWriter(self.tmp[n], self.schemas[n], compression="zstd") for n in TABLES}
        self.counts = Counter()

    def write(self, tables: dict) -> None:
        for name in TABLES:
            table = tables[name]
            if table.num_rows:
                self.writers[name].write_table(table)
                self.counts[name] += table.num_rows

    def close(self, ok: bool) -> None:
        for name, w in self.writers.items():
            w.close()
            if ok:
                os.replace(self.tmp[name], self.out_dir / f"{name}.parquet")
            else:
                self.tmp[name].unlink(missing_ok=True)


def _warm() -> str:
    """Load the model in a worker (before its first partition)."""
    from .nlp import load_model

    load_model()
    return "ok"


def run_corpus(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    scheduler: str | None = None,
    partition_size: int = PARTITION_SIZE,
    n_workers: int = 2,
    progress: bool = False,
    max_in_flight: int | None = None,
    recycle_after: int | None = RECYCLE_AFTER,
    mention_sentiment: bool = True,
) -> dict:
    """Analyse every article in ``inputs`` on Dask and write the Parquet tables to ``out_dir``.

    Args:
        inputs: article files, folders, globs, JSON Lines files.
        out_dir: output folder (created).
        scheduler: address of a running Dask scheduler (``tcp://host:port``); default: a
            ``LocalCluster(n_workers, threads_per_worker=1, processes=True)`` for this run.
        partition_size: articles per Dask task (coarse: the model work is batched per task).
        n_workers: worker processes of the local cluster.
        progress: show a tqdm progress bar over partitions.
        max_in_flight: partitions submitted at once (default ``4 * workers``); bounds memory.
        recycle_after: local cluster only: restart the worker processes once each has analysed
            about this many partitions, giving back the memory they accumulated (see
            :data:`analysis.config.RECYCLE_AFTER`); ``None`` or 0: never. Workers of an existing scheduler are
            left alone.
        mention_sentiment: also score every name mention with the targeted-sentiment model
            (table ``mention_sentiment``, :mod:`analysis.mention_sentiment`); False leaves it empty.

    Raises:
        ParameterError: an input that names nothing, or no article files at all (before any work).

    Returns:
        ``{"articles": n, "sentences": n, "entities": n, "timexes": n, "quotes": n, "errors": n,
        "partitions": n, "seconds": s, "startup_seconds": s (cluster up, model loaded),
        "shutdown_seconds": s (cluster closed after the last table was written),
        "driver_cpu_seconds": s (CPU time of this process: scheduler, client, Parquet writing),
        "worker_seconds": {"load", "parse", "analyse", "tables"}: s summed over workers,
        "worker_processes": n (distinct worker processes that returned work; more than the
        workers when some were recycled), "restarts": n (recycling rounds),
        "out_dir": str, "tables": {name: path}}``.
        Articles that fail are rows of ``errors.parquet``; the run does not stop for them.
    """
    from distributed import Client, LocalCluster, as_completed

    start, cpu_start = time.perf_counter(), time.process_time()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inputs = [str(i) for i in inputs]
    # strict: a typo fails now, in one line, not after starting a cluster
    paths = sorted(expand_inputs(inputs, strict=True), key=lambda p: os.path.abspath(p))
    if not paths:
        raise ParameterError(f"no article files in {', '.join(inputs)}")
    ids = doc_ids(paths)
    items = sorted(((ids[str(p)], str(p)) for p in paths), key=lambda t: t[0])
    items, open_errors = _expand_jsonl(items)
    parts = partition(items, partition_size)
    if mention_sentiment:  # the int8 ONNX model is built once here, not by every worker
        prepare_mention_model()

    cluster = None
    settings = contextlib.ExitStack()
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        import dask

        # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers; it makes glibc hand
        # memory back and fault it in again all through spaCy's parse (worker parse time 55 s
        # without it vs 65 s with it for 600 BBC articles). Recycling bounds memory instead.
        env = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
        # The worker's statistical profiler (a thread sampling the task's stack every 10 ms) costs
        # about 2 % CPU while spaCy parses: 250 BBC texts in one worker took 0.7-0.9 s more CPU
        # than wall time with it, 0.3 s without; a multiprocessing child, none. No dashboard here
        # shows those profiles, so local workers run without.
        # The settings hold for the whole run: workers restarted by recycling read them again.
        settings.enter_context(dask.config.set({"distributed.nanny.pre-spawn-environ": env,
                                                "distributed.worker.profile.enabled": False}))
        # the scheduler's HTTP server (dashboard, health) on a free loopback port: the default
        # 8787 warns when a notebook's cluster already holds it
        try:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        except BaseException:
            settings.close()
            raise
        client = Client(cluster)
    writers = _TableWriters(out)
    if open_errors:  # JSON Lines files that could not be opened
        import pyarrow as pa

        writers.write({n: pa.Table.from_pylist(open_errors if n == "errors" else [], schema=writers.schemas[n])
                       for n in TABLES})
    worker_seconds: Counter = Counter({"load": 0.0, "parse": 0.0, "analyse": 0.0, "targeted": 0.0, "tables": 0.0})
    worker_pids: set[int] = set()
    restarts = 0
    ok = False
    bar = None
    try:
        client.run(_warm)
        startup = time.perf_counter() - start
        n_workers_live = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        limit = max_in_flight or 4 * n_workers_live
        # Recycling works in rounds: a round submits at most recycle_after partitions per worker;
        # once all of them are back (nothing running, no result held by a worker) every worker
        # process is restarted by its nanny and loads the model again. Draining first means a
        # restart never kills a running task nor loses a result.
        per_round = recycle_after * n_workers_live if (cluster is not None and recycle_after) else len(parts)
        pending: dict[int, dict] = {}
        next_to_write = 0
        submitted = 0

        def submit(i: int):
            return client.submit(analyse_partition, parts[i], mention_sentiment=mention_sentiment,
                                 key=f"corpus-part-{i}-{os.getpid()}-{start}", pure=False)

        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc="articles", unit="article")
        while submitted < len(parts):
            if submitted:
                client.restart(wait_for_workers=True)
                client.run(_warm)
                restarts += 1
            round_end = min(len(parts), submitted + per_round)
            futures = {}
            while submitted < round_end and len(futures) < limit:
                futures[submit(submitted)] = submitted
                submitted += 1
            ac = as_completed(list(futures))
            for fut in ac:
                i = futures.pop(fut)
                pending[i] = fut.result()
                for stage, secs in pending[i].pop("seconds").items():
                    worker_seconds[stage] += secs
                worker_pids.add(pending[i].pop("pid"))
                fut.release()
                if bar is not None:
                    bar.update(len(parts[i]))
                while next_to_write in pending:  # write in partition order: deterministic files
                    writers.write(pending.pop(next_to_write))
                    next_to_write += 1
                if submitted < round_end:
                    new = submit(submitted)
                    futures[new] = submitted
                    submitted += 1
                    ac.add(new)
        ok = True
    finally:
        if bar is not None:
            bar.close()
        writers.close(ok)
        done = time.perf_counter()
        client.close()
        if cluster is not None:
            cluster.close()
        settings.close()
    end = time.perf_counter()
    summary = {name: writers.counts[name] for name in TABLES}
    summary.update(partitions=len(parts), seconds=round(end - start, 3),
                   startup_seconds=round(startup, 3), shutdown_seconds=round(end - done, 3),
                   driver_cpu_seconds=round(time.process_time() - cpu_start, 3),
                   worker_seconds={k: round(v, 3) for k, v in worker_seconds.items()},
                   worker_processes=len(worker_pids), restarts=restarts,
                   out_dir=str(out),
                   tables={n: str(out / f"{n}.parquet") for n in TABLES})
    return summary


# --- reading a corpus folder (the corpus notebook's helpers) -------------------------------


def load_corpus(corpus_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a corpus folder written by :func:`run_corpus`.

    Raises:
        ParameterError: the folder or one of its tables is missing.
    """
    folder = Path(corpus_dir)
    missing = [n for n in TABLES if not (folder / f"{n}.parquet").exists()]
    if missing:
        raise ParameterError(f"{folder}: not a corpus folder (missing {', '.join(m + '.parquet' for m in missing)}); "
                             "run `python -m analysis corpus INPUT... --out DIR` first")
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLES}


def _with_topic(df: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    return df.merge(articles[["article_id", "topic"]], on="article_id", how="left")


_MR = re.compile(r"Mr\.?\s+(\S+)")


def _bare_name(entity: str) -> str | None:
    """The bare name a PERSON entity is ("Blair", "Mr Blair" → "Blair"), None for a full name."""
    m = _MR.fullmatch(entity)
    return m.group(1) if m else (None if " " in entity else entity)


def merged_name(entity: str, aliases: dict[str, str]) -> str:
    """A PERSON entity under its corpus-wide full name (:func:`corpus_aliases`), else as it is."""
    bare = _bare_name(entity)
    return aliases.get(bare, entity) if bare else entity


def corpus_aliases(entities: pd.DataFrame, *, min_share: float = 0.8, min_articles: int = 2) -> dict[str, str]:
    """Bare surnames or first names → the one full name they stand for across the corpus.

    Within an article "Radcliffe" joins "Paula Radcliffe" when the article spells the name out
    (:func:`analysis.entities.resolve_aliases`); an article that only says "Radcliffe" keeps it
    bare. Across the corpus, such a bare PERSON name is mapped to the full name it was
    resolved to in at least ``min_share`` of the articles (and ``min_articles`` articles) that
    resolved it; a name that stands for several people ("Brown") stays as it is. "Mr Blair"
    counts as the bare "Blair" (:func:`merged_name`); "Mrs"/"Ms" names are left alone, since
    they may name a spouse.

    Args:
        entities: the ``entities`` table of a corpus run.

    Returns:
        ``{bare name: full name}``.
    """
    from .entities import _key

    people = entities[entities["entity_label"] == "PERSON"]
    if people.empty:
        return {}
    keys = people["text"].map(_key)
    single = ~keys.str.contains(" ", regex=False)
    bare_of = people["entity"].map(_bare_name)
    full = bare_of.isna()
    resolved = pd.DataFrame({"article_id": people["article_id"], "key": keys, "entity": people["entity"]})[single & full]
    counts = resolved.drop_duplicates().groupby(["key", "entity"], sort=True).size()
    bare = set(bare_of.dropna())
    mapping = {}
    for key, grp in counts.groupby(level=0, sort=True):
        if key not in bare:
            continue
        best, n = grp.idxmax()[1], int(grp.max())
        if n >= min_articles and n / grp.sum() >= min_share:
            mapping[key] = best
    return mapping


def _ranked(rows: pd.DataFrame, keys: list[str], *, label: str, count: str, n: int, **extra) -> pd.DataFrame:
    """Rows grouped by ``keys`` (``[name]`` or ``["topic", name]``): the most frequent ``label``,
    ``count`` rows, ``articles``, any ``extra`` aggregations; the first ``n`` (per topic) by
    count, then articles, then name."""
    agg = (rows.groupby(keys, sort=True)
           .agg(**{label: (label, lambda s: s.value_counts().sort_index().idxmax()),
                   count: ("start", "size"), "articles": ("article_id", "nunique")}, **extra)
           .reset_index())
    agg = agg.sort_values([*keys[:-1], count, "articles", keys[-1]],
                          ascending=[*[True] * (len(keys) - 1), False, False, True], kind="stable")
    return (agg.groupby("topic", sort=True).head(n) if len(keys) > 1 else agg.head(n)).reset_index(drop=True)


def top_entities(tables: dict[str, pd.DataFrame], *, n: int = 15, by_topic: bool = False,
                 merge_aliases: bool = True) -> pd.DataFrame:
    """Most mentioned entities: ``entity``, ``entity_label``, ``mentions``, ``articles`` (and ``topic``).

    Args:
        n: how many (with ``by_topic``: how many per topic folder).
        by_topic: rank within each topic folder.
        merge_aliases: count bare surnames with the full name they stand for across the
            corpus (:func:`corpus_aliases`).
    """
    ents = _with_topic(tables["entities"], tables["articles"])
    keys = ["topic", "entity"] if by_topic else ["entity"]
    if ents.empty:
        return pd.DataFrame(columns=[*keys, "entity_label", "mentions", "articles"])
    if merge_aliases:
        mapping = corpus_aliases(ents)
        people = ents["entity_label"] == "PERSON"
        ents.loc[people, "entity"] = ents.loc[people, "entity"].map(lambda e: merged_name(e, mapping))
    return _ranked(ents, keys, label="entity_label", count="mentions", n=n)


def top_speakers(tables: dict[str, pd.DataFrame], *, n: int = 15, by_topic: bool = False) -> pd.DataFrame:
    """Most quoted named speakers (:mod:`analysis.quotes`).

    Unattributed quotations and unnamed ``description`` speakers ("a spokesman", "the
    company": a different person in every article) are left out. Bare surnames are merged
    with the full name as in :func:`top_entities` (:func:`corpus_aliases`).

    Returns:
        Columns (``topic``,) ``speaker``, ``speaker_type`` (PERSON, ORG, ..., ``document``,
        ``description``), ``quotes``, ``articles`` (articles quoting them), ``words`` (quoted
        words in all); most quotes first.
    """
    keys = ["topic", "speaker"] if by_topic else ["speaker"]
    columns = [*keys, "speaker_type", "quotes", "articles", "words"]
    q = _with_topic(tables["quotes"], tables["articles"])
    q = q[(q["speaker"] != "") & (q["speaker_type"] != "description")]
    if q.empty:
        return pd.DataFrame(columns=columns)
    mapping = corpus_aliases(tables["entities"])
    people = q["speaker_type"] == "PERSON"
    q.loc[people, "speaker"] = q.loc[people, "speaker"].map(lambda e: merged_name(e, mapping))
    return _ranked(q, keys, label="speaker_type", count="quotes", n=n, words=("words", "sum"))


def quote_summary(tables: dict[str, pd.DataFrame]) -> str:
    """One sentence: how many quotations, in how many articles, how many with a speaker."""
    q, n_arts = tables["quotes"], len(tables["articles"])
    if q.empty:
        return f"No direct quotations of four words or more in the {n_arts} articles."
    named = int((q["speaker"] != "").sum())
    unnamed = int((q["speaker_type"] == "description").sum())
    return (f"{len(q)} direct quotations in {q['article_id'].nunique()} of {n_arts} articles; "
            f"{named} ({named / len(q):.0%}) attributed to a speaker, {unnamed} of them to an unnamed one "
            "such as \"a spokesman\".")


def sentiment_by_topic(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per topic: articles, sentences, mean/median sentence polarity and VADER, share of negative sentences."""
    s = _with_topic(tables["sentences"], tables["articles"])
    if s.empty:
        return pd.DataFrame(columns=["topic", "articles", "sentences", "mean_polarity", "median_polarity",
                                     "mean_vader", "negative_share"])
    g = s.groupby("topic", sort=True)
    return pd.DataFrame({
        "articles": g["article_id"].nunique(),
        "sentences": g.size(),
        "mean_polarity": g["polarity"].mean().round(3),
        "median_polarity": g["polarity"].median().round(3),
        "mean_vader": g["vader_compound"].mean().round(3),
        "negative_share": g["vader_compound"].apply(lambda v: float((v <= -0.05).mean())).round(3),
    }).reset_index()


def densest_periods(tables: dict[str, pd.DataFrame], *, freq: str = "Y", n: int = 10) -> pd.DataFrame:
    """Calendar periods most referred to: ``period``, ``mentions``, ``articles``, ``example`` expression.

    Args:
        freq: pandas period frequency (``"Y"`` years, ``"M"`` months, ``"D"`` days).
        n: how many periods (densest first).
    """
    tx = tables["timexes"]
    tx = tx[tx["date"].notna() & tx["type"].isin(["DATE", "TIME"])]
    if tx.empty:
        return pd.DataFrame(columns=["period", "mentions", "articles", "example"])
    tx = tx.assign(period=tx["date"].dt.to_period(freq).astype(str))
    agg = (tx.groupby("period", sort=True)
           .agg(mentions=("start", "size"), articles=("article_id", "nunique"),
                example=("expression", lambda s: s.value_counts().sort_index().idxmax()))
           .reset_index())
    return agg.sort_values(["mentions", "period"], ascending=[False, True], kind="stable").head(n).reset_index(drop=True)


def plot_top_entities(top: pd.DataFrame, *, title: str = "Most mentioned entities"):
    """Horizontal bar chart of :func:`top_entities` (overall). Returns the Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, max(2.5, 0.3 * len(top) + 1)))
    ax = fig.subplots()
    data = top.iloc[::-1]
    ax.barh(data["entity"].astype(str), data["mentions"], color="#4c72b0")
    ax.set_xlabel("mentions")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_sentiment_by_topic(tables: dict[str, pd.DataFrame], *, column: str = "vader_compound"):
    """Box plot of sentence sentiment per topic folder. Returns the Figure."""
    from matplotlib.figure import Figure

    s = _with_topic(tables["sentences"], tables["articles"])
    topics = sorted(s["topic"].dropna().unique())
    fig = Figure(figsize=(7, 3.8))
    ax = fig.subplots()
    if topics:
        ax.boxplot([s.loc[s["topic"] == t, column].to_numpy() for t in topics], showfliers=False)
        ax.set_xticks(range(1, len(topics) + 1), topics, rotation=30, ha="right")
    ax.axhline(0, color="#999", lw=0.8)
    ax.set_ylabel(f"sentence {column}")
    ax.set_title("Sentence sentiment by topic")
    fig.tight_layout()
    return fig


def plot_periods(periods: pd.DataFrame, *, title: str = "Periods the corpus refers to most"):
    """Bar chart of :func:`densest_periods` in calendar order. Returns the Figure."""
    from matplotlib.figure import Figure

    data = periods.sort_values("period")
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    ax.bar(data["period"].astype(str), data["mentions"], color="#dd8452")
    ax.set_ylabel("time expressions")
    ax.set_title(title)
    for label in ax.get_xticklabels():
        label.set_rotation(45)
        label.set_ha("right")
    fig.tight_layout()
    return fig


def top_entities_alt(top: pd.DataFrame) -> str:
    if top.empty:
        return "Bar chart: no entities found."
    head = ", ".join(f"{e} ({m})" for e, m in zip(top["entity"].head(5), top["mentions"].head(5)))
    return f"Bar chart of the {len(top)} most mentioned entities; top: {head}."


def sentiment_alt(summary: pd.DataFrame) -> str:
    if summary.empty:
        return "Box plot: no sentences."
    parts = ", ".join(f"{t} {v:+.2f}" for t, v in zip(summary["topic"], summary["mean_vader"]))
    return f"Box plot of sentence VADER sentiment by topic; means: {parts}."


def periods_alt(periods: pd.DataFrame) -> str:
    if periods.empty:
        return "Bar chart: no dated expressions."
    head = ", ".join(f"{p} ({m})" for p, m in zip(periods["period"].head(5), periods["mentions"].head(5)))
    return f"Bar chart of the periods most referred to; densest: {head}."


def render_corpus_report(corpus_dir: str | Path) -> Path:
    """Execute ``notebooks/corpus.ipynb`` on a corpus folder into ``corpus.ipynb`` and ``corpus.html`` there."""
    from .report import execute

    folder = Path(corpus_dir).resolve()
    return execute("corpus", folder / "corpus.ipynb", {"corpus_dir": str(folder)})


#: Failed articles named one per line on stderr by the command line; the rest are counted.
_ERRORS_SHOWN = 20


def run_cli(args) -> int:
    """``python -m analysis corpus`` (arguments defined in :mod:`analysis.__main__`)."""
    import json
    import sys

    summary = run_corpus(args.inputs, args.out, scheduler=args.scheduler, partition_size=args.partition_size,
                         n_workers=args.workers, progress=not args.quiet,
                         recycle_after=args.recycle_after or None)
    print(json.dumps({k: v for k, v in summary.items() if k != "tables"}))
    if getattr(args, "report", False):
        try:
            html = render_corpus_report(args.out)
        except Exception as err:  # noqa: BLE001 - the tables are written; say why the report is not
            print(f"{args.out}: corpus report failed: {type(err).__name__}: {one_line(err)}", file=sys.stderr)
            return 1
        print(f"report: {html}")
    if summary["errors"]:
        import pyarrow.parquet as pq

        errors = pq.read_table(Path(args.out) / "errors.parquet").to_pylist()
        for row in errors[:_ERRORS_SHOWN]:
            print(row["error"] if row["error"].startswith(row["path"]) else f"{row['path']}: {row['error']}", file=sys.stderr)
        more = f" ({len(errors) - _ERRORS_SHOWN} more not shown)" if len(errors) > _ERRORS_SHOWN else ""
        print(f"{summary['errors']} article(s) could not be analysed{more}: see {Path(args.out) / 'errors.parquet'}", file=sys.stderr)
        return 1
    return 0
