"""Scheduled tasks: tasks, schedule timers, run logs (the durable run queue) and the leader lease.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
LOG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "platform_scheduled_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("task_name", sa.String(100), nullable=False),
        sa.Column("task_desc", sa.String(500), nullable=True),
        sa.Column("schedule_type", sa.String(10), nullable=False),
        sa.Column("time_points", sa.JSON(), nullable=True),
        sa.Column("cron_expression", sa.String(100), nullable=True),
        sa.Column("timezone", sa.String(50), nullable=False),
        sa.Column("execution_type", sa.String(10), nullable=False),
        sa.Column("webhook_url", sa.String(500), nullable=True),
        sa.Column("script_content", LONG_TEXT, nullable=True),
        sa.Column("script_deps", sa.Text(), nullable=True),
        sa.Column("input_params", sa.JSON(), nullable=True),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("retry_interval", sa.Integer(), nullable=False),
        sa.Column("alert_on_failure", sa.Boolean(), nullable=False),
        sa.Column("alert_webhook", sa.String(500), nullable=True),
        sa.Column("notify_channels", sa.JSON(), nullable=True),
        sa.Column("notify_wecom_app_id", sa.Integer(), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_status", sa.String(10), nullable=True),
        sa.Column("last_run_message", sa.Text(), nullable=True),
        sa.Column("schedule_key", sa.String(24), nullable=False),
        sa.Column("active_from", sa.DateTime(), nullable=True),
        sa.Column("overlap_policy", sa.String(10), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_platform_scheduled_tasks_tenant_id", "platform_scheduled_tasks", ["tenant_id"])
    op.create_index("ix_platform_scheduled_tasks_schedule_key", "platform_scheduled_tasks", ["schedule_key"])

    op.create_table(
        "platform_schedule_timers",
        sa.Column("schedule_key", sa.String(24), primary_key=True),
        sa.Column("schedule_type", sa.String(10), nullable=False),
        sa.Column("cron_expression", sa.String(100), nullable=True),
        sa.Column("time_points", sa.JSON(), nullable=True),
        sa.Column("timezone", sa.String(50), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_platform_schedule_timers_next_run_at", "platform_schedule_timers", ["next_run_at"])

    op.create_table(
        "platform_task_logs",
        sa.Column("id", LOG_ID, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("trace_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("output", LONG_TEXT, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("trigger", sa.String(10), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("not_before", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_platform_task_logs_queue", "platform_task_logs", ["status", "not_before"])
    op.create_index("ix_platform_task_logs_task_status", "platform_task_logs", ["task_id", "status"])

    leases = op.create_table(
        "platform_scheduler_leases",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    # The row exists from the start, so taking the lease is always a single conditional UPDATE.
    op.bulk_insert(leases, [{"name": "scheduler", "holder": None, "expires_at": datetime(2000, 1, 1)}])


def downgrade() -> None:
    op.drop_table("platform_scheduler_leases")
    op.drop_table("platform_task_logs")
    op.drop_table("platform_schedule_timers")
    op.drop_table("platform_scheduled_tasks")
