"""Writing cache entries: a value as a node tree and Arrow batches (``services.codec``)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spendanalys.services.codec.format import (
    BODY,
    COMPRESS_FROM,
    HEADER,
    INLINE_MAX,
    INLINE_TYPES,
    LENGTH,
    MASKED,
    NAMES,
    NUMPY,
    OBJECT_VALUES,
    TICKS,
    ZSTD,
    CacheFormatError,
    is_nan,
    missing_code,
)


def encode(value: Any) -> bytes:
    """``value`` as the bytes of a cache entry (CacheFormatError for a type it cannot hold)."""
    encoder = _Encoder()
    return _pack(encoder.node(value), encoder)


# Where each kind of column spec keeps its array with a value per row.
_ROW_ARRAY = {"numpy": "v", "masked": "v", "string": "v", "datetimetz": "v", "category": "codes"}


def encode_parts(frame: pd.DataFrame, bounds: Sequence[tuple[int, int]]) -> list[bytes]:
    """``encode(frame.iloc[a:b].reset_index(drop=True))`` for each ``(a, b)`` of ``bounds``.

    The columns are converted once and their arrays sliced, not converted again per part:
    a drill-down writes one entry per agreement, thousands per analysis. Frames with attrs,
    columns of mixed-type values or too few rows to matter take the general path."""
    whole = _Encoder()
    frame = frame.reset_index(drop=True)
    tree = whole.frame(frame)
    cuts = [_Cut.of(spec, whole) for spec in tree["data"]]
    if len(frame) <= INLINE_MAX or frame.attrs or any(cut is None for cut in cuts):
        return [encode(frame.iloc[a:b].reset_index(drop=True)) for a, b in bounds]
    sliced = {i for cut in cuts if cut is not None for i in cut.ids}
    parts = []
    for a, b in bounds:
        part = _Encoder()
        shared = {i: part.array(v) for i, v in enumerate(whole.arrays) if i not in sliced}
        data = [cut.part(a, b, part, shared) for cut in cuts if cut is not None]
        index = {"t": "index", "range": [0, b - a, 1], "name": None}
        columns = _renumbered(tree["columns"], shared)
        parts.append(_pack({**tree, "index": index, "columns": columns, "data": data}, part))
    return parts


@dataclasses.dataclass
class _Cut:
    """How to take rows ``a:b`` of one encoded column: which of its arrays hold one value per
    row (``key``), or, for an object column, per present value (``present``: their count
    before each row)."""

    spec: dict[str, Any]
    whole: _Encoder
    key: str
    present: np.ndarray | None = None

    @property
    def ids(self) -> list[int]:
        return [self.spec[k] for k in (self.key, "missing") if type(self.spec.get(k)) is int]

    @classmethod
    def of(cls, spec: dict[str, Any], whole: _Encoder) -> _Cut | None:
        kind = spec["kind"]
        if kind in _ROW_ARRAY:
            return (
                cls(spec, whole, _ROW_ARRAY[kind]) if type(spec[_ROW_ARRAY[kind]]) is int else None
            )
        if kind != "object" or ("missing" in spec and type(spec["missing"]) is not int):
            return None
        present = None
        if "missing" in spec:
            codes = whole.arrays[spec["missing"]].to_numpy(zero_copy_only=False)
            present = np.r_[0, np.cumsum(codes == 0)]
        return cls(spec, whole, "v", present)

    def part(self, a: int, b: int, part: _Encoder, shared: dict[int, Any]) -> dict[str, Any]:
        out = _renumbered(self.spec, shared)
        first, last = (a, b) if self.present is None else (self.present[a], self.present[b])
        values = self.spec[self.key]
        if type(values) is int:
            out[self.key] = part.array(self.whole.arrays[values].slice(first, last - first))
        else:  # written in the manifest: a list
            out[self.key] = {**values, "v": values["v"][first:last]}
        if "missing" in self.spec:
            out["missing"] = part.array(self.whole.arrays[self.spec["missing"]].slice(a, b - a))
        elif "length" in self.spec:
            out["length"] = b - a
        return out


def _renumbered(spec: dict[str, Any], ids: dict[int, Any]) -> dict[str, Any]:
    """A copy of a column spec (or an index node) with its array ids replaced by ``ids``."""
    if spec.get("t") == "index":
        return {**spec, "data": _renumbered(spec["data"], ids)} if "data" in spec else spec
    out = dict(spec)
    for key in ("v", "codes", "missing"):
        if spec.get("kind") != "nodes" and type(out.get(key)) is int:
            out[key] = ids.get(out[key], out[key])
    if "categories" in out:
        out["categories"] = _renumbered(out["categories"], ids)
    return out


def _pack(tree: Any, encoder: _Encoder) -> bytes:
    """The payload of a node tree and the arrays it refers to."""
    batches, blobs = encoder.batches()
    try:
        manifest = json.dumps(
            {"value": tree, "batches": batches}, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise CacheFormatError(f"cannot write the manifest: {exc}") from exc
    body = b"".join([LENGTH.pack(len(manifest)), manifest, *blobs])
    if ZSTD is None or len(body) < COMPRESS_FROM:
        return b"".join([HEADER, b"\x00", body])
    packed = ZSTD.compress(body, asbytes=True)
    return b"".join([HEADER, b"\x01", BODY.pack(len(body)), packed])


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[pa.Array] = []

    def array(self, values: pa.Array | pa.ChunkedArray) -> int | dict[str, Any]:
        """A reference to ``values``: its id in the batches, or the values themselves."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if len(values) <= INLINE_MAX and str(values.type) in INLINE_TYPES:
            return {"type": str(values.type), "v": values.to_pylist()}
        self.arrays.append(values)
        return len(self.arrays) - 1

    def batches(self) -> tuple[list[list[int]], list[bytes]]:
        """The arrays grouped by length, one IPC stream per group: ([byte length, ids...])."""
        groups: dict[int, list[int]] = {}
        for i, values in enumerate(self.arrays):
            groups.setdefault(len(values), []).append(i)
        manifest, blobs = [], []
        for ids in groups.values():
            batch = pa.RecordBatch.from_arrays(
                [self.arrays[i] for i in ids], names=[str(k) for k in range(len(ids))]
            )
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as writer:
                writer.write_batch(batch)
            blob = sink.getvalue().to_pybytes()
            manifest.append([len(blob), *ids])
            blobs.append(blob)
        return manifest, blobs

    def node(self, value: Any) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            return value
        if isinstance(value, np.generic):
            return self.scalar(value)
        if value is pd.NA:
            return {"t": "NA"}
        if value is pd.NaT:
            return {"t": "NaT"}
        if isinstance(value, pd.Timestamp):
            zone = None if value.tz is None else str(value.tz)
            return {"t": "timestamp", "ns": int(value.value), "unit": value.unit, "tz": zone}
        if isinstance(value, datetime):
            return {"t": "datetime", "v": value.isoformat()}
        if isinstance(value, date):
            return {"t": "date", "v": value.isoformat()}
        if isinstance(value, list | tuple) and type(value) in (list, tuple):
            return {"t": type(value).__name__, "v": [self.node(v) for v in value]}
        if type(value) is dict:
            return {"t": "dict", "v": [[self.node(k), self.node(v)] for k, v in value.items()]}
        if isinstance(value, PurePath):
            return {"t": "path", "v": str(value)}
        if isinstance(value, re.Pattern):
            return {"t": "regex", "v": value.pattern, "flags": int(value.flags)}
        if isinstance(value, pd.DataFrame):
            return self.frame(value)
        if isinstance(value, pd.Series):
            return {
                "t": "series",
                "index": self.index(value.index),
                "name": self.node(value.name),
                "data": self.column(value),
                "attrs": self.node(dict(value.attrs)),
            }
        if isinstance(value, pd.Index):
            return self.index(value)
        if type(value) in NAMES:
            fields = dataclasses.fields(value)
            return {
                "t": "obj",
                "type": NAMES[type(value)],
                "v": {f.name: self.node(getattr(value, f.name)) for f in fields},
            }
        raise CacheFormatError(f"the cache cannot hold a {type(value).__qualname__}")

    def scalar(self, value: np.generic) -> Any:
        if isinstance(value, np.str_):
            return str(value)
        if value.dtype.name not in NUMPY:
            raise CacheFormatError(f"the cache cannot hold a numpy {value.dtype}")
        return {"t": "np", "dtype": value.dtype.name, "v": value.item()}

    def frame(self, frame: pd.DataFrame) -> dict[str, Any]:
        return {
            "t": "frame",
            "index": self.index(frame.index),
            "columns": self.index(frame.columns),
            "data": [self.column(column) for _, column in frame.items()],
            "attrs": self.node(dict(frame.attrs)),
        }

    def index(self, index: pd.Index) -> dict[str, Any]:
        if isinstance(index, pd.MultiIndex):
            raise CacheFormatError("the cache cannot hold a MultiIndex")
        if type(index) is pd.RangeIndex:
            span = [index.start, index.stop, index.step]
            return {"t": "index", "range": span, "name": self.node(index.name)}
        return {"t": "index", "data": self.column(index), "name": self.node(index.name)}

    def column(self, values: pd.Series | pd.Index) -> dict[str, Any]:
        """The spec of one column (or index) and its arrays, keeping the exact dtype."""
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            codes = np.asarray(values.array.codes)
            return {
                "kind": "category",
                "ordered": bool(dtype.ordered),
                "categories": self.index(dtype.categories),
                "codes": self.array(pa.array(codes)),
            }
        if isinstance(dtype, pd.StringDtype):
            na = "nan" if is_nan(dtype.na_value) else "NA"
            arrow = values.array.__arrow_array__()
            return {"kind": "string", "storage": dtype.storage, "na": na, "v": self.array(arrow)}
        if isinstance(dtype, pd.DatetimeTZDtype):
            ticks = np.asarray(values.array.asi8, dtype="int64")
            return {
                "kind": "datetimetz",
                "unit": dtype.unit,
                "tz": str(dtype.tz),
                "v": self.array(pa.array(ticks)),
            }
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            if dtype.name not in MASKED or MASKED[dtype.name] != dtype:
                raise CacheFormatError(f"the cache cannot hold a column of dtype {dtype}")
            return {"kind": "masked", "dtype": dtype.name, "v": self.array(pa.array(values.array))}
        array = np.ascontiguousarray(values.to_numpy())
        if array.dtype.name in NUMPY:
            return {"kind": "numpy", "dtype": array.dtype.name, "v": self.array(pa.array(array))}
        if TICKS.match(array.dtype.name):
            ticks = pa.array(array.view("int64"))
            return {"kind": "numpy", "dtype": array.dtype.name, "v": self.array(ticks)}
        if array.dtype == object:
            return self.objects(array)
        raise CacheFormatError(f"the cache cannot hold a column of dtype {array.dtype}")

    def objects(self, array: np.ndarray) -> dict[str, Any]:
        """An object column: its values as one Arrow array and the kind of each missing value,
        or, for values of mixed or other types, one JSON node per value."""
        missing = np.asarray(pd.isna(array), dtype=bool)
        codes = np.zeros(len(array), dtype="uint8")
        for i in np.flatnonzero(missing):
            code = missing_code(array[i])
            if code is None:
                return self.object_nodes(array)
            codes[i] = code
        present = array[~missing]
        kind = pd.api.types.infer_dtype(present, skipna=False) if len(present) else "string"
        if kind not in OBJECT_VALUES:
            return self.object_nodes(array)
        try:
            values = pa.array(present, type=OBJECT_VALUES[kind])
        except (pa.ArrowException, OverflowError):
            return self.object_nodes(array)
        spec = {"kind": "object", "values": kind, "v": self.array(values)}
        if missing.any():
            spec["missing"] = self.array(pa.array(codes))
        else:
            spec["length"] = len(array)
        return spec

    def object_nodes(self, array: np.ndarray) -> dict[str, Any]:
        return {"kind": "nodes", "v": [self.node(v) for v in array]}
