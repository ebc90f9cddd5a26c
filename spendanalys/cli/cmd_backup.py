"""``spendanalys backup OUT``: a consistent copy of the database while the app runs."""

from __future__ import annotations

import argparse

from spendanalys.cli.cmd_users import add_database_and_lang
from spendanalys.i18n import t


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="copy the database to a file (online: the dashboard may keep running)",
        description=(
            "SQLite: SQLite's online backup API, checked with PRAGMA integrity_check before the "
            "file is given its name. PostgreSQL: pg_dump --format=custom. The file is created "
            "readable by its owner only (mode 0600): it holds the password hashes. The store "
            "keeps the current dataset versions and the last SPENDANALYS_KEEP_VERSIONS (5) "
            "others per kind; back up to keep older ones."
        ),
    )
    parser.add_argument("out", metavar="OUT", help="the backup file to write")
    add_database_and_lang(parser)
    parser.set_defaults(func=_backup)


def _backup(args: argparse.Namespace) -> int:
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.store.backup import backup
    from spendanalys.store.database import Store

    with Store(args.database) as store:
        path = backup(store, args.out)
        print(t("cli.backup.written", args.lang, database=store.describe(), path=path))
    return 0
