"""Travel on invoices: tickets priced as what they are, and counted once beside the trips.

Built-in rules and factor set (EPA v1.3, 2022 prices): air travel 0.063608, rail travel
0.046027, travel agency 0.008692 kg CO2e/SEK (emission_factors/spend/factors_epa_v1.3_sek.csv).
Spend of 2022 needs no KPI step, so the kg below are spend × factor.

The travel agency's agreement R1 (category "Resebyråtjänster"), 2022 invoice lines:
- "Flygbiljett ARN-GOT" 10 000 SEK → air travel (rule travel_ticket): 636.08 kg, not the
  agency's fee factor (86.92 kg)
- "Tågbiljett Stockholm-Malmö" 2 000 SEK → rail travel: 92.054 kg
- "Serviceavgift resebyrå" 500 SEK → the agreement's category: 4.346 kg
- an unlinked "Kontorsmaterial" line, 1 000 SEK, is no travel and stays.

Combined with trips whose 2022 flights emit 400 kg and rail 10 kg: the flight and rail lines
are left out (12 000 SEK, 728.134 kg) and the trips' 410 kg come in; the fee stays (the trips
do not count it). Spend total − 728.134 + 410 = combined.
"""

from __future__ import annotations

import pandas as pd
import pytest
from spend_fixtures import AS_OF, canonical_frame

from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.combined import combine_with_travel, travel_by_year_and_mode
from spendanalys.spend.factors import load_kpi, load_spend_factor_set


@pytest.fixture(scope="module")
def analysis():
    rules = load_category_rules()
    register = canonical_frame(
        "contracts",
        [{"agreement_id": "R1", "supplier": "Resebyrån AB", "org_number": "5560001111",
          "category": "Resebyråtjänster"}],
    )  # fmt: skip
    lines = canonical_frame(
        "invoices",
        [
            {"date": "2022-03-01", "agreement_id": "R1", "amount_sek": 10_000.0,
             "account": "5512", "text": "Flygbiljett ARN-GOT"},
            {"date": "2022-03-02", "agreement_id": "R1", "amount_sek": 2_000.0,
             "account": "5511", "text": "Tågbiljett Stockholm-Malmö"},
            {"date": "2022-03-03", "agreement_id": "R1", "amount_sek": 500.0,
             "account": "5518", "text": "Serviceavgift resebyrå"},
            {"date": "2022-03-04", "supplier": "Kontorsvaror AB", "amount_sek": 1_000.0,
             "text": "Kontorsmaterial"},
        ],
    )  # fmt: skip
    lines["date"] = pd.to_datetime(lines["date"])
    return analyse_spend(
        register, lines, rules, [load_spend_factor_set(rules=rules)], load_kpi(), as_of=AS_OF
    )


def test_tickets_on_the_travel_agencys_agreement_are_priced_as_air_and_rail(analysis):
    lines = analysis.lines.set_index("text")
    flight = lines.loc["Flygbiljett ARN-GOT"]
    assert (flight["category_id"], flight["category_rule"]) == ("air_travel", "travel_ticket")
    assert flight["kg_co2e"] == pytest.approx(636.08)
    assert lines.loc["Tågbiljett Stockholm-Malmö", "kg_co2e"] == pytest.approx(92.054)
    fee = lines.loc["Serviceavgift resebyrå"]
    assert (fee["category_id"], fee["category_rule"]) == ("travel_agency", "agreement_category")
    assert fee["kg_co2e"] == pytest.approx(4.346)


def test_the_combined_total_counts_travel_once_from_the_trips(analysis):
    trips = pd.DataFrame(
        {"year": [2021, 2022], "kg_co2e_flight": [900.0, 400.0], "kg_co2e_rail": [0.0, 10.0]}
    )
    combined = combine_with_travel(analysis.lines, analysis.totals, travel_by_year_and_mode(trips))
    assert combined["travel_left_out_sek"] == pytest.approx(12_000)
    assert combined["travel_left_out_kg_co2e"] == pytest.approx(728.134)
    assert combined["travel_activity_kg_co2e"] == pytest.approx(410)  # 2021 has no spend
    assert combined["combined_kg_co2e"] == pytest.approx(analysis.totals["kg_co2e"] - 728.134 + 410)
    assert combined["travel_left_out_categories"] == ["air_travel", "rail_travel"]
    assert combined["combined_years"] == ["2022"]


def test_travel_invoices_stay_in_a_year_without_trips(analysis):
    trips = pd.DataFrame({"year": [2023], "kg_co2e_flight": [400.0]})
    combined = combine_with_travel(analysis.lines, analysis.totals, travel_by_year_and_mode(trips))
    assert combined["travel_left_out_sek"] == 0
    assert combined["combined_kg_co2e"] == pytest.approx(analysis.totals["kg_co2e"])
    assert combined["combined_notes"] == [
        "2022: spend but no trips; travel bought on invoices stays in the combined total"
    ]
