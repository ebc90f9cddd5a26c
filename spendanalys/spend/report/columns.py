"""The spend workbook's columns and summary rows: field, catalogue label, unit, vocabulary.

Emissions in tonnes, money in tkr (agreements, categories) and MSEK (totals), intensities in
g CO2e per krona, shares in percent with one decimal (``i18n.figures``).
"""

from __future__ import annotations

from spendanalys.i18n.sheets import Col

TOP_N = 10

# The sensitivity over the factor sets (spend.sensitivity): lowest and highest kg CO2e, and
# whether the agreement keeps its place on (or off) the priority list under every set.
RANGE_COLUMNS = [
    Col("kg_co2e_low", "rpt.col.emissions_low", "t"),
    Col("kg_co2e_high", "rpt.col.emissions_high", "t"),
    Col("rank_robust", "rpt.col.rank_robust", values="yes_no"),
]
AGREEMENT_COLUMNS = [
    Col("rank", "col.rank", "int"),
    Col("agreement_id", "col.agreement_id"),
    Col("name", "col.name"),
    Col("supplier", "col.supplier"),
    Col("org_number", "col.org_number"),
    Col("category", "col.category"),
    Col("category_rule", "col.category_rule", values="category_rule"),
    Col("category_override", "col.category_override"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    *RANGE_COLUMNS,
    Col("kg_co2e_per_sek", "rpt.col.intensity", "g_per_sek"),
    Col("rank_per_sek", "rpt.col.rank_per_sek", "int"),
    Col("share_of_kg", "rpt.col.share_of_kg", "share"),
    Col("cumulative_share", "spend.cumulative", "share"),
    Col("pareto", "rpt.col.pareto", values="yes_no"),
    Col("requirements", "col.requirements", values="requirements"),
    Col("end_date", "col.end_date", date=True),
    Col("months_to_end", "col.months_to_end", "decimal"),
    Col("ends_within_months", "rpt.col.ends_soon", values="yes_no"),
    Col("value_sek", "rpt.col.value", "tkr"),
    Col("spend_basis", "rpt.col.spend_basis", values="spend_basis"),
    Col("invoice_lines", "col.invoice_lines", "int"),
    Col("spend_without_factor_sek", "rpt.col.spend_without_factor", "tkr"),
    Col("factor_source", "rpt.col.factor_source"),
    Col("factor_kind", "col.factor_kind", values="factor_kind"),
    Col("factor_grade", "spendyears.col_grade", values="grade"),
    Col("kpi_substituted", "rpt.col.kpi_substituted", values="yes_no"),
]
TOP_COLUMNS = [
    Col("rank", "col.rank", "int"),
    Col("agreement_id", "col.agreement_id"),
    Col("name", "col.name"),
    Col("supplier", "col.supplier"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("share_of_kg", "rpt.col.share_of_kg", "share"),
    Col("requirements", "col.requirements", values="requirements"),
    Col("end_date", "col.end_date", date=True),
]
PRIORITY_COLUMNS = [
    Col("priority", "rpt.col.priority", "int"),
    *TOP_COLUMNS[:4],
    Col("category", "col.category"),
    TOP_COLUMNS[4],
    *RANGE_COLUMNS,
    *TOP_COLUMNS[5:7],
    Col("pareto", "rpt.col.pareto", values="yes_no"),
    Col("requirements", "col.requirements", values="requirements"),
    Col("end_date", "col.end_date", date=True),
    Col("months_to_end", "col.months_to_end", "decimal"),
    Col("ends_within_months", "rpt.col.ends_soon", values="yes_no"),
    Col("ended", "rpt.col.ended", values="yes_no"),
]
CATEGORY_COLUMNS = [
    Col("name", "col.category"),
    Col("group", "col.group"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("share_of_kg", "rpt.col.share_of_kg", "share"),
    Col("share_of_spend", "rpt.col.share_of_spend", "share"),
    Col("invoice_lines", "col.invoice_lines", "int"),
    Col("agreements", "rpt.col.agreements", "int"),
    Col("kg_co2e_per_sek", "rpt.col.factor", "g_per_sek_factor"),
    Col("factor_price_year", "col.price_year", "year"),
    Col("factor_source", "rpt.col.factor_source"),
]
UNLINKED_COLUMNS = [
    Col("supplier", "col.supplier"),
    Col("org_number", "col.org_number"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("spend_without_factor_sek", "rpt.col.spend_without_factor", "tkr"),
    Col("invoice_lines", "col.invoice_lines", "int"),
    Col("categories", "rpt.col.categories", values="category"),
    Col("link_note", "col.link_note", values="note"),
]
UNCATEGORISED_COLUMNS = [
    Col("supplier", "col.supplier"),
    Col("org_number", "col.org_number"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("invoice_lines", "col.invoice_lines", "int"),
    Col("agreements", "rpt.col.agreements"),
    Col("account", "rpt.col.accounts"),
    Col("texts", "rpt.col.texts"),
]
EXCLUDED_COLUMNS = [
    Col("account", "col.account"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("invoice_lines", "col.invoice_lines", "int"),
    Col("suppliers", "rpt.col.suppliers", "int"),
]
REJECTED_COLUMNS = [
    Col("file", "col.file"),
    Col("row", "col.row", "year"),
    Col("column", "col.column"),
    Col("reason", "col.reason", values="note"),
]
FACTOR_COLUMNS = [
    Col("factor_set", "col.factor_set"),
    Col("category_id", "col.category_id"),
    Col("category", "col.category"),
    Col("org_number", "rpt.col.supplier_org"),
    Col("kg_co2e_per_sek", "rpt.col.factor", "g_per_sek_factor"),
    Col("value_as_written", "rpt.col.value_as_written"),
    Col("unit_as_written", "rpt.col.unit_as_written"),
    Col("price_year", "col.price_year", "year"),
    Col("price_basis", "rpt.col.price_basis"),
    Col("gwp_basis", "rpt.col.gwp"),
    Col("source", "rpt.col.source"),
    Col("licence", "col.licence"),
    Col("derivation", "rpt.col.derivation"),
]
# The summary's figures: totals key, label key, unit.
SUMMARY_ROWS = [
    ("spend_sek", "rpt.spend.total_spend", "msek"),
    ("kg_co2e", "rpt.spend.total_emissions", "t"),
    ("linked_spend_sek", "rpt.spend.linked", "msek"),
    ("unlinked_spend_sek", "rpt.spend.unlinked", "msek"),
    ("uncategorised_spend_sek", "rpt.spend.uncategorised", "msek"),
    ("spend_without_factor_sek", "rpt.spend.without_factor", "msek"),
    ("excluded_spend_sek", "rpt.spend.excluded", "msek"),
    ("travel_spend_sek", "rpt.spend.travel_spend", "msek"),
    ("travel_kg_co2e", "rpt.spend.travel_emissions", "t"),
    ("agreements", "rpt.spend.agreements", "int"),
    ("share_agreements_with_requirements", "rpt.spend.share_requirements", "share"),
    ("agreements_requirements_unknown", "rpt.spend.requirements_unknown", "int"),
    ("ongoing_agreements", "rpt.spend.ongoing", "int"),
    ("share_ongoing_agreements_with_requirements", "rpt.spend.ongoing_share", "share"),
    ("ongoing_agreements_requirements_unknown", "rpt.spend.ongoing_unknown", "int"),
    ("share_ongoing_spend_with_requirements", "rpt.spend.ongoing_spend_share", "share"),
    ("share_spend_with_requirements", "rpt.spend.share_spend_requirements", "share"),
    ("pareto_agreements", "rpt.spend.pareto_agreements", "int"),
]
