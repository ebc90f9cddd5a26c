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

from spendanalys.categories import CategoryRules
from spendanalys.categorising import categorise_agreements, categorise_lines
from spendanalys.errors import ConfigurationError, UnitError
from spendanalys.factors import SpendFactorSet, price_year_factor
from spendanalys.io.result import RejectedRow
from spendanalys.linking import (
    link_invoices_to_agreements,
    normalise_agreement_id,
    normalise_org_number,
)
from spendanalys.ranking import aggregate_agreements, compare_factor_sets, priority_list
from spendanalys.summaries import (
    summarise_categories,
    summarise_excluded,
    summarise_suppliers,
    summarise_uncategorised,
    summarise_unlinked,
    totals_of,
)
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW
from spendanalys.units import ExchangeRates

SPEND_BASIS_INVOICES = "invoices"
SPEND_BASIS_ESTIMATE = "estimate (agreement value)"


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
    - ``factor_comparison``: kg CO2e and rank of each agreement under each factor set;
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


def set_column_names(factor_sets: Sequence[SpendFactorSet]) -> list[str]:
    """A distinct label per factor set (its name; ``name (2)`` for a repeated name)."""
    labels: list[str] = []
    for fs in factor_sets:
        label, n = str(fs.name), 2
        while label in labels:
            label, n = f"{fs.name} ({n})", n + 1
        labels.append(label)
    return labels


def convert_to_sek(
    lines: pd.DataFrame, rates: ExchangeRates | None
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """``spend_sek`` per line from ``amount_sek`` and ``currency``; rows that cannot be converted.

    A blank currency, ``SEK`` or ``kr`` is taken as SEK. Another currency is multiplied by SEK per
    unit from ``rates`` (looked up once per distinct currency); a currency the table lacks, or any
    foreign currency without a table, rejects the line with the reason, and so does a missing
    amount. Credit notes (negative amounts) are kept: they net against their agreement.
    """
    amount = pd.to_numeric(lines["amount_sek"], errors="coerce").astype("float64")
    currency = (
        lines["currency"].astype("string").str.strip().str.upper()
        if "currency" in lines
        else pd.Series(pd.NA, index=lines.index, dtype="string")
    )
    currency = currency.mask(currency.isin(["", "KR", "SEK"]))
    rate = np.ones(len(lines))
    reason = np.full(len(lines), None, dtype=object)
    column = np.full(len(lines), None, dtype=object)
    for code in currency.dropna().unique():
        mask = (currency == code).fillna(False).to_numpy(dtype=bool)
        try:
            if rates is None:
                raise UnitError(code, "an amount in SEK", "no exchange-rate table was given")
            rate[mask] = rates.rate(str(code))
        except UnitError as exc:
            reason[mask] = f"cannot convert {code} to SEK: {exc.reason or exc}"
            column[mask] = "currency"
    missing = amount.isna().to_numpy() & pd.isna(reason)
    reason[missing] = "amount is missing"
    column[missing] = "amount_sek"
    bad = pd.notna(reason)
    rejected = _rejected_rows(lines[bad], reason[bad], column[bad])
    kept = lines[~bad].copy()
    kept["spend_sek"] = amount.to_numpy()[~bad] * rate[~bad]
    return kept, rejected


def _rejected_rows(rows: pd.DataFrame, reasons: np.ndarray, columns: np.ndarray) -> list[RejectedRow]:
    files = _column_or(rows, SOURCE_FILE, "").astype(str).to_numpy()
    numbers = _column_or(rows, SOURCE_ROW, 0).to_numpy()
    return [
        RejectedRow(file=str(f), row=int(r), column=str(c), reason=str(why))
        for f, r, c, why in zip(files, numbers, columns, reasons, strict=True)
    ]


def _deduplicate_register(contracts: pd.DataFrame) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """The register with one row per agreement id; repeated or blank ids are rejected rows."""
    key = normalise_agreement_id(contracts["agreement_id"])
    repeated = key.duplicated(keep="first") & key.notna()
    blank = key.isna()
    rejected: list[RejectedRow] = []
    if repeated.any() or blank.any():
        files = _column_or(contracts, SOURCE_FILE, "")
        rows = _column_or(contracts, SOURCE_ROW, 0)
        for i in np.flatnonzero((repeated | blank).to_numpy()):
            reason = (
                "agreement id is empty"
                if blank.iloc[i]
                else f"agreement id {contracts['agreement_id'].iloc[i]!r} repeats an earlier row; "
                "the first row is used"
            )
            rejected.append(RejectedRow(str(files.iloc[i]), int(rows.iloc[i]), "agreement_id", reason))
    return contracts[~(repeated | blank)].copy(), rejected


def _column_or(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    if name in frame:
        return frame[name].fillna(default)
    return pd.Series(default, index=frame.index)


def _describe_kpi(kpi: pd.Series) -> str:
    years = [int(y) for y in kpi.dropna().index]
    span = f"{min(years)}–{max(years)}" if years else "empty"
    source = kpi.attrs.get("source") if hasattr(kpi, "attrs") else None
    return f"{source}, {span}" if source else span


def _kpi_ratio(
    spend_year: pd.Series, factor_year: pd.Series, kpi: pd.Series, notes: list[str]
) -> pd.Series:
    """KPI[factor year] / KPI[spend year] per line, once per distinct pair of years.

    A year outside the KPI table takes the nearest year the table has (and says so in
    ``notes``); a line without a date, or a factor without a price year, is not adjusted (1.0).
    """
    years = sorted(int(y) for y in kpi.dropna().index)
    if not years:
        raise ConfigurationError("the KPI table is empty: spend cannot be brought to a price year")
    low, high = years[0], years[-1]
    pairs = pd.DataFrame({"s": spend_year, "f": factor_year}).astype("Int64")
    ratio = pd.Series(1.0, index=spend_year.index)
    known = pairs.dropna()
    if known.empty:
        return ratio
    unique = known.drop_duplicates()
    values = {}
    for s, f in unique.itertuples(index=False, name=None):
        sc, fc = min(max(int(s), low), high), min(max(int(f), low), high)
        for year, used in ((s, sc), (f, fc)):
            if year != used:
                note = f"KPI has no index for {year}; {used} is used"
                if note not in notes:
                    notes.append(note)
        values[(int(s), int(f))] = price_year_factor(sc, fc, kpi)
    table = pd.Series(values)
    table.index = pd.MultiIndex.from_tuples(table.index, names=["s", "f"])
    looked_up = pd.MultiIndex.from_frame(known).map(table.to_dict())
    ratio.loc[known.index] = np.asarray(looked_up, dtype=float)
    return ratio


def _factor_rows(
    lines: pd.DataFrame, supplier_org: pd.Series, factors: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Row position in ``factors`` for each line (-1: none) and whether it is supplier-specific.

    A supplier-specific row (``org_number`` set) wins over the category row: first a row for the
    supplier and the line's category, then a row for the supplier with no category.
    """
    f = factors.reset_index(drop=True)
    pos = np.arange(len(f))
    org = (
        normalise_org_number(f["org_number"])
        if "org_number" in f
        else pd.Series(pd.NA, index=f.index, dtype="string")
    )
    cat_id = f["category_id"].astype("string")
    category_rows = pd.Series(pos[org.isna().to_numpy()], index=cat_id[org.isna()].to_numpy())
    category_rows = category_rows[~category_rows.index.duplicated()]
    line_cat = lines["category_id"].astype("string")
    row = line_cat.map(category_rows).to_numpy(dtype=float, na_value=np.nan)
    supplier = np.zeros(len(lines), dtype=bool)
    has_org = org.notna().to_numpy()
    if has_org.any():
        both = has_org & cat_id.notna().to_numpy()
        keyed = pd.Series(pos[both], index=(org[both] + "|" + cat_id[both]).to_numpy())
        keyed = keyed[~keyed.index.duplicated()]
        by_pair = (supplier_org + "|" + line_cat).map(keyed).to_numpy(dtype=float, na_value=np.nan)
        only = has_org & cat_id.isna().to_numpy()
        org_rows = pd.Series(pos[only], index=org[only].to_numpy())
        org_rows = org_rows[~org_rows.index.duplicated()]
        by_org = supplier_org.map(org_rows).to_numpy(dtype=float, na_value=np.nan)
        specific = np.where(np.isnan(by_pair), by_org, by_pair)
        supplier = ~np.isnan(specific)
        row = np.where(supplier, specific, row)
    excluded = lines["excluded"].to_numpy(dtype=bool)
    row = np.where(excluded | np.isnan(row), -1, row).astype(int)
    return row, supplier & ~excluded


def _take(column: pd.Series, rows: np.ndarray) -> pd.Series:
    values = pd.array(column.to_numpy(), dtype=column.dtype).take(rows, allow_fill=True)
    return pd.Series(values)


def apply_factor_set(
    lines: pd.DataFrame,
    factor_set: SpendFactorSet,
    kpi: pd.Series,
    *,
    label: str,
    notes: list[str],
) -> pd.DataFrame:
    """Factor and emission columns for ``lines`` under one factor set, aligned to ``lines``.

    Columns: ``kg_co2e_per_sek``, ``factor_price_year``, ``factor_source``, ``factor_kind``
    ("supplier" or "category"), ``factor_set``, ``price_index_ratio`` (KPI[factor year] /
    KPI[spend year]), ``spend_sek_factor_year`` (SEK at the factor's price year) and ``kg_co2e``
    (= spend_sek_factor_year × kg_co2e_per_sek; <NA> without a factor or for excluded lines).
    """
    factors = factor_set.factors
    supplier_org = lines["supplier_org"].astype("string")
    rows, supplier = _factor_rows(lines, supplier_org, factors)
    f = factors.reset_index(drop=True)
    per_sek = _take(f["kg_co2e_per_sek"].astype("Float64"), rows).to_numpy(dtype=float, na_value=np.nan)
    price_year = _take(pd.to_numeric(f["price_year"], errors="coerce").astype("Int64"), rows)
    price_year.index = lines.index
    ratio = _kpi_ratio(lines["spend_year"], price_year, kpi, notes)
    at_factor_year = lines["spend_sek"].to_numpy(dtype=float) * ratio.to_numpy()
    has = rows >= 0
    out = pd.DataFrame(index=lines.index)
    out["price_index_ratio"] = ratio.to_numpy()
    out["spend_sek_factor_year"] = at_factor_year
    out["kg_co2e_per_sek"] = per_sek
    out["kg_co2e"] = np.where(has, at_factor_year * per_sek, np.nan)
    out["factor_set"] = pd.array(np.where(has, label, None), dtype="string")
    out["factor_kind"] = pd.array(
        np.where(supplier, "supplier", np.where(has, "category", None)), dtype="string"
    )
    out["factor_source"] = _take(f["source"].astype("string"), rows).to_numpy()
    out["factor_price_year"] = price_year.to_numpy()
    return out


def _lines_from_register(contracts: pd.DataFrame) -> pd.DataFrame:
    """One synthetic line per agreement, its spend the stated ``value_sek`` (an estimate)."""
    lines = pd.DataFrame(index=contracts.index)
    for column in ("supplier", "org_number", SOURCE_FILE, SOURCE_ROW):
        if column in contracts:
            lines[column] = contracts[column]
    lines["date"] = contracts["start_date"] if "start_date" in contracts else pd.NaT
    lines["amount_sek"] = contracts["value_sek"] if "value_sek" in contracts else np.nan
    lines["linked_agreement_id"] = contracts["agreement_id"].astype("string")
    lines["link_rule"] = pd.array(["agreement_id"] * len(lines), dtype="string")
    lines["link_note"] = pd.array([None] * len(lines), dtype="string")
    return lines


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
) -> SpendAnalysis:
    """Link, categorise, price and rank: the whole miljöspendanalys in one pure call.

    ``contracts`` and ``invoices`` are canonical tables (``spendanalys.schema``); without invoices
    each agreement's stated ``value_sek`` is its spend (``spend_basis`` "estimate (agreement
    value)"). The first of ``factor_sets`` prices the lines; all of them are compared per
    agreement. ``kpi`` is the consumer price index by year; ``rates`` converts non-SEK lines.
    ``as_of`` dates the "ends within ``months_ending_soon`` months" flag; ``pareto_share`` (0–1)
    bounds the Pareto set; ``rank_move_threshold`` (places) flags agreements whose rank moves
    between factor sets; ``priority_top_n`` agreements by kg CO2e join the Pareto set as
    candidates for the priority list.
    """
    if not factor_sets:
        raise ConfigurationError("at least one spend factor set is needed")
    if not 0 < pareto_share <= 1:
        raise ConfigurationError(f"pareto_share must lie in (0, 1], got {pareto_share}")
    notes: list[str] = []
    register, rejected = _deduplicate_register(contracts)
    labels = set_column_names(factor_sets)
    primary = factor_sets[0]
    known = set(rules.tree["category_id"].astype("string").dropna()) | set(
        primary.factors["category_id"].astype("string").dropna()
    )
    agreement_cats = categorise_agreements(register, rules, known)
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
        lines["excluded"] = False
    else:
        spend_basis = SPEND_BASIS_INVOICES
        linked = link_invoices_to_agreements(invoices, register)
        lines, more = convert_to_sek(linked, rates)
        rejected.extend(more)
        placed = categorise_lines(lines, agreement_cats, rules, known)
        lines = pd.concat([lines, placed], axis=1)

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
    lines["supplier_org"] = line_org.fillna(lines["linked_agreement_id"].map(reg_org))
    dates = lines["date"] if "date" in lines else pd.Series(pd.NaT, index=lines.index)
    lines["spend_year"] = pd.to_datetime(dates, errors="coerce").dt.year.astype("Int64")
    priced = apply_factor_set(lines, primary, kpi, label=labels[0], notes=notes)
    lines = pd.concat([lines, priced], axis=1)
    for fs, label in zip(factor_sets[1:], labels[1:], strict=True):
        other = apply_factor_set(lines, fs, kpi, label=label, notes=notes)
        lines[f"kg_co2e__{label}"] = other["kg_co2e"].to_numpy()
    lines = lines.reset_index(drop=True)

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
    comparison = compare_factor_sets(lines, agreements, labels, rank_move_threshold)
    return SpendAnalysis(
        lines=lines,
        agreements=agreements,
        categories=summarise_categories(lines, rules, primary.factors),
        suppliers=summarise_suppliers(lines),
        unlinked=summarise_unlinked(lines),
        uncategorised=summarise_uncategorised(lines),
        excluded=summarise_excluded(lines),
        priority=priority_list(agreements, top_n=priority_top_n),
        totals=totals_of(lines, agreements, spend_basis),
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
            "kpi": _describe_kpi(kpi),
            "exchange_rates": f"{rates.source} ({rates.year})" if rates is not None else "none",
        },
        notes=notes,
    )
