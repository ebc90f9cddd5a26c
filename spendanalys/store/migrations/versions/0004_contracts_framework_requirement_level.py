"""Contract fields of issue 14: rows_contracts.requirement_level and rows_contracts.framework_id.

Both nullable text (spendanalys/schema.py): existing rows have neither, which the spend engine
reads as "level not stated" and "not a call-off under a framework agreement".

Revision ID: 0004
Revises: 0003
Created: 2026-12-02 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rows_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requirement_level", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("framework_id", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rows_contracts", schema=None) as batch_op:
        batch_op.drop_column("framework_id")
        batch_op.drop_column("requirement_level")
