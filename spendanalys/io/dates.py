"""Dates and years as exports write them, with the day/month order decided per column.

Shapes: ISO 8601 (with or without a time), ``dd/mm/yyyy``, ``d/m/yy``, ``31.12.2025``,
``31-12-2025``, ``2025/12/31``, ``20251231``, ``3 Apr 2023``, ``11-Aug-22``, ``3 april 2023``,
Excel serial numbers and workbook date cells. A numeric cell that is a whole year (2019) is a
year, never the serial of a day in 1905.

Why per column: ``03/04/2024`` is 3 April in Sweden and the UK and 4 March in the US. One value
with more than 12 in first place (``17/02/21``) settles day/month, one in second place
(``12/25/2023``) month/day; a column where nothing settles it is read day first and *reported*
(:func:`date_order` returns the note). Dotted dates are day first everywhere.

A year alone ("2017") is accepted where a year is all the analysis needs (``allow_year``): it
becomes 1 January of that year and is counted, so the reader can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendanalys.io.arrow_text import data_bytes, large_strings, offsets, trim
from spendanalys.io.numbers import distinct_cells, distinct_stripped, split_typed, type_mask
from spendanalys.io.values import Parsed
from spendanalys.schema import YEARS

# Excel's day 0 (the 1900 system, including its phantom 29 February 1900).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# The days a nanosecond timestamp holds (about 1677-09-22 .. 2262-04-11).
_FIRST_DAY = pd.Timestamp.min.ceil("D")
_LAST_DAY = pd.Timestamp.max.floor("D")
# Serial numbers accepted as dates in text: 1954-10-03 .. 2173-10-14.
_SERIAL_RANGE = (20_000, 100_000)

_MONTHS = {
    "jan": "Jan", "januari": "Jan", "january": "Jan", "feb": "Feb", "februari": "Feb",
    "february": "Feb", "mar": "Mar", "mars": "Mar", "march": "Mar", "apr": "Apr", "april": "Apr",
    "maj": "May", "may": "May", "jun": "Jun", "juni": "Jun", "june": "Jun", "jul": "Jul",
    "juli": "Jul", "july": "Jul", "aug": "Aug", "augusti": "Aug", "august": "Aug", "sep": "Sep",
    "sept": "Sep", "september": "Sep", "okt": "Oct", "oct": "Oct", "oktober": "Oct",
    "october": "Oct", "nov": "Nov", "november": "Nov", "dec": "Dec", "december": "Dec",
}  # fmt: skip

_TIME_SUFFIX = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"
_ISO = r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
# Day and month in either order: "/" or "-" between, a 2- or 4-digit year.
_NUMERIC = r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME_SUFFIX
_DOTTED = r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})" + _TIME_SUFFIX
# (pattern, strptime format) for the remaining shapes.
_FIXED: list[tuple[str, str]] = [
    (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d"),
    (r"\d{4}\.\d{1,2}\.\d{1,2}", "%Y.%m.%d"),
    (r"(?:19|20)\d{6}", "%Y%m%d"),
    (r"\d{1,2} [A-Z][a-z]{2} \d{4}", "%d %b %Y"),
    (r"\d{1,2} [A-Z][a-z]{2} \d{2}", "%d %b %y"),
]


@dataclass(frozen=True)
class DateOrder:
    """How a column's ``a/b/yyyy`` dates are read, and the note that says so (or None)."""

    month_first: bool = False
    note: str | None = None


@dataclass(frozen=True)
class OrderEvidence:
    """Distinct ``a/b/y`` values with a > 12 (day first), b > 12 (month first), both <= 12."""

    day_first: int = 0
    month_first: int = 0
    ambiguous: int = 0
    example: str | None = None

    def __add__(self, other: OrderEvidence) -> OrderEvidence:
        return OrderEvidence(
            self.day_first + other.day_first,
            self.month_first + other.month_first,
            self.ambiguous + other.ambiguous,
            self.example or other.example,
        )


def _numeric_texts(raw: pd.Series) -> pd.Series:
    """The column's distinct stripped text cells that can be ``a/b/y`` dates (typed workbook
    cells left out), in order of first appearance.

    Such a text has its "/" or "-" among its first three bytes (the first two being ASCII
    digits), or a non-ASCII byte among its first two (a digit of another script): a byte test
    per row picks them, so a column of ISO dates is never hashed here.
    """
    _, text = split_typed(raw, (datetime, date, pd.Timestamp, int, float))
    array = large_strings(trim(pa.array(text.fillna("").astype(str), type=pa.large_string())))
    if array.null_count:
        array = pc.fill_null(array, "")
    bounds, data = offsets(array), data_bytes(array)
    if not len(data):
        return pd.Series([], dtype=object)
    starts, lengths = bounds[:-1], np.diff(bounds)
    width = int(lengths[0]) if len(lengths) else 0
    fixed = width >= 3 and bool((lengths == width).all())  # ISO dates: 10 bytes each
    if fixed:  # the rows as a matrix: its first columns are strided views, not gathers
        head = data[bounds[0] : bounds[-1]].reshape(-1, width)[:, :3]
    maybe = np.zeros(len(array), dtype=bool)
    for at in (0, 1, 2):
        byte = head[:, at] if fixed else data[np.minimum(starts + at, len(data) - 1)]
        hit = byte >= 0x80 if at == 0 else (byte == 0x2F) | (byte == 0x2D)
        if at == 1:
            hit |= byte >= 0x80
        maybe |= hit if fixed else (lengths > at) & hit
    where = np.flatnonzero(maybe)
    if not len(where):
        return pd.Series([], dtype=object)
    distinct = pc.unique(array.take(pa.array(where)))
    return pd.Series(distinct.to_numpy(zero_copy_only=False), dtype=object)


def order_evidence(raw: pd.Series) -> OrderEvidence:
    """What a column's ``a/b/y`` dates say about day/month order (distinct values only)."""
    texts = _numeric_texts(raw)
    parts = texts.str.extract(_NUMERIC)
    a = pd.to_numeric(parts[0], errors="coerce")
    b = pd.to_numeric(parts[2], errors="coerce")
    ambiguous = (a <= 12) & (b <= 12) & (a != b)
    example = parts.index[ambiguous]
    return OrderEvidence(
        int(((a > 12) & (b <= 12)).sum()),
        int(((b > 12) & (a <= 12)).sum()),
        int(ambiguous.sum()),
        str(texts.iloc[example[0]]) if len(example) else None,
    )


def date_order(evidence: OrderEvidence, header: str) -> DateOrder:
    """Day/month order from the evidence of a column; the note when it is not plain day first."""
    day, month = evidence.day_first, evidence.month_first
    if month and not day:
        return DateOrder(
            True,
            f"column {header!r}: dates read as month/day/year (US order): {month} distinct "
            "values have more than 12 in second place",
        )
    if month and day:
        first = month > day
        return DateOrder(
            first,
            f"column {header!r} mixes day/month ({day} values) and month/day ({month} values) "
            f"dates: read as {'month/day' if first else 'day/month'}; the others are rejected",
        )
    if not day and evidence.ambiguous:
        return DateOrder(
            False,
            f"column {header!r}: no date has more than 12 in first or second place, so "
            f"day/month and month/day cannot be told apart ({evidence.ambiguous} distinct dates "
            f"such as {evidence.example!r}); read as day/month (Swedish and UK order)",
        )
    return DateOrder()


def _full_year(year: pd.Series) -> pd.Series:
    """Two-digit years as strptime's %y reads them: 69-99 -> 19xx, 00-68 -> 20xx."""
    short = year < 100
    return year.where(~short, year + np.where(year < 69, 2000, 1900))


def _from_parts(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"year": _full_year(year), "month": month, "day": day})
    return pd.to_datetime(frame, errors="coerce")


def _month_words(s: pd.Series) -> pd.Series:
    """'3 april 2023', '01-JUN-2012', '3 maj 2023' -> '3 Apr 2023' style for strptime."""
    parts = s.str.extract(r"^(\d{1,2})[ .-]+([A-Za-zÅÄÖåäö]{3,9})\.?[ .-]+(\d{2,4})" + _TIME_SUFFIX)
    parts = parts.astype(object)
    month = parts[1].str.lower().map(_MONTHS).astype(object)
    ok = parts[0].notna() & month.notna()
    # pandas joins a list of Series element-wise; the stub's ``others`` allows only list[str].
    joined = parts[0].str.cat([month, parts[2]], sep=" ")  # type: ignore[list-item]
    return joined.where(ok)


def _parse_texts(
    u: pd.Series, order: DateOrder, allow_year: bool
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Distinct texts -> (dates, reasons, year-only flags)."""
    result = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    reasons = pd.Series(None, index=u.index, dtype=object)
    blank = u == ""
    text = u.where(~blank, "")
    matched = blank.copy()

    def put(hit: pd.Series, values: pd.Series) -> None:
        nonlocal matched
        matched |= hit
        days = values[hit].dt.normalize()
        # Past 2262 (or before 1677) a day has no nanosecond timestamp: not a valid date here.
        days = days.where(days.between(_FIRST_DAY, _LAST_DAY))
        result[hit] = days.astype("datetime64[ns]")

    iso = text.str.fullmatch(_ISO) & ~matched
    if iso.any():
        # One call per UTC offset written ("", "Z", "+02:00"): pandas refuses a column that
        # mixes them (a ValueError, not a NaT), and each keeps its local date as written.
        offset = text.where(iso, "").str.extract(_OFFSET)[0].fillna("")
        pieces = []
        for suffix in pd.unique(offset[iso]):
            part = iso & (offset == suffix)
            stamps = pd.to_datetime(text[part], errors="coerce", format="ISO8601")
            if getattr(stamps.dt, "tz", None) is not None:
                stamps = stamps.dt.tz_localize(None)
            pieces.append(stamps)
        put(iso, (pieces[0] if len(pieces) == 1 else pd.concat(pieces)).reindex(u.index))
    for pattern, day_at, month_at, year_at in (
        (_NUMERIC, 2 if order.month_first else 0, 0 if order.month_first else 2, 3),
        (_DOTTED, 0, 1, 2),
    ):
        parts = text.str.extract(pattern)
        hit = parts[0].notna() & ~matched
        if hit.any():
            numbers = parts.loc[hit, [day_at, month_at, year_at]].astype(int)
            stamps = _from_parts(numbers[year_at], numbers[month_at], numbers[day_at])
            put(hit, stamps.reindex(u.index))
    worded = _month_words(text)
    text = worded.fillna(text)
    for pattern, fmt in _FIXED:
        core = text.str.extract("^(" + pattern + ")" + _TIME_SUFFIX)[0]
        hit = core.notna() & ~matched
        if hit.any():
            put(hit, pd.to_datetime(core[hit], errors="coerce", format=fmt).reindex(u.index))
    year = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}") & ~matched), errors="coerce")
    is_year = year.between(YEARS.start, YEARS.stop - 1)
    if allow_year and is_year.any():
        put(is_year, pd.to_datetime({"year": year[is_year], "month": 1, "day": 1}).reindex(u.index))
    elif is_year.any():
        matched |= is_year
        reasons[is_year] = [f"{v!r} is a year only; a full date is needed here" for v in u[is_year]]
    serial = pd.to_numeric(
        text.where(text.str.fullmatch(r"\d{5}(?:\.\d+)?") & ~matched), errors="coerce"
    )
    in_range = serial.between(*_SERIAL_RANGE)
    result[in_range] = EXCEL_EPOCH + pd.to_timedelta(np.floor(serial[in_range]), unit="D")
    matched |= in_range
    bad_shape = ~matched
    reasons[bad_shape] = [f"{v!r} is not a date" for v in u[bad_shape]]
    invalid = matched & ~blank & result.isna() & reasons.isna()
    reasons[invalid] = [f"{v!r} is not a valid calendar date" for v in u[invalid]]
    return result, reasons, is_year & allow_year


def parse_dates(
    raw: pd.Series, order: DateOrder | None = None, *, allow_year: bool = False
) -> tuple[Parsed, int]:
    """Dates from every shape above (time of day dropped); how many rows were a year only.

    ``order``: the column's day/month order (:func:`date_order`); day first when None.
    """
    order = order or DateOrder()
    typed, text = split_typed(raw, (datetime, date, pd.Timestamp, int, float))
    typed = np.asarray(typed, dtype=bool)
    codes, distinct = distinct_stripped(text.fillna("").astype(str))
    u = pd.Series(distinct.to_numpy(zero_copy_only=False), dtype=object)
    dates, why, year_flags = _parse_texts(u, order, allow_year)
    values = dates.take(codes).reset_index(drop=True)
    values.index = raw.index
    why_distinct = why.to_numpy(dtype=object)
    flags = year_flags.to_numpy(dtype=bool)
    years = int(flags[codes][~typed].sum()) if flags.any() else 0
    if not (pd.notna(why_distinct).any() or typed.any()):
        # The usual column: every distinct text a date, so no reason to spread.
        return Parsed.of(values.astype("datetime64[ns]"), None), years
    reasons = why_distinct[codes]
    if typed.any():
        years += _typed_cells(raw, typed, values, reasons, allow_year)
    errors = pd.Series(reasons, index=raw.index, dtype=object)
    return Parsed(values.astype("datetime64[ns]"), errors), years


def _typed_cells(
    raw: pd.Series, typed: np.ndarray, values: pd.Series, reasons: np.ndarray, allow_year: bool
) -> int:
    """Workbook cells: dates as they are, whole years as years, other numbers as serials.

    Writes into ``values`` and ``reasons``; returns how many cells were a year only.
    """
    cells = raw[typed]
    numeric = type_mask(cells, lambda t: issubclass(t, int | float) and not issubclass(t, bool))
    stamps = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    problems = np.full(len(cells), None, dtype=object)
    if (~numeric).any():
        codes, distinct = distinct_cells(cells[~numeric].to_numpy(dtype=object))
        moments = pd.to_datetime(pd.Series(distinct, dtype=object).map(pd.Timestamp))
        stamps[~numeric] = moments.to_numpy()[codes]
    years = 0
    if numeric.any():
        numbers = cells[numeric].astype(float)
        whole_year = (numbers == np.floor(numbers)) & numbers.between(YEARS.start, YEARS.stop - 1)
        serial = numbers.between(1, _SERIAL_RANGE[1]) & ~whole_year
        offsets = pd.to_timedelta(np.floor(numbers.where(serial)), unit="D")
        days = pd.Series(EXCEL_EPOCH + offsets, index=numbers.index)
        if allow_year and whole_year.any():
            first_days = pd.to_datetime(
                {"year": numbers[whole_year].astype(int), "month": 1, "day": 1}
            )
            days[whole_year] = first_days
            years = int(whole_year.sum())
        stamps[numeric] = days.to_numpy()
        where = np.flatnonzero(numeric)
        shown = cells[numeric].to_numpy(dtype=object)
        year_only = whole_year.to_numpy(bool) & (not allow_year)
        not_date = ~(serial | whole_year).to_numpy(bool)
        for i in np.flatnonzero(year_only | not_date).tolist():
            v = shown[i]
            problems[where[i]] = (
                f"{v!r} is a year only; a full date is needed here"
                if year_only[i]
                else f"{v!r} is not a date"
            )
    values[typed] = stamps.dt.normalize().to_numpy()
    positions = np.flatnonzero(typed)
    bad = np.flatnonzero(pd.notna(problems))
    reasons[positions[bad]] = problems[bad]
    return years
