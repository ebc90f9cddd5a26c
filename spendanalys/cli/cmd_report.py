"""``spendanalys report``: the sustainability-report document from the same inputs and options as
``spend`` and ``travel`` (DESIGN.md §5).

The options are those of the two commands, taken from their parsers, so an option added to
either is here too; the travel factor set is ``--travel-factors`` (``--factors`` is the spend
set's, as in ``spend``). Either pair of inputs may be left out: the document then has the other
section only.
"""

from __future__ import annotations

import argparse
import copy
import sys

from spendanalys.cli import cmd_spend, cmd_travel
from spendanalys.cli.common import add_lang_option
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import t

OWN = {"format", "out", "help", "top", "lines", "include_trips", "by_framework"}  # not carried over
RENAMED = {"factors": ("--travel-factors", "travel_factors")}  # travel options named apart


def _source(register: object) -> argparse.ArgumentParser:
    scratch = argparse.ArgumentParser(add_help=False)
    register(scratch.add_subparsers())  # type: ignore[operator]
    action = next(a for a in scratch._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = next(iter(action.choices.values()))
    return parser


def _carry(target: argparse.ArgumentParser, source: argparse.ArgumentParser, rename: bool) -> None:
    taken = {s for a in target._actions for s in a.option_strings}
    for action in source._actions:
        if action.dest in OWN:
            continue
        new = copy.copy(action)
        new.required = False  # either analysis may be left out (checked in run)
        if set(new.option_strings) & taken:
            if not (rename and action.dest in RENAMED):
                continue  # the same option in both commands (--column, --sheet, …): shared
            option, dest = RENAMED[action.dest]
            new.option_strings, new.dest = [option], dest
            new.help = f"travel: {action.help}"
        target._add_action(new)
        taken |= set(new.option_strings)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="the sustainability-report document (Word) from both analyses",
        description=(
            "Write the sections on procurement (Upphandling) and business travel (Tjänsteresor) "
            "of the sustainability report as a Word document: paragraphs written from the "
            "figures, charts, tables and an appendix on method, sources and data quality. Takes "
            "the inputs and options of 'spend' and 'travel' (the travel factor set as "
            "--travel-factors)."
        ),
    )
    parser.add_argument("--format", choices=["docx"], default="docx")
    parser.add_argument("--out", required=True, metavar="PATH", help="the .docx to write")
    add_lang_option(parser, "the document")
    _carry(parser, _source(cmd_spend.register), rename=False)
    _carry(parser, _source(cmd_travel.register), rename=True)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.reports.document import write_report_document
    from spendanalys.spend.payload import spend_payload
    from spendanalys.travel.summary import travel_payload

    has_travel = bool(args.trips) or bool(args.fte)
    if not args.contracts and not has_travel:
        raise ConfigurationError("report needs --contracts, or --trips and --fte, or both")
    if has_travel and not (args.trips and args.fte):
        raise ConfigurationError("the travel section needs both --trips and --fte")
    spend = travel = None
    if args.contracts:
        result = cmd_spend.analyse(args)
        spend = spend_payload(result.analysis, factor_sets=result.factor_sets)
    if has_travel:
        travel_args = argparse.Namespace(**{**vars(args), "factors": args.travel_factors})
        travel = travel_payload(cmd_travel.analyse(travel_args))
    write_report_document(args.out, spend=spend, travel=travel, lang=args.lang)
    print(t("cli.wrote", args.lang, path=args.out), file=sys.stderr)
    return 0
