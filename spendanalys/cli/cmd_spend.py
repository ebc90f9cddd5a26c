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
from spendanalys.i18n import t
from spendanalys.jsonable import json_text

RULE_OPTIONS = {
    "cpv_map": "CPV prefix → category table (cpv_prefix,category_id,note)",
    "account_map": "account range → category table (account_from,account_to,category_id,exclude)",
    "keyword_map": "keyword → category table (keyword,category_id,note)",
    "aliases": "category alias table (alias,category_id)",
    "supplier_map": "supplier → category table (org_number,supplier,category_id,note)",
    "categories": "category tree (category_id,group_id,group_sv,group_en,name_sv,name_en,…)",
}


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
    from spendanalys.cli.printout.spend import print_summary
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
            print_summary(analysis, args.top, result.factor_sets, args.by_framework, args.lang)
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
