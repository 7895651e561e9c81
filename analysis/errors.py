"""Project exceptions. Messages name the input and say what to do next."""
from __future__ import annotations

from pathlib import Path


class AnalysisError(Exception):
    """Base class for every error this package raises on purpose."""


class ArticleError(AnalysisError):
    """An article could not be read or analysed.

    ``str(err)`` is one line: ``<path>: <problem>``.
    """

    def __init__(self, source: str | Path | None, problem: str):
        self.source = str(source) if source is not None else "<text>"
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class ParameterError(AnalysisError):
    """A notebook or CLI parameter has the wrong type or an impossible value."""


class ModelNotFoundError(AnalysisError):
    """No spaCy English model is installed."""
