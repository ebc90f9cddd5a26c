"""Several current versions per kind (issue 17): dataset_selections and dataset_versions.years.

The unique "one current version per kind" index goes: invoices, trips and FTE are kept per
year, so a kind's current data can come from several versions. Which ones is the newest row of
``dataset_selections`` for the kind; each existing current version becomes the first selection
of its kind, with all its rows.

Revision ID: 0005
Revises: 0004
Created: 2026-12-02 13:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    selections = op.create_table(
        "dataset_selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_selections")),
    )
    with op.batch_alter_table("dataset_selections", schema=None) as batch_op:
        batch_op.create_index("ix_dataset_selections_kind", ["kind"], unique=False)
    with op.batch_alter_table("dataset_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("years", sa.JSON(), nullable=True))
        batch_op.drop_index(
            "ix_dataset_versions_current_kind",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
    versions = sa.table(
        "dataset_versions",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.Text()),
        sa.column("is_current", sa.Boolean()),
    )
    connection = op.get_bind()
    current = connection.execute(
        sa.select(versions.c.kind, versions.c.id)
        .where(versions.c.is_current)
        .order_by(versions.c.kind)
    ).all()
    now = datetime.now(UTC)
    for kind, version_id in current:
        connection.execute(
            selections.insert().values(
                kind=kind,
                parts=[{"version_id": int(version_id), "years": None}],
                created_by="system",
                created_at=now,
            )
        )


def downgrade() -> None:
    versions = sa.table(
        "dataset_versions",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.Text()),
        sa.column("is_current", sa.Boolean()),
    )
    connection = op.get_bind()
    # Only one current version per kind survives: the newest.
    rows = connection.execute(
        sa.select(versions.c.kind, sa.func.max(versions.c.id))
        .where(versions.c.is_current)
        .group_by(versions.c.kind)
    ).all()
    connection.execute(versions.update().values(is_current=False))
    for _kind, newest in rows:
        connection.execute(versions.update().where(versions.c.id == newest).values(is_current=True))
    with op.batch_alter_table("dataset_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_versions_current_kind",
            ["kind"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_column("years")
    with op.batch_alter_table("dataset_selections", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_selections_kind")
    op.drop_table("dataset_selections")
