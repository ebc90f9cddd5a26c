"""cp1252 / Latin-1 to UTF-8 on byte arrays (spendanalys/io/code_page.py) equals Python's codec.

The bulk CSV path splits a cp1252 body as raw bytes and transcodes only the cells with
non-ASCII bytes; it must give exactly ``cell.decode('cp1252')``, refuse exactly where the codec
refuses (so that a file with 0x81, 0x8D, 0x8F, 0x90 or 0x9D is read as Latin-1, as the general
path reads it), and read a body exactly as pyarrow's own block-by-block transcoding did.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from bulk_spy import bulk_reads
from hypothesis import given, settings
from hypothesis import strategies as st

from spendanalys.io import read_input
from spendanalys.io.code_page import cells_to_utf8, code_page_to_utf8
from spendanalys.io.csv_body import read_one_line_records

ENCODINGS = ["cp1252", "latin-1"]
UNDEFINED_IN_CP1252 = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
# Bytes of a Swedish export: ASCII, the 0x80-0x9F punctuation (€ – ’ ”), NBSP and åäöÅÄÖé.
SWEDISH_BYTES = st.sampled_from(
    [*b"AZaz09 ;.,-", 0x80, 0x96, 0x92, 0x94, 0xA0, *"åäöÅÄÖé".encode("cp1252")]
)


def _codec_result(data: bytes, encoding: str) -> bytes | tuple[str, int, int, str]:
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        return (exc.encoding, exc.start, exc.end, exc.reason)


def _our_result(data: bytes, encoding: str) -> bytes | tuple[str, int, int, str]:
    try:
        return code_page_to_utf8(data, encoding)
    except UnicodeDecodeError as exc:
        return (exc.encoding, exc.start, exc.end, exc.reason)


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=200), encoding=st.sampled_from(ENCODINGS))
def test_any_bytes_transcode_or_are_refused_as_the_codec_does(data: bytes, encoding: str) -> None:
    assert _our_result(data, encoding) == _codec_result(data, encoding)


@settings(max_examples=200, deadline=None)
@given(data=st.lists(SWEDISH_BYTES, max_size=300).map(bytes))
def test_swedish_cp1252_bytes_transcode_as_the_codec_does(data: bytes) -> None:
    assert code_page_to_utf8(data, "cp1252") == data.decode("cp1252").encode("utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "Växjö Städ AB",
        "ÅHLÉNS AB, Örebro",
        "1\u00a0234,50",  # NBSP as the thousands separator of an amount
        "€ 12 000,00",
        "Konsult – etapp 2 — slut",
        "Leverantörens ’offert’ och ”avtal”",
        "Bröd & kaffe … ‰ • ™ Š Ž š ž Ÿ Œ œ ƒ ˆ ˜ ‹ › „ ‚ † ‡",
        "",
    ],
)
def test_realistic_swedish_cells(text: str) -> None:
    raw = text.encode("cp1252")
    assert code_page_to_utf8(raw, "cp1252") == text.encode("utf-8")


@pytest.mark.parametrize("byte", UNDEFINED_IN_CP1252)
def test_bytes_cp1252_leaves_undefined_are_refused_where_the_codec_refuses(byte: int) -> None:
    raw = "Städ ".encode("cp1252") + bytes([byte]) + b" AB"
    with pytest.raises(UnicodeDecodeError) as ours:
        code_page_to_utf8(raw, "cp1252")
    with pytest.raises(UnicodeDecodeError) as codec:
        raw.decode("cp1252")
    assert (ours.value.start, ours.value.reason) == (codec.value.start, codec.value.reason)
    assert code_page_to_utf8(raw, "latin-1") == raw.decode("latin-1").encode("utf-8")


def _raw_cells(cells: list[bytes], start: int = 0) -> pa.Array:
    """Cells as pyarrow's CSV reader gives them unvalidated: large_string over raw bytes."""
    return pa.array(cells, pa.large_binary()).view(pa.large_string())[start:]


CELLS = st.lists(SWEDISH_BYTES, max_size=12).map(bytes)


@st.composite
def columns(draw: st.DrawFn) -> list[bytes]:
    """Cells from a pool of few or many values: both ways of transcoding a column."""
    pool = draw(st.lists(st.one_of(CELLS, st.just(b"")), min_size=1, max_size=20))
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=80))


@settings(max_examples=300, deadline=None)
@given(cells=columns(), start=st.integers(0, 3), encoding=st.sampled_from(ENCODINGS))
def test_a_column_of_cells_transcodes_cell_by_cell(
    cells: list[bytes], start: int, encoding: str
) -> None:
    """``start``: a slice of the parsed cells, as pyarrow may hand them over."""
    column = cells_to_utf8(_raw_cells(cells, start), encoding)
    assert column.type == pa.large_string()
    column.validate(full=True)
    assert column.to_pylist() == [cell.decode(encoding) for cell in cells[start:]]


@pytest.mark.parametrize("distinct", [3, 5_000])
def test_supplier_columns_of_few_or_many_names_transcode_cell_by_cell(distinct: int) -> None:
    names = [f"Växjö Städ {i} AB – €".encode("cp1252") for i in range(distinct)]
    cells = [names[i % distinct] for i in range(20_000)]
    column = cells_to_utf8(_raw_cells(cells), "cp1252")
    column.validate(full=True)
    assert column.to_pylist() == [cell.decode("cp1252") for cell in cells]


def test_an_undefined_byte_in_a_column_is_refused() -> None:
    cells = ["Städ AB".encode("cp1252")] * 50 + [b"A\x90B"]
    with pytest.raises(UnicodeDecodeError):
        cells_to_utf8(_raw_cells(cells), "cp1252")


def _pyarrow_transcoded(body: bytes, width: int, encoding: str) -> object:
    """The body as pyarrow's own block-by-block transcoding reads it (the earlier path)."""
    frame = read_one_line_records(
        body.decode(encoding).encode("utf-8"),
        ";",
        width,
        lines=body.count(b"\n"),
        quoted=b'"' in body,
    )
    assert frame is not None
    return frame


@pytest.mark.parametrize(
    "body",
    [
        "Växjö Städ AB;1\u00a0234,50;Städning – mars\r\n",
        '"Bygg; AB";"Kaffe ""Gevalia"" ’extra’";€ 12\r\n',
        "ï»¿Ölands Bröd;12,00;x\n",  # a body starting with the bytes of a UTF-8 BOM
        ";;\n\nÅ;Ä;Ö\n",
    ],
)
def test_a_cp1252_body_reads_as_transcoding_it_first(body: str) -> None:
    raw = body.encode("cp1252")
    frame = read_one_line_records(
        raw, ";", 3, lines=raw.count(b"\n"), quoted=b'"' in raw, encoding="cp1252"
    )
    assert frame is not None
    assert frame.equals(_pyarrow_transcoded(raw, 3, "cp1252"))


def test_many_distinct_cells_over_many_chunks_read_as_transcoding_them_first() -> None:
    rows = [f"F{i};Städ {i} – Växjö;€ {i}\u00a0000,00\n" for i in range(200_000)]
    raw = "".join(rows).encode("cp1252")  # over pyarrow's block size: several chunks
    frame = read_one_line_records(raw, ";", 3, lines=len(rows), quoted=False, encoding="cp1252")
    assert frame is not None
    assert frame.equals(_pyarrow_transcoded(raw, 3, "cp1252"))
    assert str(frame[1].dtype) == "str"


def test_an_export_with_a_byte_cp1252_leaves_undefined_is_read_in_bulk_as_latin1() -> None:
    header = "Fakturanummer;Fakturadatum;Leverantör;Organisationsnummer;Belopp\r\n"
    rows = "".join(f"F{i};2024-01-15;Växjö Städ AB;556677-8899;1\u00a0234,50\r\n" for i in range(9))
    data = (header + rows).encode("cp1252") + b"F9;2024-01-15;Caf\x90;556677-8899;12,00\r\n"
    with bulk_reads() as taken:
        result = read_input(data, "invoices", name="fakturor.csv")
    assert taken == [True]
    assert result.info.encoding == "latin-1"
    assert result.table["supplier"].iloc[-1] == "Caf\x90"
