"""Task scripts: persistent script variables, secrets, tenants and their app configs, run-now parameters.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_script_vars",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("var_key", sa.String(200), nullable=False),
        sa.Column("var_value", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("task_id", "var_key", name="uq_platform_script_vars_task_key"),
    )
    op.create_index("ix_platform_script_vars_tenant_id", "platform_script_vars", ["tenant_id"])
    op.create_table(
        "platform_secrets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("secret_key", sa.String(100), nullable=False),
        sa.Column("secret_value", sa.Text(), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_platform_secrets_tenant_id", "platform_secrets", ["tenant_id"])
    op.create_index("ix_platform_secrets_secret_key", "platform_secrets", ["secret_key"])
    op.create_table(
        "platform_tenants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=False),
        sa.Column("tenant_name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_platform_tenants_tenant_id"),
    )
    op.create_table(
        "platform_tenant_configs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=False),
        sa.Column("app_code", sa.String(50), nullable=False),
        sa.Column("config_key", sa.String(100), nullable=False),
        sa.Column("config_value", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "app_code", "config_key", name="uq_platform_tenant_configs_key"),
    )
    op.create_index(
        "ix_platform_tenant_configs_app_key", "platform_tenant_configs", ["app_code", "config_key"]
    )
    op.add_column("platform_task_logs", sa.Column("input_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("platform_task_logs", "input_params")
    op.drop_table("platform_tenant_configs")
    op.drop_table("platform_tenants")
    op.drop_index("ix_platform_secrets_secret_key", "platform_secrets")
    op.drop_index("ix_platform_secrets_tenant_id", "platform_secrets")
    op.drop_table("platform_secrets")
    op.drop_index("ix_platform_script_vars_tenant_id", "platform_script_vars")
    op.drop_table("platform_script_vars")
