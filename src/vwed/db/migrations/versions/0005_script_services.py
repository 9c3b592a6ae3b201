"""Script services: the services that should be running, restored when the server starts.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "script_services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("script_id", sa.String(400), nullable=False),
        sa.Column(
            "file_id",
            sa.Integer(),
            sa.ForeignKey(
                "script_files.id",
                ondelete="CASCADE",
                name="fk_script_services_file_id_script_files",
            ),
            nullable=False,
        ),
        sa.Column("script_path", sa.String(700), nullable=False),
        sa.Column("start_params", sa.Text(), nullable=False),
        sa.Column("restart_policy", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("script_id", name="uq_script_services_script_id"),
    )
    op.create_index("ix_script_services_tenant_id", "script_services", ["tenant_id"])
    op.create_index("ix_script_services_file_id", "script_services", ["file_id"])


def downgrade() -> None:
    op.drop_table("script_services")
