"""Foundation: api tokens, script projects, script files and file versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_tenant_id", "api_tokens", ["tenant_id"])

    op.create_table(
        "script_projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column("project_name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_script_projects_tenant_id", "script_projects", ["tenant_id"])
    op.create_index("ix_script_projects_project_name", "script_projects", ["project_name"])
    op.create_index("ix_script_projects_status", "script_projects", ["status"])

    op.create_table(
        "script_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(50), nullable=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey(
                "script_projects.id",
                ondelete="CASCADE",
                name="fk_script_files_project_id_script_projects",
            ),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_path", sa.String(500), nullable=False),
        sa.Column("file_type", sa.String(20), nullable=False),
        sa.Column("content", LONG_TEXT, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("has_boot_function", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("project_id", "file_path", name="uq_script_files_project_path"),
    )
    op.create_index("ix_script_files_tenant_id", "script_files", ["tenant_id"])
    op.create_index("ix_script_files_project_id", "script_files", ["project_id"])

    op.create_table(
        "script_file_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "file_id",
            sa.Integer(),
            sa.ForeignKey(
                "script_files.id",
                ondelete="CASCADE",
                name="fk_script_file_versions_file_id_script_files",
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", LONG_TEXT, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("file_id", "version", name="uq_script_file_versions_file_version"),
    )
    op.create_index("ix_script_file_versions_file_id", "script_file_versions", ["file_id"])


def downgrade() -> None:
    op.drop_table("script_file_versions")
    op.drop_table("script_files")
    op.drop_table("script_projects")
    op.drop_table("api_tokens")
