"""Readers for the exports users bring: one entry point per input kind.

Each returns a :class:`ReadResult`: the canonical table (``spendanalys.schema``), the rejected
rows with file, row, column and reason, and what was understood about the file. The header
synonym file format is described in ``spendanalys/io/FORMAT.md``.
"""

from spendanalys.io.readers import (
    read_contracts,
    read_fte,
    read_input,
    read_invoices,
    read_trips,
)
from spendanalys.io.result import ReadInfo, ReadResult, RejectedRow

__all__ = [
    "ReadInfo",
    "ReadResult",
    "RejectedRow",
    "read_contracts",
    "read_fte",
    "read_input",
    "read_invoices",
    "read_trips",
]
