"""The one number formatter of tables shown in notebooks and on the sweep summary page."""
from __future__ import annotations

from typing import Any


def format_number(value: Any) -> str:
    """A table cell: whole floats as integers (``21.0`` → ``21``), other floats with 4 significant
    digits, blanks for ``None`` and NaN, anything else as ``str``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and not isinstance(value, bool):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"
    return str(value)
