"""The one way to assemble each analysis: load rules, factor sets, price index and exchange
rates, then run the engine.

:func:`assemble_spend` takes the register and invoice tables; the command line reaches it
through :func:`run_spend` (which reads the files first) and the dashboard with the store's
current tables, so the same inputs give the same analysis in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from spendanalys import io as readers
from spendanalys.datafiles import data_path
from spendanalys.errors import ConfigurationError
from spendanalys.io.options import (
    ColumnOptions,
    columns_for,
    default_values,
    reader_notes,
    require_mapped,
)
from spendanalys.io.result import ReadInfo, RejectedRow
from spendanalys.schema import SOURCE_FILE, SOURCE_ROW, Kind
from spendanalys.settings import headline_factor_set
from spendanalys.spend.analysis import SpendAnalysis, analyse_spend
from spendanalys.spend.categories import CategoryRules, load_category_rules
from spendanalys.spend.combined import combine_with_travel, travel_by_year_and_mode
from spendanalys.spend.duplicates import repeated_lines
from spendanalys.spend.factors import (
    SpendFactorSet,
    layered,
    load_exchange_rate_table,
    load_kpi,
    load_spend_factor_set,
    with_supplier_factors,
)
from spendanalys.spend.own_categories import with_own_categories
from spendanalys.spend.pricing import convert_to_sek
from spendanalys.spend.register import consolidate_register
from spendanalys.spend.sensitivity import BUILTIN_SETS, DEFAULT_NAMES, factor_set_plan
from spendanalys.spend.vat import VAT_FILE, load_vat_rates
from spendanalys.travel.analysis import TravelSettings
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.travel.trips import activity_lines, price_lines

# A source is a path, or an upload as (file name, bytes).
Source = str | PathLike[str] | tuple[str, bytes]
# Names that mean "the built-in factor set" in a list of factor files.
BUILTIN_FACTOR_NAMES = DEFAULT_NAMES


@dataclass
class SpendRun:
    """An assembled spend analysis with the rules and factor sets that produced it."""

    analysis: SpendAnalysis
    rules: CategoryRules
    factor_sets: list[SpendFactorSet]


def read_all(
    kind: Kind,
    sources: Iterable[Source],
    *,
    columns: ColumnOptions = None,
    sheet: str | None = None,
    notes: list[str] | None = None,
    infos: list[ReadInfo] | None = None,
    **read_options: Any,
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Read every source of one kind with the readers and stack the accepted tables; the
    readers' notes go to ``notes`` (prefixed with the file name) when it is given.

    ``read_options`` (``header_row``, ``defaults``) go to the readers; ``infos`` collects what
    each reader understood (sheets read and left, unprefixed mappings offered)."""
    tables = []
    rejected: list[RejectedRow] = []
    mapping = columns_for(columns, kind)
    if read_options.get("defaults") is not None:
        read_options["defaults"] = default_values(read_options["defaults"], kind)
    for source in sources:
        if isinstance(source, tuple):
            name, data = source
            result = readers.read_input(
                data, kind, columns=mapping, sheet=sheet, name=name, **read_options
            )
        else:
            result = readers.read_input(source, kind, columns=mapping, sheet=sheet, **read_options)
        tables.append(result.table)
        rejected.extend(result.rejected)
        if notes is not None:
            notes.extend(reader_notes([result.info]))
        if infos is not None:
            infos.append(result.info)
    if not tables:
        raise ConfigurationError(f"no {kind} file was given")
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0], rejected


def load_factor_sets(
    factor_paths: Sequence[str | PathLike[str]],
    rules: CategoryRules,
    *,
    data_dir: str | Path | None = None,
) -> list[SpendFactorSet]:
    """The factor sets to use, in order (the first prices the analysis): the given ones, or
    the headline built-in set (setting ``SPENDANALYS_FACTOR_SET``), then every other built-in
    set, so each analysis shows its sensitivity (:func:`factor_set_plan`). ``default`` in the
    list stands for the headline set. A built-in set that a ``data_dir`` lacks is left out. A file of
    supplier-specific rows only is layered on the headline set
    (:func:`spendanalys.spend.factors.layered`): alone it would price no other supplier."""
    rate_table = load_exchange_rate_table(data_dir=data_dir)
    sets = []
    for item in factor_set_plan(list(factor_paths), headline_factor_set()):
        if isinstance(item, str) and item in BUILTIN_SETS:
            path = data_path(BUILTIN_SETS[item], data_dir)
            if not path.exists() and item != headline_factor_set():
                continue
        else:
            path = Path(item)
        fs = load_spend_factor_set(path, rules=rules, rate_table=rate_table)
        if not fs.has_category_rows:
            headline = data_path(BUILTIN_SETS[headline_factor_set()], data_dir)
            fs = layered(fs, load_spend_factor_set(headline, rules=rules, rate_table=rate_table))
        sets.append(fs)
    return sets


def _has_foreign_currency(invoices: pd.DataFrame) -> bool:
    if "currency" not in invoices:
        return False
    codes = invoices["currency"].dropna().astype("string").str.strip().str.upper().unique()
    return any(c not in ("", "SEK", "KR") for c in codes)


@dataclass
class Checked:
    """What the analysis itself keeps of a read table: ``table`` (the rows it counts),
    ``rejected`` (the rows it leaves out beyond the reader's, with the analysis' own reasons)
    and ``notes``."""

    table: pd.DataFrame
    rejected: list[RejectedRow]
    notes: list[str]


def _kept(table: pd.DataFrame, rejected: list[RejectedRow]) -> pd.DataFrame:
    """``table`` without the rows named (by file and row) in ``rejected``."""
    if not rejected or not len(table):
        return table
    named = pd.MultiIndex.from_tuples([(r.file, r.row) for r in rejected])
    rows = pd.MultiIndex.from_arrays(
        [table[SOURCE_FILE].astype(str).to_numpy(), table[SOURCE_ROW].to_numpy(dtype="int64")]
    )
    return table[~rows.isin(named)].reset_index(drop=True)


def analysis_check(
    kind: Kind, table: pd.DataFrame, *, data_dir: str | Path | None = None
) -> Checked:
    """Run the validation the analysis of ``kind`` runs on a read table, so that ``inspect``
    accepts exactly the rows the analysis keeps, with the same reasons: the register's empty
    ids and rows given twice (``register``); invoice lines repeated across files or sheets
    (``duplicates``) and amounts that cannot be converted to SEK (``pricing``); trips the travel
    engine cannot place or price (with its default settings and factor set). FTE rows are
    used as read."""
    rejected: list[RejectedRow] = []
    notes: list[str] = []
    if kind == "contracts":
        register = consolidate_register(table)
        rejected, notes = list(register.rejected), list(register.notes)
    elif kind == "invoices":
        repeat, rejected, notes = repeated_lines(table)
        kept = table[~repeat].reset_index(drop=True)
        rate_table = load_exchange_rate_table(data_dir=data_dir)
        foreign = _has_foreign_currency(kept)  # the rate of each line's year, as spend does
        _, unconverted = convert_to_sek(kept, None, rate_table=rate_table if foreign else None)
        rejected = [*rejected, *unconverted]
    elif kind == "trips":
        settings = TravelSettings()
        activity, rejected = activity_lines(
            table, uplift=settings.uplift, home_country=settings.home_country
        )
        _, unpriced = price_lines(
            activity, load_travel_factor_set(), radiative_forcing=settings.radiative_forcing
        )
        rejected = [*rejected, *unpriced]
    rejected.sort(key=lambda r: (r.file, r.row))
    return Checked(_kept(table, rejected), rejected, notes)


def assemble_spend(
    contracts: pd.DataFrame,
    invoices: pd.DataFrame | None = None,
    *,
    as_of: date | None = None,
    factor_paths: Sequence[str | PathLike[str]] = (),
    rule_files: Mapping[str, str | Path] | None = None,
    extend_rules: bool = True,
    data_dir: str | Path | None = None,
    supplier_factors: Sequence[Mapping[str, Any]] = (),
    category_overrides: pd.DataFrame | None = None,
    **options: Any,
) -> SpendRun:
    """Run :func:`analyse_spend` on a register (and invoice lines) with everything it needs.

    ``rule_files``: user rule tables by :func:`load_category_rules` keyword (``cpv_map``,
    ``account_map``…). ``supplier_factors``: rows for :func:`with_supplier_factors` (they win
    over the category factor of the first set). Exchange rates are used only when an invoice is
    in a foreign currency: each line at its own year's rate (the nearest year the table has).
    ``as_of`` defaults to today. Other ``options`` (``months_ending_soon``, ``pareto_share``,
    ``rank_move_threshold``…) go to the engine.
    """
    rules = load_category_rules(**dict(rule_files or {}), extend=extend_rules, data_dir=data_dir)
    rate_table = load_exchange_rate_table(data_dir=data_dir)
    factor_sets = load_factor_sets(factor_paths, rules, data_dir=data_dir)
    if supplier_factors:
        factor_sets[0] = with_supplier_factors(
            factor_sets[0],
            [dict(row) for row in supplier_factors],
            rules=rules,
            rate_table=rate_table,
            label="supplier factors",
        )
    # A factor set's own categories join the tree, so reports name them (group "Egna kategorier").
    rules = with_own_categories(rules, [n for fs in factor_sets for n in fs.own_category_names])
    foreign = invoices is not None and _has_foreign_currency(invoices)
    vat_file = data_path(VAT_FILE, data_dir)
    analysis = analyse_spend(
        contracts,
        invoices,
        rules,
        factor_sets,
        load_kpi(data_dir=data_dir),
        rate_table=rate_table if foreign else None,
        as_of=as_of or date.today(),
        category_overrides=category_overrides,
        vat_rates=load_vat_rates(vat_file if vat_file.exists() else None),
        **options,
    )
    analysis.notes.extend(
        f"factor set {label}: a file of supplier-specific rows only, layered on {fs.layered_on} "
        "(its rows win for their suppliers; every other line keeps the built-in factor)"
        for label, fs in zip(analysis.factor_sets, factor_sets, strict=True)
        if fs.layered_on
    )
    return SpendRun(analysis, rules, factor_sets)


def with_travel(run: SpendRun, travel_years: pd.DataFrame) -> SpendRun:
    """``run`` with the combined total of spend and business travel, travel counted once
    (:func:`spendanalys.spend.combined.combine_with_travel`); ``travel_years`` is the travel
    analysis' per-year table (``TravelAnalysis.years``)."""
    analysis = run.analysis
    combined = combine_with_travel(
        analysis.lines, analysis.totals, travel_by_year_and_mode(travel_years)
    )
    analysis.notes.extend(combined.pop("combined_notes"))
    analysis.totals.update(combined)
    return run


def run_spend(
    contract_sources: Sequence[Source],
    invoice_sources: Sequence[Source] = (),
    factor_paths: Sequence[str | PathLike[str]] = (),
    columns: ColumnOptions = None,
    sheet: str | None = None,
    as_of: date | None = None,
    **options: Any,
) -> SpendRun:
    """Read the register (and invoices), then :func:`assemble_spend` with ``options``.

    ``columns``: ``--column`` option strings or {kind: {field: header}}. Rows the readers
    rejected come first in ``analysis.rejected``, their notes (an unknown Miljökrav value with
    its count, a skipped total row…) first in ``analysis.notes``.
    """
    notes: list[str] = []
    infos: list[ReadInfo] = []
    read: dict[str, Any] = {"columns": columns, "sheet": sheet, "notes": notes, "infos": infos}
    read |= {k: options.pop(k) for k in ("header_row", "defaults") if k in options}
    contracts, rejected = read_all("contracts", contract_sources, **read)
    invoices = None
    if invoice_sources:
        invoices, more = read_all("invoices", invoice_sources, **read)
        rejected.extend(more)
    require_mapped(infos)
    run = assemble_spend(contracts, invoices, as_of=as_of, factor_paths=factor_paths, **options)
    run.analysis.rejected[:0] = rejected
    run.analysis.notes[:0] = notes
    return run
