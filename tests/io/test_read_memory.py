"""What the readers do to hold less memory gives the same tables, rows and reasons.

A text column repeating one value (``source_file``, a field the file lacks) is one block shared
by the chunks of its column; the cells are handed to the builder, which frees each raw column
once parsed; bad rows are kept as positions, not as an object array per column. Checked here on
files longer than one block, with two files read together, against the plain pandas values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spendanalys.io import build, read_input
from spendanalys.io.build import _rejections, _repeated, build_result
from spendanalys.io.bulk_csv import read_csv_table
from spendanalys.io.decode import LoadedFile, decode_text, text_encodings
from spendanalys.io.result import RejectedRow
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW
from spendanalys.services.assembly import read_all

BLOCK = build._BLOCK_ROWS
HEADER = "Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Konto;Belopp exkl. moms\n"


def _invoice_lines(n: int, prefix: str, *, bad_every: int = 0) -> str:
    """``n`` Swedish invoice lines; every ``bad_every``-th has an amount that is no number."""
    lines = []
    for i in range(n):
        amount = "tolv" if bad_every and i % bad_every == 7 else f"{i % 900 + 1} 2{i % 100:02d},50"
        lines.append(
            f"{prefix}{i};2024-{i % 12 + 1:02d}-{i % 28 + 1:02d};Leverantör {i % 50} AB;"
            f"556677-8899;{4000 + i % 30};{amount}\n"
        )
    return "".join(lines)


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two exports longer than one block: the second in cp1252 with rejected rows."""
    folder = tmp_path_factory.mktemp("two")
    first = folder / "fakturor_a.csv"
    second = folder / "fakturor_b.csv"
    first.write_text("Export 2024\n" + HEADER + _invoice_lines(BLOCK + 3, "A"), encoding="utf-8")
    body = _invoice_lines(2 * BLOCK + 10, "B", bad_every=1000)
    second.write_text(HEADER + body + ";;;;;\nSumma;;;;;123\n", encoding="cp1252")
    return first, second


@pytest.mark.parametrize("n", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK, 3 * BLOCK + 17])
@pytest.mark.parametrize("value", ["fakturor.csv", None, "Åkeri & Söner [Blad 1]"])
def test_a_repeated_text_column_holds_the_value_on_every_row(n: int, value: str | None) -> None:
    column = _repeated(value, pd.StringDtype(), n)
    expected = pd.Series([value] * n, dtype=object).astype(pd.StringDtype())
    pd.testing.assert_series_equal(column, expected)
    assert column.dtype == pd.api.types.pandas_dtype("string")
    if n:
        assert column.iloc[n - 1] is pd.NA if value is None else column.iloc[n - 1] == value


def test_a_repeated_number_column_is_built_as_before() -> None:
    column = _repeated(None, np.dtype("float64"), BLOCK + 5)
    assert column.dtype == np.float64 and column.isna().all() and len(column) == BLOCK + 5


def test_two_long_files_keep_their_own_source_file_on_every_row(
    two_files: tuple[Path, Path],
) -> None:
    first, second = two_files
    table, rejected = read_all("invoices", [first, second])
    files = table[SOURCE_FILE]
    assert files.dtype == pd.api.types.pandas_dtype("string")
    counts = files.value_counts()
    bad = len(range(7, 2 * BLOCK + 10, 1000))
    assert counts[str(first)] == BLOCK + 3
    assert counts[str(second)] == 2 * BLOCK + 10 - bad
    assert (files.iloc[: BLOCK + 3] == str(first)).all()
    assert (files.iloc[BLOCK + 3 :] == str(second)).all()
    # as a plain column of the same texts would: filters, comparisons, objects
    plain = pd.Series(files.astype(object).tolist(), dtype="string", name=SOURCE_FILE)
    pd.testing.assert_series_equal(files, plain)
    late = table[table[SOURCE_ROW] > BLOCK]
    assert set(late[SOURCE_FILE].unique()) == {str(first), str(second)}
    assert table["invoice_id"].iloc[-1] == f"B{2 * BLOCK + 9}"
    assert [r.row for r in rejected] == [i + 2 for i in range(7, 2 * BLOCK + 10, 1000)]
    assert {r.file for r in rejected} == {str(second)}
    assert all(r.column == "Belopp exkl. moms" and "tolv" in r.reason for r in rejected)


def test_taking_the_cells_gives_the_same_result(two_files: tuple[Path, Path]) -> None:
    second = two_files[1]
    file = LoadedFile(second.name, second.read_bytes(), "text")
    kept, taken = (read_csv_table(file, "invoices", {}) for _ in range(2))
    assert len(taken.cells) == 2 * BLOCK + 12
    a = build_result(kept, file.name, "invoices")
    b = build_result(taken, file.name, "invoices", take_cells=True)
    assert len(kept.cells) == 2 * BLOCK + 12  # left alone without take_cells
    assert len(taken.cells) == 0 and list(taken.cells.columns) == list(kept.cells.columns)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.rejected == b.rejected and a.info == b.info
    assert "ignored 1 empty row" in b.info.notes
    assert any(n.startswith("skipped total row") for n in b.info.notes)


def test_rows_left_out_mid_file_are_left_out_alike(tmp_path: Path) -> None:
    """An empty row and a subtotal inside the body: the kept rows are not one slice."""
    head, tail = _invoice_lines(BLOCK, "A", bad_every=5000), _invoice_lines(40, "B")
    data = (HEADER + head + ";;;;;\nSumma;;;;;99\n" + tail).encode()
    file = LoadedFile("f.csv", data, "text")
    kept, taken = (read_csv_table(file, "invoices", {}) for _ in range(2))
    a = build_result(kept, file.name, "invoices")
    b = build_result(taken, file.name, "invoices", take_cells=True)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.rejected == b.rejected and a.info.notes == b.info.notes
    assert len(b.table) == BLOCK + 40 - len(b.rejected)
    assert b.table[SOURCE_ROW].iloc[-40] == BLOCK + 4  # header, BLOCK lines, empty, total
    assert "skipped total row " + str(BLOCK + 3) + " ('Summa')" in b.info.notes


def _dense_rejections(
    name: str, rows: np.ndarray, problems: list[tuple[str, list[str | None]]]
) -> list[RejectedRow]:
    """The rule written out row by row: the first problem's column, the others after 'also'."""
    rejected = []
    for i, row in enumerate(rows.tolist()):
        found = [(h, reasons[i]) for h, reasons in problems if reasons[i] is not None]
        if found:
            why = found[0][1] + "".join(f"; also {h}: {r}" for h, r in found[1:])
            rejected.append(RejectedRow(name, row, found[0][0], str(why)))
    return rejected


@pytest.mark.parametrize("seed", range(5))
def test_rejected_rows_name_every_problem_of_a_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    rows = 3 + np.cumsum(rng.integers(1, 3, n))
    problems = []
    for j, header in enumerate(["Belopp", "Datum", "Orgnr", "Belopp"]):
        reasons: list[str | None] = [
            f"bad {j} at {i}" if rng.random() < 0.2 else None for i in range(n)
        ]
        problems.append((header, reasons))
    sparse = []
    for header, reasons in problems:
        at = np.array([i for i, r in enumerate(reasons) if r is not None], dtype=np.int64)
        sparse.append((header, at, np.array([reasons[i] for i in at], dtype=object)))
    flagged, rejected = _rejections("f.csv", rows, sparse)
    expected = _dense_rejections("f.csv", rows, problems)
    assert rejected == expected
    assert flagged.sum() == len(expected)
    assert all(type(r.reason) is str and type(r.column) is str for r in rejected)


def test_no_problems_reject_nothing() -> None:
    flagged, rejected = _rejections(
        "f.csv", np.arange(4), [("A", np.array([], dtype=int), np.array([], dtype=object))]
    )
    assert not flagged.any() and rejected == []


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (b"\xef\xbb\xbfA;B\n", ("utf-8-sig",)),
        (b"\xff\xfeA\x00;\x00", ("utf-16-le",)),
        (b"\xfe\xff\x00A\x00;", ("utf-16-be",)),
        ("Leverantör;Belopp\n".encode("utf-16-le") * 20, ("utf-16-le",)),
        ("Leverantör;Belopp\n".encode("cp1252"), ("utf-8", "cp1252", "latin-1")),
        (b"A;B\n1;2\n", ("utf-8", "cp1252", "latin-1")),
    ],
)
def test_text_encodings_in_the_order_the_readers_try_them(
    start: bytes, expected: tuple[str, ...]
) -> None:
    assert text_encodings(start) == expected


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        ("Leverantör;Belopp\r\n".encode(), "utf-8", "Leverantör;Belopp\n"),
        (b"\xef\xbb\xbf" + "Leverantör\n".encode(), "utf-8-sig", "Leverantör\n"),
        ("Leverantör €\n".encode("cp1252"), "cp1252", "Leverantör €\n"),
        (b"Leverant\xf6r \x81\n", "latin-1", "Leverant\xf6r \x81\n"),  # 0x81: undefined in cp1252
        (b"\xff\xfe" + "Leverantör\r\n".encode("utf-16-le"), "utf-16", "Leverantör\n"),
    ],
)
def test_decode_text_picks_the_first_encoding_that_decodes(
    data: bytes, encoding: str, text: str
) -> None:
    assert decode_text(LoadedFile("f.csv", data, "text")) == (text, encoding)


SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("leverantorsfakturor_2024.csv", "invoices"),
        ("avtalsforteckning.csv", "contracts"),
        ("avtalsforteckning.xlsx", "contracts"),
        ("resor_2019_2024.csv", "trips"),
    ],
)
def test_long_columns_parsed_in_blocks_read_as_whole_ones(
    name: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text, org numbers, CPV codes, yes/no and dates parsed 100 rows at a time: the same
    table, rejected rows and notes as in one piece."""
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not there")
    whole = read_input(path, kind)  # type: ignore[arg-type]
    monkeypatch.setattr(build, "_PARSE_ROWS", 100)
    blocks = read_input(path, kind)  # type: ignore[arg-type]
    assert len(whole.table) > 300
    pd.testing.assert_frame_equal(whole.table, blocks.table)
    assert whole.rejected == blocks.rejected
    assert whole.info == blocks.info


def test_bad_cells_in_later_blocks_keep_their_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [HEADER.replace("Konto", "Avtalsnummer")]
    for i in range(2500):
        day = "2024-02-30" if i % 700 == 3 else f"2024-03-{i % 28 + 1:02d}"
        org = "12345" if i % 900 == 5 else "556677-8899"
        lines.append(f"F{i};{day};Leverantör AB;{org};AVT-{i % 7};{i},25\n")
    data = "".join(lines).encode()
    whole = read_input(data, "invoices", name="f.csv")
    monkeypatch.setattr(build, "_PARSE_ROWS", 1000)
    blocks = read_input(data, "invoices", name="f.csv")
    pd.testing.assert_frame_equal(whole.table, blocks.table)
    assert whole.rejected == blocks.rejected
    expected = sorted({i + 2 for i in range(2500) if i % 700 == 3 or i % 900 == 5})
    assert [r.row for r in blocks.rejected] == expected
    assert any("calendar date" in r.reason for r in blocks.rejected)
