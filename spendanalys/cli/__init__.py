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
from spendanalys.i18n import DEFAULT_LANGUAGE, t

_OS_ERROR_KEYS = {
    FileNotFoundError: "cli.err.not_found",
    IsADirectoryError: "cli.err.is_directory",
    PermissionError: "cli.err.permission",
}


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
    lang = getattr(args, "lang", DEFAULT_LANGUAGE)
    try:
        return int(args.func(args) or 0)
    except SpendanalysError as exc:
        # the dashboard's path: the error's English text worded through the catalogue
        from spendanalys.i18n.notes import worded

        print(f"spendanalys {args.command}: {worded(str(exc), lang)}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"spendanalys {args.command}: {_os_error(exc, lang)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _os_error(exc: OSError, lang: str) -> str:
    """``<file>: <why>``, the why in the catalogue's words (the system's own text otherwise)."""
    key = _OS_ERROR_KEYS.get(type(exc))
    return f"{exc.filename}: {t(key, lang) if key else exc.strerror}"
