"""The cache's data format (``spendanalys.services.codec``): exact round trips, and payloads
that are not ours decode to nothing and run nothing.

Pickles of results used to be stored; a crafted one ran code on the first page view. These
tests check the replacement keeps every dtype the analyses use (so a cached analysis equals a
fresh one) and that a payload naming a class, or a pickle, is refused without being run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import struct
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from spendanalys.io.result import RejectedRow
from spendanalys.services import codec
from spendanalys.services.codec import CacheFormatError
from spendanalys.travel.analysis import TravelSettings

N = 80  # rows: above codec.INLINE_MAX, so the columns go into Arrow batches


def _objects(*values: Any) -> np.ndarray:
    out = np.empty(N, dtype=object)
    for i in range(N):
        out[i] = values[i % len(values)]
    return out


COLUMNS: dict[str, Any] = {
    "float": np.linspace(-1.5, 2.5, N),
    "float with nan and inf": np.r_[np.nan, np.inf, -np.inf, np.arange(N - 3) / 7],
    "int64": np.arange(N, dtype="int64") * 10**12,
    "int8": np.arange(N, dtype="int8"),
    "uint16": np.arange(N, dtype="uint16"),
    "bool": np.arange(N) % 3 == 0,
    "datetime64[ns] with NaT": pd.to_datetime(
        ["2024-01-31", None, "1999-12-31 23:59:59.123456789"] * (N // 3) + ["2025-01-01"] * (N % 3),
        format="ISO8601",
    )
    .as_unit("ns")
    .to_numpy(),
    "datetime64[s]": np.arange(N).astype("datetime64[s]"),
    "timedelta64[ns]": np.arange(N).astype("timedelta64[ns]"),
    "datetime, UTC": pd.date_range("2024-03-30", periods=N, freq="h", tz="UTC").array,
    "datetime, Stockholm": pd.date_range(
        "2024-03-30", periods=N, freq="h", tz="Europe/Stockholm", unit="us"
    ).array,
    "Int64 with NA": pd.array([1, None, -(2**62)] * (N // 3) + [7] * (N % 3), dtype="Int64"),
    "UInt8": pd.array(list(range(N)), dtype="UInt8"),
    "Float64 with NA": pd.array([0.5, None] * (N // 2), dtype="Float64"),
    "boolean with NA": pd.array([True, False, None] * (N // 3) + [None] * (N % 3), "boolean"),
    "string[python]": pd.array(["å", None, "", "東京"] * (N // 4), dtype=pd.StringDtype("python")),
    "string[pyarrow]": pd.array(["ä", None, "x"] * (N // 3) + ["y"] * (N % 3), "string[pyarrow]"),
    "str (NaN for missing)": pd.array(["ö", None] * (N // 2), dtype="str"),
    "category of str": pd.Categorical(["b", "a", None, "c"] * (N // 4)),
    "category of object": pd.Categorical(
        ["x", "y"] * (N // 2), categories=pd.Index(["y", "x", "z"], dtype=object)
    ),
    "category of string, ordered": pd.Categorical(
        ["lo", "hi"] * (N // 2),
        categories=pd.Index(["lo", "hi"], dtype="string"),
        ordered=True,
    ),
    "category of int, many": pd.Categorical(np.arange(N) % 70),
    "category, empty": pd.Categorical([None] * N, categories=pd.Index([], dtype=object)),
    "object str with None, NA, NaN": _objects("a", None, "b", pd.NA, float("nan"), pd.NaT),
    "object bool with NA": _objects(True, False, pd.NA),
    "object int": _objects(1, 2, 3),
    "object all missing": _objects(None, pd.NA),
    "object mixed": _objects("a", 1, 2.5, date(2024, 1, 2), None, (1, "x")),
}


def _check_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal values, the same dtypes (categories' dtype too), the same missing markers."""
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_column_type=True)
    for (name, a), (_, b) in zip(got.items(), want.items(), strict=True):
        assert a.dtype == b.dtype, name
        if isinstance(b.dtype, pd.CategoricalDtype):
            assert a.cat.categories.dtype == b.cat.categories.dtype, name
        if b.dtype == object:
            assert [type(v) for v in a] == [type(v) for v in b], name


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_a_column_keeps_its_values_and_dtype(name: str) -> None:
    frame = pd.DataFrame({name: COLUMNS[name]})
    assert frame[name].dtype == getattr(COLUMNS[name], "dtype", frame[name].dtype)
    _check_same(codec.decode(codec.encode(frame)), frame)


def test_a_frame_keeps_its_index_column_labels_and_attrs() -> None:
    frame = pd.DataFrame(COLUMNS)
    frame.index = pd.Index([f"r{i}" for i in range(N)], dtype="string", name="row")
    frame.attrs = {"source": "SCB", "base": 2020}
    back = codec.decode(codec.encode(frame))
    _check_same(back, frame)
    assert back.attrs == frame.attrs and back.index.name == "row"
    labels = pd.DataFrame([[1, 2, 3]], columns=pd.Index([2024, 2024, 7], dtype="int64"))
    _check_same(codec.decode(codec.encode(labels)), labels)  # repeated, non-text labels
    small = pd.DataFrame({"a": [1.0], "b": pd.array(["x"], dtype="string")}).iloc[0:0]
    _check_same(codec.decode(codec.encode(small)), small)  # no rows
    series = pd.Series([1.5, None], index=pd.Index([2019, 2020], name="year"), name="kpi")
    series.attrs = {"source": "SCB"}
    back_series = codec.decode(codec.encode(series))
    pd.testing.assert_series_equal(back_series, series)
    assert back_series.attrs == {"source": "SCB"}


def test_plain_values_keep_their_types() -> None:
    value = {
        "spend_sek": 436863280.42,
        "nan": float("nan"),
        1: [1, True, None, "å", (2, 3.5)],
        "numpy": [np.float64(0.1), np.int64(-3), np.bool_(True)],
        "when": [date(2025, 1, 15), datetime(2025, 1, 15, 8, 30, tzinfo=UTC)],
        "stamps": [pd.Timestamp("2024-05-01 12:00", tz="Europe/Stockholm"), pd.NaT, pd.NA],
        "path": Path("/srv/factors.csv"),
        "pattern": re.compile(r"(?<!\w)(?:tåg|flyg)", re.IGNORECASE),
        "settings": TravelSettings(train_routes=("Stockholm–Göteborg",)),
        "rejected": [RejectedRow("f.csv", 3, "Belopp", "not a number")],
    }
    back = codec.decode(codec.encode(value))
    assert list(back) == list(value)
    assert back["nan"] != back["nan"]
    for key in (1, "when", "path", "pattern", "settings", "rejected", "spend_sek"):
        assert back[key] == value[key], key
        assert type(back[key]) is type(value[key]), key
    assert [type(v) for v in back["numpy"]] == [np.float64, np.int64, np.bool_]
    assert (
        back["stamps"][0] == value["stamps"][0] and str(back["stamps"][0].tz) == "Europe/Stockholm"
    )
    assert back["stamps"][1] is pd.NaT and back["stamps"][2] is pd.NA


def test_parts_of_a_frame_equal_its_slices() -> None:
    """``encode_parts`` (one drill-down entry per agreement) gives what ``encode`` gives of
    each slice, for every column kind including missing-value markers of object columns."""
    frame = pd.DataFrame({k: v for k, v in COLUMNS.items() if k != "object mixed"})
    spans = [(0, 1), (1, 7), (7, 7), (7, 70), (70, N)]
    parts = codec.encode_parts(frame, spans)
    for (a, b), part in zip(spans, parts, strict=True):
        _check_same(codec.decode(part), frame.iloc[a:b].reset_index(drop=True))
    mixed = pd.DataFrame({"x": COLUMNS["object mixed"]})  # the general path
    for (a, b), part in zip(spans, codec.encode_parts(mixed, spans), strict=True):
        _check_same(codec.decode(part), mixed.iloc[a:b].reset_index(drop=True))


@dataclasses.dataclass
class Unregistered:
    x: int


def test_a_value_the_format_cannot_hold_is_refused_on_writing() -> None:
    for value in (Unregistered(1), {1, 2}, object(), pd.Series(pd.period_range("2024", periods=2))):
        with pytest.raises(CacheFormatError):
            codec.encode(value)


class Touch:
    """Unpickling this creates a file: what a crafted cache entry did before."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.path}",))


def _payload(manifest: dict[str, Any], *, header: bytes = codec.HEADER) -> bytes:
    body = json.dumps(manifest).encode()
    return header + b"\x00" + struct.pack(">I", len(body)) + body


def test_pickles_and_crafted_payloads_decode_to_nothing_and_run_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    good = codec.encode({"a": pd.DataFrame({"x": np.arange(100.0)})})
    crafted = [
        pickle.dumps(Touch(marker)),
        codec.HEADER + pickle.dumps(Touch(marker)),
        b"",
        good[:-7],  # truncated
        good + b"x",
        good.replace(codec.HEADER, b"SPENDANALYS-CACHE/0\n"),
        _payload({"value": {"t": "obj", "type": "os.system", "v": {}}, "batches": []}),
        _payload({"value": {"t": "obj", "type": "Touch", "v": {"path": "x"}}, "batches": []}),
        _payload({"value": {"t": "obj", "type": "RejectedRow", "v": {"file": "f"}}, "batches": []}),
        _payload({"value": {"t": "pickle", "v": "gASV"}, "batches": []}),
        _payload({"value": [1, 2], "batches": []}),  # an untagged list
        _payload({"value": {"t": "frame"}, "batches": []}),
        _payload({"value": {"t": "np", "dtype": "object", "v": 1}, "batches": []}),
        _payload(
            {"value": {"t": "timestamp", "ns": 0, "unit": "ns", "tz": "../../etc/x"}, "batches": []}
        ),
        _payload({"value": 1, "batches": [[10**9]]}),  # a batch longer than the payload
    ]
    for payload in crafted:
        with pytest.raises(CacheFormatError):
            codec.decode(payload)
    assert not marker.exists()


def test_an_array_of_another_type_than_its_column_says_is_refused() -> None:
    payload = codec.encode(pd.DataFrame({"x": np.arange(100.0)}))
    body = payload[len(codec.HEADER) + 1 :]
    if payload[len(codec.HEADER)] == 1:  # compressed
        body = bytes(
            pa.Codec("zstd").decompress(
                body[8:], decompressed_size=struct.unpack(">Q", body[:8])[0], asbytes=True
            )
        )
    length = struct.unpack(">I", body[:4])[0]
    manifest = json.loads(body[4 : 4 + length])
    manifest["value"]["data"][0]["dtype"] = "int64"  # the array holds float64
    tampered = json.dumps(manifest).encode()
    rebuilt = b"".join(
        [codec.HEADER, b"\x00", struct.pack(">I", len(tampered)), tampered, body[4 + length :]]
    )
    with pytest.raises(CacheFormatError, match="array type"):
        codec.decode(rebuilt)
