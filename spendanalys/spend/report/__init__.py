"""The Excel report of a miljöspendanalys, in the catalogue's words (Swedish by default).

Sheets: Sammanfattning (totals, miljökrav shares, top 10 and a bar chart), Avtal (the full
ranking), Prioritet (the priority list), Kategorier, Ej kopplat (unlinked and uncategorised spend
by supplier), Exkluderat (lines outside the purchase boundary), Faktorjämförelse (when several
factor sets were compared), Avvisade rader, År and Datakvalitet (per year and per factor grade,
``spend.report_years``), Metod och källor (every factor used with source, price year and
derivation; the rule files; the caveats).

Every header, coded value, note and reason comes from ``spendanalys.i18n`` (one vocabulary with
the dashboard); figures are in tonnes, g CO2e per krona, tkr and MSEK, each cell holding the
rounded value its format shows (``i18n.figures``). Written in openpyxl's write-only mode; every
value goes through ``xlsx.safe_cell_value`` so no text from the user's files can become a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from spendanalys.i18n import t
from spendanalys.i18n.figures import UNITS, rounded, with_unit
from spendanalys.i18n.notes import translate
from spendanalys.i18n.sheets import Col, code, sheet_columns, value_maps
from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.categories import CategoryRules
from spendanalys.spend.factors import SpendFactorSet
from spendanalys.spend.report.columns import (
    AGREEMENT_COLUMNS,
    CATEGORY_COLUMNS,
    EXCLUDED_COLUMNS,
    FACTOR_COLUMNS,
    PRIORITY_COLUMNS,
    REJECTED_COLUMNS,
    SUMMARY_ROWS,
    TOP_COLUMNS,
    TOP_N,
    UNCATEGORISED_COLUMNS,
    UNLINKED_COLUMNS,
)
from spendanalys.spend.report_years import write_year_sheets
from spendanalys.xlsx import (
    Column,
    append_rows,
    formatted,
    safe_cell_value,
    set_widths,
    table_widths,
    write_table,
)

__all__ = ["safe_cell_value", "write_spend_report"]


def category_names(rules: CategoryRules, lang: str) -> dict[str, str]:
    """Category id → its name in ``lang`` (Swedish names when English ones are missing)."""
    tree = rules.tree.drop_duplicates("category_id").set_index("category_id")
    names = tree[f"name_{lang}"] if f"name_{lang}" in tree else tree["name_sv"]
    return {str(k): str(v) for k, v in names.fillna(tree["name_sv"]).items()}


def _table(
    wb: Workbook,
    title: str,
    frame: pd.DataFrame,
    cols: Sequence[Col],
    lang: str,
    names: dict[str, str],
) -> Any:
    columns = sheet_columns(cols, lang)
    ws = wb.create_sheet(title)
    set_widths(ws, table_widths(frame, columns))
    ws.freeze_panes = "A2"
    write_table(ws, frame, columns, value_maps=value_maps(cols, lang, category_names=names))
    return ws


def _figure_rows(ws: Any, rows: Sequence[tuple[str, Any, str]], lang: str) -> None:
    for key, value, unit in rows:
        cell = formatted(ws, rounded(value, unit), UNITS[unit].excel_format)
        ws.append([safe_cell_value(ws, with_unit(t(key, lang), unit, lang)), cell])


def _summary(wb: Workbook, analysis: SpendAnalysis, lang: str, names: dict[str, str]) -> None:
    totals = analysis.totals
    top = analysis.agreements.head(TOP_N)
    columns = sheet_columns(TOP_COLUMNS, lang)
    ws = wb.create_sheet(t("rpt.sheet.summary", lang))
    widths = table_widths(top, columns)
    widths[1] = max(widths.get(1, 0), 44)
    widths[2] = max(widths.get(2, 0), 18)
    set_widths(ws, widths)
    ws.append([formatted(ws, t("rpt.spend.title", lang), bold=True)])
    basis = code(analysis.spend_basis, "spend_basis", lang)
    append_rows(
        ws,
        [
            (t("rpt.spend.as_of", lang), analysis.as_of),
            (t("rpt.col.spend_basis", lang), basis),
            (t("col.factor_set", lang), ", ".join(analysis.factor_sets)),
            (),
        ],
    )
    _figure_rows(ws, [(k, totals.get(f), u) for f, k, u in SUMMARY_ROWS], lang)
    ws.append([])
    heading = t("rpt.spend.top", lang, n=TOP_N)
    ws.append([formatted(ws, heading, bold=True)])
    header_row = 5 + len(SUMMARY_ROWS) + 3
    write_table(ws, top, columns, value_maps=value_maps(TOP_COLUMNS, lang, category_names=names))
    if len(top) and top["kg_co2e"].notna().any():
        chart = BarChart()
        chart.type = "bar"
        chart.title = with_unit(heading, "t", lang)
        chart.y_axis.title = t("rpt.unit.t", lang)
        chart.legend = None
        data = Reference(ws, min_col=5, min_row=header_row, max_row=header_row + len(top))
        labels = Reference(ws, min_col=3, min_row=header_row + 1, max_row=header_row + len(top))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        chart.x_axis.scaling.orientation = "maxMin"  # largest on top
        chart.height, chart.width = 9, 18
        ws.add_chart(chart, f"A{header_row + len(top) + 3}")
    if analysis.notes:
        ws.append([])
        note = t("col.note", lang)
        append_rows(ws, [(note, translate(n, lang)) for n in analysis.notes])


def used_factors(
    analysis: SpendAnalysis, factor_sets: Sequence[SpendFactorSet], names: dict[str, str]
) -> pd.DataFrame:
    """The rows of each factor set that priced at least one line (category or supplier)."""
    lines = analysis.lines[~analysis.lines["excluded"].to_numpy(dtype=bool)]
    categories = set(lines["category_id"].dropna())
    orgs = set(lines["supplier_org"].dropna())
    frames = []
    for set_label, fs in zip(analysis.factor_sets, factor_sets, strict=False):
        f = fs.factors.copy()
        org = f["org_number"] if "org_number" in f else pd.Series(pd.NA, index=f.index)
        used = (org.isna() & f["category_id"].isin(categories)) | (org.notna() & org.isin(orgs))
        f = f[used.to_numpy(dtype=bool)].copy()
        f["factor_set"] = set_label
        f["category"] = f["category_id"].map(names)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def parameter_value(name: str, value: Any, lang: str, names: dict[str, str]) -> Any:
    """A parameter's value in words: category ids by name, ``none`` as a word."""
    if name == "travel_groups" and isinstance(value, str):
        return "; ".join(names.get(v.strip(), v) for v in value.split(","))
    if value in ("none", None, ""):
        return t("rpt.word.none", lang)
    if isinstance(value, bool):
        return code(value, "yes_no", lang)
    return value


def _method(
    wb: Workbook,
    analysis: SpendAnalysis,
    rules: CategoryRules,
    factor_sets: Sequence[SpendFactorSet],
    lang: str,
    names: dict[str, str],
) -> None:
    used = used_factors(analysis, factor_sets, names)
    columns = sheet_columns(FACTOR_COLUMNS, lang)
    ws = wb.create_sheet(t("rpt.sheet.method", lang))
    widths = table_widths(used, columns)
    widths[1] = max(widths.get(1, 0), 30)
    set_widths(ws, widths)
    append_rows(
        ws,
        [
            (t("rpt.word.method", lang), t("rpt.spend.method", lang)),
            (t("rpt.word.caveat", lang), t("rpt.spend.caveat", lang)),
            (),
        ],
    )
    # Each set by name, version, licence and file name: never the path it was read from.
    header = (
        "",
        t("rpt.col.set_name", lang),
        "Version",
        t("col.licence", lang),
        t("col.file", lang),
    )
    ws.append([formatted(ws, v, bold=True) for v in (*header, t("rpt.col.built_in", lang))])
    for set_label, fs in zip(analysis.factor_sets, factor_sets, strict=False):
        d = fs.describe(set_label)
        row = (t("col.factor_set", lang), d["name"], d["version"], d["licence"], d["file"])
        append_rows(ws, [(*row, code(bool(d["built_in"]), "built_in", lang))])
    ws.append([])
    sources = getattr(rules, "sources", {}) or {}
    where = {
        "(built-in)": t("rpt.word.built_in", lang),
        "(data folder)": t("rpt.word.data_dir", lang),
    }
    for key, value in sources.items():
        for english, word in where.items():
            value = value.replace(english, f"({word})")
        append_rows(ws, [(t("rpt.word.category_rules", lang), key, value)])
    for key, value in analysis.parameters.items():
        shown = parameter_value(key, value, lang, names)
        append_rows(ws, [(t("rpt.word.parameter", lang), t(f"rpt.param.{key}", lang), shown)])
    ws.append([])
    ws.append([formatted(ws, t("rpt.spend.factors_used", lang), bold=True)])
    write_table(ws, used, columns, value_maps=value_maps(FACTOR_COLUMNS, lang))


def _comparison(wb: Workbook, analysis: SpendAnalysis, lang: str, names: dict[str, str]) -> None:
    cols = [Col("agreement_id", "col.agreement_id"), Col("name", "col.name")]
    columns = sheet_columns(cols, lang)
    maps = value_maps(cols, lang)
    emissions, rank = t("rpt.col.emissions", lang), t("col.rank", lang)
    for set_label in analysis.factor_sets:
        kg, rk = f"kg_co2e__{set_label}", f"rank__{set_label}"
        header = f"{with_unit(emissions, 't', lang)} ({set_label})"
        columns.append(Column(kg, header, UNITS["t"].excel_format))
        columns.append(Column(rk, f"{rank} ({set_label})", UNITS["int"].excel_format))
        maps[kg] = lambda v: rounded(v, "t")
    extra = [Col("max_rank_move", "rpt.col.max_rank_move", "int")]
    extra.append(Col("rank_moved", "rpt.col.rank_moved", values="yes_no"))
    columns += sheet_columns(extra, lang)
    maps.update(value_maps(extra, lang))
    ws = wb.create_sheet(t("rpt.sheet.factor_comparison", lang))
    set_widths(ws, table_widths(analysis.factor_comparison, columns))
    ws.freeze_panes = "A2"
    write_table(ws, analysis.factor_comparison, columns, value_maps=maps)


def write_spend_report(
    analysis: SpendAnalysis,
    path: str | Path,
    *,
    rules: CategoryRules,
    factor_sets: Sequence[SpendFactorSet],
    lang: str = "sv",
) -> None:
    """Write the analysis to an .xlsx workbook at ``path`` (overwritten), in ``lang``.

    ``rules`` and ``factor_sets`` are the ones the analysis used; the method sheet lists the rule
    files and every factor that priced a line. Figures are stored rounded as shown (tonnes, tkr,
    MSEK, g CO2e per krona) with formats Excel localises; headers are frozen.
    """
    names = category_names(rules, lang)
    wb = Workbook(write_only=True)
    _summary(wb, analysis, lang, names)
    _table(wb, t("rpt.sheet.agreements", lang), analysis.agreements, AGREEMENT_COLUMNS, lang, names)
    _table(wb, t("rpt.sheet.priority", lang), analysis.priority, PRIORITY_COLUMNS, lang, names)
    categories = analysis.categories.copy()
    ids = categories["category_id"]
    categories["name"] = (
        ids.map(names).astype("object").where(ids.notna(), t("rpt.spend.no_category", lang))
    )
    group = "group_en" if lang == "en" and "group_en" in categories else "group_sv"
    categories["group"] = categories.get(group)
    _table(wb, t("rpt.sheet.categories", lang), categories, CATEGORY_COLUMNS, lang, names)
    unlinked_cols = sheet_columns(UNLINKED_COLUMNS, lang)
    uncategorised_cols = sheet_columns(UNCATEGORISED_COLUMNS, lang)
    ws = wb.create_sheet(t("rpt.sheet.unlinked", lang))
    widths = table_widths(analysis.unlinked, unlinked_cols)
    set_widths(ws, table_widths(analysis.uncategorised, uncategorised_cols, widths))
    ws.freeze_panes = "A2"
    maps = value_maps(UNLINKED_COLUMNS, lang, category_names=names)
    write_table(ws, analysis.unlinked, unlinked_cols, value_maps=maps)
    ws.append([])
    ws.append([formatted(ws, t("rpt.spend.uncategorised_heading", lang), bold=True)])
    maps = value_maps(UNCATEGORISED_COLUMNS, lang)
    write_table(ws, analysis.uncategorised, uncategorised_cols, value_maps=maps)
    _table(wb, t("rpt.sheet.excluded", lang), analysis.excluded, EXCLUDED_COLUMNS, lang, names)
    if len(analysis.factor_sets) > 1:
        _comparison(wb, analysis, lang, names)
    rejected = pd.DataFrame(
        [r.as_dict() for r in analysis.rejected], columns=["file", "row", "column", "reason"]
    )
    _table(wb, t("rpt.sheet.rejected", lang), rejected, REJECTED_COLUMNS, lang, names)
    # Spend and emissions per year, and emissions per factor grade.
    write_year_sheets(wb, analysis, lang)
    _method(wb, analysis, rules, factor_sets, lang, names)
    wb.save(str(path))
