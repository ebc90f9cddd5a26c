"""Invoice fields of issue 14: rows_invoices.category and rows_invoices.amount_incl_vat_sek.

Nullable (spendanalys/schema.py): existing rows have neither, which the spend engine reads as
"no explicit category on the line" and "the amount is net" (amount_sek).

Revision ID: 0006
Revises: 0005
Created: 2026-12-02 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rows_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("amount_incl_vat_sek", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rows_invoices", schema=None) as batch_op:
        batch_op.drop_column("amount_incl_vat_sek")
        batch_op.drop_column("category")
