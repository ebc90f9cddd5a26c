"""Byte-level looks at Arrow string columns, read with numpy instead of a compute pass.

Why: a pyarrow kernel over a million strings (trim, replace, regex) costs 15-100 ms and builds
a new column even when nothing changes. The offsets and bytes of a string array answer some
questions in a few milliseconds: does any value start or end with a byte that could be
whitespace, how long is each value, which values hold a given byte. The converters use these
answers to skip passes that would change nothing; the answers are conservative (a "maybe"
leads to the full kernel), never a different result.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

StringColumn: TypeAlias = pa.Array | pa.ChunkedArray


def large_strings(array: StringColumn) -> pa.LargeStringArray:
    """One contiguous ``large_string`` array (chunks combined, ``string`` widened)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    return array


def offsets(array: pa.Array) -> np.ndarray:
    """The value offsets of a ``string`` or ``large_string`` array as int64 (len + 1 items)."""
    width = np.int64 if array.type == pa.large_string() else np.int32
    raw = np.frombuffer(array.buffers()[1], dtype=width)
    return raw[array.offset : array.offset + len(array) + 1].astype(np.int64, copy=False)


def data_bytes(array: pa.Array) -> np.ndarray:
    """The character bytes of a string array (the whole buffer: index it with :func:`offsets`)."""
    buffer = array.buffers()[2]
    return np.zeros(0, dtype=np.uint8) if buffer is None else np.frombuffer(buffer, np.uint8)


def _may_trim_chunk(array: pa.Array) -> bool:
    if len(array) == 0:
        return False
    ends = offsets(array)
    data = data_bytes(array)
    lengths = np.diff(ends)
    width = int(lengths[0])
    if width and bool((lengths == width).all()):  # fixed width (dates, ids): strided views
        rows = data[ends[0] : ends[-1]].reshape(-1, width)
        full = np.ones(len(array), dtype=bool)
        first, last = rows[:, 0], rows[:, -1]
    else:
        full = lengths > 0
        if bool(full.all()):  # no empty value: the offsets index the bytes as they are
            first, last = data[ends[:-1]], data[ends[1:] - 1]
        elif not full.any():
            return False
        else:
            first = data[ends[:-1][full]]
            last = data[ends[1:][full] - 1]
    # Arrow's Unicode whitespace is ASCII control/space or a multi-byte character: a value
    # whose first and last bytes are printable ASCII cannot change when trimmed.
    edge = (first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F)
    if not edge.any():
        return False
    where = np.flatnonzero(full)[edge]
    candidates = array.take(pa.array(where))
    trimmed = pc.utf8_trim_whitespace(candidates)
    return bool(
        pc.any(pc.not_equal(pc.binary_length(trimmed), pc.binary_length(candidates))).as_py()
    )


def may_trim(array: StringColumn) -> bool:
    """Whether ``pc.utf8_trim_whitespace`` would change any value of ``array``.

    Only the values whose first or last byte could belong to whitespace are trimmed to see.
    """
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return any(_may_trim_chunk(chunk) for chunk in chunks)


def trim(array: StringColumn) -> StringColumn:
    """``pc.utf8_trim_whitespace(array)``, or ``array`` itself when no value would change."""
    if not may_trim(array):
        return array
    trimmed: StringColumn = pc.utf8_trim_whitespace(array)
    return trimmed


def short_values(array: StringColumn, longest: int) -> bool:
    """Whether any value (or null) of ``array`` is at most ``longest`` bytes long."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return any(
        chunk.null_count > 0 or bool((np.diff(offsets(chunk)) <= longest).any())
        for chunk in chunks
        if len(chunk)
    )
