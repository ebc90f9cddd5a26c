"""Write the corpus of malformed and hostile inputs (``tests/corpus/files/``) and its README.

Run ``python tests/corpus/make_corpus.py`` from the repository root; the output is deterministic
(fixed zip timestamps, no randomness), so a re-run changes nothing unless a case changed.

Each case states what it tests and the expected outcome through the upload path
(``check_upload`` → ``read_input`` → ``reject_control_characters``):

- ``rejected: <text>``: an InputFormatError naming the file whose reason contains ``<text>``;
- ``partial: N accepted, M rejected``: N + M is the number of non-empty data rows in the file
  (total rows such as "Summa" are not data rows and are noted, not counted).

``tests/io/test_corpus.py`` reads the README table back, so the README is the single statement of
what each file must do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import hostile_files as hf  # noqa: E402

FILES = HERE / "files"
MAX_BYTES = 50 * 1024

CONTRACTS = [
    "Avtalsnummer",
    "Avtalsnamn",
    "Leverantör",
    "Organisationsnummer",
    "Startdatum",
    "Slutdatum",
    "Avtalsvärde",
    "Miljökrav",
]
CONTRACT_ROWS = [
    [
        "A-1",
        "Städtjänster",
        "Rent & Fint AB",
        "556677-8899",
        "2022-01-01",
        "2025-12-31",
        "1 200 000",
        "Ja",
    ],
    [
        "A-2",
        "IT-konsulter",
        "Data Öst AB",
        "5566778800",
        "2023-03-01",
        "2026-02-28",
        "350000",
        "Nej",
    ],
    ["A-3", "Livsmedel", "Mat i Norr AB", "556000-1111", "2021-07-01", "2024-06-30", "", ""],
]
INVOICES = [
    "Fakturanummer",
    "Fakturadatum",
    "Leverantör",
    "Organisationsnummer",
    "Konto",
    "Belopp exkl. moms",
    "Avtalsnummer",
    "Fakturatext",
]
INVOICE_ROWS = [
    [
        "F-1",
        "2024-01-15",
        "Rent & Fint AB",
        "556677-8899",
        "6540",
        "12 500,00",
        "A-1",
        "Städning januari",
    ],
    ["F-2", "2024-02-15", "Data Öst AB", "5566778800", "6540", "-1 250,50", "A-2", "Kreditnota"],
    ["F-3", "2024-03-01", "Mat i Norr AB", "556000-1111", "4010", "999,95", "", "Kaffe"],
]
TRIPS = [
    "Resedatum",
    "Färdsätt",
    "Från",
    "Till",
    "Avstånd (km)",
    "Antal resenärer",
    "Klass",
    "Tur och retur",
    "Enhet",
    "Kön",
    "Kostnad (kr)",
    "Hotellnätter",
]
TRIP_ROWS = [
    ["2024-02-01", "Flyg", "ARN", "LLA", "700", "1", "Ekonomi", "Ja", "Enhet A", "K", "3 200", "1"],
    [
        "2024-03-10",
        "Tåg",
        "Stockholm",
        "Göteborg",
        "455",
        "2",
        "",
        "Nej",
        "Enhet B",
        "M",
        "1 100",
        "0",
    ],
    ["2023-11-05", "Bil", "Umeå", "Skellefteå", "140", "1", "", "Ja", "Enhet A", "", "", ""],
]
FTE = ["År", "Årsarbetskrafter"]
FTE_ROWS = [["2019", "512,5"], ["2022", "530"], ["2024", "541,2"]]


@dataclass(frozen=True)
class Case:
    file: str
    kind: str
    tests: str
    expected: str
    build: Callable[[], bytes]


def text(rows: Sequence[Sequence[object]], delimiter: str = ";", newline: str = "\n") -> str:
    """Rows joined as delimited text (cells are written as given: quoting is the case's job)."""
    return "".join(delimiter.join(str(c) for c in row) + newline for row in rows)


def csv_bytes(
    rows: Sequence[Sequence[object]],
    encoding: str = "utf-8",
    delimiter: str = ";",
    newline: str = "\n",
    prefix: bytes = b"",
) -> bytes:
    return prefix + text(rows, delimiter, newline).encode(encoding)


def base(kind: str) -> list[list[str]]:
    header, rows = {
        "contracts": (CONTRACTS, CONTRACT_ROWS),
        "invoices": (INVOICES, INVOICE_ROWS),
        "trips": (TRIPS, TRIP_ROWS),
        "fte": (FTE, FTE_ROWS),
    }[kind]
    return [list(header), *[list(r) for r in rows]]


def with_cell(rows: list[list[str]], row: int, column: int, value: str) -> list[list[str]]:
    changed = [list(r) for r in rows]
    changed[row][column] = value
    return changed


def _ok(n: int, m: int = 0) -> str:
    return f"partial: {n} accepted, {m} rejected"


def _rej(reason: str) -> str:
    return f"rejected: {reason}"


def _encoding_cases() -> list[Case]:
    c = base("contracts")
    return [
        Case("utf8_plain.csv", "contracts", "UTF-8 without BOM, `;`", _ok(3), lambda: csv_bytes(c)),
        Case(
            "utf8_bom.csv",
            "contracts",
            "UTF-8 with BOM (Excel 'CSV UTF-8')",
            _ok(3),
            lambda: csv_bytes(c, "utf-8-sig"),
        ),
        Case(
            "utf8_double_bom.csv",
            "contracts",
            "two BOMs (a BOM re-saved): the second is text",
            _ok(3),
            lambda: csv_bytes(c, "utf-8-sig", prefix=b"\xef\xbb\xbf"),
        ),
        Case(
            "cp1252_umlaut.csv",
            "invoices",
            "Windows-1252 (Swedish Excel 'CSV'), å ä ö",
            _ok(3),
            lambda: csv_bytes(base("invoices"), "cp1252"),
        ),
        Case(
            "utf16le_bom_tab.csv",
            "contracts",
            "UTF-16 LE with BOM, tab-separated (Excel 'Unicode text')",
            _ok(3),
            lambda: csv_bytes(c, "utf-16", "\t"),
        ),
        Case(
            "utf16le_nobom_tab.csv",
            "contracts",
            "UTF-16 LE without BOM",
            _ok(3),
            lambda: csv_bytes(c, "utf-16-le", "\t"),
        ),
        Case(
            "utf16be_bom.csv",
            "contracts",
            "UTF-16 BE with BOM",
            _ok(3),
            lambda: csv_bytes(c, "utf-16-be", prefix=b"\xfe\xff"),
        ),
        Case(
            "utf16_odd_length.csv",
            "contracts",
            "UTF-16 with a BOM cut mid-character",
            _rej("UTF-16"),
            lambda: csv_bytes(c, "utf-16")[:-1],
        ),
        Case(
            "utf32_bom.csv",
            "contracts",
            "UTF-32 (not supported): refused, not misread",
            _rej("NUL"),
            lambda: csv_bytes(c, "utf-32"),
        ),
        Case(
            "mac_roman.csv",
            "contracts",
            "MacRoman bytes (read as cp1252: letters change, rows do not)",
            _ok(3),
            lambda: csv_bytes(c, "mac_roman"),
        ),
        Case(
            "mixed_utf8_cp1252.csv",
            "contracts",
            "one cp1252 line in a UTF-8 file",
            _ok(3),
            lambda: csv_bytes(c[:3]) + csv_bytes(c[3:], "cp1252"),
        ),
        Case(
            "crlf_stray_cr.csv",
            "fte",
            "CRLF file with a stray bare CR inside a row: the CR "
            "is content, so the row is rejected (reported, with both values)",
            _ok(1, 1),
            lambda: b"\xc3\x85r;\xc3\x85rsarbetskrafter\r\n2019;512,5\r2022;530\r\n2024;541,2\r",
        ),
        Case(
            "bare_cr_only.csv",
            "fte",
            "old Mac line ends (bare CR only)",
            _ok(3),
            lambda: b"\xc3\x85r;\xc3\x85rsarbetskrafter\r2019;512,5\r2022;530\r2024;541,2\r",
        ),
    ]


def _delimiter_cases() -> list[Case]:
    c = base("contracts")
    money = [
        ["Fakturanummer", "Leverantör", "Belopp"],
        ["F-1", "A AB", '"1,234.50"'],
        ["F-2", "B AB", '"-20.00"'],
        ["F-3", "C AB", "7"],
    ]
    return [
        Case(
            "comma_delimited.csv",
            "contracts",
            "`,` delimiter, values without commas",
            _ok(3),
            lambda: csv_bytes([[x.replace(" ", "") for x in r] for r in c], delimiter=","),
        ),
        Case(
            "tab_delimited.csv",
            "contracts",
            "tab delimiter in a .csv",
            _ok(3),
            lambda: csv_bytes(c, delimiter="\t"),
        ),
        Case(
            "pipe_delimited.csv",
            "contracts",
            "`|` delimiter",
            _ok(3),
            lambda: csv_bytes(c, delimiter="|"),
        ),
        Case(
            "comma_decimal_dot.csv",
            "invoices",
            "`,` delimiter, quoted 1,234.50 amounts",
            _ok(3),
            lambda: csv_bytes(money, delimiter=","),
        ),
        Case(
            "semicolon_decimal_comma.csv",
            "invoices",
            "`;`, decimal comma, space thousands",
            _ok(3),
            lambda: csv_bytes(base("invoices")),
        ),
    ]


def _quote_cases() -> list[Case]:
    c = base("contracts")
    return [
        Case(
            "crlf_in_quoted.csv",
            "contracts",
            "CRLF inside a quoted field (a row spans lines)",
            _ok(3),
            lambda: csv_bytes(with_cell(c, 1, 1, '"Städ\r\nav kontor"'), newline="\r\n"),
        ),
        Case(
            "doubled_quotes.csv",
            "contracts",
            'escaped "" inside a quoted field',
            _ok(3),
            lambda: csv_bytes(with_cell(c, 2, 1, '"IT ""plus"" avtal"')),
        ),
        Case(
            "quote_mid_field.csv",
            "contracts",
            "a quote inside an unquoted field",
            _ok(3),
            lambda: csv_bytes(with_cell(c, 2, 1, 'IT "plus" avtal')),
        ),
        Case(
            "unterminated_quote.csv",
            "contracts",
            "an opening quote never closed in the last row: that row is rejected, the rest read",
            _ok(2, 1),
            lambda: csv_bytes(with_cell(c, 3, 1, '"Livsmedel')),
        ),
        Case(
            "unterminated_quote_middle.csv",
            "contracts",
            "a quote never closed in the third of four rows: parsing resumes on the next line",
            _ok(3, 1),
            lambda: csv_bytes(with_cell([*c, ["A-4", *c[1][1:]]], 3, 1, '"Livsmedel')),
        ),
        Case(
            "stray_quote_swallows_row.csv",
            "contracts",
            "a stray opening quote closed by a quote two rows down: one record holding whole "
            "rows; each of its three lines rejected with the reason, the next row read",
            _ok(1, 3),
            lambda: csv_bytes(
                with_cell(
                    with_cell([*c, ["A-4", *c[1][1:]]], 1, 1, '"IT-konsulter'), 3, 1, 'Livsmedel"'
                )
            ),
        ),
        Case(
            "delimiter_in_quoted.csv",
            "contracts",
            "`;` inside a quoted name",
            _ok(3),
            lambda: csv_bytes(with_cell(c, 1, 1, '"Städ; kontor"')),
        ),
    ]


def _shape_cases() -> list[Case]:
    c = base("contracts")
    long_row = [*c[2], *["extra"] * 300]
    return [
        Case(
            "ragged_short_rows.csv",
            "contracts",
            "rows with fewer cells than the header",
            _ok(3),
            lambda: csv_bytes([c[0], c[1][:2], c[2][:1], c[3]]),
        ),
        Case(
            "ragged_long_rows.csv",
            "contracts",
            "rows with more cells than the header",
            _ok(1, 2),
            lambda: csv_bytes([c[0], [*c[1], "x"], [*c[2], "", "y"], c[3]]),
        ),
        Case(
            "huge_field_40k.csv",
            "contracts",
            "a 40,000-character name (over Excel's cell limit)",
            _ok(3),
            lambda: csv_bytes(with_cell(c, 1, 1, "Å" * 20_000 + "a" * 20_000), "cp1252"),
        ),
        Case(
            "very_wide_row.csv",
            "contracts",
            "one row with 300 extra cells",
            _ok(2, 1),
            lambda: csv_bytes([c[0], c[1], long_row, c[3]]),
        ),
        Case(
            "extreme_width.csv",
            "contracts",
            "a line of 5,000 separators (reader cost grows with width)",
            _rej("separators"),
            lambda: csv_bytes([c[0], c[1], [*c[2], *[""] * 5000], c[3]]),
        ),
        Case(
            "empty_lines_between.csv",
            "contracts",
            "blank and whitespace-only lines between rows",
            _ok(3),
            lambda: csv_bytes([c[0], [""], c[1], [" ;  ;"], c[2], [], c[3]]),
        ),
        Case(
            "title_rows.csv",
            "contracts",
            "three title lines above the header",
            _ok(3),
            lambda: csv_bytes([["Avtalsförteckning 2024"], ["Export 2024-05-01"], [""], *c]),
        ),
        Case(
            "header_after_60_rows.csv",
            "contracts",
            "header below the 60 rows searched",
            _rej("no recognised contracts header"),
            lambda: csv_bytes([[f"rad {i}"] for i in range(61)] + c),
        ),
        Case(
            "total_row.csv",
            "invoices",
            "a final 'Summa' row (not data: noted)",
            _ok(3),
            lambda: csv_bytes([*base("invoices"), ["Summa", "", "", "", "", "12 249,45", "", ""]]),
        ),
        Case("header_only.csv", "contracts", "header, no data", _ok(0), lambda: csv_bytes(c[:1])),
        Case("empty.csv", "contracts", "zero bytes", _rej("empty"), lambda: b""),
        Case(
            "whitespace_only.csv",
            "contracts",
            "only spaces and newlines",
            _rej("empty"),
            lambda: b"  \n\n \r\n",
        ),
    ]


def _header_cases() -> list[Case]:
    c = base("contracts")
    return [
        Case(
            "wrong_headers.csv",
            "contracts",
            "headers of another export",
            _rej("no recognised contracts header"),
            lambda: csv_bytes([["Namn", "Adress", "Telefon"], ["A", "B", "C"]]),
        ),
        Case(
            "duplicate_headers.csv",
            "contracts",
            "Avtalsnummer twice (first wins, noted)",
            _ok(3),
            lambda: csv_bytes([[*r, r[0]] for r in c]),
        ),
        Case(
            "headers_case_space.csv",
            "contracts",
            "headers in upper case with spaces",
            _ok(3),
            lambda: csv_bytes([[f"  {h.upper()} " for h in c[0]], *c[1:]]),
        ),
        Case(
            "missing_amount_column.csv",
            "invoices",
            "invoices without an amount column",
            _rej("amount_sek"),
            lambda: csv_bytes([r[:5] for r in base("invoices")]),
        ),
        Case(
            "optional_columns_missing.csv",
            "contracts",
            "only Avtalsnummer and Avtalsnamn (every optional field absent)",
            _ok(3),
            lambda: csv_bytes([r[:2] for r in c]),
        ),
        Case(
            "trips_minimal_columns.csv",
            "trips",
            "trips with date and mode only",
            _ok(3),
            lambda: csv_bytes([r[:2] for r in base("trips")]),
        ),
    ]


def _value_cases() -> list[Case]:
    inv = base("invoices")
    bad_amounts = [
        inv[0],
        inv[1],
        with_cell(inv, 2, 5, "abc")[2],
        with_cell(inv, 3, 5, "")[3],
        [*inv[1][:5], "12,34,56", *inv[1][6:]],
        [*inv[1][:5], "1e308", *inv[1][6:]],
    ]
    c = base("contracts")
    dates = [
        c[0],
        c[1],
        with_cell(c, 2, 4, "2024-13-45")[2],
        with_cell(c, 3, 5, "igår")[3],
        [*c[1][:4], "32/01/2024", *c[1][5:]],
    ]
    t = base("trips")
    trips = [
        t[0],
        t[1],
        with_cell(t, 2, 4, "långt")[2],
        with_cell(t, 3, 5, "2,5")[3],
        [*t[1][:1], "", *t[1][2:]],
        ["igår", *t[1][1:]],
    ]
    f = base("fte")
    return [
        Case(
            "invoices_bad_amounts.csv",
            "invoices",
            "amounts: text, blank (required), 12,34,56 and 1e308 (over 1e15) rejected",
            _ok(1, 4),
            lambda: csv_bytes(bad_amounts),
        ),
        Case(
            "contracts_bad_dates.csv",
            "contracts",
            "dates: month 13, 'igår', 32/01",
            _ok(1, 3),
            lambda: csv_bytes(dates),
        ),
        Case(
            "trips_garbage.csv",
            "trips",
            "distance text, 2.5 travellers, blank mode, bad date",
            _ok(1, 4),
            lambda: csv_bytes(trips),
        ),
        Case(
            "fte_bad_years.csv",
            "fte",
            "year 'tjugo', year 2020,5, FTE blank",
            _ok(1, 3),
            lambda: csv_bytes([f[0], f[1], ["tjugo", "500"], ["2020,5", "500"], ["2021", ""]]),
        ),
        Case(
            "org_number_garbage.csv",
            "contracts",
            "org numbers: too short, letters",
            _ok(1, 2),
            lambda: csv_bytes(
                [c[0], c[1], with_cell(c, 2, 3, "55667")[2], with_cell(c, 3, 3, "ABCDEFGHIJ")[3]]
            ),
        ),
        Case(
            "huge_number.csv",
            "invoices",
            "an amount of 400 digits (overflows float)",
            _ok(1, 1),
            lambda: csv_bytes([inv[0], inv[1], with_cell(inv, 2, 5, "9" * 400)[2]]),
        ),
        Case(
            "int_overflow_travellers.csv",
            "trips",
            "travellers 1e63 (over 2**63)",
            _ok(1, 1),
            lambda: csv_bytes([t[0], t[1], with_cell(t, 2, 5, "5e63")[2]]),
        ),
        Case(
            "booleans_garbage.csv",
            "contracts",
            "Miljökrav 'kanske' (no miljökrav word: unknown, noted, row kept)",
            _ok(3, 0),
            lambda: csv_bytes([c[0], c[1], with_cell(c, 2, 7, "kanske")[2], c[3]]),
        ),
    ]


def _control_cases() -> list[Case]:
    c = base("contracts")
    return [
        Case(
            "nul_in_field.csv",
            "contracts",
            "a NUL byte inside a field",
            _rej("NUL"),
            lambda: csv_bytes(with_cell(c, 2, 1, "IT\x00konsult")),
        ),
        Case(
            "binary_noise.csv",
            "contracts",
            "control bytes throughout (binary)",
            _rej("binary"),
            lambda: bytes(range(1, 32)) * 100,
        ),
        Case(
            "control_char_in_text.csv",
            "contracts",
            "a BEL (U+0007) in one name: the row is reported",
            _ok(2, 1),
            lambda: csv_bytes(with_cell(c, 2, 1, "IT\x07konsult")),
        ),
        Case(
            "formula_cells.csv",
            "contracts",
            "names starting = + - @ (kept as text)",
            _ok(4),
            lambda: csv_bytes(
                [
                    c[0],
                    with_cell(c, 1, 1, '=HYPERLINK(""http://x"",""y"")')[1],
                    with_cell(c, 2, 1, "+1+1")[2],
                    with_cell(c, 3, 1, "@SUM(A1)")[3],
                    [*c[1][:1], "-2+3", *c[1][2:]],
                ]
            ),
        ),
        Case(
            "html_in_text.csv",
            "contracts",
            "HTML and javascript: URL in text (stored as text)",
            _ok(3),
            lambda: csv_bytes(
                with_cell(c, 1, 2, "<img src=x onerror=alert(1)> javascript:alert(1)")
            ),
        ),
    ]


def _workbook_cases() -> list[Case]:
    c = base("contracts")
    typed = [
        c[0],
        [
            "A-1",
            "Städ",
            "Rent AB",
            "5566778899",
            datetime(2022, 1, 1),
            date(2025, 12, 31),
            1_200_000,
            True,
        ],
        ["A-2", "IT", "Data AB", 5566778800, 44927, 46000.0, 350000.5, False],
        ["A-3", "Mat", "Mat AB", "556000-1111", None, None, None, None],
    ]
    inv = base("invoices")
    return [
        Case(
            "xlsx_plain.xlsx",
            "contracts",
            "a plain workbook with text cells",
            _ok(3),
            lambda: hf.workbook_bytes(c),
        ),
        Case(
            "xlsx_typed_cells.xlsx",
            "contracts",
            "dates, serials, numbers, booleans as typed cells",
            _ok(3),
            lambda: hf.workbook_bytes(typed),
        ),
        Case(
            "xlsx_title_rows.xlsx",
            "contracts",
            "title rows above the header",
            _ok(3),
            lambda: hf.workbook_bytes([["Avtalsförteckning"], [], *c]),
        ),
        Case(
            "xlsx_total_row.xlsx",
            "invoices",
            "a 'Summa' row at the end",
            _ok(3),
            lambda: hf.workbook_bytes([*inv, ["Summa", None, None, None, None, 12249.45]]),
        ),
        Case(
            "xlsx_bad_cells.xlsx",
            "invoices",
            "text in the amount, bad date",
            _ok(1, 2),
            lambda: hf.workbook_bytes(
                [inv[0], inv[1], with_cell(inv, 2, 5, "#N/A")[2], with_cell(inv, 3, 1, "aldrig")[3]]
            ),
        ),
        Case(
            "xlsx_empty_sheet.xlsx",
            "contracts",
            "a workbook with one empty sheet",
            _rej("no recognised contracts header"),
            lambda: hf.workbook_bytes([]),
        ),
        Case(
            "xlsx_header_only.xlsx",
            "contracts",
            "header, no data",
            _ok(0),
            lambda: hf.workbook_bytes(c[:1]),
        ),
        Case(
            "xlsx_data_on_second_sheet.xlsx",
            "contracts",
            "first sheet is a cover page",
            _ok(3),
            lambda: hf.workbook_bytes([["Info"], ["Exporterad 2024"]], "Info", [("Avtal", c)]),
        ),
        Case(
            "xlsx_two_data_sheets.xlsx",
            "contracts",
            "two sheets; the one naming more fields wins",
            _ok(3),
            lambda: hf.workbook_bytes([r[:2] for r in c[:2]], "Kort", [("Avtal", c)]),
        ),
        Case(
            "xlsx_formula_cells.xlsx",
            "contracts",
            "a formula cell without a cached value",
            _ok(3),
            lambda: hf.workbook_bytes(with_cell(c, 1, 1, "=1+1")),
        ),
        Case(
            "xlsx_control_escape.xlsx",
            "contracts",
            "an _x0007_ escape (a BEL) in a cell",
            _ok(2, 1),
            lambda: hf.workbook_bytes(with_cell(c, 2, 1, "IT_x0007_konsult")),
        ),
        Case(
            "xlsx_ragged_wide.xlsx",
            "contracts",
            "a note right of the last header (a column with no header is not read; the row stays)",
            _ok(3),
            lambda: hf.workbook_bytes([c[0], c[1], [*c[2], None, "x"], c[3]]),
        ),
        Case(
            "xlsx_huge_cell.xlsx",
            "contracts",
            "a 32,767-character cell",
            _ok(3),
            lambda: hf.workbook_bytes(with_cell(c, 1, 1, "x" * 32_767)),
        ),
        Case(
            "xlsx_fte.xlsx",
            "fte",
            "FTE as numbers",
            _ok(3),
            lambda: hf.workbook_bytes(
                [["År", "Årsarbetskrafter"], [2019, 512.5], [2022, 530], [2024, 541.2]]
            ),
        ),
        Case(
            "xlsx_trips.xlsx",
            "trips",
            "trips as a workbook",
            _ok(3),
            lambda: hf.workbook_bytes(base("trips")),
        ),
    ]


def _hostile_cases() -> list[Case]:
    expectations = {
        "billion_laughs_sheet.xlsx": "billion laughs (9 levels) in the sheet part",
        "billion_laughs_shared_strings.xlsx": "billion laughs in sharedStrings.xml",
        "billion_laughs_workbook.xlsx": "billion laughs in workbook.xml",
        "xxe_workbook.xlsx": "external entity (file:///etc/passwd) in workbook.xml",
        "xxe_sheet.xlsx": "external entity in the sheet part",
        "quadratic_blowup.xlsx": "one 10 kB entity referenced 1,000 times",
        "dtd_behind_long_comment.xlsx": "a DTD behind a 70 kB prolog comment",
        "utf16_dtd.xlsx": "a DTD in a UTF-16 encoded part",
        "zip_bomb_ratio.xlsx": "a 20 MiB part compressed about 1,000×",
        "zip_lying_sizes.xlsx": "the directory declares 400 MiB for a part",
        "encrypted_part.xlsx": "a part flagged as encrypted",
    }
    cases = [
        Case(
            name,
            "contracts",
            what,
            _rej(hf.HOSTILE_WORKBOOKS[name][1]),
            hf.HOSTILE_WORKBOOKS[name][0],
        )
        for name, what in expectations.items()
    ]
    c = base("contracts")
    return [
        *cases,
        Case("legacy.xls", "contracts", "an OLE2 (.xls) file", _rej(".xls"), hf.xls_bytes),
        Case(
            "ole_named_xlsx.xlsx",
            "contracts",
            "OLE2 content named .xlsx",
            _rej(".xls"),
            hf.xls_bytes,
        ),
        Case(
            "spreadsheet.ods",
            "contracts",
            "an OpenDocument spreadsheet",
            _rej(".ods"),
            hf.ods_bytes,
        ),
        Case(
            "ods_named_xlsx.xlsx",
            "contracts",
            "OpenDocument content named .xlsx",
            _rej("OpenDocument"),
            hf.ods_bytes,
        ),
        Case(
            "word_named_xlsx.xlsx",
            "contracts",
            "a Word document named .xlsx",
            _rej("Word"),
            hf.docx_bytes,
        ),
        Case(
            "zip_not_workbook.xlsx",
            "contracts",
            "a zip without workbook parts",
            _rej("not an Excel workbook"),
            hf.plain_zip,
        ),
        Case(
            "csv_named_xlsx.xlsx",
            "contracts",
            "CSV text named .xlsx",
            _rej("rename it to .csv"),
            lambda: csv_bytes(c),
        ),
        Case(
            "xlsx_named_csv.csv",
            "contracts",
            "a workbook named .csv",
            _rej("rename it to .xlsx"),
            lambda: hf.workbook_bytes(c),
        ),
        Case(
            "truncated.xlsx",
            "contracts",
            "a workbook cut at 60 %",
            _rej("truncated"),
            lambda: hf.truncated(hf.workbook_bytes(c)),
        ),
        Case(
            "random_bytes.xlsx",
            "contracts",
            "noise named .xlsx",
            _rej("not a zip"),
            lambda: bytes((i * 37 + 11) % 256 for i in range(1, 3000)),
        ),
    ]


def all_cases() -> list[Case]:
    cases = (
        _encoding_cases()
        + _delimiter_cases()
        + _quote_cases()
        + _shape_cases()
        + _header_cases()
        + _value_cases()
        + _control_cases()
        + _workbook_cases()
        + _hostile_cases()
    )
    names = [c.file for c in cases]
    assert len(names) == len(set(names)), "duplicate corpus file names"
    return cases


README_HEAD = """# Corpus of malformed and hostile inputs

Generated by `python tests/corpus/make_corpus.py` (deterministic); run by `tests/io/test_corpus.py`.
Each file goes through the upload path: `check_upload` (spendanalys.io.upload_guard), then
`read_input(path, kind)`, then `reject_control_characters`. Files refused by the guard are also
read directly (as the CLI would) and must then fail cleanly or account for every row.

Expected outcome:
- `rejected: <text>`: one InputFormatError naming the file, whose reason contains `<text>`;
- `partial: N accepted, M rejected`: N + M is the number of non-empty data rows in the file
  (a "Summa" total row is not a data row; it is skipped and noted).

| file | kind | what it tests | expected |
|---|---|---|---|
"""


def main() -> int:
    FILES.mkdir(exist_ok=True)
    lines = [README_HEAD]
    for case in all_cases():
        data = case.build()
        if len(data) >= MAX_BYTES:
            raise SystemExit(f"{case.file}: {len(data):,} bytes (corpus files stay < 50 KB)")
        (FILES / case.file).write_bytes(data)
        cells = [case.file, case.kind, case.tests, case.expected]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")
    (HERE / "README.md").write_text("".join(lines), encoding="utf-8")
    print(f"wrote {len(lines) - 1} files to {FILES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
