"""The bulk CSV path (spendanalys/io/bulk_csv.py) reads every file exactly as the general path.

Each file is read twice, once as ``read_input`` does (bulk path when the file is plain) and once
with the bulk path switched off: the canonical table (values, dtypes, source rows), the rejected
rows, the notes and the ReadInfo must be equal, and so must the error when the file is refused.
Files: the hostile corpus, sample_data, ../shared/realdata, large files whose start alone is
decoded (a stray CR, an undefined code-page byte, bad UTF-8, a multi-line cell far down), and
hypothesis-made Swedish exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from bulk_spy import bulk_reads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.io import bulk_csv, decode, read_input, tabular
from spendanalys.io.result import ReadResult

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
KINDS = ["contracts", "invoices", "trips", "fte"]


def _general_only() -> mock._patch:  # type: ignore[type-arg]
    return mock.patch.object(bulk_csv, "read_plain", return_value=None)


def _read(data: bytes, kind: str, name: str) -> ReadResult | tuple[str, str, dict]:
    try:
        return read_input(data, kind, name=name)  # type: ignore[arg-type]
    except (InputFormatError, ConfigurationError) as exc:
        return (type(exc).__name__, str(exc), dict(vars(exc)))


def _bulk_taken(data: bytes, kind: str, name: str) -> bool:
    """Did the bulk path read the file (rather than hand it to the general path)?"""
    with bulk_reads() as taken:
        _read(data, kind, name)
    return any(taken)


def assert_same_read(data: bytes, kind: str, name: str = "export.csv") -> None:
    bulk = _read(data, kind, name)
    with _general_only():
        general = _read(data, kind, name)
    if isinstance(general, tuple) or isinstance(bulk, tuple):
        assert bulk == general
        return
    pd.testing.assert_frame_equal(bulk.table, general.table, check_exact=True)
    assert bulk.rejected == general.rejected
    assert bulk.info == general.info


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.parametrize("path", _files(TESTS / "corpus" / "files"), ids=lambda p: p.name)
def test_corpus_files_read_the_same(path: Path) -> None:
    data = path.read_bytes()
    for kind in KINDS:
        assert_same_read(data, kind, path.name)


@pytest.mark.parametrize("path", sorted((REPO / "sample_data").glob("*.csv")), ids=lambda p: p.name)
def test_sample_data_reads_the_same_and_in_bulk(path: Path) -> None:
    data = path.read_bytes()
    for kind in KINDS:
        assert_same_read(data, kind, path.name)
    kind = {
        "avtalsforteckning": "contracts",
        "resor_2019_2024": "trips",
        "arsarbetskrafter": "fte",
    }.get(path.stem, "invoices")
    assert _bulk_taken(data, kind, path.name)


@pytest.mark.realdata
def test_real_exports_read_the_same(realdata_dir: Path) -> None:
    for path in _files(realdata_dir):
        if path.suffix.lower() in (".csv", ".txt"):
            for kind in KINDS:
                assert_same_read(path.read_bytes(), kind, path.name)


# --- large files: only their start is decoded for the header search -------------------------

_HEADER = "Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Konto;Belopp exkl. moms;Text"


def _ledger(lines: int, newline: str = "\r\n") -> str:
    rows = [
        f"F{i:07d};2024-{1 + i % 12:02d}-{1 + i % 28:02d};Växjö Städ AB;556677-8899;"
        f"{4000 + i % 50};{i % 9000}\u00a0{i % 1000:03d},{i % 100:02d}{'-' if i % 7 == 0 else ''};"
        f"Städning {i % 13}"
        for i in range(lines)
    ]
    return newline.join(["Leverantörsfakturor 2024", _HEADER, *rows, "Summa;;;;;;"]) + newline


BIG = 40_000  # lines: about 3 MB, beyond the decoded start


def _tail_variants() -> Iterator[tuple[str, bytes]]:
    base = _ledger(BIG)
    yield "cp1252", base.encode("cp1252")
    yield "utf-8", base.encode("utf-8")
    yield "utf-8-sig LF", _ledger(BIG, "\n").encode("utf-8-sig")
    yield "stray CR far down", (base + "F1;2024-01-01;A\rB;556677-8899;1;2;x\r\n").encode("cp1252")
    yield (
        "undefined cp1252 byte far down",
        base.encode("cp1252") + b"F2;2024-01-01;A\x81;;1;2;x\r\n",
    )
    yield "bad UTF-8 far down", base.encode("utf-8") + b"F3;2024-01-01;A\xe4;;1;2;x\r\n"
    yield "multi-line cell far down", (base + 'F4;2024-01-01;"two\r\nlines";;1;2;x\r\n').encode()
    yield "quoted cells", (base + 'F5;2024-01-01;"Bygg; AB";;1;"3,5";x\r\n').encode("cp1252")
    yield "stray quote far down", (base + 'F6;2024-01-01;"open;;1;2;x\r\n' * 3).encode()
    yield "ragged row far down", (base + "F7;2024-01-01;A;;1;2;x;extra;more\r\n").encode()
    yield (
        "header repeated far down",
        (base + _HEADER + "\r\n" + "F8;2024-01-01;A;;1;2;x\r\n").encode(),
    )
    yield "bare CR line ends", base.replace("\r\n", "\r").encode("cp1252")
    yield "no final newline", base.rstrip().encode("cp1252")
    yield "NUL far down", base.encode() + b"F9;\x00;;;1;2;x\r\n"


@pytest.mark.parametrize(("case", "data"), list(_tail_variants()), ids=lambda v: str(v)[:30])
def test_large_files_read_the_same(case: str, data: bytes) -> None:
    assert len(data) > bulk_csv._HEAD_BYTES
    assert_same_read(data, "invoices", "fakturor.csv")


def test_a_plain_large_file_is_read_in_bulk() -> None:
    data = _ledger(BIG).encode("cp1252")
    assert _bulk_taken(data, "invoices", "fakturor.csv")
    result = read_input(data, "invoices", name="fakturor.csv")
    assert result.info.encoding == "cp1252"
    assert result.table["source_row"].iloc[0] == 3
    assert result.table["amount_sek"].iloc[0] == -0.0  # "0 000,00-": trailing minus
    assert result.table["amount_sek"].iloc[1] == 1001.01


# --- hypothesis: Swedish-format exports ------------------------------------------------------

AMOUNTS = st.one_of(
    st.decimals(-(10**7), 10**7, places=2, allow_nan=False).map(
        lambda d: f"{d:,.2f}".replace(",", "\u00a0").replace(".", ",")
    ),
    st.decimals(0, 10**6, places=2, allow_nan=False).map(lambda d: f"{d:,.2f}-".replace(",", " ")),
    st.sampled_from(
        ["1 234,50", "-12,5", "1.234,50", "(100,00)", "12 kr", "", "-", "abc", "1,234"]
    ),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["15/01/2024", "01/15/2024", "31.12.2023", "20240115", "2023", "igår", ""]),
)
ORGS = st.sampled_from(["556677-8899", "SE556677889901", "5566778899", "NO923609016MVA", "x", ""])
TEXTS = st.one_of(
    st.text(st.characters(codec="cp1252", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["Städ AB", "Summa", "Totalt", '"', 'a"b', ";", "\r", "\n", "\r\n", " ", "€"]),
)


@st.composite
def swedish_exports(draw: st.DrawFn) -> bytes:
    """An invoice export as Swedish finance systems write them, with a few hostile cells."""
    header = ["Fakturanummer", "Fakturadatum", "Leverantör", "Organisationsnummer", "Belopp"]
    if draw(st.booleans()):
        header.append("Fakturatext")
    row = st.tuples(TEXTS, DATES, TEXTS, ORGS, AMOUNTS, TEXTS).map(lambda r: list(r))
    rows = [r[: len(header)] for r in draw(st.lists(row, max_size=15))]
    if draw(st.booleans()) and rows:
        rows[draw(st.integers(0, len(rows) - 1))].append(draw(TEXTS))  # a ragged row
    delimiter = draw(st.sampled_from([";", ";", ",", "\t"]))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    for _ in range(draw(st.integers(0, 2))):
        buffer.write(draw(st.sampled_from(["Export från Visma", "", "Period: 2024"])) + newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    encoding = draw(st.sampled_from(["cp1252", "utf-8", "utf-8-sig"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@contextmanager
def _small_start(chars: int) -> Iterator[None]:
    """Both paths with a header sample of ``chars``: small files behave like large ones."""
    with (
        mock.patch.object(tabular, "SAMPLE_CHARS", chars),
        mock.patch.object(bulk_csv, "SAMPLE_CHARS", chars),
        mock.patch.object(bulk_csv, "_HEAD_BYTES", 4 * chars + 16),
        mock.patch.object(decode, "BINARY_SAMPLE_CHARS", chars // 2),
        mock.patch.object(bulk_csv, "BINARY_SAMPLE_CHARS", chars // 2),
    ):
        yield


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=swedish_exports(), small=st.sampled_from([None, 60, 200]))
def test_generated_swedish_exports_read_the_same(data: bytes, small: int | None) -> None:
    if small is None:
        assert_same_read(data, "invoices")
    else:
        with _small_start(small):
            assert_same_read(data, "invoices")


def test_control_characters_beyond_a_short_start_are_judged_as_the_general_path_does() -> None:
    rows = (
        ";15/01/2024;;556677-8899;0,00\r\n" * 5 + ";15/01/2024;0\x1f\x1f\x08;556677-8899;0,00\r\n"
    )
    data = "\ufeffFakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Belopp\r\n" + rows
    with _small_start(60):
        assert_same_read(data.encode("utf-8"), "invoices")


@given(
    st.binary(max_size=40).map(lambda b: bytes(b"\r\n;a"[x % 4] for x in b)),
    st.integers(0, 45),
    st.sampled_from([1, 2, 5, 1 << 22]),
)
@settings(max_examples=300, deadline=None)
def test_line_breaks_are_counted_as_bytes_count_counts_them(
    data: bytes, start: int, block: int
) -> None:
    """Blocks shorter than the data, a CR at a block's end, a start past the end."""
    with mock.patch.object(bulk_csv, "_SCAN_BYTES", block):
        assert bulk_csv.count_byte(data, 0x0A, start) == data.count(b"\n", start)
        lone = data.count(b"\r", start) != data.count(b"\r\n", start)
        assert bulk_csv.lone_carriage_return(data, start) == lone
