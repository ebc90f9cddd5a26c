"""What ``spendanalys spend`` prints: the summary lines, the ranking, the rank moves between
factor sets, the priority list and the notes, in the catalogue's words (``--lang``)."""

from __future__ import annotations

from spendanalys.cli.printout import fig, note_line, print_cols, significant
from spendanalys.i18n import DEFAULT_LANGUAGE, format_number, format_percent, t
from spendanalys.i18n.columns import Col, code

# The printed tables: each column's catalogue label and unit as the workbook has them
# (spend/report/columns.py): spend in tkr, emissions in tonnes, intensity in g CO2e per krona.
TABLE_COLUMNS = [
    Col("rank", "col.rank", "int"),
    Col("agreement_id", "col.agreement_id"),
    Col("name", "col.name"),
    Col("supplier", "col.supplier"),
    Col("category", "col.category"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("kg_co2e_per_sek", "rpt.col.intensity", "g_per_sek"),
    Col("requirements", "col.requirements", values="requirements"),
    Col("end_date", "col.end_date", date=True),
]
PRIORITY_COLUMNS = [
    Col("priority", "rpt.col.priority", "int"),
    Col("rank", "col.rank", "int"),
    Col("agreement_id", "col.agreement_id"),
    Col("name", "col.name"),
    Col("end_date", "col.end_date", date=True),
]
FRAMEWORK_COLUMNS = [
    Col("rank", "col.rank", "int"),
    Col("framework_id", "cli.col.framework_id"),
    Col("agreements", "rpt.col.agreements", "int"),
    Col("spend_sek", "rpt.col.spend", "tkr"),
    Col("kg_co2e", "rpt.col.emissions", "t"),
    Col("with_requirements", "cli.col.with_requirements", "int"),
    Col("requirements_unknown", "cli.col.requirements_unknown", "int"),
    Col("agreement_ids", "cli.col.agreement_ids"),
]


def print_summary(  # type: ignore[no-untyped-def]
    analysis, top: int, factor_sets, by_framework: bool = False, lang: str = DEFAULT_LANGUAGE
) -> None:
    """The summary lines, the ranking, the rank moves, the priority list and the notes."""

    totals = analysis.totals
    basis = "invoices" if analysis.spend_basis == "invoices" else "estimate"
    print(
        t(
            "cli.spend.heading",
            lang,
            title=t("rpt.spend.title", lang),
            as_of=analysis.as_of,
            basis_label=t("rpt.col.spend_basis", lang),
            basis=code(basis, "spend_basis", lang),
        )
    )
    stated = t("rpt.years.grade.not_stated", lang)
    named = [
        fs.describe(label) for label, fs in zip(analysis.factor_sets, factor_sets, strict=True)
    ]
    sets = "; ".join(
        t(
            "cli.spend.factor_set",
            lang,
            name=d["name"],
            version=d["version"] or stated,
            file=d["file"],
            licence=d["licence"] or stated,
        )
        for d in named
    )
    print(f"{t('rpt.spend.factors_used', lang)}: {sets}")
    figures = [
        ("rpt.spend.total_spend", "spend_sek", "msek"),
        ("rpt.spend.total_emissions", "kg_co2e", "t"),
        ("rpt.spend.linked", "linked_spend_sek", "msek"),
        ("rpt.spend.unlinked", "unlinked_spend_sek", "msek"),
        ("rpt.spend.uncategorised", "uncategorised_spend_sek", "msek"),
        ("rpt.spend.excluded", "excluded_spend_sek", "msek"),
    ]
    print(
        "; ".join(
            f"{t(key, lang)}: {fig(totals[field], unit, lang)}" for key, field, unit in figures
        )
    )
    if len(analysis.factor_sets) > 1 and totals.get("kg_co2e_range"):
        low, high = totals["kg_co2e_range"]
        print(
            t(
                "sens.ranking_note",
                lang,
                low=significant(low, lang),
                high=significant(high, lang),
                robust=format_number(totals["rank_robust_agreements"], lang),
                agreements=format_number(totals["agreements"], lang),
            )
        )
    print(
        t(
            "cli.spend.counts",
            lang,
            agreements_label=t("rpt.spend.agreements", lang),
            agreements=format_number(totals["agreements"], lang),
            pareto_label=t("rpt.spend.pareto_agreements", lang),
            pareto=format_number(totals["pareto_agreements"], lang),
            rejected_label=t("rpt.sheet.rejected", lang),
            rejected=format_number(len(analysis.rejected), lang),
        )
    )
    print(
        t(
            "cli.spend.requirements_all",
            lang,
            share=fig(totals["share_agreements_with_requirements"], "share", lang),
            n=format_number(totals["agreements_with_requirements"], lang),
            total=format_number(totals["agreements"], lang),
            unknown=format_number(totals["agreements_requirements_unknown"], lang),
        )
    )
    print(kpi_sentence(analysis.requirements_kpi, lang))
    if totals.get("ongoing_agreements"):
        print(
            t(
                "cli.spend.requirements_ongoing_spend",
                lang,
                share=fig(totals["share_ongoing_spend_with_requirements"], "share", lang),
                unknown=format_number(totals["ongoing_agreements_requirements_unknown"], lang),
                total=format_number(totals["ongoing_agreements"], lang),
            )
        )
    _print_years_and_travel(totals, lang)
    print()
    if by_framework:
        _print_frameworks(analysis, top, lang)
        return
    head = analysis.agreements.head(top)
    print_cols(_with_range_column(head, lang), [*TABLE_COLUMNS, *_range_cols(head)], lang)
    _print_rank_moves(analysis, top, lang)
    if len(analysis.priority):
        print("\n" + t("cli.spend.priority", lang, title=t("spend.priority", lang)))
        priority = analysis.priority.head(top)
        print_cols(
            _with_range_column(priority, lang), [*PRIORITY_COLUMNS, *_range_cols(priority)], lang
        )
    for note in analysis.notes:
        print(note_line(note, lang))


def _print_years_and_travel(totals: dict, lang: str) -> None:  # type: ignore[type-arg]
    """Emissions per year (the same factors every year) and, with --trips, the combined total."""

    years = totals.get("by_year") or {}
    if len(years) > 1:
        each = "; ".join(
            f"{y} {fig(v['spend_sek'], 'msek', lang)}, {fig(v['kg_co2e'] or 0, 't', lang)}"
            for y, v in years.items()
        )
        print(t("cli.spend.per_year", lang, years=each))
    if "combined_kg_co2e" in totals:
        print(
            t(
                "cli.spend.combined",
                lang,
                total=fig(totals["combined_kg_co2e"], "t", lang),
                left_out=fig(totals["travel_left_out_sek"], "msek", lang),
                activity=fig(totals["travel_activity_kg_co2e"], "t", lang),
                years=", ".join(totals["combined_years"]) or t("cli.spend.no_common_year", lang),
            )
        )


RANGE = "_kg_co2e_range"  # the printed range column (tonnes, two significant figures)


def _range_cols(source) -> list[Col]:  # type: ignore[no-untyped-def]
    """The range and robustness columns, when the run compared factor sets."""
    if "kg_co2e_low" not in source:
        return []
    return [
        Col(RANGE, "cli.col.emissions_range", "t"),
        Col("rank_robust", "sens.col_rank_robust", values="yes_no"),
    ]


def _with_range_column(frame, lang: str):  # type: ignore[no-untyped-def]
    """``frame`` with the kg CO2e range over the factor sets as text, ``low–high`` tonnes."""

    if "kg_co2e_low" not in frame:
        return frame
    ranges = [
        "" if lo != lo or hi != hi else f"{significant(lo, lang)}–{significant(hi, lang)}"
        for lo, hi in zip(frame["kg_co2e_low"], frame["kg_co2e_high"], strict=True)
    ]
    return frame.assign(**{RANGE: ranges})


def kpi_sentence(kpi: dict, lang: str = DEFAULT_LANGUAGE) -> str:  # type: ignore[type-arg]
    """The KPI as the sustainability report words it: "39 pågående avtal med miljökrav, cirka
    20,6 % av alla 189 pågående avtal (2026-06-01); värdeviktat 23,4 %". When most ongoing
    agreements' miljökrav is unknown it says so, with the share over the known ones, instead of
    a bare low percentage."""

    if not kpi or not kpi.get("ongoing_agreements"):
        return t("cli.kpi.none", lang, as_of=kpi.get("as_of", "") if kpi else "").rstrip()

    def pct(share: float) -> str:
        return format_percent(share, lang, 1)

    text = t(
        "cli.kpi.sentence",
        lang,
        n=format_number(kpi["with_requirements"], lang),
        share=pct(kpi["share"]),
        total=format_number(kpi["ongoing_agreements"], lang),
        as_of=kpi["as_of"],
        value_share=pct(kpi["value_share"]),
        unknown=format_number(kpi["unknown"], lang),
        unknown_share=pct(kpi["unknown_share"]),
    )
    if kpi["mostly_unknown"]:
        known = kpi["with_requirements"] + kpi["without_requirements"]
        text += ". " + t(
            "cli.kpi.mostly_unknown",
            lang,
            known=format_number(known, lang),
            share_of_known=pct(kpi["share_of_known"]),
        )
    return text


def _print_frameworks(analysis, top: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The ranking per framework agreement: call-offs summed under their framework_id (an
    agreement without one stands alone), with how many call-offs have miljökrav or unknown."""

    frameworks = analysis.frameworks
    is_framework = frameworks["is_framework"]
    print(
        t(
            "cli.spend.frameworks",
            lang,
            frameworks=format_number(int(is_framework.sum()), lang),
            calloffs=format_number(int(frameworks.loc[is_framework, "agreements"].sum()), lang),
            alone=format_number(int((~is_framework).sum()), lang),
        )
    )
    print_cols(frameworks, FRAMEWORK_COLUMNS, lang, max_rows=top)


def _print_rank_moves(analysis, top: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    """With several factor sets: the agreements whose rank moves, with their rank and emissions
    under each set (what the JSON's ``by_factor_set`` and the workbook's Faktorjämförelse
    carry), the largest move first."""

    if len(analysis.factor_sets) < 2:
        return
    comparison = analysis.factor_comparison
    moved = comparison[comparison["rank_moved"].to_numpy(dtype=bool)]
    heading = t(
        "cli.spend.rank_moves",
        lang,
        threshold=analysis.parameters.get("rank_move_threshold"),
        moved=format_number(len(moved), lang),
        total=format_number(len(comparison), lang),
    )
    if len(moved) > top:
        heading += ", " + t("cli.spend.first_shown", lang, n=top)
    print("\n" + heading)
    if not len(moved):
        return
    moved = moved.assign(_first=moved[f"rank__{analysis.factor_sets[0]}"]).sort_values(
        ["max_rank_move", "_first"], ascending=[False, True], na_position="last", kind="mergesort"
    )
    cols = [Col("agreement_id", "col.agreement_id"), Col("name", "col.name")]
    for label in analysis.factor_sets:
        cols += [
            Col(f"rank__{label}", "col.rank", "int"),
            Col(f"kg_co2e__{label}", "rpt.col.emissions", "t"),
        ]
    cols.append(Col("max_rank_move", "rpt.col.max_rank_move", "int"))
    print_cols(moved, cols, lang, max_rows=top, suffixes=_set_suffixes(analysis.factor_sets))


def _set_suffixes(labels) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each factor set's columns carry the set's name after their header: ``Rang (alt)``."""
    out: dict[str, str] = {}
    for label in labels:
        out[f"rank__{label}"] = out[f"kg_co2e__{label}"] = f" ({label})"
    return out
