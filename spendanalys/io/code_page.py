"""Single-byte Windows code pages (cp1252, Latin-1) to UTF-8 on byte arrays, with numpy.

Why: a Swedish export is cp1252, and transcoding a 100 MB body through Python's codec costs
more than parsing it. These code pages keep ASCII as it is and give every other byte one
character, so a CSV parser can split the raw bytes (delimiter, quote and newline are ASCII)
and only cells with a byte >= 0x80 need transcoding: each such byte becomes its character's
2 or 3 UTF-8 bytes, the other bytes move up by the bytes added before them. The mapping is
taken from Python's codec itself, so both agree byte for byte, refusals included.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Code pages that map every ASCII byte to itself and every other byte to one character (or
# leave it undefined): the ones a parser may split before transcoding.
ASCII_SINGLE_BYTE = frozenset({"cp1252", "latin-1"})

# Cells with at most 1/_FEW_DISTINCT as many distinct values as cells are transcoded through
# their distinct values (hashing the cells costs less than moving their bytes).
_FEW_DISTINCT = 4
_ByteTable = tuple[np.ndarray, np.ndarray, str]


@cache
def _utf8_table(encoding: str) -> _ByteTable:
    """Per byte: its UTF-8 length (0: undefined), its UTF-8 bytes, and the codec's name."""
    lengths = np.zeros(256, dtype=np.int64)
    utf8 = np.zeros((256, 3), dtype=np.uint8)
    codec = encoding
    for byte in range(256):
        try:
            encoded = bytes([byte]).decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            codec = exc.encoding  # "charmap" for cp1252, as the codec reports it
            continue
        lengths[byte] = len(encoded)
        utf8[byte, : len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)
    if (lengths[:128] != 1).any() or (lengths[128:] == 1).any():
        raise ValueError(f"{encoding} is not an ASCII-compatible single-byte code page")
    return lengths, utf8, codec


def _refuse(data: np.ndarray, at: int, codec: str) -> UnicodeDecodeError:
    """The error Python's codec raises for the undefined byte at ``at``."""
    return UnicodeDecodeError(codec, data.tobytes(), at, at + 1, "character maps to <undefined>")


def _transcode(
    data: np.ndarray, offsets: np.ndarray, encoding: str
) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of ``data`` and the ``offsets`` (int64, into ``data``) moved to match.

    A byte >= 0x80 at position p writes its L UTF-8 bytes at p + (extra bytes before p); the
    other bytes keep their order. Raises UnicodeDecodeError at the first undefined byte.
    """
    high = np.flatnonzero(data >= 0x80)
    if not high.size:
        return data, offsets
    lengths, utf8, codec = _utf8_table(encoding)
    codes = data[high]
    width = lengths[codes]
    if not width.all():
        raise _refuse(data, int(high[np.argmin(width != 0)]), codec)
    added = np.cumsum(width - 1)
    lead = high + added - (width - 1)  # where each character's first UTF-8 byte goes
    out = np.empty(data.size + int(added[-1]), dtype=np.uint8)
    kept = np.ones(out.size, dtype=bool)
    kept[lead + 1] = False
    three = np.flatnonzero(width == 3)
    kept[lead[three] + 2] = False
    out[kept] = data
    out[lead] = utf8[codes, 0]
    out[lead + 1] = utf8[codes, 1]
    out[lead[three] + 2] = utf8[codes[three], 2]
    before = np.concatenate(([0], added))[np.searchsorted(high, offsets)]
    return out, offsets + before


def code_page_to_utf8(data: bytes, encoding: str) -> bytes:
    """``data.decode(encoding).encode('utf-8')`` without building the str (same refusals)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    return _transcode(raw, np.zeros(0, dtype=np.int64), encoding)[0].tobytes()


def _is_ascii(array: pa.Array) -> bool:
    """No byte >= 0x80 in the cells' data buffer (the whole buffer: a superset of the cells)."""
    buffer = array.buffers()[2]
    return buffer is None or not buffer.size or int(np.frombuffer(buffer, np.uint8).max()) < 0x80


def _dense_to_utf8(array: pa.Array, encoding: str) -> pa.Array:
    """Unvalidated large_string cells in ``encoding`` as UTF-8, their bytes transcoded at once."""
    if array.null_count:
        raise ValueError("cells with nulls are not transcoded here")
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int64)[array.offset : array.offset + len(array) + 1]
    start = int(offsets[0])
    data = np.frombuffer(data_buffer, np.uint8)[start : int(offsets[-1])]
    out, moved = _transcode(data, offsets - start, encoding)
    return pa.Array.from_buffers(
        pa.large_string(), len(array), [None, pa.py_buffer(moved), pa.py_buffer(out)]
    )


def cells_to_utf8(array: pa.Array, encoding: str) -> pa.Array:
    """Large_string cells read from ``encoding`` bytes unvalidated, as UTF-8 large_string.

    ASCII-only cells are already UTF-8. Cells of few distinct values (supplier names, invoice
    texts) have each value transcoded once and are taken from them; others have their bytes
    transcoded as one run. Raises UnicodeDecodeError at a byte ``encoding`` leaves undefined, as decoding the
    bytes would.
    """
    if _is_ascii(array):
        return array
    encoded = pc.dictionary_encode(array)
    if len(encoded.dictionary) * _FEW_DISTINCT <= len(array):
        return _dense_to_utf8(encoded.dictionary, encoding).take(encoded.indices)
    return _dense_to_utf8(array, encoding)


def batch_to_utf8(batch: pa.RecordBatch, encoding: str) -> pa.RecordBatch:
    """A parsed batch of unvalidated large_string columns in ``encoding``, as UTF-8."""
    columns = [cells_to_utf8(column, encoding) for column in batch.columns]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)
