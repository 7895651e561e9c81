"""Corpus runs on Dask: partitioning, ids, and a real scheduler + workers vs a local cluster."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus.readers import load_corpus, sentiment_by_topic, top_entities
from analysis.corpus.runner import doc_ids, partition, run_corpus
from analysis.corpus.tables import TABLE_NAMES as TABLES

VENV_BIN = Path(sys.executable).parent

ARTICLES = {
    "business/acme.txt": "Acme profits jump\n\nAcme Corp said on 12 March 2021 that profits rose sharply. "
                         "Chief executive Jane Smith welcomed the news in London.\n\nShares in Acme climbed in 2020 and in January 2021.",
    "business/bank.txt": "Bank cuts rates\n\nThe Bank of England cut interest rates on 5 May 2019. "
                         "Analysts at Barclays expect a further cut next year, a terrible blow for savers.",
    "sport/final.txt": "Arsenal win the final\n\nArsenal beat Chelsea 2-1 at Wembley on 1 August 2020. "
                       "Mikel Arteta praised his wonderful players.",
    "sport/olympics.txt": "Olympic hopes\n\nParis will host the Olympic Games in 2024. "
                          "Athletes from Kenya trained in Nairobi throughout 2023.",
    "tech/phone.txt": "New phone launched\n\nApple unveiled a phone in September 2022 in California. "
                      "“This is the best iPhone we have ever made,” Tim Cook told reporters.",
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    for rel, text in ARTICLES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "tech" / "broken.txt").write_bytes(b"\x00\x01\x02 not text")
    return root


def test_partition_and_ids_are_deterministic():
    assert partition(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(Exception):
        partition([1], 0)
    ids = doc_ids([Path("/d/bbc/business/001.txt"), Path("/d/bbc/sport/001.txt")])
    assert ids == {"/d/bbc/business/001.txt": "business/001.txt", "/d/bbc/sport/001.txt": "sport/001.txt"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLES}


@pytest.mark.slow
def test_scheduler_and_workers_match_local_cluster(corpus, tmp_path):
    local = run_corpus([corpus], tmp_path / "local", partition_size=2)
    assert local["articles"] == len(ARTICLES)
    # little work is cut into 4 partitions per worker (2 workers): here one article each
    assert local["errors"] == 1 and local["partitions"] == len(ARTICLES) + 1

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    try:
        procs.append(subprocess.Popen([str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(2):
            procs.append(subprocess.Popen([str(VENV_BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                           "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(tmp_path / "dask")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:  # the scheduler needs a moment to listen
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        remote = run_corpus([corpus], tmp_path / "remote", scheduler=address, partition_size=2)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)

    assert {k: remote[k] for k in TABLES} == {k: local[k] for k in TABLES}
    a, b = _read(tmp_path / "local"), _read(tmp_path / "remote")
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
        assert (tmp_path / "local" / f"{name}.parquet").read_bytes() == (tmp_path / "remote" / f"{name}.parquet").read_bytes(), name

    arts = a["articles"]
    assert list(arts["article_id"]) == sorted(ARTICLES)
    assert dict(zip(arts["article_id"], arts["topic"])) == {k: k.split("/")[0] for k in ARTICLES}
    assert a["errors"]["path"].str.endswith("broken.txt").all() and "binary" in a["errors"]["error"].iloc[0]
    assert set(a["sentences"]["article_id"]) == set(ARTICLES)
    assert {"Acme", "Chelsea"} <= set(a["entities"]["entity"])
    assert (a["timexes"]["date"].dt.year == 2021).any()
    # the per-article tables agree with the single-article analyses
    from analysis.io.ingest import load_article
    from analysis.articles.sentiment import sentence_sentiment

    one = sentence_sentiment(load_article(corpus / "sport/final.txt"))
    got = a["sentences"][a["sentences"]["article_id"] == "sport/final.txt"]
    assert list(got["text"]) == list(one["text"])
    assert got["vader_compound"].round(6).tolist() == one["vader_compound"].round(6).tolist()

    tables = load_corpus(tmp_path / "local")
    top = top_entities(tables, n=3, by_topic=True)
    assert set(top["topic"]) == {"business", "sport", "tech"} and (top.groupby("topic").size() <= 3).all()
    assert set(sentiment_by_topic(tables)["topic"]) == {"business", "sport", "tech"}


def test_load_corpus_names_missing_tables(tmp_path):
    from analysis.errors import ParameterError

    with pytest.raises(ParameterError, match="articles.parquet"):
        load_corpus(tmp_path)


def test_partition_tables_equal_the_per_article_analyses(corpus):
    """The corpus builds its tables from column lists; they must equal the DataFrame functions row for row."""
    from analysis.articles.chronology import timeline
    from analysis.corpus.runner import analyse_partition
    from analysis.corpus.tables import SORT_KEYS
    from analysis.articles.entities import entity_mentions
    from analysis.io.ingest import load_article
    from analysis.articles.quotes import quotes
    from analysis.articles.sentiment import sentence_sentiment

    paths = sorted(corpus.rglob("*.txt"))
    ids = doc_ids(paths)
    result = analyse_partition([(ids[str(p)], str(p)) for p in paths], mention_sentiment=True)
    seconds = result.pop("seconds")
    assert result.pop("pid") == os.getpid()
    assert set(seconds) == {"load", "parse", "analyse", "targeted", "tables"} and seconds["parse"] > 0 and seconds["analyse"] > 0
    tables = {k: v.to_pandas() for k, v in result.items()}
    assert list(tables["errors"]["path"]) == [str(corpus / "tech" / "broken.txt")]
    assert list(tables["articles"]["article_id"]) == sorted(ARTICLES)
    n_rows = {"sentences": 0, "entities": 0, "timexes": 0, "quotes": 0}
    for rel in ARTICLES:
        art = load_article(corpus / rel)
        mentions = entity_mentions(art)
        expected = {"sentences": sentence_sentiment(art), "entities": mentions, "timexes": timeline(art, mentions=mentions),
                    "quotes": quotes(art, mentions=mentions)}
        for name, df in expected.items():
            assert len(df) or name == "quotes", (rel, name)
            got = tables[name][tables[name]["article_id"] == rel].drop(columns="article_id").reset_index(drop=True)
            want = (df.drop(columns="article_id").sort_values(SORT_KEYS[name][1:], kind="stable")
                    .reset_index(drop=True)[got.columns])
            for col in got.columns:  # values, not dtypes: Parquet stores NaT/None and strings its own way
                assert [str(v) for v in got[col]] == [str(v) for v in want[col]], (rel, name, col)
            n_rows[name] += len(df)
        ms = tables["mention_sentiment"][tables["mention_sentiment"]["article_id"] == rel]
        assert len(ms) == len(mentions[["sent_index", "entity"]].drop_duplicates())  # one row per entity x sentence
        row = tables["articles"].set_index("article_id").loc[rel]
        assert row["n_sentences"] == len(expected["sentences"]) and row["n_timexes"] == len(expected["timexes"])
        assert row["n_quotes"] == len(expected["quotes"])
        assert row["mean_vader"] == pytest.approx(expected["sentences"]["vader_compound"].mean())
    assert n_rows == {name: len(tables[name]) for name in n_rows}
    quote = tables["quotes"].iloc[0]
    assert (quote["article_id"], quote["speaker"], quote["cue"]) == ("tech/phone.txt", "Tim Cook", "told")


@pytest.mark.slow
def test_cli_writes_tables_and_renders_the_corpus_report(corpus, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "analysis", "corpus", str(corpus), "--out", str(out), "--report", "--quiet",
                           "--partition-size", "3"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]  # the broken file is reported, after the report is rendered
    assert "1 article(s) could not be analysed" in proc.stderr and "Traceback" not in proc.stderr
    assert any(ln.startswith(str(corpus / "tech" / "broken.txt")) and "binary" in ln for ln in proc.stderr.splitlines()), proc.stderr
    assert {f"{n}.parquet" for n in TABLES} <= {p.name for p in out.iterdir()}
    summary = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("{")))
    assert summary["workers_forked"] is True  # from the server the command line started first
    html = (out / "corpus.html").read_text(encoding="utf-8")
    for heading in ("Most mentioned entities", "Who is named with whom", "Sentiment by topic",
                    "Densest periods on the timeline", "The story", "Files that could not be analysed"):
        assert heading in html
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert len(imgs) == 5 and all("data:image/png;base64," in i and 'alt="' in i for i in imgs)
    assert "Bar chart of the 1" in html  # alt text names how many entities the chart shows
    assert "broken.txt" in html and "binary file" in html and "Traceback" not in html


def test_cli_names_a_missing_corpus_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "analysis", "corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "o"),
                           "--quiet"], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "no such file" in lines[0] and "Traceback" not in proc.stderr


def test_readers_count_corpus_entities_by_id():
    """Top entities and speakers count the ids of analysis.identity (bare surnames under the full name)."""
    from analysis.corpus.identity import resolve_identity

    def rows(article, text, entity, label="PERSON"):
        return {"article_id": article, "start": 0, "end": len(text), "text": text, "label": label, "entity": entity,
                "entity_label": label, "source": "model", "sent_index": 0}

    entities = pd.DataFrame([
        rows("a1", "Paula Radcliffe", "Paula Radcliffe"), rows("a1", "Radcliffe", "Paula Radcliffe"),
        rows("a2", "Radcliffe's", "Paula Radcliffe"), rows("a3", "Radcliffe", "Radcliffe"),  # a3 never spells it out
        rows("b1", "Gordon Brown", "Gordon Brown"), rows("b1", "Brown", "Gordon Brown"),
        rows("b2", "Brown", "James Brown"), rows("b3", "Brown", "Brown"),  # two people: stays bare
        rows("c1", "Holmes", "Kelly Holmes"), rows("c2", "Holmes", "Holmes"),  # resolved in one article only
        rows("d1", "Jones", "Jones", "ORG"),
        rows("e1", "Mr Radcliffe", "Mr Radcliffe"), rows("e2", "Mrs Radcliffe", "Mrs Radcliffe"),  # Mrs: maybe the spouse
    ])
    articles = pd.DataFrame({"article_id": sorted(set(entities["article_id"])), "topic": "sport"})
    without_ids = top_entities({"entities": entities, "articles": articles}, n=20)
    assert "Radcliffe" in without_ids["entity"].tolist()  # a folder without the identity pass: per-article names
    entities["entity_id"], index = resolve_identity(entities, articles)
    tables = {"entities": entities, "articles": articles, "entity_index": index}
    merged = top_entities(tables, n=20).set_index("entity")
    assert merged.loc["Paula Radcliffe", "mentions"] == 5 and merged.loc["Paula Radcliffe", "articles"] == 4
    assert "Radcliffe" not in merged.index and "Mr Radcliffe" not in merged.index
    assert "Mrs Radcliffe" in merged.index and "Brown" in merged.index  # two Browns named in full: stays bare
    assert merged.loc["Kelly Holmes", "mentions"] == 2  # the only Holmes the corpus names in full

    # quotations: the bare surname's quote counts for the full name; unattributed ones are left out
    from analysis.corpus.readers import quote_summary, top_speakers

    def quote(article, speaker, kind="PERSON", words=5):
        return {"article_id": article, "start": 0, "end": 10, "sent_index": 0, "text": "x", "words": words, "parts": 1,
                "speaker": speaker, "speaker_type": kind, "attribution": "subject", "cue": "said", "cue_start": 12}

    tables["quotes"] = pd.DataFrame([quote("a1", "Paula Radcliffe"), quote("a3", "Radcliffe", words=7), quote("e1", "Mr Radcliffe"),
                                     quote("b3", "Brown"), quote("d1", "the report", "document"), quote("c2", "", ""),
                                     quote("c1", "a spokesman", "description"), quote("b1", "a spokesman", "description")])
    speakers = top_speakers(tables, n=10)
    assert speakers.iloc[0].to_dict() == {"speaker": "Paula Radcliffe", "speaker_type": "PERSON", "quotes": 3, "articles": 3, "words": 17}
    assert set(speakers["speaker"]) == {"Paula Radcliffe", "Brown", "the report"}  # no "a spokesman"
    assert quote_summary(tables) == ('8 direct quotations in 8 of 11 articles; 7 (88%) attributed to a speaker, '
                                     '2 of them to an unnamed one such as "a spokesman".')
    assert list(top_speakers(tables, n=1, by_topic=True)["speaker"]) == ["Paula Radcliffe"]


@pytest.mark.slow
def test_recycled_workers_write_the_same_tables(corpus, tmp_path):
    """Workers restarted mid-run (after 2 partitions each) lose nothing: same bytes out.

    6 articles in partitions of 1 on 2 workers: a round of 4 partitions, a restart, a round of 2.
    (The graceful self-restart this replaced deadlocked now and then when both workers retired
    at once; this test was where CI hung.)"""
    steady = run_corpus([corpus], tmp_path / "steady", partition_size=1, recycle_after=None)
    recycled = run_corpus([corpus], tmp_path / "recycled", partition_size=1, recycle_after=2)
    assert steady["worker_processes"] == 2 and steady["restarts"] == 0
    assert recycled["restarts"] == 1
    import dask

    # the run's worker settings (no profiler, no malloc trim threshold) end with the run
    assert dask.config.get("distributed.worker.profile.enabled") is True
    assert "MALLOC_TRIM_THRESHOLD_" in dask.config.get("distributed.nanny.pre-spawn-environ")
    assert recycled["worker_processes"] > 2, recycled  # some partitions were analysed by restarted workers
    assert {k: recycled[k] for k in TABLES} == {k: steady[k] for k in TABLES}
    for name in TABLES:
        assert (tmp_path / "steady" / f"{name}.parquet").read_bytes() == (tmp_path / "recycled" / f"{name}.parquet").read_bytes()


def test_workers_skip_only_the_optional_imports_of_thinc_and_nltk():
    """A local worker loads spaCy and TextBlob without torch, scipy and scikit-learn (thinc and
    nltk import them optionally), and can still import them itself later."""
    child = (
        "import sys\n"
        "from analysis.corpus.workers import OptionalImportsSkipped\n"
        "sys.meta_path.insert(0, OptionalImportsSkipped())\n"
        "from analysis.corpus.runner import _warm\n"
        "_warm()\n"
        "import thinc.compat\n"
        "print(sorted(m for m in ('torch', 'scipy', 'sklearn') if m in sys.modules), thinc.compat.has_torch)\n"
        "import scipy.stats, torch\n"
        "print(hasattr(scipy.stats, 'fisher_exact'), hasattr(torch, 'tensor'))\n"
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[] False" and out[1] == "True True"


def test_workers_forked_from_a_preloaded_server_write_what_spawned_ones_do(corpus, tmp_path):
    """The run's local workers are forked from a server that loaded the model once
    (:mod:`analysis.corpus.forkserver`), stopped with the run; when this process already runs a
    fork server that is not the run's, they are spawned as before. Same bytes either way."""
    from multiprocessing import forkserver

    from analysis.corpus.forkserver import _server

    forked = run_corpus([corpus], tmp_path / "forked", partition_size=2)
    assert forked["workers_forked"] is True and _server()._forkserver_pid is None
    preload = _server()._preload_modules
    forkserver.set_forkserver_preload([])
    forkserver.ensure_running()  # somebody else's server
    try:
        spawned = run_corpus([corpus], tmp_path / "spawned", partition_size=2)
        assert _server()._forkserver_pid is not None  # left alone
    finally:
        _server()._stop()
        forkserver.set_forkserver_preload(preload)
    assert spawned["workers_forked"] is False
    for name in TABLES:
        assert (tmp_path / "forked" / f"{name}.parquet").read_bytes() == (tmp_path / "spawned" / f"{name}.parquet").read_bytes(), name


def test_the_early_fork_server_serves_only_the_settings_it_was_started_with(monkeypatch):
    """The command line starts the workers' server before anything else; the run uses it only if
    the environment is still the one it was started with, else it starts one for the run."""
    from analysis.corpus import forkserver as fs

    with fs.early_server():
        early = fs._server()._forkserver_pid
        assert early is not None
        with fs.preloaded_workers(fs.worker_environment()) as forked:
            assert forked and fs._server()._forkserver_pid == early
        assert fs._server()._forkserver_pid is None  # stopped with the run's cluster
    with fs.early_server():
        early = fs._server()._forkserver_pid
        monkeypatch.setenv("ANALYSIS_FORKSERVER_TEST", "1")  # the workers would not see this
        with fs.preloaded_workers(fs.worker_environment()) as forked:
            assert forked and fs._server()._forkserver_pid not in (None, early)
        assert fs._server()._forkserver_pid is None
    assert fs._server()._forkserver_pid is None
    with fs.early_server(enabled=False):  # a --scheduler run starts none
        assert fs._server()._forkserver_pid is None
