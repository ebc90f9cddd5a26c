"""Plain JSON values from pandas and numpy ones, and their JSON text: what every JSON output
goes through.

Neither numpy nor pandas is imported here: a value of theirs can only exist once they are, so
:func:`to_jsonable` looks them up in ``sys.modules`` (``spendanalys --help`` and every command's
parser load this module and must stay free of them).
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_SCALARS = frozenset({str, int, float, bool, type(None)})
# the JSON of these never holds a comma: a column of them is one C encoder call, split on ","
_NUMBERS = frozenset({int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: NaN/NA -> null, timestamps -> ISO dates, numpy scalars -> Python.

    Dict keys become ``str``; lists, tuples and dicts are new ones, other values are returned
    as they are (a ``str``, an ``int``, a value JSON cannot hold)."""
    kind = type(value)
    if kind is dict:
        return _plain_dict(value)
    if kind is list or kind is tuple:
        return _plain_list(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return None if value != value else value
    return _converted(value)


def _plain_dict(value: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            pass
        elif kind is float:
            item = None if item != item else item
        else:
            item = to_jsonable(item)
        out[key if type(key) is str else str(key)] = item
    return out


def _plain_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    if set(map(type, value)) <= {str, int, bool, type(None)}:
        return list(value)
    return [to_jsonable(item) for item in value]


def _converted(value: Any) -> Any:
    """:func:`to_jsonable` of a value that is not one of the plain Python types."""
    if isinstance(value, dict):
        return _plain_dict(value)
    if isinstance(value, list | tuple):
        return _plain_list(value)
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    np = sys.modules.get("numpy")
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        return None if math.isnan(value) else float(value)
    if np is not None:
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
    if isinstance(value, datetime):  # pandas.Timestamp too
        return value.date().isoformat() if value == value else None
    if isinstance(value, date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records."""
    return [to_jsonable(r) for r in frame.to_dict(orient="records")]


def json_text(value: Any, *, allow_nan: bool = True) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, allow_nan=allow_nan)``, the same text,
    a few times faster on a large document of records.

    The standard encoder formats an indented document in Python, one value at a time; here a
    list of dicts with the same keys (the records of a table) is formatted column by column:
    the numbers of one column in one call of the C encoder, the strings with the C string
    encoder, each record by one ``%`` template. Anything but plain JSON values (dict with ``str``
    keys, list, tuple, str, int, float, bool, None), and a NaN or infinity, is left to
    ``json.dumps`` itself, so the text and every error stay exactly the standard library's."""
    try:
        if _COMPACT is None:
            raise _NotPlain
        return _text(value, 0)
    except (_NotPlain, ValueError, RecursionError):
        return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=allow_nan)


class _NotPlain(Exception):
    """A value :func:`json_text` leaves to ``json.dumps``."""


# The C encoder (absent on some Pythons: then json.dumps does it all) with the separators
# json.dumps uses with an indent, (",", ": "); allow_nan=False, so it raises ValueError at NaN.
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_COMPACT: Any = (
    _C_ENCODER(None, None, encode_basestring, None, ": ", ",", False, False, False)
    if _C_ENCODER is not None
    else None
)


def _pad(level: int) -> str:
    return "\n" + "  " * level


def _scalar(value: Any) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if type(value) not in _SCALARS:
        raise _NotPlain
    return "".join(_COMPACT(value, 0))


def _text(value: Any, level: int) -> str:
    """``value`` as indented JSON whose first line is at indentation ``level``."""
    if type(value) in _CONTAINERS:
        return _items([value], level)[0]
    return _scalar(value)


def _items(values: list[Any], level: int) -> list[str]:
    """The JSON text of each of ``values`` at indentation ``level``: a column of a table."""
    kinds = set(map(type, values))
    if kinds <= _NUMBERS:
        return "".join(_COMPACT(values, 0))[1:-1].split(",")
    if kinds == {str}:
        return list(map(encode_basestring, values))
    if kinds <= _SCALARS:
        return list(map(_scalar, values))
    if kinds == {dict}:
        return _dicts(values, level)
    if kinds <= {list, tuple}:
        return _lists(values, level)
    if not kinds <= _SCALARS | _CONTAINERS:
        raise _NotPlain
    # a mix (a list or None, say): each sort column-wise, then each text back in its place
    texts = [""] * len(values)
    for sort in (_SCALARS, frozenset({dict}), frozenset({list, tuple})):
        where = [i for i, v in enumerate(values) if type(v) in sort]
        if where:
            for i, text in zip(where, _items([values[i] for i in where], level), strict=True):
                texts[i] = text
    return texts


def _lists(rows: list[Any], level: int) -> list[str]:
    """Lists as indented JSON: the items of them all as one column."""
    texts = _items([v for row in rows for v in row], level + 1) if any(rows) else []
    return _grouped(rows, texts, "[", level, "]")


def _dicts(rows: list[dict[Any, Any]], level: int) -> list[str]:
    """Dicts as indented JSON: each key's values as a column when they all have the same keys
    in the same order (the records of a table), else all their values as one column."""
    keys = tuple(rows[0])
    if not all(type(k) is str for k in keys):
        raise _NotPlain
    if keys and all(tuple(row) == keys for row in rows):
        columns = [_items([row[key] for row in rows], level + 1) for key in keys]
        inner = _pad(level + 1)
        template = (
            "{"
            + inner
            + ("," + inner).join(encode_basestring(k).replace("%", "%%") + ": %s" for k in keys)
            + _pad(level)
            + "}"
        )
        return [template % row for row in zip(*columns, strict=True)]
    names = [k for row in rows for k in row]
    if not all(type(k) is str for k in names):
        raise _NotPlain
    values = [v for row in rows for v in row.values()]
    texts = _items(values, level + 1) if values else []
    lines = [f"{encode_basestring(k)}: {t}" for k, t in zip(names, texts, strict=True)]
    return _grouped(rows, lines, "{", level, "}")


def _grouped(
    rows: list[Any], lines: list[str], opening: str, level: int, closing: str
) -> list[str]:
    """Each row's lines (in ``lines``, row after row) as one indented container."""
    inner = _pad(level + 1)
    separator, end = "," + inner, _pad(level) + closing
    out = []
    start = 0
    for row in rows:
        if row:
            stop = start + len(row)
            out.append(opening + inner + separator.join(lines[start:stop]) + end)
            start = stop
        else:
            out.append(opening + closing)
    return out
