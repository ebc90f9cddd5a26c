"""What the pages render, built once per dataset version and language and reused.

Every function here reads the store's state token once and returns a memoised value
(``spendanalys.services.summaries.memo``): a repeated interaction costs one small query instead of
re-reading the versions table, rebuilding a plotly figure (its template is deep-copied on every
build) or formatting two thousand grid rows.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.io.json

from spendanalys import services
from spendanalys.dashboard import charts
from spendanalys.dashboard.components import figure_dict, grid_frame
from spendanalys.i18n import format_number, t
from spendanalys.i18n.notes import worded
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


def spend_years(store: services.Store) -> tuple[int, ...]:
    """The years the invoice lines of the current spend analysis fall in (the frame the
    overview's spend cards state), read from the small summary: no invoice lines decoded."""
    result = services.spend_summary(store)
    return () if result is None else result.line_years


def method_tables(store: services.Store) -> dict[str, pd.DataFrame]:
    """The method page's tables of the current spend run, from the small summary (built with
    it, ``services.build_summary``); the built-in rules and sets before there is an analysis."""
    result = services.spend_summary(store)
    if result is None:
        tables: dict[str, pd.DataFrame] = services.memo(
            store, "method-tables", lambda: services.method_tables(None), "builtin"
        )
        return tables
    return result.method


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


def rendered(
    store: services.Store,
    name: str,
    build: Any,
    scope: str | None = None,
    *,
    token: str | None = None,
) -> Any:
    """Components that depend only on the store's state (of ``scope``, "spend" or "travel":
    see ``StoreState.scoped``) and the page's language (``name`` must say which
    language), built once per state and date and kept as their serialised JSON data
    (``{"type", "namespace", "props"}``, what Dash sends anyway): a repeated view skips
    building and walking hundreds of component objects. ``token``, when given, stands for the
    state: what the components are built from (``content_token``), so a new dataset version
    that leaves it unchanged reuses them."""
    return services.memo(
        store,
        f"rendered:{name}:{date.today()}",
        lambda: json.loads(plotly.io.json.to_json_plotly(build())),
        store.state_token(scope) if token is None else token,
    )


def content_token(tables: dict[str, pd.DataFrame]) -> str:
    """A digest of ``tables`` (names, columns, dtypes and every value): equal tables, equal
    token."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        digest.update(repr((name, list(frame.columns), [str(d) for d in frame.dtypes])).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return f"content:{digest.hexdigest()}"


def method_token(store: services.Store) -> tuple[str, dict[str, pd.DataFrame]]:
    """The method tables of the current spend state with their ``content_token`` (computed once
    per state): an upload of invoices, which leaves the rules and factor sets as they were,
    keeps the token and so the rendered method page."""

    def tokened() -> tuple[str, dict[str, pd.DataFrame]]:
        tables = method_tables(store)  # read inside: an earlier state's tables are not kept
        return content_token(tables), tables

    found: tuple[str, dict[str, pd.DataFrame]] = services.memo(
        store, "method-token", tokened, store.state_token("spend")
    )
    return found


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
        lambda: grid_rows(labelled_lines(raw, language), columns, language),
        pool="lines",
    )
    return rows.block(request)


def agreement_line_count(store: services.Store, agreement_id: str) -> int | None:
    """How many invoice lines the agreement has in all (the drill-down keeps the largest
    ``services.LINES_LIMIT``); None when the ranking does not say."""
    result = services.spend_summary(store)
    if result is None or "invoice_lines" not in result.agreements:
        return None
    found = result.agreements.loc[
        result.agreements["agreement_id"] == agreement_id, "invoice_lines"
    ]
    return None if found.empty or pd.isna(found.iloc[0]) else int(found.iloc[0])


@functools.lru_cache(maxsize=4)
def category_names(language: str) -> dict[str, str]:
    """Category id → its name in ``language`` (the category tree is package data)."""
    tree = load_category_rules().tree
    names = tree["name_sv"] if language == "sv" else tree["name_en"]
    return dict(zip(tree["category_id"], names, strict=True))


def coded_label(prefix: str, value: Any, language: str) -> str:
    """The catalogue's word for an engine code (``{prefix}.{value}``), the code itself when the
    catalogue has none (shown, never dropped), "" for a missing value."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    key = f"{prefix}.{value}"
    text = t(key, language)
    return str(value) if text == key else text


def labelled_lines(lines: pd.DataFrame, language: str) -> pd.DataFrame:
    """Drill-down lines as a reader sees them: the category's name instead of its id, rules
    in words, and the price-index step made visible. The engine computes
    ``kg_co2e = spend_sek × price_index_ratio × kg_co2e_per_sek`` (``spend.pricing``: SEK
    moved to the factor's price year by KPI, then the factor); the lines kept for the drill-down
    carry spend, factor and kg, so the step is recovered from them exactly:
    ``spend_sek_factor_year = kg_co2e / kg_co2e_per_sek`` and ``price_index_ratio =
    spend_sek_factor_year / spend_sek``. Factor × SEK at the factor's price year = kg, on screen."""
    out = lines.copy()
    names = category_names(language)
    for column, prefix in (("category_rule", "rule"), ("link_rule", "link")):
        if column in out:
            out[column] = [coded_label(prefix, v, language) for v in out[column]]
    if "category_id" in out:
        rules = out["category_rule"] if "category_rule" in out else [""] * len(out)
        out["category_name"] = [
            (names.get(str(c), str(c)) if isinstance(c, str) else "") + (f" ({r})" if r else "")
            for c, r in zip(out["category_id"], rules, strict=True)
        ]
    if "spend_sek_factor_year" not in out and {"kg_co2e", "kg_co2e_per_sek"} <= set(out):
        kg = pd.to_numeric(out["kg_co2e"], errors="coerce")
        factor = pd.to_numeric(out["kg_co2e_per_sek"], errors="coerce")
        out["spend_sek_factor_year"] = (kg / factor).where(factor > 0)
    if "price_index_ratio" not in out and {"spend_sek_factor_year", "spend_sek"} <= set(out):
        spend = pd.to_numeric(out["spend_sek"], errors="coerce")
        out["price_index_ratio"] = (out["spend_sek_factor_year"] / spend).where(spend != 0)
    return out


def factor_sources_text(lines: pd.DataFrame, language: str) -> str:
    """The factor sources of the drill-down lines with their counts, said once above the grid
    instead of the same long source in every row."""
    if "factor_source" not in lines:
        return ""
    counts = lines["factor_source"].astype("string").fillna("–").value_counts()
    sources = "; ".join(f"{source} ({format_number(n, language)})" for source, n in counts.items())
    return t("verdict.factor_sources", language, sources=sources)


def worded_notes(frame: pd.DataFrame, column: str, language: str) -> pd.DataFrame:
    """``frame`` with the engine's notes in ``column`` worded in ``language`` (``i18n.notes``)."""
    if column not in frame:
        return frame
    return frame.assign(
        **{column: [worded(str(v), language) if isinstance(v, str) else v for v in frame[column]]}
    )
