"""Corpus runs on Dask: every article of a corpus through every analysis, into Parquet tables.

``run_corpus(inputs, out_dir)`` expands the inputs (files, folders, globs, JSON Lines), cuts the
sorted paths into coarse partitions and analyses each partition on a Dask worker: the spaCy
model is loaded once per worker process, the partition's texts go through ``nlp.pipe`` and the
resulting ``Doc`` objects are handed to the analyses through the in-memory parse cache of
:mod:`analysis.lang.nlp` (so nothing is parsed twice and no per-article cache file is written).

Output folder (one Parquet file per table, rows in ``article_id`` order, rebuilt from the
results kept per article in ``OUT/.kept`` (:mod:`analysis.corpus.kept`: incremental, resumable
runs), so two runs over the same inputs are byte-identical whatever the partitioning)::

    OUT/articles.parquet   one row per article (doc_id, path, topic, title, counts, mean scores)
    OUT/sentences.parquet  sentence sentiment (analysis.articles.sentiment.sentence_sentiment)
    OUT/entities.parquet   name mentions (analysis.articles.entities.entity_mentions) and their corpus-wide entity_id
    OUT/entity_index.parquet  one row per corpus entity: name, type, aliases, counts (analysis.corpus.identity)
    OUT/timexes.parquet    temporal expressions (analysis.articles.chronology.timeline)
    OUT/quotes.parquet     direct quotations with speaker and cue (analysis.articles.quotes.quotes)
    OUT/mention_sentiment.parquet  targeted sentiment of every entity x sentence (``mention_sentiment=True``)
    OUT/errors.parquet     path, error: articles that could not be read or analysed
                           (path: the file, or file:line for a JSON Lines article)
    OUT/.kept/             each article's results and key (analysis.corpus.kept); OUT/.lock: the run's lock

``doc_id`` (column ``article_id`` in the per-article tables) is the article's path relative to
the common folder of the inputs, e.g. ``business/001.txt``: unique across topic folders, unlike
the file stem. ``topic`` is the name of the article's parent folder.

Articles are named by :func:`analysis.io.expand.article_refs` (one id scheme: a JSON Lines
line is ``batch.jsonl:3``, its file line number), so ``doc_id`` of such a line is the file's
``doc_id`` and ``:3``. The tables are declared in :mod:`analysis.corpus.tables`; the notebook
``notebooks/corpus.ipynb`` reads the folder with :mod:`analysis.corpus.readers`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from collections import Counter, defaultdict
from statistics import fmean
from pathlib import Path
from typing import Any, Iterable

from ..config import PARTITION_SIZE, RECYCLE_AFTER
from ..errors import AnalysisError, ArticleError, ParameterError, one_line
from ..io.expand import split_ref
from ..types import Article
from .kept import TABLE_NAMES as TABLES, doc_ids


def partition(paths: list[Any], size: int) -> list[list[Any]]:
    """Consecutive chunks of ``size`` items (the last one shorter)."""
    if size < 1:
        raise AnalysisError(f"partition_size must be at least 1, got {size}")
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def corpus_items(refs: list[str]) -> list[tuple[str, str]]:
    """Article references → ``(doc_id, ref)`` pairs in corpus order (by file id, then line).

    ``doc_id`` is the file's id (:func:`doc_ids`), with ``:<line>`` for a JSON Lines line.
    """
    split = [split_ref(r) for r in refs]
    files = list(dict.fromkeys(f for f, _ in split))
    ids = doc_ids([Path(f) for f in files])
    keyed = [((ids[str(Path(f))], n or 0), (ids[str(Path(f))] + (f":{n}" if n else ""), ref)) for (f, n), ref in zip(split, refs)]
    return [item for _, item in sorted(keyed, key=lambda t: t[0])]


def _load_partition(items: list[tuple[str, str]]):
    """(doc_id, ref) pairs → list of (doc_id, ref, Article) and error rows.

    The lines of a JSON Lines file in this partition are read in one pass over the file.
    """
    from ..io.ingest import load_article, load_jsonl

    lines: dict[str, set[int]] = defaultdict(set)
    for _, ref in items:
        file, n = split_ref(ref)
        if n:
            lines[file].add(n)
    by_ref: dict[str, Article | ArticleError] = {}
    for file, wanted in lines.items():
        try:
            for art in load_jsonl(file, lines=wanted):
                by_ref[art.source] = art
        except ArticleError as err:
            for n in wanted:
                by_ref[f"{file}:{n}"] = err
    loaded, errors = [], []
    for doc_id, ref in items:
        file, n = split_ref(ref)
        try:
            art = by_ref.get(ref, ArticleError(ref, "no such line (or a blank one) in the JSON Lines file")) if n else load_article(ref)
            if isinstance(art, ArticleError):
                errors.append({"path": art.source, "error": one_line(art)})
            else:
                loaded.append((doc_id, ref, art))
        except (ArticleError, ParameterError) as err:
            errors.append({"path": ref, "error": one_line(err)})
        except Exception as err:  # noqa: BLE001 - a broken file is recorded, the run goes on
            errors.append({"path": ref, "error": f"{type(err).__name__}: {one_line(err)}"})
    return loaded, errors


#: Texts per ``nlp.pipe`` batch inside a partition: as fast as 64 on CPU (25.1 s vs 26.2 s for
#: 400 BBC articles) with a third of the transient memory per worker (+120 MB vs +320 MB).
PIPE_BATCH_SIZE = 16


def analyse_partition(items: list[tuple[str, str]], *, batch_size: int = PIPE_BATCH_SIZE,
                      mention_sentiment: bool = False, quote_min_words: int | None = None) -> dict:
    """Load and analyse a partition of articles in this process; return the corpus tables.

    The model is loaded once per process (``load_model`` is cached); the texts are parsed with
    ``nlp.pipe`` (without the components in :data:`analysis.lang.nlp.SKIPPABLE`, whose output the
    analyses compute on demand for the few tokens they read) and each ``Doc`` is handed to
    the analyses of its article with :func:`analysis.lang.nlp.primed`. The analyses' column lists
    (``sentence_records``, ``mention_records``, ``timeline_records``, ``quote_records``: the
    same values as the DataFrame functions) are gathered for the whole partition and become
    one ``pyarrow.Table`` per table, sorted by :data:`SORT_KEYS`, so no DataFrame is built
    per article.

    Args:
        items: ``(doc_id, ref)`` pairs (:func:`corpus_items`).
        mention_sentiment: also fill the ``mention_sentiment`` table.
        quote_min_words: shortest direct quotation kept (:func:`analysis.articles.quotes.quote_records`;
            default its ``MIN_WORDS``).

    Returns:
        ``{table name: pyarrow.Table}`` for :data:`TABLES`; ``"seconds"``: this process's
        time in ``load`` (read + clean), ``parse``, ``analyse`` and ``tables`` (Arrow build);
        ``"pid"``: this process's id.
    """
    import pyarrow as pa

    from ..lang import nlp as nlpmod
    from ..articles.chronology import entities_per_sentence, timeline_records
    from ..articles.entities import mention_records
    from ..articles.quotes import MIN_WORDS, quote_records
    from ..articles.sentiment import sentence_records
    from .tables import SORT_KEYS, schemas as table_schemas

    nlp = nlpmod.load_model()
    quote_min_words = MIN_WORDS if quote_min_words is None else quote_min_words
    schemas = table_schemas()
    clock = time.perf_counter
    t0 = clock()
    loaded, errors = _load_partition(items)
    seconds = {"load": clock() - t0, "parse": 0.0, "analyse": 0.0, "targeted": 0.0, "tables": 0.0}
    cols = {name: {c: [] for c in schemas[name].names} for name in TABLES if name not in ("errors", "mention_sentiment")}
    targets = None
    if mention_sentiment:  # targeted sentiment of every entity x sentence: one batch per partition
        from ..articles.mention_sentiment import MentionTargets

        targets = MentionTargets()
    # the lemmatizer is skipped: the analyses compute the few lemmas they read (nlp.lemma)
    skip = [name for name in nlpmod.SKIPPABLE if name in nlp.pipe_names]
    docs = iter(nlp.pipe((a.text for _, _, a in loaded), batch_size=batch_size, disable=skip))
    for doc_id, ref, art in loaded:
        path = split_ref(ref)[0]
        t0 = clock()
        doc = next(docs)  # parses a batch every batch_size articles
        t1 = clock()
        seconds["parse"] += t1 - t0
        try:
            with nlpmod.primed(art.text, doc, nlp=nlp):
                sents = sentence_records(art)
                ments = mention_records(art)
                tl = timeline_records(art, entities_by_sentence=entities_per_sentence(ments["sent_index"], ments["entity"]))
                qs = quote_records(art, mentions=ments, min_words=quote_min_words)
        except Exception as err:  # noqa: BLE001 - one failed article never stops the run
            errors.append({"path": ref, "error": f"analysis failed: {type(err).__name__}: {one_line(err)}"})
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


def analyse_units(units: list, *, settings: dict[str, Any]) -> dict:
    """A partition's work on a Dask worker: :func:`analyse_partition` on the units
    (:class:`analysis.corpus.kept.Unit`) with the run's settings, plus this worker's model and
    code (:func:`analysis.corpus.kept.identity`), which the driver checks before keeping anything."""
    from .kept import identity

    result = analyse_partition([(u.doc_id, u.ref) for u in units], mention_sentiment=settings["mention_sentiment"],
                               quote_min_words=settings["quote_min_words"])
    result["identity"] = identity()
    return result


def _warm() -> str:
    """Load the model and import the analyses in a worker (before its first partition)."""
    from ..articles import chronology, entities, quotes, sentiment  # noqa: F401 - imported for their start-up cost
    from ..lang.nlp import load_model

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
    mention_sentiment: bool = False,
    quote_min_words: int | None = None,
    fresh: bool = False,
) -> dict:
    """Analyse every article in ``inputs`` on Dask and write the Parquet tables to ``out_dir``.

    Incremental and resumable (:mod:`analysis.corpus.kept`): each article's results are kept
    under ``out_dir/.kept`` with their key (content, settings, model, code); a later run analyses
    only articles that are new or whose key changed, drops those that left the input, and
    rebuilds every table from the kept results, then reruns the corpus-level passes on the tables
    (entity identity). A killed run resumes where it stopped. ``out_dir`` is locked for the run.

    Args:
        inputs: article files, folders, globs, JSON Lines files (``.jsonl``, ``.jsonl.gz``).
        out_dir: output folder (created).
        scheduler: address of a running Dask scheduler (``tcp://host:port``); default: a
            ``LocalCluster(n_workers, threads_per_worker=1, processes=True)`` for this run.
        partition_size: articles per Dask task (coarse: the model work is batched per task);
            a little work (a few new articles) is cut into four partitions per worker instead.
        n_workers: worker processes of the local cluster.
        progress: show a tqdm progress bar over the articles analysed.
        max_in_flight: partitions submitted at once (default ``4 * workers``); bounds memory.
        mention_sentiment: also score every name mention (entity x sentence) with the targeted
            sentiment model into the ``mention_sentiment`` table (:mod:`analysis.articles.mention_sentiment`;
            the input of :mod:`analysis.corpus.portrayal`); off, the table is written empty. It costs
            about 1.45x the CPU of a run without it (the 4-layer corpus model; ``benchmarks/bench_portrayal_cpu.py``). A setting: part of every article's key.
        quote_min_words: shortest direct quotation kept (default 4); a setting.
        recycle_after: local cluster only: restart the worker processes once each has analysed
            about this many partitions, giving back the memory they accumulated (see
            :data:`analysis.config.RECYCLE_AFTER`); ``None`` or 0: never. Workers of an existing scheduler are
            left alone.
        fresh: analyse every article again, whatever is kept.

    Raises:
        ParameterError: an input that names nothing, no article files at all, or a bad setting
            (before any work).
        analysis.corpus.kept.OutputLockedError: another run is writing ``out_dir``.

    Returns:
        ``{"articles": n, "sentences": n, "entities": n, "timexes": n, "quotes": n,
        "mention_sentiment": n, "errors": n, "entity_index": n, "identity_seconds": s,
        "partitions": n, "seconds": s, "startup_seconds": s (cluster up, model loaded),
        "workers_forked": bool (local workers forked from a preloaded server, :mod:`analysis.corpus.forkserver`),
        "shutdown_seconds": s (cluster closed),
        "driver_cpu_seconds": s (CPU time of this process: scheduler, client, keeping, rebuild),
        "worker_seconds": {"load", "parse", "analyse", "targeted", "tables"}: s summed over workers,
        "worker_processes": n (distinct worker processes that returned work; more than the
        workers when some were recycled), "restarts": n (recycling rounds),
        "reused", "analysed", "dropped": n (articles), "reasons": {reason: n} (why articles were
        analysed: :data:`analysis.corpus.kept.REASONS`), "rebuilt": bool (False: nothing changed,
        the tables were left as they were), "corrupt_kept": [one line per corrupt kept file,
        redone], "kept_seconds": {"keys", "keep", "rebuild", "passes"}: s,
        "out_dir": str, "tables": {name: path}}``. With nothing to analyse no cluster is started
        (``partitions`` 0). Articles that fail are rows of ``errors.parquet``; the run does not stop for them.
    """
    import threading

    from .kept import KeptRun, input_units

    start, cpu_start = time.perf_counter(), time.process_time()
    out = Path(out_dir)
    inputs = [str(i) for i in inputs]
    # strict: a typo fails now, in one line, not after starting a cluster
    units = input_units(inputs)
    if not units:
        raise ParameterError(f"no article files in {', '.join(inputs)}")
    settings = {"mention_sentiment": mention_sentiment, "quote_min_words": quote_min_words}
    with KeptRun(out, units, settings=settings, fresh=fresh) as run:
        # a little work (a few new articles) is cut into 4 partitions per worker, so every worker gets
        # some and they finish together (the last partition's tail is the run's)
        parts = partition(run.todo, min(partition_size, max(1, -(-len(run.todo) // (4 * n_workers)))))
        stats = {"startup_seconds": 0.0, "shutdown_seconds": 0.0,
                 "worker_seconds": {}, "worker_processes": 0, "restarts": 0}
        closing = None
        if parts:
            if run.settings["mention_sentiment"]:  # the int8 ONNX model is built once here, not by every worker
                from ..articles.mention_sentiment import prepare_mention_model

                prepare_mention_model()
            stats, close = _analyse_on_dask(run, parts, start=start, scheduler=scheduler, n_workers=n_workers,
                                            progress=progress, max_in_flight=max_in_flight, recycle_after=recycle_after)
            closing = threading.Thread(target=close, args=(stats,), name="corpus-cluster-close")
            closing.start()  # the cluster shuts down while the tables are rebuilt
        try:
            from .identity import write_identity

            def passes(stage: Path) -> dict:
                # the workers are gone before the identity pass holds the corpus's mentions in memory
                # (10x BBC: 668,030 mentions, about 1.1 GB in this process)
                if closing is not None:
                    closing.join()
                # the per-name results of earlier runs (kept beside the articles' results) are reused
                return write_identity(stage, memo=run.dir / IDENTITY_MEMO, memo_key=key)

            # corpus-wide entity ids from the rebuilt tables (no parse), before they are swapped in
            key = passes_key()
            if fresh:  # everything afresh, the identity pass's per-name results too
                (run.dir / IDENTITY_MEMO).unlink(missing_ok=True)
            counts = run.rebuild(passes=passes, passes_key=key)
        finally:
            if closing is not None:
                closing.join()
    end = time.perf_counter()
    summary = {name: counts.get(name, 0) for name in TABLES}
    summary.update(entity_index=run.passes.get("entity_index", 0), identity_seconds=run.passes.get("seconds", 0.0))
    summary.update(partitions=len(parts), seconds=round(end - start, 3), **stats,
                   driver_cpu_seconds=round(time.process_time() - cpu_start, 3), **run.summary(),
                   out_dir=str(out), tables={n: str(out / f"{n}.parquet") for n in (*TABLES, "entity_index")})
    return summary


#: The identity pass's per-name results, kept in ``OUT/.kept`` between runs (:func:`analysis.corpus.identity.write_identity`).
IDENTITY_MEMO = "identity-memo.json"

#: Libraries the corpus-level passes call (their versions are part of :func:`passes_key`).
PASS_LIBRARIES = ("pandas", "pyarrow", "nameparser", "cleanco", "rapidfuzz", "country-converter")


def passes_key() -> str:
    """What the corpus-level passes' results depend on besides the tables: the sources of
    :mod:`analysis.corpus.identity` (and what it imports from the package) and the versions of
    :data:`PASS_LIBRARIES`. A change makes the next run rebuild its tables even if no article changed."""
    from .kept import code_digest, library_versions

    return code_digest.__wrapped__(("analysis.corpus.identity",)) + " " + " ".join(library_versions(PASS_LIBRARIES))


def _analyse_on_dask(run, parts: list[list], *, start: float, scheduler: str | None, n_workers: int, progress: bool,
                     max_in_flight: int | None, recycle_after: int | None):
    """Analyse ``parts`` (lists of :class:`analysis.corpus.kept.Unit`) on Dask; ``run.keep`` each result as it arrives.

    Returns the run's statistics and ``close(stats)``, which closes the client and the local
    cluster and adds ``shutdown_seconds`` (on an error they are closed before it propagates)."""
    cluster = None
    forked = False
    settings = contextlib.ExitStack()
    if not scheduler:
        import dask

        from .forkserver import preloaded_workers, worker_environment

        env = worker_environment()  # Dask's pre-spawn variables, without MALLOC_TRIM_THRESHOLD_
        # first of all: the workers' fork server loads the model while this process imports Dask
        forked = settings.enter_context(preloaded_workers(env))
    try:
        from distributed import Client, LocalCluster, as_completed
    except BaseException:
        settings.close()
        raise

    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        # The worker's statistical profiler (a thread sampling the task's stack every 10 ms) costs
        # about 2 % CPU while spaCy parses: 250 BBC texts in one worker took 0.7-0.9 s more CPU
        # than wall time with it, 0.3 s without; a multiprocessing child, none. No dashboard here
        # shows those profiles, so local workers run without.
        # The settings hold for the whole run: workers restarted by recycling read them again.
        settings.enter_context(dask.config.set({"distributed.nanny.pre-spawn-environ": env,
                                                "distributed.worker.profile.enabled": False,
                                                **({"distributed.worker.multiprocessing-method": "forkserver"} if forked else {})}))
        # Dask's own log lines stay at ERROR until the cluster is closed and its event loop stopped:
        # LocalCluster(silence_logs=...) restores them inside its close, and the scheduler can
        # still report a worker's connection closing (INFO, with a traceback) after that
        from distributed.utils import silence_logging_cmgr

        settings.enter_context(silence_logging_cmgr(logging.ERROR))
        # the scheduler's HTTP server (dashboard, health) on a free loopback port: the default
        # 8787 warns when a notebook's cluster already holds it
        try:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        except BaseException:
            settings.close()
            raise
        client = Client(cluster)
        try:
            from .workers import ExitAtClose, SkipOptionalImports

            client.register_plugin(ExitAtClose(), name="analysis-exit-at-close")
            client.register_plugin(SkipOptionalImports(), name="analysis-skip-optional-imports")
        except BaseException:
            client.close()
            cluster.close()
            settings.close()
            raise

    def close(stats: dict) -> None:
        done = time.perf_counter()
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        finally:
            settings.close()
            stats["shutdown_seconds"] = round(time.perf_counter() - done, 3)

    worker_seconds: Counter = Counter({"load": 0.0, "parse": 0.0, "analyse": 0.0, "targeted": 0.0, "tables": 0.0})
    worker_pids: set[int] = set()
    restarts = 0
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
        submitted = 0

        def submit(i: int):
            return client.submit(analyse_units, parts[i], settings=run.settings,
                                 key=f"corpus-part-{i}-{os.getpid()}-{start}", pure=False)

        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=sum(map(len, parts)), desc="articles", unit="article")
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
                result = fut.result()
                for stage, secs in result.pop("seconds").items():
                    worker_seconds[stage] += secs
                worker_pids.add(result.pop("pid"))
                fut.release()
                run.keep(parts[i], result)  # kept at once: a killed run resumes after it
                del result
                if bar is not None:
                    bar.update(len(parts[i]))
                if submitted < round_end:
                    new = submit(submitted)
                    futures[new] = submitted
                    submitted += 1
                    ac.add(new)
    except BaseException:
        close({})
        raise
    finally:
        if bar is not None:
            bar.close()
    return {"startup_seconds": round(startup, 3), "shutdown_seconds": 0.0, "workers_forked": forked,
            "worker_seconds": {k: round(v, 3) for k, v in worker_seconds.items()},
            "worker_processes": len(worker_pids), "restarts": restarts}, close
