"""Parameter sweeps, the spec: a YAML file expanded into runs (notebooks × articles × a grid).

The format and what a sweep does are described in :mod:`analysis.render.sweep`, which executes
the runs; :mod:`analysis.render.sweep_summary` writes the summary files.
"""
from __future__ import annotations

import itertools
import os
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ParameterError
from ..io.expand import expand_inputs
from ..io.ingest import article_id
from .execute import notebook_path

#: Value of a template field the notebook does not take.
UNUSED = "all"


@dataclass
class Run:
    """One notebook execution of a sweep."""

    article: str
    notebook: str
    parameters: dict[str, Any]
    output: str
    status: str = "pending"  # pending / ok / failed
    error: str = ""
    seconds: float = 0.0
    finished: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

@dataclass
class Sweep:
    path: Path
    articles: list[Path]
    notebooks: dict[str, Path]
    grid: dict[str, list]
    output: str
    root: Path  # folder of the summary (the output template's fixed prefix)
    runs: list[Run] = field(default_factory=list)


def _template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _fixed_prefix(template: str) -> Path:
    """The folder part of the template before the first placeholder: where the summary goes."""
    head = template.split("{", 1)[0]
    return Path(head) if head.endswith(("/", os.sep)) else Path(head).parent


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep YAML; expand articles × grid × notebooks into runs.

    Raises:
        ParameterError: a missing or ill-typed key, an unknown notebook, a grid parameter no
            notebook declares, or an output template under which two runs would collide.
    """
    import papermill as pm

    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ParameterError(f"{path}: cannot read sweep ({' '.join(str(err).split())})") from None
    if not isinstance(spec, dict):
        raise ParameterError(f"{path}: a sweep is a mapping with articles, notebooks, parameters, output")
    for key in ("articles", "notebooks", "output"):
        if key not in spec:
            raise ParameterError(f"{path}: missing key {key!r}")
    articles = spec["articles"] if isinstance(spec["articles"], list) else [spec["articles"]]
    names = spec["notebooks"] if isinstance(spec["notebooks"], list) else [spec["notebooks"]]
    grid = spec.get("parameters") or {}
    template = spec["output"]
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise ParameterError(f"{path}: 'parameters' must map each name to a non-empty list of values")
    if not isinstance(template, str) or not template.endswith(".ipynb"):
        raise ParameterError(f"{path}: 'output' must be a path template ending in .ipynb")
    fields = _template_fields(template)
    unknown = set(fields) - {"article", "parent", "notebook", *grid}
    if unknown:
        raise ParameterError(f"{path}: output template uses unknown field(s) {', '.join(sorted(unknown))}")

    notebooks: dict[str, Path] = {}
    declared: dict[str, dict] = {}
    for name in names:
        nb = notebook_path(str(name))
        if not nb.exists():
            raise ParameterError(f"{path}: notebook {name!r} not found ({nb})")
        notebooks[Path(str(name)).stem] = nb
        declared[Path(str(name)).stem] = pm.inspect_notebook(str(nb))
    unused = [g for g in grid if not any(g in d for d in declared.values())]
    if unused:
        raise ParameterError(f"{path}: no notebook declares parameter(s) {', '.join(unused)}")

    paths = expand_inputs(str(a) for a in articles)
    sweep = Sweep(path=path, articles=paths, notebooks=notebooks, grid=grid, output=template,
                  root=_fixed_prefix(template))
    seen: dict[str, tuple] = {}
    for art in paths:
        for name, nb in notebooks.items():
            params_declared = declared[name]
            own = [g for g in grid if g in params_declared]
            for combo in itertools.product(*(grid[g] for g in own)):
                values = dict(zip(own, combo))
                fmt = {g: UNUSED for g in grid} | values | {"article": article_id(art.name), "parent": art.parent.name, "notebook": name}
                out = template.format(**fmt)
                ident = (str(art), name, tuple(sorted(values.items())))
                if out in seen and seen[out] != ident:
                    raise ParameterError(f"{path}: output template {template!r} gives {out} to two different runs; "
                                         "add the distinguishing field ({parent}, {article}, {notebook} or a grid name)")
                if out in seen:
                    continue
                seen[out] = ident
                params = dict(values)
                if "article_path" in params_declared:
                    params["article_path"] = str(art.resolve())
                if "output_dir" in params_declared:
                    params["output_dir"] = str(Path(out).with_suffix("").resolve())
                sweep.runs.append(Run(article=str(art), notebook=name, parameters=params, output=out))
    return sweep
