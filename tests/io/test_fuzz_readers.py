"""Hypothesis fuzzing of every reader (issue 7, item 2): CSV bytes and workbooks from nasty cells.

Properties, for each kind (contracts, invoices, trips, fte) and each container:

- only InputFormatError may escape ``read_input``;
- when the file is read, every non-empty data row below the header is accounted for exactly
  once: accepted + rejected == non-empty data rows that are not total rows ("Summa"...);
- accepted numbers are finite and the table has exactly the canonical columns.

Budget: ``make test`` runs the ``default`` profile of tests/conftest.py, spread over the four
kinds (100 CSV and 100 workbook examples in all, a quarter per kind: about 10 s); ``make stress``
runs this module with ``HYPOTHESIS_PROFILE=stress``: the profile's 2,000 examples for every kind
and container (2,000 CSV and 2,000 workbook examples per reader).
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime

import numpy as np
import pytest
from corpus.make_corpus import CONTRACTS, FTE, INVOICES, TRIPS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from spendanalys.errors import InputFormatError
from spendanalys.io import read_input
from spendanalys.io.headers import is_total_label
from spendanalys.schema import canonical_columns

HEADERS = {"contracts": CONTRACTS, "invoices": INVOICES, "trips": TRIPS, "fte": [*FTE, "Enhet"]}
REQUIRED = {  # headers that must stay so the file is recognisably of its kind
    "contracts": ["Avtalsnummer", "Avtalsnamn"],
    "invoices": ["Belopp exkl. moms", "Leverantör"],
    "trips": ["Resedatum", "Färdsätt"],
    "fte": ["År", "Årsarbetskrafter"],
}

NUMBER_TEXTS = st.one_of(
    st.sampled_from(
        [
            "1 234,50",
            "-1 234,50",
            "1,234.50",
            "1.234,50",
            "12",
            "1e3",
            "(123)",
            "12 kr",
            "-",
            "abc",
            "1,2,3",
            "NaN",
            "inf",
            "-0",
            "٣",
            "0,0001",
            "9" * 40,
            "1\u00a0234",
            "+5",
            "2020,5",
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(-(10**6), 10**6, places=2, allow_nan=False).map(lambda d: str(d).replace(".", ",")),
)
DATE_TEXTS = st.one_of(
    st.sampled_from(
        [
            "2024-01-15",
            "15/01/2024",
            "2024-13-45",
            "20240115",
            "45000",
            "igår",
            "3 maj 2023",
            "01-JUN-2012",
            "2024-02-30",
            "0000-00-00",
            "31.12.1999",
        ]
    ),
    st.dates(date(1900, 1, 1), date(2200, 12, 31)).map(lambda d: d.isoformat()),
)
TEXTS = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=25),
    st.sampled_from(
        [
            "Summa",
            "Totalt",
            "Grand Total",
            "=1+1",
            "+46",
            "@x",
            '"',
            '""',
            ";",
            ",",
            "\t",
            "\n",
            "\r\n",
            " ",
            "Ja",
            "Nej",
            "X",
            "Flyg",
            "Tåg",
            "556677-8899",
            "SE556677889901",
            "79620000-6",
            "<b>x</b>",
        ]
    ),
)
CELLS = st.one_of(NUMBER_TEXTS, DATE_TEXTS, TEXTS, st.just(""))


@st.composite
def tables(draw: st.DrawFn, kind: str) -> tuple[list[str], list[list[str]]]:
    """A header (required columns plus a random subset, shuffled) and rows of nasty cells."""
    optional = [h for h in HEADERS[kind] if h not in REQUIRED[kind]]
    chosen = draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    header = draw(st.permutations([*REQUIRED[kind], *chosen]))
    if draw(st.booleans()):
        header = [*header, "Kommentar"]
    width = len(header)
    row = st.lists(CELLS, min_size=max(0, width - 2), max_size=width + 2)
    rows = draw(st.lists(row, max_size=12))
    return list(header), rows


def expected_rows(rows: list[list[object]]) -> int:
    """Non-empty rows whose first non-empty cell is not a total label (the readers' contract)."""
    count = 0
    for row in rows:
        cells = [c for c in row if c is not None and str(c).strip() != ""]
        if not cells:
            continue
        first = cells[0]
        if isinstance(first, str) and is_total_label(first.strip()):
            continue
        count += 1
    return count


def check_result(kind: str, data: bytes, name: str, rows: list[list[object]]) -> None:
    try:
        result = read_input(data, kind, name=name)  # type: ignore[arg-type]
    except InputFormatError as exc:
        assert exc.file == name and exc.reason
        return
    assert list(result.table.columns) == canonical_columns(kind)  # type: ignore[arg-type]
    accepted = result.table["source_row"].tolist()
    rejected = [r.row for r in result.rejected]
    assert len(set(accepted) | set(rejected)) == len(accepted) + len(rejected)
    if result.info.header_row == 1:
        assert len(accepted) + len(rejected) == expected_rows(rows), (
            result.rejected,
            result.info.notes,
        )
    for column in result.table.select_dtypes("float64").columns:
        assert np.isfinite(result.table[column].dropna()).all(), f"{column}: non-finite value"


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    content = buffer.getvalue()
    try:
        return content.encode(encoding)
    except UnicodeEncodeError:
        return content.encode("utf-8")


def physical_rows(content: bytes, rows: list[list[str]]) -> list[list[str]]:
    """The rows as the reader will see them: CR becomes LF, so '\\r' alone is not a cell."""
    return [[c.replace("\r", "\n") for c in row] for row in rows]


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])
DELIMITERS = st.sampled_from([";", ",", "\t", "|"])
KINDS = ["contracts", "invoices", "trips", "fte"]
STRESS = os.environ.get("HYPOTHESIS_PROFILE") == "stress"
PER_KIND = settings.default.max_examples if STRESS else max(10, settings.default.max_examples // 4)
FUZZ = settings(
    max_examples=PER_KIND, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_csv_reader_accounts_for_every_row(kind, data):
    header, rows = data.draw(tables(kind))
    delimiter = data.draw(DELIMITERS)
    encoding = data.draw(ENCODINGS)
    content = csv_bytes(header, rows, delimiter, encoding)
    check_result(kind, content, "fuzz.csv", physical_rows(content, rows))


WORKBOOK_TEXTS = TEXTS.filter(lambda s: not s.startswith("=")).map(
    lambda s: "".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 32)
)
WORKBOOK_CELLS = st.one_of(
    WORKBOOK_TEXTS,
    NUMBER_TEXTS,
    DATE_TEXTS,
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(10**9), 10**9),
    st.datetimes(datetime(1901, 1, 1), datetime(2199, 12, 31)),
)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_workbook_reader_accounts_for_every_row(kind, data):
    header, _ = data.draw(tables(kind))
    width = len(header)
    rows = data.draw(
        st.lists(st.lists(WORKBOOK_CELLS, min_size=width - 1, max_size=width), max_size=10)
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Blad1")
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    cleaned = [[c.strip() if isinstance(c, str) else c for c in row] for row in rows]
    check_result(kind, buffer.getvalue(), "fuzz.xlsx", cleaned)


# Found by this module (fixed in the readers): a whole number over 2**63 raised TypeError.
@pytest.mark.parametrize("value", ["5.171517297299613e+63", "9" * 25])
def test_whole_number_overflow_is_a_rejected_row(value):
    content = f"Resedatum;Färdsätt;Antal resenärer\n2024-01-01;Flyg;{value}\n2024-01-02;Tåg;1\n"
    result = read_input(content.encode(), "trips", name="t.csv")
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=4096), name=st.sampled_from(["x.csv", "x.xlsx", "x.txt"]))
def test_arbitrary_bytes_only_raise_input_format_error(content, name):
    """Any bytes at all: a ReadResult or an InputFormatError, nothing else."""
    try:
        read_input(content, "invoices", name=name)
    except InputFormatError as exc:
        assert exc.file == name


QUOTED_TEXTS = st.one_of(TEXTS, st.sampled_from(['"', '"Livsmedel', 'skärm 15"', '"a""b', 'x"y']))


@pytest.mark.parametrize("kind", ["contracts", "invoices"])
@FUZZ
@given(data=st.data())
def test_unescaped_quotes_never_lose_or_double_a_row(kind, data):
    """Exports that do not escape quotes: stray ``"`` anywhere, written as is (no csv module).

    A stray quote can join lines into one record; every line it joins must still be accounted
    for (accepted or rejected, once), and only InputFormatError may escape.
    """
    header, _ = data.draw(tables(kind))
    width = len(header)
    cell = st.one_of(NUMBER_TEXTS, DATE_TEXTS, QUOTED_TEXTS, st.just("")).map(
        lambda s: s.replace(";", " ").replace("\n", " ").replace("\r", " ")
    )
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=12))
    lines = [";".join(header), *(";".join(r) for r in rows)]
    content = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        result = read_input(content, kind, name="raw.csv")  # type: ignore[arg-type]
    except InputFormatError as exc:
        assert exc.file == "raw.csv" and exc.reason
        return
    accepted = result.table["source_row"].tolist()
    rejected = [r.row for r in result.rejected]
    assert len(set(accepted) | set(rejected)) == len(accepted) + len(rejected)
    assert all(result.info.header_row < r <= len(lines) for r in accepted + rejected)
    if result.info.header_row == 1 and '"' not in content.decode():
        assert len(accepted) + len(rejected) == expected_rows(rows)
