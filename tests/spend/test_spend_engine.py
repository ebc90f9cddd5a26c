"""Engine invariants and behaviours beyond the golden example."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spend_fixtures import AS_OF, canonical_frame, write_rule_files

from spendanalys.errors import ConfigurationError, FactorError
from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factors import load_kpi, load_spend_factor_set, with_supplier_factors
from spendanalys.spend.pricing import convert_to_sek
from spendanalys.units import ExchangeRates

FOLDER = write_rule_files(Path(tempfile.mkdtemp(prefix="spend_rules_")))
RULES = load_category_rules(data_dir=FOLDER)
FACTORS = load_spend_factor_set(data_dir=FOLDER, rules=RULES)
KPI = load_kpi(data_dir=FOLDER)

REGISTER = canonical_frame(
    "contracts",
    [
        dict(
            agreement_id="A1",
            supplier="Alfa AB",
            org_number="5560000001",
            cpv="72000000",
            environmental_requirements=True,
            end_date="2025-05-01",
        ),
        dict(
            agreement_id="A2",
            supplier="Beta AB",
            org_number="5560000002",
            cpv="15000000",
            environmental_requirements=False,
            end_date="2026-05-01",
        ),
        dict(agreement_id="A3", supplier="Beta AB", org_number="5560000002", cpv="90910000"),
        dict(agreement_id="A4", supplier="Gamma AB", org_number=None, cpv=None),
    ],
)

line = st.fixed_dictionaries(
    {
        "agreement_id": st.sampled_from([None, "A1", "a2", "A9", " A3"]),
        "org_number": st.sampled_from([None, "5560000001", "SE556000000201", "5569999999"]),
        "supplier": st.sampled_from([None, "Alfa AB", "BETA", "gamma ab", "Delta"]),
        "account": st.sampled_from([None, "4010", "5400", "6545", "7010", "9000"]),
        "text": st.sampled_from([None, "städning", "kaffe", "", "konsult"]),
        "date": st.sampled_from(["2022-06-01", "2023-06-01", "2024-06-01", None]),
        "amount_sek": st.floats(-1e6, 1e7, allow_nan=False).map(lambda v: round(v, 2)),
    }
)


# Each example runs the whole engine (~0.1 s): a fifth of the profile's examples, at least 30.
@settings(max_examples=max(30, settings.default.max_examples // 5))
@given(st.lists(line, min_size=0, max_size=40))
def test_agreements_plus_unlinked_equal_the_total_whatever_the_grouping(rows):
    invoices = canonical_frame("invoices", rows)
    result = analyse_spend(REGISTER, invoices, RULES, [FACTORS], KPI, as_of=AS_OF)
    t = result.totals
    tol = dict(rel=1e-9, abs=1e-6)
    spend_by_agreement = result.agreements["spend_sek"].sum()
    assert spend_by_agreement + t["unlinked_spend_sek"] == pytest.approx(t["spend_sek"], **tol)
    assert result.unlinked["spend_sek"].sum() == pytest.approx(t["unlinked_spend_sek"], **tol)
    assert result.categories["spend_sek"].sum() == pytest.approx(t["spend_sek"], **tol)
    assert result.suppliers["spend_sek"].sum() == pytest.approx(t["spend_sek"], **tol)
    kg_by_agreement = np.nansum(result.agreements["kg_co2e"].to_numpy(dtype=float))
    unlinked_kg = np.nansum(result.unlinked["kg_co2e"].to_numpy(dtype=float))
    assert kg_by_agreement + unlinked_kg == pytest.approx(t["kg_co2e"], **tol)
    assert np.nansum(result.categories["kg_co2e"].to_numpy(dtype=float)) == pytest.approx(
        t["kg_co2e"], **tol
    )
    # Every accepted line is in ``lines``; excluded ones only in the excluded table.
    assert len(result.lines) == len(rows)
    assert result.excluded["spend_sek"].sum() == pytest.approx(t["excluded_spend_sek"], **tol)
    assert len(result.agreements) == len(REGISTER)


def test_supplier_specific_factor_wins_and_is_marked(tmp_path: Path):
    """A supplier factor of 1 g CO2e/SEK (0.001 kg) for Beta's food replaces 0.1 kg/SEK."""
    path = tmp_path / "supplier.csv"
    text = (FOLDER / "factors_epa_v1.3_sek.csv").read_text(encoding="utf-8")
    path.write_text(
        text.replace("data_quality\n", "data_quality,org_number\n", 1)
        + "food,1,g CO2e/SEK,2024,,,,EPD from Beta,,,,,556000-0002\n",
        encoding="utf-8",
    )
    fs = load_spend_factor_set(path, rules=RULES)
    invoices = canonical_frame(
        "invoices",
        [
            dict(agreement_id="A2", amount_sek=1000.0, date="2024-01-01"),
            dict(org_number="5569999999", account="4010", amount_sek=1000.0, date="2024-01-01"),
        ],
    )
    result = analyse_spend(REGISTER, invoices, RULES, [fs], KPI, as_of=AS_OF)
    lines = result.lines
    assert list(lines["factor_kind"]) == ["supplier", "category"]
    assert list(lines["kg_co2e"]) == pytest.approx([1.0, 100.0])
    a2 = result.agreements.set_index("agreement_id").loc["A2"]
    assert a2["factor_kind"] == "supplier" and a2["factor_source"] == "EPD from Beta"


def test_currency_lines_convert_or_are_rejected():
    invoices = canonical_frame(
        "invoices",
        [
            dict(amount_sek=10.0, currency="EUR"),
            dict(amount_sek=10.0, currency="GBP"),
            dict(amount_sek=10.0, currency="kr"),
            dict(amount_sek=None),
        ],
    )
    rates = ExchangeRates({"EUR": 11.5}, 2024, "test")
    kept, rejected = convert_to_sek(invoices, rates)
    assert list(kept["spend_sek"]) == [115.0, 10.0]
    assert [(r.row, r.column) for r in rejected] == [(3, "currency"), (5, "amount_sek")]
    assert "GBP" in rejected[0].reason


def test_repeated_agreement_ids_are_reported_and_the_first_row_is_used():
    register = pd.concat([REGISTER, REGISTER.iloc[[0]]], ignore_index=True)
    register.loc[4, "source_row"] = 99
    result = analyse_spend(register, None, RULES, [FACTORS], KPI, as_of=AS_OF)
    assert len(result.agreements) == 4
    assert [(r.row, r.column) for r in result.rejected] == [(99, "agreement_id")]


def test_kpi_years_outside_the_table_use_the_nearest_and_say_so():
    invoices = canonical_frame(
        "invoices", [dict(agreement_id="A1", amount_sek=440.0, date="2030-01-01")]
    )
    result = analyse_spend(REGISTER, invoices, RULES, [FACTORS], KPI, as_of=AS_OF)
    assert result.lines["kg_co2e"].iloc[0] == pytest.approx(400 * 0.02)
    assert any("2030" in note for note in result.notes)


def test_an_explicit_category_on_the_line_wins_over_the_agreement():
    invoices = canonical_frame("invoices", [dict(agreement_id="A1", amount_sek=100.0)])
    invoices["category"] = pd.Series(["Livsmedel"], dtype="string")
    result = analyse_spend(REGISTER, invoices, RULES, [FACTORS], KPI, as_of=AS_OF)
    assert result.lines["category_id"].iloc[0] == "food"
    assert result.lines["category_rule"].iloc[0] == "explicit"


def test_no_factor_set_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        analyse_spend(REGISTER, None, RULES, [], KPI, as_of=AS_OF)


def test_dashboard_supplier_overrides_replace_and_win():
    """Beta (5560000002) gets 2 kg CO2e/kSEK (0.002 kg/SEK) for everything it sells."""
    fs = with_supplier_factors(
        FACTORS,
        [
            {
                "org_number": "556000-0002",
                "factor": "2",
                "unit": "kg CO2e/kSEK",
                "price_year": 2024,
                "source": "Beta's EPD",
            }
        ],
        rules=RULES,
    )
    invoices = canonical_frame(
        "invoices",
        [
            dict(agreement_id="A2", amount_sek=1000.0, date="2024-01-01"),
            dict(agreement_id="A3", amount_sek=1000.0, date="2024-01-01"),
            dict(agreement_id="A1", amount_sek=1000.0, date="2022-01-01"),
        ],
    )
    lines = analyse_spend(REGISTER, invoices, RULES, [fs], KPI, as_of=AS_OF).lines
    assert list(lines["factor_kind"]) == ["supplier", "supplier", "category"]
    assert list(lines["kg_co2e"]) == pytest.approx([2.0, 2.0, 20.0])
    with pytest.raises(FactorError, match="org_number") as info:
        with_supplier_factors(
            FACTORS,
            [{"factor": "1", "unit": "kg CO2e/SEK", "price_year": 2024, "source": "x"}],
            rules=RULES,
        )
    assert info.value.row == 1


def test_travel_spend_is_reported_apart_for_a_combined_total():
    """A 2022 flight of 1 000 SEK × 0.5 kg/SEK = 500 kg: in the totals, and also reported as
    travel (which the travel module counts from activity data)."""
    invoices = canonical_frame(
        "invoices",
        [
            dict(amount_sek=1000.0, date="2022-01-01", text="Flygresa Sthlm–Luleå"),
            dict(agreement_id="A1", amount_sek=1000.0, date="2022-01-01"),
        ],
    )
    t = analyse_spend(REGISTER, invoices, RULES, [FACTORS], KPI, as_of=AS_OF).totals
    assert t["travel_spend_sek"] == 1000 and t["travel_kg_co2e"] == pytest.approx(500)
    assert t["kg_co2e"] == pytest.approx(500 + 20)
