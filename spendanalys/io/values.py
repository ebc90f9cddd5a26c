"""Cell parsers for booleans, org numbers, CPV codes, whole numbers and text (dates: ``dates``).

Each takes a column (CSV strings, or workbook cells of any type) and returns the parsed values
plus a reason for every bad cell (NA where fine). Work happens on the column's unique values and
is spread back with ``pd.factorize`` codes, so a million rows cost what their distinct values cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendanalys.io.headers import fold
from spendanalys.io.numbers import (
    Decimal,
    NumberColumn,
    classify_numbers,
    distinct_cells,
    distinct_stripped,
    resolve_numbers,
)
from spendanalys.vocabulary import NO_WORDS, YES_WORDS

_TEXT_PLACEHOLDERS = pa.array(["", "-", "–", "—"], type=pa.large_string())

# Whole numbers beyond this cannot be held exactly (float64 mantissa) nor as Int64 safely.
_MAX_WHOLE = 2**53

# The yes/no vocabulary folded as cells are ("1.0" -> "10"), so both compare alike.
_YES_KEYS = frozenset(fold(word) for word in YES_WORDS)
_NO_KEYS = frozenset(fold(word) for word in NO_WORDS)


@dataclass(frozen=True)
class Parsed:
    """Parsed values (canonical dtype) and a reason for every bad cell (None where fine)."""

    values: pd.Series
    errors: pd.Series

    def __post_init__(self) -> None:
        errors = self.errors.astype(object)
        object.__setattr__(self, "errors", errors.where(errors.notna(), None))


def _by_unique(
    text: pd.Series, parse_unique: Callable[[pd.Series], tuple[pd.Series, pd.Series]], dtype: str
) -> tuple[pd.Series, np.ndarray]:
    """Apply ``parse_unique`` to the distinct stripped texts and spread back to every row."""
    codes, distinct = distinct_stripped(text.fillna("").astype(str))
    u = pd.Series(distinct.to_numpy(zero_copy_only=False), dtype="object")
    values, reasons = parse_unique(u)
    spread = values.astype(pd.api.types.pandas_dtype(dtype)).take(codes).reset_index(drop=True)
    spread.index = text.index
    return spread, reasons.to_numpy(dtype=object)[codes]


def _parse_bool_texts(u: pd.Series) -> tuple[pd.Series, pd.Series]:
    key = u.map(fold)
    values = pd.Series(pd.NA, index=u.index, dtype="boolean")
    values[key.isin(_YES_KEYS)] = True
    values[key.isin(_NO_KEYS)] = False
    bad = (u != "") & values.isna()
    reasons = pd.Series(None, index=u.index, dtype=object)
    reasons[bad] = [f"{v!r} is not yes/no (Ja/Nej, X, 1/0, true/false)" for v in u[bad]]
    return values, reasons


def parse_booleans(raw: pd.Series) -> Parsed:
    """Ja/Nej, X, 1/0, true/false, yes/no; blank is <NA> (unknown), never False."""
    if raw.dtype == object:
        codes, distinct = distinct_cells(raw.to_numpy(dtype=object))
        shown = [
            str(int(v)) if isinstance(v, bool) or (isinstance(v, float) and v.is_integer()) else v
            for v in distinct
        ]
        raw = pd.Series(np.array([*shown, None], dtype=object)[codes], index=raw.index)
    values, reasons = _by_unique(raw, _parse_bool_texts, "boolean")
    return Parsed(values, pd.Series(reasons, index=raw.index, dtype=object))


def _as_text(raw: pd.Series) -> pd.Series:
    """Workbook cells as text: 6002012.0 -> '6002012', datetimes -> ISO date.

    Object columns are converted once per distinct (type, value) pair and spread back.
    """
    if raw.dtype != object:
        return (raw.fillna("") if raw.hasnans else raw).astype(str)

    def one(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, datetime | date):
            return (
                v.isoformat()[:10]
                if isinstance(v, datetime) and v.time() == datetime.min.time()
                else v.isoformat()
            )
        return str(v)

    codes, distinct = distinct_cells(raw.to_numpy(dtype=object))
    texts = np.array([one(v) for v in distinct] + [""], dtype=object)
    return pd.Series(texts[codes], index=raw.index, dtype=object)


def _parse_org_texts(u: pd.Series) -> tuple[pd.Series, pd.Series]:
    digits = (
        u.str.upper().str.replace(r"^SE", "", regex=True).str.replace(r"[\s\-–.]", "", regex=True)
    )
    vat = digits.str.fullmatch(r"\d{10}01") & u.str.upper().str.strip().str.startswith("SE")
    ten = digits.where(~vat, digits.str.slice(0, 10))
    century = ten.str.fullmatch(r"(?:16|18|19|20)\d{10}")
    ten = ten.where(~century, ten.str.slice(2))
    ok = ten.str.fullmatch(r"\d{10}")
    values = ten.where(ok & (u != ""))
    reasons = pd.Series(None, index=u.index, dtype=object)
    bad = (u != "") & ~ok
    reasons[bad] = [f"{v!r} is not a Swedish organisation number (10 digits)" for v in u[bad]]
    return values, reasons


def parse_org_numbers(raw: pd.Series) -> Parsed:
    """556677-8899, SE556677889901 (VAT), 5566778899, 16/19/20 + 10 digits -> '5566778899'."""
    values, reasons = _by_unique(_as_text(raw), _parse_org_texts, "string")
    return Parsed(values, pd.Series(reasons, index=raw.index, dtype=object))


def _parse_cpv_texts(u: pd.Series) -> tuple[pd.Series, pd.Series]:
    code = u.str.extract(r"^(\d{8})(?:\D|$)")[0]
    reasons = pd.Series(None, index=u.index, dtype=object)
    bad = (u != "") & code.isna()
    reasons[bad] = [f"{v!r} does not start with an 8-digit CPV code" for v in u[bad]]
    return code, reasons


def parse_cpv(raw: pd.Series) -> Parsed:
    """'79620000', '79620000-6', '79620000 Förmedling av personal' -> '79620000'."""
    values, reasons = _by_unique(_as_text(raw), _parse_cpv_texts, "string")
    return Parsed(values, pd.Series(reasons, index=raw.index, dtype=object))


def parse_text(raw: pd.Series) -> Parsed:
    """Text stripped; blank or a lone dash placeholder ("-", "–", "—") -> <NA>. Never an error.

    Row-wise pyarrow kernels (trim, set membership, mask): linear, no Python strings.
    """
    text = pa.array(_as_text(raw), type=pa.large_string())
    trimmed = pc.utf8_trim_whitespace(text)
    placeholder = pc.is_in(trimmed, value_set=_TEXT_PLACEHOLDERS)
    kept = pc.if_else(placeholder, pa.scalar(None, type=pa.large_string()), trimmed)
    values = pd.Series(pd.arrays.ArrowStringArray(kept), index=raw.index)
    return Parsed(values, pd.Series(None, index=raw.index, dtype=object))


def parse_floats(raw: pd.Series | NumberColumn, decimal: Decimal | None = None) -> Parsed:
    """Amounts and quantities as float64 (see ``numbers`` for the accepted shapes)."""
    column = raw if isinstance(raw, NumberColumn) else classify_numbers(raw)
    parsed = resolve_numbers(column, decimal)
    return Parsed(parsed.values.astype("float64"), parsed.errors)


def parse_ints(raw: pd.Series | NumberColumn, decimal: Decimal | None = None) -> Parsed:
    """Whole numbers (a year, a head count): '2019', 2019.0 from a workbook, '1 200'."""
    column = raw if isinstance(raw, NumberColumn) else classify_numbers(raw)
    parsed = resolve_numbers(column, decimal)
    values = parsed.values
    fractional = (values.notna() & (values != np.floor(values))).to_numpy(bool)
    huge = (values.abs() > _MAX_WHOLE).to_numpy(bool)
    errors = parsed.errors.to_numpy(dtype=object).copy()
    originals = column.raw.to_numpy(dtype=object)
    errors[fractional] = [
        f"{str(v).strip()!r} is not a whole number" for v in originals[fractional]
    ]
    errors[huge] = [f"{str(v).strip()!r} is too large" for v in originals[huge]]
    whole = values.where(~fractional & ~huge).round()
    return Parsed(whole.astype("Int64"), pd.Series(errors, index=values.index, dtype=object))
