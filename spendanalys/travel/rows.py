"""Row plumbing the trip steps share: reject masked rows with a reason, drop them, build object
columns, and test a text column's membership on integer codes.

Kept apart from the steps so each step reads as its domain rule, and so that the tricks that
keep 100,000 trips fast (no filter when nothing is dropped, no per-cell boxing) live once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from spendanalys.io.result import RejectedRow


def reject_rows(
    frame: pd.DataFrame,
    mask: pd.Series,
    column: str,
    reason: Callable[[pd.DataFrame], pd.Series] | str,
) -> list[RejectedRow]:
    """RejectedRow for each masked row; ``reason`` is text or a function of the rejected rows."""
    if not mask.any():
        return []
    rows = frame[mask]
    reasons = reason(rows) if callable(reason) else pd.Series(reason, index=rows.index)
    return [
        RejectedRow(str(f), int(r), column, str(why))
        for f, r, why in zip(rows["source_file"], rows["source_row"], reasons, strict=True)
    ]


def drop_rows(frame: pd.DataFrame, bad: pd.Series) -> pd.DataFrame:
    """``frame`` without the ``bad`` rows; the frame itself when there are none (a boolean
    filter copies every column). Only for frames the trip steps made themselves."""
    return frame[~bad] if bad.any() else frame


def object_column(values: pd.Series) -> pd.Series:
    """``values.astype(object)`` for a string column, built once per distinct value: an Arrow
    column's own conversion boxes every cell (a few ms per 100,000 rows and column)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = getattr(values.dtype, "na_value", np.nan)
    table = np.asarray([*uniques, missing], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype="object", name=values.name)


def constant_column(value: str, index: pd.Index) -> pd.Series:
    """An object column holding ``value`` on every row of ``index`` (``np.full`` with an object
    fill is some 30 times slower than filling an empty array)."""
    values = np.empty(len(index), dtype=object)
    values.fill(value)
    return pd.Series(values, index=index, dtype=object)


class TextCodes:
    """A text column factorized once, for many membership tests and groupings: each test
    compares small integers instead of hashing every cell again (``isin`` on 100,000 strings
    costs 1-4 ms, grouping on them 5-10 ms). Codes are numbered in the sorted order of the
    texts, so grouping on them gives the groups in the order grouping on the text gives.
    A missing value has code -1 and is in no set, as with ``isin``."""

    codes: np.ndarray
    uniques: np.ndarray
    index: pd.Index

    def __init__(self, values: pd.Series) -> None:
        try:
            self.codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        except TypeError:  # texts mixed with other values: no order, first appearance instead
            self.codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.uniques = np.asarray(uniques, dtype=object)
        self.index = values.index

    @classmethod
    def _of(cls, codes: np.ndarray, uniques: np.ndarray, index: pd.Index) -> TextCodes:
        made = cls.__new__(cls)
        made.codes, made.uniques, made.index = codes, uniques, index
        return made

    def code(self, name: str) -> int:
        """The code of ``name``, or -2 (no row has it; -1 is a missing value)."""
        for code, value in enumerate(self.uniques):
            if value == name:
                return code
        return -2

    def mask(self, *names: str) -> np.ndarray:
        """Boolean array: the row's value is one of ``names``."""
        wanted = [c for c in (self.code(n) for n in names) if c >= 0]
        if not wanted:
            return np.zeros(len(self.codes), dtype=bool)
        if len(wanted) == 1:
            out: np.ndarray = self.codes == wanted[0]
            return out
        return np.isin(self.codes, wanted)

    def isin(self, *names: str) -> pd.Series:
        """Boolean column on the values' index: the row's value is one of ``names``."""
        return pd.Series(self.mask(*names), index=self.index, dtype=bool)

    def take(self, rows: np.ndarray, index: pd.Index | None = None) -> TextCodes:
        """The codes of ``rows`` (a boolean mask or positions), on ``index`` (default: the
        selected labels)."""
        chosen = self.index[rows] if index is None else index
        return TextCodes._of(self.codes[rows], self.uniques, chosen)

    def texts(self, codes: np.ndarray) -> np.ndarray:
        """The text of each code (object array; a missing value for -1)."""
        table = np.array([*self.uniques, None], dtype=object)
        out: np.ndarray = table[codes]
        return out


class LineCodes:
    """The text columns of emission lines that the analyses test and group by (``mode``,
    ``component``, ``activity_unit``), factorized once and shared by every follow-up
    analysis of the same lines."""

    mode: TextCodes
    component: TextCodes
    unit: TextCodes

    def __init__(self, lines: pd.DataFrame) -> None:
        self.mode = TextCodes(lines["mode"])
        self.component = TextCodes(lines["component"])
        self.unit = TextCodes(lines["activity_unit"])

    @property
    def index(self) -> pd.Index:
        return self.mode.index

    def take(self, rows: np.ndarray, index: pd.Index | None = None) -> LineCodes:
        """The codes of ``rows`` (a boolean mask or positions)."""
        made = LineCodes.__new__(LineCodes)
        made.mode = self.mode.take(rows, index)
        made.component = self.component.take(rows, index)
        made.unit = self.unit.take(rows, index)
        return made

    def travel(self) -> np.ndarray:
        """The travel component of each line (not the hotel line split off a travel row)."""
        return self.component.mask("travel")

    def transport(self) -> np.ndarray:
        """Travel lines that are not hotel rows: the lines that count as trips."""
        out: np.ndarray = self.travel() & ~self.mode.mask("hotel")
        return out

    def fits(self, lines: pd.DataFrame) -> bool:
        """True when these are the codes of ``lines`` (same rows, same labels)."""
        return len(self.index) == len(lines) and self.index.equals(lines.index)


def line_codes(lines: pd.DataFrame, codes: LineCodes | None) -> LineCodes:
    """``codes`` when they are those of ``lines``, else the codes of ``lines`` made now."""
    return codes if codes is not None and codes.fits(lines) else LineCodes(lines)


def _key_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, sorted distinct values) of an integer key column; a narrow range (years,
    codes) is offset rather than sorted."""
    if len(values) and values.dtype.kind in "iu":
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 16:
            present = np.zeros(high - low + 1, dtype=bool)
            present[values - low] = True
            distinct = np.flatnonzero(present)
            position = np.cumsum(present) - 1
            return position[values - low], (distinct + low).astype(values.dtype)
    distinct, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1), distinct


def group_sums(keys: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Σ of each ``values`` column per distinct combination of the integer ``keys``, sorted by
    the keys, with the keys as leading columns: ``frame.groupby(list(keys),
    as_index=False).sum()`` (the same sums, row order kept within a group), grouped once on one
    combined integer instead of once per key column."""
    combined = np.zeros(len(next(iter(values.values()))), dtype=np.int64)
    levels = []
    for column in keys.values():
        codes, distinct = _key_codes(np.asarray(column))
        combined = combined * len(distinct) + codes
        levels.append(distinct)
    summed = pd.DataFrame(values).groupby(combined).sum()
    at = summed.index.to_numpy()
    out: dict[str, np.ndarray] = {}
    for name, distinct in reversed(list(zip(keys, levels, strict=True))):
        out[name] = distinct[at % len(distinct)]
        at = at // len(distinct)
    return pd.DataFrame(
        {**{name: out[name] for name in keys}, **{c: summed[c].to_numpy() for c in values}}
    )
