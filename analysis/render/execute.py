"""The one notebook-rendering path: parameters checked, papermill run, partial file, HTML, atomic writes.

:func:`render_notebook` is used by the article reports (:mod:`analysis.render.report`), the
sweeps (:mod:`analysis.render.sweep`) and the corpus report (:mod:`analysis.corpus.cli`):

1. the parameters are checked against the notebook's declarations (nothing runs otherwise);
2. the notebook is executed into a hidden partial file beside ``output`` (in a shared kernel
   when a :class:`~analysis.render.kernel.NotebookRunner` is given, else in a fresh one);
3. the partial file replaces ``output`` at the end, also after a failure, so the error cell
   can be read: ``output`` is never half written;
4. ``output`` is exported to ``X.html`` beside it (no code, no CDN scripts), written atomically,
   also for a failed run.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..config import NOTEBOOKS_DIR
from ..errors import AnalysisError
from ..fileio import write_atomic
from ..params import check_declared
from .kernel import EncryptedKernelManager, NotebookRunner


class ExportError(AnalysisError):
    """The notebook ran, but its HTML could not be written (``str(err)`` says why, in one line)."""


#: The lab template minus the scripts it loads from a CDN (require.js, MathJax, mermaid): the
#: reports hold no widgets, math or diagrams, and must open offline without console errors.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def html_exporter():
    """nbconvert HTML exporter without code cells, prompts or CDN scripts (figures stay embedded)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file="offline.html.j2",
        extra_loaders=[DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def notebook_path(name: str | Path) -> Path:
    """A notebook by name in ``notebooks/`` (``"sentiment"``), or a path to an ``.ipynb`` file."""
    p = Path(name)
    return p if p.suffix == ".ipynb" else NOTEBOOKS_DIR / f"{name}.ipynb"


def check_notebook_parameters(notebook: str | Path, parameters: dict) -> None:
    """Reject parameters the notebook does not declare, or of the wrong type, before running it.

    Raises:
        ParameterError: one line naming the notebook, the parameter and what it accepts.
    """
    import papermill as pm

    source = notebook_path(notebook)
    check_declared(source.stem, parameters, pm.inspect_notebook(str(source)))


def export_html(output: str | Path, title: str = "") -> Path:
    """Export an executed (or partially executed) notebook ``X.ipynb`` to ``X.html`` beside it.

    Raises:
        ExportError: the notebook could not be read or converted (one line: why).
    """
    import nbformat

    output = Path(output)
    try:
        nb = nbformat.read(output, as_version=4)
        body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title or output.stem}})
        return write_atomic(output.with_suffix(".html"), body.encode("utf-8"))
    except Exception as err:  # noqa: BLE001 - one line for the caller's record
        raise ExportError(f"report not rendered: {type(err).__name__}: {' '.join(str(err).split())}") from err


def render_notebook(notebook: str | Path, output: str | Path, parameters: dict, *,
                    runner: NotebookRunner | None = None, title: str = "") -> Path:
    """Execute a notebook with papermill into ``output`` and export it to HTML beside it.

    Args:
        notebook: a name in ``notebooks/`` or a path to an ``.ipynb`` file.
        output: path of the executed notebook; the HTML goes next to it.
        parameters: papermill parameters (checked against the notebook's declarations).
        runner: a :class:`~analysis.render.kernel.NotebookRunner` to reuse its kernel; None
            starts a fresh kernel for this notebook (working directory ``notebooks/``).
        title: the HTML page's title (default: the output's stem).

    Returns:
        The HTML path.

    Raises:
        ParameterError: an unknown parameter or one of the wrong type (nothing is run).
        papermill.PapermillExecutionError: a cell failed (the executed notebook and its HTML
            are still written; an export problem is in the error's ``export_problem``).
        ExportError: the notebook ran but its HTML could not be written.
    """
    import papermill as pm

    source, output = notebook_path(notebook), Path(output)
    check_notebook_parameters(source, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial.ipynb")
    try:
        if runner is not None:
            runner.run(source, partial, parameters)
        else:
            pm.execute_notebook(str(source), str(partial), parameters=parameters, cwd=str(NOTEBOOKS_DIR),
                                progress_bar=False, log_output=False, kernel_manager_class=EncryptedKernelManager)
    except BaseException as err:
        if partial.exists():
            os.replace(partial, output)
            try:
                export_html(output, title)
            except ExportError as problem:
                err.export_problem = str(problem)
        raise
    os.replace(partial, output)
    return export_html(output, title)
