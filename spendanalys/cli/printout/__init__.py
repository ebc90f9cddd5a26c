"""The commands' printed text in the catalogue's words: Swedish by default, English on request.

This package holds what ``spend`` and ``travel`` print (``printout.spend``, ``printout.travel``)
and, here, the helpers every command's printed tables use.

A printed table is a list of :class:`spendanalys.i18n.columns.Col`, the same description the
workbooks use: the header is the catalogue label with its unit, a figure is scaled and rounded
as a report prints it (``i18n.figures``), a coded value is the catalogue's word and a note or
reason is worded through ``i18n.notes`` (the dashboard's path). The JSON output never passes
through here: its keys and values stay the machine contract.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from spendanalys.i18n import format_date, format_number, t
from spendanalys.i18n.columns import Col, code, label
from spendanalys.i18n.figures import figure
from spendanalys.i18n.notes import worded

__all__ = ["Col", "cell", "fig", "note_line", "print_cols", "shown", "significant", "worded"]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def cell(value: Any, col: Col, lang: str) -> str:
    """One value as the column shows it: a figure in its unit, a date, a word, a note."""
    if col.values == "yes_no":
        return str(code(None if _missing(value) else value, "yes_no", lang))
    if _missing(value):
        return "–" if col.unit or col.date else ""
    if col.date:
        return format_date(value, lang)
    if isinstance(value, str) and col.unit:  # a text (a range written already) stands as is
        return value
    if col.unit == "year":  # a year or a row number has no thousands separator
        return str(int(value))
    if col.unit:
        return figure(value, col.unit, lang, with_word=False)
    if col.values == "note":
        return worded(str(value), lang)
    if col.values:
        return str(code(value, col.values, lang))
    return str(value)


def shown(
    frame: pd.DataFrame,
    cols: Sequence[Col],
    lang: str,
    suffixes: Mapping[str, str] | None = None,
    extra: Mapping[str, Callable[[Any], Any]] | None = None,
) -> pd.DataFrame:
    """``frame``'s columns of ``cols`` (those it has), headed and worded in ``lang``; a field's
    ``suffixes`` entry follows its header (``Rang (alt)``), its ``extra`` function words its
    values instead (the workbook's own, e.g. ``travel.report.sheets.suppressed_note``)."""
    after = dict(suffixes or {})
    own = dict(extra or {})

    def values(c: Col) -> list[str]:
        if c.field in own:
            return ["" if _missing(v) else str(own[c.field](v)) for v in frame[c.field]]
        return [cell(v, c, lang) for v in frame[c.field]]

    present = [c for c in cols if c.field in frame]
    return pd.DataFrame(
        {label(c, lang) + after.get(c.field, ""): values(c) for c in present},
        index=range(len(frame)),
    )


def print_cols(
    frame: pd.DataFrame,
    cols: Sequence[Col],
    lang: str,
    *,
    max_rows: int | None = None,
    suffixes: Mapping[str, str] | None = None,
    extra: Mapping[str, Callable[[Any], Any]] | None = None,
) -> None:
    """A plain-text table on stdout in the catalogue's words (see :func:`shown`)."""
    part = frame if max_rows is None else frame.head(max_rows)
    table = shown(part, cols, lang, suffixes, extra)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        sys.stdout.write(table.to_string(index=False) + "\n")


def fig(value: Any, unit: str, lang: str) -> str:
    """A figure with its unit word: ``436,9 MSEK``, ``24,3 %``, ``6 738,4 t CO2e``."""
    return figure(value, unit, lang)


def significant(kg: Any, lang: str) -> str:
    """kg CO2e as tonnes to two significant figures, the precision a spend-based figure
    supports (``spend.sensitivity.round_to_significant``): 686 282 kg → ``690``, 8 150 → ``8,2``."""
    # imported here: the sensitivity module loads numpy's log only when a range is shown
    from spendanalys.spend.sensitivity import round_to_significant

    if _missing(kg) or not math.isfinite(float(kg)):
        return "–"
    tonnes = round_to_significant(float(kg) / 1000)
    decimals = 0 if tonnes == 0 else max(0, 1 - math.floor(math.log10(abs(tonnes))))
    return format_number(tonnes, lang, decimals)


def note_line(note: str, lang: str) -> str:
    """``Anmärkning: <the note worded>``."""
    return f"{t('col.note', lang)}: {worded(note, lang)}"
