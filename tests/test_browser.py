"""Open the rendered reports in a real headless Chromium (file://, offline).

Fails on console errors, page errors, broken images, any request leaving file:// (CDN
scripts), or script injected through a hostile article. Saves a PNG per page into
``$SCREENSHOT_DIR`` (default: a tmp folder) for a human to look at.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis.config import SEEDS_DIR
from analysis.render.report import NOTEBOOKS, render_reports

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
JS_LINK = "javascript:window.__pwned=1"
HOSTILE = f"""Hostile {SCRIPT} headline {IMG}
Berlin, 3 March 2021. Angela Merkel met {SCRIPT} officials in Berlin on Monday. The Microsoft {IMG} deal was signed.

Click {JS_LINK} for more. Emmanuel Macron said the plan was excellent and welcomed it on 5 March 2021.
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium not installed (apt-get install chromium)")
    src = tmp_path_factory.mktemp("articles")
    for f in SEEDS_DIR.iterdir():
        shutil.copy(f, src / f.name)
    (src / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    reports = render_reports([src], out, progress=False)
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert len(reports) == 2
    return out, reports


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900}, offline=True,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    d = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else tmp_path_factory.mktemp("screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _visit(context, path: Path, shot: Path) -> dict:
    """Load ``path``; return console errors, page errors, outside requests, broken images, text."""
    page = context.new_page()
    seen = {"console": [], "pageerror": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))
    page.on("request", lambda r: not r.url.startswith(("file://", "data:")) and seen["requests"].append(r.url))
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=30_000)
        page.wait_for_timeout(300)
        seen["broken_images"] = page.evaluate(
            "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))")
        seen["images"] = page.evaluate("() => document.images.length")
        seen["pwned"] = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
        seen["text"] = page.inner_text("body")
        seen["scripts"] = page.evaluate("() => Array.from(document.scripts).map(s => s.textContent).join('\\n')")
        page.screenshot(path=str(shot), full_page=False)
    finally:
        page.close()
    return seen


def _pages(out: Path) -> list[Path]:
    return [out / "index.html", *sorted(out.glob("*/*.html"))]


def test_every_page_loads_clean(rendered, browser, screenshot_dir):
    out, reports = rendered
    pages = _pages(out)
    assert len(pages) == 1 + len(NOTEBOOKS) * len(reports)
    problems = {}
    for page in pages:
        rel = page.relative_to(out)
        seen = _visit(browser, page, screenshot_dir / (str(rel).replace("/", "__") + ".png"))
        bad = {k: seen[k] for k in ("console", "pageerror", "requests", "broken_images") if seen[k]}
        if seen["pwned"] is not None:
            bad["pwned"] = seen["pwned"]
        if rel.name != "index.html" and seen["images"] < 1:
            bad["images"] = "no figure in the report"
        if bad:
            problems[str(rel)] = bad
        assert (screenshot_dir / (str(rel).replace("/", "__") + ".png")).stat().st_size > 5_000
    assert not problems, problems


def test_hostile_strings_shown_as_text(rendered, browser, screenshot_dir):
    out, reports = rendered
    hostile = next(r for r in reports if r.source.endswith("hostile.txt"))
    index = _visit(browser, out / "index.html", screenshot_dir / "hostile-index.png")
    assert index["pwned"] is None
    assert SCRIPT in index["text"] and IMG in index["text"]  # the title, literally
    for name in NOTEBOOKS:
        seen = _visit(browser, hostile.outputs[name], screenshot_dir / f"hostile-{name}.png")
        assert seen["pwned"] is None, name
        assert "__pwned" not in seen["scripts"], name  # never became a <script> element
        assert SCRIPT in seen["text"] and IMG in seen["text"], name  # header shows the title as text
        assert not seen["console"] and not seen["pageerror"], (name, seen["console"], seen["pageerror"])
    sentiment = _visit(browser, hostile.outputs["sentiment"], screenshot_dir / "hostile-sentiment-2.png")
    assert JS_LINK in sentiment["text"]  # the sentence table shows the link text verbatim


def test_links_in_index_resolve(rendered, browser):
    out, reports = rendered
    page = browser.new_page()
    try:
        page.goto((out / "index.html").as_uri(), wait_until="load", timeout=30_000)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    finally:
        page.close()
    assert len(hrefs) == len(NOTEBOOKS) * len(reports)
    for href in hrefs:
        assert href.startswith("file://") and not href.lower().startswith("javascript:")
        from urllib.parse import unquote, urlparse

        assert Path(unquote(urlparse(href).path)).is_file(), href
