"""The shared parse: one parse per text/model/settings, cached in memory and on disk, safe to share."""
from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys

from analysis.fileio import write_atomic
from analysis.lang.nlp import cache_key, parse, primed

TEXT = "Title line\n\nAngela Merkel met Emmanuel Macron in Berlin on Monday. They talked.\n\nA second paragraph."


def test_sentences_never_cross_paragraphs(nlp):
    doc = parse(TEXT, use_cache=False)
    starts = {s.start_char for s in doc.sents}
    assert TEXT.index("Angela") in starts and TEXT.index("A second") in starts


def test_cache_key_depends_on_text_model_settings(nlp):
    assert cache_key(TEXT, nlp) == cache_key(TEXT, nlp)
    assert cache_key(TEXT, nlp) != cache_key(TEXT + " ", nlp)
    assert cache_key(TEXT, nlp) != cache_key(TEXT, nlp, {"x": 1})


def test_disk_cache_shared_across_processes(tmp_path, monkeypatch):
    env = dict(os.environ, ANALYSIS_CACHE_DIR=str(tmp_path))
    code = "from analysis.lang.nlp import parse; import sys; print(parse(sys.argv[1]).user_data['cache'])"
    first = subprocess.run([sys.executable, "-c", code, TEXT], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code, TEXT], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "parsed" and second.stdout.strip() == "disk"
    assert len(list(tmp_path.rglob("*.spacy"))) == 1


def test_corrupt_cache_entry_is_reparsed(tmp_path, monkeypatch, nlp):
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path))
    text = TEXT + " Corrupt."
    parse(text)
    entry = next(tmp_path.rglob("*.spacy"))
    entry.write_bytes(b"not a docbin")
    from analysis.lang import nlp as nlpmod

    nlpmod._MEMORY.clear()
    doc = parse(text)
    assert doc.user_data["cache"] == "parsed" and doc.text == text


def _write_many(path, payload, n):
    for _ in range(n):
        write_atomic(path, payload)


def test_concurrent_atomic_writers_leave_a_whole_file(tmp_path):
    target = tmp_path / "entry.bin"
    payloads = [bytes([65 + i]) * 200_000 for i in range(2)]
    procs = [mp.get_context("spawn").Process(target=_write_many, args=(target, p, 30)) for p in payloads]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert target.read_bytes() in payloads
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_primed_doc_is_used_then_forgotten(nlp):
    text = "Primed text about Paris."
    doc = nlp(text)
    with primed(text, doc):
        assert parse(text, use_cache=True) is doc
    assert parse(text, use_cache=False) is not doc


def test_lemmas_on_demand_equal_the_lemmatizers(nlp):
    """Corpus runs parse without the lemmatizer; nlp.lemma must give what it would have set."""
    from pathlib import Path

    from analysis.io.ingest import load_article
    from analysis.lang.nlp import SKIPPABLE, lemma

    text = load_article(Path(__file__).parent.parent / "seeds" / "000_bf838fbfbc626702.txt").text
    full = nlp(text)
    with nlp.select_pipes(disable=list(SKIPPABLE)):
        bare = nlp(text)
    assert sum(1 for t in bare if t.lemma == 0) > len(bare) / 2  # the lemmatizer really did not run
    assert [lemma(t) for t in bare] == [t.lemma_ for t in full]
    assert [lemma(t) for t in full] == [t.lemma_ for t in full]
    assert {"say", "be", "congratulate"} <= {lemma(t) for t in bare}
