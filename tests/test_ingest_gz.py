"""Gzipped JSON Lines are read like .jsonl, as a stream; bad lines and a broken stream are one error each."""
from __future__ import annotations

import gzip
import json

import pytest

from analysis.errors import ArticleError
from analysis.io.expand import expand_inputs, jsonl_line_refs, load_articles
from analysis.io.ingest import is_jsonl, load_article, load_jsonl
from analysis.types import Article

BODY = ("Senator Jane Doe met the governor of Ohio in Columbus on Tuesday. "
        "She said the budget talks had gone well and that a deal was close.")


def _line(i: int, **over) -> str:
    rec = {"id": f"a{i:03d}", "title": f"Budget talks {i}", "text": BODY, "published": "2019-03-0" + str(1 + i % 9),
           "outlet": "Daily Example", "url": f"https://example.org/{i}", "topic": "economy", "bias": "center"} | over
    return json.dumps(rec)


def _write_gz(path, lines):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


@pytest.fixture
def batch_gz(tmp_path):
    good = [_line(1), _line(2), _line(3, outlet="Other Paper", topic="elections", bias="left")]
    bad = [
        _line(4)[:40],                        # line 3: cut-off JSON
        _line(5, text="   "),                # line 4: no text
        _line(6, published="2019-02-30"),    # line 5: impossible date
    ]
    path = tmp_path / "batch.jsonl.gz"
    _write_gz(path, [good[0], good[1], *bad, "", good[2]])  # line 6 blank, line 7 good
    return path


def test_gz_is_read_like_jsonl_with_outlet_topic_bias(batch_gz, tmp_path):
    assert is_jsonl(batch_gz) and is_jsonl(tmp_path / "x.ndjson") and not is_jsonl(tmp_path / "x.gz")
    out = list(load_jsonl(batch_gz, infer_published=False))
    arts = [a for a in out if isinstance(a, Article)]
    errs = [a for a in out if isinstance(a, ArticleError)]
    assert [a.id for a in arts] == ["a001", "a002", "a003"]
    assert arts[2].outlet == "Other Paper" and arts[2].topic == "elections" and arts[2].bias == "left"
    assert arts[0].source == f"{batch_gz}:1" and arts[2].source == f"{batch_gz}:7"
    assert [e.source for e in errs] == [f"{batch_gz}:3", f"{batch_gz}:4", f"{batch_gz}:5"]
    assert "invalid JSON" in str(errs[0]) and "no 'text'" in str(errs[1]) and "2019-02-30" in str(errs[2])
    assert all("\n" not in str(e) for e in errs)


def test_gz_lines_are_addressable_and_found_in_folders(batch_gz):
    assert jsonl_line_refs(batch_gz) == [f"{batch_gz}:{n}" for n in (1, 2, 3, 4, 5, 7)]
    assert load_article(f"{batch_gz}:7").id == "a003"
    with pytest.raises(ArticleError, match=r"batch.jsonl.gz:3: invalid JSON"):
        load_article(f"{batch_gz}:3")
    assert expand_inputs([batch_gz.parent]) == [batch_gz]
    assert sum(isinstance(a, Article) for a in load_articles([batch_gz.parent])) == 3


def test_truncated_gzip_keeps_the_lines_before_the_break_and_reports_it_once(tmp_path):
    whole = tmp_path / "whole.jsonl.gz"
    _write_gz(whole, [_line(i) for i in range(1, 201)])
    data = whole.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    out = list(load_jsonl(cut, infer_published=False))
    arts = [a for a in out if isinstance(a, Article)]
    errs = [a for a in out if isinstance(a, ArticleError)]
    assert 0 < len(arts) < 200
    assert [a.id for a in arts] == [f"a{i:03d}" for i in range(1, len(arts) + 1)]  # in order, none skipped
    assert len(errs) == 1 and out[-1] is errs[0]
    assert errs[0].source == f"{cut}:{len(arts) + 1}"
    assert f"broken after line {len(arts)}" in str(errs[0])
    # the refs end with the break, so the report and corpus commands name it too
    refs = jsonl_line_refs(cut)
    assert refs[-1] == errs[0].source and len(refs) == len(arts) + 1
    with pytest.raises(ArticleError, match="compressed stream broken"):
        load_article(refs[-1])


def test_not_gzip_at_all_is_one_error(tmp_path):
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_text(_line(1), encoding="utf-8")
    out = list(load_jsonl(fake))
    assert len(out) == 1 and isinstance(out[0], ArticleError) and out[0].source == f"{fake}:1"


def test_plain_jsonl_is_streamed_past_the_one_article_size_limit(tmp_path, monkeypatch):
    import analysis.io.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_BYTES", 1000)  # a whole-file read would refuse this file
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(_line(i) for i in range(1, 30)) + "\n", encoding="utf-8")
    assert sum(isinstance(a, Article) for a in load_jsonl(path, infer_published=False)) == 29
