"""Ids are never reused after a delete: SQLite tables whose ids other rows or callers keep get AUTOINCREMENT.

Without it SQLite hands the largest deleted id to the next row, so a task's variables, run logs or a
channel id saved in a task could silently belong to a newer row. PostgreSQL sequences and MySQL's
AUTO_INCREMENT never go back already. Tables that other tables reference by foreign key (projects,
files) keep their rowid ids: rebuilding a parent table in SQLite would cascade-delete its children.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "platform_scheduled_tasks",
    "platform_task_notify_channels",
    "platform_task_notify_wecom_apps",
    "platform_secrets",
    "api_tokens",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        # The copy keeps every row and id; with AUTOINCREMENT, sqlite_sequence starts at the largest.
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
