"""Routes of seed 000 sections 1 and 2 under `/api/script`: projects, files, versions, syntax, upload."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, UploadFile

from vwed.db.base import RowId
from vwed.i18n import translate
from vwed.projects import schemas
from vwed.projects.service import ProjectService, syntax_of, syntax_result
from vwed.web.deps import LangDep, PrincipalDep, SessionDep, SettingsDep, ok
from vwed.web.schemas import Done, answers

router = APIRouter(prefix="/api/script", tags=["projects and files"])


async def project_service(
    session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> ProjectService:
    """The service bound to this request's session and caller."""
    return ProjectService(session, settings, principal)


Projects = Annotated[ProjectService, Depends(project_service)]
Body = dict[str, Any]


# -- projects -------------------------------------------------------------------------------------


@router.post("/projects", summary="Create a project", **answers(schemas.ProjectOut, 409))
async def create_project(body: schemas.ProjectCreate, service: Projects, lang: LangDep) -> Body:
    project = await service.create_project(body)
    return ok(schemas.project_out(project), translate("project_created", lang, name=project.project_name))


@router.get("/projects", summary="List projects", **answers(list[schemas.ProjectOut]))
async def list_projects(service: Projects, status: Literal["active", "archived", "all"] = "active") -> Body:
    projects = await service.list_projects(None if status == "all" else status)
    return ok([schemas.project_out(p) for p in projects])


@router.get("/projects/{project_id}", summary="Get a project", **answers(schemas.ProjectOut, 404))
async def get_project(project_id: RowId, service: Projects) -> Body:
    return ok(schemas.project_out(await service.get_project(project_id)))


@router.put(
    "/projects/{project_id}",
    summary="Rename, describe, archive or re-activate a project",
    **answers(schemas.ProjectOut, 404, 409),
)
async def update_project(
    project_id: RowId, body: schemas.ProjectUpdate, service: Projects, lang: LangDep
) -> Body:
    project = await service.update_project(project_id, body)
    return ok(schemas.project_out(project), translate("project_updated", lang, name=project.project_name))


@router.delete(
    "/projects/{project_id}",
    summary="Archive a project (nothing is deleted)",
    **answers(schemas.ProjectOut, 404),
)
async def archive_project(project_id: RowId, service: Projects, lang: LangDep) -> Body:
    project = await service.archive_project(project_id)
    return ok(schemas.project_out(project), translate("project_archived", lang, name=project.project_name))


@router.get(
    "/projects/{project_id}/files", summary="List a project's files", **answers(schemas.ProjectFiles, 404)
)
async def list_project_files(project_id: RowId, service: Projects, include_content: bool = False) -> Body:
    project, files = await service.list_files(project_id)
    return ok(
        {
            "project": schemas.project_brief(project),
            "files": [schemas.file_listed(f, include_content) for f in files],
        }
    )


# -- files (static paths before /files/{file_id}) ------------------------------------------------


@router.get(
    "/files/search",
    summary="Search files by keyword in name, path or content",
    **answers(schemas.SearchResult),
)
async def search_files(
    service: Projects,
    keyword: Annotated[str, Query(min_length=1, max_length=200)],
    project_id: RowId | None = None,
    file_type: str | None = None,
    has_boot: bool | None = None,
) -> Body:
    hits = await service.search(keyword, project_id, file_type, has_boot)
    return ok({"files": [schemas.file_found(f, name) for f, name in hits], "count": len(hits)})


@router.post("/files", summary="Create a file", **answers(schemas.FileCreated, 404, 409))
async def create_file(body: schemas.FileCreate, service: Projects, lang: LangDep) -> Body:
    file = await service.create_file(body)
    return ok(schemas.file_created(file), translate("file_created", lang, name=file.file_name))


@router.get("/files/{file_id}", summary="Get a file with its content", **answers(schemas.FileDetail, 404))
async def get_file(file_id: RowId, service: Projects) -> Body:
    return ok(schemas.file_detail(await service.get_file(file_id)))


@router.put(
    "/files/{file_id}",
    summary="Save new content (previous content kept as a version and .bak)",
    **answers(schemas.FileSaved, 404, 409),
)
async def update_file(file_id: RowId, body: schemas.FileUpdate, service: Projects, lang: LangDep) -> Body:
    file, backup = await service.update_file(file_id, body.content, body.updated_by)
    return ok(schemas.file_saved(file, backup), translate("file_updated", lang))


@router.delete("/files/{file_id}", summary="Delete a file", **answers(Done, 404, 409))
async def delete_file(file_id: RowId, service: Projects, lang: LangDep) -> Body:
    name = await service.delete_file(file_id)
    return ok(message=translate("file_deleted", lang, name=name))


@router.get(
    "/files/{file_id}/versions",
    summary="List the kept versions of a file",
    **answers(schemas.VersionList, 404),
)
async def list_versions(file_id: RowId, service: Projects) -> Body:
    file, versions = await service.versions(file_id)
    return ok(
        {
            "file_id": file.id,
            "current_version": file.version,
            "versions": [schemas.version_out(v) for v in versions],
        }
    )


@router.get(
    "/files/{file_id}/versions/{version}",
    summary="Get one version of a file",
    **answers(schemas.VersionDetail, 404),
)
async def get_version(file_id: RowId, version: RowId, service: Projects) -> Body:
    kept = await service.version(file_id, version)
    return ok({"file_id": file_id, **schemas.version_out(kept, include_content=True)})


@router.post(
    "/files/{file_id}/versions/{version}/restore",
    summary="Restore a version as the current content",
    **answers(schemas.FileSaved, 404, 409),
)
async def restore_version(file_id: RowId, version: RowId, service: Projects, lang: LangDep) -> Body:
    file, backup = await service.restore(file_id, version, None)
    return ok(
        schemas.file_saved(file, backup),
        translate("file_restored", lang, name=file.file_name, version=version),
    )


@router.post(
    "/validate-syntax", summary="Check Python syntax without running it", **answers(schemas.SyntaxAnswer)
)
async def validate_syntax(body: schemas.SyntaxCheck, service: Projects, lang: LangDep) -> Body:
    service.check_size(body.content)
    report = await syntax_of(body.content)
    key = "syntax_ok" if report.valid else "syntax_error"
    return ok(syntax_result(report, translate(key, lang, msg=report.message)))


@router.post(
    "/upload",
    summary="Create a file from an uploaded .py file",
    **answers(schemas.FileUploaded, 404, 409),
)
async def upload_file(
    project_id: Annotated[RowId, Form()],
    file: UploadFile,
    service: Projects,
    settings: SettingsDep,
    lang: LangDep,
) -> Body:
    raw = await file.read(settings.max_upload_bytes + 1)
    created = await service.upload(project_id, file.filename, raw)
    return ok(schemas.file_uploaded(created), translate("file_uploaded", lang))
