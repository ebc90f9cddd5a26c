"""The cache format's constants, its registry of dataclasses and its error (the format is
described in ``services.codec``)."""

from __future__ import annotations

import dataclasses
import re
import struct
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spendanalys.errors import SpendanalysError
from spendanalys.io.result import RejectedRow
from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.categories import CategoryRules
from spendanalys.spend.factors import SpendFactorSet
from spendanalys.store.small_tables import CACHE_HEADER
from spendanalys.travel.analysis import TravelAnalysis, TravelSettings
from spendanalys.travel.factors import TravelFactorSet

HEADER = CACHE_HEADER
LENGTH = struct.Struct(">I")
BODY = struct.Struct(">Q")
ZSTD = pa.Codec("zstd") if pa.Codec.is_available("zstd") else None
COMPRESS_FROM = 4096  # bytes of body; smaller payloads are stored as they are
MAX_BODY = 2**31  # a declared body larger than this is refused before decompressing
INLINE_MAX = 64
# numpy dtypes stored as Arrow arrays of the same type (datetimes as int64 ticks).
NUMPY = {
    name: pa.from_numpy_dtype(np.dtype(name))
    for name in (
        "bool",
        *(f"int{n}" for n in (8, 16, 32, 64)),
        *(f"uint{n}" for n in (8, 16, 32, 64)),
        "float32",
        "float64",
    )
}
TICKS = re.compile(r"^(datetime64|timedelta64)\[(s|ms|us|ns)\]$")
MASKED: dict[str, Any] = {
    dtype.name: dtype
    for dtype in (
        pd.Int8Dtype(),
        pd.Int16Dtype(),
        pd.Int32Dtype(),
        pd.Int64Dtype(),
        pd.UInt8Dtype(),
        pd.UInt16Dtype(),
        pd.UInt32Dtype(),
        pd.UInt64Dtype(),
        pd.Float32Dtype(),
        pd.Float64Dtype(),
        pd.BooleanDtype(),
    )
}
MASKED_ARROW = {
    name: pa.bool_() if name == "boolean" else pa.from_numpy_dtype(dtype.numpy_dtype)
    for name, dtype in MASKED.items()
}
STRING_TYPES = (pa.string(), pa.large_string(), pa.string_view())
# Arrow types an array written in the manifest may have, by their name.
INLINE_TYPES = {
    str(t): t for t in (pa.string(), pa.large_string(), pa.bool_(), *set(NUMPY.values()))
}
# Object columns: the Arrow type of their values, by pandas' inferred kind of the values.
OBJECT_VALUES = {"string": pa.string(), "boolean": pa.bool_(), "integer": pa.int64()}
# Missing values of an object column, by code (0: a value).
MISSING: tuple[Any, ...] = (None, None, pd.NA, float("nan"), pd.NaT)

REGISTRY: dict[str, type] = {}
NAMES: dict[type, str] = {}


class CacheFormatError(ValueError, SpendanalysError):
    """A value the cache format cannot hold, or a payload that is not a valid entry."""


def register(cls: type, name: str | None = None) -> type:
    """Let the cache hold instances of the dataclass ``cls`` (under ``name``, default its
    class name). Every init field is stored; a class with non-init fields cannot be rebuilt."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if any(not f.init for f in dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__} has fields its constructor does not take")
    name = name or cls.__name__
    if REGISTRY.get(name, cls) is not cls:
        raise ValueError(f"another class is registered as {name!r}")
    REGISTRY[name] = cls
    NAMES[cls] = name
    return cls


for _known in (
    RejectedRow,
    SpendAnalysis,
    CategoryRules,
    SpendFactorSet,
    TravelAnalysis,
    TravelSettings,
    TravelFactorSet,
):
    register(_known)


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def missing_code(value: Any) -> int | None:
    """The code of a missing value in an object column (see ``MISSING``); None if unknown."""
    if value is None:
        return 1
    if value is pd.NA:
        return 2
    if is_nan(value):
        return 3
    if value is pd.NaT:
        return 4
    return None


def check(condition: bool, what: str) -> None:
    if not condition:
        raise CacheFormatError(f"not a valid cache entry: {what}")
