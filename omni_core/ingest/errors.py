"""The one exception of the importer: what went wrong, where (file, row, column) and what was expected."""

from __future__ import annotations

from typing import Any


class IngestError(ValueError):
    """A file that cannot be imported, with the place of the problem.

    ``row`` is the data row (1 = the first row under the header); ``line`` is the physical line of
    a text file when the reader knows it. The warehouse is never touched when this is raised.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.line = line
        self.column = column
        self.value = value
        self.expected = expected
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The full sentence: ``file: line 12, column 'x': problem (got 'v'; expected e). hint``."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line:,}")
        elif self.row is not None:
            where.append(f"row {self.row:,}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        head = ", ".join(where)
        prefix = ": ".join(p for p in (self.file, head) if p)
        text = f"{prefix}: {self.problem}" if prefix else self.problem
        extra = []
        if self.value is not None:
            shown = self.value if not isinstance(self.value, str) else _clip(self.value)
            extra.append(f"got {shown!r}")
        if self.expected:
            extra.append(f"expected {self.expected}")
        if extra:
            text += f" ({'; '.join(extra)})"
        if self.hint:
            text += f". {self.hint}"
        return text

    def with_file(self, file: str) -> IngestError:
        """The same error naming ``file`` (when it did not already)."""
        if self.file is None:
            self.file = file
            self.args = (self.message,)
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json`` and the Data page)."""
        return {
            "error": self.message,
            "problem": self.problem,
            "file": self.file,
            "row": self.row,
            "line": self.line,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "expected": self.expected,
            "hint": self.hint,
        }


def _clip(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
