"""Column-wise helpers that keep the spend engine fast on a million lines.

Text columns repeat a few thousand distinct values over many lines (suppliers, accounts,
categories). Each is factorised once into integer codes; work is done once per distinct value and
spread back with a numpy ``take``, and results are stored as pandas Categoricals. No Python loop
ever runs per line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
import pyarrow as pa


def encode(values: pd.Series | pd.Categorical | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)``: int codes per row (-1 where missing) and the distinct values.

    A Categorical is already encoded: its codes and categories are returned as they are (no pass
    over the rows; ``uniques`` may then hold categories no row uses).
    """
    categorical = categorical_of(values)
    if categorical is not None:
        return (
            np.asarray(categorical.codes, dtype=np.intp),
            np.asarray(categorical.categories, dtype=object),
        )
    arrow = _arrow_strings(values)
    if arrow is not None:
        return _encode_arrow(*arrow)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)


# Within one analysis (see :func:`encoding_once`), the factorisation of each Arrow string column
# met, by the identity of its Arrow buffers: the engine encodes the same line column (supplier,
# org number, account) in linking, categorising, attribution and the summaries, through frames
# that share the column's buffers but not its pandas or Arrow wrapper objects. An entry holds
# its data, so no buffer address can be reused while the entry lives.
_ArrowKey = tuple[object, ...]
_Entry = tuple[object, np.ndarray, np.ndarray]
_SCOPE: ContextVar[dict[_ArrowKey, _Entry] | None] = ContextVar("encoding_once", default=None)


@contextmanager
def encoding_once() -> Iterator[None]:
    """In this block, :func:`encode` factorises each Arrow text column once, however many
    frames carry it; the remembered codes go when the block ends (one per thread or task)."""
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _arrow_strings(
    values: object,
) -> tuple[pd.arrays.ArrowStringArray, pa.ChunkedArray] | None:
    """The Arrow string array behind a pandas Series or array and its Arrow data, else None."""
    array = values.array if isinstance(values, pd.Series) else values
    if isinstance(array, pd.arrays.ArrowStringArray):
        chunks = getattr(array, "_pa_array", None)
        if isinstance(chunks, pa.ChunkedArray):
            return array, chunks
    return None


def _arrow_key(chunks: pa.ChunkedArray) -> _ArrowKey:
    """What makes two Arrow arrays the same data: type, and per chunk its offset, length and
    buffer addresses (Arrow data is immutable)."""
    parts: list[object] = [str(chunks.type), len(chunks)]
    for chunk in chunks.chunks:
        buffers = tuple(0 if b is None else b.address for b in chunk.buffers())
        parts.append((chunk.offset, len(chunk), buffers))
    return tuple(parts)


def _smallest_int(size: int) -> type[np.signedinteger]:
    """The narrowest signed integer type that holds codes -1 .. size - 1."""
    for kind in (np.int8, np.int16, np.int32):
        if size <= np.iinfo(kind).max:
            return kind
    return np.int64


def _encode_arrow(
    array: pd.arrays.ArrowStringArray, chunks: pa.ChunkedArray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`encode` of an Arrow string column (``chunks``: its data), remembered inside
    :func:`encoding_once` (codes kept in the smallest integer type; each caller gets a copy)."""
    seen = _SCOPE.get()
    key = _arrow_key(chunks) if seen is not None else ()
    entry = seen.get(key) if seen is not None else None
    if entry is None:
        codes, uniques = array.factorize(use_na_sentinel=True)
        distinct = np.asarray(uniques, dtype=object)
        entry = (chunks, np.asarray(codes, dtype=_smallest_int(len(distinct))), distinct)
        if seen is not None:
            seen[key] = entry
    return entry[1].astype(np.intp), entry[2].copy()


def categorical_of(values: object) -> pd.Categorical | None:
    """The Categorical behind ``values`` (a Categorical or a categorical Series), else None."""
    if isinstance(values, pd.Categorical):
        return values
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        array = values.array
        if isinstance(array, pd.Categorical):  # always, for a categorical dtype
            return array
    return None


def string_array(per_unique: np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``per_unique[codes]`` as a pandas ``string`` array (<NA> where the code is -1 or the value
    is missing), built by an Arrow ``take``: a million rows never become Python objects."""
    values = [None if pd.isna(v) else str(v) for v in np.asarray(per_unique, dtype=object)]
    dictionary = pa.array(values, type=pa.large_string())
    codes = np.asarray(codes, dtype=np.int64)
    taken = dictionary.take(pa.array(codes, mask=codes < 0))
    return pd.arrays.ArrowStringArray(taken)


def spread(per_unique: np.ndarray, codes: np.ndarray, fill: object = None) -> np.ndarray:
    """``per_unique[codes]`` with ``fill`` where the code is -1 (a missing input)."""
    extended = np.append(np.asarray(per_unique, dtype=object), np.array([fill], dtype=object))
    spread_out: np.ndarray = extended[codes]
    return spread_out


def map_unique(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``func`` (Series of str → aligned Series) applied once per distinct non-missing value of
    ``values``; the results spread back per row as an object array (None where missing)."""
    codes, uniques = encode(values)
    if len(uniques) == 0:
        return np.full(len(values), None, dtype=object)
    result = func(pd.Series(uniques, dtype="string"))
    per_unique = pd.Series(result).astype("object").where(pd.Series(result).notna(), None)
    return spread(per_unique.to_numpy(dtype=object), codes)


def map_unique_strings(
    values: pd.Series, func: Callable[[pd.Series], pd.Series]
) -> pd.api.extensions.ExtensionArray:
    """:func:`map_unique` with a pandas ``string`` result (<NA> where missing), spread by an
    Arrow ``take`` instead of through a million Python objects."""
    codes, uniques = encode(values)
    if len(uniques) == 0:
        return string_array(np.array([], dtype=object), codes)
    result = pd.Series(func(pd.Series(uniques, dtype="string")))
    per_unique = result.astype("object").where(result.notna(), None).to_numpy(dtype=object)
    arrow = _arrow_strings(values)
    if arrow is not None and _unchanged(per_unique, uniques):
        # every value maps to itself (input already normalised): the column's own immutable
        # Arrow data, not a copy of it (10 million org numbers: 180 MB)
        same = arrow[0]
        if same.dtype == string_array(per_unique[:0], codes[:0]).dtype:
            return same
    return string_array(per_unique, codes)


def _unchanged(per_unique: np.ndarray, uniques: np.ndarray) -> bool:
    """Whether each distinct value's result is that same text."""
    return all(
        isinstance(new, str) and isinstance(old, str) and new == old
        for new, old in zip(per_unique, uniques, strict=True)
    )


def as_categorical(values: np.ndarray | pd.Series) -> pd.Categorical:
    """An object array (None = missing) as a Categorical of its distinct values."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="object"))


def categorical_from_codes(per_unique: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """``per_unique[codes]`` (code -1 = missing) as a Categorical: the same result as
    ``as_categorical(spread(per_unique, codes))`` (categories in order of first appearance), but
    computed on integer codes, without a million-row object array."""
    codes = np.asarray(codes, dtype=np.intp)
    value_codes, distinct = pd.factorize(np.asarray(per_unique, dtype=object), use_na_sentinel=True)
    per_row = np.append(np.asarray(value_codes, dtype=np.intp), -1)[codes]
    order = first_seen(per_row, len(distinct))
    renumber = np.full(len(distinct) + 1, -1, dtype=np.intp)
    renumber[order] = np.arange(len(order))
    return pd.Categorical.from_codes(
        renumber[per_row],
        categories=pd.Index(np.asarray(distinct, dtype=object)[order], dtype="object"),
    )


def _small_range(size: int, rows: int) -> bool:
    """Whether a table of ``size`` entries is cheap next to ``rows`` rows (a few times their
    number): then codes are counted in a table, not hashed."""
    return size <= rows // 2 + (1 << 16)


def first_seen(codes: np.ndarray, size: int) -> np.ndarray:
    """The codes (0 .. ``size`` - 1; -1 skipped) that occur in ``codes``, in order of first
    appearance: ``pd.unique`` of small integer codes, found with one ``np.minimum.at`` into a
    table of ``size`` entries instead of a hash table of the rows (a sixth of the time)."""
    codes = np.asarray(codes)
    if not _small_range(size, len(codes)):
        found = pd.unique(codes[codes >= 0])
        return np.asarray(found, dtype=np.intp)
    valid = codes >= 0
    rows = np.arange(len(codes), dtype=np.int64)
    if not valid.all():
        codes, rows = codes[valid], rows[valid]
    first = np.full(size, len(valid), dtype=np.int64)
    np.minimum.at(first, codes, rows)
    present = np.flatnonzero(first < len(valid))
    order: np.ndarray = present[np.argsort(first[present], kind="stable")]
    return order


def factorize_codes(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of integer codes 0 .. ``size`` - 1 (-1 stays -1): ``(inverse,
    uniques)``, numbered in order of first appearance, through :func:`first_seen`."""
    codes = np.asarray(codes)
    if not _small_range(size, len(codes)):
        inverse = np.full(len(codes), -1, dtype=np.intp)
        valid = codes >= 0  # to pd.factorize an integer -1 is a value, not a missing one
        found, distinct = pd.factorize(codes[valid])
        inverse[valid] = found
        return inverse, np.asarray(distinct, dtype=np.intp)
    uniques = first_seen(codes, size)
    renumber = np.full(size + 1, -1, dtype=np.intp)
    renumber[uniques] = np.arange(len(uniques))
    return renumber[codes], uniques


def combined_codes(*parts: np.ndarray) -> np.ndarray:
    """One int64 code per row for a tuple of code columns (-1 = missing counts as a value)."""
    out = np.zeros(len(parts[0]), dtype=np.int64)
    bound = 1  # out < bound
    for part in parts:
        width = int(part.max(initial=-1)) + 2
        if bound * width >= 2**62:
            # refactorised when the product would overflow: it then stays below rows × width
            codes, uniques = pd.factorize(out)
            out, bound = np.asarray(codes, dtype=np.int64), max(len(uniques), 1)
        out = out * width + (part.astype(np.int64) + 1)
        bound *= width
    codes, _ = factorize_codes(out, bound)  # codes in order of first appearance
    return codes


def compensated_sums(
    values: np.ndarray, codes: np.ndarray, size: int, *, min_count: int = 0
) -> np.ndarray:
    """pandas' grouped ``sum(min_count=...)`` of ``values`` per code 0 .. ``size`` - 1 (rows
    with code -1 left out, NaN values skipped, NaN where a group has fewer than ``min_count``
    values), grouped on a Categorical of the codes, so no row is hashed.

    Bit for bit what pandas gives for keys it numbers with these codes (integer keys with
    ``sort=True``, or any keys with ``sort=False`` when the codes are in order of first
    appearance, as :func:`factorize_codes` numbers them): pandas sums a group with Kahan
    compensation, or with ``np.add.reduceat`` when the codes are sorted and no value is NaN,
    and the same codes take the same way."""
    codes = np.asarray(codes)
    if len(codes) and (int(codes.min()) < -1 or int(codes.max()) >= size):
        raise ValueError(f"codes must lie in -1 .. {size - 1}")
    key = pd.Categorical.from_codes(codes, categories=pd.RangeIndex(size), validate=False)
    grouped = pd.Series(np.asarray(values, dtype=float), copy=False).groupby(
        pd.Series(key, copy=False), observed=False, sort=True
    )
    sums: np.ndarray = grouped.sum(min_count=min_count).to_numpy(dtype=float)
    return sums


def first_rows(codes: np.ndarray) -> np.ndarray:
    """The row where each code first appears, for codes numbered in order of first appearance
    (what :func:`combined_codes` gives): the rows where the running maximum grows; no sort."""
    if not len(codes):
        return np.array([], dtype=np.intp)
    peak = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, peak[1:] > peak[:-1]])


def row_groups(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(group, first)``: each row's code for its combination of the ``columns`` (missing a
    value of its own; codes in order of first appearance) and the first row of each group.

    Within :func:`encoding_once`, remembered by the columns' Arrow data like :func:`encode`:
    the linker, the supplier attribution and the supplier keys group the lines by the same
    raw key columns. The arrays are shared: read-only."""
    values = [column(frame, name) for name in columns]
    arrows = [_arrow_strings(v) for v in values]
    seen = _SCOPE.get()
    key: _ArrowKey | None = None
    if seen is not None and all(a is not None for a in arrows):
        key = ("row_groups", *(_arrow_key(a[1]) for a in arrows if a is not None))
        entry = seen.get(key)
        if entry is not None:
            return entry[1], entry[2]
    group = combined_codes(*(encode(v)[0] for v in values))
    first = first_rows(group)
    if len(first) < np.iinfo(np.int32).max:  # kept for the analysis: 4 bytes per row, not 8
        group = group.astype(np.int32)
    group.flags.writeable = False
    first.flags.writeable = False
    if seen is not None and key is not None:
        seen[key] = (tuple(a[1] for a in arrows if a is not None), group, first)
    return group, first


def is_function_of(codes: np.ndarray, group: np.ndarray, first: np.ndarray) -> bool:
    """Whether ``codes`` are the same on every row of a group (``row_groups``' arrays): then
    work per group gives what work per row gives."""
    return bool(np.array_equal(codes[first][group], codes))


def missing(values: np.ndarray) -> np.ndarray:
    """Boolean mask of missing entries in an object array."""
    return pd.isna(values)


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]``, or an all-missing column when the frame lacks it."""
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype="object")


def take_codes(per_unique: np.ndarray, codes: np.ndarray, fill: int = -1) -> np.ndarray:
    """``per_unique[codes]`` for an integer ``per_unique``, ``fill`` where the code is -1."""
    extended = np.append(np.asarray(per_unique, dtype=np.intp), np.intp(fill))
    taken: np.ndarray = extended[codes]
    return taken


def used_codes(codes: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Which of ``size`` codes occur among the ``rows`` (a mask): the distinct values a rule
    has to look at, found with one ``bincount`` instead of a factorisation."""
    picked = codes[rows]
    return np.bincount(picked[picked >= 0], minlength=size)[:size] > 0


def on_uniques(
    func: Callable[[pd.Series], pd.Series], uniques: np.ndarray, used: np.ndarray | None = None
) -> np.ndarray:
    """``func`` (Series of str → aligned Series) on the distinct values (those in ``used``
    only, when given): an object array aligned to ``uniques``, None where missing or not
    looked at."""
    out = np.full(len(uniques), None, dtype=object)
    pick = np.arange(len(uniques)) if used is None else np.flatnonzero(used)
    if len(pick):
        result = pd.Series(func(pd.Series(np.asarray(uniques, dtype=object)[pick], dtype="string")))
        out[pick] = result.astype("object").where(result.notna(), None).to_numpy(dtype=object)
    return out


class Vocabulary:
    """Distinct values (category ids) and their integer codes, shared by the rules that place
    rows: a rule's result per distinct input becomes a code, rows only ever hold integers."""

    def __init__(self) -> None:
        self.values: list[object] = []
        self._code: dict[object, int] = {}

    def codes(self, values: np.ndarray) -> np.ndarray:
        """The code of each value (-1 where missing), new values added: for small arrays (a
        rule's result per distinct input)."""
        out = np.full(len(values), -1, dtype=np.intp)
        for i, value in enumerate(values):
            if value is None or pd.isna(value):
                continue
            code = self._code.get(value)
            if code is None:
                code = self._code[value] = len(self.values)
                self.values.append(value)
            out[i] = code
        return out

    def row_codes(self, values: np.ndarray) -> np.ndarray:
        """:meth:`codes` for a row-aligned object array, through its distinct values."""
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        return take_codes(self.codes(np.asarray(uniques, dtype=object)), codes)

    def array(self) -> np.ndarray:
        """The values as an object array, by code."""
        return np.array(self.values, dtype=object)
