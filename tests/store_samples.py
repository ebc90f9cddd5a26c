"""Test data for the store tests: canonical tables and ReadResults built by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.io.result import ReadInfo, ReadResult, RejectedRow
from spendanalys.schema import PANDAS_DTYPES, SCHEMAS, Kind, canonical_columns

# Text a store must keep exactly: Swedish letters, other scripts, quotes, an emoji, leading
# formula characters (stored raw; escaping is the exporter's job).
TEXTS = ("Åhléns AB", "Göteborgs Spårvägar", "Ærø Ø", "東京", 'O\'Brien "AB"', "=1+2", "🚆 tåg", "")


def _column(
    kind: Kind, name: str, n: int, rng: np.random.Generator
) -> pd.api.extensions.ExtensionArray | np.ndarray:
    field_type = SCHEMAS[kind].field(name).type
    missing = rng.random(n) < 0.15
    if field_type == "string":
        # Every eighth value is the empty string, which must stay distinct from <NA>.
        texts = [f"{name}-{i} {TEXTS[i % len(TEXTS)]}" if i % 8 != 7 else "" for i in range(n)]
        values = np.array(texts, dtype=object)
        values[missing] = None
        return pd.array(values, dtype="string")
    if field_type == "float":
        values = rng.normal(1_000.0, 5_000.0, n)
        values[missing] = np.nan
        return values
    if field_type == "int":
        ints = pd.array(rng.integers(1, 2_030, n), dtype="Int64")
        ints[missing] = pd.NA
        return ints
    if field_type == "date":
        days = rng.integers(0, 3_650, n)
        stamps = pd.Timestamp("2016-01-01") + pd.to_timedelta(days, unit="D")
        dates = pd.Series(stamps).astype("datetime64[ns]")
        dates[missing] = pd.NaT
        return dates.to_numpy()
    flags = pd.array(rng.random(n) < 0.5, dtype="boolean")
    flags[missing] = pd.NA
    return flags


def sample_table(kind: Kind, n: int, seed: int = 0, file_name: str = "upload.csv") -> pd.DataFrame:
    """A canonical table of ``kind`` with ``n`` rows, missing values in every column."""
    rng = np.random.default_rng(seed)
    data = {f.name: _column(kind, f.name, n, rng) for f in SCHEMAS[kind].fields}
    frame = pd.DataFrame(data)
    frame["source_file"] = pd.array([file_name] * n, dtype="string")
    frame["source_row"] = pd.array(np.arange(2, n + 2), dtype="Int64")
    for f in SCHEMAS[kind].fields:
        assert str(frame[f.name].dtype) == PANDAS_DTYPES[f.type], (f.name, frame[f.name].dtype)
    return frame[canonical_columns(kind)]


def sample_result(
    kind: Kind, n: int, seed: int = 0, file_name: str = "upload.csv", rejected: int = 3
) -> ReadResult:
    """A ReadResult as a reader would return it, with ``rejected`` rejected rows."""
    table = sample_table(kind, n, seed, file_name)
    bad = [
        RejectedRow(file_name, n + 2 + i, "Belopp", f"not a number: 'x{i}' – åäö")
        for i in range(rejected)
    ]
    info = ReadInfo(
        file=file_name,
        kind=kind,
        encoding="cp1252",
        delimiter=";",
        header_row=1,
        columns={f: f.title() for f in SCHEMAS[kind].names[:3]},
        notes=[f"seed {seed}"],
    )
    return ReadResult(table, bad, info)


def checksum(seed: int) -> str:
    """A made-up SHA-256 hex digest."""
    import hashlib

    return hashlib.sha256(str(seed).encode()).hexdigest()
