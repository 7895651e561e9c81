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


class ParameterError(AnalysisError, ValueError):
    """A notebook, CLI or function parameter has the wrong type or an impossible value.

    Also a ``ValueError``, so callers that catch that keep working.
    """


class ModelArtifactError(AnalysisError, FileNotFoundError):
    """A trained model's file (e.g. the targeted-sentiment artifact) is missing or does not fit.

    Also a ``FileNotFoundError``, so callers that catch that keep working.
    """


class ModelNotFoundError(AnalysisError):
    """No spaCy English model is installed."""


def one_line(err: BaseException) -> str:
    """A one-line description of any error (papermill cell errors: the exception name and last line)."""
    ename, evalue = getattr(err, "ename", None), getattr(err, "evalue", None)
    if ename is not None and evalue is not None:  # papermill.PapermillExecutionError
        lines = [ln for ln in str(evalue).splitlines() if ln.strip()]
        return f"{ename}: {lines[-1] if lines else ''}".strip()
    return " ".join(str(err).split()) or type(err).__name__
