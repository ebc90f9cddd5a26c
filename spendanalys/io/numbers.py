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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Decimal = Literal[",", "."]

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
class NumberColumn:
    """A column's distinct number texts, classified once; resolved later with a convention."""

    raw: pd.Series
    typed: np.ndarray  # workbook numbers, taken as they are
    codes: np.ndarray  # row -> index into ``texts``
    texts: pd.Series  # distinct stripped texts (object)
    todo: np.ndarray  # indices of non-blank texts
    classes: Classes  # per todo text

    @property
    def evidence(self) -> tuple[int, int]:
        """Distinct values that use a decimal comma / a decimal point unambiguously."""
        shape = self.classes.shape
        comma = int(np.isin(shape, _COMMA_CODES).sum())
        dot = int(np.isin(shape, _DOT_CODES).sum())
        dot += int((self.classes.english & (shape == _CODE["ambiguous_comma"])).sum())
        return comma, dot


def _full(array: pa.Array, pattern: str) -> np.ndarray:
    """Whole-string regex match as a numpy bool mask (RE2 via pyarrow: fast, no Python loop)."""
    return pc.match_substring_regex(array, f"^(?:{pattern})$").to_numpy(zero_copy_only=False)


def _mask(array: pa.Array, mask: np.ndarray, replacement: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), replacement, array)


def _classify(raw: pd.Series) -> Classes:
    """Per raw text: body (digits and separators), sign, shape, and an English currency mark.

    Texts made only of digits, plain spaces, separators and a sign (the bulk of any ledger) skip
    the currency and special-space clean-up. Works on pyarrow arrays: one C pass per rule.
    """
    s = pc.utf8_trim_whitespace(pa.array(raw.astype(object).to_numpy(), type=pa.string()))
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
    body = _mask(s, signed, pc.utf8_ltrim(pc.utf8_slice_codeunits(s, 1), characters=" "))
    shape = np.full(n, _NONE, dtype=np.int8)
    for code, (pattern, _) in enumerate(_SHAPES.values()):
        free = shape == _NONE
        if not free.any():
            break
        shape[_full(body, pattern) & free] = code
    shape[(minus & (paren | trailing)) | (paren & trailing)] = _NONE  # two signs: not a number
    return Classes(body, minus | paren | trailing, shape, english)


def split_typed(raw: pd.Series, is_typed: type | tuple[type, ...]) -> tuple[np.ndarray, pd.Series]:
    """Mask of workbook cells of the given Python types, and the rest as text ("" for blank)."""
    if raw.dtype != object:
        return np.zeros(len(raw), dtype=bool), raw.fillna("").astype(str)
    typed = raw.map(lambda v: isinstance(v, is_typed) and not isinstance(v, bool)).to_numpy(bool)
    text = raw.where(~typed & raw.notna(), "").astype(str)
    return typed, text


def classify_numbers(raw: pd.Series) -> NumberColumn:
    """Classify a column's distinct texts (work once per distinct value, not per row)."""
    typed, text = split_typed(raw, (int, float))
    codes, uniques = pd.factorize(text.str.strip())
    texts = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    todo = np.flatnonzero(~texts.isin(["", "-", "–", "—"]).to_numpy(bool))
    classes = _classify(texts.iloc[todo].reset_index(drop=True))
    return NumberColumn(raw, typed, np.asarray(codes), texts, todo, classes)


def choose_decimal(comma: int, dot: int, fallback: Decimal | None) -> Decimal | None:
    """The convention with more evidence; ``fallback`` on a tie."""
    if comma > dot:
        return ","
    if dot > comma:
        return "."
    return fallback


def _literals(c: Classes, decimal: Decimal | None) -> tuple[np.ndarray, np.ndarray]:
    """Each body rewritten as a plain "1234.5" literal; reason code where impossible."""
    body, english = c.body, c.english
    shape = np.array([*_NAMES, None], dtype=object)[c.shape]  # -1 indexes the trailing None
    out = np.full(len(body), None, dtype=object)

    def put(mask: np.ndarray, rewrite: Callable[[], pa.Array]) -> None:
        if mask.any():
            out[mask] = rewrite().to_numpy(zero_copy_only=False)[mask]

    def no(char: str) -> pa.Array:
        return pc.replace_substring(body, char, "")

    def dot_for(char: str, array: pa.Array | None = None) -> pa.Array:
        return pc.replace_substring(body if array is None else array, char, ".")

    put(np.isin(shape, ["digits", "dot_decimal", "scientific"]), lambda: body)
    put(shape == "comma_decimal", lambda: dot_for(","))
    put(shape == "space_groups", lambda: dot_for(",", no(" ")))
    put(shape == "en_groups", lambda: no(","))
    put(shape == "se_groups", lambda: dot_for(",", no(".")))
    ambiguous_comma = shape == "ambiguous_comma"
    ambiguous_dot = shape == "ambiguous_dot"
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
    reason[pd.isna(shape)] = "not a number"
    return out, reason


def resolve_numbers(column: NumberColumn, fallback: Decimal | None = None) -> ParsedNumbers:
    """Values for every row, reading ambiguous texts with the column's (or ``fallback``) convention."""
    decimal = choose_decimal(*column.evidence, fallback)
    n_texts = len(column.texts)
    parsed = np.full(n_texts, np.nan)
    reason = np.full(n_texts, None, dtype=object)
    if len(column.todo):
        literal, why = _literals(column.classes, decimal)
        number = pd.to_numeric(pd.Series(literal, dtype=object), errors="coerce").to_numpy(float)
        negative = column.classes.negative
        parsed[column.todo] = np.where(negative, -number, number)
        why[pd.isna(why) & np.isinf(number)] = "too large"  # e.g. 400 digits overflow float64
        messages = {
            "ambiguous": "is ambiguous: thousands separator or decimal mark? "
            "(no other value in the column decides it)",
            "too large": "is too large to be an amount",
            "not a number": "is not a number",
        }
        for j in np.flatnonzero(pd.notna(why)):
            k = column.todo[j]
            reason[k] = f"{column.texts.iloc[k]!r} {messages[why[j]]}"
            parsed[k] = np.nan
    values = parsed[column.codes]
    errors = reason[column.codes]
    if column.typed.any():
        values[column.typed] = column.raw[column.typed].astype(float).to_numpy()
        errors[column.typed] = None
    index = column.raw.index
    return ParsedNumbers(
        pd.Series(values, index=index), pd.Series(errors, index=index, dtype=object)
    )


def parse_numbers(raw: pd.Series, decimal: Decimal | None = None) -> ParsedNumbers:
    """Parse a column of number texts (or workbook numbers) into float64.

    ``decimal`` is the fallback convention for ambiguous values when the column itself has no
    unambiguous evidence. Blank cells (and a lone dash) give NaN without an error.
    """
    return resolve_numbers(classify_numbers(raw), decimal)
