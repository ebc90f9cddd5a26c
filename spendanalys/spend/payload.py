"""The JSON shape of a miljöspendanalys (DESIGN.md §5), shared by the CLI and the dashboard.

``{"agreements": [...], "categories": [...], "totals": {...}, "rejected_rows": [...], ...}``;
the first keys of each agreement are the contract's (rank, agreement_id, name, supplier,
category, spend_sek, kg_co2e, kg_co2e_per_sek, environmental_requirements, end_date,
factor_source), then the tracing columns. Values are plain Python (None for missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spendanalys.jsonable import to_jsonable
from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.breakdowns import by_year_records
from spendanalys.spend.factors import SpendFactorSet

AGREEMENT_KEYS: tuple[str, ...] = (
    "rank",
    "agreement_id",
    "name",
    "supplier",
    "category",
    "spend_sek",
    "kg_co2e",
    "kg_co2e_per_sek",
    "environmental_requirements",
    "end_date",
    "factor_source",
    "factor_kind",
    "factor_set",
    "category_id",
    "category_rule",
    "category_as_written",
    "org_number",
    "cpv",
    "value_sek",
    "spend_basis",
    "invoice_lines",
    "credit_notes",
    "spend_without_factor_sek",
    "rank_per_sek",
    "share_of_kg",
    "cumulative_share",
    "pareto",
    "requirements",
    "months_to_end",
    "ends_within_months",
    "ended",
    "kpi_substituted",
    "requirement_level",
    "ongoing",
    "framework_id",
    "supplier_count",
    "register_rows",
    "names",
    "spend_not_attributed_sek",
    "rank_robust",
    "high_impact_sets",
    "factor_grade",
    "factor_grades",
)
CATEGORY_KEYS: tuple[str, ...] = (
    "category_id",
    "name_sv",
    "name_en",
    "group_sv",
    "spend_sek",
    "kg_co2e",
    "share_of_kg",
    "share_of_spend",
    "invoice_lines",
    "agreements",
    "kg_co2e_per_sek",
    "factor_price_year",
    "factor_source",
)
TOTAL_KEYS: tuple[str, ...] = (
    "spend_sek",
    "kg_co2e",
    "linked_spend_sek",
    "unlinked_spend_sek",
    "uncategorised_spend_sek",
)


def _column_values(values: pd.Series) -> list[Any]:
    """One column as plain Python values, converted column-wise (None for missing)."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        text = values.dt.strftime("%Y-%m-%d")
        return [None if pd.isna(v) else v for v in text.astype(object)]
    if isinstance(dtype, pd.StringDtype):
        return values.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload,no-any-return]
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
        return values.to_numpy(dtype=bool).tolist()
    if pd.api.types.is_float_dtype(dtype):
        array = values.to_numpy(dtype=float, na_value=np.nan)
        out = array.astype(object)
        out[np.isnan(array)] = None
        return out.tolist()
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(
        dtype, pd.api.extensions.ExtensionDtype
    ):
        return values.to_numpy().tolist()
    plain = np.array(values.astype(object).to_numpy(), dtype=object)
    missing = pd.isna(plain)
    plain[missing] = None
    return [v.item() if hasattr(v, "item") else v for v in plain.tolist()]


def _records(frame: pd.DataFrame, keys: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The frame as JSON-ready records, built column-wise (a per-cell converter is slow on
    a million values)."""
    columns = [k for k in keys if k in frame] if keys is not None else list(frame.columns)
    data = [_column_values(frame[c]) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*data, strict=True)]


def _with_comparison(analysis: SpendAnalysis, agreements: list[dict[str, Any]]) -> None:
    """Each agreement's kg CO2e and rank under every factor set, and the rank-move flag."""
    if len(analysis.factor_sets) < 2:
        return
    # the comparison's rows in the order of the records, then one column at a time
    comparison = analysis.factor_comparison.set_index("agreement_id")
    aligned = comparison.loc[[row["agreement_id"] for row in agreements]]

    def plain(column: str) -> list[Any]:
        return [to_jsonable(v) for v in _column_values(aligned[column])]

    per_set = {
        label: (plain(f"kg_co2e__{label}"), plain(f"rank__{label}"))
        for label in analysis.factor_sets
    }
    moves = plain("max_rank_move")
    moved = [bool(v) for v in aligned["rank_moved"]]
    for i, row in enumerate(agreements):
        row["by_factor_set"] = {
            label: {"kg_co2e": kg[i], "rank": rank[i]} for label, (kg, rank) in per_set.items()
        }
        row["max_rank_move"] = moves[i]
        row["rank_moved"] = moved[i]


def _with_years(
    analysis: SpendAnalysis, records: list[dict[str, Any]], table: str, key: str
) -> None:
    """Each record's ``by_year`` (``{"2024": {"spend_sek", "kg_co2e"}}``; {} without lines),
    when the analysis has a year split (invoice spend)."""
    if table not in analysis.by_year:
        return
    years = by_year_records(analysis.by_year[table])
    for row in records:
        row["by_year"] = years.get(row[key], {})


def _with_suppliers(analysis: SpendAnalysis, agreements: list[dict[str, Any]]) -> None:
    """Each agreement's ``suppliers`` (supplier, org_number, spend_sek): several for a
    framework agreement with several suppliers, in register order."""
    table = analysis.agreement_suppliers
    if not len(table):
        for row in agreements:
            row["suppliers"] = []
        return
    records = _records(table, ("agreement_id", "supplier", "org_number", "spend_sek"))
    by_id: dict[Any, list[dict[str, Any]]] = {}
    for record in records:
        by_id.setdefault(record.pop("agreement_id"), []).append(record)
    for row in agreements:
        row["suppliers"] = by_id.get(row["agreement_id"], [])


def _with_ranges(frame: pd.DataFrame, records: list[dict[str, Any]]) -> None:
    """``kg_co2e_range: [low, high]`` over the factor sets (spend.sensitivity), by position."""
    if "kg_co2e_low" not in frame:
        return
    lows = _column_values(frame["kg_co2e_low"].astype(float))
    highs = _column_values(frame["kg_co2e_high"].astype(float))
    for row, low, high in zip(records, lows, highs, strict=True):
        row["kg_co2e_range"] = [low, high] if low is not None else None


def _category_records(analysis: SpendAnalysis) -> list[dict[str, Any]]:
    """The category table, each with its range and, per set, kg CO2e, factor (kg CO2e/SEK at
    the set's price year) and data quality (grade and reason): why a category's figure is
    what it is under each set."""
    records = _records(analysis.categories, CATEGORY_KEYS)
    table = analysis.category_sensitivity
    if table.empty:
        return records
    by_id = table.set_index("category_id")
    for row in records:
        if row.get("category_id") not in by_id.index:
            continue
        cat = by_id.loc[row["category_id"]]
        row["kg_co2e_range"] = [_plain(cat["kg_co2e_low"]), _plain(cat["kg_co2e_high"])]
        row["by_factor_set"] = {
            label: {
                "kg_co2e": _plain(cat[f"kg_co2e__{label}"]),
                "kg_co2e_per_sek": _plain(cat[f"factor__{label}"]),
                "data_quality": _plain(cat[f"data_quality__{label}"]),
            }
            for label in analysis.factor_sets
        }
    return records


def _plain(value: Any) -> Any:

    return to_jsonable(value.item() if hasattr(value, "item") else value)


def factor_set_records(
    analysis: SpendAnalysis, factor_sets: Sequence[SpendFactorSet] = ()
) -> list[dict[str, Any]]:
    """Each factor set of the analysis by its label, version, licence and file name (never the
    path it was read from); only the label when the sets themselves are not given."""
    unknown = dict.fromkeys(("version", "licence", "file", "built_in"))
    if not factor_sets:
        return [{"name": label, **unknown} for label in analysis.factor_sets]
    return [fs.describe(label) for label, fs in zip(analysis.factor_sets, factor_sets, strict=True)]


def spend_payload(
    analysis: SpendAnalysis, *, factor_sets: Sequence[SpendFactorSet] = ()
) -> dict[str, Any]:
    """The analysis as the JSON document of ``spendanalys spend --format json``.

    ``factor_sets`` are the sets the analysis used, in its order (they name themselves in
    ``factor_sets``: label, version, licence, file name)."""
    agreements = _records(analysis.agreements, AGREEMENT_KEYS)
    _with_ranges(analysis.agreements, agreements)
    _with_comparison(analysis, agreements)
    _with_suppliers(analysis, agreements)
    priority = _records(analysis.priority)
    _with_ranges(analysis.priority, priority)
    for row in priority:
        row.pop("kg_co2e_low", None)
        row.pop("kg_co2e_high", None)
    categories = _category_records(analysis)
    _with_years(analysis, agreements, "agreements", "agreement_id")
    _with_years(analysis, categories, "categories", "category_id")
    totals = {k: analysis.totals[k] for k in TOTAL_KEYS}
    totals.update({k: v for k, v in analysis.totals.items() if k not in totals})
    return {
        "agreements": agreements,
        "categories": categories,
        "totals": totals,
        "kpi": analysis.requirements_kpi,
        "frameworks": _records(analysis.frameworks),
        "priority": priority,
        "unlinked": _records(analysis.unlinked),
        "uncategorised": _records(analysis.uncategorised),
        "excluded": _records(analysis.excluded),
        "rejected_rows": [r.as_dict() for r in analysis.rejected],
        "factor_sets": factor_set_records(analysis, factor_sets),
        "spend_basis": analysis.spend_basis,
        "as_of": analysis.as_of.isoformat(),
        "parameters": analysis.parameters,
        "notes": analysis.notes,
    }


LINE_COLUMNS: tuple[str, ...] = (
    "source_file",
    "source_row",
    "invoice_id",
    "date",
    "supplier",
    "org_number",
    "supplier_org",
    "account",
    "text",
    "agreement_id",
    "linked_agreement_id",
    "link_rule",
    "link_note",
    "category_id",
    "category_rule",
    "excluded",
    "spend_sek",
    "price_index_ratio",
    "kpi_year",
    "kpi_substituted",
    "spend_sek_factor_year",
    "kg_co2e_per_sek",
    "factor_price_year",
    "factor_kind",
    "factor_set",
    "factor_source",
    "kg_co2e",
)
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def lines_frame(analysis: SpendAnalysis) -> pd.DataFrame:
    """Every line with how it was linked, categorised and priced: the audit trail.

    Text that a spreadsheet would read as a formula (starting with =, +, -, @, tab, CR, LF) gets
    a leading apostrophe, so the CSV is safe to open in Excel; numbers are left as numbers.
    """
    lines = analysis.lines
    frame = lines[[c for c in LINE_COLUMNS if c in lines]].copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_string_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype):
            text = values.astype("string")
            risky = text.str.startswith(_FORMULA_TRIGGERS).fillna(False)
            if risky.any():
                frame[column] = text.mask(risky, "'" + text)
    return frame
