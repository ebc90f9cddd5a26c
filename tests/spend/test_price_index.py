"""Spend of a year the price index does not cover is priced with the nearest index, and says so.

Issue 22 found the README ("not adjusted") and the engine ("the latest index it has") at odds.
The method keeps the engine's rule: SEK of a year after the table's last is brought to the
factor's price year with the latest index (as if its prices were that year's), which is off by
that one year's inflation, where not adjusting would be off by all the inflation since the
factor's price year (2022 → 2025 in SCB's KPI: about 12 %). Every figure it touches is marked:
a note naming the year and the index year used, ``kpi_year``/``kpi_substituted`` per line and
``kpi_substituted`` per agreement, in the JSON and in the workbook.

Hand-worked with the fixture's made-up KPI (2022 = 400, 2023 = 420, 2024 = 440) and the
construction factor 0.05 kg CO2e/SEK at 2022 prices:

- A1, 1 000 SEK in 2025 (no index): 1 000 × 400 / 440 × 0.05 = 45.4545… kg (the 2024 index);
- A2, 1 000 SEK in 2024: the same 45.4545… kg, not marked;
- A3, 1 000 SEK in 2021 (before the table): 1 000 × 400 / 400 × 0.05 = 50 kg (the 2022 index).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from spend_fixtures import AS_OF, building_register, canonical_frame, write_rule_files

from spendanalys.spend.analysis import analyse_spend
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.factors import load_kpi, load_spend_factor_set
from spendanalys.spend.payload import lines_frame, spend_payload
from spendanalys.spend.report import write_spend_report


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = write_rule_files(tmp_path_factory.mktemp("rules"))
    rules = load_category_rules(data_dir=folder)
    factor_sets = [load_spend_factor_set(data_dir=folder, rules=rules)]
    contracts = building_register()
    invoices = canonical_frame(
        "invoices",
        [
            dict(agreement_id="A1", amount_sek=1000.0, date="2025-03-01"),
            dict(agreement_id="A2", amount_sek=1000.0, date="2024-03-01"),
            dict(agreement_id="A3", amount_sek=1000.0, date="2021-03-01"),
        ],
    )
    analysis = analyse_spend(
        contracts, invoices, rules, factor_sets, load_kpi(data_dir=folder), as_of=AS_OF
    )
    return analysis, rules, factor_sets


def test_a_year_outside_the_index_takes_the_nearest_index_year(run):
    analysis, _, _ = run
    lines = analysis.lines.set_index("linked_agreement_id")
    assert lines.loc["A1", "kg_co2e"] == pytest.approx(1000 * 400 / 440 * 0.05)
    assert lines.loc["A2", "kg_co2e"] == pytest.approx(1000 * 400 / 440 * 0.05)
    assert lines.loc["A3", "kg_co2e"] == pytest.approx(50.0)
    assert [int(lines.loc[a, "kpi_year"]) for a in ("A1", "A2", "A3")] == [2024, 2024, 2022]
    assert [bool(lines.loc[a, "kpi_substituted"]) for a in ("A1", "A2", "A3")] == [
        True,
        False,
        True,
    ]
    flagged = analysis.agreements.set_index("agreement_id")["kpi_substituted"]
    assert flagged.to_dict() == {"A1": True, "A2": False, "A3": True}


def test_the_notes_name_the_year_and_the_index_year_used(run):
    analysis, _, _ = run
    later = next(n for n in analysis.notes if "no index for 2025" in n)
    earlier = next(n for n in analysis.notes if "no index for 2021" in n)
    assert "the table covers 2022–2024" in later
    assert "spend of 2025 (1 line, 1 000 SEK)" in later
    assert "latest index, 2024" in later and "as if its prices were 2024's" in later
    assert "earliest index, 2022" in earlier
    assert len(analysis.notes) == 2


def test_json_lines_and_workbook_carry_the_marks(run, tmp_path: Path):
    analysis, rules, factor_sets = run
    doc = spend_payload(analysis, factor_sets=factor_sets)
    assert {a["agreement_id"]: a["kpi_substituted"] for a in doc["agreements"]} == {
        "A1": True,
        "A2": False,
        "A3": True,
    }
    assert doc["notes"] == analysis.notes
    audit = lines_frame(analysis)
    assert list(audit["kpi_year"]) == [2024, 2024, 2022]
    assert list(audit["kpi_substituted"]) == [True, False, True]

    path = tmp_path / "rapport.xlsx"
    write_spend_report(analysis, path, rules=rules, factor_sets=factor_sets)
    book = openpyxl.load_workbook(path, read_only=True)
    summary = [row for row in book["Sammanfattning"].iter_rows(values_only=True) if row]
    remarks = [row[1] for row in summary if row[0] == "Anmärkning"]
    # The notes in Swedish (spendanalys/i18n/notes.py), one per note of the analysis.
    assert len(remarks) == len(analysis.notes)
    assert all(r.startswith("KPI saknar index för") and "KPI-år ersatt" in r for r in remarks)
    agreements = list(book["Avtal"].iter_rows(values_only=True))
    column = agreements[0].index("KPI-år ersatt")
    marks = {row[1]: row[column] for row in agreements[1:]}
    assert marks == {"A1": "Ja", "A2": "Nej", "A3": "Ja"}
    method = [row for row in book["Metod och källor"].iter_rows(values_only=True) if row]
    assert "närmaste index" in method[0][1]
    book.close()
