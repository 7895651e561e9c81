"""Parameter sweeps: expansion of the grid, declared-parameter filtering, failures and re-runs."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.config import SEEDS_DIR
from analysis.errors import ParameterError
from analysis.sweep import load_sweep, run_sweep, summary_paths

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
    first = {r["output"]: r["finished"] for r in json.loads(paths["json"].read_text())["runs"]}

    flag.unlink()
    again = run_sweep(spec, workers=2, progress=False)
    assert all(r.status == "ok" for r in again.runs)
    second = {r.output: r.finished for r in again.runs}
    redone = {Path(o).name for o in second if second[o] != first[o]}
    assert redone == {"probe-x2.ipynb"}
