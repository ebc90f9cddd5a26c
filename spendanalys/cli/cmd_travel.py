"""``spendanalys travel``: business-travel CO2e per FTE against the goal (DESIGN.md §3, §5)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spendanalys.cli.common import (
    add_column_option,
    column_mapping,
    format_sek,
    print_table,
    write_json,
)
from spendanalys.errors import ConfigurationError, InputFormatError

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
    parser.add_argument(
        "--lang", choices=["sv", "en"], default="sv", help="language of the xlsx report (sv)"
    )
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
    announce(analysis.reason_notes, args.format, args.out)
    compare = load_travel_factor_set(args.compare_factors) if args.compare_factors else None
    summary = summarise_travel(
        analysis, compare_with=compare, route_figures=_route_figures(args.route_figures)
    )
    return summary


def run(args: argparse.Namespace) -> int:
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
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        with _output(args.out):
            print_summary(summary)
    return 0


def print_naturvardsverket(summary) -> None:  # type: ignore[no-untyped-def]
    """Naturvårdsverket's yearly figures: tonnes and km per category, one column per year."""
    import pandas as pd

    from spendanalys.travel.naturvardsverket import FLIGHT_SPLIT_KM, naturvardsverket_table

    a = summary.analysis
    table = naturvardsverket_table(a.trips, FLIGHT_SPLIT_KM)
    if table.empty:
        return
    print(
        f"\nNaturvårdsverket's figures (t CO2e and km; km = pkm for flight, rail, bus, vkm for "
        f"car, taxi; hotel = room-nights, apart; hotel nights "
        f"{'in' if a.settings.include_hotels else 'NOT in'} the per-FTE headline):"
    )
    table = table.assign(
        t_co2e=table["t_co2e"].round(2), km=table["km"].round(0), what=table["category"]
    )
    tonnes = table.pivot(index="what", columns="year", values="t_co2e")
    km = table.pivot(index="what", columns="year", values="km")
    order = list(dict.fromkeys(table["what"]))
    shown = pd.concat(
        {"t_co2e": tonnes.reindex(order), "km": km.reindex(order)}, axis=1
    ).reset_index()
    shown.columns = [
        c if isinstance(c, str) else (c[0] if c[1] == "" else f"{c[0]} {c[1]}")
        for c in shown.columns
    ]
    print_table(shown)


@contextlib.contextmanager
def _output(out: str | None):  # type: ignore[no-untyped-def]
    if not out:
        yield
        return
    with Path(out).open("w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
        yield


def _fmt(value: float, digits: int = 1) -> str:
    return "" if value is None or value != value else f"{value:,.{digits}f}".replace(",", " ")


def print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from spendanalys.cli.reasons import print_reasons

    a = summary.analysis
    s = a.settings
    print_reasons(a.reason_notes)
    print(
        f"Business travel CO2e per FTE — factor set {a.factors.name}, radiative forcing "
        f"{'included' if s.radiative_forcing else 'NOT included'}, flight uplift {s.uplift:g}, "
        f"hotel nights {'included' if s.include_hotels else 'NOT included (--hotels out)'}"
    )
    print(
        f"Goal: {s.baseline_year} {_fmt(a.baseline['kg_co2e_per_fte'])} kg/FTE → "
        f"{s.target_year} {_fmt(a.target['kg_co2e_per_fte'])} kg/FTE (−{s.reduction:.0%})"
    )
    years = a.years.merge(a.path[["year", "path_kg_co2e_per_fte", "status"]], on="year", how="left")
    shown = pd.DataFrame(
        {
            "year": years["year"],
            "kg_co2e": years["kg_co2e"].map(format_sek),
            "fte": years["fte"].map(lambda v: _fmt(v)),
            "kg_per_fte": years["kg_co2e_per_fte"].map(lambda v: _fmt(v)),
            "path": years["path_kg_co2e_per_fte"].map(lambda v: _fmt(v)),
            "status": years["status"].fillna(""),
            **{
                m: years[f"kg_co2e_{m}"].map(format_sek)
                for m in ("flight", "rail", "car", "taxi", "bus", "hotel")
            },
        }
    )
    print_table(shown)
    if a.forecast:
        print(
            f"\n{a.target['year']} FORECAST {_fmt(a.forecast['kg_co2e_per_fte'])} kg/FTE ({a.forecast['method']})"
        )
    d = summary.decomposition
    if d:
        print(
            f"\nWhat drove the change {d['from_year']}→{d['to_year']} "
            f"({_fmt(d['total_change'])} kg/FTE, same factor set):"
        )
        for name, value in d["effects"].items():
            print(f"  {name.replace('_', ' '):<16} {_fmt(value):>10} kg/FTE")
    fc = summary.factor_comparison
    if fc is not None and len(fc):
        sets = fc.attrs.get("factor_sets", ("", ""))
        print(f"\nFactor set alone ({sets[0]} → {sets[1]}, same trips):")
        print_table(
            fc[["year", "kg_co2e_per_fte", "kg_co2e_per_fte_other", "difference_per_fte"]].round(1)
        )
    print_naturvardsverket(summary)
    routes = summary.what_if["routes"]
    print(
        f"\nTrain instead of flight (flights < {s.train_threshold_km:g} km one way"
        f"{', listed routes' if s.train_routes else ''}; rail km = great circle × {s.rail_detour:g}):"
    )
    if len(routes):
        print("  a comparison, not a verdict: cost and time one way per traveller, with sources")
        figures = [c for c in routes.columns if not c.endswith("_source") and c != "rail_cost_n"]
        print_table(routes[figures].drop(columns=["flight_cost_n"], errors="ignore").round(1))
        for r in routes.itertuples():
            print(
                f"  {r.route}: rail cost {r.rail_cost_source}; flight cost {r.flight_cost_source}; "
                f"times {r.time_source}"
            )
        print_table(
            summary.what_if["years"][
                ["year", "kg_co2e_per_fte", "kg_co2e_per_fte_after", "path_kg_co2e_per_fte"]
            ].round(1)
        )
    else:
        print("  no flight qualifies")
    for name, table in summary.breakdowns.items():
        print(f"\nBy {name} (groups under {s.min_group_travellers} travellers suppressed):")
        print_table(table.round(1))
    if summary.gender is not None and len(summary.gender):
        print(
            f"\nGender perspective (groups under {s.min_group_travellers} travellers suppressed; "
            "shares of traveller-trips; per traveller only with a traveller id):"
        )
        shown = summary.gender.drop(columns=["suppressed"]).copy()
        for column in shown.columns:
            if column.startswith("share_"):
                shown[column] = (shown[column] * 100).round(0)
        print_table(shown.round(1))
    print(f"\nRejected rows: {len(a.rejected)}")
    for r in a.rejected[:20]:
        print(f"  {r.file}, row {r.row}, {r.column}: {r.reason}")
    for note in a.notes[len(a.reason_notes) :]:
        print(f"note: {note}")
