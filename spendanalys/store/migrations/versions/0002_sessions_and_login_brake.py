"""Sessions and the login brake: users.session_generation and the login_failures table.

Existing users start at generation 0; sessions made before this revision carry no generation
and are no longer accepted (their users log in again).

Revision ID: 0002
Revises: 0001
Created: 2026-12-02 09:46:48.816987
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("client", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_login_failures_at", ["at"], unique=False)
        batch_op.create_index("ix_login_failures_client_at", ["client", "at"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_client_at")
        batch_op.drop_index("ix_login_failures_at")
        batch_op.drop_index("ix_login_failures_account_at")

    op.drop_table("login_failures")
