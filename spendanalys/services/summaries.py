"""Small per-version results for the dashboard: what a page interaction reads instead of the
whole analysis.

The full :class:`spendanalys.spend.analysis.SpendAnalysis` holds every invoice line (tens of MB
for a million lines); a page needs a few thousand agreement rows, the totals and, for the
drill-down, one agreement's lines. So, once per dataset version (the store's
``state_token()``):

- :func:`spend_summary` stores a :class:`SpendSummary` (totals, ranked agreements, priority,
  unlinked suppliers, the Pareto curve) in the store's cache — tens of kB;
- the drill-down lines (the ``LINES_LIMIT`` largest per agreement) go into one cache entry per
  agreement (``cache_replace_prefix``, which drops the previous set), fetched by agreement id
  (:func:`agreement_lines_of`);
- ``services.cache.memo`` keeps deserialised small results in this process, keyed by the
  state token, so a repeated interaction costs one cheap state query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.schema import Kind
from spendanalys.services.analyses import (
    LINE_COLUMNS,
    agreement_lines,
    method_tables,
    spend_view,
    travel_view,
)
from spendanalys.services.assembly import SpendRun
from spendanalys.services.cache import compute_once, memo, put, stored_object
from spendanalys.services.codec import encode_parts, register
from spendanalys.spend.breakdowns import agreement_change
from spendanalys.spend.combined import combine, travel_by_year_and_mode, travel_spend_by_year
from spendanalys.spend.ranking import pareto_curve
from spendanalys.store.database import Store
from spendanalys.store.state import StoreState

# 2: data, not pickles; 3: the ranges over the factor sets; 4: years, grades, travel spend;
# 5: the invoice lines' years and the method tables (the overview and the method page need no
# full analysis). An entry of an older format is a miss: built once from the full analysis.
SUMMARY_FORMAT = 5
SUMMARY_FAMILY = "spend-summary:"
LINES_LIMIT = 500  # drill-down lines kept per agreement (largest kg CO2e first)
LINES_PREFIX = "spend-lines:"
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
    "kg_co2e_low",
    "kg_co2e_high",
    "rank_robust",
    "factor_grade",
    "change_kg_co2e",
    "change_share",
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
    # Spend and kg CO2e per year (``spend.breakdowns.by_year``) and the invoice spend of the
    # travel categories per year (``spend.combined.travel_spend_by_year``): enough to show the
    # change between years and to combine with the trips without the invoice lines.
    years: pd.DataFrame = field(default_factory=pd.DataFrame)
    travel_spend: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The years the invoice lines fall in (``spend_year``, ascending: the frame the spend cards
    # state) and the method page's tables (``analyses.method_tables`` of this run), so that
    # neither page decodes the whole analysis after a new version.
    line_years: tuple[int, ...] = ()
    method: dict[str, pd.DataFrame] = field(default_factory=dict)


register(SpendSummary)  # the cache may hold it (``services.codec``)


def line_years(lines: pd.DataFrame) -> tuple[int, ...]:
    """The distinct years of the invoice lines' ``spend_year``, ascending (() without it)."""
    if "spend_year" not in lines:
        return ()
    found = pd.to_numeric(lines["spend_year"], errors="coerce").dropna()
    return tuple(sorted(int(y) for y in found.unique()))


def build_summary(run: SpendRun, lines_key: str, state: str) -> SpendSummary:
    """The small tables of the run's analysis that the pages show."""
    analysis = run.analysis
    agreements = analysis.agreements.sort_values("rank", kind="stable").reset_index(drop=True)
    change = agreement_change(analysis.by_year, agreements["agreement_id"].astype(str).tolist())
    agreements = agreements.assign(**{str(c): change[c].to_numpy() for c in change.columns})
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
        years=analysis.by_year.get("totals", pd.DataFrame()),
        travel_spend=travel_spend_by_year(analysis.lines),
        line_years=line_years(analysis.lines),
        method=method_tables(run),
    )


def combined_totals(store: Store, *, as_of: date | None = None) -> dict[str, Any] | None:
    """Spend and business travel in one total, travel counted once from the trips
    (:func:`spendanalys.spend.combined.combine`); None without a spend analysis or trips."""
    summary = spend_summary(store, as_of=as_of)
    travel = travel_view(store) if summary is not None else None
    if summary is None or travel is None:
        return None
    years = [str(y) for y in summary.years["year"]] if len(summary.years) else []
    return combine(
        float(summary.totals["kg_co2e"]),
        years,
        summary.travel_spend,
        travel_by_year_and_mode(travel.years),
    )


def drilldown_payloads(
    lines: pd.DataFrame, lines_key: str, limit: int = LINES_LIMIT
) -> dict[str, bytes]:
    """Cache entries ``{lines_key}{agreement_id}`` → encoded frame of that agreement's ``limit``
    lines with the most kg CO2e (the drill-down columns only). One sort of all lines, then
    contiguous slices per agreement (numpy bounds, not a groupby per group), encoded from
    columns converted once (``codec.encode_parts``)."""
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
    spans = [
        (int(a), int(b)) for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(keys)], strict=True)
    ]
    parts = encode_parts(kept, spans)  # the columns converted once, sliced per agreement
    return {f"{lines_key}{keys[a]}": part for (a, _), part in zip(spans, parts, strict=True)}


def _summary_key(versions: Mapping[Kind, int | None], as_of: date) -> str:
    ids = f"{versions['contracts']}:{versions['invoices']}"
    return f"{SUMMARY_FAMILY}v{SUMMARY_FORMAT}:{ids}:{as_of}"


def spend_summary(store: Store, *, as_of: date | None = None) -> SpendSummary | None:
    """The spend summary of the current data (None before a contract register is uploaded).

    Order of lookups: this process's memo, the store's cache (a small entry), else the full
    analysis (``views.spend_view``, itself cached) from which the summary and the drill-down
    entries are derived and stored, so the other workers and the next start read them.
    """
    as_of = as_of or date.today()
    state = store.state_token("spend")
    key = _summary_key(StoreState.parse(state).version_ids(), as_of)

    def stored() -> SpendSummary | None:
        value: SpendSummary | None = stored_object(store, key, state, SpendSummary)
        return value

    def load() -> SpendSummary | None:
        # One process computes, the others wait (or show this process's earlier summary).
        return compute_once(store, key, state, stored, compute, SUMMARY_FAMILY, "pages")

    def compute() -> SpendSummary | None:
        view = spend_view(store, as_of=as_of)
        if view is None:
            return None
        lines_key = f"{LINES_PREFIX}{key}:"
        summary = build_summary(view, lines_key, state)
        store.cache_replace_prefix(
            LINES_PREFIX, drilldown_payloads(view.analysis.lines, lines_key), state
        )
        put(store, key, summary, state, SUMMARY_FAMILY)
        return summary

    value: SpendSummary | None = memo(store, key, load, state)
    return value


def agreement_lines_of(
    store: Store, agreement_id: str, limit: int = LINES_LIMIT, *, as_of: date | None = None
) -> pd.DataFrame | None:
    """One agreement's invoice lines, most kg CO2e first (at most ``min(limit, LINES_LIMIT)``),
    read from its own cache entry; None when there is no analysis. An entry missing for this
    state (another worker replaced the set) falls back to the full analysis."""
    summary = spend_summary(store, as_of=as_of)
    if summary is None:
        return None
    frame = stored_object(store, f"{summary.lines_key}{agreement_id}", summary.state, pd.DataFrame)
    if frame is not None:
        return frame.head(limit)
    view = spend_view(store, as_of=as_of)
    return None if view is None else agreement_lines(view, agreement_id, min(limit, LINES_LIMIT))
