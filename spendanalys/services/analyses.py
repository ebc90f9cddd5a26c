"""The analyses as the dashboard shows them: the engines run on the store's current data.

``spend_view`` runs :func:`spendanalys.spend.analysis.analyse_spend` on the current contract register
and invoice export with the user's category mappings (rule ``user_override``, with who and when)
and supplier-specific factors (``spendanalys.spend.factors.with_supplier_factors``) applied;
the result is cached in the store (``cache_get``/``cache_put``, invalidated by any write) under
the current dataset version ids, so a page view does not recompute 30,000 lines. The pages
themselves read the small per-version results of ``spendanalys.services.summaries`` (totals, ranked
agreements, per-agreement drill-down entries) instead of this whole analysis, which is loaded
only to derive them, for the Excel report and for the method page. No dash here.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.spend.categories import CategoryRules, load_category_rules
from spendanalys.spend.factors import (
    SpendFactorSet,
    exchange_rates_for,
    load_exchange_rate_table,
    load_kpi,
    with_supplier_factors,
)
from spendanalys.services.assembly import load_factor_sets
from spendanalys.services.uploads import current_version_ids
from spendanalys.spend.analysis import SpendAnalysis, analyse_spend
from spendanalys.services.summaries import stored_object

CACHE_FORMAT = 2  # 2: user_override rule and category_override column
MEMO_SIZE = 4
_MEMO: OrderedDict[str, Any] = OrderedDict()
_MEMO_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}
# Columns of one agreement's invoice lines in the drill-down (never the whole line table).
LINE_COLUMNS = (
    "invoice_id",
    "date",
    "supplier",
    "account",
    "text",
    "spend_sek",
    "category_id",
    "category_rule",
    "category_override",
    "link_rule",
    "kg_co2e_per_sek",
    "kg_co2e",
    "factor_kind",
    "factor_source",
    "source_file",
    "source_row",
)


@dataclass
class SpendView:
    """A spend analysis with the rules and factor sets that produced it."""

    analysis: SpendAnalysis
    rules: CategoryRules
    factor_sets: list[SpendFactorSet]
    versions: dict[str, int | None]


def cached(store: Any, key: str, compute: Callable[[], Any], scope: str | None = None) -> Any:
    """``compute()`` once per ``key`` and store state (of ``scope``: what the result depends
    on, see ``store_settings.scoped_state``): memoised in this process (the last
    ``MEMO_SIZE`` results) and in the store's cache table (shared by gunicorn workers).

    The state token is read before computing, so a result computed while an import commits is
    never served as new. Callers asking for the same key at once wait for one computation.
    """
    state = store.state_token(scope)
    memo_key = f"{store.url}|{key}|{state}"
    with _MEMO_LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if memo_key in _MEMO:
            _MEMO.move_to_end(memo_key)
            return _MEMO[memo_key]
        value = stored_object(store, key, state)
        if value is None:
            with store.computing(f"{key}|{state}"):  # one process computes, the others wait
                value = stored_object(store, key, state)
                if value is None:
                    value = compute()
                    if value is not None:
                        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                        store.cache_put(key, payload, state)
        with _MEMO_LOCK:
            _MEMO[memo_key] = value
            while len(_MEMO) > MEMO_SIZE:
                _MEMO.popitem(last=False)
        return value


def supplier_factor_rows(stored: pd.DataFrame) -> list[dict[str, Any]]:
    """The store's supplier-specific factors as rows for
    :func:`spendanalys.spend.factors.with_supplier_factors`, with who entered them and when."""
    if stored is None or stored.empty:
        return []
    when = pd.to_datetime(stored["created_at"], errors="coerce", utc=True).dt.strftime("%Y-%m-%d")
    return [
        {
            "org_number": org,
            "factor": factor,
            "unit": unit,
            "price_year": year,
            "source": source,
            "licence": "user",
            "derivation": f"entered in the dashboard by {who} on {day}",
            "data_quality": "supplier",
        }
        for org, factor, unit, year, source, who, day in zip(
            stored["org_number"],
            stored["factor"],
            stored["unit"],
            stored["price_year"],
            stored["source"],
            stored["created_by"],
            when,
            strict=True,
        )
    ]


def _compute_spend(store: Any, as_of: date) -> SpendView | None:
    contracts = store.current_table("contracts")
    if contracts.empty:
        return None
    invoices = store.current_table("invoices")
    invoices = None if invoices.empty else invoices
    rules = load_category_rules()
    rate_table = load_exchange_rate_table()
    factor_sets = load_factor_sets([], rules)
    own = supplier_factor_rows(store.supplier_factors())
    if own:
        factor_sets[0] = with_supplier_factors(
            factor_sets[0], own, rules=rules, rate_table=rate_table, label="supplier factors"
        )
    year = None
    if invoices is not None:
        years = pd.to_datetime(invoices["date"], errors="coerce").dt.year
        year = int(years.max()) if years.notna().any() else None
    analysis = analyse_spend(
        contracts,
        invoices,
        rules,
        factor_sets,
        load_kpi(),
        rates=exchange_rates_for(rate_table, year),
        as_of=as_of,
        category_overrides=store.category_overrides(),
    )
    return SpendView(analysis, rules, factor_sets, current_version_ids(store))


def spend_view(store: Any, *, as_of: date | None = None) -> SpendView | None:
    """The spend analysis of the current data (None before a contract register is uploaded).

    Cached in the store under the dataset version ids and ``as_of``; the store drops the cache
    on any write (new upload, mapping, factor), so an edit shows at once.
    """
    as_of = as_of or date.today()
    versions = current_version_ids(store)
    key = f"spend:v{CACHE_FORMAT}:{versions['contracts']}:{versions['invoices']}:{as_of}"
    view: SpendView | None = cached(store, key, lambda: _compute_spend(store, as_of), "spend")
    return view


def warm(store: Any, kind: str) -> None:
    """Compute (and cache) the analysis that data of ``kind`` feeds, right after an import."""
    if kind in ("contracts", "invoices"):
        from spendanalys.services.summaries import spend_summary

        spend_summary(store)  # the full analysis, then the small per-version entries
    else:
        travel_view(store)


def agreement_lines(view: SpendView, agreement_id: str, limit: int = 500) -> pd.DataFrame:
    """The invoice lines of one agreement, most kg CO2e first, with rule and factor (≤ limit)."""
    lines = view.analysis.lines
    chosen = lines[lines["linked_agreement_id"].astype("string") == str(agreement_id)]
    columns = [c for c in LINE_COLUMNS if c in chosen]
    return chosen.sort_values("kg_co2e", ascending=False, na_position="last")[columns].head(limit)


def spend_report_bytes(view: SpendView) -> bytes:
    """The Excel report of the analysis (``spendanalys.spend.report``) as bytes for a download."""
    from spendanalys.spend.report import write_spend_report

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spendanalys.xlsx"
        write_spend_report(view.analysis, path, rules=view.rules, factor_sets=view.factor_sets)
        return path.read_bytes()


def pareto_curve(agreements: pd.DataFrame) -> pd.DataFrame:
    """Agreements by kg CO2e descending with the cumulative share (0–1) of the total."""
    ranked = agreements.dropna(subset=["kg_co2e"]).sort_values("kg_co2e", ascending=False)
    total = float(ranked["kg_co2e"].sum())
    ranked = ranked.assign(
        position=np.arange(1, len(ranked) + 1),
        cumulative_share=ranked["kg_co2e"].cumsum() / total if total else 0.0,
    )
    return ranked.reset_index(drop=True)


def method_tables(view: SpendView | None = None) -> dict[str, pd.DataFrame]:
    """Factor sets in use (with source and licence), the category tree and the mapping rules;
    tables with a category id also carry its Swedish and English names
    (``category_name_sv``, ``category_name_en``)."""
    rules = view.rules if view is not None else load_category_rules()
    sets = view.factor_sets if view is not None else load_factor_sets([], rules)
    factors = []
    for fs in sets:
        f = fs.factors.copy()
        f.insert(0, "factor_set", fs.name)
        factors.append(f)
    names = rules.tree.drop_duplicates("category_id").set_index("category_id")
    tables = {
        "factors": pd.concat(factors, ignore_index=True),
        "tree": rules.tree.copy(),
        "cpv": rules.cpv.copy(),
        "accounts": rules.accounts.copy(),
        "keywords": rules.keywords.copy(),
    }
    for name in ("factors", "cpv", "accounts", "keywords"):
        frame = tables[name]
        if "category_id" in frame:
            for lang in ("sv", "en"):
                frame[f"category_name_{lang}"] = frame["category_id"].map(names[f"name_{lang}"])
    return tables


# --- travel --------------------------------------------------------------------------------


def travel_settings(store: Any, **overrides: Any) -> Any:
    """Travel settings from the stored goal (baseline year, target year, reduction)."""
    from spendanalys.travel.analysis import TravelSettings

    goal = store.goal_settings()
    values: dict[str, Any] = {
        "baseline_year": int(goal.baseline_year),
        "target_year": int(goal.target_year),
        "reduction": float(goal.reduction),
    }
    values.update(overrides)
    return TravelSettings(**values)


def travel_view(store: Any, settings: Any = None) -> Any:
    """The travel analysis of the current trips and FTE (None until both are uploaded).

    Raises ConfigurationError when the goal cannot be computed (e.g. no data in the baseline
    year); cached in the store like the spend view.
    """
    from spendanalys.travel.analysis import analyse_travel

    settings = settings or travel_settings(store)
    versions = current_version_ids(store)
    if versions["trips"] is None or versions["fte"] is None:
        return None
    key = f"travel:v{CACHE_FORMAT}:{versions['trips']}:{versions['fte']}:{settings!r}"
    return cached(
        store,
        key,
        lambda: analyse_travel(
            store.current_table("trips"), store.current_table("fte"), None, settings
        ),
        "travel",
    )


def travel_breakdown(analysis: Any, by: str, year: int | None = None) -> pd.DataFrame:
    """kg CO2e and traveller-trips per ``by`` ("mode", "unit" or "gender") in ``year``.

    Unit and gender come from :func:`spendanalys.travel.breakdowns.breakdown`, which hides
    groups with fewer than ``settings.min_group_travellers`` travellers (and one more when a
    single group would be recoverable); hidden rows keep their label, ``suppressed`` True and no
    figures. Modes describe trips, not people, and are not suppressed. Columns: ``by``,
    kg_co2e, person_trips, share (of the year's kg CO2e, 0–1), suppressed.
    """
    from spendanalys.travel.breakdowns import breakdown

    lines = analysis.trips
    if by == "mode":
        chosen = lines if year is None else lines[lines["year"] == year]
        travellers = pd.to_numeric(chosen["travellers"], errors="coerce").fillna(1)
        table = (
            pd.DataFrame(
                {
                    "mode": chosen["mode"].astype("string"),
                    "kg_co2e": chosen["kg_co2e"].astype(float),
                    "person_trips": travellers.where(chosen["component"] == "travel", 0.0),
                }
            )
            .groupby("mode", as_index=False)
            .sum()
        )
        total = float(table["kg_co2e"].sum())
        table["share"] = table["kg_co2e"] / total if total else np.nan
        table["suppressed"] = False
    else:
        minimum = int(getattr(analysis.settings, "min_group_travellers", 5))
        table = breakdown(lines, by, analysis.fte if by == "unit" else None, minimum)
        if year is not None:
            table = table[table["year"] == year]
        table = table.rename(columns={"travellers": "person_trips"})
    columns = [by, "kg_co2e", "person_trips", "share", "suppressed"]
    return (
        table[columns]
        .sort_values("kg_co2e", ascending=False, na_position="last")
        .reset_index(drop=True)
    )
