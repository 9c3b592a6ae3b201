"""Script logs: stored log lines of script services.

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "script_logs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("script_id", sa.String(160), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
            nullable=False,
        ),
    )
    op.create_index("ix_script_logs_script_seq", "script_logs", ["script_id", "seq"])
    op.create_index("ix_script_logs_tenant_id", "script_logs", ["tenant_id"])
    op.create_index("ix_script_logs_created_at", "script_logs", ["created_at"])


def downgrade() -> None:
    op.drop_table("script_logs")
