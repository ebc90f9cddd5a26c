"""The miljökrav KPI over the agreements ongoing at the as-of date (DESIGN.md §7)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from spendanalys.cli import main
from spendanalys.cli.printout.spend import kpi_sentence
from spendanalys.spend.ongoing import ongoing_agreements, requirements_kpi

AS_OF = date(2026, 6, 1)


def _agreements(
    rows: list[tuple[str | None, str | None, str, float | None, float]],
) -> pd.DataFrame:
    start, end, status, value, spend = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "start_date": pd.to_datetime(list(start)),
            "end_date": pd.to_datetime(list(end)),
            "requirements": list(status),
            "value_sek": pd.array(list(value), dtype="float64"),
            "spend_sek": list(spend),
        }
    )


@pytest.mark.parametrize(
    ("start", "end", "ongoing"),
    [
        ("2026-06-01", "2027-01-01", True),  # starts on the day
        ("2026-06-02", "2027-01-01", False),  # not started yet
        ("2020-01-01", "2026-06-01", True),  # ends on the day: still ongoing that day
        ("2020-01-01", "2026-05-31", False),  # ended
        (None, "2027-01-01", True),  # no start date: counted as started
        ("2020-01-01", None, True),  # no end date: not ended
        (None, None, True),
    ],
)
def test_ongoing_means_started_and_not_ended(start, end, ongoing) -> None:
    frame = _agreements([(start, end, "yes", 1.0, 0.0)])
    assert ongoing_agreements(frame, AS_OF).tolist() == [ongoing]


def test_counts_shares_and_value_weighting() -> None:
    """Four ongoing (one ended is left out): yes 100 SEK, yes (no value, spend 50), no 250,
    unknown 100. share = 2/4; share_of_known = 2/3; value_share = (100 + 50) / 500 = 0.3."""
    frame = _agreements(
        [
            ("2020-01-01", None, "yes", 100.0, 7.0),
            ("2020-01-01", None, "yes", None, 50.0),
            (None, "2030-01-01", "no", 250.0, 0.0),
            (None, None, "unknown", 100.0, 0.0),
            ("2020-01-01", "2021-01-01", "yes", 9_999.0, 0.0),
        ]
    )
    kpi = requirements_kpi(frame, AS_OF)
    assert kpi["ongoing_agreements"] == 4
    assert (kpi["with_requirements"], kpi["without_requirements"], kpi["unknown"]) == (2, 1, 1)
    assert kpi["share"] == pytest.approx(0.5)
    assert kpi["share_of_known"] == pytest.approx(2 / 3)
    assert kpi["unknown_share"] == pytest.approx(0.25)
    assert kpi["value_share"] == pytest.approx(0.3)
    assert (kpi["value_from_register"], kpi["value_from_spend"]) == (3, 1)
    assert kpi["mostly_unknown"] is False


def test_mostly_unknown_is_said_not_a_bare_low_share() -> None:
    """3 of 4 unknown: share 1/4 = 25 % of all, but 100 % of the one known; the sentence says so."""
    frame = _agreements([(None, None, "unknown", 1.0, 0.0)] * 3 + [(None, None, "yes", 1.0, 0.0)])
    kpi = requirements_kpi(frame, AS_OF)
    assert kpi["mostly_unknown"] is True
    assert kpi["share"] == pytest.approx(0.25)
    assert kpi["share_of_known"] == pytest.approx(1.0)
    sentence = kpi_sentence(kpi)
    assert "okänt för 3 (75,0\u00a0%)" in sentence
    assert "de flesta pågående avtal" in sentence
    assert "100,0\u00a0% miljökrav" in sentence


def test_no_ongoing_agreements_gives_no_share() -> None:
    frame = _agreements([("2020-01-01", "2021-01-01", "yes", 1.0, 0.0)])
    kpi = requirements_kpi(frame, AS_OF)
    assert (kpi["ongoing_agreements"], kpi["share"], kpi["value_share"]) == (0, None, None)
    assert "inga pågående avtal" in kpi_sentence(kpi)


def test_sample_register_as_of_2026_06_01(sample_dir: Path, capsys) -> None:
    """Hand-worked on sample_data/avtalsforteckning.csv (350 rows, every row has both dates):
    with miljökrav ("Ja") 85 of all 350 agreements = 24.3 %, the figure the tool used to show.
    Ongoing at 2026-06-01 (start ≤ 2026-06-01 ≤ end; no agreement starts later, 161 have ended):
    189, of which 39 "Ja", 146 "Nej", 4 blank -> 39 / 189 = 0.2063 = 20.6 %, as the issue says."""
    contracts = sample_dir / "avtalsforteckning.csv"
    invoices = sample_dir / "leverantorsfakturor_2024.csv"
    if not (contracts.is_file() and invoices.is_file()):
        pytest.skip("sample_data has not been generated yet (make sample-data)")
    args = ["spend", "--contracts", str(contracts), "--invoices", str(invoices)]
    assert main([*args, "--as-of", "2026-06-01", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    kpi = payload["kpi"]
    assert payload["totals"]["share_agreements_with_requirements"] == pytest.approx(85 / 350)
    assert (kpi["as_of"], kpi["ongoing_agreements"], kpi["with_requirements"]) == (
        "2026-06-01",
        189,
        39,
    )
    assert (kpi["without_requirements"], kpi["unknown"]) == (146, 4)
    assert round(kpi["share"] * 100, 1) == 20.6
    assert 0 <= kpi["value_share"] <= 1
    assert main([*args, "--as-of", "2026-06-01", "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert "39 pågående avtal med miljökrav, cirka 20,6\u00a0% av alla 189 pågående avtal" in out
