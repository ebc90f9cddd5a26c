"""The register as agreements (spend/register.py) and invoice lines given twice
(spend/duplicates.py): what is merged, what is rejected, and what is kept with a note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spendanalys.spend.duplicates import _one_value, repeated_lines
from spendanalys.spend.linking import link_invoices_to_agreements
from spendanalys.spend.register import _exact_repeats, attribute_suppliers, consolidate_register


def _register(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["source_file"] = "avtal.xlsx"
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


def test_identical_rows_are_one_row_given_twice() -> None:
    """Row 3 repeats row 2 in every field: rejected, pointing at row 2; the value is counted
    once (100, not 200). Row 4 shares the id with another value (a second lot): kept, summed."""
    register = _register(
        [
            {"agreement_id": "A-1", "name": "Städ", "supplier": "Städ AB", "value_sek": 100.0},
            {"agreement_id": "A-1", "name": "Städ", "supplier": "Städ AB", "value_sek": 100.0},
            {"agreement_id": "A-1", "name": "Städ", "supplier": "Städ AB", "value_sek": 50.0},
            {"agreement_id": " ", "name": "Utan id", "supplier": "X AB", "value_sek": 1.0},
        ]
    )
    consolidated = consolidate_register(register)
    assert [(r.row, r.column) for r in consolidated.rejected] == [
        (3, "agreement_id"),
        (5, "agreement_id"),
    ]
    assert "identical in every field to row 2 of avtal.xlsx" in consolidated.rejected[0].reason
    assert consolidated.rejected[1].reason == "agreement id is empty"
    (agreement,) = consolidated.agreements.to_dict("records")
    assert agreement["value_sek"] == 150.0
    assert (agreement["register_rows"], agreement["supplier_count"]) == (2, 1)
    assert consolidated.notes == []


def test_rows_sharing_an_id_but_not_a_name_are_kept_with_a_note() -> None:
    register = _register(
        [
            {"agreement_id": "MT3409", "name": "Björnmodell", "value_sek": 1_140_000.0},
            {"agreement_id": "mt3409", "name": "DIS viltförvaltning", "value_sek": 73_149_990.0},
        ]
    )
    consolidated = consolidate_register(register)
    assert consolidated.rejected == []
    (agreement,) = consolidated.agreements.to_dict("records")
    assert agreement["agreement_id"] == "MT3409"  # as its first row writes it
    assert agreement["value_sek"] == 74_289_990.0
    assert agreement["names"] == "Björnmodell; DIS viltförvaltning"
    (note,) = consolidated.notes
    assert "'MT3409' has 2 rows with different names" in note and "'DIS viltförvaltning'" in note


def test_dates_and_miljokrav_of_several_rows() -> None:
    """Earliest start, latest end; yes when a row has miljökrav at the highest level named;
    no only when every row says no; otherwise unknown."""
    register = _register(
        [
            {"agreement_id": "R", "start_date": "2023-02-01", "end_date": "2026-01-31",
             "environmental_requirements": True, "requirement_level": "bas"},
            {"agreement_id": "R", "start_date": "2023-01-01", "end_date": "2027-12-31",
             "environmental_requirements": True, "requirement_level": "avancerad"},
            {"agreement_id": "N", "environmental_requirements": False},
            {"agreement_id": "N", "environmental_requirements": False},
            {"agreement_id": "U", "environmental_requirements": False},
            {"agreement_id": "U", "environmental_requirements": None},
        ]
    )  # fmt: skip
    register["environmental_requirements"] = register["environmental_requirements"].astype(
        "boolean"
    )
    register["requirement_level"] = register["requirement_level"].astype("string")
    for column in ("start_date", "end_date"):
        register[column] = pd.to_datetime(register[column])
    agreements = consolidate_register(register).agreements.set_index("agreement_id")
    assert agreements.at["R", "start_date"] == pd.Timestamp("2023-01-01")
    assert agreements.at["R", "end_date"] == pd.Timestamp("2027-12-31")
    assert agreements.at["R", "requirement_level"] == "avancerad"
    flags = agreements["environmental_requirements"]
    assert (flags["R"], flags["N"]) == (True, False)
    assert pd.isna(flags["U"])


def test_lines_link_by_any_suppliers_org_number_and_are_attributed() -> None:
    register = _register(
        [
            {"agreement_id": "RAM", "supplier": "Alfa AB", "org_number": "5566778899"},
            {"agreement_id": "RAM", "supplier": "Beta AB", "org_number": "5591234567"},
            {"agreement_id": "SOLO", "supplier": "Norsk Transport AS", "org_number": "NO923609016"},
        ]
    )
    consolidated = consolidate_register(register)
    lines = pd.DataFrame(
        {
            "supplier": ["Beta AB", "Alfa AB", "NORSK TRANSPORT A/S", "Okänd AB"],
            "org_number": ["5591234567", None, None, None],
            "amount_sek": [1.0, 2.0, 3.0, 4.0],
        }
    )
    linked = link_invoices_to_agreements(lines, consolidated.rows)
    assert linked["linked_agreement_id"].astype(object).tolist()[:3] == ["RAM", "RAM", "SOLO"]
    assert linked["link_rule"].astype(str).tolist() == [
        "org_number",
        "supplier_name",
        "supplier_name",
        "unlinked",
    ]
    suppliers = consolidated.suppliers
    attributed = attribute_suppliers(linked, suppliers)
    names = [suppliers["supplier"].iloc[i] if i >= 0 else None for i in attributed]
    assert names == ["Beta AB", "Alfa AB", "Norsk Transport AS", None]


def _invoices(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["source_file", "source_row", "invoice_id", "supplier", "date", "amount_sek"]
    )
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_a_line_in_two_files_is_counted_once_but_equal_lines_of_one_file_are_kept() -> None:
    invoices = _invoices(
        [
            ("2024.csv", 2, "F1", "Alfa AB", "2024-12-15", 100.0),
            ("2024.csv", 3, "F1", "Alfa AB", "2024-12-15", 100.0),  # same file: two lines
            ("2025.csv", 2, "F1", "ALFA AB", "2024-12-15", 100.0),  # the overlap
            ("2025.csv", 3, "F1", "Alfa AB", "2024-12-15", 100.01),  # another amount
            ("2025.csv", 4, None, "Alfa AB", "2024-12-15", 100.0),  # no invoice id
        ]
    )
    repeat, rejected, notes = repeated_lines(invoices)
    assert repeat.tolist() == [False, False, True, False, False]
    (row,) = rejected
    assert (row.file, row.row) == ("2025.csv", 2)
    assert "duplicate of 2024.csv row 2" in row.reason
    assert notes == ["1 invoice line has no invoice id: not checked for repeats across files"]


def test_one_file_is_never_checked_against_itself() -> None:
    invoices = _invoices([("a.csv", 2, "F1", "A", "2024-01-01", 1.0)] * 2)
    repeat, rejected, notes = repeated_lines(invoices)
    assert not repeat.any() and rejected == [] and notes == []


def test_sheets_of_one_workbook_are_sources_of_their_own() -> None:
    invoices = _invoices([("a.xlsx", 2, "F1", "A", "2024-01-01", 1.0)] * 2)
    invoices["source_sheet"] = ["Jan", "Feb"]
    repeat, rejected, _ = repeated_lines(invoices)
    assert repeat.tolist() == [False, True]
    assert "duplicate of a.xlsx [Jan] row 2" in rejected[0].reason


@pytest.mark.parametrize("n", [1, 3])
def test_every_repeat_is_rejected_in_a_third_file(n: int) -> None:
    rows = [(f"{i}.csv", 2, "F1", "A", "2024-01-01", 5.0) for i in range(n + 1)]
    repeat, rejected, _ = repeated_lines(_invoices(rows))
    assert int(repeat.sum()) == n and len(rejected) == n
    assert all("0.csv row 2" in r.reason for r in rejected)


@pytest.mark.parametrize("seed", range(10))
def test_exact_repeats_is_the_grouping_of_every_field(seed: int) -> None:
    """Rows identical in every field (a missing value matching a missing one) are repeats of
    the first such row: what grouping the fields as Python objects gives."""
    rng = np.random.default_rng(seed)
    n = 60
    frame = pd.DataFrame(
        {
            "agreement_id": pd.array(rng.choice(["A-1", "A-2", None], n), dtype="string"),
            "supplier": pd.array(rng.choice(["Städ AB", "Bygg HB", None], n), dtype="string"),
            "value_sek": rng.choice([1000.0, 250.5, np.nan], n),
            "start_date": pd.to_datetime(rng.choice(["2024-01-01", "2023-05-01", None], n)),
            "environmental_requirements": pd.array(rng.choice([True, False, None], n), "boolean"),
        }
    )
    repeat, first = _exact_repeats(frame)
    group = frame.astype(object).groupby(list(frame), dropna=False, sort=False).ngroup()
    want_first = pd.Series(np.arange(n)).groupby(group.to_numpy()).transform("min").to_numpy()
    np.testing.assert_array_equal(repeat, want_first != np.arange(n))
    np.testing.assert_array_equal(first, np.where(repeat, want_first, -1))


@pytest.mark.parametrize(
    "values",
    [
        ["2024.csv"] * 3,
        ["2024.csv", "2024.csv", "2025.csv"],
        ["2024.csv", None, "2024.csv"],
        [None, None],
        ["", ""],
        ["a.xlsx [Jan]", "a.xlsx [Feb]"],
    ],
)
@pytest.mark.parametrize("dtype", ["string", "object"])
def test_one_source_is_what_nunique_says(values: list[str | None], dtype: str) -> None:
    """The one-file check compares an Arrow column with its first value, across chunks."""
    series = pd.Series(values, dtype=dtype)
    want = series.nunique(dropna=False) < 2
    assert _one_value(series) == want
    chunked = pd.concat([series, series.iloc[:1]], ignore_index=True)  # two Arrow chunks
    assert _one_value(chunked) == (chunked.nunique(dropna=False) < 2)
