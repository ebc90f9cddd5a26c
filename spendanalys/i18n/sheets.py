"""Workbook columns in the catalogue's words: headers, units, rounded figures, coded values.

A :class:`Col` names a DataFrame column, the catalogue key of its label, the unit it is shown
in (``spendanalys.i18n.figures``) and the vocabulary of its coded values (mode, band, cabin,
gender, link and category rules, yes/no …). :func:`sheet_columns` turns a list of them into
``xlsx.Column`` headers in one language and :func:`value_maps` into the per-value functions
``xlsx.write_table`` applies: figures scaled and rounded as their format shows, codes in words,
notes translated. The same words the dashboard uses: one vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from spendanalys.i18n import catalogue, t
from spendanalys.i18n.figures import UNITS, rounded, with_unit
from spendanalys.i18n.notes import translate
from spendanalys.xlsx import DATE_FORMAT, Column

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


def sheet_columns(cols: Sequence[Col], lang: str) -> list[Column]:
    """The ``xlsx.Column`` of each: header in ``lang`` with its unit, the unit's number format."""
    out = []
    for col in cols:
        fmt = DATE_FORMAT if col.date else (UNITS[col.unit].excel_format if col.unit else None)
        out.append(Column(col.field, label(col, lang), fmt))
    return out


def value_maps(
    cols: Sequence[Col],
    lang: str,
    *,
    category_names: Mapping[str, str] | None = None,
    extra: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Callable[[Any], Any]]:
    """Per field, the function ``xlsx.write_table`` applies to each value: rounding for a unit,
    words for a vocabulary (``category`` maps ids to ``category_names``), ``note`` translation;
    ``extra`` wins."""
    names = dict(category_names or {})

    def categories(v: Any) -> Any:
        return "; ".join(names.get(p, p) for p in v.split("; ")) if isinstance(v, str) else v

    maps: dict[str, Callable[[Any], Any]] = {}
    for col in cols:
        if col.unit:
            maps[col.field] = partial(rounded, unit=col.unit)
        elif col.values == "note":
            maps[col.field] = partial(translate, lang=lang)
        elif col.values == "category":
            maps[col.field] = categories
        elif col.values:
            maps[col.field] = partial(code, vocabulary=col.values, lang=lang)
    maps.update(extra or {})
    return maps
