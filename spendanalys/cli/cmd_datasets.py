"""``spendanalys datasets list|import|use|withdraw|audit`` and ``spendanalys adjustments
list|remove``: the dashboard's data and its history from the command line, for scripts and for
the day the browser is not at hand.

They work on the same store as the dashboard (``--database``, else $SPENDANALYS_DATABASE_URL,
else ``var/spendanalys.sqlite``). Whoever runs them has the database itself, so they act with
an administrator's rights, recorded under ``--user`` (default: the login name). ``import`` runs
the upload's checks: a file that looks like another kind, or most of whose rows are rejected,
is refused with exit status 2 unless ``--force``; a file that would replace years of the
current invoices or trips is refused unless ``--replace`` (the message names the years).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spendanalys.cli.cmd_users import add_database_and_lang
from spendanalys.cli.common import write_json
from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.i18n import DEFAULT_LANGUAGE, t
from spendanalys.i18n.columns import Col
from spendanalys.schema import KINDS

if TYPE_CHECKING:
    from spendanalys.store.database import Store

CLI_ROLE = "admin"  # the command line holds the database: it acts as an administrator
# The printed tables: the dashboard's labels for the same tables (dashboard/pages/data.py).
VERSION_COLUMNS = [
    Col("id", "dm.col_id"),
    Col("kind_label", "dm.col_kind"),
    Col("file", "col.file"),
    Col("years", "dm.col_years"),
    Col("uploaded_by", "col.uploaded_by"),
    Col("uploaded_at", "col.uploaded_at"),
    Col("rows_accepted", "col.rows_accepted", "int"),
    Col("rows_rejected", "col.rows_rejected", "int"),
    Col("current", "dm.col_current", values="yes_no"),
    Col("status_label", "dm.col_status"),
]
ADJUSTMENT_COLUMNS = [
    Col("id", "dm.col_id"),
    Col("type_label", "dm.col_type"),
    Col("key", "dm.col_key"),
    Col("value", "dm.col_value"),
    Col("source", "col.factor_source"),
    Col("created_by", "dm.col_user"),
    Col("created_at", "dm.col_at"),
]
AUDIT_COLUMNS = [
    Col("id", "dm.col_id"),
    Col("at", "dm.col_at"),
    Col("user_name", "dm.col_user"),
    Col("action", "dm.col_action"),
    Col("detail", "dm.col_detail"),
]
LIST_FIELDS = (
    "id",
    "kind",
    "file",
    "years",
    "uploaded_by",
    "uploaded_at",
    "rows_accepted",
    "rows_rejected",
    "current",
    "status",
    "checksum",
)


def _user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", default=None, help="name recorded in the audit log (default: your login name)"
    )


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table")


def _lang(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", DEFAULT_LANGUAGE))


def register(subparsers: argparse._SubParsersAction) -> None:
    datasets = subparsers.add_parser(
        "datasets", help="list, import or go back to dataset versions (the dashboard's store)"
    )
    actions = datasets.add_subparsers(dest="datasets_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every dataset version, newest first")
    _format_option(listing)
    add_database_and_lang(listing)
    listing.set_defaults(func=_list)

    imports = actions.add_parser(
        "import", help="import a file as the upload does (same checks) and make it current"
    )
    imports.add_argument("--kind", required=True, choices=KINDS)
    imports.add_argument("file")
    imports.add_argument(
        "--force", action="store_true", help="import even if the file looks like another kind"
    )
    imports.add_argument(
        "--replace",
        action="store_true",
        help="allow the file to replace years the current invoices or trips already have",
    )
    _user_option(imports)
    add_database_and_lang(imports)
    imports.set_defaults(func=_import)

    use = actions.add_parser("use", help="make a stored version current again")
    use.add_argument("id", type=int)
    _user_option(use)
    add_database_and_lang(use)
    use.set_defaults(func=_use)

    withdraw = actions.add_parser(
        "withdraw", help="take an invoice or trip version out of the current data"
    )
    withdraw.add_argument("id", type=int)
    _user_option(withdraw)
    add_database_and_lang(withdraw)
    withdraw.set_defaults(func=_withdraw)

    audit = actions.add_parser("audit", help="the audit log, newest first")
    audit.add_argument("--limit", type=int, default=50)
    _format_option(audit)
    add_database_and_lang(audit)
    audit.set_defaults(func=_audit)

    adjustments = subparsers.add_parser(
        "adjustments", help="list or withdraw category mappings and supplier-specific factors"
    )
    adjust = adjustments.add_subparsers(dest="adjust_command", metavar="ACTION", required=True)
    adjust_list = adjust.add_parser("list", help="mappings and supplier factors in force")
    _format_option(adjust_list)
    add_database_and_lang(adjust_list)
    adjust_list.set_defaults(func=_adjustments)
    remove = adjust.add_parser("remove", help="withdraw a mapping or a supplier factor by id")
    remove.add_argument("id", help="an id from 'adjustments list', e.g. factor-3 or mapping-1")
    _user_option(remove)
    add_database_and_lang(remove)
    remove.set_defaults(func=_remove)


def _store(args: argparse.Namespace) -> Store:
    from spendanalys.store.database import Store

    return Store(args.database)


def _user(args: argparse.Namespace) -> str:
    return str(args.user or getpass.getuser() or "cli")


def _years(years: Any) -> str:
    return ", ".join(str(y) for y in years) if years else ""


def _list(args: argparse.Namespace) -> int:
    from spendanalys import services

    with _store(args) as store:
        frame = services.version_list(store).rename(columns={"file_name": "file"})
    frame = frame[list(LIST_FIELDS)]
    if args.format == "json":
        frame = frame.assign(uploaded_at=[v.isoformat() for v in frame["uploaded_at"]])
        write_json({"datasets": frame.to_dict("records")}, None)
        return 0
    lang = _lang(args)
    if frame.empty:
        print(t("cli.datasets.none", lang))
        return 0
    from spendanalys.cli.printout import print_cols

    shown = frame.assign(
        kind_label=[t(f"kind.{k}", lang) for k in frame["kind"]],
        years=[_years(y) for y in frame["years"]],
        uploaded_at=[_when(v, lang) for v in frame["uploaded_at"]],
        status_label=[t(f"dm.status.{s}", lang) for s in frame["status"]],
    )
    print_cols(shown, VERSION_COLUMNS, lang)
    return 0


def _when(value: Any, lang: str) -> str:
    """A stored timestamp as the dashboard shows it (Swedish local time, to the minute)."""
    from spendanalys.i18n import format_datetime

    return format_datetime(value, lang)


def _import(args: argparse.Namespace) -> int:
    from spendanalys import services

    path = Path(args.file)
    content = path.read_bytes()
    user = _user(args)
    with _store(args) as store:
        outcome = services.import_upload(
            store,
            args.kind,
            path.name,
            content,
            user=user,
            role=CLI_ROLE,
            stage=True,
            force=args.force,
        )
        if not outcome.ok:
            hint = "; use --force to import it anyway" if outcome.stopped else ""
            raise InputFormatError(str(path), f"{outcome.error}{hint}")
        version_id = int(outcome.version_id or 0)
        replaced = (
            store.preview_selection(version_id)[1] if args.kind in ("invoices", "trips") else []
        )
        if replaced and not args.replace:
            services.discard_upload(store, version_id, user=user, role=CLI_ROLE)
            raise ConfigurationError(
                f"{path.name} would replace the years {_years(replaced)} of the current "
                f"{args.kind}; nothing was changed. Rerun with --replace to replace them"
            )
        services.confirm_upload(store, version_id, user=user, role=CLI_ROLE, analyse=False)
        reasons = services.reason_counts(store.rejected_rows(version_id))
    from spendanalys.cli.printout import worded
    from spendanalys.i18n import format_number

    lang = _lang(args)
    said = f"; {t('cli.datasets.replaced', lang, years=_years(replaced))}" if replaced else ""
    read = t(
        "spend.version",
        lang,
        kind=t(f"kind.{args.kind}", lang),
        file=path.name,
        accepted=format_number(outcome.rows_accepted, lang),
        rejected=format_number(outcome.rows_rejected, lang),
    )
    print(f"{t('cli.datasets.current', lang, id=version_id)}: {read}{said}")
    for reason in reasons.itertuples(index=False):
        line = t(
            "cli.datasets.rejected",
            lang,
            rows=format_number(reason.rows, lang),
            column=reason.column,
            reason=worded(str(reason.reason), lang),
            first_row=f"{t('dm.col_first_row', lang)} {reason.first_row}",
        )
        print(f"  {line}", file=sys.stderr)
    return 0


def _use(args: argparse.Namespace) -> int:
    from spendanalys import services

    with _store(args) as store:
        replaced = services.use_version(
            store, args.id, user=_user(args), role=CLI_ROLE, analyse=False
        )
    lang = _lang(args)
    said = f" ({t('cli.datasets.replaced', lang, years=_years(replaced))})" if replaced else ""
    print(t("cli.datasets.current", lang, id=args.id) + said)
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from spendanalys import services

    with _store(args) as store:
        services.withdraw_version(store, args.id, user=_user(args), role=CLI_ROLE, analyse=False)
    print(t("cli.datasets.withdrawn", _lang(args), id=args.id))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from spendanalys import services

    with _store(args) as store:
        frame = services.audit_entries(store, limit=args.limit)
    if args.format == "json":
        frame = frame.assign(at=[v.isoformat() for v in frame["at"]])
        write_json({"audit": frame.to_dict("records")}, None)
        return 0
    from spendanalys.cli.printout import print_cols

    lang = _lang(args)
    shown = frame.assign(
        at=[_when(v, lang) for v in frame["at"]],
        detail=[json.dumps(d, ensure_ascii=False, sort_keys=True) for d in frame["detail"]],
    )
    print_cols(shown, AUDIT_COLUMNS, lang)
    return 0


def _adjustments(args: argparse.Namespace) -> int:
    from spendanalys import services

    with _store(args) as store:
        frame = services.adjustments(store)
    if args.format == "json":
        frame = frame.assign(created_at=[v.isoformat() for v in frame["created_at"]])
        write_json({"adjustments": frame.to_dict("records")}, None)
        return 0
    lang = _lang(args)
    if frame.empty:
        print(t("cli.adjustments.none", lang))
        return 0
    from spendanalys.cli.printout import print_cols

    shown = frame.assign(created_at=[_when(v, lang) for v in frame["created_at"]])
    shown["type_label"] = [t(f"dm.type.{k}", lang) for k in shown["type"]]
    print_cols(shown, ADJUSTMENT_COLUMNS, lang)
    return 0


def _remove(args: argparse.Namespace) -> int:
    from spendanalys import services

    with _store(args) as store:
        key = services.remove_adjustment(
            store, args.id, user=_user(args), role=CLI_ROLE, language=_lang(args)
        )
    print(t("cli.adjustments.removed", _lang(args), id=args.id, what=key))
    return 0
