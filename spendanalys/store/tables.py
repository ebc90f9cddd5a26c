"""The database tables of the store, as SQLAlchemy Core metadata.

The Alembic migrations in ``spendanalys/migrations/versions`` create exactly these tables; a test
compares them (autogenerate finds no difference). A change here needs a new migration.

Canonical row tables (``rows_contracts``, ``rows_invoices``, ``rows_trips``, ``rows_fte``) are
derived from ``spendanalys.schema``: one column per canonical field, plus the dataset version,
the row's position in the upload (``row_index``, which keeps the upload order) and the
provenance columns ``source_file`` and ``source_row``.
"""

from __future__ import annotations

import sqlalchemy as sa

from spendanalys.schema import KINDS, SCHEMAS, SOURCE_FILE, SOURCE_ROW, FieldType, Kind

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

OVERRIDE_SCOPES: tuple[str, ...] = ("agreement_id", "org_number", "account", "supplier")

# SQL type of each canonical field type. Dates are calendar dates (the readers produce midnight
# timestamps); floats are double precision on every backend.
SQL_TYPES: dict[FieldType, sa.types.TypeEngine] = {
    "string": sa.Text(),
    "float": sa.Double(),
    "int": sa.BigInteger(),
    "date": sa.Date(),
    "boolean": sa.Boolean(create_constraint=False),
}


def _when() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def _who() -> sa.Column:
    return sa.Column("created_by", sa.Text(), nullable=False)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.Text(), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("role", sa.Text(), nullable=False),
    _when(),
    # A session is valid only while it carries the user's current generation: logout, a new
    # password or role bump it, ending every session of the user. A new user starts at a
    # random value, so a removed and re-added name does not revive the old user's sessions.
    sa.Column("session_generation", sa.BigInteger(), nullable=False, server_default="0"),
)

# One row per login attempt that has not (yet) succeeded, for the login brake: written before
# the password is checked, removed when it was right. Rows older than the brake's window are
# deleted as new attempts come in. ``client`` is the address (an IPv6 client by its /64).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("account", sa.Text(), nullable=False),
    sa.Column("client", sa.Text(), nullable=False),
    sa.Index("ix_login_failures_account_at", "account", "at"),
    sa.Index("ix_login_failures_client_at", "client", "at"),
    sa.Index("ix_login_failures_at", "at"),
)

dataset_versions = sa.Table(
    "dataset_versions",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("file_name", sa.Text(), nullable=False),
    sa.Column("checksum", sa.Text(), nullable=False),  # sha256 hex of the uploaded bytes
    sa.Column("uploaded_by", sa.Text(), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rows_accepted", sa.Integer(), nullable=False),
    sa.Column("rows_rejected", sa.Integer(), nullable=False),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("is_current", sa.Boolean(create_constraint=False), nullable=False),
    sa.Column("reader_info", sa.JSON(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    # The calendar years the version's rows cover (invoices, trips), NULL when unknown or not
    # kept by year (the contract register, FTE). ``is_current``: the version is part of its kind's
    # current selection (several versions of a kind by year can be current at once).
    sa.Column("years", sa.JSON(), nullable=True),
    sa.Index("ix_dataset_versions_kind", "kind"),
)

# Which versions are current, per kind, as an append-only history: the newest row of a kind
# is its current selection, ``parts`` a list of {"version_id": n, "years": [..] or null (all
# its rows)}. A confirm, a roll-back or a withdrawal adds a row; undo is a row equal to an
# older one. The newest id per kind is what cached analyses are filed under (store.state).
dataset_selections = sa.Table(
    "dataset_selections",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("parts", sa.JSON(), nullable=False),
    _who(),
    _when(),
    sa.Index("ix_dataset_selections_kind", "kind"),
)

rejected_rows = sa.Table(
    "rejected_rows",
    metadata,
    sa.Column(
        "dataset_version_id",
        sa.Integer(),
        sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer(), primary_key=True),
    sa.Column("file", sa.Text(), nullable=False),
    sa.Column("row", sa.Integer(), nullable=False),
    sa.Column("column", sa.Text(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
)


def _canonical_table(kind: Kind) -> sa.Table:
    fields = [sa.Column(f.name, SQL_TYPES[f.type], nullable=True) for f in SCHEMAS[kind].fields]
    return sa.Table(
        f"rows_{kind}",
        metadata,
        sa.Column(
            "dataset_version_id",
            sa.Integer(),
            sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("row_index", sa.Integer(), primary_key=True),
        *fields,
        sa.Column(SOURCE_FILE, sa.Text(), nullable=True),
        sa.Column(SOURCE_ROW, sa.BigInteger(), nullable=True),
    )


row_tables: dict[Kind, sa.Table] = {kind: _canonical_table(kind) for kind in KINDS}

category_overrides = sa.Table(
    "category_overrides",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("scope", sa.Text(), nullable=False),  # one of OVERRIDE_SCOPES
    sa.Column("key", sa.Text(), nullable=False),
    sa.Column("category_id", sa.Text(), nullable=True),  # NULL: the override was withdrawn
    sa.Column("note", sa.Text(), nullable=True),
    _who(),
    _when(),
    sa.Index("ix_category_overrides_scope_key", "scope", "key"),
)

supplier_factors = sa.Table(
    "supplier_factors",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("org_number", sa.Text(), nullable=False),
    sa.Column("factor", sa.Double(), nullable=True),  # NULL: the factor was withdrawn
    sa.Column("unit", sa.Text(), nullable=True),
    sa.Column("price_year", sa.Integer(), nullable=True),
    sa.Column("source", sa.Text(), nullable=True),
    _who(),
    _when(),
    sa.Index("ix_supplier_factors_org_number", "org_number"),
)

goal_settings = sa.Table(
    "goal_settings",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("baseline_year", sa.Integer(), nullable=False),
    sa.Column("target_year", sa.Integer(), nullable=False),
    sa.Column("reduction", sa.Double(), nullable=False),  # fraction, 0.25 = minus 25 %
    _who(),
    _when(),
)

cache_entries = sa.Table(
    "cache_entries",
    metadata,
    sa.Column("key", sa.Text(), primary_key=True),
    sa.Column("state", sa.Text(), nullable=False),  # Store.state_token() when stored
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    _when(),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_name", sa.Text(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("detail", sa.JSON(), nullable=False),
)
