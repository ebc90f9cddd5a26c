"""Which path read a CSV export: the bulk path (``io.bulk_csv.read_plain`` returned a table) or
the general one it handed the file to. Shared by the reader tests that assert the fast path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from spendanalys.io import bulk_csv


@contextmanager
def bulk_reads() -> Iterator[list[bool]]:
    """Inside: one item per ``read_plain`` call, True where it read the file in bulk."""
    taken: list[bool] = []
    real = bulk_csv.read_plain

    def spy(*args: object, **kwargs: object) -> object:
        table = real(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(table is not None)
        return table

    with mock.patch.object(bulk_csv, "read_plain", spy):
        yield taken
