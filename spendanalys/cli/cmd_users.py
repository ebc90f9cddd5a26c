"""``spendanalys users add|list|remove|passwd|role``: the dashboard's users and roles.

A new password must pass ``spendanalys.auth.check_password_policy`` (at least 12 characters,
not a common password); the refusal says why. ``passwd``, ``role`` and ``remove`` end the
user's dashboard sessions at once."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from spendanalys.auth import MIN_PASSWORD_LENGTH, ROLES
from spendanalys.errors import ConfigurationError
from spendanalys.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

if TYPE_CHECKING:
    # imported when the command runs, so that start-up and --help stay fast
    from spendanalys.store.database import Store


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="database URL (default: $SPENDANALYS_DATABASE_URL or var/spendanalys.sqlite)",
    )


def add_database_and_lang(parser: argparse.ArgumentParser) -> None:
    """``--database`` and ``--lang`` (the language of what the command prints)."""
    add_database_option(parser)
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the printed text (default {DEFAULT_LANGUAGE})",
    )


def _lang(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", DEFAULT_LANGUAGE))


PASSWORD_RULES = (
    f"A password has at least {MIN_PASSWORD_LENGTH} characters and is not a common password "
    "(nor one with digits added): a phrase of a few words works well."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="add, list, change or remove dashboard users")
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create a user with a role")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    add.epilog = PASSWORD_RULES
    add_database_and_lang(add)
    add.set_defaults(func=_add)

    passwd = actions.add_parser(
        "passwd", help="set a user's password (ends the user's sessions)", epilog=PASSWORD_RULES
    )
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    add_database_and_lang(passwd)
    passwd.set_defaults(func=_passwd)

    role = actions.add_parser("role", help="give a user another role (ends the user's sessions)")
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=ROLES)
    add_database_and_lang(role)
    role.set_defaults(func=_role)

    listing = actions.add_parser("list", help="list users and roles")
    add_database_and_lang(listing)
    listing.set_defaults(func=_list)

    remove = actions.add_parser("remove", help="delete a user")
    remove.add_argument("name")
    add_database_and_lang(remove)
    remove.set_defaults(func=_remove)


def read_password(from_stdin: bool, lang: str = DEFAULT_LANGUAGE) -> str:
    """The new password: one line of stdin, or typed twice at a terminal (never an argument,
    which other users could read in the process list)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ConfigurationError("no terminal to ask for the password; use --password-stdin")
    first = getpass.getpass(t("cli.users.password", lang))
    if getpass.getpass(t("cli.users.repeat", lang)) != first:
        raise ConfigurationError("the passwords differ")
    return first


def _store(args: argparse.Namespace) -> Store:
    from spendanalys.store.database import Store

    return Store(args.database)


def _add(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin, _lang(args))
    with _store(args) as store:
        store.add_user(args.name, password, args.role)
    print(t("cli.users.added", _lang(args), name=repr(args.name), role=args.role))
    return 0


def _passwd(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin, _lang(args))
    with _store(args) as store:
        store.set_password(args.name, password)
    print(t("cli.users.password_changed", _lang(args), name=repr(args.name)))
    return 0


def _role(args: argparse.Namespace) -> int:
    with _store(args) as store:
        store.set_role(args.name, args.role)
    print(t("cli.users.role_changed", _lang(args), name=repr(args.name), role=args.role))
    return 0


def _list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        users = store.list_users()
    if users.empty:
        print(t("cli.users.none", _lang(args)))
        return 0
    for row in users.itertuples():
        print(f"{row.name}\t{row.role}\t{row.created_at:%Y-%m-%d %H:%M} UTC")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with _store(args) as store:
        store.remove_user(args.name)
    print(t("cli.users.removed", _lang(args), name=repr(args.name)))
    return 0
