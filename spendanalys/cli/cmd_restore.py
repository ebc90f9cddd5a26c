"""``spendanalys restore FILE``: put a checked backup back in place."""

from __future__ import annotations

import argparse

from spendanalys.cli.cmd_users import add_database_and_lang
from spendanalys.i18n import t


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="replace the database with a backup after checking it",
        description=(
            "The backup is checked first (SQLite: integrity check, schema revision, and every "
            "table against the schema of its revision and the types of its columns; "
            "PostgreSQL: pg_restore --list holds only the store's tables, sequences, "
            "constraints and indexes, and a known revision). Cached results are never "
            "restored: they are computed again. SQLite keeps a copy of the replaced database "
            "beside it. Stop imports while restoring, and restart the dashboard afterwards."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="a file written by 'spendanalys backup'")
    add_database_and_lang(parser)
    parser.set_defaults(func=_restore)


def _restore(args: argparse.Namespace) -> int:
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.store.backup import restore
    from spendanalys.store.database import Store

    with Store(args.database) as store:
        safety = restore(store, args.file)
        print(t("cli.restore.done", args.lang, database=store.describe(), file=args.file))
        if safety is not None:
            print(t("cli.restore.kept", args.lang, path=safety))
    return 0
