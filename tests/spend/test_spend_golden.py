"""A miljöspendanalys worked by hand, end to end through ``analyse_spend``.

Fixture rules and factors: ``tests/spend_fixtures.py``. Factors, converted by hand:

- IT-konsulter  20 g CO2e/SEK   = 0.020 kg/SEK, price year 2022
- Lokalvård     30 t CO2e/MSEK  = 30 000 kg / 1 000 000 SEK = 0.030 kg/SEK, 2022
  (the factor file names the category by its Swedish name, not its id)
- Livsmedel     100 kg CO2e/kSEK = 100 kg / 1 000 SEK = 0.100 kg/SEK, 2024
- Kontorsmaterial 0.04 kg CO2e/SEK, 2022
KPI: 2022 = 400, 2023 = 420, 2024 = 440, so 2024 SEK × 400/440 and 2023 SEK × 400/420 are
2022 SEK.

Register (as_of 2025-01-01):
A1 IT-konsulttjänster, Konsult AB 556000-0001, category "IT-tjänster" (an alias), ends
   2025-06-30, miljökrav no.
A2 Städning, Städ & Co AB 5560000002, CPV 90910000 (→ Lokalvård), ends 2026-12-31, miljökrav yes.
A3 Livsmedel, Mat AB 5560000003, CPV 15000000 (→ Livsmedel), ends 2025-03-31, miljökrav unknown.
A4 Bygg, Bygg AB 5560000004, CPV 45000000, ends 2027-01-01, no invoices.

Invoice lines:
1. agreement id "a1 " (case and space differ) → A1 by id; 2024, 100 000 SEK
   → 100 000 × 400/440 = 90 909.09 SEK₂₀₂₂ × 0.020 = 1 818.18 kg
2. no id, org 5560000001 → A1 by org number; 2023, 42 000 SEK → 42 000 × 400/420 = 40 000
   × 0.020 = 800 kg
3. "STÄD & CO", no org → A2 by normalised name; 2024, 55 000 → 50 000 × 0.030 = 1 500 kg
4. VAT number SE556000000301 → A3 by org; 2024, 20 000 (food factor is 2024: ratio 1)
   × 0.100 = 2 000 kg
5. credit note, org 5560000003 → A3; 2024, −2 000 × 0.100 = −200 kg
6. Okänd AB 5569999999, account 5410 → unlinked, office by account; 2024, 11 000 → 10 000
   × 0.040 = 400 kg
7. account 7010 (salaries) → excluded: 99 999 SEK in no total but ``excluded_spend_sek``
8. agreement id "ZZ" (not in the register), no account, text "okänt" → unlinked and
   uncategorised; 2024, 5 000 SEK, no kg
9. Kaffe AB, text "Kaffemaskin till fikarummet" → unlinked, keyword "kaffemaskin" (longer
   than "kaffe") → office; 2024, 4 400 → 4 000 × 0.040 = 160 kg

Totals: spend = 100 000 + 42 000 + 55 000 + 20 000 − 2 000 + 11 000 + 5 000 + 4 400
= 235 400 SEK; linked = 142 000 + 55 000 + 18 000 = 215 000; unlinked = 20 400;
uncategorised = 5 000; kg = 1 818.18 + 800 + 1 500 + 2 000 − 200 + 400 + 160 = 6 478.18.

Agreements: A1 142 000 SEK, 2 618.18 kg, 2 618.18/142 000 = 0.018438 kg/SEK; A3 18 000 SEK,
1 800 kg, 0.1; A2 55 000 SEK, 1 500 kg, 0.027273; A4 0 SEK, 0 kg.
Rank by kg: A1, A3, A2, A4. Rank per SEK: A3, A2, A1 (A4 has no priced spend: no rank).
Pareto over 5 918.18 kg: A1 44.2 %, A3 reaches 74.7 % (below 80 % before it), A2 (74.7 % before
it) → A1, A3, A2 in the set. Priority: high impact and no miljökrav: A1 (no), A3 (unknown);
soonest end first → A3 (2025-03-31), A1 (2025-06-30).

Second factor set "alt": IT-konsulter 0.005 kg/SEK (2022), others as above. A1 then has
130 909.09 × 0.005 = 654.55 kg, so the ranking is A3, A2, A1, A4: A1 moves 2 places (flagged
with a threshold of 1), A3 and A2 one place (not flagged).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spend_fixtures import AS_OF, canonical_frame, write_rule_files

from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factors import (
    exchange_rates_for,
    load_exchange_rate_table,
    load_kpi,
    load_spend_factor_set,
)

ALT = """category,factor,unit,price_year,source
it_consulting,5,kg CO2e/kSEK,2022,alt
cleaning,0.03,kg CO2e/SEK,2022,alt
food,0.1,kg CO2e/SEK,2024,alt
office,40,g CO2e/SEK,2022,alt
construction,0.05,kg CO2e/SEK,2022,alt
"""


def register():
    return canonical_frame(
        "contracts",
        [
            dict(
                agreement_id="A1",
                name="IT-konsulttjänster",
                supplier="Konsult AB",
                org_number="5560000001",
                category="IT-tjänster",
                end_date="2025-06-30",
                value_sek=1e6,
                environmental_requirements=False,
            ),
            dict(
                agreement_id="A2",
                name="Städning",
                supplier="Städ & Co AB",
                org_number="5560000002",
                cpv="90910000",
                end_date="2026-12-31",
                value_sek=5e5,
                environmental_requirements=True,
            ),
            dict(
                agreement_id="A3",
                name="Livsmedel",
                supplier="Mat AB",
                org_number="5560000003",
                cpv="15000000",
                end_date="2025-03-31",
                value_sek=2e5,
                environmental_requirements=None,
            ),
            dict(
                agreement_id="A4",
                name="Bygg",
                supplier="Bygg AB",
                org_number="5560000004",
                cpv="45000000",
                end_date="2027-01-01",
                value_sek=3e6,
                environmental_requirements=False,
            ),
        ],
        file="avtal.csv",
    )


def invoices():
    rows = [
        dict(
            date="2024-03-01",
            supplier="Konsult AB",
            agreement_id="a1 ",
            account="6540",
            amount_sek=100_000.0,
        ),
        dict(
            date="2023-06-01", supplier="Konsult AB", org_number="5560000001", amount_sek=42_000.0
        ),
        dict(date="2024-03-01", supplier="STÄD & CO", amount_sek=55_000.0, text="städning"),
        dict(
            date="2024-04-01",
            supplier="Mat AB",
            org_number="SE556000000301",
            account="4010",
            amount_sek=20_000.0,
        ),
        dict(
            date="2024-05-01",
            supplier="Mat AB",
            org_number="5560000003",
            amount_sek=-2_000.0,
            text="kreditnota",
        ),
        dict(
            date="2024-03-01",
            supplier="Okänd AB",
            org_number="5569999999",
            account="5410",
            amount_sek=11_000.0,
        ),
        dict(date="2024-03-01", supplier="Löner", account="7010", amount_sek=99_999.0),
        dict(date="2024-03-01", supplier="X", agreement_id="ZZ", amount_sek=5_000.0, text="okänt"),
        dict(
            date="2024-03-01",
            supplier="Kaffe AB",
            amount_sek=4_400.0,
            text="Kaffemaskin till fikarummet",
        ),
    ]
    for i, row in enumerate(rows, 1):
        row["invoice_id"] = str(i)
    return canonical_frame("invoices", rows, file="fakturor.csv")


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    folder = write_rule_files(tmp_path_factory.mktemp("rules"))
    (folder / "alt.csv").write_text(ALT, encoding="utf-8")
    rules = load_category_rules(data_dir=folder)
    primary = load_spend_factor_set(data_dir=folder, rules=rules)
    alt = load_spend_factor_set(folder / "alt.csv", rules=rules, data_dir=folder)
    rates = exchange_rates_for(load_exchange_rate_table(data_dir=folder), 2024)
    return analyse_spend(
        register(),
        invoices(),
        rules,
        [primary, alt],
        load_kpi(data_dir=folder),
        rates=rates,
        as_of=AS_OF,
        rank_move_threshold=1,
    )


def test_lines_are_linked_categorised_and_priced_as_worked_by_hand(analysis):
    lines = analysis.lines.set_index("invoice_id")
    assert list(
        lines["linked_agreement_id"]
        .astype(object)
        .where(lines["linked_agreement_id"].notna(), None)
    ) == ["A1", "A1", "A2", "A3", "A3", None, None, None, None]
    assert list(lines["link_rule"].astype(str)) == [
        "agreement_id",
        "org_number",
        "supplier_name",
        "org_number",
        "org_number",
        "unlinked",
        "unlinked",
        "unlinked",
        "unlinked",
    ]
    assert list(lines["category_rule"].astype(str)) == [
        "agreement_category",
        "agreement_category",
        "agreement_cpv",
        "agreement_cpv",
        "agreement_cpv",
        "account",
        "excluded_account",
        "uncategorised",
        "keyword",
    ]
    expected_kg = [100_000 * 400 / 440 * 0.02, 800, 1500, 2000, -200, 400, None, None, 160]
    for got, want in zip(lines["kg_co2e"], expected_kg, strict=True):
        if want is None:
            assert got != got  # NaN: excluded or uncategorised
        else:
            assert got == pytest.approx(want)
    assert (lines["factor_kind"].dropna() == "category").all()
    assert lines.loc["2", "price_index_ratio"] == pytest.approx(400 / 420)


def test_totals(analysis):
    t = analysis.totals
    assert t["spend_sek"] == pytest.approx(235_400)
    assert t["linked_spend_sek"] == pytest.approx(215_000)
    assert t["unlinked_spend_sek"] == pytest.approx(20_400)
    assert t["uncategorised_spend_sek"] == pytest.approx(5_000)
    assert t["excluded_spend_sek"] == pytest.approx(99_999)
    assert t["kg_co2e"] == pytest.approx(1818.181818 + 800 + 1500 + 2000 - 200 + 400 + 160)
    assert t["agreements"] == 4
    assert t["share_agreements_with_requirements"] == pytest.approx(1 / 4)
    assert t["share_spend_with_requirements"] == pytest.approx(55_000 / 235_400)


def test_ranking_pareto_and_priority(analysis):
    a = analysis.agreements.set_index("agreement_id")
    assert list(analysis.agreements["agreement_id"]) == ["A1", "A3", "A2", "A4"]
    assert a.loc["A1", "spend_sek"] == pytest.approx(142_000)
    assert a.loc["A1", "kg_co2e"] == pytest.approx(2618.181818)
    assert a.loc["A1", "kg_co2e_per_sek"] == pytest.approx(2618.181818 / 142_000)
    assert a.loc["A3", "spend_sek"] == pytest.approx(18_000)
    assert a.loc["A3", "credit_notes"] == 1
    assert a.loc["A4", "spend_sek"] == 0 and a.loc["A4", "kg_co2e"] == 0
    assert list(a["rank_per_sek"].loc[["A3", "A2", "A1"]]) == [1, 2, 3]
    assert a["rank_per_sek"].isna()["A4"]
    assert list(a["pareto"].loc[["A1", "A3", "A2", "A4"]]) == [True, True, True, False]
    assert a.loc["A3", "cumulative_share"] == pytest.approx((2618.181818 + 1800) / 5918.181818)
    assert a.loc["A1", "category"] == "IT-konsulter"
    assert a.loc["A1", "category_rule"] == "category"
    assert list(analysis.priority["agreement_id"]) == ["A3", "A1"]
    assert list(analysis.priority["ends_within_months"]) == [True, True]


def test_categories_and_unlinked_tables(analysis):
    c = analysis.categories.set_index("category_id", drop=False)
    assert c.loc["it_consulting", "kg_co2e"] == pytest.approx(2618.181818)
    assert c.loc["office", "spend_sek"] == pytest.approx(15_400)
    assert c.loc["office", "kg_co2e"] == pytest.approx(560)
    assert c.loc["cleaning", "kg_co2e_per_sek"] == pytest.approx(0.03)
    uncategorised = analysis.categories[analysis.categories["category_id"].isna()]
    assert uncategorised["spend_sek"].sum() == pytest.approx(5_000)
    assert analysis.unlinked["spend_sek"].sum() == pytest.approx(20_400)
    note = analysis.unlinked.set_index("supplier").loc["X", "link_note"]
    assert "ZZ" in note and "not in the register" in note


def test_factor_set_comparison_flags_rank_moves(analysis):
    comp = analysis.factor_comparison.set_index("agreement_id")
    assert comp.loc["A1", "kg_co2e__alt"] == pytest.approx(130_909.0909 * 0.005)
    assert comp.loc["A1", "rank__alt"] == 3
    assert comp.loc["A1", "max_rank_move"] == 2
    assert bool(comp.loc["A1", "rank_moved"]) is True
    assert not comp.loc[["A2", "A3", "A4"], "rank_moved"].any()


def test_register_only_mode_uses_stated_values_as_an_estimate(tmp_path: Path):
    """Without invoices A3's 200 000 SEK (start 2024, food factor 2024: ratio 1) × 0.1 = 20 000
    kg; A1's 1 000 000 SEK (start 2023) × 400/420 × 0.02 = 19 047.62 kg."""
    folder = write_rule_files(tmp_path)
    rules = load_category_rules(data_dir=folder)
    contracts = register()
    contracts["start_date"] = contracts["start_date"].fillna(
        contracts["agreement_id"]
        .map({"A1": "2023-01-01", "A2": "2022-01-01", "A3": "2024-01-01", "A4": "2022-01-01"})
        .astype("datetime64[ns]")
    )
    result = analyse_spend(
        contracts,
        None,
        rules,
        [load_spend_factor_set(data_dir=folder, rules=rules)],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
    )
    a = result.agreements.set_index("agreement_id")
    assert (a["spend_basis"] == "estimate (agreement value)").all()
    assert result.spend_basis == "estimate (agreement value)"
    assert a.loc["A3", "kg_co2e"] == pytest.approx(20_000)
    assert a.loc["A1", "kg_co2e"] == pytest.approx(1e6 * 400 / 420 * 0.02)
    assert result.totals["spend_sek"] == pytest.approx(1e6 + 5e5 + 2e5 + 3e6)
    assert result.agreements["agreement_id"].iloc[0] == "A4"  # 3e6 × 0.05 = 150 000 kg
