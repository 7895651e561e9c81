"""The one parameter checker: notebook parameters, inside a notebook and before one is run.

``True`` is not accepted where an ``int`` or ``float`` is wanted (Python counts it as 1), and
an ``int`` is accepted where a ``float`` is wanted.
"""
from __future__ import annotations

from typing import Any, Mapping

from .errors import ParameterError

#: papermill's inferred type names (``inspect_notebook``) → the Python types accepted.
TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (float,), "bool": (bool,)}


def accepts(expected: type | tuple[type, ...], value: Any) -> bool:
    """Whether ``value`` passes for ``expected`` (see the module docstring)."""
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types) or (float in types and isinstance(value, int))


def _type_name(expected: type | tuple[type, ...]) -> str:
    return expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)


def check_parameters(*, where: str = "", **params: tuple[Any, type | tuple[type, ...]]) -> None:
    """Raise :class:`ParameterError` naming the first parameter whose value has the wrong type.

    Example: ``check_parameters(window=(window, int), article_path=(article_path, str))``.

    Args:
        where: prefix of the message (e.g. ``"sentiment notebook: "``).
    """
    for name, (value, expected) in params.items():
        if not accepts(expected, value):
            raise ParameterError(f"{where}parameter {name!r} must be {_type_name(expected)}, "
                                 f"got {type(value).__name__} {value!r}")


def check_declared(notebook: str, parameters: Mapping[str, Any], declared: Mapping[str, Mapping]) -> None:
    """Check ``parameters`` against a notebook's declarations (``papermill.inspect_notebook``).

    papermill only logs a warning for an unknown name (a typo would silently keep the default).

    Raises:
        ParameterError: one line naming the notebook, the parameter and what it accepts.
    """
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{notebook} notebook: unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" (it takes {', '.join(declared)})")
    typed = {name: (value, TYPES[want]) for name, value in parameters.items()
             if (want := declared[name].get("inferred_type_name")) in TYPES}
    check_parameters(where=f"{notebook} notebook: ", **typed)
