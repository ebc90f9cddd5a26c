"""The error hierarchy.

One base class; each concrete error also inherits the builtin a caller would expect, carries
structured fields and stays picklable (imports run in background processes).
"""

from __future__ import annotations


class SpendanalysError(Exception):
    """Base of every error Spendanalys raises on purpose."""


class InputFormatError(ValueError, SpendanalysError):
    """A file that cannot be read at all (empty, binary, truncated, no recognised header...).

    Row-level problems are not raised: they are collected as rejected rows.
    """

    def __init__(
        self,
        file: str,
        reason: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.reason = reason
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(file, reason, sheet, row, column)

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f", sheet {self.sheet!r}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


class UnitError(ValueError, SpendanalysError):
    """A unit that does not parse or has the wrong dimension for its use."""

    def __init__(self, unit: str, expected: str, reason: str = "") -> None:
        self.unit = unit
        self.expected = expected
        self.reason = reason
        super().__init__(unit, expected, reason)

    def __str__(self) -> str:
        msg = f"unit {self.unit!r} cannot be used as {self.expected}"
        return f"{msg}: {self.reason}" if self.reason else msg


class FactorError(ValueError, SpendanalysError):
    """A factor set that is inconsistent: missing columns, duplicate keys, bad values."""

    def __init__(self, file: str, reason: str, row: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.row = row
        super().__init__(file, reason, row)

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        return f"{where}: {self.reason}"


class ConfigurationError(ValueError, SpendanalysError):
    """Settings that cannot work together (for example a baseline year with no data)."""


class StorageError(RuntimeError, SpendanalysError):
    """The database refused or failed an operation; nothing was half-written."""


class AccessDenied(PermissionError, SpendanalysError):
    """The current user's role does not allow the operation."""
