"""Rules of projects and files: uniqueness, archiving, size caps, versions and `.bak` copies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.auth.service import Principal
from vwed.config import Settings
from vwed.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, Unavailable
from vwed.projects.models import FileVersion, Project, ScriptFile
from vwed.projects.repository import ProjectRepository
from vwed.projects.schemas import (
    FileCreate,
    ProjectCreate,
    ProjectUpdate,
    check_name,
)
from vwed.projects.syntax import InspectionFailed, SyntaxReport, inspect_source

SEARCH_LIMIT = 500


class ProjectService:
    """Everything a caller may do with projects and files, within the caller's tenant scope."""

    def __init__(self, session: AsyncSession, settings: Settings, principal: Principal) -> None:
        self.session = session
        self.settings = settings
        self.principal = principal
        self.repo = ProjectRepository(session, principal.scope)

    # -- projects -------------------------------------------------------------------------------

    async def list_projects(self, status: str | None) -> Sequence[Project]:
        """Projects in scope; `status=None` lists every status."""
        return await self.repo.projects(status)

    async def get_project(self, project_id: int) -> Project:
        """A project in scope, or `NotFound`."""
        project = await self.repo.project(project_id)
        if project is None:
            raise NotFound("project_not_found", project_id=project_id)
        return project

    async def create_project(self, body: ProjectCreate) -> Project:
        """Create a project of the caller's tenant (an admin names any); a taken name is a `Conflict`."""
        tenant_id = self.principal.scope.owner_for(body.tenant_id)
        await self._ensure_name_free(body.project_name, tenant_id)
        project = Project(
            project_name=body.project_name,
            description=body.description,
            created_by=body.created_by or self.principal.name,
            tenant_id=tenant_id,
        )
        self.session.add(project)
        await self._commit(Conflict("project_exists", name=body.project_name))
        return project

    async def update_project(self, project_id: int, body: ProjectUpdate) -> Project:
        """Rename, describe, archive or re-activate a project."""
        project = await self.get_project(project_id)
        fields = body.model_fields_set
        if "project_name" in fields and body.project_name and body.project_name != project.project_name:
            await self._ensure_name_free(body.project_name, project.tenant_id)
            project.project_name = body.project_name
        if "description" in fields:
            project.description = body.description
        if "status" in fields and body.status:
            project.status = body.status
        await self._commit(Conflict("project_exists", name=project.project_name))
        return project

    async def archive_project(self, project_id: int) -> Project:
        """Archive a project: it leaves the default listing and its files become read-only."""
        project = await self.get_project(project_id)
        project.status = "archived"
        await self.session.commit()
        return project

    async def list_files(self, project_id: int) -> tuple[Project, Sequence[ScriptFile]]:
        """A project with its files."""
        project = await self.get_project(project_id)
        return project, await self.repo.files(project.id)

    async def _ensure_name_free(self, name: str, tenant_id: str | None) -> None:
        if await self.repo.project_named(name, tenant_id) is not None:
            raise Conflict("project_exists", name=name)

    # -- files ----------------------------------------------------------------------------------

    async def get_file(self, file_id: int) -> ScriptFile:
        """A file in scope, or `NotFound`."""
        file = await self.repo.file(file_id)
        if file is None:
            raise NotFound("file_not_found", file_id=file_id)
        return file

    async def find_script(self, script_path: str) -> ScriptFile:
        """The file a `script_path` names: `projects/<project>/<file_path>`, or a `file_path` unique in scope.

        Raises `NotFound` (`script_file_missing`) or, when several projects hold that path, `Conflict`
        naming the candidates.
        """
        project_name: str | None = None
        file_path = script_path
        head, _, rest = script_path.partition("/")
        if head == "projects" and "/" in rest:
            project_name, _, file_path = rest.partition("/")
        hits = await self.repo.files_at_path(file_path, project_name)
        if not hits and project_name is not None:
            # `projects/...` may also be an ordinary file path inside a project.
            hits = await self.repo.files_at_path(script_path, None)
        if not hits:
            raise NotFound("script_file_missing", path=script_path)
        if len(hits) > 1:
            candidates = ", ".join(f"projects/{name}/{file.file_path}" for file, name in hits)
            raise Conflict("script_path_ambiguous", path=script_path, candidates=candidates)
        return hits[0][0]

    async def create_file(self, body: FileCreate) -> ScriptFile:
        """Create a file in an active project; its first version is kept too."""
        project = await self._writable_project(body.project_id)
        self.check_size(body.content)
        if await self.repo.file_at(project.id, body.file_path) is not None:
            raise Conflict("file_exists", path=body.file_path, project=project.project_name)
        author = body.created_by or self.principal.name
        file = ScriptFile(
            project_id=project.id,
            tenant_id=project.tenant_id,
            file_name=body.file_name,
            file_path=body.file_path,
            file_type=body.file_type,
            content=body.content,
            size=len(body.content.encode()),
            has_boot_function=await boot_of(body.content),
            created_by=author,
            updated_by=author,
            version=1,
        )
        self.session.add(file)
        await self._flush(Conflict("file_exists", path=body.file_path, project=project.project_name))
        self.session.add(
            FileVersion(file_id=file.id, version=1, content=file.content, size=file.size, created_by=author)
        )
        await self._commit(Conflict("file_exists", path=body.file_path, project=project.project_name))
        return file

    async def update_file(self, file_id: int, content: str, updated_by: str | None) -> tuple[ScriptFile, str]:
        """Save new content: the previous content goes to a `.bak` copy, the new one becomes a version."""
        file = await self.get_file(file_id)
        await self._writable_project(file.project_id)
        self.check_size(content)
        backup = await self._write_backup(file)
        author = updated_by or self.principal.name
        file.content = content
        file.size = len(content.encode())
        file.has_boot_function = await boot_of(content)
        file.updated_by = author
        file.version += 1
        self.session.add(
            FileVersion(
                file_id=file.id, version=file.version, content=content, size=file.size, created_by=author
            )
        )
        await self.session.flush()
        await self.repo.prune_versions(file.id, self.settings.file_versions_keep)
        await self.session.commit()
        # A name relative to the backup dir: no response shows the server's own paths.
        return file, backup.relative_to(self.settings.backup_dir.resolve()).as_posix()

    async def delete_file(self, file_id: int) -> str:
        """Delete a file and its versions; a last `.bak` copy of its content stays in the data dir."""
        file = await self.get_file(file_id)
        await self._writable_project(file.project_id)
        await self._write_backup(file)
        name = file.file_name
        await self.session.delete(file)
        await self.session.commit()
        return name

    async def search(
        self, keyword: str, project_id: int | None, file_type: str | None, has_boot: bool | None
    ) -> Sequence[tuple[ScriptFile, str]]:
        """Files in scope matching `keyword` in name, path or content."""
        return await self.repo.search(keyword, project_id, file_type, has_boot, SEARCH_LIMIT)

    async def upload(self, project_id: int, filename: str | None, raw: bytes) -> ScriptFile:
        """Create a file from an upload: UTF-8 text within the size cap, named after the upload."""
        if len(raw) > self.settings.max_upload_bytes:
            raise PayloadTooLarge(size=len(raw), limit=self.settings.max_upload_bytes)
        name = Path((filename or "").replace("\\", "/")).name
        if not name:
            raise BadRequest("upload_no_name")
        try:
            check_name(name)
        except ValueError as exc:
            raise BadRequest("validation_failed") from exc
        if len(name) > 255:
            raise BadRequest("validation_failed")
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("upload_not_utf8", name=name) from exc
        return await self.create_file(
            FileCreate(
                project_id=project_id, file_name=name, file_path=name, content=content, created_by=None
            )
        )

    # -- versions -------------------------------------------------------------------------------

    async def versions(self, file_id: int) -> tuple[ScriptFile, Sequence[FileVersion]]:
        """A file with its kept versions, newest first."""
        file = await self.get_file(file_id)
        return file, await self.repo.versions(file.id)

    async def version(self, file_id: int, number: int) -> FileVersion:
        """One kept version of a file."""
        file = await self.get_file(file_id)
        version = await self.repo.version(file.id, number)
        if version is None:
            raise NotFound("version_not_found", file_id=file_id, version=number)
        return version

    async def restore(self, file_id: int, number: int, updated_by: str | None) -> tuple[ScriptFile, str]:
        """Make version `number` the current content again (itself saved as a new version)."""
        version = await self.version(file_id, number)
        return await self.update_file(file_id, version.content, updated_by)

    # -- helpers --------------------------------------------------------------------------------

    def _keep_version(self, file: ScriptFile, author: str | None) -> None:
        self.session.add(
            FileVersion(
                file_id=file.id, version=file.version, content=file.content, size=file.size, created_by=author
            )
        )

    async def _writable_project(self, project_id: int) -> Project:
        project = await self.get_project(project_id)
        if project.status != "active":
            raise Conflict("project_archived_readonly", name=project.project_name)
        return project

    def check_size(self, content: str) -> None:
        """Refuse content larger than the configured cap."""
        size = len(content.encode())
        if size > self.settings.max_upload_bytes:
            raise PayloadTooLarge(size=size, limit=self.settings.max_upload_bytes)

    async def _write_backup(self, file: ScriptFile) -> Path:
        root = self.settings.backup_dir.resolve()
        folder = root / f"project-{file.project_id}" / f"file-{file.id}"
        stamp = int(time.time())
        target = folder / f"{file.file_name}.bak.{stamp}"
        suffix = 1
        while target.exists():
            target = folder / f"{file.file_name}.bak.{stamp}.{suffix}"
            suffix += 1
        if root not in target.resolve().parents:
            raise BadRequest("path_parent")
        content = file.content
        keep = self.settings.file_versions_keep

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            # `.bak` copies are kept like versions: only the newest `VWED_FILE_VERSIONS_KEEP`.
            copies = sorted(folder.glob("*.bak.*"), key=lambda p: (p.stat().st_mtime_ns, p.name))
            for old in copies[:-keep]:
                old.unlink(missing_ok=True)

        await asyncio.to_thread(write)
        return target

    async def _flush(self, conflict: Conflict) -> None:
        try:
            await self.session.flush()
        except IntegrityError as exc:
            await self.session.rollback()
            raise conflict from exc

    async def _commit(self, conflict: Conflict) -> None:
        try:
            await self.session.commit()
        except IntegrityError as exc:
            await self.session.rollback()
            raise conflict from exc


async def syntax_of(content: str) -> SyntaxReport:
    """The syntax report of `content`, checked off the event loop (`vwed.projects.syntax`)."""
    try:
        return (await inspect_source(content)).report
    except InspectionFailed as exc:
        raise Unavailable("syntax_check_failed", reason=str(exc)) from None


async def boot_of(content: str) -> bool:
    """Whether `content` defines `boot()`, checked off the event loop."""
    try:
        return (await inspect_source(content)).has_boot
    except InspectionFailed as exc:
        raise Unavailable("syntax_check_failed", reason=str(exc)) from None


def syntax_result(report: SyntaxReport, message: str) -> dict[str, Any]:
    """The seed's `validate-syntax` data: `valid` and `message`, or `valid`, `error`, `line`, `offset`."""
    if report.valid:
        return {"valid": True, "message": message}
    return {"valid": False, "error": message, "line": report.line, "offset": report.offset}
