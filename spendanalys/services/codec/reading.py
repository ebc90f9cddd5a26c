"""Reading cache entries, checking every part; nothing in a payload is imported or called
(``services.codec``)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

from spendanalys.services.codec.format import (
    BODY,
    HEADER,
    INLINE_TYPES,
    LENGTH,
    MASKED,
    MASKED_ARROW,
    MAX_BODY,
    MISSING,
    NUMPY,
    OBJECT_VALUES,
    REGISTRY,
    STRING_TYPES,
    TICKS,
    ZSTD,
    CacheFormatError,
    check,
)


def decode(payload: bytes) -> Any:
    """The value a payload of :func:`encode` holds; CacheFormatError for anything else."""
    try:
        return _Decoder(payload).value()
    except CacheFormatError:
        raise
    except Exception as exc:  # a damaged or crafted payload: whatever failed, it is no entry
        raise CacheFormatError(f"not a valid cache entry ({type(exc).__name__})") from exc


class _Decoder:
    def __init__(self, payload: bytes) -> None:
        data = _body(memoryview(payload))
        start = LENGTH.size
        (length,) = LENGTH.unpack(data[:start])
        manifest = json.loads(bytes(data[start : start + length]).decode("utf-8"))
        check(isinstance(manifest, dict) and set(manifest) == {"value", "batches"}, "manifest")
        self.tree = manifest["value"]
        self.arrays: dict[int, pa.Array] = {}
        offset = start + length
        for entry in manifest["batches"]:
            check(isinstance(entry, list) and all(type(i) is int for i in entry), "batches")
            size, *ids = entry
            check(0 <= size <= len(data) - offset, "batch length")
            reader = pa.ipc.open_stream(pa.py_buffer(data[offset : offset + size]))
            batches = list(reader)
            check(len(batches) == 1 and batches[0].num_columns == len(ids), "batch")
            batch = batches[0]
            batch.validate(full=True)
            for i, column in zip(ids, batch.columns, strict=True):
                check(i not in self.arrays, "array ids")
                self.arrays[i] = column
            offset += size
        check(offset == len(data), "trailing bytes")

    def value(self) -> Any:
        return self.node(self.tree)

    def array(self, ref: Any, *types: pa.DataType, nulls: bool = False) -> pa.Array:
        if type(ref) is dict:
            check(set(ref) == {"type", "v"} and ref["type"] in INLINE_TYPES, "inline array")
            values = pa.array(_list(ref["v"]), type=INLINE_TYPES[ref["type"]])
        else:
            check(type(ref) is int and ref in self.arrays, "array reference")
            values = self.arrays[ref]
        check(values.type in types, f"array type {values.type}")
        check(nulls or values.null_count == 0, "missing values in a numpy column")
        return values

    def node(self, node: Any) -> Any:
        if node is None or type(node) in (bool, int, float, str):
            return node
        check(type(node) is dict and type(node.get("t")) is str, "node")
        tag = node["t"]
        if tag in ("list", "tuple"):
            items = [self.node(v) for v in _list(node["v"])]
            return items if tag == "list" else tuple(items)
        if tag == "dict":
            pairs = _list(node["v"])
            check(all(type(p) is list and len(p) == 2 for p in pairs), "dict")
            return {self.node(k): self.node(v) for k, v in pairs}
        if tag == "NA":
            return pd.NA
        if tag == "NaT":
            return pd.NaT
        if tag == "np":
            check(node.get("dtype") in NUMPY, "numpy scalar")
            return np.dtype(node["dtype"]).type(node["v"])
        if tag == "timestamp":
            check(type(node.get("ns")) is int, "timestamp")
            zone = node.get("tz")
            stamp = pd.Timestamp(node["ns"], unit="ns", tz=None if zone is None else _zone(zone))
            return stamp.as_unit(_unit(node.get("unit")))
        if tag == "datetime":
            return datetime.fromisoformat(_text(node["v"]))
        if tag == "date":
            return date.fromisoformat(_text(node["v"]))
        if tag == "path":
            return Path(_text(node["v"]))
        if tag == "regex":
            check(type(node.get("flags")) is int, "regex flags")
            return re.compile(_text(node["v"]), node["flags"])
        if tag == "frame":
            return self.frame(node)
        if tag == "series":
            index = self.index(node["index"])
            data = self.column(node["data"], len(index))
            name = self.node(node["name"])
            series = pd.Series(data, index=index, dtype=data.dtype, name=name, copy=False)
            series.attrs = self.attrs(node["attrs"])
            return series
        if tag == "index":
            return self.index(node)
        if tag == "obj":
            return self.instance(node)
        raise CacheFormatError(f"not a valid cache entry: unknown node {tag!r}")

    def attrs(self, node: Any) -> dict[Any, Any]:
        attrs = self.node(node)
        check(type(attrs) is dict, "attrs")
        return attrs  # type: ignore[no-any-return]

    def instance(self, node: dict[str, Any]) -> Any:
        cls = REGISTRY.get(node.get("type"))  # type: ignore[arg-type]
        check(cls is not None, f"type {node.get('type')!r} is not one the cache holds")
        assert cls is not None
        values = node.get("v")
        names = {f.name for f in dataclasses.fields(cls)}
        if type(values) is not dict or set(values) != names:
            raise CacheFormatError(f"not a valid cache entry: fields of {cls.__name__}")
        return cls(**{name: self.node(v) for name, v in values.items()})

    def frame(self, node: dict[str, Any]) -> pd.DataFrame:
        index = self.index(node["index"])
        columns = self.index(node["columns"])
        specs = _list(node["data"])
        check(len(specs) == len(columns), "column count")
        data = {
            i: pd.Series(data, index=index, dtype=data.dtype, copy=False)
            for i, data in enumerate(self.column(spec, len(index)) for spec in specs)
        }
        frame = pd.DataFrame(data, index=index) if data else pd.DataFrame(index=index)
        frame.columns = columns
        frame.attrs = self.attrs(node["attrs"])
        return frame

    def index(self, node: Any) -> pd.Index:
        check(type(node) is dict and node.get("t") == "index", "index")
        name = self.node(node.get("name"))
        if "range" in node:
            span = node["range"]
            check(type(span) is list and len(span) == 3, "range")
            check(all(type(n) is int for n in span) and span[2] != 0, "range")
            return pd.RangeIndex(span[0], span[1], span[2], name=name)
        data = self.column(node["data"], None)
        return pd.Index(data, dtype=data.dtype, name=name, copy=False)

    def column(self, spec: Any, length: int | None) -> Any:
        """The array (numpy or pandas extension) a column spec describes, of ``length``."""
        check(type(spec) is dict, "column")
        kind = spec.get("kind")
        if kind == "numpy":
            name = _text(spec.get("dtype"))
            if name in NUMPY:
                out = self.array(spec["v"], NUMPY[name]).to_numpy(zero_copy_only=False)
            else:
                check(bool(TICKS.match(name)), f"dtype {name}")
                ticks = self.array(spec["v"], pa.int64()).to_numpy(zero_copy_only=False)
                out = ticks.view(name)
            out = np.array(out, dtype=np.dtype(name))  # writable, exact dtype
        elif kind == "masked":
            name = spec.get("dtype")
            check(name in MASKED, "masked dtype")
            values = self.array(spec["v"], MASKED_ARROW[name], nulls=True)
            out = MASKED[name].__from_arrow__(values).copy()  # writable
        elif kind == "string":
            check(spec.get("storage") in ("python", "pyarrow"), "string storage")
            check(spec.get("na") in ("NA", "nan"), "string missing value")
            na_value = np.nan if spec["na"] == "nan" else pd.NA
            dtype = pd.StringDtype(spec["storage"], na_value=na_value)
            arrow = self.array(spec["v"], *STRING_TYPES, nulls=True)
            out = dtype.__from_arrow__(arrow)  # type: ignore[attr-defined]
        elif kind == "datetimetz":
            unit = _unit(spec.get("unit"))
            ticks = self.array(spec["v"], pa.int64()).to_numpy(zero_copy_only=False)
            naive = pd.DatetimeIndex(ticks.view(f"datetime64[{unit}]"))
            out = naive.tz_localize("UTC").tz_convert(_zone(spec.get("tz"))).array
        elif kind == "category":
            categories = self.index(spec["categories"])
            codes = self.array(spec["codes"], pa.int8(), pa.int16(), pa.int32(), pa.int64())
            numbers = np.array(codes.to_numpy(zero_copy_only=False))  # writable
            ordered = spec.get("ordered") is True
            out = pd.Categorical.from_codes(numbers, categories=categories, ordered=ordered)
        elif kind == "object":
            out = self.objects(spec)
        elif kind == "nodes":
            values = [self.node(v) for v in _list(spec["v"])]
            out = np.empty(len(values), dtype=object)
            for i, value in enumerate(values):  # one by one: a value may itself be a list
                out[i] = value
        else:
            raise CacheFormatError(f"not a valid cache entry: column kind {kind!r}")
        check(length is None or len(out) == length, "column length")
        return out

    def objects(self, spec: dict[str, Any]) -> np.ndarray:
        kind = _text(spec.get("values"))
        check(kind in OBJECT_VALUES, "object values")
        values = self.array(spec["v"], OBJECT_VALUES[kind]).to_numpy(zero_copy_only=False)
        if "missing" in spec:
            codes = self.array(spec["missing"], pa.uint8()).to_numpy(zero_copy_only=False)
            check(bool((codes < len(MISSING)).all()), "missing-value codes")
        else:
            check(type(spec.get("length")) is int and spec["length"] >= 0, "length")
            codes = np.zeros(spec["length"], dtype="uint8")
        present = codes == 0
        check(int(present.sum()) == len(values), "object values count")
        out = np.empty(len(codes), dtype=object)
        out[present] = values
        for code, marker in enumerate(MISSING):
            if code > 1:  # None is what np.empty(object) holds
                out[codes == code] = marker
        return out


def _body(payload: memoryview) -> memoryview:
    """The body of a payload: after the header, decompressed when packed."""
    check(bytes(payload[: len(HEADER)]) == HEADER, "unknown header")
    packing, rest = payload[len(HEADER) : len(HEADER) + 1], payload[len(HEADER) + 1 :]
    if packing == b"\x00":
        return rest
    check(packing == b"\x01" and ZSTD is not None, "unknown packing")
    assert ZSTD is not None
    (size,) = BODY.unpack(rest[: BODY.size])
    check(size <= MAX_BODY, "body too large")
    body = ZSTD.decompress(rest[BODY.size :], decompressed_size=size, asbytes=True)
    check(len(body) == size, "body length")
    return memoryview(body)


def _list(value: Any) -> list[Any]:
    check(type(value) is list, "list")
    return value  # type: ignore[no-any-return]


def _text(value: Any) -> str:
    check(type(value) is str, "text")
    return value  # type: ignore[no-any-return]


def _unit(value: Any) -> Any:
    check(value in ("s", "ms", "us", "ns"), "time unit")
    return value  # type: ignore[no-any-return]


def _zone(value: Any) -> Any:
    """A time zone by name: UTC or an IANA key (``ZoneInfo`` refuses paths and "..")."""
    name = _text(value)
    return "UTC" if name == "UTC" else ZoneInfo(name)
