"""Request bodies of the projects and files API, and the seed-shaped dicts they answer with.

Field rules raise `PydanticCustomError` whose type is a message key of `vwed.i18n`, so the 400
handler can explain each field in the caller's language.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from vwed.db.base import RequestBody, ResponseBody, RowId, TenantRef, iso
from vwed.projects.models import FileVersion, Project, ScriptFile

ProjectStatus = Literal["active", "archived"]


def _reject(key: str) -> PydanticCustomError:
    return PydanticCustomError(key, key)


def _check_chars(value: str) -> None:
    if "\\" in value:
        raise _reject("path_backslash")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise _reject("path_control")


def check_name(value: str) -> str:
    """A single path segment: a project or file name."""
    if not value.strip():
        raise _reject("field_empty")
    _check_chars(value)
    if "/" in value:
        raise _reject("name_has_slash")
    if value in (".", ".."):
        raise _reject("path_parent")
    return value


def check_relative_path(value: str) -> str:
    """A relative POSIX path inside a project: no root, no `..`, no empty or `.` segments."""
    if not value.strip():
        raise _reject("field_empty")
    _check_chars(value)
    if value.startswith("/"):
        raise _reject("path_absolute")
    segments = value.split("/")
    if ".." in segments:
        raise _reject("path_parent")
    if any(segment in ("", ".") for segment in segments):
        raise _reject("path_empty_segment")
    return value


Name100 = Annotated[str, Field(max_length=100), AfterValidator(check_name)]
FileName = Annotated[str, Field(max_length=255), AfterValidator(check_name)]
FilePath = Annotated[str, Field(max_length=500), AfterValidator(check_relative_path)]
Author = Annotated[str | None, Field(default=None, max_length=100)]


_Input = RequestBody


class ProjectCreate(_Input):
    """Body of `POST /api/script/projects`."""

    project_name: Name100
    description: Annotated[str | None, Field(default=None, max_length=10_000)]
    created_by: Author
    tenant_id: TenantRef = Field(default=None, description="The owning tenant; only admins name one")


class ProjectUpdate(_Input):
    """Body of `PUT /api/script/projects/{id}`: any subset of the fields."""

    project_name: Name100 | None = None
    description: Annotated[str | None, Field(default=None, max_length=10_000)]
    status: ProjectStatus | None = None


class FileCreate(_Input):
    """Body of `POST /api/script/files`."""

    project_id: RowId
    file_name: FileName
    file_path: FilePath
    content: str = ""
    file_type: Annotated[str, Field(max_length=20, pattern=r"^[a-z0-9_+-]+$")] = "python"
    created_by: Author


class FileUpdate(_Input):
    """Body of `PUT /api/script/files/{id}`."""

    content: str
    updated_by: Author


class SyntaxCheck(_Input):
    """Body of `POST /api/script/validate-syntax`."""

    content: str


def project_out(project: Project) -> dict[str, Any]:
    """A project as the seed shows it in 1.1 and 1.2."""
    return {
        "id": project.id,
        "project_name": project.project_name,
        "project_path": project.project_path,
        "description": project.description,
        "status": project.status,
        "created_by": project.created_by,
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
    }


def project_brief(project: Project) -> dict[str, Any]:
    """The project header of a file listing (seed 1.3)."""
    return {"id": project.id, "project_name": project.project_name, "project_path": project.project_path}


def file_listed(file: ScriptFile, include_content: bool) -> dict[str, Any]:
    """A file in a project's listing (seed 1.3); `content` only when asked for."""
    out: dict[str, Any] = {
        "id": file.id,
        "file_name": file.file_name,
        "file_path": file.file_path,
        "file_type": file.file_type,
        "size": file.size,
        "has_boot_function": file.has_boot_function,
        "status": file.status,
        "created_at": iso(file.created_at),
    }
    if include_content:
        out["content"] = file.content
    return out


def file_created(file: ScriptFile) -> dict[str, Any]:
    """A new file with its content (seed 2.1)."""
    return {
        "id": file.id,
        "project_id": file.project_id,
        "file_name": file.file_name,
        "file_path": file.file_path,
        "file_type": file.file_type,
        "content": file.content,
        "size": file.size,
        "has_boot_function": file.has_boot_function,
        "status": file.status,
        "created_by": file.created_by,
        "created_at": iso(file.created_at),
        "updated_at": iso(file.updated_at),
    }


def file_detail(file: ScriptFile) -> dict[str, Any]:
    """A file's metadata next to its content (seed 2.2)."""
    return {
        "file": {
            "id": file.id,
            "project_id": file.project_id,
            "file_name": file.file_name,
            "file_path": file.file_path,
            "file_type": file.file_type,
            "size": file.size,
            "has_boot_function": file.has_boot_function,
            "status": file.status,
            "created_at": iso(file.created_at),
            "updated_at": iso(file.updated_at),
        },
        "content": file.content,
    }


def file_saved(file: ScriptFile, backup_path: str | None) -> dict[str, Any]:
    """The answer to an update or restore (seed 2.3)."""
    return {
        "file": {
            "id": file.id,
            "project_id": file.project_id,
            "file_name": file.file_name,
            "file_path": file.file_path,
            "content": file.content,
            "size": file.size,
            "has_boot_function": file.has_boot_function,
            "updated_at": iso(file.updated_at),
        },
        "backup_path": backup_path,
    }


def file_found(file: ScriptFile, project_name: str) -> dict[str, Any]:
    """A search hit (seed 2.5)."""
    return {
        "id": file.id,
        "file_name": file.file_name,
        "file_path": file.file_path,
        "project_name": project_name,
        "file_type": file.file_type,
        "has_boot_function": file.has_boot_function,
        "created_at": iso(file.created_at),
    }


def file_uploaded(file: ScriptFile) -> dict[str, Any]:
    """The answer to an upload (seed 2.7)."""
    return {
        "id": file.id,
        "file_name": file.file_name,
        "file_path": file.file_path,
        "size": file.size,
        "has_boot_function": file.has_boot_function,
        "created_at": iso(file.created_at),
    }


def version_out(version: FileVersion, include_content: bool = False) -> dict[str, Any]:
    """One kept version of a file."""
    out: dict[str, Any] = {
        "version": version.version,
        "size": version.size,
        "created_by": version.created_by,
        "created_at": iso(version.created_at),
    }
    if include_content:
        out["content"] = version.content
    return out


# -- answers (OpenAPI types of the dicts above) ----------------------------------------------------


class ProjectOut(ResponseBody):
    """A project (seed 1.1, 1.2)."""

    id: int
    project_name: str
    project_path: str
    description: str | None
    status: str
    created_by: str | None
    created_at: str | None
    updated_at: str | None


class ProjectBrief(ResponseBody):
    """The project header of a file listing."""

    id: int
    project_name: str
    project_path: str


class FileListed(ResponseBody):
    """A file in a project's listing; `content` only when asked for (seed 1.3)."""

    id: int
    file_name: str
    file_path: str
    file_type: str
    size: int
    has_boot_function: bool
    status: str
    created_at: str | None
    content: str | None = None


class ProjectFiles(ResponseBody):
    """A project with its files."""

    project: ProjectBrief
    files: list[FileListed]


class FileMeta(ResponseBody):
    """A file's metadata (seed 2.2)."""

    id: int
    project_id: int
    file_name: str
    file_path: str
    file_type: str
    size: int
    has_boot_function: bool
    status: str
    created_at: str | None
    updated_at: str | None


class FileCreated(FileMeta):
    """A new file with its content (seed 2.1)."""

    content: str
    created_by: str | None


class FileDetail(ResponseBody):
    """A file's metadata next to its content (seed 2.2)."""

    file: FileMeta
    content: str


class FileState(ResponseBody):
    """A file after a save or restore."""

    id: int
    project_id: int
    file_name: str
    file_path: str
    content: str
    size: int
    has_boot_function: bool
    updated_at: str | None


class FileSaved(ResponseBody):
    """The answer to an update or restore (seed 2.3)."""

    file: FileState
    backup_path: str | None


class FileFound(ResponseBody):
    """A search hit (seed 2.5)."""

    id: int
    file_name: str
    file_path: str
    project_name: str
    file_type: str
    has_boot_function: bool
    created_at: str | None


class SearchResult(ResponseBody):
    """Search hits and their count."""

    files: list[FileFound]
    count: int


class FileUploaded(ResponseBody):
    """The answer to an upload (seed 2.7)."""

    id: int
    file_name: str
    file_path: str
    size: int
    has_boot_function: bool
    created_at: str | None


class VersionOut(ResponseBody):
    """One kept version; `content` only for a single version."""

    version: int
    size: int
    created_by: str | None
    created_at: str | None
    content: str | None = None


class VersionList(ResponseBody):
    """A file's kept versions, newest first."""

    file_id: int
    current_version: int
    versions: list[VersionOut]


class VersionDetail(VersionOut):
    """One version of a file with its content."""

    file_id: int


class SyntaxAnswer(ResponseBody):
    """Seed 2.6: `valid` and `message`, or `valid`, `error`, `line` and `offset`."""

    valid: bool
    message: str | None = None
    error: str | None = None
    line: int | None = None
    offset: int | None = None
