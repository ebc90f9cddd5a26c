"""Miljöspendanalys: spend-based emissions per invoice line, agreement, category and supplier.

The method (DESIGN.md §2, GHG Protocol Scope 3 category 1, spend-based)::

    spend_sek             = amount × SEK per unit of the line's currency (1 for SEK)
    spend_sek_factor_year = spend_sek × KPI[factor price year] / KPI[spend year]
    kg_co2e               = spend_sek_factor_year × kg_co2e_per_sek

per line, then summed per agreement, category and supplier. Every line keeps the rule that linked
it (``link_rule``), the rule that categorised it (``category_rule``) and the factor that priced it
(``factor_set``, ``factor_source``, ``factor_price_year``, ``factor_kind``), so any figure can be
traced back. Pure functions over DataFrames: no I/O; ``as_of`` is a parameter, never "today".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.errors import ConfigurationError
from spendanalys.io.result import RejectedRow
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW
from spendanalys.spend.breakdowns import (
    breakdown_totals,
    by_year_tables,
    lines_of_year,
    missing_factor_note,
    with_grades,
)
from spendanalys.spend.categories import CategoryRules
from spendanalys.spend.categorising import categorise_agreements, categorise_lines
from spendanalys.spend.coding import encode, encoding_once
from spendanalys.spend.duplicates import repeated_lines
from spendanalys.spend.factors import SpendFactorSet
from spendanalys.spend.frameworks import rank_frameworks
from spendanalys.spend.linking import link_invoices_to_agreements, normalise_org_number
from spendanalys.spend.ongoing import ongoing_totals, requirements_kpi
from spendanalys.spend.own_categories import OWN_PREFIX, with_own_categories
from spendanalys.spend.pricing import (
    apply_factor_set,
    convert_to_sek,
    describe_rates,
    kg_co2e_under,
    net_of_vat,
)
from spendanalys.spend.ranking import aggregate_agreements, compare_factor_sets, priority_list
from spendanalys.spend.register import (
    attribute_suppliers,
    consolidate_register,
    not_attributed,
    supplier_spend,
    with_register_columns,
)
from spendanalys.spend.sensitivity import (
    agreement_sensitivity,
    category_sensitivity,
    price_basis_notes,
    total_range,
)
from spendanalys.spend.summaries import (
    summarise_categories,
    summarise_excluded,
    summarise_suppliers,
    summarise_uncategorised,
    summarise_unlinked,
    supplier_key,
    totals_of,
)
from spendanalys.spend.vat import with_factor_rates
from spendanalys.units import ExchangeRates

SPEND_BASIS_INVOICES = "invoices"
SPEND_BASIS_ESTIMATE = "estimate (agreement value)"
# Category groups whose emissions the travel module counts from activity data (DESIGN.md §2,
# boundaries): reported separately so that a combined total can leave them out.
TRAVEL_GROUPS: tuple[str, ...] = ("travel_accommodation",)


@dataclass
class SpendAnalysis:
    """Everything a miljöspendanalys produces; every table is a plain DataFrame.

    - ``lines``: one row per accepted invoice line (or per agreement when only the register was
      given), with link, category, factor and emission columns;
    - ``agreements``: every agreement of the register, ranked (``rank`` 1 = most kg CO2e);
    - ``categories``, ``suppliers``: spend and kg CO2e per category and per supplier;
    - ``unlinked``: spend that no agreement claims, by supplier; ``uncategorised``: spend with no
      category, by supplier; ``excluded``: lines outside the purchase boundary, by account;
    - ``priority``: high-impact agreements without miljökrav, soonest end first;
    - ``totals``: sums in SEK and kg CO2e and the miljökrav shares (see ``ranking.totals_of``);
    - ``requirements_kpi``: miljökrav among the agreements ongoing at ``as_of`` (see
      ``ongoing.requirements_kpi``; JSON ``kpi``, not the price index);
    - ``factor_comparison``: kg CO2e and rank of each agreement under each factor set;
    - ``agreement_suppliers``: each agreement's suppliers (a framework agreement's several
      suppliers, see ``register``) with their ``spend_sek``; ``frameworks``: the ranking per
      framework agreement (``frameworks.rank_frameworks``);
    - ``rejected``: rows left out, with file, row, column and reason.
    """

    lines: pd.DataFrame
    agreements: pd.DataFrame
    categories: pd.DataFrame
    suppliers: pd.DataFrame
    unlinked: pd.DataFrame
    uncategorised: pd.DataFrame
    excluded: pd.DataFrame
    priority: pd.DataFrame
    totals: dict[str, Any]
    factor_comparison: pd.DataFrame
    rejected: list[RejectedRow]
    factor_sets: list[str]
    spend_basis: str
    as_of: date
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    requirements_kpi: dict[str, Any] = field(default_factory=dict)
    # Spend and kg CO2e per year: "agreements", "categories" (keyed long tables) and "totals"
    # (see ``spend.breakdowns.by_year``); empty when the spend is the register's estimate.
    by_year: dict[str, pd.DataFrame] = field(default_factory=dict)
    agreement_suppliers: pd.DataFrame = field(default_factory=pd.DataFrame)
    frameworks: pd.DataFrame = field(default_factory=pd.DataFrame)
    # kg CO2e, factor and data quality per category under each set (spend.sensitivity)
    category_sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)


def set_column_names(factor_sets: Sequence[SpendFactorSet]) -> list[str]:
    """A distinct label per factor set (its name; ``name (2)`` for a repeated name)."""
    labels: list[str] = []
    for fs in factor_sets:
        label, n = str(fs.name), 2
        while label in labels:
            label, n = f"{fs.name} ({n})", n + 1
        labels.append(label)
    return labels


def _with_travel(
    totals: dict[str, Any], lines: pd.DataFrame, rules: CategoryRules, groups: Sequence[str]
) -> dict[str, Any]:
    """Add ``travel_spend_sek`` and ``travel_kg_co2e``: lines (inside the boundary) whose
    category belongs to one of ``groups``. They stay in every other total."""
    tree = rules.tree.dropna(subset=["group_id"])
    ids = set(tree.loc[tree["group_id"].isin(list(groups)), "category_id"])
    active = ~lines["excluded"].to_numpy(dtype=bool)
    # tested once per distinct category, not per line
    codes, categories = encode(lines["category_id"])
    of_category = np.array([c in ids for c in categories], dtype=bool)
    travel = np.append(of_category, any(pd.isna(i) for i in ids))[codes] & active
    totals["travel_spend_sek"] = float(np.nansum(lines["spend_sek"].to_numpy(dtype=float)[travel]))
    kg = lines["kg_co2e"].to_numpy(dtype=float, na_value=np.nan)[travel]
    totals["travel_kg_co2e"] = float(np.nansum(kg))
    return totals


def _describe_kpi(kpi: pd.Series) -> str:
    years = [int(y) for y in kpi.dropna().index]
    span = f"{min(years)}–{max(years)}" if years else "empty"
    source = kpi.attrs.get("source") if hasattr(kpi, "attrs") else None
    return f"{source}, {span}" if source else span


def _lines_from_register(contracts: pd.DataFrame) -> pd.DataFrame:
    """One synthetic line per agreement, its spend the stated ``value_sek`` (an estimate),
    dated by ``start_date``: the value is taken to be in the prices of the year it starts."""
    lines = pd.DataFrame(index=contracts.index)
    for column in ("supplier", "org_number", SOURCE_FILE, SOURCE_ROW):
        if column in contracts:
            lines[column] = contracts[column]
    lines["date"] = contracts.get("start_date", pd.NaT)
    lines["amount_sek"] = contracts.get("value_sek", np.nan)
    lines["linked_agreement_id"] = contracts["agreement_id"].astype("string")
    lines["link_rule"] = pd.array(["agreement_id"] * len(lines), dtype="string")
    lines["link_note"] = pd.array([None] * len(lines), dtype="string")
    return lines


@encoding_once()  # a text column met again in the steps below is factorised once
def analyse_spend(
    contracts: pd.DataFrame,
    invoices: pd.DataFrame | None,
    rules: CategoryRules,
    factor_sets: Sequence[SpendFactorSet],
    kpi: pd.Series,
    *,
    rates: ExchangeRates | None = None,
    as_of: date,
    months_ending_soon: int = 12,
    pareto_share: float = 0.8,
    rank_move_threshold: int = 5,
    priority_top_n: int = 10,
    travel_groups: Sequence[str] = TRAVEL_GROUPS,
    category_overrides: pd.DataFrame | None = None,
    year: int | None = None,
    rate_table: pd.DataFrame | None = None,
    vat_rates: pd.Series | None = None,
    amounts_include_vat: bool = False,
) -> SpendAnalysis:
    """Link, categorise, price and rank: the whole miljöspendanalys in one pure call.

    ``contracts`` and ``invoices`` are canonical tables (``spendanalys.schema``); without invoices
    each agreement's stated ``value_sek`` is its spend (``spend_basis`` "estimate (agreement
    value)"). The first of ``factor_sets`` prices the lines; all of them are compared per
    agreement. ``kpi`` is the consumer price index by year; ``rates`` converts non-SEK lines.
    ``as_of`` dates the "ends within ``months_ending_soon`` months" flag; ``pareto_share`` (0–1)
    bounds the Pareto set; ``rank_move_threshold`` (places) flags agreements whose rank moves
    between factor sets; ``priority_top_n`` agreements by kg CO2e join the Pareto set as
    candidates for the priority list. ``category_overrides`` are the users' category mappings
    (scope, key, category_id, created_by, created_at; see
    :func:`spendanalys.spend.categorising.match_user_overrides`): they win over every rule, are marked
    ``category_rule = "user_override"`` and keep who and when in ``category_override``.

    ``year`` keeps only the lines of that year (the ranking of one year). ``rate_table``
    (year, currency, sek_per_unit) converts each foreign line at the rate of its own year.
    ``vat_rates`` (by category, see ``spend.vat``) makes gross amounts net
    (``amount_incl_vat_sek``, or every amount with ``amounts_include_vat``) and applies factors
    per SEK incl. VAT to gross spend. A factor set's categories that the tree lacks are
    categories of their own (group "Egna kategorier").
    """
    if not factor_sets:
        raise ConfigurationError("at least one spend factor set is needed")
    if not 0 < pareto_share <= 1:
        raise ConfigurationError(f"pareto_share must lie in (0, 1], got {pareto_share}")
    notes: list[str] = []
    consolidated = consolidate_register(contracts)
    register, rejected = consolidated.agreements, list(consolidated.rejected)
    notes.extend(consolidated.notes)
    labels = set_column_names(factor_sets)
    primary = factor_sets[0]
    rules = with_own_categories(rules, [n for fs in factor_sets for n in fs.own_category_names])
    if vat_rates is not None:
        vat_rates = with_factor_rates(vat_rates, primary.factors)
    tree_ids = set(rules.tree["category_id"].astype("string").dropna())
    known = {c for c in tree_ids if not c.startswith(OWN_PREFIX)} | set(
        primary.factors["category_id"].astype("string").dropna()
    )
    agreement_cats = categorise_agreements(register, rules, known, category_overrides)
    agreement_cats.index = register["agreement_id"].astype("string").to_numpy()

    if invoices is None:
        spend_basis = SPEND_BASIS_ESTIMATE
        # A missing agreement value is an unknown spend (<NA>), not a rejected row.
        lines = _lines_from_register(register)
        lines["spend_sek"] = pd.to_numeric(lines["amount_sek"], errors="coerce").astype("float64")
        placed = agreement_cats.loc[lines["linked_agreement_id"].to_numpy()]
        lines["category_id"] = placed["category_id"].to_numpy()
        lines["category_rule"] = (
            placed["category_rule"]
            .map({"category": "agreement_category", "cpv": "agreement_cpv"})
            .fillna(placed["category_rule"])
            .to_numpy()
        )
        lines["category_override"] = placed["category_override"].to_numpy()
        lines["excluded"] = False
    else:
        spend_basis = SPEND_BASIS_INVOICES
        repeat, repeats, more_notes = repeated_lines(invoices)
        rejected.extend(repeats)
        notes.extend(more_notes)
        if repeat.any():
            invoices = invoices[~repeat].reset_index(drop=True)
        linked = link_invoices_to_agreements(invoices, consolidated.rows)
        del invoices  # (a copy when lines repeated): ``linked`` shares its columns
        lines, more = convert_to_sek(
            linked,
            rates,
            rate_table=rate_table,
            amounts_include_vat=amounts_include_vat,
            notes=notes,
        )
        rejected.extend(more)
        placed = categorise_lines(lines, agreement_cats, rules, known, category_overrides)
        lines = pd.concat([lines, placed], axis=1)
        del linked, placed  # the frames above share their columns with ``lines`` or are spent
        if vat_rates is not None:
            lines = net_of_vat(lines, vat_rates, notes)

    reg_org = pd.Series(
        normalise_org_number(register["org_number"]).to_numpy()
        if "org_number" in register
        else pd.NA,
        index=register["agreement_id"].astype("string").to_numpy(),
        dtype="string",
    )
    line_org = (
        normalise_org_number(lines["org_number"])
        if "org_number" in lines
        else pd.Series(pd.NA, index=lines.index, dtype="string")
    )
    suppliers = consolidated.suppliers
    by_invoice = spend_basis == SPEND_BASIS_INVOICES
    supplier_of_line = attribute_suppliers(lines, suppliers) if by_invoice else None
    # Only the lines without an org number of their own are filled (often none of a million).
    gap = line_org.isna().to_numpy()
    if supplier_of_line is not None and len(suppliers) and gap.any():
        supplier_org = normalise_org_number(suppliers["org_number"].astype("string"))
        per_supplier = np.array([*supplier_org.astype(object).where(supplier_org.notna()), None])
        attributed = per_supplier[supplier_of_line[gap]]  # -1 (no supplier) takes the None
        line_org = line_org.fillna(pd.Series(attributed, index=lines.index[gap], dtype="string"))
        gap = line_org.isna().to_numpy()
    if gap.any():
        single = register["supplier_count"].to_numpy() <= 1
        reg_org = reg_org.where(pd.Series(single, index=reg_org.index))
        line_org = line_org.fillna(lines["linked_agreement_id"].map(reg_org))
    lines["supplier_org"] = line_org
    del line_org, gap
    dates = lines["date"] if "date" in lines else pd.Series(pd.NaT, index=lines.index)
    lines["spend_year"] = pd.to_datetime(dates, errors="coerce").dt.year.astype("Int64")
    del dates
    lines = pd.concat(
        [
            lines,
            apply_factor_set(
                lines, primary, kpi, label=labels[0], notes=notes, vat_rates=vat_rates
            ),
        ],
        axis=1,
    )
    for fs, label in zip(factor_sets[1:], labels[1:], strict=True):
        # only the kg CO2e of another set is kept: its other columns are never made (a dozen
        # line-long arrays, 1 GB at 10 million lines)
        lines[f"kg_co2e__{label}"] = kg_co2e_under(
            lines, fs, kpi, label=label, notes=notes, vat_rates=vat_rates
        )
    lines = lines.reset_index(drop=True)
    if year is not None and spend_basis == SPEND_BASIS_INVOICES:
        lines, in_year = lines_of_year(lines, year, notes)
        supplier_of_line = None if supplier_of_line is None else supplier_of_line[in_year]
    lines["supplier_key"] = supplier_key(lines).astype("category")
    if (missing := missing_factor_note(lines, labels[0])) is not None:
        notes.append(missing)

    agreements = aggregate_agreements(
        lines,
        register,
        agreement_cats,
        rules,
        spend_basis=spend_basis,
        as_of=as_of,
        months_ending_soon=months_ending_soon,
        pareto_share=pareto_share,
    )
    by_user = agreements["category_rule"].astype("object").eq("user_override").to_numpy()
    agreements["category_override"] = pd.array(
        np.where(  # type: ignore[call-overload]
            by_user,
            agreements["agreement_id"]
            .astype("string")
            .map(agreement_cats["category_override"])
            .to_numpy(dtype=object),
            None,
        ),
        dtype="string",
    )
    agreements = with_register_columns(agreements, register, as_of)
    by_supplier = supplier_spend(suppliers, lines, supplier_of_line)
    agreements["spend_not_attributed_sek"] = not_attributed(agreements, by_supplier)
    agreements = with_grades(agreements, lines)
    comparison = compare_factor_sets(lines, agreements, labels, rank_move_threshold)
    sensitivity = agreement_sensitivity(
        comparison,
        labels,
        pareto_share=pareto_share,
        top_n=priority_top_n,
        rank_move_threshold=rank_move_threshold,
    ).set_index("agreement_id")
    for column in ("kg_co2e_low", "kg_co2e_high", "high_impact_sets", "rank_robust"):
        agreements[column] = agreements["agreement_id"].map(sensitivity[column]).to_numpy()
    notes.extend(price_basis_notes(labels, [_price_basis(fs) for fs in factor_sets]))
    totals = _with_travel(totals_of(lines, agreements, spend_basis), lines, rules, travel_groups)
    totals.update(ongoing_totals(agreements, as_of))
    year_tables = by_year_tables(lines) if by_invoice else {}
    return SpendAnalysis(
        lines=lines,
        agreements=agreements,
        categories=summarise_categories(lines, rules, primary.factors),
        suppliers=summarise_suppliers(lines),
        unlinked=summarise_unlinked(lines),
        uncategorised=summarise_uncategorised(lines),
        excluded=summarise_excluded(lines),
        priority=priority_list(agreements, top_n=priority_top_n),
        totals={
            **totals,
            **breakdown_totals(lines, by_invoice, year_tables.get("totals")),
            "kg_co2e_range": total_range(lines, labels),
            "rank_robust_agreements": int(agreements["rank_robust"].sum()),
            # sets whose factors are at basic price: their figures carry the margin caveat
            "basic_price_sets": [
                label
                for label, fs in zip(labels, factor_sets, strict=True)
                if price_basis_notes([label], [_price_basis(fs)])
            ],
        },
        factor_comparison=comparison,
        rejected=rejected,
        factor_sets=labels,
        spend_basis=spend_basis,
        as_of=as_of,
        parameters={
            "months_ending_soon": months_ending_soon,
            "pareto_share": pareto_share,
            "rank_move_threshold": rank_move_threshold,
            "priority_top_n": priority_top_n,
            "travel_groups": ", ".join(travel_groups),
            "kpi": _describe_kpi(kpi),
            "exchange_rates": describe_rates(rates, rate_table),
        },
        notes=notes,
        requirements_kpi=requirements_kpi(agreements, as_of),
        by_year=year_tables,
        category_sensitivity=category_sensitivity(
            lines, labels, [fs.factors for fs in factor_sets]
        ),
        agreement_suppliers=by_supplier,
        frameworks=rank_frameworks(agreements),
    )


def _price_basis(factor_set: SpendFactorSet) -> str | None:
    """The price basis the set's category rows state (the first one; sets state one)."""
    values = factor_set.factors["price_basis"].dropna()
    return str(values.iloc[0]) if len(values) else None
