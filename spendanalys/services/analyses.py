"""The analyses as the dashboard shows them: the engines run on the store's current data.

:func:`spend_view` assembles the miljöspendanalys exactly as the command line does
(``services.assembly.assemble_spend``) on the current contract register and invoice export,
with the user's category mappings (rule ``user_override``, with who and when) and
supplier-specific factors applied; the result is cached under the store state it depends on,
so a page view does not recompute 30,000 lines. The pages read the small per-version results
of ``services.summaries`` instead of this whole analysis, which is loaded only to derive them,
for the Excel report and for the method page.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.schema import Kind
from spendanalys.services.assembly import SpendRun, assemble_spend, load_factor_sets
from spendanalys.services.cache import cached
from spendanalys.services.codec import register
from spendanalys.spend.categories import load_category_rules
from spendanalys.spend.report import write_spend_report
from spendanalys.store.database import Store
from spendanalys.store.selections import Parts
from spendanalys.travel.analysis import TravelAnalysis, TravelSettings, analyse_travel
from spendanalys.travel.breakdowns import breakdown

CACHE_FORMAT = 4  # 3: one assembly path with the command line; 4: data, not pickles
SPEND_FAMILY, TRAVEL_FAMILY = "spend:", "travel:"  # a new entry replaces its family's others
SPEND_KINDS: tuple[Kind, ...] = ("contracts", "invoices")  # the tables a spend run reads
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
class SpendView(SpendRun):
    """A spend run of the store's data with the dataset versions it was computed from."""

    versions: Mapping[Kind, int | None] | None = None


register(SpendView)  # the cache may hold it (``services.codec``)


def supplier_factor_rows(stored: pd.DataFrame | None) -> list[dict[str, Any]]:
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


def spend_run_with_settings(
    store: Store, contracts: pd.DataFrame, invoices: pd.DataFrame, as_of: date
) -> SpendRun:
    """The spend analysis of these tables with the store's supplier factors and category
    overrides: what the pages show of the current tables, and what an upload's preview shows
    of the tables it would make current."""
    return assemble_spend(
        contracts,
        None if invoices.empty else invoices,
        as_of=as_of,
        supplier_factors=supplier_factor_rows(store.supplier_factors()),
        category_overrides=store.category_overrides(),
    )


def spend_inputs(store: Store, parts: Mapping[Kind, Parts], as_of: date) -> str:
    """What a spend run of the selections ``parts`` (contracts and invoices) computes from,
    as one text: the selections (a version's rows never change), the newest row of each
    settings table it applies (settings are append-only) and ``as_of``. Read the settings
    before the run reads them: a setting added in between then gives another text."""
    settings = store.state("spend").settings
    selections = {
        kind: [[int(p["version_id"]), p["years"] and sorted(p["years"])] for p in parts[kind]]
        for kind in SPEND_KINDS
    }
    return json.dumps([store.url.render_as_string(), selections, dict(settings), str(as_of)])


# The spend run an upload's preview computed of the tables it would make current, filed under
# their ``spend_inputs``: the confirmation that makes exactly those inputs current takes it
# instead of reading and analysing the same million lines again. One run, in this process
# (the job process that ran the preview; the confirmation runs there too when the same web
# worker serves it, else it computes).
_PREVIEWED: dict[str, SpendRun] = {}
_PREVIEWED_LOCK = threading.Lock()


def keep_previewed(inputs: str, run: SpendRun) -> None:
    """Keep ``run`` (of ``inputs``, :func:`spend_inputs`) for the confirmation, in place of
    any earlier preview's."""
    with _PREVIEWED_LOCK:
        _PREVIEWED.clear()
        _PREVIEWED[inputs] = run


def _previewed(inputs: str) -> SpendRun | None:
    """The preview's run of exactly ``inputs``, handed over once (None: none kept). Any held
    run goes with the first computation after the preview, whether it matches or not: the data
    it would have spared reading has changed then, and a million lines' run is not kept idle."""
    with _PREVIEWED_LOCK:
        run = _PREVIEWED.pop(inputs, None)
        _PREVIEWED.clear()
        return run


def drop_previewed() -> None:
    """Forget the held preview run (its upload was discarded)."""
    with _PREVIEWED_LOCK:
        _PREVIEWED.clear()


def _compute_spend(store: Store, as_of: date) -> SpendView | None:
    parts = {kind: store.current_parts(kind) for kind in SPEND_KINDS}
    run = _previewed(spend_inputs(store, parts, as_of))
    if run is None:
        contracts = store.current_table("contracts")
        if contracts.empty:
            return None
        run = spend_run_with_settings(store, contracts, store.current_table("invoices"), as_of)
    return SpendView(run.analysis, run.rules, run.factor_sets, store.state().version_ids())


def spend_view(store: Store, *, as_of: date | None = None) -> SpendView | None:
    """The spend analysis of the current data (None before a contract register is uploaded).

    Cached under the state it depends on (dataset versions, mappings, supplier factors) and
    ``as_of``, so an edit shows at once.
    """
    as_of = as_of or date.today()
    versions = store.state().version_ids()
    key = f"{SPEND_FAMILY}v{CACHE_FORMAT}:{versions['contracts']}:{versions['invoices']}:{as_of}"
    return cached(
        store,
        key,
        lambda: _compute_spend(store, as_of),
        "spend",
        kind=SpendView,
        family=SPEND_FAMILY,
    )


def agreement_lines(view: SpendRun, agreement_id: str, limit: int = 500) -> pd.DataFrame:
    """The invoice lines of one agreement, most kg CO2e first, with rule and factor (≤ limit)."""
    lines = view.analysis.lines
    chosen = lines[lines["linked_agreement_id"].astype("string") == str(agreement_id)]
    columns = [c for c in LINE_COLUMNS if c in chosen]
    return chosen.sort_values("kg_co2e", ascending=False, na_position="last")[columns].head(limit)


def spend_report_bytes(view: SpendRun) -> bytes:
    """The Excel report of the analysis (``spendanalys.spend.report``) as bytes for a download."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spendanalys.xlsx"
        write_spend_report(view.analysis, path, rules=view.rules, factor_sets=view.factor_sets)
        return path.read_bytes()


def method_tables(view: SpendRun | None = None) -> dict[str, pd.DataFrame]:
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


def travel_settings(store: Store, **overrides: Any) -> TravelSettings:
    """Travel settings from the stored goal (baseline year, target year, reduction)."""
    goal = store.goal_settings()
    values: dict[str, Any] = {
        "baseline_year": int(goal.baseline_year),
        "target_year": int(goal.target_year),
        "reduction": float(goal.reduction),
    }
    values.update(overrides)
    return TravelSettings(**values)


def travel_view(store: Store, settings: TravelSettings | None = None) -> TravelAnalysis | None:
    """The travel analysis of the current trips and FTE (None until both are uploaded).

    Raises ConfigurationError when the goal cannot be computed (e.g. no data in the baseline
    year); cached in the store like the spend view.
    """
    settings = settings or travel_settings(store)
    versions = store.state().version_ids()
    if versions["trips"] is None or versions["fte"] is None:
        return None
    key = f"{TRAVEL_FAMILY}v{CACHE_FORMAT}:{versions['trips']}:{versions['fte']}:{settings!r}"
    return cached(
        store,
        key,
        lambda: analyse_travel(
            store.current_table("trips"), store.current_table("fte"), None, settings
        ),
        "travel",
        kind=TravelAnalysis,
        family=TRAVEL_FAMILY,
    )


def travel_breakdown(analysis: TravelAnalysis, by: str, year: int | None = None) -> pd.DataFrame:
    """kg CO2e and traveller-trips per ``by`` ("mode", "unit" or "gender") in ``year``.

    Unit and gender come from :func:`spendanalys.travel.breakdowns.breakdown`, which hides
    groups with fewer than ``settings.min_group_travellers`` travellers (and one more when a
    single group would be recoverable); hidden rows keep their label, ``suppressed`` True and no
    figures. Modes describe trips, not people, and are not suppressed. Columns: ``by``,
    kg_co2e, person_trips, share (of the year's kg CO2e, 0–1), suppressed.
    """
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
        minimum = int(analysis.settings.min_group_travellers)
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
