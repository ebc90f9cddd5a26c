"""Message catalogues and locale formats for the dashboard (Swedish by default, English).

One JSON file per language (``sv.json``, ``en.json``) with the same keys; ``t(key, lang)``
looks a message up and fills ``{name}`` placeholders. Numbers and dates are formatted by hand
(no locale database is needed on the server): Swedish ``1 234,5`` with a no-break space as the
thousands separator and ``2024-03-05`` dates; English ``1,234.5`` and ``5 Mar 2024``.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES: tuple[str, ...] = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
NBSP = "\u00a0"
LOCAL_ZONE = "Europe/Stockholm"
_DIR = Path(__file__).resolve().parent
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def normalise_language(lang: str | None) -> str:
    """A supported language code; anything else falls back to Swedish."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of one language, read once per process."""
    path = _DIR / f"{normalise_language(lang)}.json"
    with path.open(encoding="utf-8") as handle:
        data: dict[str, str] = json.load(handle)
    return data


def t(key: str, lang: str | None = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The message ``key`` in ``lang`` with ``{placeholders}`` filled; the key itself if unknown."""
    text = catalogue(normalise_language(lang)).get(key, key)
    return text.format(**values) if values else text


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isinf(value))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, lang: str | None = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """``1234.5`` → ``1 234,5`` (sv, no-break space) or ``1,234.5`` (en); missing → ``–``."""
    if _missing(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and not any(digit in text for digit in "123456789"):
        text = text[1:]  # a value that rounds to zero prints as 0, not −0
    if normalise_language(lang) == "sv":
        text = text.replace(",", NBSP).replace(".", ",").replace("-", "\u2212")
    return text


def format_percent(share: Any, lang: str | None = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A share 0–1 as a percentage: ``24 %`` (sv, no-break space) or ``24%`` (en)."""
    if _missing(share):
        return "–"
    number = format_number(float(share) * 100, lang, decimals)
    return f"{number}{NBSP}%" if normalise_language(lang) == "sv" else f"{number}%"


def format_date(value: Any, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """A date as ``2024-03-05`` (sv, the Swedish standard form) or ``5 Mar 2024`` (en)."""
    if _missing(value):
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    day = value.date() if isinstance(value, datetime) else value
    if not isinstance(day, date):
        return str(value)
    if normalise_language(lang) == "sv":
        return day.isoformat()
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_datetime(value: Any, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """A timestamp to the minute, in Swedish local time when it carries a time zone:
    ``2024-03-05 14:07`` (sv) or ``5 Mar 2024, 14:07`` (en)."""
    if _missing(value):
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(_local_zone())
    clock = value.strftime("%H:%M")
    sep = " " if normalise_language(lang) == "sv" else ", "
    return f"{format_date(value, lang)}{sep}{clock}"


@cache
def _local_zone() -> tzinfo:
    """Swedish local time for timestamps stored in UTC (UTC itself if no zone database)."""
    try:
        return ZoneInfo(LOCAL_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def plotly_separators(lang: str | None = DEFAULT_LANGUAGE) -> str:
    """Plotly's ``layout.separators``: decimal mark then thousands separator."""
    return "," + NBSP if normalise_language(lang) == "sv" else ".,"
