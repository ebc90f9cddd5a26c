"""The analyses as the dashboard shows them: the engines run on the store's current data.

``spend_view`` runs :func:`spendanalys.spend.analyse_spend` on the current contract register
and invoice export with the user's category mappings and supplier-specific factors applied;
the result is cached in the store (``cache_get``/``cache_put``, invalidated by any write) under
the current dataset version ids, so a page view does not recompute 30,000 lines. No dash here.
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

from spendanalys.categories import CategoryRules, load_category_rules
from spendanalys.factors import (
    SpendFactorSet,
    exchange_rates_for,
    load_exchange_rate_table,
    load_kpi,
)
from spendanalys.linking import (
    normalise_agreement_id,
    normalise_org_number,
    normalise_supplier_name,
)
from spendanalys.pipeline import load_factor_sets
from spendanalys.services import current_version_ids
from spendanalys.spend import SpendAnalysis, analyse_spend
from spendanalys.units import emission_factor_to_kg_per_sek

CACHE_FORMAT = 1
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


def latest_overrides(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """The newest row per ``keys`` (rows come oldest first); withdrawn ones (``value`` null)
    dropped."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=[*keys, value])
    newest = frame.drop_duplicates(subset=keys, keep="last")
    return newest[newest[value].notna()].reset_index(drop=True)


def _normalised(values: pd.Series, scope: str) -> pd.Series:
    """Match keys of an override scope: org numbers to 10 digits, names folded, ids trimmed."""
    text = values.astype("string")
    if scope == "org_number":
        return normalise_org_number(text)
    if scope == "supplier":
        return normalise_supplier_name(text)
    if scope == "agreement_id":
        return normalise_agreement_id(text)
    return text.str.strip()


def _mapped(frame: pd.DataFrame, column: str, scope: str, mapping: dict[str, str]) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    keys = {_normalised(pd.Series([k]), scope).iloc[0]: v for k, v in mapping.items()}
    return _normalised(frame[column], scope).map(keys).astype("string")


def cached(store: Any, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` and store state: memoised in this process (the last
    ``MEMO_SIZE`` results) and in the store's cache table (shared by gunicorn workers).

    The state token is read before computing, so a result computed while an import commits is
    never served as new. Callers asking for the same key at once wait for one computation.
    """
    state = store.state_token()
    memo_key = f"{store.url}|{key}|{state}"
    with _MEMO_LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if memo_key in _MEMO:
            _MEMO.move_to_end(memo_key)
            return _MEMO[memo_key]
        value = None
        raw = store.cache_get(key, state)
        if raw is not None:
            try:
                value = pickle.loads(raw)  # written by this application only
            except Exception:  # a stale or foreign entry is recomputed
                value = None
        if value is None:
            value = compute()
            if value is not None:
                store.cache_put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), state)
        with _MEMO_LOCK:
            _MEMO[memo_key] = value
            while len(_MEMO) > MEMO_SIZE:
                _MEMO.popitem(last=False)
        return value


def apply_category_overrides(
    contracts: pd.DataFrame, invoices: pd.DataFrame | None, overrides: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Write the user's category mappings into the inputs as explicit categories.

    ``overrides`` has scope, key, category_id. On the register, an ``agreement_id`` mapping,
    else an ``org_number`` or ``supplier`` mapping of the agreement's supplier, sets the
    agreement's category, so its linked lines follow (rule ``agreement_category``). On invoice
    lines, ``account``, ``supplier`` and ``org_number`` mappings set an explicit ``category``
    (rule ``explicit``), applied in that order so the most specific (org number) wins.
    """
    rows = latest_overrides(overrides, ["scope", "key"], "category_id")
    if rows.empty:
        return contracts, invoices
    by_scope = {
        s: dict(zip(g["key"], g["category_id"], strict=True)) for s, g in rows.groupby("scope")
    }
    contracts = contracts.copy()
    category = contracts["category"].astype("string")
    for scope in ("supplier", "org_number", "agreement_id"):
        if scope in by_scope:
            column = "agreement_id" if scope == "agreement_id" else scope
            category = _mapped(contracts, column, scope, by_scope[scope]).fillna(category)
    contracts["category"] = category
    if invoices is None:
        return contracts, invoices
    invoices = invoices.copy()
    line_category = (
        invoices["category"].astype("string")
        if "category" in invoices
        else pd.Series(pd.NA, index=invoices.index, dtype="string")
    )
    for scope in ("account", "supplier", "org_number"):
        if scope in by_scope:
            line_category = _mapped(invoices, scope, scope, by_scope[scope]).fillna(line_category)
    invoices["category"] = line_category
    return contracts, invoices


def with_supplier_factors(
    factor_set: SpendFactorSet, supplier_factors: pd.DataFrame
) -> SpendFactorSet:
    """The factor set with the user's supplier-specific factors (org_number, factor, unit,
    price_year, source) in front; each replaces any supplier row of the set for that org."""
    rows = latest_overrides(supplier_factors, ["org_number"], "factor")
    if rows.empty:
        return factor_set
    org = normalise_org_number(rows["org_number"].astype("string"))
    extra = pd.DataFrame(
        {
            "category_id": pd.array([pd.NA] * len(rows), dtype="string"),
            "org_number": org.to_numpy(),
            "kg_co2e_per_sek": [
                emission_factor_to_kg_per_sek(float(f), str(u))
                for f, u in zip(rows["factor"], rows["unit"], strict=True)
            ],
            "value_as_written": rows["factor"].astype(str).to_numpy(),
            "unit_as_written": rows["unit"].astype(str).to_numpy(),
            "price_year": pd.to_numeric(rows["price_year"], errors="coerce")
            .astype("Int64")
            .to_numpy(),
            "source": rows["source"].astype(str).to_numpy(),
            "licence": "user",
            "derivation": "supplier-specific factor entered in the dashboard",
            "data_quality": "supplier",
        }
    )
    base = factor_set.factors
    base = base[~normalise_org_number(base["org_number"].astype("string")).isin(set(org))]
    merged = pd.concat([extra, base], ignore_index=True)
    return SpendFactorSet(name=factor_set.name, factors=merged, path=factor_set.path)


def _compute_spend(store: Any, as_of: date) -> SpendView | None:
    contracts = store.current_table("contracts")
    if contracts.empty:
        return None
    invoices = store.current_table("invoices")
    invoices = None if invoices.empty else invoices
    contracts, invoices = apply_category_overrides(contracts, invoices, store.category_overrides())
    rules = load_category_rules()
    factor_sets = load_factor_sets([], rules)
    factor_sets[0] = with_supplier_factors(factor_sets[0], store.supplier_factors())
    rate_table = load_exchange_rate_table()
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
    view: SpendView | None = cached(store, key, lambda: _compute_spend(store, as_of))
    return view


def agreement_lines(view: SpendView, agreement_id: str, limit: int = 500) -> pd.DataFrame:
    """The invoice lines of one agreement, most kg CO2e first, with rule and factor (≤ limit)."""
    lines = view.analysis.lines
    chosen = lines[lines["linked_agreement_id"].astype("string") == str(agreement_id)]
    columns = [c for c in LINE_COLUMNS if c in chosen]
    return chosen.sort_values("kg_co2e", ascending=False, na_position="last")[columns].head(limit)


def spend_report_bytes(view: SpendView) -> bytes:
    """The Excel report of the analysis (``spendanalys.report``) as bytes for a download."""
    from spendanalys.report import write_spend_report

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
    from spendanalys.travel import TravelSettings

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
    from spendanalys.travel import analyse_travel

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
    )


def travel_breakdown(analysis: Any, by: str, year: int | None = None) -> pd.DataFrame:
    """kg CO2e and traveller-trips per ``by`` ("mode", "unit" or "gender") in ``year``.

    Unit and gender come from :func:`spendanalys.travel_breakdowns.breakdown`, which hides
    groups with fewer than ``settings.min_group_travellers`` travellers (and one more when a
    single group would be recoverable); hidden rows keep their label, ``suppressed`` True and no
    figures. Modes describe trips, not people, and are not suppressed. Columns: ``by``,
    kg_co2e, person_trips, share (of the year's kg CO2e, 0–1), suppressed.
    """
    from spendanalys.travel_breakdowns import breakdown

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
