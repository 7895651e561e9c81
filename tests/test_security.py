"""Untrusted article text never becomes markup, and file names never escape the output folder."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from analysis.io.ingest import article_id, load_article
from analysis.render.notebook import article_header, show_figure, show_table, show_text
from analysis.render.execute import html_exporter
from analysis.render.report import ArticleReport, render_reports, write_index

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
HOSTILE = f"{SCRIPT} {IMG} <a href=\"javascript:alert(1)\">x</a> </table></td><h1>big</h1> & &amp; \"'"


class _Live(HTMLParser):
    """Collects markup that would act in a browser: script elements, on* handlers, javascript: URLs, injected tags."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
        self._last = tag
        for key, value in attrs:
            if key.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {key}={value}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "__pwned" in data:
            self.found.append(f"<script>{data}")
        if getattr(self, "_last", None) == "h1" and data.strip() == "big":
            self.found.append("<h1>big")  # a tag from the article text became an element


class _Pattern:
    def search(self, html: str) -> list[str]:
        parser = _Live()
        parser.feed(html)
        return parser.found


LIVE = _Pattern()


@pytest.fixture(scope="module")
def shell():
    from traitlets.config import Config

    config = Config()
    # history in memory: the suite's kernels share IPYTHONDIR, and a history file written at exit
    # by this process could meet theirs ("attempt to write a readonly database" after the run)
    config.HistoryManager.hist_file = ":memory:"
    return InteractiveShell.instance(config=config)


def _html_of(outputs) -> str:
    return "".join(o.data.get("text/html", "") for o in outputs)


def test_show_table_escapes_cells_and_headers(shell):
    df = pd.DataFrame({HOSTILE: [HOSTILE, "ok"], "entity": [IMG, SCRIPT]})
    with capture_output() as cap:
        show_table(df, caption=HOSTILE)
    html = _html_of(cap.outputs)
    assert html and not LIVE.search(html), html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html or "&lt;img src=x onerror=\"window.__pwned=1\"&gt;" in html


def test_a_long_table_folds_under_an_escaped_summary(shell):
    df = pd.DataFrame({"entity": [SCRIPT] * 30, "n": range(30)})
    with capture_output() as cap:
        show_table(df, collapse=HOSTILE, collapse_after=25)
    html = _html_of(cap.outputs)
    assert html.count("<details>") == 1 and "(30 rows)</summary>" in html and not LIVE.search(html), html
    with capture_output() as cap:
        show_table(df.head(20), collapse=HOSTILE, collapse_after=25)
    assert "<details>" not in _html_of(cap.outputs)  # a short table stays open


def test_show_text_and_header_escape(shell, tmp_path):
    with capture_output() as cap:
        show_text(HOSTILE, tag="h3")
    html = _html_of(cap.outputs)
    assert html.startswith("<h3>") and not LIVE.search(html)
    path = tmp_path / "hostile.txt"
    path.write_text(f"{HOSTILE}\n\nBody {SCRIPT} text about Berlin.\n", encoding="utf-8")
    (tmp_path / "hostile.meta.yml").write_text(f"outlet: '{IMG}'\nlanguage: en\n", encoding="utf-8")
    header = article_header(load_article(path))
    assert "&lt;script&gt;" in header and "&lt;img" in header
    assert not LIVE.search(header), header


def test_figure_alt_text_cannot_break_out_of_attribute(shell):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1])
    alt = f'chart" onload="window.__pwned=1" x="{SCRIPT}'
    with capture_output() as cap:
        show_figure(fig, alt=alt)
    html = _html_of(cap.outputs)
    assert html.count('"') == 6  # src, alt and style attributes only: the alt text's quotes are escaped
    assert "onload=\"" not in html and "&quot; onload=&quot;" in html


def test_nbconvert_report_keeps_text_as_text(shell):
    """Outputs through the report exporter: escaped HTML stays escaped, text/plain is escaped,
    and nothing is fetched from a CDN."""
    df = pd.DataFrame({"entity": [SCRIPT, IMG]})
    with capture_output() as cap:
        show_table(df)
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("show_table(df)")
    code.outputs = [nbformat.v4.new_output("display_data", data=dict(o.data)) for o in cap.outputs]
    code.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=HOSTILE))
    code.outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": HOSTILE}, execution_count=1))
    nb.cells = [nbformat.v4.new_markdown_cell("# Sentiment"), code]  # markdown cells are ours; article text is never markdown
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": f"sentiment — /x/{SCRIPT}.txt"}})
    assert not LIVE.search(body), LIVE.search(body)
    assert body.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") >= 3  # table, stream, execute_result
    assert "show_table(df)" not in body  # code cells excluded
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", body), "report loads from the network"
    assert re.search(r"<title>[^<]*&lt;script&gt;", body)


def test_index_escapes_titles_errors_summaries_and_links(tmp_path):
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    pd.DataFrame({"entity": [SCRIPT, IMG], "mentions": [3, 2]}).to_csv(out / "a" / "entities.csv", index=False)
    page = out / "a" / 'x"><script>.html'
    page.write_text("x")
    reports = [
        ArticleReport(source=f"/in/{SCRIPT}.txt", article_id="a", title=HOSTILE, outlet=IMG, outputs={"sentiment": page}),
        ArticleReport(source="/in/bad.txt", error=f"/in/bad.txt: {SCRIPT}"),
    ]
    html = write_index(reports, out).read_text(encoding="utf-8")
    assert not LIVE.search(html), html
    assert html.count("&lt;script&gt;") >= 4  # title, error, summary entity, source name
    assert 'href="a/x&quot;&gt;&lt;script&gt;.html"' in html


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "..", "...", "a/../b.txt", "..\\..\\win.txt", "C:\\x\\y.txt", "", " ",
     "x" * 300 + ".txt", "ÄÖÜ news.txt", "a..b.txt", "-rf.txt", "<script>.txt", "\x00a.txt", "~/.ssh/id.txt",
     ".meta.yml", ".hidden.txt", "a b/c d.txt", "%2e%2e%2fetc.txt"],
)
def test_article_id_is_a_safe_folder_name(tmp_path, name):
    aid = article_id(name)
    assert aid and len(aid) <= 100
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", aid), aid
    assert ".." not in aid and "/" not in aid and "\\" not in aid and not Path(aid).is_absolute()
    assert (tmp_path / aid).resolve().parent == tmp_path.resolve()


def test_jsonl_ids_cannot_escape(tmp_path):
    from analysis.io.ingest import load_jsonl

    path = tmp_path / "batch.jsonl"
    path.write_text('{"id": "../../../tmp/evil", "title": "T", "text": "Body text here."}\n'
                    '{"id": "/abs/path", "title": "T", "text": "Body text here."}\n', encoding="utf-8")
    ids = [a.id for a in load_jsonl(path, infer_published=False)]
    assert ids == ["evil", "path"]


def test_same_id_in_batch_does_not_overwrite(tmp_path):
    """a/x.txt and b/x.txt map to one report folder: the second is refused, not silently overwritten.

    Both are empty so no notebook runs; the collision check comes before loading.
    """
    for sub in ("a", "b"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / "x.txt").write_text("")
    reports = render_reports([tmp_path / "in"], tmp_path / "out", progress=False)
    assert len(reports) == 2
    assert "empty file" in reports[0].error
    assert "same report folder 'x'" in reports[1].error and str(tmp_path / "in" / "a" / "x.txt") in reports[1].error
