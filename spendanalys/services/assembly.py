"""File-level miljöspendanalys: read the exports, load rules and factors, run the engine.

The one place where files meet :func:`spendanalys.spend.analysis.analyse_spend`; the CLI and the
dashboard both call :func:`run_spend`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from spendanalys.spend.categories import CategoryRules, load_category_rules
from spendanalys.errors import ConfigurationError
from spendanalys.spend.factors import (
    SpendFactorSet,
    exchange_rates_for,
    load_exchange_rate_table,
    load_kpi,
    load_spend_factor_set,
)
from spendanalys.io.result import RejectedRow
from spendanalys.schema import KINDS, Kind
from spendanalys.spend.analysis import SpendAnalysis, analyse_spend

# A source is a path, or an upload as (file name, bytes).
Source = str | PathLike[str] | tuple[str, bytes]
# Names that mean "the built-in factor set" in a list of factor files.
BUILTIN_FACTOR_NAMES = ("default", "builtin", "inbyggd")


class SpendRun(NamedTuple):
    """What :func:`run_spend` returns: the analysis and the rules and factor sets it used."""

    analysis: SpendAnalysis
    rules: CategoryRules
    factor_sets: list[SpendFactorSet]


def _column_options(columns: Any, kind: Kind) -> dict[str, str] | None:
    """``--column`` options (strings) or a {kind: {field: header}} mapping, for one kind."""
    if not columns:
        return None
    if isinstance(columns, Mapping):
        if any(k in KINDS for k in columns):
            picked = columns.get(kind)
            return dict(picked) if picked else None
        return dict(columns)
    from spendanalys.cli.common import column_mapping

    return column_mapping(list(columns), kind) or None


def read_all(
    kind: Kind, sources: Iterable[Source], *, columns: Any = None, sheet: str | None = None
) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Read every source of one kind with the readers and stack the accepted tables."""
    from spendanalys import io as readers

    tables = []
    rejected: list[RejectedRow] = []
    mapping = _column_options(columns, kind)
    for source in sources:
        if isinstance(source, tuple):
            name, data = source
            result = readers.read_input(data, kind, columns=mapping, sheet=sheet, name=name)
        else:
            result = readers.read_input(source, kind, columns=mapping, sheet=sheet)
        tables.append(result.table)
        rejected.extend(result.rejected)
    if not tables:
        raise ConfigurationError(f"no {kind} file was given")
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0], rejected


def load_factor_sets(
    factor_paths: Sequence[str | PathLike[str]],
    rules: CategoryRules,
    *,
    data_dir: str | Path | None = None,
) -> list[SpendFactorSet]:
    """The factor sets to use, in order (the first prices the analysis); the built-in set when
    none is given. ``default`` in the list stands for the built-in set, so a user set can be
    compared with it."""
    rate_table = load_exchange_rate_table(data_dir=data_dir)
    paths = list(factor_paths) or ["default"]
    sets = []
    for path in paths:
        builtin = str(path).strip().lower() in BUILTIN_FACTOR_NAMES
        sets.append(
            load_spend_factor_set(
                None if builtin else Path(path),
                rules=rules,
                rate_table=rate_table,
                data_dir=data_dir,
            )
        )
    return sets


def _has_foreign_currency(invoices: pd.DataFrame) -> bool:
    if "currency" not in invoices:
        return False
    codes = invoices["currency"].dropna().astype("string").str.strip().str.upper().unique()
    return any(c not in ("", "SEK", "KR") for c in codes)


def run_spend(
    contract_sources: Sequence[Source],
    invoice_sources: Sequence[Source] = (),
    factor_paths: Sequence[str | PathLike[str]] = (),
    columns: Any = None,
    sheet: str | None = None,
    as_of: date | None = None,
    *,
    rule_files: Mapping[str, str | Path] | None = None,
    extend_rules: bool = True,
    data_dir: str | Path | None = None,
    **options: Any,
) -> SpendRun:
    """Read the register (and invoices), run :func:`analyse_spend`, return the run.

    ``columns``: ``--column`` option strings or {kind: {field: header}}. ``rule_files``: user
    rule tables by :func:`load_category_rules` keyword (``cpv_map``, ``account_map``…).
    ``as_of`` defaults to today. Other ``options`` (``months_ending_soon``, ``pareto_share``,
    ``rank_move_threshold``…) go to the engine. Rows the readers rejected come first in
    ``analysis.rejected``.
    """
    rules = load_category_rules(**dict(rule_files or {}), extend=extend_rules, data_dir=data_dir)
    factor_sets = load_factor_sets(factor_paths, rules, data_dir=data_dir)
    kpi = load_kpi(data_dir=data_dir)
    rate_table = load_exchange_rate_table(data_dir=data_dir)
    contracts, rejected = read_all("contracts", contract_sources, columns=columns, sheet=sheet)
    invoices = None
    if invoice_sources:
        invoices, more = read_all("invoices", invoice_sources, columns=columns, sheet=sheet)
        rejected.extend(more)
    rates = None
    if invoices is not None and _has_foreign_currency(invoices):
        # One table for the run: the rates of the latest invoice year (the nearest the table has).
        years = pd.to_datetime(invoices["date"], errors="coerce").dt.year
        rates = exchange_rates_for(rate_table, int(years.max()) if years.notna().any() else None)
    analysis = analyse_spend(
        contracts,
        invoices,
        rules,
        factor_sets,
        kpi,
        rates=rates,
        as_of=as_of or date.today(),
        **options,
    )
    analysis.rejected[:0] = rejected
    if rates is not None and rates.notes:
        analysis.notes.append(f"exchange rates: {rates.notes}")
    return SpendRun(analysis, rules, factor_sets)
