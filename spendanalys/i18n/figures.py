"""Numbers as a report prints them: one table of units, used by the workbooks and the document.

A *unit* says how an engine figure (kg CO2e, kg CO2e per SEK, SEK, a share 0–1) is shown:
scaled (kg → t, SEK → MSEK), rounded to a fixed number of decimals, with an Excel number format
that shows exactly those decimals and a unit word from the catalogue. A workbook cell holds the
rounded value the format shows, so a pasted cell reads what the screen read; the full-precision
figures stay in the JSON and in the ``--lines`` audit trail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from spendanalys.i18n import format_number, format_percent, t


@dataclass(frozen=True)
class Unit:
    """How one kind of figure is shown: value × ``scale`` rounded to ``decimals``."""

    scale: float
    decimals: int
    excel_format: str
    label_key: str | None  # catalogue key of the unit word in headers, None for none


UNITS: dict[str, Unit] = {
    # emissions: tonnes for totals and groups, kg for per-FTE, per-traveller and single lines
    "t": Unit(1e-3, 1, "#,##0.0", "rpt.unit.t"),
    "kg": Unit(1.0, 1, "#,##0.0", "rpt.unit.kg"),
    "tonnes": Unit(1.0, 1, "#,##0.0", "rpt.unit.t"),  # a figure already in tonnes
    # intensity: grams per krona (0.0077 kg/kr = 7.7 g/kr); factors with two decimals more
    "g_per_sek": Unit(1e3, 1, "0.0", "rpt.unit.g_per_sek"),
    "g_per_sek_factor": Unit(1e3, 3, "0.000", "rpt.unit.g_per_sek"),
    "factor": Unit(1.0, 5, "0.00000", None),
    # money
    "msek": Unit(1e-6, 1, "#,##0.0", "rpt.unit.msek"),
    "tkr": Unit(1e-3, 0, "#,##0", "rpt.unit.tkr"),
    "sek": Unit(1.0, 0, "#,##0", "rpt.unit.sek"),
    # counts, shares, plain decimals
    "share": Unit(1.0, 3, "0.0%", None),
    "int": Unit(1.0, 0, "#,##0", None),
    "year": Unit(1.0, 0, "0", None),
    "decimal": Unit(1.0, 1, "#,##0.0", None),
    "km": Unit(1.0, 0, "#,##0", "rpt.unit.km"),
    "hours": Unit(1.0, 1, "0.0", "rpt.unit.hours"),
}


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def rounded(value: Any, unit: str) -> Any:
    """``value`` scaled and rounded as ``unit`` shows it (an int when no decimals); a missing or
    non-numeric value passes through unchanged (booleans too)."""
    number = _number(value)
    if number is None:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
    u = UNITS[unit]
    shown = round(number * u.scale, u.decimals)
    if u.decimals == 0:
        return int(shown)
    return shown + 0.0  # -0.0 → 0.0


def unit_word(unit: str, lang: str) -> str:
    """The unit as headers write it (``t CO2e``, ``MSEK``); empty for counts and shares."""
    key = UNITS[unit].label_key
    return t(key, lang) if key else ""


def with_unit(label: str, unit: str | None, lang: str) -> str:
    """``Utsläpp`` + ``t`` → ``Utsläpp (t CO2e)``."""
    word = unit_word(unit, lang) if unit else ""
    return f"{label} ({word})" if word else label


def figure(value: Any, unit: str, lang: str, *, with_word: bool = True) -> str:
    """A figure in prose: ``6 457,9 t CO2e``, ``24,3 %``, ``436,9 MSEK``; missing → ``–``."""
    number = _number(value)
    if number is None:
        return "–"
    u = UNITS[unit]
    if unit == "share":
        return format_percent(number, lang, 1)
    text = format_number(number * u.scale, lang, u.decimals)
    word = unit_word(unit, lang) if with_word else ""
    return f"{text}\u00a0{word}" if word else text
