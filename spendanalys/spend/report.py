"""The Excel report of a miljöspendanalys (Swedish sheet names and headers).

Sheets: Sammanfattning (totals, miljökrav shares, top 10 and a bar chart), Avtal (the full
ranking), Prioritet (the priority list), Kategorier, Ej kopplat (unlinked and uncategorised spend
by supplier), Exkluderat (lines outside the purchase boundary), Faktorjämförelse (when several
factor sets were compared), Avvisade rader, Metod och källor (every factor used with source,
price year and derivation; the rule files; the caveats).

Written in openpyxl's write-only mode; every value goes through ``xlsx.safe_cell_value`` so no
text from the user's files can become a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from spendanalys.spend.analysis import SpendAnalysis
from spendanalys.spend.categories import CategoryRules
from spendanalys.spend.factors import SpendFactorSet
from spendanalys.spend.report_years import write_year_sheets
from spendanalys.xlsx import (
    DATE_FORMAT,
    DECIMAL_FORMAT,
    INTEGER_FORMAT,
    KG_FORMAT,
    PER_SEK_FORMAT,
    SEK_FORMAT,
    SHARE_FORMAT,
    Column,
    append_rows,
    formatted,
    safe_cell_value,
    set_widths,
    table_widths,
    write_table,
)

__all__ = ["safe_cell_value", "write_spend_report"]

TOP_N = 10

CAVEAT = (
    "Spendbaserade emissionsfaktorer är grova: de anger genomsnittliga utsläpp per krona för en "
    "hel varu- eller tjänstekategori, inte för den enskilda leverantören eller produkten. "
    "Standardfaktorerna är härledda från amerikanska data (US EPA Supply Chain GHG Emission "
    "Factors, kg CO2e per USD), omräknade till SEK med en angiven växelkurs och ett prisår; "
    "svenska produktionsförhållanden och importmönster kan ge andra värden. Använd resultatet "
    "för att prioritera, inte som en exakt klimatredovisning. En leverantörsspecifik faktor "
    "ersätter kategorins faktor och är markerad (faktortyp 'supplier')."
)

METHOD = (
    "Metod: kg CO2e = utgift (SEK, exkl. moms, omräknad till faktorns prisår med KPI) × faktor "
    "(kg CO2e per SEK), per fakturarad; summerat per avtal, kategori och leverantör (GHG "
    "Protocol Scope 3 kategori 1, spendbaserad metod). Fakturarader kopplas till avtal via "
    "avtalsnummer, annars via organisationsnummer eller leverantörsnamn när de pekar på exakt "
    "ett avtal. Kategori sätts i ordningen: angiven kategori → avtalets kategori → CPV-kod → "
    "konto → leverantör → nyckelord i fakturatexten. Utgift från ett år som KPI-tabellen inte "
    "täcker (ännu) räknas om med det närmaste index tabellen har, för ett senare år det senaste, "
    "som om priserna vore det årets; avtalen det gäller är markerade (KPI-år ersatt) och en "
    "anmärkning på sammanfattningen anger åren."
)

YES_NO = {True: "Ja", False: "Nej", None: "Okänd"}
REQUIREMENTS = {"yes": "Ja", "no": "Nej", "unknown": "Okänd"}
KIND_SV = {"supplier": "leverantörsspecifik", "category": "kategori"}
BASIS_SV = {"invoices": "fakturor", "estimate (agreement value)": "uppskattning (avtalsvärde)"}
RULE_SV = {
    "user_override": "ändrad av användare",
    "category": "avtalets kategori",
    "cpv": "CPV-kod",
    "supplier": "leverantör",
    "keyword": "nyckelord",
    "lines": "fakturaraderna",
    "uncategorised": "ingen kategori",
}


def _yes_no(value: object) -> str:
    return YES_NO.get(value if isinstance(value, bool) else None, "Okänd")


# The sensitivity over the factor sets (spend.sensitivity): lowest and highest kg CO2e, and
# whether the agreement keeps its place on (or off) the priority list under every set.
RANGE_COLUMNS = [
    Column("kg_co2e_low", "Utsläpp lägst, alla faktoruppsättningar (kg CO2e)", KG_FORMAT),
    Column("kg_co2e_high", "Utsläpp högst, alla faktoruppsättningar (kg CO2e)", KG_FORMAT),
    Column("rank_robust", "Rangen håller med alla faktoruppsättningar"),
]
AGREEMENT_COLUMNS = [
    Column("rank", "Rang", INTEGER_FORMAT),
    Column("agreement_id", "Avtals-ID"),
    Column("name", "Avtalsnamn"),
    Column("supplier", "Leverantör"),
    Column("org_number", "Org.nr"),
    Column("category", "Kategori"),
    Column("category_rule", "Kategori enligt"),
    Column("category_override", "Ändrad av (vem, när)"),
    Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
    *RANGE_COLUMNS,
    Column("kg_co2e_per_sek", "kg CO2e per SEK", PER_SEK_FORMAT),
    Column("rank_per_sek", "Rang per SEK", INTEGER_FORMAT),
    Column("share_of_kg", "Andel av utsläppen", SHARE_FORMAT),
    Column("cumulative_share", "Kumulativ andel", SHARE_FORMAT),
    Column("pareto", "Pareto (80 %)"),
    Column("requirements", "Miljökrav"),
    Column("end_date", "Slutdatum", DATE_FORMAT),
    Column("months_to_end", "Månader kvar", DECIMAL_FORMAT),
    Column("ends_within_months", "Löper ut snart"),
    Column("value_sek", "Avtalsvärde (SEK)", SEK_FORMAT),
    Column("spend_basis", "Utgiftsunderlag"),
    Column("invoice_lines", "Fakturarader", INTEGER_FORMAT),
    Column("spend_without_factor_sek", "Utgift utan faktor (SEK)", SEK_FORMAT),
    Column("factor_source", "Faktorkälla"),
    Column("factor_kind", "Faktortyp"),
    Column("factor_grade", "Faktorns kvalitetsklass"),
    Column("kpi_substituted", "KPI-år ersatt"),
]
AGREEMENT_MAPS = {
    "kpi_substituted": _yes_no,
    "rank_robust": _yes_no,
    "pareto": _yes_no,
    "ends_within_months": _yes_no,
    "requirements": lambda v: REQUIREMENTS.get(v, v),
    "spend_basis": lambda v: BASIS_SV.get(v, v),
    "category_rule": lambda v: RULE_SV.get(v, v),
    "factor_kind": lambda v: "; ".join(KIND_SV.get(k, k) for k in v.split("; ")) if v else v,
}

PRIORITY_COLUMNS = [
    Column("priority", "Prioritet", INTEGER_FORMAT),
    Column("rank", "Rang", INTEGER_FORMAT),
    Column("agreement_id", "Avtals-ID"),
    Column("name", "Avtalsnamn"),
    Column("supplier", "Leverantör"),
    Column("category", "Kategori"),
    Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
    *RANGE_COLUMNS,
    Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    Column("share_of_kg", "Andel av utsläppen", SHARE_FORMAT),
    Column("pareto", "Pareto (80 %)"),
    Column("requirements", "Miljökrav"),
    Column("end_date", "Slutdatum", DATE_FORMAT),
    Column("months_to_end", "Månader kvar", DECIMAL_FORMAT),
    Column("ends_within_months", "Löper ut snart"),
    Column("ended", "Har löpt ut"),
]
PRIORITY_MAPS = {**AGREEMENT_MAPS, "ended": _yes_no}

CATEGORY_COLUMNS = [
    Column("category_id", "Kategori-ID"),
    Column("name_sv", "Kategori"),
    Column("group_sv", "Grupp"),
    Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
    Column("share_of_kg", "Andel av utsläppen", SHARE_FORMAT),
    Column("share_of_spend", "Andel av utgiften", SHARE_FORMAT),
    Column("invoice_lines", "Fakturarader", INTEGER_FORMAT),
    Column("agreements", "Avtal", INTEGER_FORMAT),
    Column("kg_co2e_per_sek", "Faktor (kg CO2e per SEK)", PER_SEK_FORMAT),
    Column("factor_price_year", "Prisår", INTEGER_FORMAT),
    Column("factor_source", "Faktorkälla"),
]

UNLINKED_COLUMNS = [
    Column("supplier", "Leverantör"),
    Column("org_number", "Org.nr"),
    Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
    Column("spend_without_factor_sek", "Utgift utan faktor (SEK)", SEK_FORMAT),
    Column("invoice_lines", "Fakturarader", INTEGER_FORMAT),
    Column("categories", "Kategorier"),
    Column("link_note", "Varför ej kopplat"),
]
UNCATEGORISED_COLUMNS = [
    Column("supplier", "Leverantör"),
    Column("org_number", "Org.nr"),
    Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    Column("invoice_lines", "Fakturarader", INTEGER_FORMAT),
    Column("agreements", "Avtal"),
    Column("account", "Konton"),
    Column("texts", "Exempel på fakturatext"),
]
EXCLUDED_COLUMNS = [
    Column("account", "Konto"),
    Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
    Column("invoice_lines", "Fakturarader", INTEGER_FORMAT),
    Column("suppliers", "Leverantörer", INTEGER_FORMAT),
]
REJECTED_COLUMNS = [
    Column("file", "Fil"),
    Column("row", "Rad", INTEGER_FORMAT),
    Column("column", "Kolumn"),
    Column("reason", "Orsak"),
]
FACTOR_COLUMNS = [
    Column("factor_set", "Faktoruppsättning"),
    Column("category_id", "Kategori-ID"),
    Column("category", "Kategori"),
    Column("org_number", "Leverantör (org.nr)"),
    Column("kg_co2e_per_sek", "kg CO2e per SEK", PER_SEK_FORMAT),
    Column("value_as_written", "Värde som angivet"),
    Column("unit_as_written", "Enhet som angiven"),
    Column("price_year", "Prisår", INTEGER_FORMAT),
    Column("price_basis", "Prisbas"),
    Column("gwp_basis", "GWP"),
    Column("source", "Källa"),
    Column("licence", "Licens"),
    Column("derivation", "Härledning"),
]


def _sheet(
    wb: Workbook, title: str, tables: Sequence[tuple[pd.DataFrame, Sequence[Column]]]
) -> Any:
    ws = wb.create_sheet(title)
    widths: dict[int, float] = {}
    for frame, columns in tables:
        table_widths(frame, columns, widths)
    set_widths(ws, widths)
    ws.freeze_panes = "A2"
    return ws


def _summary(wb: Workbook, analysis: SpendAnalysis) -> None:
    t = analysis.totals
    top = analysis.agreements.head(TOP_N)
    top_columns = [
        *AGREEMENT_COLUMNS[:3],
        Column("supplier", "Leverantör"),
        Column("kg_co2e", "Utsläpp (kg CO2e)", KG_FORMAT),
        Column("spend_sek", "Utgift (SEK)", SEK_FORMAT),
        Column("share_of_kg", "Andel av utsläppen", SHARE_FORMAT),
        Column("requirements", "Miljökrav"),
        Column("end_date", "Slutdatum", DATE_FORMAT),
    ]
    ws = wb.create_sheet("Sammanfattning")
    widths = table_widths(top, top_columns)
    widths[1] = max(widths.get(1, 0), 44)
    widths[2] = max(widths.get(2, 0), 18)
    set_widths(ws, widths)
    rows: list[tuple[str, Any, str | None]] = [
        ("Total utgift (SEK)", t["spend_sek"], SEK_FORMAT),
        ("Totala utsläpp (kg CO2e)", t["kg_co2e"], KG_FORMAT),
        ("Utgift kopplad till avtal (SEK)", t["linked_spend_sek"], SEK_FORMAT),
        ("Utgift utan avtal (SEK)", t["unlinked_spend_sek"], SEK_FORMAT),
        ("Utgift utan kategori (SEK)", t["uncategorised_spend_sek"], SEK_FORMAT),
        ("Utgift utan faktor (SEK)", t["spend_without_factor_sek"], SEK_FORMAT),
        ("Exkluderat, ej inköp (SEK)", t["excluded_spend_sek"], SEK_FORMAT),
        ("Resor och logi, ingår i totalen (SEK)", t.get("travel_spend_sek"), SEK_FORMAT),
        ("Resor och logi, ingår i totalen (kg CO2e)", t.get("travel_kg_co2e"), KG_FORMAT),
        ("Antal avtal", t["agreements"], INTEGER_FORMAT),
        ("Andel avtal med miljökrav", t["share_agreements_with_requirements"], SHARE_FORMAT),
        ("Avtal där miljökrav är okänt", t["agreements_requirements_unknown"], INTEGER_FORMAT),
        ("Pågående avtal (per datum)", t.get("ongoing_agreements"), INTEGER_FORMAT),
        (
            "Andel pågående avtal med miljökrav",
            t.get("share_ongoing_agreements_with_requirements"),
            SHARE_FORMAT,
        ),
        (
            "Pågående avtal där miljökrav är okänt",
            t.get("ongoing_agreements_requirements_unknown"),
            INTEGER_FORMAT,
        ),
        (
            "Andel av utgiften i pågående avtal med miljökrav",
            t.get("share_ongoing_spend_with_requirements"),
            SHARE_FORMAT,
        ),
        ("Andel av utgiften med miljökrav", t["share_spend_with_requirements"], SHARE_FORMAT),
        ("Avtal i Pareto-mängden (80 %)", t["pareto_agreements"], INTEGER_FORMAT),
    ]
    ws.append([formatted(ws, "Miljöspendanalys", bold=True)])
    append_rows(
        ws,
        [
            ("Per datum", analysis.as_of),
            ("Utgiftsunderlag", BASIS_SV.get(analysis.spend_basis, analysis.spend_basis)),
            ("Faktoruppsättning", ", ".join(analysis.factor_sets)),
            (),
        ],
    )
    for label, value, fmt in rows:
        ws.append([safe_cell_value(ws, label), formatted(ws, value, fmt)])
    ws.append([])
    ws.append([formatted(ws, f"De {TOP_N} avtalen med störst utsläpp", bold=True)])
    header_row = 5 + len(rows) + 3
    write_table(ws, top, top_columns, value_maps=AGREEMENT_MAPS)
    if len(top) and top["kg_co2e"].notna().any():
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"De {TOP_N} avtalen med störst utsläpp (kg CO2e)"
        chart.y_axis.title = "kg CO2e"
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
        append_rows(ws, [("Anmärkning", note) for note in analysis.notes])


def _used_factors(
    analysis: SpendAnalysis, factor_sets: Sequence[SpendFactorSet], rules: CategoryRules
) -> pd.DataFrame:
    """The rows of each factor set that priced at least one line (category or supplier)."""
    lines = analysis.lines[~analysis.lines["excluded"].to_numpy(dtype=bool)]
    categories = set(lines["category_id"].dropna())
    orgs = set(lines["supplier_org"].dropna())
    names = rules.tree.drop_duplicates("category_id").set_index("category_id")["name_sv"]
    frames = []
    for label, fs in zip(analysis.factor_sets, factor_sets, strict=False):
        f = fs.factors.copy()
        org = f["org_number"] if "org_number" in f else pd.Series(pd.NA, index=f.index)
        used = (org.isna() & f["category_id"].isin(categories)) | (org.notna() & org.isin(orgs))
        f = f[used.to_numpy(dtype=bool)].copy()
        f["factor_set"] = label
        f["category"] = f["category_id"].map(names)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


SET_HEADERS = ("", "Namn", "Version", "Licens", "Fil", "Inbyggd/egen")


def _method(
    wb: Workbook,
    analysis: SpendAnalysis,
    rules: CategoryRules,
    factor_sets: Sequence[SpendFactorSet],
) -> None:
    used = _used_factors(analysis, factor_sets, rules)
    ws = wb.create_sheet("Metod och källor")
    widths = table_widths(used, FACTOR_COLUMNS)
    widths[1] = max(widths.get(1, 0), 30)
    set_widths(ws, widths)
    append_rows(ws, [("Metod", METHOD), ("Förbehåll", CAVEAT), ()])
    # Each set by name, version, licence and file name: never the path it was read from.
    ws.append([formatted(ws, v, bold=True) for v in SET_HEADERS])
    for label, fs in zip(analysis.factor_sets, factor_sets, strict=False):
        d = fs.describe(label)
        built_in = "inbyggd" if d["built_in"] else "egen"
        append_rows(
            ws, [("Faktoruppsättning", d["name"], d["version"], d["licence"], d["file"], built_in)]
        )
    ws.append([])
    sources = getattr(rules, "sources", {}) or {}
    where = {"(built-in)": "(inbyggd)", "(data folder)": "(datamapp)"}
    for key, value in sources.items():
        for english, swedish in where.items():
            value = value.replace(english, swedish)
        append_rows(ws, [("Kategoriregler", key, value)])
    for key, value in analysis.parameters.items():
        append_rows(ws, [("Parameter", key, value)])
    ws.append([])
    ws.append([formatted(ws, "Faktorer som använts", bold=True)])
    write_table(ws, used, FACTOR_COLUMNS)


def write_spend_report(
    analysis: SpendAnalysis,
    path: str | Path,
    *,
    rules: CategoryRules,
    factor_sets: Sequence[SpendFactorSet],
) -> None:
    """Write the analysis to an .xlsx workbook at ``path`` (overwritten).

    ``rules`` and ``factor_sets`` are the ones the analysis used; the method sheet lists the rule
    files and every factor that priced a line. Numbers are stored as numbers with formats Excel
    localises (``#,##0`` shows as ``1 234 567`` in Swedish Excel); headers are frozen.
    """
    wb = Workbook(write_only=True)
    _summary(wb, analysis)
    ws = _sheet(wb, "Avtal", [(analysis.agreements, AGREEMENT_COLUMNS)])
    write_table(ws, analysis.agreements, AGREEMENT_COLUMNS, value_maps=AGREEMENT_MAPS)
    ws = _sheet(wb, "Prioritet", [(analysis.priority, PRIORITY_COLUMNS)])
    write_table(ws, analysis.priority, PRIORITY_COLUMNS, value_maps=PRIORITY_MAPS)
    categories = analysis.categories.copy()
    categories["name_sv"] = (
        categories["name_sv"]
        .astype("object")
        .where(categories["category_id"].notna(), "(utan kategori)")
    )
    ws = _sheet(wb, "Kategorier", [(categories, CATEGORY_COLUMNS)])
    write_table(ws, categories, CATEGORY_COLUMNS)
    ws = _sheet(
        wb,
        "Ej kopplat",
        [(analysis.unlinked, UNLINKED_COLUMNS), (analysis.uncategorised, UNCATEGORISED_COLUMNS)],
    )
    write_table(ws, analysis.unlinked, UNLINKED_COLUMNS)
    ws.append([])
    ws.append([formatted(ws, "Utgift utan kategori, per leverantör", bold=True)])
    write_table(ws, analysis.uncategorised, UNCATEGORISED_COLUMNS)
    ws = _sheet(wb, "Exkluderat", [(analysis.excluded, EXCLUDED_COLUMNS)])
    write_table(ws, analysis.excluded, EXCLUDED_COLUMNS)
    if len(analysis.factor_sets) > 1:
        columns = [Column("agreement_id", "Avtals-ID"), Column("name", "Avtalsnamn")]
        for label in analysis.factor_sets:
            columns.append(Column(f"kg_co2e__{label}", f"kg CO2e ({label})", KG_FORMAT))
            columns.append(Column(f"rank__{label}", f"Rang ({label})", INTEGER_FORMAT))
        columns += [
            Column("max_rank_move", "Största rangförflyttning", INTEGER_FORMAT),
            Column("rank_moved", "Rangen flyttar"),
        ]
        ws = _sheet(wb, "Faktorjämförelse", [(analysis.factor_comparison, columns)])
        write_table(ws, analysis.factor_comparison, columns, value_maps={"rank_moved": _yes_no})
    rejected = pd.DataFrame(
        [r.as_dict() for r in analysis.rejected], columns=["file", "row", "column", "reason"]
    )
    ws = _sheet(wb, "Avvisade rader", [(rejected, REJECTED_COLUMNS)])
    write_table(ws, rejected, REJECTED_COLUMNS)
    write_year_sheets(wb, analysis)
    _method(wb, analysis, rules, factor_sets)
    wb.save(str(path))
