"""Parameter sweeps: expansion of the grid, declared-parameter filtering, failures and re-runs."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.config import SEEDS_DIR
from analysis.errors import ParameterError
from analysis.render.sweep import run_sweep
from analysis.render.sweep_spec import Run, Sweep, load_sweep
from analysis.render.sweep_summary import entity_sentiment_path, summary_paths, write_summary

SEED = sorted(SEEDS_DIR.glob("*.txt"))[0]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_grid_expansion_passes_only_declared_parameters(tmp_path):
    spec = _write(tmp_path / "s.yaml", f"""
articles: ["{SEED}"]
notebooks: [sentiment, timeline]
parameters: {{window: [1, 3, 5]}}
output: "{tmp_path}/out/{{article}}/{{notebook}}-w{{window}}.ipynb"
""")
    sweep = load_sweep(spec)
    outs = sorted(Path(r.output).name for r in sweep.runs)
    assert outs == ["sentiment-w1.ipynb", "sentiment-w3.ipynb", "sentiment-w5.ipynb", "timeline-wall.ipynb"]
    tl = next(r for r in sweep.runs if r.notebook == "timeline")
    assert "window" not in tl.parameters and tl.parameters["article_path"] == str(SEED.resolve())
    sent = {r.parameters["window"]: r for r in sweep.runs if r.notebook == "sentiment"}
    assert sorted(sent) == [1, 3, 5]
    assert sent[3].parameters["output_dir"] == str((tmp_path / "out" / SEED.stem / "sentiment-w3").resolve())
    assert summary_paths(sweep)["csv"] == tmp_path / "out" / "s-summary.csv"


@pytest.mark.parametrize("body, message", [
    ("notebooks: [sentiment]\nparameters: {window: [1, 2]}\noutput: '{tmp}/{notebook}.ipynb'", "two different runs"),
    ("notebooks: [sentiment]\nparameters: {windw: [1]}\noutput: '{tmp}/{notebook}-{windw}.ipynb'", "no notebook declares"),
    ("notebooks: [nope]\noutput: '{tmp}/{notebook}.ipynb'", "not found"),
    ("notebooks: [sentiment]\noutput: '{tmp}/{notebook}-{colour}.ipynb'", "unknown field"),
    ("notebooks: [sentiment]\nparameters: {window: 3}\noutput: '{tmp}/{notebook}.ipynb'", "non-empty list"),
])
def test_bad_sweeps_are_rejected_with_a_reason(tmp_path, body, message):
    spec = _write(tmp_path / "bad.yaml", f'articles: ["{SEED}"]\n' + body.replace("{tmp}", str(tmp_path)))
    with pytest.raises(ParameterError, match=message):
        load_sweep(spec)


def _probe_notebook(path: Path, flag: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('article_path: str = ""\noutput_dir: str = ""\nx: int = 1')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("import pathlib\nprint('started', x)"),
        nbformat.v4.new_code_cell(f"if x == 2 and pathlib.Path({str(flag)!r}).exists():\n    raise ValueError('x two is refused\\nsecond line')"),
        nbformat.v4.new_code_cell("import pandas as pd\npathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
                                  "pd.DataFrame({'polarity': [x / 10], 'vader_compound': [x / 5]}).to_csv(pathlib.Path(output_dir) / 'sentences.csv', index=False)"),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_failed_run_is_recorded_and_rerun_redoes_only_it(tmp_path):
    flag = tmp_path / "fail-x2"
    flag.touch()
    nb = _probe_notebook(tmp_path / "probe.ipynb", flag)
    spec = _write(tmp_path / "probe.yaml", f"""
articles: ["{SEED}"]
notebooks: ["{nb}"]
parameters: {{x: [1, 2, 3]}}
output: "{tmp_path}/out/{{article}}/{{notebook}}-x{{x}}.ipynb"
""")
    sweep = run_sweep(spec, workers=2, progress=False)
    status = {r.parameters["x"]: r for r in sweep.runs}
    assert {x: r.status for x, r in status.items()} == {1: "ok", 2: "failed", 3: "ok"}
    assert status[2].error == "ValueError: second line" or status[2].error.startswith("ValueError")
    assert "\n" not in status[2].error
    partial = nbformat.read(status[2].output, as_version=4)  # papermill kept the partial notebook
    assert any("started" in "".join(o.get("text", "") for o in c.get("outputs", [])) for c in partial.cells)
    assert status[3].figures["mean_polarity"] == 0.3
    paths = summary_paths(sweep)
    table = pd.read_csv(paths["csv"])
    assert table.set_index("x")["status"].to_dict() == {1: "ok", 2: "failed", 3: "ok"}
    page = paths["html"].read_text(encoding="utf-8")
    assert "2 of 3 runs ok" in page and "probe-x3.ipynb" in page
    # Every run, the failed one too, is rendered to HTML next to its notebook, with its outputs.
    for x, run in status.items():
        report = Path(run.output).with_suffix(".html").read_text(encoding="utf-8")
        assert f"started {x}" in report
    assert "x two is refused" in Path(status[2].output).with_suffix(".html").read_text(encoding="utf-8")
    assert '<a href="SEED/probe-x3.html">report</a>'.replace("SEED", SEED.stem) in page
    assert '<a href="SEED/probe-x3.ipynb">notebook</a>'.replace("SEED", SEED.stem) in page
    first = {r["output"]: r["finished"] for r in json.loads(paths["json"].read_text())["runs"]}

    flag.unlink()
    Path(status[1].output).with_suffix(".html").unlink()  # an ok run whose report went missing
    again = run_sweep(spec, workers=2, progress=False)
    assert all(r.status == "ok" and not r.error for r in again.runs)
    second = {r.output: r.finished for r in again.runs}
    redone = {Path(o).name for o in second if second[o] != first[o]}
    assert redone == {"probe-x2.ipynb"}  # the missing report was re-rendered, the run not redone
    assert "started 1" in Path(status[1].output).with_suffix(".html").read_text(encoding="utf-8")
    assert "x two is refused" not in Path(status[2].output).with_suffix(".html").read_text(encoding="utf-8")


def _fake_sweep(tmp_path: Path, runs: list[Run], grid: dict) -> Sweep:
    """A sweep over runs whose files are written by the test (the page only reads files)."""
    return Sweep(path=tmp_path / "fake.yaml", articles=[], notebooks=dict.fromkeys({r.notebook for r in runs}),
                 grid=grid, output="", root=tmp_path / "out", runs=runs)


def _fake_run(tmp_path: Path, article: str, notebook: str, params: dict, *, entities: dict | None = None, **kw) -> Run:
    out = tmp_path / "out" / Path(article).parent.name / f"{notebook}-{'-'.join(map(str, params.values())) or 'all'}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("{}", encoding="utf-8")
    out.with_suffix(".html").write_text("<html></html>", encoding="utf-8")
    if entities is not None:  # entity -> list of per-sentence scores
        out.with_suffix("").mkdir()
        rows = [{"entity": e, "entity_label": "PERSON", "score": s} for e, scores in entities.items() for s in scores]
        pd.DataFrame(rows).to_csv(out.with_suffix("") / "entity_sentiment.csv", index=False)
    return Run(article=article, notebook=notebook, parameters=params, output=str(out), **kw)


def test_summary_page_short_names_links_integers_and_escaping(tmp_path):
    hostile = "/data/<script>alert(1)</script>x/001.txt"
    runs = [
        _fake_run(tmp_path, "/data/business/001.txt", "sentiment", {"window": 1}, status="ok", seconds=3.25,
                  figures={"sentences": 21, "mean_vader": 0.115}),
        _fake_run(tmp_path, "/data/sport/001.txt", "timeline", {}, status="ok", seconds=2.44,
                  figures={"timexes": 17, "span": "2016-01-01..2020-12-15"}),
        _fake_run(tmp_path, hostile, "sentiment", {"window": 1}, status="failed", seconds=1.3,
                  error="ValueError: <script>alert(2)</script> " + "very long " * 30),
    ]
    sweep = _fake_sweep(tmp_path, runs, {"window": [1]})
    paths = write_summary(sweep)
    page = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(2)" in page
    # The same stem 001 in three folders: {parent}-{stem}, full path in the title.
    assert '<td title="/data/business/001.txt">business-001</td>' in page
    # Links in the second column of every row.
    rows = re.findall(r"<tr class=\"(?:ok|failed)\">(.*?)</tr>", page)
    assert len(rows) == 3
    for row in rows:
        second = re.findall(r"<td[^>]*>(.*?)</td>", row)[1]
        assert ">report</a>" in second and ">notebook</a>" in second
    assert 'href="business/sentiment-1.html"' in page and 'href="business/sentiment-1.ipynb"' in page
    # Integers stay integers, missing figures are blank, numbers right-aligned.
    assert not re.search(r">\d+\.0<", page)
    assert '<td class="num">21</td>' in page and '<td class="num">17</td>' in page and "nan" not in page
    # A long error is truncated; the full text is in the title.
    err = re.search(r'<td class="err" title="([^"]*)">([^<]*)</td>', page)
    assert err and err.group(2).endswith("…") and len(html.unescape(err.group(2))) <= 90 and err.group(1).count("very long") == 30
    csv = paths["csv"].read_text(encoding="utf-8")
    assert ",21," in csv and "21.0" not in csv and "17.0" not in csv
    assert not entity_sentiment_path(sweep).exists()  # no run wrote entity sentiment


def test_entity_comparison_collapses_identical_runs_and_is_tidy(tmp_path):
    same = {"EU": [0.2, -0.1], "Ann Lee": [-0.6]}
    runs = [
        _fake_run(tmp_path, "/d/business/001.txt", "sentiment", {"window": 1}, entities=same, status="ok"),
        _fake_run(tmp_path, "/d/business/001.txt", "sentiment", {"window": 5}, entities=same, status="ok"),
        _fake_run(tmp_path, "/d/sport/001.txt", "sentiment", {"window": 1}, entities={"EU": [0.5], "Bo": [0.3]}, status="ok"),
        _fake_run(tmp_path, "/d/sport/001.txt", "sentiment", {"window": 5}, entities={"EU": [0.9], "Bo": [0.3]}, status="ok"),
        _fake_run(tmp_path, "/d/tech/001.txt", "sentiment", {"window": 1}, entities={"EU": [0.1]}, status="failed"),
    ]
    sweep = _fake_sweep(tmp_path, runs, {"window": [1, 5]})
    page = write_summary(sweep)["html"].read_text(encoding="utf-8")
    section = page.split("Sentiment toward entities", 1)[1]
    assert "Runs that differ only in window gave identical entity scores and share a column." in section
    heads = re.findall(r'<th class="num" title="[^"]*">([^<]*)</th>', section)
    assert heads == ["business-001 window=1,5", "sport-001 window=1", "sport-001 window=5"]
    assert "tech-001" not in section  # failed runs are not compared
    ent_rows = dict(re.findall(r'<th class="ent"[^>]*>([^<]*)</th>(.*?)</tr>', section.split("key figures")[0]))
    assert list(ent_rows) == ["EU", "Bo", "Ann Lee"]  # most columns first
    assert re.findall(r">([+-]\d\.\d\d) ", ent_rows["EU"]) == ["+0.05", "+0.50", "+0.90"]
    assert ent_rows["Bo"].startswith("<td></td>")  # absent: blank
    long = pd.read_csv(entity_sentiment_path(sweep))
    assert list(long.columns) == ["article", "article_label", "notebook", "window", "run", "output", "entity",
                                  "entity_label", "sentences", "mean_score", "runs"]
    assert len(long) == 2 + 2 + 2 + 2
    eu = long[long["entity"] == "EU"].set_index("run")
    assert eu.loc["business-001 window=1", "mean_score"] == 0.05 and eu.loc["business-001 window=1", "sentences"] == 2
    assert set(eu["runs"]) == {4}


@pytest.mark.slow
def test_seed_sentiment_sweep_compares_entities_across_windows(tmp_path):
    spec = _write(tmp_path / "seed.yaml", f"""
articles: ["{SEED}"]
notebooks: [sentiment]
parameters: {{window: [1, 3]}}
output: "{tmp_path}/out/{{article}}/{{notebook}}-window{{window}}.ipynb"
""")
    sweep = run_sweep(spec, workers=2, progress=False)
    assert [r.status for r in sweep.runs] == ["ok", "ok"]
    report = Path(sweep.runs[0].output).with_suffix(".html").read_text(encoding="utf-8")
    assert "Vladimir Putin" in report and "<img" in report  # the executed notebook's outputs and figures
    page = summary_paths(sweep)["html"].read_text(encoding="utf-8")
    n = sweep.runs[0].figures["sentences"]
    assert f'<td class="num">{n}</td>' in page and f">{n}.0<" not in page
    assert "All 2 runs give identical entity scores: window (1, 3) does not change them" in page
    # the window smooths the arc: its range is the key figure that changes across the runs
    ranges = [r.figures["arc_range"] for r in sweep.runs]
    assert ranges[0] > ranges[1] > 0 and "arc_range" in page
    section = page.split("Sentiment toward entities", 1)[1]
    for name in ("Vladimir Putin", "Joe Biden", "Donald Trump"):
        assert f">{name}</th>" in section
    long = pd.read_csv(entity_sentiment_path(sweep))
    assert set(long["window"]) == {1, 3}
    putin = long[long["entity"] == "Vladimir Putin"]
    assert len(putin) == 2 and putin["mean_score"].nunique() == 1 and (putin["sentences"] >= 5).all()


def test_cli_sweep_without_articles_exits_2_on_stderr(tmp_path):
    import subprocess
    import sys

    spec = _write(tmp_path / "empty.yaml", f"""
articles: ["{tmp_path}/no-such-folder/*.txt"]
notebooks: [sentiment]
output: "{tmp_path}/out/{{article}}/{{notebook}}.ipynb"
""")
    proc = subprocess.run([sys.executable, "-m", "analysis", "sweep", str(spec), "--quiet"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and proc.stderr.strip() == f"{spec}: no articles found (is the data folder present?)"
