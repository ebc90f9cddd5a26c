"""The dashboard's service layer for issue 14: years and grades in the small summary, the
combined total of purchases and travel, and an own category in a supplier factor.

The combined total must be the same figure ``spendanalys spend --trips --fte`` gives on the same
sample files (one definition, DESIGN.md §2 boundaries: travel counted once).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from spend_fixtures import canonical_frame

from spendanalys import services
from spendanalys.cli import main
from spendanalys.services.assembly import assemble_spend
from spendanalys.store.database import Store

AS_OF = date(2025, 1, 15)


@pytest.fixture(scope="module")
def seeded(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('years') / 's.sqlite'}")
    services.seed_sample_data(store, samples)
    return store


def _sample(folder: Path, kind: str) -> Path:
    return next(folder / n for n in services.SAMPLE_FILES[kind] if (folder / n).is_file())


def test_the_overview_combined_total_is_the_command_lines(
    seeded: Store, samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["spend", "--as-of", AS_OF.isoformat(), "--format", "json"]
    for kind, option in (
        ("contracts", "--contracts"),
        ("invoices", "--invoices"),
        ("trips", "--trips"),
        ("fte", "--fte"),
    ):
        argv += [option, str(_sample(samples, kind))]
    assert main(argv) == 0
    cli = json.loads(capsys.readouterr().out)["totals"]
    combined = services.combined_totals(seeded, as_of=AS_OF)
    assert combined is not None
    for key in ("combined_kg_co2e", "travel_left_out_sek", "travel_activity_kg_co2e"):
        assert combined[key] == pytest.approx(cli[key]), key
    # Travel is counted once: the trips replace the invoices of the modes they hold.
    assert combined["combined_kg_co2e"] == pytest.approx(
        cli["kg_co2e"] - cli["travel_left_out_kg_co2e"] + cli["travel_activity_kg_co2e"]
    )
    assert combined["combined_years"] == ["2024"]


def test_the_summary_carries_years_and_grades(seeded: Store) -> None:
    summary = services.spend_summary(seeded, as_of=AS_OF)
    full = services.spend_view(seeded, as_of=AS_OF).analysis
    assert summary.years["kg_co2e"].sum() == pytest.approx(full.totals["kg_co2e"])
    assert set(summary.agreements["factor_grade"].dropna()) <= {"4", "5"}
    assert summary.totals["kg_co2e_by_grade"] == full.totals["kg_co2e_by_grade"]


def test_a_supplier_factor_may_name_an_own_category() -> None:
    """A factor entered for a supplier and a category the tree lacks ("Egna tjänster") makes
    that category, and the supplier's lines explicitly so categorised are priced by it:
    1 000 SEK (2024) × 0.5 kg/SEK at 2024 prices = 500 kg."""
    register = canonical_frame("contracts", [{"agreement_id": "A1", "org_number": "5560000001"}])
    invoices = canonical_frame(
        "invoices",
        [{"date": "2024-05-01", "org_number": "5560000001", "amount_sek": 1_000.0,
          "category": "Egna tjänster"}],
    )  # fmt: skip
    invoices["date"] = pd.to_datetime(invoices["date"])
    run = assemble_spend(
        register,
        invoices,
        as_of=AS_OF,
        supplier_factors=[
            {"org_number": "556000-0001", "category": "Egna tjänster", "factor": "0.5",
             "unit": "kg CO2e/SEK", "price_year": "2024", "source": "leverantörens EPD"}
        ],
    )  # fmt: skip
    line = run.analysis.lines.iloc[0]
    assert (line["category_rule"], line["factor_kind"]) == ("explicit", "supplier")
    assert line["kg_co2e"] == pytest.approx(500)
    assert "own:egnatjänster" in set(run.rules.tree["category_id"])
