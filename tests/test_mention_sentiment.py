"""mention_sentiment: every entity x sentence of a corpus run scored from the per-article results."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from analysis.articles.mention_sentiment import COLUMNS, MentionTargets, load_mention_model, mention_sentiment_schema

TEXT = 'Budget row\n\nJane Doe praised Acme. "Jane Doe ruined everything," Bob Roe said of Jane Doe.'


def _columns():
    s1 = TEXT.index("Jane Doe praised")
    s2 = TEXT.index('"Jane Doe ruined')
    sents = {"start": [0, s1, s2], "end": [10, s2 - 1, len(TEXT)]}
    spans = [("Jane Doe", s1), ("Acme", TEXT.index("Acme")), ("Jane Doe", s2 + 1),
             ("Bob Roe", TEXT.index("Bob Roe")), ("Jane Doe", TEXT.rindex("Jane Doe"))]
    ments = {"start": [a for _, a in spans], "end": [a + len(e) for e, a in spans], "entity": [e for e, _ in spans],
             "entity_label": ["PERSON", "ORG", "PERSON", "PERSON", "PERSON"], "sent_index": [1, 1, 2, 2, 2]}
    q0 = s2 + 1
    quotes = {"start": [q0], "end": [q0 + len("Jane Doe ruined everything,")], "speaker": ["Bob Roe"]}
    return sents, ments, quotes


def test_one_row_per_entity_and_sentence_with_quote_and_speaker():
    targets = MentionTargets(backend="lexical")
    targets.add("a1", TEXT, *_columns())
    cols = targets.score()
    assert list(cols) == list(COLUMNS) and [f.name for f in mention_sentiment_schema()] == list(COLUMNS)
    df = pd.DataFrame(cols)
    # Jane Doe twice in sentence 2: one row (the first mention, the quoted one)
    assert list(zip(df["sent_index"], df["entity"])) == [(1, "Jane Doe"), (1, "Acme"), (2, "Jane Doe"), (2, "Bob Roe")]
    assert df["is_quote"].tolist() == [False, False, True, False]
    assert df["speaker"].tolist() == ["", "", "Bob Roe", ""]
    assert set(df["label"]) <= {"negative", "neutral", "positive"}
    assert df["score"].between(-1, 1).all()
    quoted = df[df["is_quote"]].iloc[0]
    assert quoted["label"] == "negative"  # "ruined everything"


def test_an_articles_scores_do_not_depend_on_the_articles_beside_it():
    """The int8 model quantizes activations per batch: scored in one batch with a long other
    article (other scale, other padding), an article's scores moved. They are scored per article."""
    from analysis.articles.mention_sentiment import onnx_available

    if not onnx_available():
        pytest.skip("the onnx-int8 backend needs the minilm extra")
    alone = MentionTargets(backend="onnx-int8")
    alone.add("a1", TEXT, *_columns())
    other = ("Markets\n\n" + "Acme Corp shares collapsed after a brutal, humiliating and long-feared profit warning. " * 3).strip()
    beside = MentionTargets(backend="onnx-int8")
    beside.add("a0", other, {"start": [0, 9], "end": [7, len(other)]},
               {"start": [9], "end": [18], "entity": ["Acme Corp"], "entity_label": ["ORG"], "sent_index": [1]},
               {"start": [], "end": [], "speaker": []})
    beside.add("a1", TEXT, *_columns())
    a, b = pd.DataFrame(alone.score()), pd.DataFrame(beside.score())
    b = b[b["article_id"] == "a1"].reset_index(drop=True)
    assert len(a) == 4
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_backends_are_named_and_checked():
    from analysis.errors import ParameterError

    with pytest.raises(ParameterError, match="targeted backend"):
        load_mention_model("bert-huge")


def test_onnx_int8_agrees_with_the_float_model_on_newsmtsc(data_dir):
    """The fast model labels NewsMTSC targets like the float MiniLM it was exported from (the
    corpus model when committed; labels compared, not floats)."""
    from analysis.articles.mention_sentiment import corpus_artifact, onnx_available
    from analysis.articles.targeted import load_newsmtsc, load_targeted_model

    if not onnx_available():
        pytest.skip("MiniLM extra / onnxruntime not installed")
    path = data_dir / "newsmtsc" / "devtest_rw.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    items = [ex[:3] for ex in load_newsmtsc(path)[:150]]
    fast = load_mention_model("onnx-int8", threads=1).predict_proba(items).argmax(axis=1)
    slow = load_targeted_model(corpus_artifact()).predict_proba(items).argmax(axis=1)
    assert (fast == slow).mean() >= 0.93


def _gz(path, recs, *, cut=False):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(r if isinstance(r, str) else json.dumps(r) for r in recs) + "\n")
    if cut:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - 30])


@pytest.mark.slow
def test_corpus_run_on_gz_keeps_going_and_fills_articles_and_mention_sentiment(tmp_path, monkeypatch):
    from analysis.corpus.readers import load_corpus
    from analysis.corpus.runner import run_corpus
    from analysis.render.report import render_reports

    monkeypatch.setenv("ANALYSIS_TARGETED", "lexical")  # workers inherit it; the MiniLM path is the shared test's
    body = ("Senator Jane Doe criticised Acme Corp on Tuesday in Columbus. \"Acme Corp has failed Ohio,\" Jane Doe "
            "said. Acme Corp said it was proud of its record.")
    good = [{"id": f"g{i}", "title": f"Row {i}", "text": body, "published": "2019-03-04", "outlet": f"Paper {i}",
             "topic": "economy", "bias": "left"} for i in range(3)]
    src = tmp_path / "in"
    src.mkdir()
    _gz(src / "batch.jsonl.gz", [good[0], '{"id": "cut", "text": "Jane', {"id": "e", "text": ""}, good[1],
                                 {"id": "d", "text": body, "published": "2019-13-45"}, good[2]])
    _gz(src / "broken.jsonl.gz", [dict(good[0], id=f"b{i}") for i in range(200)], cut=True)
    summary = run_corpus([src], tmp_path / "out", partition_size=2, n_workers=1, mention_sentiment=True)
    tables = load_corpus(tmp_path / "out")
    arts = tables["articles"]
    assert set(arts["file_id"]) >= {"g0", "g1", "g2"} and summary["articles"] == len(arts) > 3
    row = arts[arts["file_id"] == "g1"].iloc[0]
    assert (row["outlet"], row["topic"], row["bias"]) == ("Paper 1", "economy", "left")
    errors = dict(zip(tables["errors"]["path"], tables["errors"]["error"]))
    assert {f"{src / 'batch.jsonl.gz'}:{n}" for n in (2, 3, 5)} <= set(errors)
    broken = [p for p in errors if "broken.jsonl.gz" in p]
    assert len(broken) == 1 and "compressed stream broken" in errors[broken[0]]
    assert len(errors) == 4
    ms = tables["mention_sentiment"]
    assert len(ms) and set(ms["article_id"]) <= set(arts["article_id"])
    assert ms["is_quote"].any() and set(ms["label"]) <= {"negative", "neutral", "positive"}
    # the report command: same file:line errors, one line each (bad lines fail before any notebook runs)
    bad = tmp_path / "bad.jsonl.gz"
    _gz(bad, ['{"id": "cut", "text": "Jane', {"id": "e", "text": ""}, {"id": "d", "text": body, "published": "2019-02-30"}])
    reports = render_reports([bad], tmp_path / "reports", progress=False)
    assert [r.error.split(": ")[0] for r in reports] == [f"{bad}:{n}" for n in (1, 2, 3)]
    assert all("\n" not in r.error for r in reports)
