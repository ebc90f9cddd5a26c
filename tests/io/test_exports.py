"""Exports as other organisations' systems write them (issue 13): every sheet, a header repeated
half-way, dates in the file's own order, years, a header anywhere, constants for missing fields.

The files are the corpus cases of ``tests/corpus/make_corpus.py`` (``_export_cases``); the
figures below are the sums of the amounts written there, by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.io import read_input
from spendanalys.io.options import column_mapping, default_values, require_mapped

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "files"


def _dates(result) -> list[str]:  # type: ignore[no-untyped-def]
    return result.table["date"].dt.strftime("%Y-%m-%d").tolist()


def test_every_month_sheet_is_read_and_named_in_the_rows() -> None:
    # Jan 1,000 + 250.50, Feb 2,000 + 250.50, Mar 3,000 + 250.50 = 6,751.50 SEK
    result = read_input(CORPUS / "xlsx_sheet_per_month.xlsx", "invoices")
    assert result.rows_rejected == 0
    assert result.table["amount_sek"].sum() == pytest.approx(6751.50)
    assert result.info.sheets == ["Jan", "Feb", "Mar"]
    assert result.info.sheets_left == {"Info": "no recognised invoices header"}
    assert "read 3 of 4 sheets: 'Jan', 'Feb', 'Mar'" in result.info.notes
    assert "sheet 'Info' not read: no recognised invoices header" in result.info.notes
    files = result.table["source_file"].str.split(" \\[").str[1].str.rstrip("]").tolist()
    assert files == ["Jan", "Jan", "Feb", "Feb", "Mar", "Mar"]
    assert result.table["source_row"].tolist() == [3, 4] * 3  # title row 1, header row 2
    # Each sheet's header was recognised on its own: three spellings of the amount.
    assert [t["columns"]["amount_sek"] for t in result.info.tables] == [
        "Belopp exkl. moms",
        "Belopp",
        "Nettobelopp",
    ]


def test_the_sheet_option_still_narrows_to_one_sheet() -> None:
    result = read_input(CORPUS / "xlsx_sheet_per_month.xlsx", "invoices", sheet="Feb")
    assert result.table["amount_sek"].sum() == pytest.approx(2250.50)
    assert result.info.sheets == ["Feb"]
    assert "read sheet 'Feb' only (--sheet); not read: 'Info', 'Jan', 'Mar'" in result.info.notes
    assert set(result.table["source_file"]) == {str(CORPUS / "xlsx_sheet_per_month.xlsx")}


@pytest.mark.parametrize(
    "name", ["repeated_header_amount_moves.csv", "xlsx_repeated_header_amount_moves.xlsx"]
)
def test_a_repeated_header_starts_a_table_with_its_own_columns(name: str) -> None:
    # 1,000 + 2,000 above the second header, 3,000 + 4,000 below it (amount one column left)
    result = read_input(CORPUS / name, "invoices")
    assert result.rows_rejected == 0, result.rejected
    assert result.table["amount_sek"].tolist() == [1000.0, 2000.0, 3000.0, 4000.0]
    assert result.table["source_row"].tolist() == [2, 3, 5, 6]
    assert [t["header_row"] for t in result.info.tables] == [1, 4]
    assert any(
        "row 4 repeats the header" in n and "amount_sek in column 4 (was 5)" in n
        for n in result.info.notes
    ), result.info.notes


def test_a_header_like_row_without_the_required_columns_stays_a_rejected_row() -> None:
    text = "Fakturanummer;Leverantör;Belopp\nF1;A AB;10\nFakturanummer;Konto;Text\nF2;B AB;20\n"
    result = read_input(text.encode(), "invoices", name="x.csv")
    assert result.rows_accepted == 2
    assert [(r.row, "'Text' is not a number" in r.reason) for r in result.rejected] == [(3, True)]


def test_ddmmyy_dates_are_read_day_first() -> None:
    result = read_input(CORPUS / "dates_ddmmyy.csv", "invoices")
    assert result.rows_rejected == 0
    assert _dates(result) == ["2021-02-17", "2021-04-03", "2021-12-31"]
    assert result.table["amount_sek"].sum() == pytest.approx(600.0)
    assert not any("day/month" in n for n in result.info.notes)  # 17/02 settled it


def test_us_dates_are_read_month_first_and_noted() -> None:
    result = read_input(CORPUS / "dates_us_mdy.csv", "invoices")
    assert _dates(result) == ["2023-12-25", "2024-03-04", "2024-01-13"]
    assert any("month/day/year (US order)" in n for n in result.info.notes)


def test_an_undecidable_date_column_is_reported_not_guessed_silently() -> None:
    result = read_input(CORPUS / "dates_undecidable.csv", "invoices")
    assert _dates(result) == ["2024-04-03", "2024-06-05"]
    assert any("cannot be told apart" in n and "'03/04/2024'" in n for n in result.info.notes)


def test_the_order_is_decided_over_every_sheet_of_a_file() -> None:
    text = "Fakturanummer;Fakturadatum;Leverantör;Belopp\nF1;03/04/2024;A;1\n"
    text += "Fakturanummer;Fakturadatum;Leverantör;Belopp\nF2;04/25/2024;A;1\n"
    result = read_input(text.encode(), "invoices", name="x.csv")
    assert _dates(result) == ["2024-03-04", "2024-04-25"]


def test_every_date_shape_in_one_column() -> None:
    result = read_input(CORPUS / "dates_every_shape.csv", "invoices")
    assert result.rows_rejected == 0, result.rejected
    assert _dates(result) == [
        "2024-03-15",
        "2024-03-15",
        "2024-03-05",
        "2024-03-15",
        "2023-04-03",
        "2022-08-11",
        "2024-03-15",
    ]


def test_a_numeric_year_column_is_a_year_not_an_excel_serial() -> None:
    result = read_input(CORPUS / "xlsx_year_column_trips.xlsx", "trips")
    assert result.table["date"].dt.year.tolist() == [2019, 2019, 2021]
    assert result.info.year_only == {"date": 3}
    assert any("year only" in n for n in result.info.notes)


def test_a_year_alone_in_text_is_accepted_for_trips_and_marked() -> None:
    result = read_input(CORPUS / "trips_year_only.csv", "trips")
    assert result.table["date"].dt.year.tolist() == [2017, 2018]
    assert result.info.year_only == {"date": 2}


def test_a_year_alone_is_refused_where_a_date_is_needed() -> None:
    text = "Avtalsnummer;Startdatum;Slutdatum\nA-1;2022;2025-12-31\n"
    result = read_input(text.encode(), "contracts", name="a.csv")
    assert result.rows_accepted == 0
    assert "'2022' is a year only" in result.rejected[0].reason


def test_a_header_on_the_last_line_or_past_row_60_is_found() -> None:
    result = read_input(CORPUS / "header_on_last_line.csv", "contracts")
    assert result.info.header_row == 71 and result.rows_accepted == 0
    result = read_input(CORPUS / "header_after_60_rows.csv", "contracts")
    assert result.info.header_row == 62 and result.rows_accepted == 3


def test_header_row_option_picks_the_line() -> None:
    text = "Leverantör;Belopp\nsammanfattning;1\n\nFakturanummer;Leverantör;Belopp\nF1;A AB;10\n"
    assert read_input(text.encode(), "invoices", name="x.csv").info.header_row == 1
    result = read_input(text.encode(), "invoices", name="x.csv", header_row=4)
    assert result.info.header_row == 4 and result.table["amount_sek"].tolist() == [10.0]
    with pytest.raises(InputFormatError, match="no invoices header on line 3"):
        read_input(text.encode(), "invoices", name="x.csv", header_row=3)


def test_mapped_headers_alone_find_a_header_far_down() -> None:
    preamble = "".join(f"Rapportrad {i};Leverantör;Belopp\n" for i in range(80))
    text = preamble + "Motpart;Netto\nA AB;10\nB AB;20\n"
    columns = {"supplier": "Motpart", "amount_sek": "Netto"}
    result = read_input(text.encode(), "invoices", name="x.csv", columns=columns)
    assert result.info.header_row == 81
    assert result.table["amount_sek"].tolist() == [10.0, 20.0]


def test_default_gives_a_flight_list_its_mode() -> None:
    path = CORPUS / "flights_without_mode.csv"
    with pytest.raises(InputFormatError, match="--default"):
        read_input(path, "trips")
    defaults = default_values(["trips.mode=flight", "contracts.name=x"], "trips")
    assert defaults == {"mode": "flight"}
    result = read_input(path, "trips", defaults=defaults)
    assert result.table["mode"].tolist() == ["flight", "flight"]
    assert result.info.defaults == {"mode": "flight"}
    assert any("every row set to 'flight' (--default)" in n for n in result.info.notes)


def test_a_default_the_file_overrides_or_cannot_hold_is_said() -> None:
    text = "Resedatum;Färdsätt\n2024-01-05;Tåg\n"
    result = read_input(text.encode(), "trips", name="t.csv", defaults={"mode": "flight"})
    assert result.table["mode"].tolist() == ["Tåg"]
    assert any("not used: the file has a column for mode" in n for n in result.info.notes)
    with pytest.raises(ConfigurationError, match="travellers"):
        read_input(text.encode(), "trips", name="t.csv", defaults={"travellers": "några"})


def test_unprefixed_mapping_applies_where_the_header_is() -> None:
    trips = "Resedatum;Färdsätt\n2024-01-05;Tåg\n".encode()
    fte = "År;Årsarbetskrafter;DIVISION\n2024;10;IT\n".encode()
    options = ["unit=DIVISION"]
    a = read_input(trips, "trips", name="t.csv", columns=column_mapping(options, "trips"))
    b = read_input(fte, "fte", name="f.csv", columns=column_mapping(options, "fte"))
    assert b.table["unit"].tolist() == ["IT"] and a.rows_accepted == 1
    require_mapped([a.info, b.info])  # one input has it: fine
    with pytest.raises(ConfigurationError, match="no input has the header 'DIVISION'"):
        require_mapped([a.info])
    with pytest.raises(InputFormatError, match="'DIVISION'"):  # prefixed: this input must have it
        read_input(
            trips, "trips", name="t.csv", columns=column_mapping(["trips.unit=DIVISION"], "trips")
        )


def test_spend_json_tells_which_sheets_were_read(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from spendanalys.cli import main

    contracts = Path(__file__).resolve().parents[2] / "sample_data" / "avtalsforteckning.xlsx"
    invoices = CORPUS / "xlsx_sheet_per_month.xlsx"
    argv = ["spend", "--contracts", str(contracts), "--invoices", str(invoices)]
    assert main([*argv, "--format", "json", "--as-of", "2024-12-31"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"]["spend_sek"] == pytest.approx(6751.50)
    assert any("read 3 of 4 sheets" in n for n in doc["notes"])


def test_travel_rows_of_a_year_column_land_in_their_years(tmp_path: Path) -> None:
    from spendanalys.travel.analysis import run_travel

    fte = tmp_path / "fte.csv"
    fte.write_text("År;Årsarbetskrafter\n2019;100\n2021;100\n", encoding="utf-8")
    analysis = run_travel([CORPUS / "xlsx_year_column_trips.xlsx"], [fte])
    years = analysis.years.dropna(subset=["kg_co2e"])["year"].tolist()
    assert years == [2019, 2021]
    assert any("year only" in n for n in analysis.notes)
    assert not any(pd.Timestamp(d).year == 1905 for d in analysis.input_trips["date"])
