"""``spendanalys factors build``: a factor set in the project's format from an MRIO system
(EXIOBASE 3 through pymrio) or a per-product table, through a concordance and the price steps.

The result loads with ``spendanalys spend --factors FILE``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spendanalys.cli.common import add_lang_option
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import t


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "factors",
        help="factor sets: build one from EXIOBASE 3 (pymrio) or a per-product table",
        description="Work with spend factor sets.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="build a factor set (kg CO2e/SEK per category) for one region",
        description=(
            "Turn per-product factors into a factor set per purchase category: an EXIOBASE 3 "
            "release you downloaded (the zip as published, read with pymrio) for --region, or "
            "a plain CSV (product,factor,unit,currency,year). Products are mapped to categories "
            "by --concordance (default: the shipped EXIOBASE 3 concordance), converted to SEK "
            "at --year's exchange rate and brought to --price-year with KPI."
        ),
    )
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--mrio",
        metavar="PATH",
        help="an EXIOBASE 3 release (zip or folder), or 'test' for pymrio's test system",
    )
    source.add_argument(
        "--table", metavar="CSV", help="per-product factors: product,factor,unit,currency,year"
    )
    build.add_argument("--region", help="the MRIO region, e.g. SE (with --mrio)")
    build.add_argument(
        "--stressor",
        default="GHG emissions AR5 (GWP100)",
        help="the stressor or impact row of the MRIO system to use (a CO2e row)",
    )
    build.add_argument("--extension", default=None, help="the MRIO extension that holds it")
    build.add_argument("--concordance", default=None, metavar="CSV", help="product → category")
    build.add_argument(
        "--year", type=int, default=None, help="the year of the source's money (MRIO model year)"
    )
    build.add_argument("--price-year", type=int, default=2022, help="the set's price year")
    build.add_argument("--source", default=None, help="the source as the set should name it")
    build.add_argument("--licence", default="", help="the source's licence (carried in the set)")
    build.add_argument(
        "--price-basis",
        default="basic price excl. VAT (no trade and transport margins)",
        help="the price basis of the source's factors (EXIOBASE: basic price)",
    )
    build.add_argument("--gwp", default="", help="the GWP basis, e.g. AR5 GWP100")
    build.add_argument("--data-dir", default=None, metavar="DIR", help="tables (KPI, rates)")
    build.add_argument("--out", required=True, metavar="CSV", help="where to write the set")
    add_lang_option(build)
    build.set_defaults(func=run)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def run(args: argparse.Namespace) -> int:
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.services.factor_build import (
        build_factor_file,
        mrio_product_factors,
        read_mrio,
        table_product_factors,
    )
    from spendanalys.spend.categories import load_category_rules

    if args.mrio:
        if not args.region:
            raise ConfigurationError("--mrio needs --region")
        products = mrio_product_factors(
            read_mrio(args.mrio), args.region, args.stressor, extension=args.extension
        )
    else:
        products = table_product_factors(args.table)
    rules = load_category_rules(data_dir=args.data_dir)
    text = build_factor_file(
        products,
        categories=list(rules.tree["category_id"].astype(str).drop_duplicates()),
        concordance=args.concordance,
        currency_year=args.year,
        price_year=args.price_year,
        source=args.source,
        licence=args.licence,
        price_basis=args.price_basis,
        gwp=args.gwp,
        data_dir=args.data_dir,
    )
    Path(args.out).write_text(text, encoding="utf-8", newline="")
    rows = sum(1 for line in text.splitlines() if line and not line.startswith("#")) - 1
    print(t("cli.factors.wrote", args.lang, path=args.out, n=rows), file=sys.stderr)
    return 0
