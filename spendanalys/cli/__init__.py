"""The command line: ``spendanalys`` and ``python -m spendanalys`` are the same program.

Each subcommand lives in a module ``spendanalys/cli/cmd_<name>.py`` with a
``register(subparsers)`` function that adds its parser and sets ``func``; they are found here,
so adding a command never edits this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from spendanalys import __version__
from spendanalys.errors import SpendanalysError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spendanalys",
        description=(
            "Miljöspendanalys (spend-based emissions per agreement) and business-travel "
            "CO2e per FTE for public agencies."
        ),
    )
    parser.add_argument("--version", action="version", version=f"spendanalys {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module(__name__)
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit status 0 on success, 2 with a one-line message on unreadable input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except SpendanalysError as exc:
        print(f"spendanalys {args.command}: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"spendanalys {args.command}: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
