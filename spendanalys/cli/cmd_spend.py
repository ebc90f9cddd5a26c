"""``spendanalys spend``: rank every agreement by its spend-based emissions (DESIGN.md §5)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import date
from pathlib import Path

from spendanalys.cli.common import (
    add_column_option,
    format_sek,
    keep_freed_memory,
    print_table,
    use_system_arrow_allocator,
)
from spendanalys.errors import ConfigurationError
from spendanalys.jsonable import json_text

RULE_OPTIONS = {
    "cpv_map": "CPV prefix → category table (cpv_prefix,category_id,note)",
    "account_map": "account range → category table (account_from,account_to,category_id,exclude)",
    "keyword_map": "keyword → category table (keyword,category_id,note)",
    "aliases": "category alias table (alias,category_id)",
    "supplier_map": "supplier → category table (org_number,supplier,category_id,note)",
    "categories": "category tree (category_id,group_id,group_sv,group_en,name_sv,name_en,…)",
}
TABLE_COLUMNS = [
    "rank",
    "agreement_id",
    "name",
    "supplier",
    "category",
    "spend_sek",
    "kg_co2e",
    "kg_co2e_per_sek",
    "requirements",
    "end_date",
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
    parser.add_argument(
        "--lang", choices=["sv", "en"], default="sv", help="language of the xlsx report (sv)"
    )
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
    announce(reasons, args.format, args.out)
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
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        with _output(args.out):
            print_reasons(reasons)
            _print_summary(analysis, args.top, result.factor_sets, args.by_framework)
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


def _print_summary(analysis, top: int, factor_sets, by_framework: bool = False) -> None:  # type: ignore[no-untyped-def]
    from spendanalys.i18n import format_percent

    t = analysis.totals
    basis = "invoices" if analysis.spend_basis == "invoices" else "ESTIMATE from agreement values"
    print(f"Miljöspendanalys as of {analysis.as_of} — spend basis: {basis}")
    named = [
        fs.describe(label) for label, fs in zip(analysis.factor_sets, factor_sets, strict=True)
    ]
    print(
        "Factor sets: "
        + "; ".join(
            f"{d['name']} (version {d['version'] or 'not stated'}, {d['file']}, "
            f"licence {d['licence'] or 'not stated'})"
            for d in named
        )
    )
    print(
        f"Total spend {format_sek(t['spend_sek'])} SEK, {format_sek(t['kg_co2e'])} kg CO2e; "
        f"linked {format_sek(t['linked_spend_sek'])}, unlinked {format_sek(t['unlinked_spend_sek'])}, "
        f"uncategorised {format_sek(t['uncategorised_spend_sek'])}, "
        f"excluded (not purchases) {format_sek(t['excluded_spend_sek'])} SEK"
    )
    if len(analysis.factor_sets) > 1 and t.get("kg_co2e_range"):
        low, high = t["kg_co2e_range"]
        print(
            f"kg CO2e over the {len(analysis.factor_sets)} factor sets: {_range_text(low, high)} "
            f"(two significant figures); {t['rank_robust_agreements']} of {t['agreements']} "
            "agreements rank robustly"
        )
    print(
        f"Agreements: {t['agreements']}, {t['pareto_agreements']} make 80 % of the emissions; "
        f"rejected rows: {len(analysis.rejected)}"
    )
    print(
        f"Miljökrav, alla avtal: {format_percent(t['share_agreements_with_requirements'], 'sv', 1)}"
        f" ({t['agreements_with_requirements']} av {t['agreements']}; okänt för "
        f"{t['agreements_requirements_unknown']})"
    )
    print(kpi_sentence(analysis.requirements_kpi))
    if t.get("ongoing_agreements"):
        print(
            "Miljökrav, pågående avtal viktat efter utgift: "
            f"{format_percent(t['share_ongoing_spend_with_requirements'], 'sv', 1)} (okänt för "
            f"{t['ongoing_agreements_requirements_unknown']} av {t['ongoing_agreements']})"
        )
    _print_years_and_travel(t)
    print()
    if by_framework:
        _print_frameworks(analysis, top)
        return
    shown = analysis.agreements[TABLE_COLUMNS].head(top).copy()
    for column in ("spend_sek", "kg_co2e"):
        shown[column] = shown[column].map(format_sek)
    shown["kg_co2e_per_sek"] = shown["kg_co2e_per_sek"].map(lambda v: "" if v != v else f"{v:.4f}")
    shown["end_date"] = shown["end_date"].dt.strftime("%Y-%m-%d").fillna("")
    shown = _with_range_columns(shown, analysis.agreements.head(top))
    print_table(shown)
    _print_rank_moves(analysis, top)
    if len(analysis.priority):
        print("\nPriority (high impact, no miljökrav, soonest end first):")
        priority = analysis.priority.head(top)
        print_table(
            _with_range_columns(
                priority[["priority", "rank", "agreement_id", "name", "end_date"]], priority
            )
        )
    for note in analysis.notes:
        print(f"note: {note}")


def _print_years_and_travel(t: dict) -> None:  # type: ignore[type-arg]
    """kg CO2e per year (the same factors every year) and, with --trips, the combined total."""
    years = t.get("by_year") or {}
    if len(years) > 1:
        print(
            "Per year (same factors): "
            + "; ".join(
                f"{y} {format_sek(v['spend_sek'])} SEK, {format_sek(v['kg_co2e'] or 0)} kg CO2e"
                for y, v in years.items()
            )
        )
    if "combined_kg_co2e" in t:
        print(
            f"Purchases and travel, travel counted once: {format_sek(t['combined_kg_co2e'])} kg "
            f"CO2e ({format_sek(t['travel_left_out_sek'])} SEK of travel invoices replaced by "
            f"{format_sek(t['travel_activity_kg_co2e'])} kg from the trips, "
            f"{', '.join(t['combined_years']) or 'no common year'})"
        )


def _range_text(low: float, high: float) -> str:
    """A kg range to two significant figures: the precision a spend-based figure supports."""
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.spend.sensitivity import round_to_significant

    if low != low or high != high:
        return ""
    return f"{format_sek(round_to_significant(low))}–{format_sek(round_to_significant(high))}"


def _with_range_columns(shown, source):  # type: ignore[no-untyped-def]
    """``shown`` with the kg CO2e range over the factor sets and whether the rank is robust."""
    if "kg_co2e_low" not in source:
        return shown
    shown = shown.copy()
    shown["kg_co2e_range"] = [
        _range_text(float(lo), float(hi))
        for lo, hi in zip(source["kg_co2e_low"], source["kg_co2e_high"], strict=True)
    ]
    shown["robust"] = source["rank_robust"].map({True: "yes", False: "no"}).to_numpy()
    return shown


def kpi_sentence(kpi: dict) -> str:  # type: ignore[type-arg]
    """The KPI as the sustainability report words it, in Swedish figures (decimal comma):
    "39 pågående avtal med miljökrav, cirka 20,6 % av alla 189 pågående avtal (2026-06-01);
    värdeviktat 23,4 %". When most ongoing agreements' miljökrav is unknown it says so, with the
    share over the known ones, instead of a bare low percentage."""
    from spendanalys.i18n import format_percent

    if not kpi or not kpi.get("ongoing_agreements"):
        return f"Miljökrav: inga pågående avtal {kpi.get('as_of', '')}".rstrip()
    pct = lambda share: format_percent(share, "sv", 1)  # noqa: E731
    text = (
        f"{kpi['with_requirements']} pågående avtal med miljökrav, cirka {pct(kpi['share'])} "
        f"av alla {kpi['ongoing_agreements']} pågående avtal ({kpi['as_of']}); "
        f"värdeviktat {pct(kpi['value_share'])} (avtalsvärde)"
    )
    text += f"; miljökrav okänt för {kpi['unknown']} ({pct(kpi['unknown_share'])})"
    if kpi["mostly_unknown"]:
        text += (
            f". Obs: för de flesta pågående avtal är miljökrav okänt; av de "
            f"{kpi['with_requirements'] + kpi['without_requirements']} med känt värde har "
            f"{pct(kpi['share_of_known'])} miljökrav"
        )
    return text


def _print_frameworks(analysis, top: int) -> None:  # type: ignore[no-untyped-def]
    """The ranking per framework agreement: call-offs summed under their framework_id (an
    agreement without one stands alone), with how many call-offs have miljökrav or unknown."""
    frameworks = analysis.frameworks
    print(
        f"Per framework agreement: {int(frameworks['is_framework'].sum())} framework agreements "
        f"with {int(frameworks.loc[frameworks['is_framework'], 'agreements'].sum())} call-offs; "
        f"{int((~frameworks['is_framework']).sum())} agreements without one"
    )
    shown = (
        frameworks[
            [
                "rank",
                "framework_id",
                "agreements",
                "spend_sek",
                "kg_co2e",
                "with_requirements",
                "requirements_unknown",
                "agreement_ids",
            ]
        ]
        .head(top)
        .copy()
    )
    for column in ("spend_sek", "kg_co2e"):
        shown[column] = shown[column].map(format_sek)
    print_table(shown)


def _print_rank_moves(analysis, top: int) -> None:  # type: ignore[no-untyped-def]
    """With several factor sets: the agreements whose rank moves, with their rank and kg CO2e
    under each set (what the JSON's ``by_factor_set`` and the workbook's Faktorjämförelse
    carry), the largest move first."""
    if len(analysis.factor_sets) < 2:
        return
    comparison = analysis.factor_comparison
    moved = comparison[comparison["rank_moved"].to_numpy(dtype=bool)]
    threshold = analysis.parameters.get("rank_move_threshold")
    print(
        f"\nRank moves between factor sets (more than {threshold} places, or ranked under one "
        f"set only): {len(moved)} of {len(comparison)} agreements"
        + (f", the first {top} shown" if len(moved) > top else "")
    )
    if not len(moved):
        return
    moved = moved.assign(_first=moved[f"rank__{analysis.factor_sets[0]}"]).sort_values(
        ["max_rank_move", "_first"], ascending=[False, True], na_position="last", kind="mergesort"
    )
    shown = moved[["agreement_id", "name"]].copy()
    for label in analysis.factor_sets:
        shown[f"rank ({label})"] = moved[f"rank__{label}"].astype("string").fillna("–")
        shown[f"kg_co2e ({label})"] = moved[f"kg_co2e__{label}"].map(format_sek).replace("", "–")
    shown["max_rank_move"] = moved["max_rank_move"].astype("string").fillna("–")
    print_table(shown.head(top))
