"""Travel fields of issue 15: rows_trips.fuel and rows_trips.traveller_id, rows_fte.gender.

All nullable text (spendanalys/schema.py): existing rows have none of them, which the travel
engine reads as "not recorded" (average car, no traveller identity, FTE without gender).

Revision ID: 0003
Revises: 0002
Created: 2026-12-02 10:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rows_trips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fuel", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("traveller_id", sa.Text(), nullable=True))
    with op.batch_alter_table("rows_fte", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gender", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rows_fte", schema=None) as batch_op:
        batch_op.drop_column("gender")
    with op.batch_alter_table("rows_trips", schema=None) as batch_op:
        batch_op.drop_column("traveller_id")
        batch_op.drop_column("fuel")
