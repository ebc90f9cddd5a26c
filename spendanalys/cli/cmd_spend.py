"""``spendanalys spend``: rank every agreement by its spend-based emissions (DESIGN.md §5)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import date
from pathlib import Path

from spendanalys.cli.common import (
    add_column_option,
    add_lang_option,
    keep_freed_memory,
    use_system_arrow_allocator,
)
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import DEFAULT_LANGUAGE, t
from spendanalys.i18n.columns import Col
from spendanalys.jsonable import json_text

RULE_OPTIONS = {
    "cpv_map": "CPV prefix → category table (cpv_prefix,category_id,note)",
    "account_map": "account range → category table (account_from,account_to,category_id,exclude)",
    "keyword_map": "keyword → category table (keyword,category_id,note)",
    "aliases": "category alias table (alias,category_id)",
    "supplier_map": "supplier → category table (org_number,supplier,category_id,note)",
    "categories": "category tree (category_id,group_id,group_sv,group_en,name_sv,name_en,…)",
}
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


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spend",
        help="miljöspendanalys: agreements ranked by spend-based emissions",
        description=(
            "Link invoice lines to agreements, categorise them, price them with a spend-based "
            "factor set (kg CO2e per SEK) and rank the agreements. Without --invoices, each "
            "agreement's stated value is its spend (an estimate)."
        ),
    )
    parser.add_argument(
        "--contracts",
        action="append",
        required=True,
        metavar="FILE",
        help="the contract register (avtalsförteckning), CSV or XLSX (repeatable)",
    )
    parser.add_argument(
        "--invoices",
        action="append",
        default=[],
        metavar="FILE",
        help="supplier-invoice export (leverantörsreskontra) (repeatable)",
    )
    parser.add_argument(
        "--factors",
        action="append",
        default=[],
        metavar="FILE",
        help="a factor set CSV (category,factor,unit,price_year,source); repeat "
        "to compare sets, the first prices the ranking; 'default' is the "
        "built-in set",
    )
    parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
    parser.add_argument("--out", default=None, metavar="PATH", help="write here (xlsx needs it)")
    add_lang_option(parser, "the xlsx report")
    parser.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="DATE",
        help="date for the 'ends soon' flags (default: today)",
    )
    parser.add_argument(
        "--months",
        type=int,
        default=12,
        help="'ends soon' means within this many months (default 12)",
    )
    parser.add_argument(
        "--rank-move",
        type=int,
        default=5,
        help="flag agreements whose rank moves more than this between factor sets (default 5)",
    )
    for option, text in RULE_OPTIONS.items():
        parser.add_argument(
            f"--{option.replace('_', '-')}",
            default=None,
            metavar="FILE",
            help=f"your own {text}; extends the built-in one",
        )
    parser.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="a folder holding a complete set of rule, factor, KPI and "
        "exchange-rate tables in the built-in format (default: "
        "emission_factors/spend)",
    )
    parser.add_argument(
        "--replace-rules",
        action="store_true",
        help="your rule files replace the built-in tables instead of extending",
    )
    parser.add_argument(
        "--lines",
        default=None,
        metavar="PATH",
        help="also write every invoice line with its link rule, category rule "
        "and factor (CSV, UTF-8) — the audit trail behind each figure",
    )
    parser.add_argument("--top", type=int, default=20, help="rows shown by --format table")
    parser.add_argument(
        "--by-framework",
        action="store_true",
        help="--format table: rank per framework agreement (ramavtal, the framework_id column), "
        "call-offs summed under it; JSON always has 'frameworks'",
    )
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        metavar="YYYY",
        help="rank one year: only invoice lines dated in YYYY (default: every year, split by "
        "year in the output)",
    )
    parser.add_argument(
        "--amounts-include-vat",
        action="store_true",
        help="the invoice amounts are incl. VAT (gross): made net with the VAT rate of each "
        "line's category (a 'Belopp inkl. moms' column is recognised without this)",
    )
    parser.add_argument(
        "--trips",
        action="append",
        default=[],
        metavar="FILE",
        help="business trips (with --fte): the combined total counts travel once, from these "
        "trips, and leaves the travel bought on invoices out (repeatable)",
    )
    parser.add_argument(
        "--fte", action="append", default=[], metavar="FILE", help="FTE per year (with --trips)"
    )
    add_column_option(parser)
    parser.set_defaults(func=run)


def analyse(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The spend run of the parsed options (``spendanalys report`` shares it)."""
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.services.assembly import run_spend

    use_system_arrow_allocator()
    keep_freed_memory([*args.contracts, *args.invoices])
    rule_files = {k: getattr(args, k) for k in RULE_OPTIONS if getattr(args, k)}
    result = run_spend(
        args.contracts,
        args.invoices,
        args.factors,
        columns=args.column,
        sheet=args.sheet,
        header_row=args.header_row,
        defaults=args.default,
        as_of=args.as_of,
        rule_files=rule_files,
        extend_rules=not args.replace_rules,
        data_dir=args.data_dir,
        months_ending_soon=args.months,
        rank_move_threshold=args.rank_move,
        year=args.year,
        amounts_include_vat=args.amounts_include_vat,
    )
    if args.trips or args.fte:
        _combine_travel(result, args)
    return result


def run(args: argparse.Namespace) -> int:
    from spendanalys.cli.reasons import announce, print_reasons, spend_reason_notes
    from spendanalys.spend.payload import spend_payload

    if args.format == "xlsx" and not args.out:
        raise ConfigurationError("--format xlsx needs --out PATH")
    result = analyse(args)
    analysis = result.analysis
    reasons = spend_reason_notes(analysis, args.contracts)
    if args.format != "table":  # the table prints them first itself
        analysis.notes[:0] = reasons
    announce(reasons, args.format, args.out, args.lang)
    if args.lines:
        # imported when the command runs, so that start-up and --help stay fast
        from spendanalys.spend.payload import lines_frame

        lines_frame(analysis).to_csv(args.lines, index=False, encoding="utf-8-sig")
    if args.format == "json":
        _write_json(spend_payload(analysis, factor_sets=result.factor_sets), args.out)
    elif args.format == "xlsx":
        # imported when the command runs, so that start-up and --help stay fast
        from spendanalys.spend.report import write_spend_report

        write_spend_report(
            analysis, args.out, rules=result.rules, factor_sets=result.factor_sets, lang=args.lang
        )
        print(t("cli.wrote", args.lang, path=args.out), file=sys.stderr)
    else:
        with _output(args.out):
            print_reasons(reasons, args.lang)
            _print_summary(analysis, args.top, result.factor_sets, args.by_framework, args.lang)
    return 0


def _combine_travel(result, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    """Travel from the trips into the combined total (``totals.combined_kg_co2e``)."""
    if not (args.trips and args.fte):
        raise ConfigurationError("--trips and --fte go together")
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.cli.common import column_mapping
    from spendanalys.services.assembly import with_travel
    from spendanalys.travel.analysis import run_travel

    columns = {kind: column_mapping(args.column, kind) for kind in ("trips", "fte")}
    travel = run_travel(args.trips, args.fte, columns=columns, sheet=args.sheet)
    with_travel(result, travel.years)


def _write_json(payload: dict, out: str | None) -> None:  # type: ignore[type-arg]
    """The payload is plain Python already (``spend_payload``): dump it without a per-value
    converter; NaN cannot occur (``allow_nan=False`` would say so)."""
    text = json_text(payload, allow_nan=False)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


@contextlib.contextmanager
def _output(out: str | None):  # type: ignore[no-untyped-def]
    if not out:
        yield
        return
    with Path(out).open("w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
        yield


def _print_summary(  # type: ignore[no-untyped-def]
    analysis, top: int, factor_sets, by_framework: bool = False, lang: str = DEFAULT_LANGUAGE
) -> None:
    """The summary lines, the ranking, the rank moves, the priority list and the notes."""
    from spendanalys.cli.printed import fig, note_line, print_cols, significant
    from spendanalys.i18n import format_number
    from spendanalys.i18n.columns import code

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
    from spendanalys.cli.printed import fig

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
    from spendanalys.cli.printed import significant

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
    from spendanalys.i18n import format_number, format_percent

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
    from spendanalys.cli.printed import print_cols
    from spendanalys.i18n import format_number

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
    from spendanalys.cli.printed import print_cols
    from spendanalys.i18n import format_number

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
