"""Table declarations: each table's columns, declared once, with a type and a meaning.

An analysis declares the table it returns next to its code (e.g.
:data:`analysis.articles.sentiment.SENTENCES`); its DataFrame builder takes the column list
from the declaration (``SENTENCES.names``), and the corpus runner takes the Arrow schema of
its Parquet table from the same declaration (:meth:`Table.arrow_schema`). A column added to
an analysis therefore reaches the corpus tables without a second edit.

Types: ``str``, ``int`` (int64), ``float`` (float64), ``bool``, ``timestamp`` (a calendar
date or time; Arrow ``timestamp[us]``).
"""
from __future__ import annotations

from dataclasses import dataclass

_ARROW = {"str": "string", "int": "int64", "float": "float64", "bool": "bool_"}
_PANDAS = {"str": "str", "int": "int64", "float": "float64", "bool": "bool", "timestamp": "datetime64[ns]"}


@dataclass(frozen=True)
class Column:
    """One column: ``name``, ``dtype`` (``str``/``int``/``float``/``bool``/``timestamp``), ``meaning``."""

    name: str
    dtype: str
    meaning: str

    def __post_init__(self) -> None:
        if self.dtype not in _PANDAS:
            raise TypeError(f"column {self.name!r}: unknown type {self.dtype!r} (one of {', '.join(_PANDAS)})")


@dataclass(frozen=True)
class Table:
    """A table's declaration: its name (the corpus Parquet file's) and its columns in order."""

    name: str
    columns: tuple[Column, ...]

    @classmethod
    def parse(cls, name: str, spec: str) -> Table:
        """A table from lines ``<column> <type> <meaning>`` (blank lines skipped)::

            Table.parse("errors", '''
                path   str  the file that failed
                error  str  one line: what went wrong
            ''')
        """
        columns = []
        for line in spec.strip().splitlines():
            if line.strip():
                column, dtype, meaning = line.split(maxsplit=2)
                columns.append(Column(column, dtype, meaning))
        return cls(name, tuple(columns))

    @property
    def names(self) -> list[str]:
        """Column names in order (a new list each time)."""
        return [c.name for c in self.columns]

    def of_type(self, dtype: str) -> list[str]:
        """Names of the columns of one type."""
        return [c.name for c in self.columns if c.dtype == dtype]

    def pandas_dtypes(self) -> dict[str, str]:
        """Column name → pandas dtype."""
        return {c.name: _PANDAS[c.dtype] for c in self.columns}

    def arrow_schema(self):
        """The ``pyarrow.Schema`` of the table (pyarrow is imported here, not at module import)."""
        import pyarrow as pa

        def arrow_type(dtype: str):
            return pa.timestamp("us") if dtype == "timestamp" else getattr(pa, _ARROW[dtype])()

        return pa.schema([(c.name, arrow_type(c.dtype)) for c in self.columns])

    def describe(self) -> str:
        """One line per column, ``name (type): meaning``, for docs and ``help()``."""
        return "\n".join(f"{c.name} ({c.dtype}): {c.meaning}" for c in self.columns)
