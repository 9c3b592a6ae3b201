"""Queries on projects, files and versions; every one is restricted to the caller's `TenantScope`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.db.base import TenantScope, contains_pattern
from vwed.projects.models import FileVersion, Project, ScriptFile


class ProjectRepository:
    """Reads and writes of `script_projects`, `script_files` and `script_file_versions`."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def projects(self, status: str | None) -> Sequence[Project]:
        """Projects in scope, optionally of one status, oldest first."""
        stmt = self.scope.apply(select(Project), Project).order_by(Project.id)
        if status is not None:
            stmt = stmt.where(Project.status == status)
        return (await self.session.scalars(stmt)).all()

    async def project(self, project_id: int) -> Project | None:
        """The project `project_id` if it is in scope."""
        return await self.session.scalar(
            self.scope.apply(select(Project).where(Project.id == project_id), Project)
        )

    async def project_named(self, name: str, tenant_id: str | None) -> Project | None:
        """The project called `name` owned by `tenant_id` (names are unique per tenant)."""
        owner = Project.tenant_id.is_(None) if tenant_id is None else Project.tenant_id == tenant_id
        return await self.session.scalar(select(Project).where(Project.project_name == name, owner))

    async def files(self, project_id: int) -> Sequence[ScriptFile]:
        """Files of a project, by path."""
        stmt = select(ScriptFile).where(ScriptFile.project_id == project_id).order_by(ScriptFile.file_path)
        return (await self.session.scalars(stmt)).all()

    async def file(self, file_id: int) -> ScriptFile | None:
        """The file `file_id` if it is in scope."""
        return await self.session.scalar(
            self.scope.apply(select(ScriptFile).where(ScriptFile.id == file_id), ScriptFile)
        )

    async def file_at(self, project_id: int, file_path: str) -> ScriptFile | None:
        """The file at `file_path` in project `project_id`."""
        return await self.session.scalar(
            select(ScriptFile).where(ScriptFile.project_id == project_id, ScriptFile.file_path == file_path)
        )

    async def files_at_path(
        self, file_path: str, project_name: str | None
    ) -> Sequence[tuple[ScriptFile, str]]:
        """Files in scope at `file_path`, in any project or in projects named `project_name`."""
        stmt = (
            select(ScriptFile, Project.project_name)
            .join(Project, Project.id == ScriptFile.project_id)
            .where(ScriptFile.file_path == file_path)
            .order_by(ScriptFile.id)
        )
        if project_name is not None:
            stmt = stmt.where(Project.project_name == project_name)
        stmt = self.scope.apply(stmt, ScriptFile)
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def search(
        self,
        keyword: str,
        project_id: int | None,
        file_type: str | None,
        has_boot: bool | None,
        limit: int,
    ) -> Sequence[tuple[ScriptFile, str]]:
        """Files whose name, path or content contains `keyword` (case-insensitive), with project names."""
        pattern = contains_pattern(keyword)
        stmt = (
            select(ScriptFile, Project.project_name)
            .join(Project, Project.id == ScriptFile.project_id)
            .where(
                or_(
                    ScriptFile.file_name.ilike(pattern, escape="\\"),
                    ScriptFile.file_path.ilike(pattern, escape="\\"),
                    ScriptFile.content.ilike(pattern, escape="\\"),
                )
            )
            .order_by(ScriptFile.id)
            .limit(limit)
        )
        stmt = self.scope.apply(stmt, ScriptFile)
        if project_id is not None:
            stmt = stmt.where(ScriptFile.project_id == project_id)
        if file_type is not None:
            stmt = stmt.where(ScriptFile.file_type == file_type)
        if has_boot is not None:
            stmt = stmt.where(ScriptFile.has_boot_function.is_(has_boot))
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def versions(self, file_id: int) -> Sequence[FileVersion]:
        """Kept versions of a file, newest first."""
        stmt = select(FileVersion).where(FileVersion.file_id == file_id).order_by(FileVersion.version.desc())
        return (await self.session.scalars(stmt)).all()

    async def version(self, file_id: int, version: int) -> FileVersion | None:
        """Version `version` of a file, if still kept."""
        return await self.session.scalar(
            select(FileVersion).where(FileVersion.file_id == file_id, FileVersion.version == version)
        )

    async def prune_versions(self, file_id: int, keep: int) -> None:
        """Delete all but the newest `keep` versions of a file."""
        newest = await self.session.scalar(
            select(func.max(FileVersion.version)).where(FileVersion.file_id == file_id)
        )
        if newest is None:
            return
        await self.session.execute(
            delete(FileVersion).where(FileVersion.file_id == file_id, FileVersion.version <= newest - keep)
        )
