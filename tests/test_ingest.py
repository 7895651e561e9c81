"""Ingestion: file formats, encodings, sidecars, overrides and one-line errors."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from analysis.errors import ArticleError, ParameterError
from analysis.io.dates import parse_date
from analysis.io.expand import expand_inputs, load_articles
from analysis.io.ingest import article_id, load_article
from analysis.config import SEEDS_DIR

SEED = SEEDS_DIR / "000_bf838fbfbc626702.txt"


def test_seed_loads_with_sidecar():
    a = load_article(SEED)
    assert a.id == "000_bf838fbfbc626702"
    assert a.outlet == "PEOPLE"
    assert a.published == dt.date(2020, 12, 15) and a.published_source == "sidecar"
    assert a.language == "en"
    assert a.title.startswith("Vladimir Putin Congratulates Joe Biden")
    assert a.text.count(a.title) == 1
    assert "\u00a0" not in a.text


def test_parameters_override_sidecar():
    a = load_article(SEED, published="2021-01-02", outlet="Other")
    assert a.published == dt.date(2021, 1, 2) and a.published_source == "parameter"
    assert a.outlet == "Other"


def test_plain_text_without_sidecar_infers_date(tmp_path):
    p = tmp_path / "story.txt"
    p.write_text("Council votes\n\nThe council met on March 3, 2021 and voted on the budget.\n", encoding="utf-8")
    a = load_article(p)
    assert a.published_source in {"inferred", "none"}
    if a.published_source == "inferred":
        assert a.published == dt.date(2021, 3, 3)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_other_encodings_are_decoded(tmp_path, encoding):
    p = tmp_path / "enc.txt"
    p.write_bytes("Café société\n\nLe café à Zürich a fermé lundi.\n".encode(encoding))
    a = load_article(p)
    assert a.title == "Café société"
    assert "Zürich" in a.paragraphs[0]


@pytest.mark.parametrize(
    "content, problem",
    [(b"", "empty file"), (b"  \n\n \t\n", "empty file"), (b"\x00\x01\x02binary\x00" * 10, "binary file")],
)
def test_bad_files_one_line_error(tmp_path, content, problem):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ArticleError) as info:
        load_article(p)
    assert str(info.value).startswith(str(p))
    assert problem in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file():
    with pytest.raises(ArticleError, match="no such file"):
        load_article("does/not/exist.txt")


@pytest.mark.parametrize("value", ["2020-02-30", "yesterday", 20201215])
def test_impossible_dates_rejected(value):
    with pytest.raises(ParameterError):
        parse_date(value)


def test_jsonl_batch_keeps_going(tmp_path):
    p = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"title": "One", "text": "First story body.", "published": "2020-01-01", "outlet": "X"}),
        "{not json",
        json.dumps({"title": "Three", "text": ""}),
        json.dumps({"title": "Four", "text": "Fourth story body."}),
    ]
    p.write_text("\n".join(lines), encoding="utf-8")
    out = list(load_articles([p]))
    assert [type(x).__name__ for x in out] == ["Article", "ArticleError", "ArticleError", "Article"]
    assert out[0].published == dt.date(2020, 1, 1) and out[0].outlet == "X"
    assert "batch.jsonl:2" in str(out[1])


def test_directory_with_one_bad_file(tmp_path):
    (tmp_path / "a.txt").write_text("A title\n\nBody of a.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text("C title\n\nBody of c.", encoding="utf-8")
    out = list(load_articles([tmp_path]))
    assert [getattr(x, "id", None) for x in out] == ["a", None, "c"]


def test_html_article(tmp_path):
    body = " ".join(["The mayor announced a new budget for the city on Monday."] * 8)
    page = (
        "<html><head><title>Budget day</title><meta property='article:published_time' content='2021-05-04'>"
        "<script>alert(1)</script></head><body><article><h1>Budget day</h1>"
        f"<p>{body}</p><p>{body}</p></article></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_text(page, encoding="utf-8")
    a = load_article(p)
    assert a.published == dt.date(2021, 5, 4) and a.published_source == "html"
    assert "alert" not in a.text
    assert "mayor announced" in a.text


@pytest.mark.parametrize("name, expected", [("000_abc.txt", "000_abc"), ("../../etc/passwd", "passwd"),
                                            ("My Story: Part 1!.txt", "my-story-part-1"), (".hidden.txt", "hidden")])
def test_article_ids_are_safe(name, expected):
    assert article_id(name) == expected


def test_expand_inputs_skips_sidecars():
    paths = expand_inputs([SEEDS_DIR])
    assert paths == [SEED]


def test_one_line_of_json_lines_with_overrides(tmp_path):
    p = tmp_path / "b.jsonl"
    p.write_text(json.dumps({"title": "A", "text": "Body a."}) + "\n\n" + json.dumps({"id": "bee", "title": "B", "text": "Body b."}),
                 encoding="utf-8")
    a = load_article(f"{p}:3", published="2022-01-02", outlet="Wire")
    assert (a.id, a.title, a.outlet, a.published, a.published_source) == ("bee", "B", "Wire", dt.date(2022, 1, 2), "parameter")
    with pytest.raises(ArticleError, match="no such line"):
        load_article(f"{p}:2")
