"""End to end: papermill executes every notebook, nbconvert renders HTML, CSVs and the index."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest

from analysis.config import NOTEBOOKS_DIR, SEEDS_DIR
from analysis.render.report import NOTEBOOKS, render_reports

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Render the seed plus a broken file in one batch (the broken one must not stop the seed)."""
    src = tmp_path_factory.mktemp("articles")
    for f in SEEDS_DIR.iterdir():
        shutil.copy(f, src / f.name)
    (src / "broken.txt").write_bytes(b"")
    out = tmp_path_factory.mktemp("reports")
    reports = render_reports([src], out, progress=False)
    return out, reports


def test_notebooks_committed_without_outputs():
    for name in NOTEBOOKS:
        nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, name
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), name
        assert not any(re.search(r"^\s*def ", c.source, re.M) for c in nb.cells if c.cell_type == "code"), name
        for line in params[0].source.splitlines():
            assert re.match(r"^\w+: \w+ = .+  # .+", line), line  # typed, commented defaults


def test_batch_records_failure_and_renders_rest(rendered):
    out, reports = rendered
    by_name = {r.source.rsplit("/", 1)[-1]: r for r in reports}
    assert by_name["broken.txt"].error and "empty file" in by_name["broken.txt"].error
    seed = by_name["000_bf838fbfbc626702.txt"]
    assert seed.ok, seed.error
    assert set(seed.outputs) == set(NOTEBOOKS)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.links, self.classes = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        if tag == "a":
            self.links.append(a.get("href"))
        self.classes.append(a.get("class") or "")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_html_report(rendered, name):
    out, _ = rendered
    html = (out / "000_bf838fbfbc626702" / f"{name}.html").read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(html)
    for code in ("from analysis import", "check_parameters(", "show_table(", "show_figure("):
        assert code not in html, code  # no code cells
    pngs = [i for i in parser.imgs if i.get("src", "").startswith("data:image/png;base64,")]
    assert len(pngs) == {"sentiment": 2, "entities": 2, "timeline": 1}[name]  # arc + portrayal; bars + network
    assert all(len(i.get("alt", "")) > 30 and "No description" not in i["alt"] for i in pngs)
    assert "Vladimir Putin Congratulates Joe Biden" in html
    assert "Traceback" not in html and "Error" not in re.sub(r"<[^>]+>", "", html).split("\n")[0]


def test_csv_tables(rendered):
    out, _ = rendered
    folder = out / "000_bf838fbfbc626702"
    sents = pd.read_csv(folder / "sentences.csv")
    ents = pd.read_csv(folder / "entities.csv")
    tl = pd.read_csv(folder / "timeline.csv")
    assert len(sents) > 15 and {"polarity", "vader_compound", "text"} <= set(sents.columns)
    assert ents.iloc[0]["entity"] == "Vladimir Putin" and ents.iloc[0]["mentions"] == 10
    assert "2020-12-14" in set(tl["value"])


def test_index_links_every_report(rendered):
    out, _ = rendered
    parser = _Collect()
    index = (out / "index.html").read_text(encoding="utf-8")
    parser.feed(index)
    for name in NOTEBOOKS:
        assert f"000_bf838fbfbc626702/{name}.html" in parser.links
    assert all((out / href).exists() for href in parser.links)
    assert "broken.txt: empty file" in index
    assert "top entities: Vladimir Putin (10)" in index
    tl = pd.read_csv(out / "000_bf838fbfbc626702" / "timeline.csv")
    assert f"{len(tl)} time expressions, {tl['date'].notna().sum()} dated from 2016 to 2020-12-15" in index


def test_tables_are_byte_identical_run_after_run(rendered, tmp_path):
    out, _ = rendered
    again = render_reports([SEEDS_DIR / "000_bf838fbfbc626702.txt"], tmp_path, progress=False)
    assert again[0].ok, again[0].error
    csvs = sorted(p.name for p in (out / "000_bf838fbfbc626702").glob("*.csv"))
    assert {"sentences.csv", "entities.csv", "mentions.csv", "timeline.csv", "entity_sentiment.csv"} <= set(csvs)
    for name in csvs:
        assert (tmp_path / "000_bf838fbfbc626702" / name).read_bytes() == (out / "000_bf838fbfbc626702" / name).read_bytes(), name


def test_reports_have_no_stderr_or_error_outputs(rendered):
    out, _ = rendered
    for name in NOTEBOOKS:
        nb = nbformat.read(out / "000_bf838fbfbc626702" / f"{name}.ipynb", as_version=4)
        noisy = [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr" or o.get("output_type") == "error"]
        assert not noisy, (name, noisy[:1])


def test_json_lines_batch_one_report_per_line(tmp_path):
    import json

    batch = tmp_path / "batch.jsonl"
    lines = [
        {"id": "first", "title": "Council approves budget", "text": "The Paris council approved the budget on Monday.",
         "published": "2021-03-04", "outlet": "Gazette"},
        {"title": "No text here"},
        {"id": "third", "title": "Mayor resigns", "text": "Mayor Anne Hidalgo resigned on Friday after a vote."},
    ]
    batch.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    reports = render_reports([batch], tmp_path / "out", progress=False)
    assert [r.ok for r in reports] == [True, False, True]
    assert "batch.jsonl:2" in reports[1].error and "no 'text'" in reports[1].error
    assert (tmp_path / "out" / "first" / "timeline.html").exists()
    tl = pd.read_csv(tmp_path / "out" / "first" / "timeline.csv")
    assert "2021-03-01" in set(tl["value"])  # Monday before the line's own publication date
    assert "Gazette" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
