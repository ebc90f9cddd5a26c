"""Canonical DataFrames to database rows and back, column by column (no per-cell pandas calls).

Missing values of every type (``<NA>``, ``NaN``, ``NaT``) are stored as SQL NULL and come back
as the canonical missing value of the column's dtype, so a round trip through the store returns
a frame equal to the one imported, dtypes included (``schema.PANDAS_DTYPES``).
"""

from __future__ import annotations

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
    """A canonical table converted to plain Python values, column by column."""

    columns: list[str]
    data: list[list[Any]]
    length: int

    @property
    def names(self) -> list[str]:
        """Column names of the tuples from ``rows``."""
        return ["dataset_version_id", "row_index", *self.columns]

    def rows(self, version_id: int) -> Iterator[tuple[Any, ...]]:
        """One tuple per row (in ``names`` order) for an executemany insert."""
        ids = [version_id] * self.length
        return zip(ids, range(self.length), *self.data, strict=True)


def encode_table(kind: Kind, table: pd.DataFrame, *, iso_dates: bool = False) -> EncodedRows:
    """Convert ``table`` (canonical columns of ``kind``) for the database, before any write.

    An absent provenance column is stored as NULL. Values that do not fit their column's type
    raise StorageError (a reader bug, not user data).
    """
    types = column_types(kind)
    missing = [c for c in SCHEMAS[kind].names if c not in table.columns]
    if missing:
        raise StorageError(f"{kind} table lacks canonical columns: {', '.join(missing)}")
    columns: list[str] = []
    data: list[list[Any]] = []
    for name, field_type in types.items():
        if name not in table.columns:
            continue
        try:
            data.append(_to_python(table[name], field_type, iso_dates))
        except (TypeError, ValueError) as exc:
            raise StorageError(f"{kind} column {name!r} is not {field_type}: {exc}") from exc
        columns.append(name)
    return EncodedRows(columns, data, len(table))


def chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Group ``rows`` into lists of at most ``size`` (bounds memory on million-row imports)."""
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
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
    """The canonical DataFrame of ``kind`` from fetched rows whose columns are ``names``."""
    types = column_types(kind)
    grid = np.empty((len(rows), len(names)), dtype=object)
    if rows:
        grid[:] = rows
    data = {name: _from_python(grid[:, j], types[name]) for j, name in enumerate(names)}
    frame = pd.DataFrame(data, columns=list(names))
    return frame[canonical_columns(kind)].reset_index(drop=True)
