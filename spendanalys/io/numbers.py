"""Numbers as accountants write them, Swedish or English, parsed column-wise without row loops.

Accepted shapes (after dropping currency marks "kr", "SEK", ":-", "£", "$", "€" and
normalising no-break, narrow no-break and thin spaces to a space):

====================  =====================  ==============================================
shape                 example                reading
====================  =====================  ==============================================
digits                12345                  12345
space groups          1 234,50 / 1 234.50    1234.5 (either decimal mark)
comma decimal         1234,5 / 0,125         1234.5 / 0.125
dot decimal           1234.5 / 0.125         1234.5 / 0.125
English groups        1,234.50 / 1,234,567   1234.5 / 1234567
Swedish dot groups    1.234,50 / 1.234.567   1234.5 / 1234567
scientific            1.5E+06                1500000
====================  =====================  ==============================================

Negatives: a leading "-" or "−", a trailing "-" ("2 000,00-") or parentheses "(1 234,50)".

"1,234" and "1.234" are *ambiguous*: thousands separator or decimal mark? They are read with the
column's convention, decided by the column's unambiguous values (and, failing that, the file's
other number columns, then the delimiter: ``;`` files use decimal comma). A value that fits no
shape ("41,2,500") or stays ambiguous is an error with a reason, never a guess.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendanalys.io.arrow_text import data_bytes, large_strings, offsets, trim

Decimal = Literal[",", "."]

# Larger magnitudes are refused: no amount, distance or head count comes near 10^15 (Sweden's
# GDP is about 6e12 SEK), and a sum over a million accepted values must stay finite.
MAX_MAGNITUDE = 1e15
_CURRENCY = r"(?i)(?:\b(?:sek|kr|eur|usd|gbp)\b\.?|[£$€]|:-)"
_SPACES = "[ \t\u00a0\u202f\u2009\u2007\u2008]+"
_AMBIG_COMMA = r"[1-9]\d{0,2},\d{3}"
_AMBIG_DOT = r"[1-9]\d{0,2}\.\d{3}"

# shape -> (regex, decimal evidence: "," / "." / None)
_SHAPES: dict[str, tuple[str, Decimal | None]] = {
    "digits": (r"\d+", None),
    "space_groups": (r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", None),
    "en_groups": (r"\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,}", "."),
    "se_groups": (r"\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}", ","),
    "ambiguous_comma": (_AMBIG_COMMA, None),
    "ambiguous_dot": (_AMBIG_DOT, None),
    "comma_decimal": (r"\d*,\d+", ","),
    "dot_decimal": (r"\d*\.\d+", "."),
    "scientific": (r"\d+(?:\.\d+)?[eE][+-]?\d+", "."),
}


_NAMES = list(_SHAPES)
_CODE = {name: code for code, name in enumerate(_NAMES)}
_NONE = -1
_COMMA_CODES = [_CODE[s] for s, (_, d) in _SHAPES.items() if d == ","]
_DOT_CODES = [_CODE[s] for s, (_, d) in _SHAPES.items() if d == "."]


@dataclass(frozen=True)
class Classes:
    """Per distinct text: the number body, its sign, its shape code and an English currency mark."""

    body: pa.Array
    negative: np.ndarray
    shape: np.ndarray  # int8 code into _NAMES, -1 = fits no shape
    english: np.ndarray


@dataclass(frozen=True)
class ParsedNumbers:
    """Values (NaN where blank or bad) and a reason for every bad cell (None where fine)."""

    values: pd.Series
    errors: pd.Series


@dataclass(frozen=True)
class PlainNumbers:
    """The cells read row by row without the distinct-text classification (:func:`_plain`):
    which rows, their values, and their texts that use a decimal comma."""

    rows: np.ndarray  # bool per row
    values: np.ndarray  # float64 per row (meaningful where ``rows``)
    comma: pa.Array  # the comma-decimal texts, repeats included

    @functools.cached_property
    def comma_texts(self) -> int:
        """Distinct comma-decimal texts (a hash pass: counted only when a decision needs it)."""
        return int(pc.count_distinct(self.comma).as_py()) if len(self.comma) else 0


@dataclass(frozen=True)
class NumberColumn:
    """A column's distinct number texts, classified once; resolved later with a convention."""

    raw: pd.Series
    typed: np.ndarray  # workbook numbers, taken as they are
    codes: np.ndarray  # row -> index into ``texts``
    texts: pa.Array  # distinct stripped texts (a plain row's text is left out: blank here)
    todo: np.ndarray  # indices of non-blank texts
    classes: Classes  # per todo text
    plain: PlainNumbers | None = None

    @property
    def evidence(self) -> tuple[int, int]:
        """Distinct values that use a decimal comma / a decimal point unambiguously."""
        shape = self.classes.shape
        comma = int(np.isin(shape, _COMMA_CODES).sum())
        dot = int(np.isin(shape, _DOT_CODES).sum())
        dot += int((self.classes.english & (shape == _CODE["ambiguous_comma"])).sum())
        return comma + (self.plain.comma_texts if self.plain else 0), dot

    @property
    def dot_evidence(self) -> int:
        """The second half of :attr:`evidence`, without counting the comma texts."""
        shape = self.classes.shape
        dot = int(np.isin(shape, _DOT_CODES).sum())
        return dot + int((self.classes.english & (shape == _CODE["ambiguous_comma"])).sum())

    @property
    def any_comma_evidence(self) -> bool:
        """Whether the first half of :attr:`evidence` is above zero."""
        plain = self.plain is not None and len(self.plain.comma) > 0
        return plain or bool(np.isin(self.classes.shape, _COMMA_CODES).any())


def _full(array: pa.Array, pattern: str) -> np.ndarray:
    """Whole-string regex match as a numpy bool mask (RE2 via pyarrow: fast, no Python loop)."""
    mask: np.ndarray = pc.match_substring_regex(array, f"^(?:{pattern})$").to_numpy(
        zero_copy_only=False
    )
    return mask


def _mask(array: pa.Array, mask: np.ndarray, replacement: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), replacement, array)


def _classify(raw: pa.Array) -> Classes:
    """Per raw text: body (digits and separators), sign, shape, and an English currency mark.

    Texts made only of digits, plain spaces, separators and a sign (the bulk of any ledger) skip
    the currency and special-space clean-up. Works on pyarrow arrays: one C pass per rule.
    """
    s = pc.utf8_trim_whitespace(raw)
    n = len(s)
    odd = pc.match_substring_regex(s, r"[^0-9 .,+-]").to_numpy(zero_copy_only=False)
    english = np.zeros(n, dtype=bool)
    paren = np.zeros(n, dtype=bool)
    if odd.any():
        english = pc.match_substring_regex(s, "[£$]").to_numpy(zero_copy_only=False)
        o = pc.replace_substring(s, "\u2212", "-")
        o = pc.replace_substring_regex(o, _CURRENCY, "")
        o = pc.utf8_trim_whitespace(pc.replace_substring_regex(o, _SPACES, " "))
        paren = _full(o, r"\(.*\)") & odd
        o = _mask(o, paren, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(o, 1, -1)))
        s = _mask(s, odd, o)
    trailing = np.zeros(n, dtype=bool)
    ends_minus = pc.ends_with(s, "-").to_numpy(zero_copy_only=False)
    if ends_minus.any():
        trailing = ends_minus & _full(s, r"[^-]*[0-9] *-")
        s = _mask(s, trailing, pc.utf8_rtrim(s, characters=" -"))
    minus = pc.starts_with(s, "-").to_numpy(zero_copy_only=False)
    signed = minus | pc.starts_with(s, "+").to_numpy(zero_copy_only=False)
    body = s
    if signed.any():
        body = _mask(s, signed, pc.utf8_ltrim(pc.utf8_slice_codeunits(s, 1), characters=" "))
    shape = np.full(n, _NONE, dtype=np.int8)
    for code, (pattern, _) in enumerate(_SHAPES.values()):
        free = np.flatnonzero(shape == _NONE)
        if not len(free):
            break
        if len(free) == n:
            shape[_full(body, pattern)] = code
        else:  # match only the texts no earlier shape took (most are taken by the first two)
            shape[free[_full(body.take(pa.array(free)), pattern)]] = code
    shape[(minus & (paren | trailing)) | (paren & trailing)] = _NONE  # two signs: not a number
    return Classes(body, minus | paren | trailing, shape, english)


def type_mask(values: pd.Series, accept: Callable[[type], bool]) -> np.ndarray:
    """Per cell: does ``accept`` hold for the cell's Python type? Decided once per distinct type.

    Workbook columns hold a handful of types (str, float, datetime...), so this replaces an
    ``isinstance`` call per cell with one per type.
    """
    cells = values.to_numpy(dtype=object)
    types = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    codes, distinct = pd.factorize(types)
    verdict = np.array([accept(t) for t in distinct] + [False], dtype=bool)
    return verdict[codes]


def distinct_cells(cells: np.ndarray) -> tuple[np.ndarray, list[object]]:
    """Row codes into the distinct (type, value) pairs of an object column.

    Factorised per Python type so that True, 1 and 1.0 (equal and hash-equal in Python) stay
    apart; NaN and None are kept as values.
    """
    types = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    type_codes, distinct_types = pd.factorize(types)
    codes = np.empty(len(cells), dtype=np.intp)
    distinct: list[object] = []
    for code in range(len(distinct_types)):
        where = np.flatnonzero(type_codes == code)
        within, values = pd.factorize(cells[where], use_na_sentinel=False)
        codes[where] = within + len(distinct)
        distinct.extend(values)
    return codes, distinct


def split_typed(raw: pd.Series, is_typed: type | tuple[type, ...]) -> tuple[np.ndarray, pd.Series]:
    """Mask of workbook cells of the given Python types, and the rest as text ("" for blank)."""
    if raw.dtype != object:
        return np.zeros(len(raw), dtype=bool), raw.fillna("").astype(str)
    typed = type_mask(raw, lambda t: issubclass(t, is_typed) and not issubclass(t, bool))
    text = raw.where(~typed & raw.notna(), "").astype(str)
    return typed, text


def distinct_stripped(
    text: pd.Series, blank: np.ndarray | None = None
) -> tuple[np.ndarray, pa.Array]:
    """Row codes into the column's distinct whitespace-trimmed texts (no NA in ``text``).

    Trimming is one linear pyarrow pass (skipped when no value needs it), cheaper than a second
    hash pass over a column whose values are mostly distinct (amounts); the dictionary encoding
    is pyarrow's. Rows where ``blank`` is True count as blank cells: only the other rows are
    encoded, and the blank text comes first in the dictionary.
    """
    array = large_strings(pa.array(text, type=pa.large_string()))
    # A missing cell is a blank: pandas' str conversion can keep NaN missing (a datetime beside
    # a NaN in one workbook column did), and a null index would point outside the dictionary.
    if array.null_count:
        array = pc.fill_null(array, "")
    if blank is None or not blank.any():
        encoded = pc.dictionary_encode(trim(array))
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp), encoded.dictionary
    rest = np.flatnonzero(~blank)
    codes = np.zeros(len(array), dtype=np.intp)
    if not len(rest):
        return codes, pa.array([""], type=pa.large_string())
    encoded = pc.dictionary_encode(trim(array.take(pa.array(rest))))
    dictionary = encoded.dictionary
    found = pc.index(dictionary, "").as_py()
    within = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
    if found < 0:  # "" first, the others shifted by one
        codes[rest] = within + 1
        return codes, pa.concat_arrays([pa.array([""], type=pa.large_string()), dictionary])
    codes[:] = found
    codes[rest] = within
    return codes, dictionary


_PLACEHOLDERS = pa.array(["", "-", "–", "—"], type=pa.large_string())


# The plain shapes of a ledger, read row by row: digits, space groups (a space or a no-break
# space between groups of three) or a comma decimal, with a leading or trailing minus. Each
# reads the same whatever the column's convention; "1,234" (ambiguous) is not among them.
_PLAIN_BODY = "(?:\\d{1,3}(?:[ \u00a0]\\d{3})+|\\d+)(?:,\\d+)?"  # RE2 reads no \\u escape
_PLAIN = f"^-?{_PLAIN_BODY}$|^{_PLAIN_BODY}-$"
_PLAIN_MIN_ROWS = 10_000  # below this the distinct-text pass is cheap anyway


def _plain(text: pd.Series) -> PlainNumbers | None:
    """Plain cells of a text column parsed row-wise, or None when too few rows to matter.

    The reading is the one the distinct-text classification gives (the same literal, cast the
    same way); the distinct comma-decimal texts are counted, so the column's evidence is
    unchanged. Rows whose value exceeds MAX_MAGNITUDE are left to the general pass (which
    words the reason). One regex pass picks the plain rows; what follows reads their bytes
    (only digits, "-", ",", a space or a no-break space are left in them), a block of
    ``_PLAIN_BLOCK`` cells at a time so that the per-byte masks stay small.
    """
    if len(text) < _PLAIN_MIN_ROWS or text.dtype == object:
        return None
    trimmed = large_strings(trim(pa.array(text, type=pa.large_string())))
    rows = pc.match_substring_regex(trimmed, _PLAIN).to_numpy(zero_copy_only=False)
    where = np.flatnonzero(rows)
    if not len(where):
        return None
    cells = trimmed if len(where) == len(trimmed) else trimmed.take(pa.array(where))
    read = [
        _plain_block(cells.slice(start, _PLAIN_BLOCK))
        for start in range(0, len(cells), _PLAIN_BLOCK)
    ]
    number, ambiguous, comma = (np.concatenate(part) for part in zip(*read, strict=True))
    huge = np.abs(number) > MAX_MAGNITUDE
    rows[where[ambiguous | huge]] = False
    values = np.full(len(text), np.nan)
    values[where] = np.where(ambiguous, np.nan, number)
    return PlainNumbers(rows, values, cells.filter(pa.array(comma & ~huge)))


# Plain cells whose bytes :func:`_plain_block` reads at once (about 8 MB of amounts).
_PLAIN_BLOCK = 1 << 20


def _segment_counts(mask: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """How many True bytes of ``mask`` each cell holds (``bounds``: the cells' offsets into
    ``mask``): one running sum, read at the cells' ends (a segmented reduce costs 3x more)."""
    running = np.zeros(len(mask) + 1, dtype=np.int32 if len(mask) < 2**31 else np.int64)
    np.cumsum(mask, dtype=running.dtype, out=running[1:])
    counts: np.ndarray = running[bounds[1:]] - running[bounds[:-1]]
    return counts


def _plain_block(cells: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain cells (each matches ``_PLAIN``) read from their bytes: the values, whether each
    is ambiguous ("1,234": 1-3 digits, the first not 0, a comma, three digits) and whether it
    is comma-decimal evidence ("231,42", "0,125": a comma without groups, not ambiguous)."""
    ends = offsets(cells)
    span = data_bytes(cells)[ends[0] : ends[-1]]
    bounds = ends - ends[0]  # every plain cell holds a digit: no empty segment
    first, last = span[bounds[:-1]], span[bounds[1:] - 1]
    # A sign, a space, or either byte of U+00A0 (the regex lets no other 0xC2 or 0xA0 in).
    drop = (span == 0x20) | (span == 0xC2) | (span == 0xA0) | (span == 0x2D)
    dropped = _segment_counts(drop, bounds)
    has_comma = _segment_counts(span == 0x2C, bounds) > 0
    negative = (first == 0x2D) | (last == 0x2D)  # the one sign a plain cell may have
    separated = dropped > negative  # any dropped byte besides the sign is a group separator
    number = _to_float(_plain_literals(span, drop, bounds, dropped))
    number = np.where(negative, -number, number)
    body_start = bounds[:-1] + (first == 0x2D)
    comma_at = bounds[1:] - (last == 0x2D) - 4
    before = comma_at - body_start
    ambiguous = has_comma & ~separated & (before >= 1) & (before <= 3)
    ambiguous &= span[np.clip(comma_at, 0, None)] == 0x2C
    ambiguous &= span[body_start] != 0x30
    return number, ambiguous, has_comma & ~separated & ~ambiguous


def _plain_literals(
    span: np.ndarray, drop: np.ndarray, bounds: np.ndarray, dropped: np.ndarray
) -> pa.Array:
    """Plain cells' bytes with signs and separators dropped and "," made "." ("1 234,5" ->
    "1234.5"): what four replace passes give, built once from the bytes (``bounds``: the
    cells' offsets into ``span``; ``dropped``: the bytes each cell loses)."""
    kept = span[~drop]
    kept[kept == 0x2C] = 0x2E
    literal_bounds = np.zeros(len(bounds), dtype=np.int64)
    np.cumsum(np.diff(bounds) - dropped, out=literal_bounds[1:])
    return pa.LargeStringArray.from_buffers(
        len(bounds) - 1, pa.py_buffer(literal_bounds), pa.py_buffer(kept)
    )


def classify_numbers(raw: pd.Series) -> NumberColumn:
    """Classify a column's distinct texts (work once per distinct value, not per row).

    In a long text column the plain cells are read row-wise first (:func:`_plain`) and only
    the rest goes through the distinct-text classification: hashing a million mostly distinct
    amounts costs more than reading them.
    """
    typed, text = split_typed(raw, (int, float))
    plain = _plain(text)
    codes, texts = distinct_stripped(text, None if plain is None else plain.rows)
    placeholder = pc.is_in(texts, value_set=_PLACEHOLDERS).to_numpy(zero_copy_only=False)
    todo = np.flatnonzero(~placeholder)
    classes = _classify(texts.take(pa.array(todo)))
    return NumberColumn(raw, typed, codes, texts, todo, classes, plain)


def choose_decimal(comma: int, dot: int, fallback: Decimal | None) -> Decimal | None:
    """The convention with more evidence; ``fallback`` on a tie."""
    if comma > dot:
        return ","
    if dot > comma:
        return "."
    return fallback


def decide_decimal(columns: Iterable[NumberColumn], fallback: Decimal | None) -> Decimal | None:
    """:func:`choose_decimal` over the summed evidence of ``columns``; the comma texts are
    counted only when some value uses a decimal point (else any comma decides)."""
    columns = list(columns)
    dot = sum(c.dot_evidence for c in columns)
    if not dot:
        return "," if any(c.any_comma_evidence for c in columns) else fallback
    return choose_decimal(sum(c.evidence[0] for c in columns), dot, fallback)


def _literals(c: Classes, decimal: Decimal | None) -> tuple[pa.Array, np.ndarray]:
    """Each body rewritten as a plain "1234.5" literal (null where impossible); reason codes.

    Stays in pyarrow: each rewrite is one C pass, merged with ``if_else``, no Python strings.
    """
    body, english = c.body, c.english
    shape = c.shape
    out = pa.nulls(len(body), type=body.type)

    def put(mask: np.ndarray, rewrite: Callable[[], pa.Array]) -> None:
        nonlocal out
        if mask.all():
            out = rewrite()
        elif mask.any():
            out = pc.if_else(pa.array(mask), rewrite(), out)

    def no(char: str) -> pa.Array:
        return pc.replace_substring(body, char, "")

    def dot_for(char: str, array: pa.Array | None = None) -> pa.Array:
        return pc.replace_substring(body if array is None else array, char, ".")

    put(np.isin(shape, [_CODE["digits"], _CODE["dot_decimal"], _CODE["scientific"]]), lambda: body)
    # One rewrite for both: a comma decimal has no space, so dropping spaces leaves it alone.
    comma_or_spaces = (shape == _CODE["comma_decimal"]) | (shape == _CODE["space_groups"])
    put(comma_or_spaces, lambda: dot_for(",", no(" ")))
    put(shape == _CODE["en_groups"], lambda: no(","))
    put(shape == _CODE["se_groups"], lambda: dot_for(",", no(".")))
    ambiguous_comma = shape == _CODE["ambiguous_comma"]
    ambiguous_dot = shape == _CODE["ambiguous_dot"]
    thousands_comma = ambiguous_comma & (english | (decimal == "."))
    decimal_comma = ambiguous_comma & ~english & (decimal == ",")
    put(thousands_comma, lambda: no(","))
    put(decimal_comma, lambda: dot_for(","))
    if decimal == ".":
        put(ambiguous_dot, lambda: body)
    elif decimal == ",":
        put(ambiguous_dot, lambda: no("."))
    reason = np.full(len(body), None, dtype=object)
    unresolved = (ambiguous_comma & ~thousands_comma & ~decimal_comma) | (
        ambiguous_dot & (decimal is None)
    )
    reason[unresolved] = "ambiguous"
    reason[c.shape == _NONE] = "not a number"
    return out, reason


def _to_float(literal: pa.Array) -> np.ndarray:
    """Plain literals ("1234.5", "1.5E+06") to float64, null -> NaN; overflow gives inf."""
    try:
        number = pc.cast(literal, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # not expected: literals are plain
        texts = pd.Series(literal.to_numpy(zero_copy_only=False), dtype=object)
        return pd.to_numeric(texts, errors="coerce").to_numpy(float)
    return np.asarray(number.to_numpy(zero_copy_only=False), dtype=float)


def resolve_numbers(column: NumberColumn, fallback: Decimal | None = None) -> ParsedNumbers:
    """Values for every row, reading ambiguous texts with the column's (or ``fallback``) convention."""
    decimal = decide_decimal([column], fallback)
    n_texts = len(column.texts)
    parsed = np.full(n_texts, np.nan)
    reason = np.full(n_texts, None, dtype=object)
    if len(column.todo):
        literal, why = _literals(column.classes, decimal)
        number = _to_float(literal)
        negative = column.classes.negative
        parsed[column.todo] = np.where(negative, -number, number)
        why[pd.isna(why) & (np.abs(number) > MAX_MAGNITUDE)] = "too large"  # inf included
        messages = {
            "ambiguous": "is ambiguous: thousands separator or decimal mark? "
            "(no other value in the column decides it)",
            "too large": f"is too large (more than {MAX_MAGNITUDE:.0e})",
            "not a number": "is not a number",
        }
        for j in np.flatnonzero(pd.notna(why)):
            k = column.todo[j]
            reason[k] = f"{column.texts[k].as_py()!r} {messages[why[j]]}"
            parsed[k] = np.nan
    values = parsed[column.codes]
    worded = pd.notna(reason)
    errors = reason[column.codes] if worded.any() else np.full(len(values), None, dtype=object)
    if column.plain is not None:
        values[column.plain.rows] = column.plain.values[column.plain.rows]
    if column.typed.any():
        typed = column.raw[column.typed].astype(float).to_numpy()
        huge = np.abs(typed) > MAX_MAGNITUDE
        values[column.typed] = np.where(huge, np.nan, typed)
        typed_errors = np.full(len(typed), None, dtype=object)
        typed_errors[huge] = [
            f"{v:g} is too large (more than {MAX_MAGNITUDE:.0e})" for v in typed[huge]
        ]
        errors[column.typed] = typed_errors
    index = column.raw.index
    return ParsedNumbers(
        pd.Series(values, index=index, copy=False),
        pd.Series(errors, index=index, dtype=object, copy=False),
    )


def parse_numbers(raw: pd.Series, decimal: Decimal | None = None) -> ParsedNumbers:
    """Parse a column of number texts (or workbook numbers) into float64.

    ``decimal`` is the fallback convention for ambiguous values when the column itself has no
    unambiguous evidence. Blank cells (and a lone dash) give NaN without an error.
    """
    return resolve_numbers(classify_numbers(raw), decimal)
