"""``spendanalys travel``: business-travel CO2e per FTE against the goal (DESIGN.md §3, §5)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spendanalys.cli.common import add_column_option, add_lang_option, column_mapping, write_json
from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.i18n import DEFAULT_LANGUAGE, t

if TYPE_CHECKING:  # pandas loads when the command runs, not for the parser (--help)
    import pandas as pd


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "travel",
        help="business-travel CO2e per FTE against the reduction goal",
        description=(
            "Compute CO2e of business trips per year and per FTE (årsarbetskraft), compare with "
            "the goal (baseline year × (1 − reduction) by the target year), split the change "
            "into its drivers and replay short flights as train journeys."
        ),
    )
    parser.add_argument(
        "--trips",
        action="append",
        required=True,
        metavar="FILE",
        help="trip export, CSV or XLSX (repeatable)",
    )
    parser.add_argument(
        "--fte",
        action="append",
        required=True,
        metavar="FILE",
        help="FTE per year (årsarbetskrafter), CSV or XLSX (repeatable)",
    )
    parser.add_argument(
        "--factors",
        default=None,
        metavar="FILE",
        help="travel factor set CSV (mode,band,cabin,factor,unit,source); default: the Swedish default set; 'desnz_2025' picks the built-in DESNZ set",
    )
    parser.add_argument(
        "--compare-factors",
        default=None,
        metavar="FILE",
        help="factor set to compare with on the same trips (default: the other built-in set)",
    )
    parser.add_argument("--baseline-year", type=int, default=2019)
    parser.add_argument("--target-year", type=int, default=2025)
    parser.add_argument(
        "--reduction",
        type=float,
        default=0.25,
        help="reduction per FTE by the target year (0.25 = −25 %%)",
    )
    parser.add_argument(
        "--uplift",
        type=float,
        default=0.08,
        help="flight distance uplift on the great circle (default 0.08)",
    )
    parser.add_argument(
        "--home-country",
        default="SE",
        help="ISO country code whose flights are domestic (default SE)",
    )
    parser.add_argument(
        "--radiative-forcing",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="include the high-altitude effect of flights (default: yes)",
    )
    parser.add_argument(
        "--hotels",
        choices=["in", "out"],
        default="in",
        help="hotel nights in the per-FTE headline and the goal (in, the default) or reported "
        "apart only (out); the choice is stated with every figure",
    )
    parser.add_argument(
        "--min-group",
        type=int,
        default=5,
        metavar="N",
        help="hide a unit or gender group with fewer than N travellers (default 5)",
    )
    parser.add_argument(
        "--what-if-train",
        type=float,
        default=500.0,
        metavar="KM",
        help="replay flights shorter than KM one way as train (default 500)",
    )
    parser.add_argument(
        "--train-route",
        action="append",
        default=[],
        metavar="A-B",
        help="also replay this route as train, e.g. STO-GOT (repeatable)",
    )
    parser.add_argument(
        "--route-figures",
        default=None,
        metavar="FILE",
        help="CSV route,train_cost_sek,train_hours,flight_hours[,flight_cost_sek] (one way, per "
        "traveller, door to door); overrides the agency's own median costs and the built-in route "
        "table (spendanalys/travel/data/route_times.csv)",
    )
    parser.add_argument(
        "--rail-detour", type=float, default=1.2, help="rail km = great circle × this (default 1.2)"
    )
    parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
    parser.add_argument("--out", default=None, metavar="PATH", help="write here (xlsx needs it)")
    add_lang_option(parser, "the xlsx report")
    parser.add_argument(
        "--include-trips", action="store_true", help="add every emission line to the JSON"
    )
    add_column_option(parser)
    parser.set_defaults(func=run)


def _route_figures(path: str | None) -> pd.DataFrame | None:
    if not path:
        return None
    import pandas as pd

    try:
        table = pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFormatError(path, f"cannot be read as CSV ({exc})") from exc
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "route" not in table:
        raise InputFormatError(path, "needs a 'route' column (e.g. STO-GOT)")
    for column in ("train_cost_sek", "train_hours", "flight_hours", "flight_cost_sek"):
        if column in table:
            table[column] = pd.to_numeric(
                table[column].astype(str).str.replace(",", ".").str.replace(" ", ""),
                errors="coerce",
            )
    return table


def analyse(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The travel summary of the parsed options (``spendanalys report`` shares it)."""
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.cli.reasons import announce
    from spendanalys.travel.analysis import TravelSettings, run_travel
    from spendanalys.travel.factors import load_travel_factor_set
    from spendanalys.travel.summary import summarise_travel

    settings = TravelSettings(
        baseline_year=args.baseline_year,
        target_year=args.target_year,
        reduction=args.reduction,
        uplift=args.uplift,
        home_country=args.home_country,
        radiative_forcing=args.radiative_forcing,
        train_threshold_km=args.what_if_train,
        train_routes=tuple(args.train_route),
        rail_detour=args.rail_detour,
        min_group_travellers=args.min_group,
        include_hotels=args.hotels == "in",
    )
    columns = {
        "trips": column_mapping(args.column, "trips"),
        "fte": column_mapping(args.column, "fte"),
    }
    analysis = run_travel(
        args.trips,
        args.fte,
        args.factors,
        columns,
        settings,
        sheet=args.sheet,
        header_row=args.header_row,
        defaults=args.default,
    )
    announce(analysis.reason_notes, args.format, args.out, getattr(args, "lang", DEFAULT_LANGUAGE))
    compare = load_travel_factor_set(args.compare_factors) if args.compare_factors else None
    summary = summarise_travel(
        analysis, compare_with=compare, route_figures=_route_figures(args.route_figures)
    )
    return summary


def run(args: argparse.Namespace) -> int:
    from spendanalys.cli.printout.travel import print_summary
    from spendanalys.travel.summary import travel_payload

    if args.format == "xlsx" and not args.out:
        raise ConfigurationError("--format xlsx needs --out PATH")
    summary = analyse(args)
    if args.format == "json":
        write_json(travel_payload(summary, include_trips=args.include_trips), args.out)
    elif args.format == "xlsx":
        # imported when the command runs, so that start-up and --help stay fast
        from spendanalys.travel.report import write_travel_report

        write_travel_report(summary, args.out, lang=args.lang)
        print(t("cli.wrote", args.lang, path=args.out), file=sys.stderr)
    else:
        with _output(args.out):
            print_summary(summary, args.lang)
    return 0


@contextlib.contextmanager
def _output(out: str | None):  # type: ignore[no-untyped-def]
    if not out:
        yield
        return
    with Path(out).open("w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
        yield
