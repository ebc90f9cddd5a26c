"""Several years, an agency's own factor vocabulary, VAT and exchange rates per year (issue 14).

Fixture rules, KPI and rates: ``tests/spend_fixtures.py`` (KPI 2022 = 400, 2023 = 420,
2024 = 440; EUR 2022 = 10.0, 2024 = 11.0 SEK). Every figure below is worked by hand here.

The agency's factor table (as a consultant delivers it) names its own categories:

- "Konsulttjänster IT"  0.010 kg CO2e/SEK, price year 2024, excl. moms, grade 3
- "Måltidstjänster"     0.060 kg CO2e/SEK, price year 2024, **inkl. moms**, grade 2
- "Fastighetsdrift"     0.020 kg CO2e/SEK, price year 2024, excl. moms, grade 3

None of the three is a category id, name or alias of the tree, so each becomes a category of
its own (group "Egna kategorier"). The register names them the same way:

- K1 "Konsulttjänster IT", Konsult AB 5560000001
- K2 "Måltidstjänster", Mat AB 5560000003
- K3 "Fastighetsdrift", Drift AB 5560000005

Two yearly invoice exports (2023 and 2024); the VAT of Måltidstjänster, 12 % (restaurang- och
cateringtjänster, Skatteverket), is stated in the factor file's ``vat_rate`` column, as the
built-in VAT table has no row for an own category:

- K1 2023: 84 000 SEK → 84 000 × 440/420 = 88 000 SEK₂₀₂₄ × 0.010 = 880 kg
- K1 2024: 120 000 SEK × 0.010 = 1 200 kg
- K2 2024: 50 000 SEK net; the factor is per SEK incl. VAT: 50 000 × 1.12 = 56 000 × 0.060
  = 3 360 kg
- K3 2023: 42 000 SEK → 44 000 × 0.020 = 880 kg
- an unlinked 2024 line, text "Konsulttimmar", with ``Kategori`` "Fastighetsdrift" on the line
  (rule ``explicit``): 10 000 × 0.020 = 200 kg

Totals by year: 2023 126 000 SEK, 1 760 kg; 2024 180 000 SEK, 4 760 kg; together 306 000 SEK,
6 520 kg. Change 2023 → 2024: +3 000 kg = +170.45 % of 1 760. Grades: "3" holds 880 + 1 200 +
880 + 200 = 3 160 kg (48.47 % of 6 520), "2" 3 360 kg (51.53 %).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from spend_fixtures import AS_OF, canonical_frame, write_rule_files

from spendanalys.errors import FactorError
from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factors import load_exchange_rate_table, load_kpi, load_spend_factor_set
from spendanalys.spend.payload import spend_payload
from spendanalys.spend.vat import load_vat_rates

AGENCY_FACTORS = """# Myndighetens faktortabell (konsultens leverans 2024)
category,factor,unit,price_year,price_basis,vat_rate,source,data_quality
Konsulttjänster IT,0.010,kg CO2e/SEK,2024,exkl. moms,,Konsultens tabell 2024,3: svensk IO-tabell
Måltidstjänster,0.060,kg CO2e/SEK,2024,inkl. moms,12,Konsultens tabell 2024,2: branschdata
Fastighetsdrift,0.020,kg CO2e/SEK,2024,exkl. moms,,Konsultens tabell 2024,3: svensk IO-tabell
"""
VAT = load_vat_rates()  # the built-in table: it has no row for the agency's own categories


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_rule_files(tmp_path / "rules")


@pytest.fixture
def rules(folder: Path):
    return load_category_rules(data_dir=folder)


@pytest.fixture
def agency_set(tmp_path: Path, rules):
    path = tmp_path / "myndighetens_faktorer.csv"
    path.write_text(AGENCY_FACTORS, encoding="utf-8")
    return load_spend_factor_set(path, rules=rules)


def register():
    return canonical_frame(
        "contracts",
        [
            {"agreement_id": "K1", "supplier": "Konsult AB", "org_number": "5560000001",
             "category": "Konsulttjänster IT"},
            {"agreement_id": "K2", "supplier": "Mat AB", "org_number": "5560000003",
             "category": "Måltidstjänster"},
            {"agreement_id": "K3", "supplier": "Drift AB", "org_number": "5560000005",
             "category": "Fastighetsdrift"},
        ],
        file="avtal.csv",
    )  # fmt: skip


def invoices():
    rows_2023 = canonical_frame(
        "invoices",
        [
            {"date": "2023-05-10", "org_number": "5560000001", "amount_sek": 84_000.0},
            {"date": "2023-09-01", "org_number": "5560000005", "amount_sek": 42_000.0},
        ],
        file="fakturor_2023.csv",
    )
    rows_2024 = canonical_frame(
        "invoices",
        [
            {"date": "2024-02-10", "org_number": "5560000001", "amount_sek": 120_000.0},
            {"date": "2024-03-15", "org_number": "5560000003", "amount_sek": 50_000.0},
            {"date": "2024-06-01", "supplier": "Okänd AB", "amount_sek": 10_000.0,
             "text": "Konsulttimmar", "category": "Fastighetsdrift"},
        ],
        file="fakturor_2024.csv",
    )  # fmt: skip
    frame = pd.concat([rows_2023, rows_2024], ignore_index=True)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def analyse(rules, agency_set, folder, **options):
    return analyse_spend(
        register(),
        invoices(),
        rules,
        [agency_set],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
        vat_rates=VAT,
        **options,
    )


def test_an_agency_factor_file_with_its_own_category_names_prices_every_agreement(
    rules, agency_set, folder
):
    analysis = analyse(rules, agency_set, folder)
    agreements = analysis.agreements.set_index("agreement_id")
    assert agreements["kg_co2e"].notna().all()
    assert agreements.loc["K1", "category"] == "Konsulttjänster IT"
    assert set(agreements["category_group"]) == {"Egna kategorier"}
    assert agreements.loc["K2", "kg_co2e"] == pytest.approx(3_360)
    assert analysis.totals["spend_without_factor_sek"] == 0
    explicit = analysis.lines[analysis.lines["text"] == "Konsulttimmar"].iloc[0]
    assert explicit["category_rule"] == "explicit"
    assert explicit["category_id"] == "own:fastighetsdrift"
    assert explicit["kg_co2e"] == pytest.approx(200)


def test_two_yearly_exports_are_split_by_year_exactly(rules, agency_set, folder):
    payload = spend_payload(analyse(rules, agency_set, folder))
    totals = payload["totals"]
    assert totals["by_year"]["2023"]["spend_sek"] == pytest.approx(126_000)
    assert totals["by_year"]["2023"]["kg_co2e"] == pytest.approx(1_760)
    assert totals["by_year"]["2024"]["spend_sek"] == pytest.approx(180_000)
    assert totals["by_year"]["2024"]["kg_co2e"] == pytest.approx(4_760)
    assert totals["kg_co2e"] == pytest.approx(6_520)
    change = totals["change_between_years"]
    assert (change["from_year"], change["to_year"]) == ("2023", "2024")
    assert change["change_kg_co2e"] == pytest.approx(3_000)
    assert change["change_share"] == pytest.approx(3_000 / 1_760)
    k1 = next(a for a in payload["agreements"] if a["agreement_id"] == "K1")
    assert k1["by_year"] == {
        "2023": {"spend_sek": pytest.approx(84_000), "kg_co2e": pytest.approx(880)},
        "2024": {"spend_sek": pytest.approx(120_000), "kg_co2e": pytest.approx(1_200)},
    }
    assert sum(y["spend_sek"] for y in k1["by_year"].values()) == pytest.approx(k1["spend_sek"])
    category = next(c for c in payload["categories"] if c["category_id"] == "own:fastighetsdrift")
    assert category["by_year"]["2023"]["kg_co2e"] == pytest.approx(880)
    assert category["by_year"]["2024"]["kg_co2e"] == pytest.approx(200)


def test_year_ranks_one_year_and_says_what_it_left_out(rules, agency_set, folder):
    analysis = analyse(rules, agency_set, folder, year=2023)
    assert analysis.totals["spend_sek"] == pytest.approx(126_000)
    agreements = analysis.agreements.set_index("agreement_id")
    assert agreements.loc["K1", "rank"] == 1  # 880 kg; K3 880 kg too, K1 first in the register
    assert agreements.loc["K2", "kg_co2e"] == 0
    assert any("--year 2023: 3 lines of other years (180 000 SEK)" in n for n in analysis.notes)


def test_each_agreement_has_its_factor_grade_and_the_total_its_share_per_grade(
    rules, agency_set, folder
):
    payload = spend_payload(analyse(rules, agency_set, folder))
    grades = payload["totals"]["kg_co2e_by_grade"]
    assert grades["3"]["kg_co2e"] == pytest.approx(3_160)
    assert grades["3"]["share"] == pytest.approx(3_160 / 6_520)
    assert grades["2"]["share"] == pytest.approx(3_360 / 6_520)
    k2 = next(a for a in payload["agreements"] if a["agreement_id"] == "K2")
    assert (k2["factor_grade"], k2["factor_grades"]) == ("2", "2 (100 %)")


def test_a_gross_amount_is_made_net_with_the_vat_rate_of_its_category(rules, folder):
    """1 120 SEK incl. 12 % VAT on food (fixture category) = 1 000 SEK net; with the fixture's
    food factor 0.100 kg/SEK at 2024 prices: 100 kg. A gross line with no category: 25 %."""
    lines = canonical_frame(
        "invoices",
        [
            {"date": "2024-01-10", "supplier": "Mat AB", "amount_incl_vat_sek": 1_120.0,
             "text": "kaffe och bröd"},
            {"date": "2024-01-11", "supplier": "X AB", "amount_incl_vat_sek": 1_250.0,
             "text": "okänt"},
        ],
    )  # fmt: skip
    lines["date"] = pd.to_datetime(lines["date"])
    analysis = analyse_spend(
        register().iloc[:0],
        lines,
        rules,
        [load_spend_factor_set(data_dir=folder, rules=rules)],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
        vat_rates=pd.Series({"food": 0.12}),
    )
    spend = analysis.lines.set_index("text")["spend_sek"]
    assert spend["kaffe och bröd"] == pytest.approx(1_000)
    assert spend["okänt"] == pytest.approx(1_000)
    assert analysis.lines.set_index("text").loc["kaffe och bröd", "kg_co2e"] == pytest.approx(100)
    assert any("normal rate, 25 %" in n for n in analysis.notes)


def test_amounts_include_vat_converts_every_amount(rules, folder):
    lines = canonical_frame(
        "invoices",
        [{"date": "2024-01-10", "supplier": "Mat AB", "amount_sek": 560.0, "text": "kaffe"}],
    )
    lines["date"] = pd.to_datetime(lines["date"])
    analysis = analyse_spend(
        register().iloc[:0],
        lines,
        rules,
        [load_spend_factor_set(data_dir=folder, rules=rules)],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
        vat_rates=pd.Series({"food": 0.12}),
        amounts_include_vat=True,
    )
    assert analysis.totals["spend_sek"] == pytest.approx(500)  # 560 / 1.12


def test_a_foreign_line_is_converted_at_the_rate_of_its_own_year(rules, folder):
    """Fixture EUR rates: 2022 10.0, 2024 11.0 SEK. 1 000 EUR in 2022 = 10 000 SEK, in 2024
    = 11 000 SEK; 2023 is not in the table: the nearest year, 2024 on a tie, with a note."""
    lines = canonical_frame(
        "invoices",
        [
            {"date": f"{year}-03-01", "supplier": "Euro GmbH", "amount_sek": 1_000.0,
             "currency": "EUR", "text": f"line {year}"}
            for year in (2022, 2023, 2024)
        ],
    )  # fmt: skip
    lines["date"] = pd.to_datetime(lines["date"])
    analysis = analyse_spend(
        register().iloc[:0],
        lines,
        rules,
        [load_spend_factor_set(data_dir=folder, rules=rules)],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
        rate_table=load_exchange_rate_table(data_dir=folder),
    )
    spend = analysis.lines.set_index("text")["spend_sek"]
    assert spend["line 2022"] == pytest.approx(10_000)
    assert spend["line 2023"] == pytest.approx(11_000)
    assert spend["line 2024"] == pytest.approx(11_000)
    assert any("no rates for 2023; 2024 used" in n for n in analysis.notes)


def test_an_own_category_of_a_compared_set_is_not_taken_from_explicit_text(
    rules, agency_set, folder
):
    """DESIGN §2: an explicit category is taken when it names a category of the set *in use*
    (the first); the compared set's own names are not."""
    default = load_spend_factor_set(data_dir=folder, rules=rules)
    analysis = analyse_spend(
        register(),
        invoices(),
        rules,
        [default, agency_set],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
        vat_rates=VAT,
    )
    explicit = analysis.lines[analysis.lines["text"] == "Konsulttimmar"].iloc[0]
    assert explicit["category_rule"] != "explicit"


def year_sheet(rules, agency_set, folder, path: Path, lang: str = "sv"):
    import openpyxl

    from spendanalys.spend.report import write_spend_report

    analysis = analyse(rules, agency_set, folder)
    write_spend_report(analysis, path, rules=rules, factor_sets=[agency_set], lang=lang)
    return analysis, openpyxl.load_workbook(path)


def agreement_rows(rows: list[tuple], first: str) -> dict[str, dict[str, object]]:
    header = next(r for r in rows if r[0] == first)
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[rows.index(header) + 1 :]}


def test_the_workbook_shows_the_change_per_agreement_and_in_total(
    rules, agency_set, folder, tmp_path: Path
):
    """År, in tonnes with one decimal and percent (issue 16): K1 880 → 1 200 kg (+320 kg =
    0.3 t, +36.36 % → 0.364), K3 880 → 0 (−880 kg = −0.9 t, −100 %); total +3 000 kg = 3.0 t,
    +170.45 % → 1.705. Spend per agreement in tkr: K1 2023 84 000 SEK = 84 tkr. Datakvalitet:
    grade 3 3 160 kg = 3.2 t, 48.47 % of the kg → 0.485; grade 2 3 360 kg = 3.4 t."""
    _, wb = year_sheet(rules, agency_set, folder, tmp_path / "rapport.xlsx")
    assert "År" in wb.sheetnames and "Datakvalitet" in wb.sheetnames
    rows = list(wb["År"].iter_rows(values_only=True))
    by_id = agreement_rows(rows, "Avtalsnr")
    assert by_id["K1"]["Förändring 2023–2024 (t CO2e)"] == 0.3
    assert by_id["K1"]["Förändring 2023–2024 i procent"] == 0.364
    assert by_id["K3"]["Förändring 2023–2024 (t CO2e)"] == -0.9
    assert by_id["K3"]["Förändring 2023–2024 i procent"] == -1.0
    assert by_id["K1"]["Utgift 2023 (tkr)"] == 84
    total = next(r for r in rows if str(r[0]).startswith("Förändring 2023–2024"))
    assert total[:3] == ("Förändring 2023–2024 (t CO2e)", 3.0, 1.705)
    years = {r[0]: r for r in rows if r and isinstance(r[0], int)}
    assert years[2023][1:4] == (0.1, 1.8, 2)  # 126 000 SEK = 0.1 MSEK, 1 760 kg, K1 and K3
    assert years[2024][1:3] == (0.2, 4.8)  # 180 000 SEK, 4 760 kg
    quality = {r[0]: r for r in wb["Datakvalitet"].iter_rows(values_only=True) if r and r[0]}
    assert quality["Faktorns kvalitetsklass"][:3] == (
        "Faktorns kvalitetsklass",
        "Utsläpp (t CO2e)",
        "Andel av utsläppen",
    )
    assert quality["3"][1:3] == (3.2, 0.485)
    assert quality["2"][1:3] == (3.4, 0.515)


def test_the_year_sheet_holds_the_json_tonnes_per_agreement_and_year(
    rules, agency_set, folder, tmp_path: Path
):
    """Each agreement's tonnes per year in År are its JSON ``agreements[].by_year`` kg / 1000
    rounded to one decimal; by hand (module docstring) K1 880 kg → 0.9 t in 2023, 1 200 kg →
    1.2 t in 2024; K2 3 360 kg → 3.4 t in 2024 and nothing in 2023."""
    analysis, wb = year_sheet(rules, agency_set, folder, tmp_path / "rapport.xlsx")
    payload = spend_payload(analysis)
    by_id = agreement_rows(list(wb["År"].iter_rows(values_only=True)), "Avtalsnr")
    assert by_id["K1"]["Utsläpp 2023 (t CO2e)"] == 0.9
    assert by_id["K1"]["Utsläpp 2024 (t CO2e)"] == 1.2
    assert by_id["K2"]["Utsläpp 2024 (t CO2e)"] == 3.4
    assert by_id["K2"]["Utsläpp 2023 (t CO2e)"] is None
    for agreement in payload["agreements"]:
        row = by_id[agreement["agreement_id"]]
        for year, figures in agreement["by_year"].items():
            assert row[f"Utsläpp {year} (t CO2e)"] == round(figures["kg_co2e"] / 1000, 1)


def test_the_year_sheets_in_english(rules, agency_set, folder, tmp_path: Path):
    _, wb = year_sheet(rules, agency_set, folder, tmp_path / "report.xlsx", lang="en")
    assert "Years" in wb.sheetnames and "Data quality" in wb.sheetnames
    assert "År" not in wb.sheetnames and "Datakvalitet" not in wb.sheetnames
    rows = list(wb["Years"].iter_rows(values_only=True))
    assert rows[0][0] == "Spend and emissions per year"
    by_id = agreement_rows(rows, "Agreement")
    assert by_id["K1"]["Emissions 2024 (t CO2e)"] == 1.2
    assert by_id["K1"]["Change 2023–2024 in percent"] == 0.364
    assert next(r for r in rows if r[0] == "Year")[:3] == (
        "Year",
        "Spend (MSEK)",
        "Emissions (t CO2e)",
    )
    quality = [r for r in wb["Data quality"].iter_rows(values_only=True) if r and r[0]]
    assert quality[0][0] == "Emissions by the factors' quality grade"
    assert quality[2][:3] == ("Factor quality grade", "Emissions (t CO2e)", "Share of emissions")


def test_a_category_the_set_lacks_is_named_in_a_note(rules, agency_set, folder):
    """A line on an account of the fixture's office category (5000–6999), which the agency's
    set has no factor for: 3 000 SEK without kg CO2e, said in a note instead of a silent null."""
    extra = canonical_frame(
        "invoices",
        [{"date": "2024-07-01", "supplier": "Kontor AB", "amount_sek": 3_000.0, "account": "5410"}],
    )
    extra["date"] = pd.to_datetime(extra["date"])
    analysis = analyse_spend(
        register(),
        pd.concat([invoices(), extra], ignore_index=True),
        rules,
        [agency_set],
        load_kpi(data_dir=folder),
        as_of=AS_OF,
        vat_rates=VAT,
    )
    assert analysis.totals["spend_without_factor_sek"] == pytest.approx(3_000)
    assert any(
        "has no factor for 1 category with spend (3 000 SEK" in n and "office" in n
        for n in analysis.notes
    )


def test_a_vat_rate_a_factor_set_does_not_have_is_refused(tmp_path: Path, rules):
    path = tmp_path / "mine.csv"
    path.write_text(
        "category,factor,unit,price_year,vat_rate,source\nMåltider,0.06,kg CO2e/SEK,2024,20,s\n",
        encoding="utf-8",
    )
    with pytest.raises(FactorError, match="vat_rate '20'") as info:
        load_spend_factor_set(path, rules=rules)
    assert info.value.row == 2


def test_without_a_stated_rate_an_own_category_takes_the_normal_rate(rules, folder, tmp_path):
    """The same factor file without the vat_rate column: 50 000 × 1.25 × 0.060 = 3 750 kg."""
    path = tmp_path / "utan_moms.csv"
    path.write_text(AGENCY_FACTORS.replace(",vat_rate", "").replace(",12,", ",").replace(
        "moms,,", "moms,"), encoding="utf-8")  # fmt: skip
    analysis = analyse(rules, load_spend_factor_set(path, rules=rules), folder)
    k2 = analysis.agreements.set_index("agreement_id").loc["K2", "kg_co2e"]
    assert k2 == pytest.approx(3_750)
