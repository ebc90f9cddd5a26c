"""The dashboard's message catalogues and locale formats (Swedish default, English)."""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendanalys import i18n
from spendanalys.i18n import (
    NBSP,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    normalise_language,
    t,
)

DASHBOARD = Path(i18n.__file__).resolve().parents[1]


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((DASHBOARD / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys() -> None:
    sv, en = _catalogue("sv"), _catalogue("en")
    assert set(sv) == set(en), set(sv) ^ set(en)
    assert len(sv) > 100


def test_catalogues_have_the_same_placeholders_and_no_empty_text() -> None:
    sv, en = _catalogue("sv"), _catalogue("en")
    for key in sv:
        assert _fields(sv[key]) == _fields(en[key]), key
        assert sv[key].strip() and en[key].strip(), key


def test_every_key_used_in_the_code_exists() -> None:
    """Literal keys in t("...") calls of the dashboard are in the catalogue (no raw keys shown)."""
    sv = _catalogue("sv")
    pattern = re.compile(r"""\bt\(\s*"([a-z_]+\.[a-z_]+)\"""")
    used = set()
    for path in DASHBOARD.rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "no t() calls found"
    assert used <= set(sv), sorted(used - set(sv))


def test_method_description_exists_in_both_languages() -> None:
    for lang in ("sv", "en"):
        text = (DASHBOARD / "i18n" / f"method_{lang}.md").read_text(encoding="utf-8")
        assert "CO2e" in text and len(text) > 1000


def test_swedish_is_the_default_and_unknown_languages_fall_back() -> None:
    assert normalise_language(None) == "sv"
    assert normalise_language("de") == "sv"
    assert t("nav.overview") == "Översikt"
    assert t("nav.overview", "en") == "Overview"
    assert t("upload.done", "sv", file="a.csv", accepted="3", rejected="1").startswith(
        "a.csv: 3 rader"
    )


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "sv", 1, f"1{NBSP}234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "sv", 0, f"1{NBSP}234{NBSP}567"),
        (-1234.25, "sv", 2, f"\u22121{NBSP}234,25"),
        (0.0519, "sv", 3, "0,052"),
        (999.96, "en", 1, "1,000.0"),
        (None, "sv", 0, "–"),
        (float("nan"), "en", 0, "–"),
        # a change that rounds to nothing prints as a report prints it: 0,0, not −0,0
        (-0.004, "sv", 1, "0,0"),
        (-0.04, "en", 1, "0.0"),
        (-0.0, "sv", 0, "0"),
        (-0.05, "sv", 1, "\u22120,1"),
    ],
)
def test_number_format(value: float | None, lang: str, decimals: int, expected: str) -> None:
    assert format_number(value, lang, decimals) == expected


def test_percent_and_dates() -> None:
    assert format_percent(0.24, "sv") == f"24{NBSP}%"
    assert format_percent(0.24, "en") == "24%"
    assert format_date(date(2024, 3, 5), "sv") == "2024-03-05"
    assert format_date(date(2024, 3, 5), "en") == "5 Mar 2024"
    # Stored in UTC, shown in Swedish local time (CET in March, CEST in June).
    assert format_datetime(datetime(2024, 3, 5, 13, 7, tzinfo=UTC), "sv") == "2024-03-05 14:07"
    assert format_datetime(datetime(2024, 6, 5, 13, 7, tzinfo=UTC), "en") == "5 Jun 2024, 15:07"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 3))
def test_swedish_and_english_formats_carry_the_same_number(value: float, decimals: int) -> None:
    sv, en = format_number(value, "sv", decimals), format_number(value, "en", decimals)
    as_float_sv = float(sv.replace(NBSP, "").replace(",", ".").replace("\u2212", "-"))
    as_float_en = float(en.replace(",", ""))
    assert as_float_sv == as_float_en
    assert abs(as_float_en - value) <= 0.5 * 10**-decimals + 1e-6 * abs(value)
