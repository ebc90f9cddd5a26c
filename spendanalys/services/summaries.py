"""Small per-version results for the dashboard: what a page interaction reads instead of the
whole analysis.

The full :class:`spendanalys.spend.analysis.SpendAnalysis` holds every invoice line (a million lines
pickle to ~13 MB); a page needs a few thousand agreement rows, the totals and, for the
drill-down, one agreement's lines. So, once per dataset version (the store's
``state_token()``):

- :func:`spend_summary` stores a :class:`SpendSummary` (totals, ranked agreements, priority,
  unlinked suppliers, the Pareto curve) in the store's cache — tens of kB;
- the drill-down lines (the ``LINES_LIMIT`` largest per agreement) go into one cache entry per
  agreement (``cache_replace_prefix``), fetched by agreement id (:func:`agreement_lines_of`);
- :func:`memo` keeps deserialised small results in this process, keyed by the state token,
  so a repeated interaction costs one cheap state query.

:func:`page_rows` answers the ranking grid's server-side paging (AG Grid's infinite row model):
filter, sort, then one block of rows. No dash here.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

SUMMARY_FORMAT = 1
LINES_LIMIT = 500  # drill-down lines kept per agreement (largest kg CO2e first)
LINES_PREFIX = "spend-lines:"
# Entries kept per pool: the pages' small results, and drill-downs (one per agreement opened),
# apart so that clicking through many agreements never evicts the pages' results.
MEMO_SIZES = {"pages": 64, "lines": 32}
_MEMO: dict[str, OrderedDict[str, Any]] = {pool: OrderedDict() for pool in MEMO_SIZES}
_MEMO_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}
AGREEMENT_COLUMNS = (
    "rank",
    "agreement_id",
    "name",
    "supplier",
    "category",
    "spend_sek",
    "kg_co2e",
    "kg_co2e_per_sek",
    "requirements",
    "end_date",
    "factor_source",
    "invoice_lines",
)


@dataclass
class SpendSummary:
    """What the overview and ranking pages show of one spend analysis (no invoice lines)."""

    totals: dict[str, Any]
    spend_basis: str
    agreements: pd.DataFrame  # ranked (rank ascending), AGREEMENT_COLUMNS that exist
    priority: pd.DataFrame
    unlinked: pd.DataFrame
    pareto: pd.DataFrame  # agreements by kg CO2e descending with cumulative_share (0–1)
    lines_key: str  # prefix of this version's drill-down entries
    state: str


def stored_object(store: Any, key: str, state: str) -> Any:
    """The object pickled in the store's cache under ``key`` for ``state``; None when there is
    none, or it no longer unpickles (a stale or foreign entry is recomputed by the caller)."""
    raw = store.cache_get(key, state)
    if raw is None:
        return None
    try:
        return pickle.loads(raw)  # written by this application only
    except Exception:
        return None


def memo(
    store: Any,
    name: str,
    compute: Callable[[], Any],
    state: str | None = None,
    pool: str = "pages",
) -> Any:
    """``compute()`` once per ``name`` and store state in this process (the last
    ``MEMO_SIZES[pool]`` results of the pool). For small results only: the state token is read
    first, so a value computed while a write commits is filed under the older state and never
    served as new."""
    state = store.state_token() if state is None else state
    key = f"{store.url}|{name}|{state}"
    entries = _MEMO[pool]
    with _MEMO_LOCK:
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
        lock = _KEY_LOCKS.setdefault(name, threading.Lock())
    with lock:  # callers asking for the same name at once wait for one computation
        with _MEMO_LOCK:
            if key in entries:
                return entries[key]
        value = compute()
        with _MEMO_LOCK:
            entries[key] = value
            while len(entries) > MEMO_SIZES[pool]:
                entries.popitem(last=False)
        return value


def build_summary(analysis: Any, lines_key: str, state: str) -> SpendSummary:
    """The small tables of ``analysis`` (a SpendAnalysis) that the pages show."""
    from spendanalys.services.analyses import pareto_curve

    agreements = analysis.agreements.sort_values("rank", kind="stable").reset_index(drop=True)
    keep = [c for c in AGREEMENT_COLUMNS if c in agreements]
    curve = pareto_curve(analysis.agreements)
    curve = curve[
        [c for c in ("agreement_id", "name", "kg_co2e", "cumulative_share") if c in curve]
    ]
    return SpendSummary(
        totals=dict(analysis.totals),
        spend_basis=str(analysis.spend_basis),
        agreements=agreements[keep].copy(),
        priority=analysis.priority.copy(),
        unlinked=analysis.unlinked.copy(),
        pareto=curve.reset_index(drop=True),
        lines_key=lines_key,
        state=state,
    )


def drilldown_payloads(
    lines: pd.DataFrame, lines_key: str, limit: int = LINES_LIMIT
) -> dict[str, bytes]:
    """Cache entries ``{lines_key}{agreement_id}`` → pickled frame of that agreement's ``limit``
    lines with the most kg CO2e (the drill-down columns only). One sort of all lines, then
    contiguous slices per agreement (numpy bounds, not a groupby per group): ~1 s per
    300,000 kept lines."""
    from spendanalys.services.analyses import LINE_COLUMNS

    linked = lines[lines["linked_agreement_id"].notna()]
    columns = [c for c in LINE_COLUMNS if c in linked]
    ordered = linked.sort_values("kg_co2e", ascending=False, na_position="last", kind="stable")
    ids = ordered["linked_agreement_id"].astype("string")
    top = ordered.assign(_agreement=ids).groupby("_agreement", sort=False).head(limit)
    keys = top["_agreement"].to_numpy(dtype=object)
    order = np.argsort(keys, kind="stable")  # by agreement, kg CO2e order kept within each
    kept, keys = top[columns].iloc[order], keys[order]
    if not len(keys):
        return {}
    bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, len(keys)]
    return {
        f"{lines_key}{keys[a]}": pickle.dumps(
            kept.iloc[a:b].reset_index(drop=True), protocol=pickle.HIGHEST_PROTOCOL
        )
        for a, b in zip(starts, ends, strict=True)
    }


def _summary_key(versions: Mapping[str, int | None], as_of: date) -> str:
    return f"spend-summary:v{SUMMARY_FORMAT}:{versions['contracts']}:{versions['invoices']}:{as_of}"


def spend_summary(store: Any, *, as_of: date | None = None) -> SpendSummary | None:
    """The spend summary of the current data (None before a contract register is uploaded).

    Order of lookups: this process's memo, the store's cache (a small pickle), else the full
    analysis (``views.spend_view``, itself cached) from which the summary and the drill-down
    entries are derived and stored, so the other workers and the next start read them.
    """
    from spendanalys.services import analyses as views
    from spendanalys.services.uploads import version_ids_of_state

    as_of = as_of or date.today()
    state = store.state_token("spend")
    key = _summary_key(version_ids_of_state(state), as_of)

    def stored() -> SpendSummary | None:
        value = stored_object(store, key, state)
        return value if isinstance(value, SpendSummary) else None

    def load() -> SpendSummary | None:
        found = stored()
        if found is not None:
            return found
        with store.computing(f"{key}|{state}"):  # one process computes, the others wait
            return stored() or compute()

    def compute() -> SpendSummary | None:
        view = views.spend_view(store, as_of=as_of)
        if view is None:
            return None
        lines_key = f"{LINES_PREFIX}{key}:"
        summary = build_summary(view.analysis, lines_key, state)
        store.cache_replace_prefix(
            LINES_PREFIX, drilldown_payloads(view.analysis.lines, lines_key), state
        )
        store.cache_put(key, pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL), state)
        return summary

    value: SpendSummary | None = memo(store, key, load, state)
    return value


def agreement_lines_of(
    store: Any, agreement_id: str, limit: int = LINES_LIMIT, *, as_of: date | None = None
) -> pd.DataFrame | None:
    """One agreement's invoice lines, most kg CO2e first (at most ``min(limit, LINES_LIMIT)``),
    read from its own cache entry; None when there is no analysis. An entry missing for this
    state (another worker replaced the set) falls back to the full analysis."""
    from spendanalys.services import analyses as views

    summary = spend_summary(store, as_of=as_of)
    if summary is None:
        return None
    frame = stored_object(store, f"{summary.lines_key}{agreement_id}", summary.state)
    if isinstance(frame, pd.DataFrame):
        return frame.head(limit)
    view = views.spend_view(store, as_of=as_of)
    return (
        None if view is None else views.agreement_lines(view, agreement_id, min(limit, LINES_LIMIT))
    )


# --- server-side paging of a grid ----------------------------------------------------------

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
