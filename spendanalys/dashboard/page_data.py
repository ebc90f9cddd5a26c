"""What the pages render, built once per dataset version and language and reused.

Every function here reads the store's state token once and returns a memoised value
(``spendanalys.services.summaries.memo``): a repeated interaction costs one small query instead of
re-reading the versions table, rebuilding a plotly figure (its template is deep-copied on every
build) or formatting two thousand grid rows.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.io.json

from spendanalys import services
from spendanalys.dashboard import charts
from spendanalys.dashboard.components import figure_dict, grid_frame
from spendanalys.i18n import t
from spendanalys.spend.categories import load_category_rules


def freshness(store: services.Store, state: str | None = None) -> pd.DataFrame:
    """``services.freshness`` of this state (a copy: callers add columns)."""
    frame: pd.DataFrame = services.memo(
        store, "freshness", lambda: services.freshness(store), state
    )
    return frame.copy()


def latest_rejected(store: services.Store, kind: str, state: str | None = None) -> pd.DataFrame:
    frame: pd.DataFrame = services.memo(
        store, f"rejected:{kind}", lambda: services.latest_rejected(store, kind), state
    )
    return frame


def summary(store: services.Store) -> services.SpendSummary | None:
    return services.spend_summary(store)


@dataclass(frozen=True)
class GridRows:
    """A table as a server-side grid serves it: ``shown`` (formatted, filters apply to it),
    ``raw`` (typed values to sort by) and ``rows`` (JSON-ready records of ``shown``, so a block
    of rows is a slice, not a formatting pass). All three share row positions."""

    shown: pd.DataFrame
    raw: pd.DataFrame
    rows: list[dict[str, Any]]

    def block(self, request: dict[str, Any]) -> dict[str, Any]:
        """The ``getRowsResponse`` for an AG Grid ``getRowsRequest``."""
        positions, count = services.page_positions(
            self.shown,
            request.get("startRow"),
            request.get("endRow"),
            request.get("sortModel"),
            request.get("filterModel"),
            sort_values=self.raw,
        )
        return {"rowData": [self.rows[i] for i in positions], "rowCount": count}


def grid_rows(frame: pd.DataFrame, columns: Any, language: str) -> GridRows:
    raw = frame.reset_index(drop=True)
    shown = grid_frame(raw, columns, language)
    return GridRows(shown, raw, services.records(shown))


def ranking_rows(store: services.Store, columns: Any, language: str) -> GridRows | None:
    """The ranking as the grid serves it, for this state and language; None before there is
    an analysis."""
    result = services.spend_summary(store)
    if result is None:
        return None
    rows: GridRows = services.memo(
        store,
        f"ranking:{language}:{result.lines_key}",
        lambda: grid_rows(result.agreements, columns, language),
        result.state,
    )
    return rows


def pareto_figure(store: services.Store, language: str) -> dict[str, Any] | None:
    result = services.spend_summary(store)
    if result is None:
        return None
    figure: dict[str, Any] = services.memo(
        store,
        f"pareto:{language}:{result.lines_key}",
        lambda: figure_dict(charts.pareto(result.pareto, language)),
        result.state,
    )
    return figure


def travel_figure(store: services.Store, analysis: Any, language: str) -> dict[str, Any]:
    figure: dict[str, Any] = services.memo(
        store,
        f"travel-per-fte:{language}:{date.today()}",
        lambda: figure_dict(charts.travel_per_fte(analysis, language)),
    )
    return figure


@functools.lru_cache(maxsize=4)
def category_options(language: str) -> tuple[dict[str, str], ...]:
    """The category tree as dropdown options (the tree is package data: fixed per process)."""
    tree = load_category_rules().tree
    return tuple(
        {
            "label": f"{name_sv if language == 'sv' else name_en} ({category_id})",
            "value": category_id,
        }
        for category_id, name_sv, name_en in zip(
            tree["category_id"], tree["name_sv"], tree["name_en"], strict=True
        )
    )


def kind_labels(frame: pd.DataFrame, language: str) -> list[str]:
    return [t(f"kind.{k}", language) for k in frame["kind"]]


def rendered(store: services.Store, name: str, build: Any, scope: str | None = None) -> Any:
    """Components that depend only on the store's state (of ``scope``, "spend" or "travel":
    see ``StoreState.scoped``) and the page's language (``name`` must say which
    language), built once per state and date and kept as their serialised JSON data
    (``{"type", "namespace", "props"}``, what Dash sends anyway): a repeated view skips
    building and walking hundreds of component objects."""
    return services.memo(
        store,
        f"rendered:{name}:{date.today()}",
        lambda: json.loads(plotly.io.json.to_json_plotly(build())),
        store.state_token(scope),
    )


def drilldown_lines(store: services.Store, agreement_id: str) -> pd.DataFrame | None:
    """One agreement's drill-down lines (its own cache entry), kept here per state."""
    frame: pd.DataFrame | None = services.memo(
        store,
        f"lines:{date.today()}:{agreement_id}",
        lambda: _indexed(services.agreement_lines_of(store, agreement_id)),
        pool="lines",
    )
    return frame


def _indexed(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if frame is None else frame.reset_index(drop=True)


def drilldown_page(
    store: services.Store, agreement_id: str, columns: Any, language: str, request: dict[str, Any]
) -> dict[str, Any]:
    """A ``getRowsResponse`` for one agreement's lines (formatted once per agreement and
    language, then served block by block)."""
    raw = drilldown_lines(store, agreement_id)
    if raw is None:
        return {"rowData": [], "rowCount": 0}
    rows: GridRows = services.memo(
        store,
        f"lines-shown:{date.today()}:{language}:{agreement_id}",
        lambda: grid_rows(raw, columns, language),
        pool="lines",
    )
    return rows.block(request)
