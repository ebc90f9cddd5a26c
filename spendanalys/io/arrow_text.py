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


def _may_start_space(first: np.ndarray) -> np.ndarray:
    """Per first byte (uint8) of a value: may the value start with whitespace?

    Arrow's Unicode whitespace is ASCII control or space, or a character of 2-3 bytes; none of
    the characters U+00C0..U+07FF (lead bytes 0xC3..0xDF: Latin letters as in "Örebro", Greek,
    Cyrillic) is whitespace, nor printable ASCII.
    """
    mask: np.ndarray = ~_in_runs(first, _STARTS_NO_SPACE)
    return mask


# First bytes no whitespace value starts with: printable ASCII, the lead bytes 0xC3..0xDF.
_STARTS_NO_SPACE = [(0x21, 0x7E), (0xC3, 0xDF)]


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
    # A value whose first byte starts no whitespace and whose last byte is printable ASCII
    # (the last byte of a multi-byte character tells nothing) cannot change when trimmed.
    edge = _may_start_space(first) | (last <= 0x20) | (last >= 0x7F)
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


# Bytes :func:`holding` looks at in one pass (its masks are this large at most).
_SCAN_BYTES = 1 << 24


def _byte_runs(wanted: bytes) -> list[tuple[int, int]]:
    """The distinct bytes of ``wanted`` as runs of consecutive values, (first, last) each."""
    runs: list[tuple[int, int]] = []
    for byte in sorted(set(wanted)):
        if runs and runs[-1][1] == byte - 1:
            runs[-1] = (runs[-1][0], byte)
        else:
            runs.append((byte, byte))
    return runs


def _in_runs(data: np.ndarray, runs: list[tuple[int, int]]) -> np.ndarray:
    """Per byte: whether it falls in one of ``runs`` (a comparison pass per run: a lookup
    table indexed by the bytes costs 4x more)."""
    found = np.zeros(len(data), dtype=bool)
    for first, last in runs:
        if first == last:
            found |= data == first
        else:  # uint8 arithmetic wraps: below ``first`` comes out above ``last - first``
            found |= (data - np.uint8(first)) <= last - first
    return found


def _holding_chunk(array: pa.Array, runs: list[tuple[int, int]]) -> np.ndarray:
    found = np.zeros(len(array), dtype=bool)
    if not len(array):
        return found
    ends = offsets(array)
    data = data_bytes(array)
    for start in range(int(ends[0]), int(ends[-1]), _SCAN_BYTES):
        stop = min(start + _SCAN_BYTES, int(ends[-1]))
        at = np.flatnonzero(_in_runs(data[start:stop], runs)) + start
        if len(at):  # the value whose bytes hold each position found
            found[np.searchsorted(ends, at, side="right") - 1] = True
    if array.null_count:
        found &= array.is_valid().to_numpy(zero_copy_only=False)
    return found


def holding(array: StringColumn, wanted: bytes) -> np.ndarray:
    """Per value: whether its bytes include any byte of ``wanted`` (False for a null).

    Why: a comparison pass over the bytes and a search of the offsets for the positions found
    cost a few milliseconds per million values when few values hold such a byte; a substring
    kernel reads every value on its own.
    """
    runs = _byte_runs(wanted)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    if not chunks:
        return np.zeros(0, dtype=bool)
    return np.concatenate([_holding_chunk(chunk, runs) for chunk in chunks])


def _blank_chunk(array: pa.Array) -> np.ndarray:
    ends = offsets(array)
    blank: np.ndarray = ends[1:] == ends[:-1]
    filled = np.flatnonzero(~blank)
    first = data_bytes(array)[ends[:-1][filled]]
    # A value whose first byte starts no whitespace is not blank; the others are asked.
    asked = filled[_may_start_space(first)]
    if len(asked):
        spaces = pc.utf8_is_space(array.take(pa.array(asked)))
        blank[asked] = spaces.to_numpy(zero_copy_only=False)
    return blank


def blank_values(array: StringColumn) -> np.ndarray:
    """Per value: whether it is empty or whitespace only (``utf8_is_space`` or no bytes).

    Only values whose first byte may start whitespace are given to the kernel. No nulls.
    """
    if array.null_count:
        raise ValueError("values with nulls are not looked at here")
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    if not chunks:
        return np.zeros(0, dtype=bool)
    return np.concatenate([_blank_chunk(chunk) for chunk in chunks])


def short_values(array: StringColumn, longest: int) -> bool:
    """Whether any value (or null) of ``array`` is at most ``longest`` bytes long."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return any(
        chunk.null_count > 0 or bool((np.diff(offsets(chunk)) <= longest).any())
        for chunk in chunks
        if len(chunk)
    )
