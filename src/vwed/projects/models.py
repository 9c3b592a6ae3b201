"""Tables of projects, script files and the kept versions of each file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vwed.db.base import Base, LongText, TenantOwned, Timestamped, utcnow


class Project(TenantOwned, Timestamped, Base):
    """A named folder of script files; `project_path` is derived as `projects/<project_name>`."""

    __tablename__ = "script_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_name: Mapped[str] = mapped_column(String(100), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    created_by: Mapped[str | None] = mapped_column(String(100), default=None)

    files: Mapped[list[ScriptFile]] = relationship(back_populates="project", passive_deletes=True)

    @property
    def project_path(self) -> str:
        """Where the project lives in script paths, e.g. `projects/测试项目`."""
        return f"projects/{self.project_name}"


class ScriptFile(TenantOwned, Timestamped, Base):
    """A script file; its `content` here is the source of truth, `version` counts its saves."""

    __tablename__ = "script_files"
    __table_args__ = (UniqueConstraint("project_id", "file_path", name="uq_script_files_project_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("script_projects.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(String(500))
    file_type: Mapped[str] = mapped_column(String(20), default="python")
    content: Mapped[str] = mapped_column(LongText, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    has_boot_function: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(100), default=None)
    updated_by: Mapped[str | None] = mapped_column(String(100), default=None)

    project: Mapped[Project] = relationship(back_populates="files")


class FileVersion(Base):
    """One saved state of a file; the newest `file_versions_keep` are kept."""

    __tablename__ = "script_file_versions"
    __table_args__ = (UniqueConstraint("file_id", "version", name="uq_script_file_versions_file_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("script_files.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(LongText)
    size: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
