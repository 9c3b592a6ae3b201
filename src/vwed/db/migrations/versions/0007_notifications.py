"""Notifications: channels (seed 004), WeCom applications and delivery attempts.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_task_notify_channels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("channel_name", sa.String(100), nullable=False),
        sa.Column("channel_type", sa.String(20), nullable=False),
        sa.Column("webhook_url", sa.String(500), nullable=False),
        sa.Column("sign_secret", sa.String(500), nullable=True),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_platform_task_notify_channels_tenant_id", "platform_task_notify_channels", ["tenant_id"]
    )

    op.create_table(
        "platform_task_notify_wecom_apps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("app_name", sa.String(100), nullable=False),
        sa.Column("corp_id", sa.String(100), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(500), nullable=False),
        sa.Column("default_touser", sa.String(500), nullable=True),
        sa.Column("default_toparty", sa.String(500), nullable=True),
        sa.Column("api_base", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_platform_task_notify_wecom_apps_tenant_id", "platform_task_notify_wecom_apps", ["tenant_id"]
    )

    op.create_table(
        "platform_task_notify_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("wecom_app_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("channel_type", sa.String(20), nullable=False),
        sa.Column("msg_type", sa.String(30), nullable=False),
        sa.Column("converted_from", sa.String(30), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("trace_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_platform_task_notify_deliveries_tenant_id", "platform_task_notify_deliveries", ["tenant_id"]
    )
    op.create_index(
        "ix_platform_task_notify_deliveries_channel_id", "platform_task_notify_deliveries", ["channel_id"]
    )
    op.create_index(
        "ix_platform_task_notify_deliveries_trace_id", "platform_task_notify_deliveries", ["trace_id"]
    )


def downgrade() -> None:
    op.drop_table("platform_task_notify_deliveries")
    op.drop_table("platform_task_notify_wecom_apps")
    op.drop_table("platform_task_notify_channels")
