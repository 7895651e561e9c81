"""The story pass on a small constructed corpus whose story is known, and the tls scorer on a
tiny Timeline17-layout folder written here (plus one real task when ../shared is present)."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus import story as S
from analysis.errors import ArticleError

FILLER = "Residents said the water was still rising in the Ruritania valley .\nOfficials urged calm .\n"

# PTB-tokenized like Timeline17: the dam burst on Sunday 1 March 2020 (reported by five articles from
# three outlets, three of them in near-identical words), rescuers reached the valley on 3 March; an old
# 2019 inspection is named once; a crawl-time widget names a day in 2023.
ARTICLES = [
    {"id": "a_1", "time": "2020-03-02", "source": "wire",
     "text": "Dam bursts in Ruritania -LRB- AP -RRB- The Ruritania dam burst on Sunday , flooding three villages "
             "and forcing `` thousands '' to flee .\n" + FILLER + "RETWEET Follow us March 3 , 2023\n"},
    {"id": "b_1", "time": "2020-03-02", "source": "daily",
     "text": "Ruritania flood The Ruritania dam burst on Sunday , flooding three villages and forcing thousands to flee .\n"
             + FILLER},
    {"id": "c_1", "time": "2020-03-03", "source": "tribune",
     "text": "Ruritania mourns The Ruritania dam burst on Sunday , flooding three villages and forcing thousands to flee .\n"
             + FILLER},
    {"id": "b_2", "time": "2020-03-04", "source": "daily",
     "text": "Rescuers reach Ruritania valley Rescue teams reached the flooded Ruritania valley on Tuesday and pulled "
             "40 survivors from the mud .\n" + FILLER + "The Ruritania dam burst on March 1 , the worst disaster in decades .\n"},
    {"id": "a_2", "time": "2020-03-06", "source": "wire",
     "text": "Ruritania inquiry opens The Ruritania dam that burst on March 1 had failed an inspection on 4 June 2019 , "
             "documents show .\n" + FILLER + "Rescue teams reached the Ruritania valley on March 3 and pulled 40 survivors out .\n"},
]


@pytest.fixture()
def dated(tmp_path, monkeypatch, nlp):
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    return S.dated_articles(ARTICLES)


def test_detokenize_ptb() -> None:
    assert S.detokenize("-LRB- AP -RRB- BP 's `` top kill '' failed , he said . It did n't $ 5") == \
        '(AP) BP\'s "top kill" failed, he said. It didn\'t $5'


def test_article_lines_drop_boilerplate_and_cap() -> None:
    text = "Title line here .\nSign up for our newsletter .\n" + "word " * 200 + "\n" + "\n".join(
        f"Sentence {i} of the body ." for i in range(500))
    lines = S.article_lines(text)
    assert lines[0] == "Title line here."
    assert not any("newsletter" in x for x in lines)
    assert not any(x.startswith("word") for x in lines)  # too long for a sentence
    assert len(lines) == S.MAX_LINES


def test_dated_articles_normalize_against_publication_and_drop_widget_dates(dated) -> None:
    by_id = {a.id: a for a in dated}
    assert ("2020-03-01" in {d for _, d, _ in by_id["a_1"].dates})  # "Sunday" in an article of Monday 2 March
    assert all(not d.startswith("2023") for a in dated for _, d, _ in a.dates)  # the widget date is dropped
    assert "2020-03-03" in {d for _, d, _ in by_id["b_2"].dates}  # "on Tuesday" written on Wednesday 4 March
    assert "2019-06-04" in {d for _, d, _ in by_id["a_2"].dates}


def test_dated_articles_are_cached(dated, monkeypatch) -> None:
    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr("analysis.lang.nlp.load_model", no_parse)
    again = S.dated_articles(ARTICLES)
    assert [a.to_json() for a in again] == [a.to_json() for a in dated]


def test_cached_results_are_stale_once_the_tagger_changes(monkeypatch) -> None:
    """The extractor reads the tagger's DATE entities: new tagger weights mean new per-article results."""
    from analysis.lang import tagger

    S._extractor_hash.cache_clear()
    before = S._record_key("a", dt.date(2020, 1, 1), "text")
    monkeypatch.setattr(tagger, "TAGGER_VERSION", tagger.TAGGER_VERSION + "-retrained")
    S._extractor_hash.cache_clear()
    try:
        assert S._record_key("a", dt.date(2020, 1, 1), "text") != before
    finally:
        S._extractor_hash.cache_clear()


def test_story_ranks_the_days_and_merges_sources(dated) -> None:
    tab = S.story(dated, keywords=["ruritania"], n_dates=2, n_sentences=1)
    assert list(tab.columns) == S.STORY_COLUMNS
    assert list(tab["date"].dt.date) == [dt.date(2020, 3, 1), dt.date(2020, 3, 3)]
    first = tab.iloc[0]
    assert first["rank"] == 1 and "dam burst" in first["summary"]
    # the same report from the wire and the daily paper is one event with both sources
    assert {"a_1", "b_1", "c_1"} <= set(first["source_ids"].split("; "))
    assert first["n_outlets"] == 3
    assert "-LRB-" not in first["summary"] and "``" not in first["summary"]
    events = S.story_events(dated, keywords=["ruritania"], n_dates=2, n_sentences=1)
    assert list(events.columns) == S.EVENT_COLUMNS and len(events) == 2


def test_story_date_range_and_entity_query(dated) -> None:
    tab = S.story(dated, start="2020-03-03", end="2020-03-10", n_dates=5, n_sentences=1)
    assert tab["date"].min() >= pd.Timestamp("2020-03-03")
    survivors = S.story(dated, entity="survivors", n_dates=5, n_sentences=1)
    assert len(survivors) and all("survivors" in s for s in survivors["summary"])
    assert S.story(dated, entity="Atlantis").empty


def test_baseline_rankers_differ_from_the_system(dated) -> None:
    votes = S.rank_days(dated)
    pub = S.rank_days(dated, options=S.StoryOptions(date_ranker="pubcount"))
    assert votes.iloc[0]["date"] == dt.date(2020, 3, 1)  # named by 4 articles, published on by none
    assert pub.iloc[0]["date"] == dt.date(2020, 3, 2)  # two articles published that day
    rnd = S.rank_days(dated, options=S.StoryOptions(date_ranker="random", seed=0))
    assert set(rnd["date"]) == {dt.date(2020, 3, d) for d in (2, 3, 4, 6)}


def test_plot_story(dated) -> None:
    tab = S.story(dated, n_dates=3)
    fig = S.plot_story(tab)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("01 Mar") for t in texts)
    assert "1 March 2020" in S.story_alt_text(tab) or "01 March 2020" in S.story_alt_text(tab)


def test_read_articles_bad_line(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "x", "time": "2020-01-01", "text": "t"}\n{"id": "y", "time": "soon", "text": "t"}\n')
    with pytest.raises(ArticleError, match=r"a.jsonl:2"):
        S.read_articles(path)


# --------------------------------------------------------------------------- evaluate tls
def _write_topic(root: Path, name: str, articles: list[dict], timelines: list, keywords: list[str]) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    with gzip.open(folder / "articles.jsonl.gz", "wt", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a) + "\n")
    (folder / "timelines.jsonl").write_text("".join(json.dumps(tl) + "\n" for tl in timelines))
    (folder / "keywords.json").write_text(json.dumps(keywords))


def test_evaluate_tls_on_a_constructed_folder(tmp_path, monkeypatch, nlp) -> None:
    pytest.importorskip("tilse")
    from analysis.evaluation import tls

    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    reference = [["2020-03-01", ["The Ruritania dam burst , flooding three villages ."]],
                 ["2020-03-03", ["Rescue teams reached the valley and pulled 40 survivors from the mud ."]],
                 ["2020-03-06", ["An inquiry opens into the Ruritania dam ."]]]
    _write_topic(tmp_path / "data", "ruritania", ARTICLES, [reference], ["ruritania"])
    task = tls.read_topic(tmp_path / "data" / "ruritania")[2][0]
    assert (task.start, task.end, task.n_dates, task.n_sentences) == (dt.date(2020, 3, 1), dt.date(2020, 3, 6), 3, 1)
    result = tls.evaluate(tmp_path / "data", out=tmp_path / "pred", rouge="reimpl", progress=False)
    assert set(result["average"]) == {"system", "pubcount", "random"}
    system = result["per_task"]["system"][0]
    assert system["task"] == "ruritania/0" and system["Date-F1"] >= 2 / 3  # 1 and 3 March found
    assert system["AR1-F"] > result["per_task"]["pubcount"][0]["AR1-F"]
    written = [json.loads(x) for x in (tmp_path / "pred" / "system" / "ruritania" / "timelines.jsonl").read_text().splitlines()]
    assert len(written) == 1 and len(written[0]) <= 3 and written[0][0][0] == "2020-03-01"


def test_evaluate_tls_bad_folder_is_one_line(tmp_path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "timelines.jsonl").write_text("not json\n")
    proc = subprocess.run([sys.executable, "-m", "analysis", "evaluate", "tls", str(tmp_path), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "articles.jsonl.gz" in proc.stderr


@pytest.mark.shared
def test_evaluate_tls_one_real_task(data_dir) -> None:
    """Haiti (one task, 222 input articles): the system finds most reference days, as it should on
    a topic whose 12 days of news are nearly all timeline days."""
    pytest.importorskip("tilse")
    from analysis.evaluation import tls

    root = data_dir / "timeline17"
    if not (root / "haiti").is_dir():
        pytest.skip("timeline17/haiti not present")
    result = tls.evaluate(root, topics=["haiti"], rouge="reimpl", progress=False,
                          systems={"system": tls.SYSTEMS["system"]})
    avg = result["average"]["system"]
    assert avg["Date-F1"] >= 0.7 and 0.08 <= avg["AR1-F"] <= 0.4


def test_tls_tokenize_like_the_references() -> None:
    from analysis.evaluation.tls import tokenize

    assert tokenize('BP\'s "top kill" failed, he said; it didn\'t.') == 'BP \'s " top kill " failed , he said ; it did n\'t .'


def test_story_notebook_parameters_typed_and_commented() -> None:
    import re

    import nbformat

    from analysis.config import NOTEBOOKS_DIR

    nb = nbformat.read(NOTEBOOKS_DIR / "story.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert not any(re.search(r"^\s*def ", c.source, re.M) for c in nb.cells if c.cell_type == "code")
    for line in params[0].source.splitlines():
        assert re.match(r"^\w+: \w+ = .+  # .+", line), line


@pytest.mark.slow
def test_story_report_renders(tmp_path, monkeypatch, nlp) -> None:
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "articles.jsonl"
    src.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    from analysis.corpus.cli import render_story_report

    html = render_story_report(src, tmp_path / "out", keywords="ruritania", n_dates=3, n_sentences=1)
    text = html.read_text()
    assert "The story at a glance" in text and "<img" in text and "Ruritania dam burst" in text
    table = pd.read_csv(tmp_path / "out" / "story.csv")
    assert list(table.columns) == S.STORY_COLUMNS and table.loc[0, "date"] == "2020-03-01"


def test_evaluate_tls_cli_ablation_match_and_align_only(tmp_path) -> None:
    pytest.importorskip("tilse")
    reference = [["2020-03-01", ["The Ruritania dam burst , flooding three villages ."]],
                 ["2020-03-03", ["Rescue teams reached the valley and pulled 40 survivors from the mud ."]]]
    _write_topic(tmp_path / "data", "ruritania", ARTICLES, [reference], ["ruritania"])
    env = {**__import__("os").environ, "ANALYSIS_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "analysis", "evaluate", "tls", str(tmp_path / "data"), "--ablation",
                           "--match", "position prior,at most 40", "--align-only", "--rouge", "reimpl", "--quiet"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert set(result["average"]) == {"system", "pubcount", "random", "sentences: at most 40 words",
                                      "sentences: position prior 0.02 per line", "sentences: position prior 0.1 per line"}
    assert set(result["average"]["system"]) == {"AR1-F", "AR2-F", "Date-F1"}  # no concat/agreement ROUGE
