"""NotebookRunner: papermill runs share one real kernel, variables do not leak, failures keep the notebook."""
from __future__ import annotations

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analysis.render.kernel import NotebookRunner

pytestmark = pytest.mark.slow


def _nb(path, *sources, params=None):
    cells = []
    if params is not None:
        p = new_code_cell(params)
        p.metadata["tags"] = ["parameters"]
        cells.append(p)
    cells += [new_code_cell(s) for s in sources]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_shared_kernel_no_leaks_and_failures_recorded(tmp_path):
    setter = _nb(tmp_path / "set.ipynb", "import os, sys\nleaked = 41 + x\nsys._runner_probe = os.getpid()", params="x: int = 0")
    reader = _nb(tmp_path / "read.ipynb", "import os, sys\nassert sys._runner_probe == os.getpid()\nprint(leaked)")
    with NotebookRunner(cwd=tmp_path) as runner:
        out = runner.run(setter, tmp_path / "o1.ipynb", {"x": 1})
        assert out.metadata.papermill.parameters == {"x": 1}
        with pytest.raises(pm.PapermillExecutionError) as info:
            runner.run(reader, tmp_path / "o2.ipynb")
        # Same process (the module attribute survived), but the variable was reset.
        assert info.value.ename == "NameError" and "leaked" in info.value.evalue
        failed = nbformat.read(tmp_path / "o2.ipynb", as_version=4)
        assert any(o.get("ename") == "NameError" for c in failed.cells for o in c.get("outputs", []))
        assert runner.runs == 2


def test_dead_kernel_is_restarted(tmp_path):
    killer = _nb(tmp_path / "kill.ipynb", "import os\nos._exit(1)")
    ok = _nb(tmp_path / "ok.ipynb", "y = 2 + 2")
    with NotebookRunner(cwd=tmp_path) as runner:
        with pytest.raises(Exception):
            runner.run(killer, tmp_path / "k.ipynb")
        out = runner.run(ok, tmp_path / "ok-out.ipynb")
        assert out.cells[0].metadata.papermill.status == "completed"
