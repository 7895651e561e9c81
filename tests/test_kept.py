"""Incremental, resumable corpus runs (analysis.corpus.kept): incremental tables equal fresh ones.

The Dask tests share one LocalCluster (module fixture) through ``scheduler=``, so a run costs a
client connection, not a cluster start; ``test_corpus.py`` covers runs that start their own.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus.runner import run_corpus
from analysis.corpus.tables import TABLE_NAMES
from analysis.errors import ParameterError

ARTICLES = {
    "business/acme.txt": "Acme profits jump\n\nAcme Corp said on 12 March 2021 that profits rose sharply. "
                         "Chief executive Jane Smith welcomed the news in London.",
    "business/bank.txt": "Bank cuts rates\n\nThe Bank of England cut interest rates on 5 May 2019. "
                         "“This is a terrible blow for every saver in the country,” said Anna Jones of Barclays.",
    "sport/final.txt": "Arsenal win the final\n\nArsenal beat Chelsea 2-1 at Wembley on 1 August 2020. "
                       "Mikel Arteta praised his wonderful players.",
    "sport/olympics.txt": "Olympic hopes\n\nParis will host the Olympic Games in 2024. "
                          "Athletes from Kenya trained in Nairobi throughout 2023.",
}
MORE = {
    "tech/phone.txt": "New phone launched\n\nApple unveiled a phone in September 2022 in California. "
                      "“This is the best iPhone we have ever made,” Tim Cook told reporters.",
    "tech/chip.txt": "Chip shortage eases\n\nIntel said on Monday that supplies of chips had improved since January 2022. "
                     "“We expect a much better year for all of our customers,” said Pat Gelsinger.",
}
FEED = [
    '{"title": "Rail strike", "text": "Train drivers in Leeds walked out on 3 June 2022, the union said.", "published": "2022-06-03"}',
    '{"title": "Flood warning", "text": "The Environment Agency warned of floods in York on Friday."}',
]


def _write(root: Path, articles: dict[str, str]) -> None:
    for rel, text in articles.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    _write(root, ARTICLES)
    (root / "feeds").mkdir()
    (root / "feeds" / "wire.jsonl").write_text("\n".join(FEED) + "\n", encoding="utf-8")
    (root / "sport" / "broken.txt").write_bytes(b"\x00\x01\x02 not text")
    return root


@pytest.fixture(scope="module")
def scheduler():
    """One LocalCluster (2 worker processes) for the module's runs."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


#: Every table of a corpus folder: the per-article ones and the identity pass's index.
TABLES = (*TABLE_NAMES, "entity_index")


def _bytes(out: Path) -> dict[str, bytes]:
    return {n: (out / f"{n}.parquet").read_bytes() for n in TABLES}


def assert_same_tables(a: Path, b: Path) -> None:
    """Same rows, same values (and, since both are rebuilt the same way, the same bytes)."""
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet"),
                                      check_exact=True, obj=name)
    assert _bytes(a) == _bytes(b)


def _kept_files(out: Path) -> list[Path]:
    return sorted((out / ".kept").glob("*/*.kept"))


# --- keys, without a cluster ------------------------------------------------------------------


def test_keys_cover_content_sidecar_and_each_json_line(corpus):
    from analysis.corpus.kept import input_units
    from analysis.corpus.runner import corpus_items
    from analysis.io.expand import article_refs

    def units():
        return {u.doc_id: u for u in input_units([corpus])}

    before = units()
    assert sorted(before) == sorted([*ARTICLES, "sport/broken.txt", "feeds/wire.jsonl:1", "feeds/wire.jsonl:2"])
    assert before["feeds/wire.jsonl:2"].ref == str(corpus / "feeds" / "wire.jsonl") + ":2"
    assert before["feeds/wire.jsonl:2"].line == 2
    # the same articles, ids and order as a corpus run's items
    assert [(u.doc_id, u.ref) for u in before.values()] == corpus_items(article_refs([corpus]))
    # editing one JSON line changes that line's key only
    (corpus / "feeds" / "wire.jsonl").write_text(FEED[0] + "\n" + FEED[1].replace("York", "Selby") + "\n", encoding="utf-8")
    # a sidecar belongs to its article's content
    (corpus / "sport" / "final.meta.yml").write_text("published: 2020-08-02\n", encoding="utf-8")
    after = units()
    changed = {k for k in before if before[k].content != after[k].content}
    assert changed == {"feeds/wire.jsonl:2", "sport/final.txt"}


def test_settings_are_validated_and_defaults_match_the_analyses():
    import analysis.articles.quotes
    import analysis.lang.nlp
    from analysis.corpus.kept import DEFAULT_SETTINGS, MODEL_CANDIDATES, code_modules, resolve_settings, settings_digest

    assert DEFAULT_SETTINGS["quote_min_words"] == analysis.articles.quotes.MIN_WORDS
    assert MODEL_CANDIDATES == analysis.lang.nlp.MODEL_CANDIDATES
    from analysis.corpus import kept

    assert kept.TABLE_NAMES == TABLE_NAMES and set(kept.ARTICLE_TABLES) == set(TABLE_NAMES) - {"errors"}
    assert settings_digest(resolve_settings({"quote_min_words": 4})) == settings_digest(resolve_settings(None))
    assert settings_digest(resolve_settings({"quote_min_words": 3})) != settings_digest(resolve_settings(None))
    with pytest.raises(ParameterError, match="unknown corpus setting"):
        resolve_settings({"quote_words": 3})
    with pytest.raises(ParameterError, match="quote_min_words"):
        resolve_settings({"quote_min_words": 0})
    assert settings_digest(resolve_settings({"mention_sentiment": True})) != settings_digest(resolve_settings(None))
    modules = code_modules()
    for name in ("analysis.articles.quotes", "analysis.lang.ner", "analysis.lang.tagger", "analysis.lang.minilm_tagger", "analysis.lang.timex",
                 "analysis.io.clean", "analysis.corpus.runner", "analysis.corpus.kept", "analysis.articles.mention_sentiment"):
        assert name in modules
    # what cannot change a per-article result is not in the key
    assert not [m for m in modules if m.startswith(("analysis.render", "analysis.evaluation"))]
    assert "analysis.corpus.identity" not in modules and "analysis.corpus.portrayal" not in modules


def test_model_key_covers_own_weights_and_the_targeted_backend(monkeypatch):
    from analysis.corpus.kept import model_identity

    key = model_identity.__wrapped__()
    for name in ("conll_ner.bin", "minilm_ner.pt", "targeted_sentiment.joblib", "spacy==", "onnxruntime=="):
        assert name in key
    monkeypatch.setenv("ANALYSIS_TARGETED", "lexical")
    assert model_identity.__wrapped__() != key
    monkeypatch.delenv("ANALYSIS_TARGETED")
    monkeypatch.setenv("ANALYSIS_TAGGER", "minilm")  # python -m analysis corpus --tagger minilm
    assert model_identity.__wrapped__() != key


def test_a_run_with_nothing_to_do_imports_no_analysis(corpus, tmp_path):
    """The command line of an unchanged rerun keys the inputs and stops: it never imports spaCy,
    TextBlob, matplotlib or papermill (they cost most of such a run's time)."""
    code = ("import sys; from analysis.corpus.cli import run_cli; from analysis.corpus.kept import KeptRun, input_units; "
            "units = input_units([sys.argv[1]]); KeptRun(sys.argv[2], units).__enter__(); "
            "print(sorted(m for m in ('spacy', 'textblob', 'matplotlib', 'papermill', 'torch') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(corpus), str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_lock_refuses_a_second_run(corpus, tmp_path):
    from analysis.corpus.kept import KeptRun, OutputLockedError

    out = tmp_path / "out"
    with KeptRun(out, []):
        with pytest.raises(OutputLockedError, match="another corpus run"):
            with KeptRun(out, []):
                pass
        proc = subprocess.run([sys.executable, "-m", "analysis", "corpus", str(corpus), "--out", str(out), "--quiet"],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "another corpus run is writing this folder" in lines[0] and f"pid {os.getpid()}" in lines[0]
    with KeptRun(out, []):  # released
        pass
    assert not _kept_files(out) and not (out / "articles.parquet").exists()


def test_a_table_swap_cut_short_is_finished_by_the_next_run(tmp_path):
    from analysis.corpus.kept import COMMIT_FILE, KeptRun

    out = tmp_path / "out"
    out.mkdir()
    for name in TABLES:
        (out / f"{name}.parquet").write_bytes(b"old")
    for name in ("quotes", "errors"):  # killed after swapping the first four tables
        (out / f".{name}.parquet.tmp").write_bytes(b"new")
    (out / COMMIT_FILE).write_text("[]")
    with KeptRun(out, []):
        pass
    assert {n: (out / f"{n}.parquet").read_bytes() for n in ("articles", "quotes", "errors")} == \
        {"articles": b"old", "quotes": b"new", "errors": b"new"}
    assert not list(out.glob(".*.tmp")) and not (out / COMMIT_FILE).exists()
    (out / ".errors.parquet.tmp").write_bytes(b"half")  # no marker: a table still being written is thrown away
    with KeptRun(out, []):
        pass
    assert (out / "errors.parquet").read_bytes() == b"new" and not list(out.glob(".*.tmp"))


# --- runs on Dask ---------------------------------------------------------------------------


@pytest.mark.slow
def test_incremental_runs_equal_fresh_runs(corpus, tmp_path, scheduler):
    inc = tmp_path / "inc"
    first = run_corpus([corpus], inc, scheduler=scheduler, partition_size=2)
    n = len(ARTICLES) + 3  # + broken file + 2 JSON lines
    assert (first["analysed"], first["reused"], first["reasons"]) == (n, 0, {"new": n})
    assert first["articles"] == len(ARTICLES) + 2 and first["errors"] == 1 and len(_kept_files(inc)) == n
    assert (inc / ".kept" / "identity-memo.json").is_file()  # the identity pass's per-name results, for the next run

    # unchanged: nothing analysed, no cluster work, same bytes
    before = _bytes(inc)
    again = run_corpus([corpus], inc, scheduler=scheduler, partition_size=2)
    assert (again["analysed"], again["reused"], again["partitions"], again["dropped"]) == (0, n, 0, 0)
    assert _bytes(inc) == before and not again["rebuilt"]  # the tables were already what a rebuild writes
    (inc / "quotes.parquet").write_bytes(b"damaged")  # a table that is not what was built is rebuilt
    again = run_corpus([corpus], inc, scheduler=scheduler, partition_size=2)
    assert again["analysed"] == 0 and again["rebuilt"] and _bytes(inc) == before
    moved = tmp_path / "moved"  # same articles elsewhere: reused, the path column follows them
    shutil.copytree(corpus, moved)
    there = run_corpus([moved], inc, scheduler=scheduler)
    assert there["analysed"] == 1 and there["reasons"] == {"moved": 1}  # only the kept error names the old path
    arts = pd.read_parquet(inc / "articles.parquet")
    assert arts["path"].str.startswith(str(moved)).all()
    assert pd.read_parquet(inc / "errors.parquet")["error"].str.startswith(str(moved)).all()
    run_corpus([corpus], inc, scheduler=scheduler)
    assert _bytes(inc) == before

    # add two articles, edit one, delete one, edit one JSON line
    _write(corpus, MORE)
    edited = ARTICLES["sport/final.txt"].replace("Mikel Arteta praised his wonderful players.",
                                                 "“We deserved to win this final,” said Mikel Arteta.")
    (corpus / "sport" / "final.txt").write_text(edited, encoding="utf-8")
    (corpus / "business" / "bank.txt").unlink()
    (corpus / "feeds" / "wire.jsonl").write_text(FEED[0] + "\n" + FEED[1].replace("York", "Selby") + "\n", encoding="utf-8")
    step = run_corpus([corpus], inc, scheduler=scheduler, partition_size=3)
    assert step["reasons"] == {"new": 2, "content changed": 2}
    assert (step["analysed"], step["dropped"], step["reused"]) == (4, 1, n - 1 - 2)
    assert len(_kept_files(inc)) == n + 1
    fresh = tmp_path / "fresh"
    full = run_corpus([corpus], fresh, scheduler=scheduler, partition_size=1)
    assert full["reasons"] == {"new": n + 1}
    assert_same_tables(inc, fresh)
    tables = {k: pd.read_parquet(inc / f"{k}.parquet") for k in TABLES}
    assert "business/bank.txt" not in set(tables["articles"]["article_id"])
    text = " ".join(tables["sentences"]["text"])
    assert "deserved to win" in text and "Selby" in text and "York" not in text and "Bank of England" not in text

    # a setting: every article analysed again, equal to a fresh run with that setting
    changed = run_corpus([corpus], inc, scheduler=scheduler, quote_min_words=12)
    assert changed["reasons"] == {"settings changed": n + 1}
    fresh12 = tmp_path / "fresh12"
    run_corpus([corpus], fresh12, scheduler=scheduler, quote_min_words=12, fresh=True)
    assert_same_tables(inc, fresh12)
    assert changed["quotes"] < full["quotes"]  # the setting did change results
    # --fresh redoes everything and writes the same bytes
    forced = run_corpus([corpus], fresh12, scheduler=scheduler, quote_min_words=12, fresh=True)
    assert forced["reasons"] == {"fresh": n + 1} and forced["reused"] == 0
    assert_same_tables(inc, fresh12)


@pytest.mark.slow
def test_truncated_kept_file_is_reported_and_redone(corpus, tmp_path, scheduler):
    out = tmp_path / "out"
    run_corpus([corpus], out, scheduler=scheduler)
    before = _bytes(out)
    victim = next(f for f in _kept_files(out) if f.stat().st_size > 1000)
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    again = run_corpus([corpus], out, scheduler=scheduler)
    assert again["reasons"] == {"corrupt": 1} and again["analysed"] == 1
    (line,) = again["corrupt_kept"]
    assert line.startswith(str(victim)) and "corrupt (checksum mismatch" in line and str(corpus) in line
    assert _bytes(out) == before
    assert run_corpus([corpus], out, scheduler=scheduler)["analysed"] == 0  # redone for good


@pytest.mark.slow
def test_killed_run_resumes_and_equals_an_uninterrupted_one(corpus, tmp_path, scheduler):
    """The driver SIGKILLs itself after keeping 4 of 9 partitions (ANALYSIS_KILL_AFTER_PARTITIONS):
    the previous tables stay whole, the next run analyses only the rest and writes the same bytes
    as an uninterrupted run."""
    from analysis.corpus.kept import KILL_ENV

    out = tmp_path / "out"
    small = tmp_path / "small"
    _write(small, {k: ARTICLES[k] for k in list(ARTICLES)[:2]})
    run_corpus([small], out, scheduler=scheduler)  # tables of an earlier run: must survive the kill
    old = _bytes(out)
    _write(corpus, MORE)
    total = len(ARTICLES) + len(MORE) + 3
    cmd = [sys.executable, "-m", "analysis", "corpus", str(corpus), "--out", str(out), "--quiet", "--partition-size", "1",
           "--scheduler", scheduler]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, KILL_ENV: "4"})
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert _bytes(out) == old  # no half-written table
    assert not list(out.glob(".*.tmp"))
    assert len(_kept_files(out)) == 4  # 4 partitions of 1 kept; the earlier run's articles left the input

    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 1, resumed.stderr[-2000:]  # the broken file
    import json

    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert summary["reused"] == 4 and summary["analysed"] == total - 4 and summary["reasons"] == {"new": total - 4}
    whole = tmp_path / "whole"
    run_corpus([corpus], whole, scheduler=scheduler, partition_size=5)
    assert_same_tables(out, whole)


@pytest.mark.slow
def test_kept_results_of_a_local_cluster_serve_a_remote_scheduler_run(corpus, tmp_path, scheduler):
    """Results kept by a run on its own LocalCluster are reused by a run on a scheduler (same keys)."""
    local = tmp_path / "local"
    run_corpus([corpus], local, partition_size=3, n_workers=1)
    remote = tmp_path / "remote"
    shutil.copytree(local, remote)
    (remote / "articles.parquet").unlink()
    again = run_corpus([corpus], remote, scheduler=scheduler, partition_size=3)
    assert again["analysed"] == 0 and again["reused"] == len(ARTICLES) + 3
    assert_same_tables(local, remote)


@pytest.mark.slow
def test_portrayal_tables_equal_on_a_local_cluster_and_a_scheduler(corpus, tmp_path, scheduler):
    """``--portrayal`` (targeted sentiment of every mention, the int8 ONNX model): a run on its
    own LocalCluster and one on a scheduler write the same bytes; the setting is in the key."""
    local = tmp_path / "local"
    a = run_corpus([corpus], local, partition_size=2, n_workers=1, mention_sentiment=True)
    remote = tmp_path / "remote"
    b = run_corpus([corpus], remote, scheduler=scheduler, partition_size=3, mention_sentiment=True)
    assert a["mention_sentiment"] == b["mention_sentiment"] > 0
    assert_same_tables(local, remote)
    ms = pd.read_parquet(local / "mention_sentiment.parquet")
    ents = pd.read_parquet(local / "entities.parquet")
    assert set(ms["label"]) <= {"negative", "neutral", "positive"} and set(ms["article_id"]) <= set(ents["article_id"])
    # turning it off is a settings change: every article again, and the table is empty
    off = run_corpus([corpus], local, scheduler=scheduler)
    assert off["reasons"] == {"settings changed": a["analysed"]} and off["mention_sentiment"] == 0
