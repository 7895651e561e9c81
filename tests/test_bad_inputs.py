"""Catalogue of bad inputs: each gives a clear one-line error naming the file, or a report that says what is missing.

Fast path (ingestion and the analysis functions) for most; the CLI for the errors a user sees;
one real papermill batch (one good article beside one bad file) and one notebook run with a
wrong parameter type.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.config import NOTEBOOKS_DIR, PROJ_ROOT
from analysis.errors import ArticleError, ParameterError
from analysis.io.expand import load_articles
from analysis.io.ingest import load_article
from analysis.render.notebook import article_header, check_parameters, open_article
from analysis.render.execute import check_notebook_parameters
from analysis.render.report import NOTEBOOKS

ENGLISH = "Angela Merkel met Emmanuel Macron in Paris on 3 March 2015 to discuss the budget."


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# name -> (file content, expected problem in the one-line error)
ERRORS = {
    "empty.txt": (b"", "empty file"),
    "whitespace.txt": (b"  \n\t\r\n   \n", "empty file"),
    "binary.txt": (bytes(range(256)) * 40, "binary file"),
    "big.txt": (None, "over the 5 MB limit"),
    "scripts-only.html": (b"<html><head><script>window.__pwned=1</script></head><body><script>alert(1)</script></body></html>",
                          "no article text found"),
}


def _make(tmp_path: Path, name: str) -> Path:
    content, _ = ERRORS[name]
    if name == "big.txt":
        path = tmp_path / name
        with path.open("wb") as fh:  # 10 MB of plausible text
            fh.write(b"A very long article\n\n")
            fh.write((ENGLISH.encode() + b" ") * (10 * 1024 * 1024 // (len(ENGLISH) + 1) + 1))
        assert path.stat().st_size > 10_000_000
        return path
    return _write(tmp_path / name, content)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_unreadable_article_is_one_line_error(tmp_path, name):
    path = _make(tmp_path, name)
    with pytest.raises(ArticleError) as info:
        load_article(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path)) and ERRORS[name][1] in msg, msg


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(ArticleError, match="no such file"):
        load_article(tmp_path / "nope.txt")
    with pytest.raises(ArticleError, match="is a directory"):
        load_article(tmp_path)


def test_text_longer_than_spacy_limit_is_refused_fast(tmp_path):
    """Under the file limit but over spaCy's 1,000,000 characters: refused before cleaning."""
    path = _write(tmp_path / "long.txt", "Long\n\n" + (ENGLISH + " ") * (1_100_000 // len(ENGLISH)))
    with pytest.raises(ArticleError, match="over the 1,000,000 limit"):
        load_article(path)


@pytest.mark.parametrize(
    "name, data, title, body_has",
    [
        ("latin1.txt", "Café society\n\nThe café in Zürich served crème brûlée, said François.\n".encode("latin-1"),
         "Café society", "crème brûlée"),
        ("utf16.txt", "Naïve title\n\nThe naïve plan from Zoë was approved on 3 March 2015.\n".encode("utf-16"),
         "Naïve title", "Zoë"),
        ("utf8-bom.txt", "\ufeffBOM title\n\nA body with a BOM in front.\n".encode("utf-8"), "BOM title", "BOM in front"),
    ],
)
def test_encodings_decode(tmp_path, name, data, title, body_has):
    article = load_article(_write(tmp_path / name, data))
    assert article.title == title
    assert body_has in " ".join(article.paragraphs)
    assert "\ufffd" not in article.title + " ".join(article.paragraphs)


def test_html_with_scripts_keeps_text_drops_code(tmp_path):
    page = (
        "<html><head><title>Scripted page</title><script>window.__pwned=1</script></head><body><article>"
        f"<h1>Scripted page</h1><p>{ENGLISH} The talks lasted the whole afternoon, officials said.</p>"
        "<script>alert('x')</script><p>The leaders agreed to meet again in the spring of the next year.</p>"
        "</article></body></html>"
    )
    article = load_article(_write(tmp_path / "page.html", page))
    text = " ".join([article.title, *article.paragraphs])
    assert "Angela Merkel" in text and "agreed to meet again" in text
    assert "__pwned" not in text and "alert(" not in text


def test_german_article_is_flagged_not_english(tmp_path):
    de = ("Merkel trifft Macron in Berlin\n\nBundeskanzlerin Angela Merkel hat am 3. März 2021 den französischen "
          "Präsidenten Emmanuel Macron in Berlin empfangen. Die Gespräche über die Zukunft Europas waren nach "
          "Angaben der Regierung sehr gut und sollen im Sommer fortgesetzt werden.\n")
    header = article_header(load_article(_write(tmp_path / "de.txt", de)))
    assert "does not look like English" in header
    english = article_header(load_article(_write(tmp_path / "en.txt", "Talks in Paris\n\n" + ENGLISH * 3)))
    assert "does not look like English" not in english


def test_sidecar_language_is_trusted(tmp_path):
    path = _write(tmp_path / "fr.txt", "Title\n\n" + ENGLISH * 3)
    _write(tmp_path / "fr.meta.yml", "language: fr\n")
    assert "does not look like English (fr)" in article_header(load_article(path))


def test_no_dates_no_entities_title_only_say_what_is_missing(tmp_path):
    from analysis import entity_frequency, entity_mentions, sentence_sentiment, timeline
    from analysis.articles.chronology import timeline_alt_text
    from analysis.articles.entities import frequency_alt_text

    quiet = load_article(_write(tmp_path / "quiet.txt", "a quiet day\n\nit was quiet. nothing happened. everyone stayed home.\n"))
    header = article_header(quiet)
    assert "publication date unknown" in header
    tl = timeline(quiet)
    assert len(tl) == 0 and "no dated expressions" in timeline_alt_text(tl)
    freq = entity_frequency(entity_mentions(quiet))
    assert len(freq) == 0 and "no named entities" in frequency_alt_text(freq, top=15)

    title_only = load_article(_write(tmp_path / "title.txt", "Just a title line\n"))
    assert title_only.paragraphs == ()
    assert "Only a title" in article_header(title_only)
    assert len(sentence_sentiment(title_only)) == 1


def test_entity_chart_for_article_without_entities(tmp_path):
    from analysis import entity_frequency, entity_mentions, plot_entity_frequency

    quiet = load_article(_write(tmp_path / "quiet.txt", "a quiet day\n\nit was quiet. nothing happened. everyone stayed home.\n"))
    freq = entity_frequency(entity_mentions(quiet), min_mentions=2)
    assert freq.empty and freq["mentions"].dtype == "int64"
    fig = plot_entity_frequency(freq, top=15)
    assert "No named entities found" in [t.get_text() for t in fig.axes[0].texts]


def test_timeline_chart_and_sentiment_arc_for_empty_inputs(tmp_path):
    from analysis import plot_sentiment_arc, plot_timeline, sentence_sentiment, timeline

    article = load_article(_write(tmp_path / "t.txt", "Just a title line\n"))
    assert plot_timeline(timeline(article)) is not None
    assert plot_sentiment_arc(sentence_sentiment(article), window=3) is not None


@pytest.mark.parametrize("where", ["parameter", "sidecar"])
def test_impossible_publication_date(tmp_path, where):
    path = _write(tmp_path / "a.txt", "Title\n\n" + ENGLISH)
    if where == "sidecar":
        _write(tmp_path / "a.meta.yml", "published: 2020-02-30\n")
        with pytest.raises(ArticleError) as info:
            load_article(path)
        assert str(info.value).startswith(str(tmp_path / "a.meta.yml")) and "impossible date" in str(info.value)
    else:
        with pytest.raises(ParameterError) as info:
            open_article(str(path), published="2020-02-30")
        assert "2020-02-30" in str(info.value) and "not a valid date" in str(info.value)


def test_batch_keeps_going_past_bad_files(tmp_path):
    good = [_write(tmp_path / f"good{i}.txt", f"Good {i}\n\n{ENGLISH}\n") for i in range(2)]
    _write(tmp_path / "bad.txt", bytes(range(256)))
    _write(tmp_path / "empty.txt", b"")
    results = list(load_articles([tmp_path, tmp_path / "missing.txt"]))
    errors = [r for r in results if isinstance(r, ArticleError)]
    ok = [r for r in results if not isinstance(r, ArticleError)]
    assert sorted(a.id for a in ok) == sorted(p.stem for p in good)
    assert sorted(Path(e.source).name for e in errors) == ["bad.txt", "empty.txt", "missing.txt"]


# -- parameters -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "3", 2.5, True, None])
def test_bad_window_type_rejected(value):
    with pytest.raises(ParameterError, match="'window' must be int"):
        check_parameters(window=(value, int))
    with pytest.raises(ParameterError, match="sentiment notebook: parameter 'window' must be int"):
        check_notebook_parameters("sentiment", {"window": value})


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_unknown_notebook_parameter_rejected(notebook):
    with pytest.raises(ParameterError, match=rf"{notebook} notebook: unknown parameter 'windw'.*it takes article_path"):
        check_notebook_parameters(notebook, {"article_path": "x.txt", "windw": 3})


def test_default_parameters_accepted():
    for notebook in NOTEBOOKS:
        check_notebook_parameters(notebook, {"article_path": "x.txt", "published": "", "output_dir": ""})


@pytest.mark.slow
def test_notebook_itself_rejects_bad_type(tmp_path):
    """Run outside our wrapper (papermill directly): the notebook's own check names the parameter."""
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(NOTEBOOKS_DIR / "sentiment.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"window": "abc"}, cwd=str(NOTEBOOKS_DIR), progress_bar=False)
    assert info.value.ename == "ParameterError"
    assert "parameter 'window' must be int, got str 'abc'" in info.value.evalue


# -- what the user sees on the command line --------------------------------------------------

def _cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "report", "--quiet", *args], cwd=PROJ_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_bad_files_one_line_each(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    paths = [_make(src, name) for name in sorted(ERRORS)]
    paths.append(src / "missing.txt")
    paths.append(_write(src / "bad-date.txt", "Title\n\n" + ENGLISH))
    _write(src / "bad-date.meta.yml", "published: 2020-02-30\n")
    proc = _cli(*map(str, paths), "--out", str(tmp_path / "out"))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output
    for path in paths:
        lines = [ln for ln in output.splitlines() if ln.strip().startswith(str(path.with_suffix("")))
                 and ":" in ln and "FAILED" not in ln]
        assert len(lines) == 1, (path, output)
    for path in paths:  # each failure is named on stderr, the progress table on stdout
        assert any(ln.startswith(str(path.with_suffix(""))) for ln in proc.stderr.splitlines()), (path, proc.stderr)
        assert not any(ln.startswith(str(path.with_suffix(""))) for ln in proc.stdout.splitlines()), (path, proc.stdout)
    # nothing rendered: no index that would look like a result
    assert not (tmp_path / "out" / "index.html").exists()
    assert "no report rendered (7 input(s) failed)" in proc.stderr


def test_cli_impossible_published_option(tmp_path):
    proc = _cli(str(tmp_path), "--published", "2020-02-30", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "2020-02-30" in proc.stderr and "not a valid date" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_cli_empty_folder(tmp_path):
    proc = _cli(str(tmp_path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and f"no articles found in: {tmp_path}" in proc.stderr


@pytest.mark.slow
def test_cli_batch_bad_file_among_good_renders_the_good_one(tmp_path):
    """Real papermill: the no-date article renders all three reports and says the date is unknown."""
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "nodate.txt", "Budget talks continue\n\nAngela Merkel met Emmanuel Macron in Paris and they agreed to continue the work on the budget.\n")
    _write(src / "zz-binary.txt", bytes(range(256)) * 4)
    out = tmp_path / "out"
    proc = _cli(str(src), "--out", str(out), timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "Traceback" not in output, output
    assert f"{src / 'zz-binary.txt'}: binary file, not text" in proc.stderr  # the failure on stderr
    assert "zz-binary.txt: binary" not in proc.stdout and "index: " in proc.stdout
    for name in NOTEBOOKS:
        html = (out / "nodate" / f"{name}.html").read_text(encoding="utf-8")
        assert "publication date unknown" in html, name
    assert "Timeline: no dated expressions" in (out / "nodate" / "timeline.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 of 2 articles rendered" in index and "binary file, not text" in index


@pytest.mark.parametrize("command", ["report", "corpus", "sweep", "evaluate", "train"])
def test_help_documents_exit_codes(command):
    proc = subprocess.run([sys.executable, "-m", "analysis", command, "--help"], cwd=PROJ_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "exit status: 0 every input was analysed 1 some inputs failed" in text and "2 usage error" in text
