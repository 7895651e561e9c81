"""The GitHub workflow and .ci/run do the same thing: chromium, `make report`, `make test`, in that order."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "reports.yml"
CI_RUN = ROOT / ".ci" / "run"


def _make_targets(script: str) -> list[str]:
    """Make targets invoked in a shell script, in order (variables like PYTHON=x ignored)."""
    targets = []
    for line in script.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = shlex.split(line)
        if words and words[0] == "make":
            targets += [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    return targets


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(workflow: dict) -> list[dict]:
    jobs = workflow["jobs"]
    assert len(jobs) == 1
    job = next(iter(jobs.values()))
    assert job["runs-on"].startswith("ubuntu")
    return job["steps"]


def test_workflow_triggers_on_push(workflow):
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    assert "push" in (triggers if isinstance(triggers, (dict, list)) else [triggers])


def test_workflow_sets_up_python_311_and_chromium(workflow):
    steps = _steps(workflow)
    setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert len(setup) == 1 and str(setup[0]["with"]["python-version"]) == "3.11"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert re.search(r"apt-get install[^\n]*\bchromium\b", runs)
    assert re.search(r"apt-get install[^\n]*\blibxml-parser-perl\b", runs)  # tilse's ROUGE perl script
    assert "playwright install" not in runs


def test_workflow_runs_same_make_targets_as_ci_run(workflow):
    steps = _steps(workflow)
    wf_targets = _make_targets("\n".join(s.get("run", "") for s in steps))
    ci_targets = _make_targets(CI_RUN.read_text(encoding="utf-8"))
    assert ci_targets == ["report", "test"]
    assert wf_targets == ci_targets


def test_workflow_uploads_reports_artifact(workflow):
    steps = _steps(workflow)
    names = [s.get("uses", "") or s.get("run", "") for s in steps]
    upload = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(upload) == 1
    step = steps[upload[0]]
    assert step["with"]["path"].rstrip("/") == "reports"
    assert step.get("if") == "always()"  # reports are kept for a failing test run too
    report_step = next(i for i, n in enumerate(names) if "make report" in n)
    assert report_step < upload[0]


def test_ci_run_script_is_strict_and_installs_chromium_and_perl_xml_only_when_missing():
    text = CI_RUN.read_text(encoding="utf-8")
    assert os.access(CI_RUN, os.X_OK)
    assert "set -euo pipefail" in text
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert "playwright install" not in code
    assert re.search(r'\[ -x /usr/bin/chromium \] \|\| missing="\$missing chromium"', code)
    assert re.search(r'perl -MXML::Parser -e 1 2>/dev/null \|\| missing="\$missing libxml-parser-perl"', code)
    guard = re.search(r'if \[ -n "\$missing" \]; then(.*?)\nfi', code, re.S)
    assert guard and 'id -u)" = 0' in guard.group(1) and "apt-get install -y" in guard.group(1) and "apt-get install -y" in guard.group(1)
    assert text.index("apt-get install") < text.index("make report") < text.index("make test")
    subprocess.run(["bash", "-n", str(CI_RUN)], check=True, timeout=10)
