"""Server-side paging of a grid (AG Grid's infinite row model): filter, sort, then one block
of rows. The request comes from the browser, so every part of it is checked, not trusted."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

_TEXT_TESTS: dict[str, Callable[[pd.Series, str], pd.Series]] = {
    "contains": lambda s, v: s.str.contains(v, regex=False),
    "notContains": lambda s, v: ~s.str.contains(v, regex=False),
    "equals": lambda s, v: s == v,
    "notEqual": lambda s, v: s != v,
    "startsWith": lambda s, v: s.str.startswith(v),
    "endsWith": lambda s, v: s.str.endswith(v),
}
_NUMBER_TESTS: dict[str, Callable[[pd.Series, float], pd.Series]] = {
    "equals": lambda s, v: s == v,
    "notEqual": lambda s, v: s != v,
    "lessThan": lambda s, v: s < v,
    "lessThanOrEqual": lambda s, v: s <= v,
    "greaterThan": lambda s, v: s > v,
    "greaterThanOrEqual": lambda s, v: s >= v,
}


def _condition(column: pd.Series, condition: Mapping[str, Any]) -> pd.Series:
    """Rows of ``column`` meeting one AG Grid filter condition (unknown ones keep every row)."""
    kind = condition.get("type")
    if kind == "blank":
        return column.isna() | (column.astype("string").fillna("") == "")
    if kind == "notBlank":
        return column.notna() & (column.astype("string").fillna("") != "")
    if condition.get("filterType") == "number":
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        try:
            value = float(condition["filter"])
        except (KeyError, TypeError, ValueError):
            return pd.Series(True, index=column.index)
        if kind == "inRange":
            try:
                upper = float(condition["filterTo"])
            except (KeyError, TypeError, ValueError):
                return pd.Series(True, index=column.index)
            return ((values >= value) & (values <= upper)).fillna(False)
        test = _NUMBER_TESTS.get(str(kind))
        return (
            pd.Series(True, index=column.index)
            if test is None
            else test(values, value).fillna(False)
        )
    test_text = _TEXT_TESTS.get(str(kind))
    text = condition.get("filter")
    if test_text is None or text is None:
        return pd.Series(True, index=column.index)
    lowered = column.astype("string").fillna("").str.lower()  # AG Grid's default: ignore case
    return test_text(lowered, str(text).lower()).fillna(False).astype(bool)


def _filter_mask(display: pd.DataFrame, filter_model: Mapping[str, Any]) -> pd.Series:
    mask = pd.Series(True, index=display.index)
    for field, model in (filter_model or {}).items():
        if not isinstance(field, str) or field not in display or not isinstance(model, Mapping):
            continue
        conditions = model.get("conditions")
        if isinstance(conditions, list) and conditions:
            parts = [
                _condition(display[field], {**model, **c})
                for c in conditions
                if isinstance(c, Mapping)
            ] or [pd.Series(True, index=display.index)]
            joined = parts[0]
            for part in parts[1:]:
                joined = (joined | part) if model.get("operator") == "OR" else (joined & part)
            mask &= joined
        else:
            mask &= _condition(display[field], model)
    return mask


def page_rows(
    display: pd.DataFrame,
    start: int,
    end: int,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
    sort_values: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, int]:
    """Rows ``start``..``end`` (end excluded) of ``display`` after AG Grid's filter model and
    sort model, and how many rows pass the filter.

    ``display`` holds what the grid shows (numbers as floats, other cells as formatted text);
    filters apply to it, so a text filter matches what the user sees. Sorting uses
    ``sort_values`` (same index, raw typed values, e.g. real dates) where it has the column.
    At most 1,000 rows are returned per request.
    """
    positions, count = page_positions(display, start, end, sort_model, filter_model, sort_values)
    return display.iloc[positions], count


def page_positions(
    display: pd.DataFrame,
    start: Any,
    end: Any,
    sort_model: Any = None,
    filter_model: Any = None,
    sort_values: pd.DataFrame | None = None,
) -> tuple[np.ndarray, int]:
    """:func:`page_rows` as row positions in ``display`` (to pick from prepared records).

    The request comes from the browser: parts of the wrong type are ignored, not trusted.
    """
    start = _row_index(start)
    end = max(start, min(_row_index(end), start + 1000))
    if not isinstance(filter_model, Mapping):
        filter_model = None
    if not isinstance(sort_model, Sequence) or isinstance(sort_model, str):
        sort_model = None
    if not filter_model and not sort_model:  # the common request: a block in rank order
        return np.arange(start, min(end, len(display))), len(display)
    display = display.set_axis(np.arange(len(display)))
    if sort_values is not None:
        sort_values = sort_values.set_axis(display.index)
    chosen = display[_filter_mask(display, filter_model or {})]
    fields, ascending = [], []
    for item in sort_model or []:
        field = item.get("colId") if isinstance(item, Mapping) else None
        if isinstance(field, str) and field in display and item.get("sort") in ("asc", "desc"):
            fields.append(field)
            ascending.append(item.get("sort") == "asc")
    if fields:
        source = sort_values if sort_values is not None else display
        keys = pd.DataFrame(
            {
                f"k{i}": (source[f] if f in source else display[f]).loc[chosen.index]
                for i, f in enumerate(fields)
            }
        )
        order = keys.sort_values(
            list(keys.columns), ascending=ascending, na_position="last", kind="stable"
        ).index
        chosen = chosen.loc[order]
    return chosen.index.to_numpy()[start:end], len(chosen)


def _row_index(value: Any) -> int:
    """A grid row index from a request: a non-negative whole number, else 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        number = float(value)
    except ValueError:
        return 0
    return int(min(number, 2**31)) if number > 0 else 0


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN/NA as None)."""
    columns = {}
    for name in frame.columns:
        values = frame[name].tolist()  # Python scalars
        columns[str(name)] = [None if v is None or v is pd.NA or v != v else v for v in values]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
