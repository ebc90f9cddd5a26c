"""Workbook columns in the catalogue's words: headers, units, rounded figures, coded values.

A :class:`Col` names a DataFrame column, the catalogue key of its label, the unit it is shown
in (``spendanalys.i18n.figures``) and the vocabulary of its coded values (mode, band, cabin,
gender, link and category rules, yes/no …). :func:`sheet_columns` turns a list of them into
``xlsx.Column`` headers in one language and :func:`value_maps` into the per-value functions
``xlsx.write_table`` applies: figures scaled and rounded as their format shows, codes in words,
notes translated. The same words the dashboard uses: one vocabulary. :class:`Col` and the
coded values' words live in :mod:`spendanalys.i18n.columns` (no workbook writer), which the
command line's printed tables use too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from spendanalys.i18n.columns import Col, code, label
from spendanalys.i18n.figures import UNITS, rounded
from spendanalys.i18n.notes import translate
from spendanalys.xlsx import DATE_FORMAT, Column

__all__ = ["Col", "code", "label", "sheet_columns", "value_maps"]


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
