"""Canonical DataFrames to database rows and back, column by column (no per-cell pandas calls).

Missing values of every type (``<NA>``, ``NaN``, ``NaT``) are stored as SQL NULL and come back
as the canonical missing value of the column's dtype, so a round trip through the store returns
a frame equal to the one imported, dtypes included (``schema.PANDAS_DTYPES``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spendanalys.errors import StorageError
from spendanalys.schema import (
    PANDAS_DTYPES,
    SCHEMAS,
    SOURCE_FILE,
    SOURCE_ROW,
    FieldType,
    Kind,
    canonical_columns,
)


def column_types(kind: Kind) -> dict[str, FieldType]:
    """Field type of every stored column of ``kind``, provenance columns included."""
    types: dict[str, FieldType] = {f.name: f.type for f in SCHEMAS[kind].fields}
    types[SOURCE_FILE] = "string"
    types[SOURCE_ROW] = "int"
    return types


def _to_python(values: pd.Series, field_type: FieldType, iso_dates: bool) -> list[Any]:
    """Plain Python values for the DB driver, None for every kind of missing value.

    ``iso_dates`` gives dates as ``YYYY-MM-DD`` text, the form SQLite stores them in.
    """
    missing = values.isna().to_numpy()
    if field_type == "date":
        stamps = pd.to_datetime(values, errors="raise")
        days = stamps.dt.strftime("%Y-%m-%d") if iso_dates else stamps.dt.date
        out = np.array(days, dtype=object)
    elif field_type == "float":
        out = np.array(pd.to_numeric(values, errors="raise"), dtype="float64").astype(object)
    elif field_type == "int":
        numbers = values.astype("Int64")
        out = np.array(numbers.to_numpy(dtype="int64", na_value=0)).astype(object)
    elif field_type == "boolean":
        flags = values.astype("boolean")
        out = np.array(flags.to_numpy(dtype=bool, na_value=False)).astype(object)
    else:
        text: Any = values.astype("string")
        out = np.array(text.to_numpy(dtype=object, na_value=None))
    out[missing] = None
    return out.tolist()


@dataclass(frozen=True)
class EncodedRows:
    """A canonical table to be written as database rows, converted to plain Python values one
    batch at a time: a million-row import never holds every cell as a Python object at once."""

    kind: Kind
    table: pd.DataFrame
    columns: list[str]
    iso_dates: bool

    @property
    def names(self) -> list[str]:
        """Column names of the tuples from ``batches``."""
        return ["dataset_version_id", "row_index", *self.columns]

    @property
    def length(self) -> int:
        return len(self.table)

    def batches(self, version_id: int, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Lists of at most ``size`` row tuples (in ``names`` order), in the table's order.

        Raises StorageError for a value that does not fit its column's type (a reader bug, not
        user data): inside the import's transaction, which then writes nothing.
        """
        types = column_types(self.kind)
        for start in range(0, self.length, size):
            part = self.table.iloc[start : start + size]
            data = [self._column(part, name, types[name]) for name in self.columns]
            ids = itertools.repeat(version_id, len(part))
            yield list(zip(ids, range(start, start + len(part)), *data, strict=True))

    def _column(self, part: pd.DataFrame, name: str, field_type: FieldType) -> list[Any]:
        try:
            return _to_python(part[name], field_type, self.iso_dates)
        except (TypeError, ValueError) as exc:
            raise StorageError(f"{self.kind} column {name!r} is not {field_type}: {exc}") from exc


def encode_table(kind: Kind, table: pd.DataFrame, *, iso_dates: bool = False) -> EncodedRows:
    """``table`` (canonical columns of ``kind``) ready to be written, checked before any write.

    An absent provenance column is stored as NULL; an absent canonical column raises
    StorageError here, a value that does not fit its column's type when its batch is encoded
    (:meth:`EncodedRows.batches`).
    """
    missing = [c for c in SCHEMAS[kind].names if c not in table.columns]
    if missing:
        raise StorageError(f"{kind} table lacks canonical columns: {', '.join(missing)}")
    columns = [name for name in column_types(kind) if name in table.columns]
    return EncodedRows(kind, table, columns, iso_dates)


def chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Group ``rows`` into lists of at most ``size`` (bounds memory on million-row imports)."""
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _from_python(values: np.ndarray, field_type: FieldType) -> Any:
    """A canonical pandas array from one column (an object array) of database values."""
    dtype: Any = PANDAS_DTYPES[field_type]
    if field_type == "date":
        # SQLite hands back ISO text (read raw, see Store.current_table), PostgreSQL dates.
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")
        return parsed.astype(dtype).to_numpy()
    if field_type == "float":
        return np.array(values, dtype="float64")  # None -> NaN
    if field_type == "string":
        # Through Arrow: several times faster than pandas' element-wise string check.
        return pd.array(pa.array(values, type=pa.string(), from_pandas=True), dtype=dtype)
    return pd.array(values, dtype=dtype)  # Int64 and boolean (SQLite's 0/1 included)


def rows_to_frame(kind: Kind, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The canonical DataFrame of ``kind`` from fetched rows whose columns are ``names`` (all
    stored columns, or some of them: those, in canonical order)."""
    types = column_types(kind)
    grid = np.empty((len(rows), len(names)), dtype=object)
    if rows:
        grid[:] = rows
    data = {name: _from_python(grid[:, j], types[name]) for j, name in enumerate(names)}
    frame = pd.DataFrame(data, columns=list(names))
    order = [c for c in canonical_columns(kind) if c in data]
    return frame[order].reset_index(drop=True)


def as_read_back(kind: Kind, table: pd.DataFrame) -> pd.DataFrame | None:
    """``table`` as reading it back from the store gives it, when that is certain without
    reading: its canonical columns in order with their dtypes (an integer column may be plain
    int64), a default index, calendar dates and no negative zero (SQLite stores -0.0 as 0).
    Else None: the caller reads it back. A caller holding the rows it has just imported (an
    upload's preview) then skips reading a million lines."""
    stored = rows_to_frame(kind, list(column_types(kind)), []).dtypes
    if list(table.columns) != list(stored.index):
        return None
    if not table.index.equals(pd.RangeIndex(len(table))):
        return None
    types = column_types(kind)
    casts: dict[str, Any] = {}
    for name, field_type in types.items():
        column, dtype = table[name], stored[name]
        if column.dtype != dtype:
            if field_type != "int" or column.dtype != np.dtype("int64"):
                return None
            casts[name] = dtype
        elif field_type == "date" and (column.notna() & (column != column.dt.normalize())).any():
            return None
        elif field_type == "float":
            values = column.to_numpy()
            if ((values == 0) & np.signbit(values)).any():
                return None
    return table.astype(casts) if casts else table
