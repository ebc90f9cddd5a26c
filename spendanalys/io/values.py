"""Cell parsers for booleans, org numbers, CPV codes, whole numbers and text (dates: ``dates``).

Each takes a column (CSV strings, or workbook cells of any type) and returns the parsed values
plus a reason for every bad cell (NA where fine). Work happens on the column's unique values and
is spread back with ``pd.factorize`` codes, so a million rows cost what their distinct values cost.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendanalys.errors import ConfigurationError
from spendanalys.io.arrow_text import short_values, trim
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
_LONGEST_PLACEHOLDER = 3  # bytes of "–" and "—" in UTF-8

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
        # Every missing marker (NaN, <NA>) becomes None, in one numpy pass (a pandas where
        # on a million-row object column costs tens of milliseconds per field).
        errors = self.errors.to_numpy(dtype=object, copy=True)
        errors[pd.isna(errors)] = None
        series = pd.Series(errors, index=self.errors.index, dtype=object, name=self.errors.name)
        object.__setattr__(self, "errors", series)

    @classmethod
    def of(cls, values: pd.Series, errors: np.ndarray | None) -> Parsed:
        """``Parsed`` from a reasons array that is already None where fine (never NaN or
        <NA>), on ``values``' index: no normalising pass (~20 ms per million-row column).
        ``errors`` None: no cell is bad, and :meth:`bad_cells` need not look."""
        parsed = object.__new__(cls)
        object.__setattr__(parsed, "values", values)
        if errors is None:  # one None seen n times: a read-only view, no million-item array
            errors = np.broadcast_to(np.array(None, dtype=object), (len(values),))
            object.__setattr__(parsed, "_all_fine", True)
        series = pd.Series(errors, index=values.index, dtype=object, copy=False)
        object.__setattr__(parsed, "errors", series)
        return parsed

    def bad_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions and reasons of the bad cells (where ``errors`` is not None)."""
        if getattr(self, "_all_fine", False):
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
        reasons = self.errors.to_numpy(dtype=object)
        bad = np.flatnonzero(pd.notna(reasons))
        return bad, reasons[bad]


def _by_unique(
    text: pd.Series, parse_unique: Callable[[pd.Series], tuple[pd.Series, pd.Series]], dtype: str
) -> tuple[pd.Series, np.ndarray | None]:
    """Apply ``parse_unique`` to the distinct stripped texts and spread back to every row
    (reasons None where fine, or no array when every text is fine: :meth:`Parsed.of`)."""
    codes, distinct = distinct_stripped(text.fillna("").astype(str))
    u = pd.Series(distinct.to_numpy(zero_copy_only=False), dtype="object")
    values, reasons = parse_unique(u)
    spread = values.astype(pd.api.types.pandas_dtype(dtype)).take(codes).reset_index(drop=True)
    spread.index = text.index
    why = reasons.to_numpy(dtype=object, copy=True)
    fine = pd.isna(why)
    if fine.all():
        return spread, None
    why[fine] = None  # once per distinct text, so the rows need no normalising pass
    return spread, why[codes]


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
    return Parsed.of(values, reasons)  # a reason per bad distinct text, None elsewhere


REQUIREMENT_WORDS_FILE = "requirement_words.csv"
REQUIREMENT_LEVELS: tuple[str, ...] = ("bas", "avancerad", "spjutspets")


@functools.lru_cache(maxsize=1)
def requirement_words() -> dict[str, tuple[bool | None, str | None]]:
    """Folded Miljökrav word -> (miljökrav yes/no/unknown, level): the yes/no vocabulary plus
    ``requirement_words.csv`` (its header explains the format); a bad line is refused."""
    words: dict[str, tuple[bool | None, str | None]] = {k: (True, None) for k in _YES_KEYS}
    words.update({k: (False, None) for k in _NO_KEYS})
    text = resources.files("spendanalys.io").joinpath(REQUIREMENT_WORDS_FILE).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    meaning = {"yes": True, "no": False, "unknown": None}
    for row in csv.DictReader(lines):
        means, level = (row.get("requirements") or "").strip(), (row.get("level") or "").strip()
        key = fold(row.get("word"))
        if not key or means not in meaning or (level and level not in REQUIREMENT_LEVELS):
            raise ConfigurationError(
                f"{REQUIREMENT_WORDS_FILE}: {row} needs a word, requirements yes/no/unknown "
                f"and a level of {', '.join(REQUIREMENT_LEVELS)} or none"
            )
        if key in words and words[key] != (meaning[means], level or None):
            raise ConfigurationError(f"{REQUIREMENT_WORDS_FILE}: {key!r} has two meanings")
        words[key] = (meaning[means], level or None)
    return words


@dataclass(frozen=True)
class RequirementsParsed(Parsed):
    """Miljökrav cells: ``values`` True/False/<NA> (unknown), ``level`` bas/avancerad/
    spjutspets/<NA>, and one note per distinct value the vocabulary does not know."""

    level: pd.Series = field(default_factory=lambda: pd.Series(dtype="string"))
    notes: tuple[str, ...] = ()


def parse_requirements(raw: pd.Series, header: str = "Miljökrav") -> RequirementsParsed:
    """Miljökrav as agencies write it: Ja/Nej, X, 1/0, true/false, the criteria levels
    (``Basnivå``, ``Avancerad nivå``, ``Spjutspets``…), ``Ja, delvis``… (``requirement_words``).

    Never an error: a blank cell is unknown, and so is a value the vocabulary does not know,
    with a note naming it and its count (``header`` names the column in the note)."""
    codes, distinct = distinct_cells(raw.to_numpy(dtype=object))
    texts = [_cell_text(v) for v in distinct]
    words = requirement_words()
    found = [words.get(fold(t), (None, None)) if t else (None, None) for t in texts]
    flags = np.array([f for f, _ in found] + [None], dtype=object)[codes]
    levels = np.array([lv for _, lv in found] + [None], dtype=object)[codes]
    counts = np.bincount(codes[codes >= 0], minlength=len(texts))
    unknown: dict[str, tuple[str, int]] = {}  # folded value -> (first spelling, rows)
    for t, n in zip(texts, counts, strict=True):
        key = fold(t)
        if t and n and key not in words:
            first, seen = unknown.get(key, (t, 0))
            unknown[key] = (first, seen + int(n))
    notes = tuple(
        f"{header}: {t!r} is not a known miljökrav value (see {REQUIREMENT_WORDS_FILE}): "
        f"{n} {'row' if n == 1 else 'rows'} counted as unknown"
        for t, n in unknown.values()
    )
    return RequirementsParsed(
        pd.Series(flags, index=raw.index, dtype="boolean"),
        pd.Series(None, index=raw.index, dtype=object),
        level=pd.Series(levels, index=raw.index, dtype="string"),
        notes=notes,
    )


def _cell_text(value: object) -> str:
    """A Miljökrav cell as text: True -> "1", 1.0 -> "1", None -> ""."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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


# A Swedish number: optional SE, 10 digits, optional VAT suffix 01, or 16/18/19/20 + 10 digits.
_SE_RE = re.compile(r"(?:SE)?(?:(\d{10})(01)?|(?:16|18|19|20)(\d{10}))")
# Country codes of the EU, EEA, Switzerland and the UK (EL: Greece's VAT prefix; XI: Northern
# Ireland): a foreign identifier is kept with one of them in front.
_COUNTRIES = frozenset(
    re.findall(r"[A-Z]{2}", "AT BE BG CH CY CZ DE DK EE EL ES FI FR GB HR HU IE IS IT LI LT LU")
    + re.findall(r"[A-Z]{2}", "LV MT NL NO PL PT RO SI SK XI")
)
_FOREIGN_NAMES = "Norwegian, Finnish, Danish, Estonian, UK or French"


def _check_mod11(digits: str, weights: tuple[int, ...]) -> bool:
    """The mod-11 check digit of Norwegian and Finnish organisation numbers (0 for remainder 0,
    none for remainder 1, else 11 − remainder), over the digits before the last."""
    remainder = sum(int(d) * w for d, w in zip(digits[:-1], weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return remainder != 1 and check == int(digits[-1])


def _foreign(country: str, body: str) -> tuple[str | None, str | None]:
    """A foreign identifier's canonical form (country code + identifier) or the reason it is
    not one. The six countries of issue 13 are checked by shape (and check digit where the
    registry publishes one); other European country codes are kept as written."""
    if country == "UK":
        country = "GB"
    if country == "NO":
        number = body[:-3] if body.endswith("MVA") else body
        if not re.fullmatch(r"\d{9}", number):
            return None, "a Norwegian organisation number has 9 digits"
        if not _check_mod11(number, (3, 2, 7, 6, 5, 4, 3, 2)):
            return None, "not a Norwegian organisation number (check digit)"
        return "NO" + number, None
    if country == "FI":
        if not re.fullmatch(r"\d{8}", body):
            return None, "a Finnish business id (Y-tunnus) has 7 digits, a dash and a check digit"
        if not _check_mod11(body, (7, 9, 10, 5, 8, 4, 2)):
            return None, "not a Finnish business id (check digit)"
        return "FI" + body, None
    if country == "DK":
        if not re.fullmatch(r"\d{8}", body):
            return None, "a Danish CVR number has 8 digits"
        return "DK" + body, None
    if country == "EE":
        if not re.fullmatch(r"\d{8,9}", body):
            return None, "an Estonian registry code has 8 digits (a VAT number 9)"
        return "EE" + body, None
    if country == "GB":
        if not re.fullmatch(r"\d{9}|\d{12}|\d{8}|[A-Z]{2}\d{6}", body):
            return None, (
                "a UK identifier is a VAT number (9 or 12 digits) or a company number "
                "(8 digits, or 2 letters and 6 digits)"
            )
        return "GB" + body, None
    if country == "FR":
        vat = re.fullmatch(r"[0-9A-Z]{2}(\d{9})", body)
        if vat:
            return "FR" + vat.group(1), None
        if not re.fullmatch(r"\d{9}|\d{14}", body):
            return None, "a French identifier is a SIREN (9 digits), SIRET (14) or VAT number"
        return "FR" + body, None
    if country in _COUNTRIES and re.fullmatch(r"[0-9A-Z]{2,13}", body) and re.search(r"\d", body):
        return country + body, None
    return None, None


@functools.lru_cache(maxsize=1 << 16)
def _org_identifier(text: str) -> tuple[str | None, str | None]:
    """(identifier, reason) for one stripped cell: a Swedish number as 10 digits, a foreign one
    as its country code and number (``NO923609016``, ``FI01120389``); blank gives (None, None)."""
    if not text:
        return None, None
    compact = re.sub(r"[\s\-–./:]", "", text.upper())
    swedish = _SE_RE.fullmatch(compact)
    if swedish and (swedish.group(2) is None or compact.startswith("SE")):
        return swedish.group(1) or swedish.group(3), None
    finnish = re.fullmatch(r"(?:FI)?\s*(\d{7})-(\d)", text.upper().strip())
    found, reason = None, None
    if finnish:
        found, reason = _foreign("FI", finnish.group(1) + finnish.group(2))
    elif re.fullmatch(r"\d{9}MVA", compact):
        found, reason = _foreign("NO", compact)
    elif compact[:2].isalpha() and compact[:2] != "SE":
        found, reason = _foreign(compact[:2], compact[2:])
    if found or reason:
        return found, None if found else f"{text!r}: {reason}"
    return None, (
        f"{text!r} is not a Swedish organisation number (10 digits) nor a {_FOREIGN_NAMES} "
        "identifier with its country code (NO, FI, DK, EE, GB, FR)"
    )


def org_identifier(text: str) -> str | None:
    """The canonical identifier of one written organisation number, or None (see
    :func:`parse_org_numbers`); the linker's key for foreign numbers."""
    return _org_identifier(str(text).strip())[0]


def parse_org_numbers(raw: pd.Series) -> Parsed:
    """556677-8899, SE556677889901 (VAT), 5566778899, 16/19/20 + 10 digits -> '5566778899'.

    A foreign supplier keeps its identifier with its country code in front: Norwegian
    ``NO 923 609 016 MVA`` or ``923609016MVA`` -> ``NO923609016`` (mod-11 checked), Finnish
    ``1572860-0`` or ``FI15728600`` -> ``FI15728600`` (checked), Danish ``DK 12 34 56 78`` ->
    ``DK12345678``, Estonian ``EE10000356``, UK ``GB123456789`` (VAT) or ``GB SC123456``
    (company number), French ``FR40303265045`` (VAT) -> ``FR303265045`` (the SIREN); other
    European VAT prefixes (DE, NL…) are kept as written. A bare number that is not Swedish
    stays an error: without its country it cannot be told apart.
    """
    text = raw if isinstance(raw.array, pd.arrays.ArrowStringArray) else _as_text(raw)
    codes, distinct = distinct_stripped(text if text.dtype != object else text.fillna(""))
    found, reasons = _org_distinct(distinct)
    values = pd.Series(pd.arrays.ArrowStringArray(found.take(pa.array(codes))), index=raw.index)
    bad = np.flatnonzero(pd.notna(reasons))
    if not len(bad):
        return Parsed.of(values, None)
    return Parsed.of(values, reasons[codes])


# The forms nearly every Swedish ledger writes, settled by a whole-column pattern each:
# 5566778899, 556677-8899 and SE556677889901 (VAT) all give 5566778899.
_SWEDISH_TEN = "^[0-9]{10}$"
_SWEDISH_DASHED = "^[0-9]{6}-[0-9]{4}$"
_SWEDISH_VAT = "^SE[0-9]{10}01$"


def _org_distinct(distinct: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Identifier and reason per distinct stripped text: the three common Swedish forms by
    pattern, every other text by :func:`_org_identifier` (which reads those three alike)."""
    ten = pc.match_substring_regex(distinct, _SWEDISH_TEN)
    dashed = pc.match_substring_regex(distinct, _SWEDISH_DASHED)
    vat = pc.match_substring_regex(distinct, _SWEDISH_VAT)
    found = pc.if_else(ten, distinct, pa.nulls(len(distinct), type=distinct.type))
    found = pc.if_else(dashed, pc.replace_substring(distinct, "-", ""), found)
    found = pc.if_else(vat, pc.utf8_slice_codeunits(distinct, 2, 12), found)
    reasons = np.full(len(distinct), None, dtype=object)
    settled = pc.or_(pc.or_(ten, dashed), vat).to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~settled)
    if len(rest):
        pairs = [_org_identifier(t) for t in distinct.take(pa.array(rest)).to_pylist()]
        ids = found.to_pylist()
        for k, (identifier, reason) in zip(rest.tolist(), pairs, strict=True):
            ids[k] = identifier
            reasons[k] = reason
        found = pa.array(ids, type=pa.large_string())
    return found, reasons


def _parse_cpv_texts(u: pd.Series) -> tuple[pd.Series, pd.Series]:
    code = u.str.extract(r"^(\d{8})(?:\D|$)")[0]
    reasons = pd.Series(None, index=u.index, dtype=object)
    bad = (u != "") & code.isna()
    reasons[bad] = [f"{v!r} does not start with an 8-digit CPV code" for v in u[bad]]
    return code, reasons


def parse_cpv(raw: pd.Series) -> Parsed:
    """'79620000', '79620000-6', '79620000 Förmedling av personal' -> '79620000'."""
    values, reasons = _by_unique(_as_text(raw), _parse_cpv_texts, "string")
    return Parsed.of(values, reasons)  # a reason per bad distinct text, None elsewhere


def parse_text(raw: pd.Series) -> Parsed:
    """Text stripped; blank or a lone dash placeholder ("-", "–", "—") -> <NA>. Never an error.

    Row-wise pyarrow kernels (trim, set membership, mask): linear, no Python strings. A text
    column that needs none of them (no value to trim, none short enough to be a placeholder)
    comes back as the same Arrow data, uncopied.
    """
    if isinstance(raw.array, pd.arrays.ArrowStringArray):
        text = pa.array(raw, type=pa.large_string())  # nulls are placeholders: <NA> either way
    else:
        text = pa.array(_as_text(raw), type=pa.large_string())
    kept = trim(text)
    if short_values(kept, _LONGEST_PLACEHOLDER):
        placeholder = pc.is_in(kept, value_set=_TEXT_PLACEHOLDERS)
        kept = pc.if_else(placeholder, pa.scalar(None, type=pa.large_string()), kept)
    values = pd.Series(pd.arrays.ArrowStringArray(kept), index=raw.index)
    return Parsed.of(values, None)


def parse_floats(raw: pd.Series | NumberColumn, decimal: Decimal | None = None) -> Parsed:
    """Amounts and quantities as float64 (see ``numbers`` for the accepted shapes)."""
    column = raw if isinstance(raw, NumberColumn) else classify_numbers(raw)
    parsed = resolve_numbers(column, decimal)
    # resolve_numbers words every reason or leaves None: nothing to normalise.
    return Parsed.of(parsed.values.astype("float64"), parsed.errors.to_numpy(dtype=object))


def parse_ints(raw: pd.Series | NumberColumn, decimal: Decimal | None = None) -> Parsed:
    """Whole numbers (a year, a head count): '2019', 2019.0 from a workbook, '1 200'."""
    column = raw if isinstance(raw, NumberColumn) else classify_numbers(raw)
    parsed = resolve_numbers(column, decimal)
    values = parsed.values
    fractional = (values.notna() & (values != np.floor(values))).to_numpy(bool)
    huge = (values.abs() > _MAX_WHOLE).to_numpy(bool)
    errors = parsed.errors.to_numpy(dtype=object).copy()
    if fractional.any() or huge.any():  # only then the cells as Python objects
        originals = column.raw.to_numpy(dtype=object)
        errors[fractional] = [
            f"{str(v).strip()!r} is not a whole number" for v in originals[fractional]
        ]
        errors[huge] = [f"{str(v).strip()!r} is too large" for v in originals[huge]]
    whole = values.where(~fractional & ~huge).round()
    return Parsed.of(whole.astype("Int64"), errors)
