"""Columns in the catalogue's words: a field, its label, its unit and its coded values' words.

A :class:`Col` names a DataFrame column, the catalogue key of its label, the unit it is shown
in (``spendanalys.i18n.figures``) and the vocabulary of its coded values (mode, band, cabin,
gender, link and category rules, yes/no …). The workbooks (:mod:`spendanalys.i18n.sheets`) and
the command line's printed tables take their headers and words from here: one vocabulary. No
workbook writer is imported, so a printed table does not load openpyxl.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spendanalys.i18n import catalogue, t
from spendanalys.i18n.figures import with_unit

# The catalogue prefix of each vocabulary of coded values.
CODE_PREFIXES: dict[str, str] = {
    "mode": "mode.",
    "band": "rpt.band.",
    "cabin": "rpt.cabin.",
    "gender": "gender.",
    "requirements": "rpt.requirements.",
    "status": "rpt.status.",
    "category_rule": "rpt.rule.",
    "link_rule": "rpt.link.",
    "factor_kind": "rpt.factor_kind.",
    "spend_basis": "rpt.basis.",
    "km_unit": "unit.",
    "nv_category": "nv.",
    "effect": "effect.",
    "component": "rpt.component.",
    "role": "rpt.set_role.",
    "built_in": "rpt.built_in.",
    "radiative_forcing": "rpt.rf_row.",
    "hotels": "rpt.hotels_row.",
    "basis": "unit.",
    "grade": "rpt.years.grade.",
}
# Codes written as phrases by the engines, onto the catalogue's short codes.
CODE_ALIASES: dict[str, dict[str, str]] = {
    "status": {
        "on or below the path": "on_path",
        "above the path": "above_path",
        "no data": "no_data",
    },
    "spend_basis": {"estimate (agreement value)": "estimate", "invoices": "invoices"},
    "hotels": {"included": "included", "excluded": "excluded"},
    "grade": {"not stated": "not_stated"},
}
YES_NO_KEYS = {True: "value.yes", False: "value.no"}


@dataclass(frozen=True)
class Col:
    """One workbook column: field, label key, unit (a ``figures.UNITS`` key), value vocabulary
    (a ``CODE_PREFIXES`` key, ``yes_no``, ``note`` or ``category``), date."""

    field: str
    label: str
    unit: str | None = None
    values: str | None = None
    date: bool = False


def code(value: Any, vocabulary: str, lang: str) -> Any:
    """A coded value in words (``short`` → ``kort``); ``"a; b"`` word by word; an unknown code
    as written."""
    if vocabulary == "yes_no":  # a missing yes/no is unknown, never no
        key = YES_NO_KEYS.get(value) if isinstance(value, bool) else None
        return t(key or "value.unknown", lang)
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return value
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = str(value)
    if "; " in text:
        return "; ".join(str(code(part, vocabulary, lang)) for part in text.split("; "))
    text = CODE_ALIASES.get(vocabulary, {}).get(text, text)
    key = CODE_PREFIXES[vocabulary] + text
    return t(key, lang) if key in catalogue(lang) else value


def label(col: Col, lang: str) -> str:
    return with_unit(t(col.label, lang), col.unit, lang)
