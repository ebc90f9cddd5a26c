"""Column-wise helpers that keep the spend engine fast on a million lines.

Text columns repeat a few thousand distinct values over many lines (suppliers, accounts,
categories). Each is factorised once into integer codes; work is done once per distinct value and
spread back with a numpy ``take``, and results are stored as pandas Categoricals. No Python loop
ever runs per line.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def encode(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)``: int codes per row (-1 where missing) and the distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)


def spread(per_unique: np.ndarray, codes: np.ndarray, fill: object = None) -> np.ndarray:
    """``per_unique[codes]`` with ``fill`` where the code is -1 (a missing input)."""
    extended = np.append(np.asarray(per_unique, dtype=object), np.array([fill], dtype=object))
    return extended[codes]


def spread_numbers(per_unique: np.ndarray, codes: np.ndarray, fill: float) -> np.ndarray:
    """Numeric :func:`spread` (keeps the numeric dtype)."""
    extended = np.append(np.asarray(per_unique), fill)
    return extended[codes]


def map_unique(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``func`` (Series of str → aligned Series) applied once per distinct non-missing value of
    ``values``; the results spread back per row as an object array (None where missing)."""
    codes, uniques = encode(values)
    if len(uniques) == 0:
        return np.full(len(values), None, dtype=object)
    result = func(pd.Series(uniques, dtype="string"))
    per_unique = pd.Series(result).astype("object").where(pd.Series(result).notna(), None)
    return spread(per_unique.to_numpy(dtype=object), codes)


def as_categorical(values: np.ndarray | pd.Series) -> pd.Categorical:
    """An object array (None = missing) as a Categorical of its distinct values."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="object"))


def missing(values: np.ndarray) -> np.ndarray:
    """Boolean mask of missing entries in an object array."""
    return pd.isna(values)


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]``, or an all-missing column when the frame lacks it."""
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype="object")
