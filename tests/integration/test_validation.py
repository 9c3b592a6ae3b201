"""Bad input gets a clear 400/404/409 in the seed's envelope, names the field, and changes nothing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.backends import snapshot


async def _create_file(client: httpx.AsyncClient, **fields: object) -> httpx.Response:
    body = {"project_id": 1, "file_name": "a.py", "file_path": "a.py", **fields}
    return await client.post("/api/script/files", json=body)


@pytest.mark.parametrize(
    ("file_path", "message"),
    [
        ("/etc/passwd", "不能是绝对路径"),
        ("../x.py", "不能包含 '..' 路径段"),
        ("a/../../x.py", "不能包含 '..' 路径段"),
        ("a\\b.py", "不能包含反斜杠"),
        ("a\x00b.py", "不能包含NUL字符或无效的Unicode"),
        ("a\nb.py", "不能包含控制字符或NUL"),
        ("a//b.py", "不能包含空路径段或 '.'"),
        ("./a.py", "不能包含空路径段或 '.'"),
        ("", "不能为空"),
        ("x" * 501, "长度不能超过 500 个字符"),
    ],
)
async def test_unsafe_file_paths_are_400_and_change_nothing(
    client: httpx.AsyncClient, app: FastAPI, file_path: str, message: str
) -> None:
    await client.post("/api/script/projects", json={"project_name": "p"})
    before = await snapshot(app.state.engine)
    response = await _create_file(client, file_path=file_path)
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "请求参数验证失败",
        "detail": [{"field": "file_path", "message": message}],
    }
    assert await snapshot(app.state.engine) == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "project_name", "必填字段"),
        ({"project_name": "x" * 101}, "project_name", "长度不能超过 100 个字符"),
        ({"project_name": "a/b"}, "project_name", "不能包含 '/'"),
        ({"project_name": ".."}, "project_name", "不能包含 '..' 路径段"),
        ({"project_name": "p", "created_by": "x" * 101}, "created_by", "长度不能超过 100 个字符"),
    ],
)
async def test_bad_project_fields_are_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, str], field: str, message: str
) -> None:
    response = await client.post("/api/script/projects", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": field, "message": message}]


async def test_file_name_limits(client: httpx.AsyncClient) -> None:
    await client.post("/api/script/projects", json={"project_name": "p"})
    long_name = await _create_file(client, file_name="x" * 256)
    assert long_name.json()["detail"] == [{"field": "file_name", "message": "长度不能超过 255 个字符"}]
    slash = await _create_file(client, file_name="a/b.py")
    assert slash.json()["detail"] == [{"field": "file_name", "message": "不能包含 '/'"}]


async def test_field_messages_in_english(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/script/projects", json={"project_name": "a/b"}, headers={"Accept-Language": "en"}
    )
    assert response.json() == {
        "success": False,
        "error": "Request validation failed",
        "detail": [{"field": "project_name", "message": "Must not contain '/'"}],
    }


async def test_malformed_json_and_wrong_types_are_400(client: httpx.AsyncClient) -> None:
    broken = await client.post(
        "/api/script/projects", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"] == "请求参数验证失败"
    assert broken.json()["detail"][0]["message"] == "请求体不是有效的JSON"
    wrong_type = await client.post(
        "/api/script/files", json={"project_id": "abc", "file_name": "a", "file_path": "a"}
    )
    assert wrong_type.status_code == 400
    assert wrong_type.json()["detail"][0]["field"] == "project_id"
    bad_id = await client.get("/api/script/files/abc")
    assert bad_id.status_code == 400
    bad_status = await client.get("/api/script/projects", params={"status": "weird"})
    assert bad_status.status_code == 400


async def test_oversized_content_is_400_and_changes_nothing(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.settings.max_upload_bytes = 100
    await client.post("/api/script/projects", json={"project_name": "p"})
    await _create_file(client, content="x = 1\n")
    before = await snapshot(app.state.engine)
    created = await _create_file(client, file_path="b.py", content="#" * 101)
    updated = await client.put("/api/script/files/1", json={"content": "#" * 101})
    checked = await client.post("/api/script/validate-syntax", json={"content": "#" * 101})
    for response in (created, updated, checked):
        assert response.status_code == 400
        assert response.json() == {"success": False, "error": "内容过大: 101 字节,上限 100 字节"}
    assert await snapshot(app.state.engine) == before


async def test_unknown_routes_and_methods_use_the_envelope(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/script/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "接口不存在: /api/script/nothing-here"}
    wrong_method = await client.patch("/api/script/projects")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"success": False, "error": "不支持的请求方法: PATCH"}
    # `Allow` names every method of the path, though FastAPI serves them from separate routes.
    assert wrong_method.headers["allow"] == "GET, POST"
    other = await client.request("TRACE", "/api/scheduled-tasks/1", headers={"Accept-Language": "en"})
    assert (other.status_code, other.headers["allow"]) == (405, "GET, PUT, DELETE")
    assert other.json() == {"success": False, "error": "Method not allowed: TRACE"}


async def test_upload_with_unsafe_name_is_400(client: httpx.AsyncClient) -> None:
    await client.post("/api/script/projects", json={"project_name": "p"})
    traversal = await client.post(
        "/api/script/upload", data={"project_id": "1"}, files={"file": ("../../evil.py", b"x = 1")}
    )
    # only the base name of an upload is used, so this lands safely as evil.py
    assert traversal.status_code == 200
    assert traversal.json()["data"]["file_path"] == "evil.py"
    dotdot = await client.post(
        "/api/script/upload", data={"project_id": "1"}, files={"file": ("..", b"x = 1")}
    )
    assert dotdot.status_code == 400
    missing_project = await client.post("/api/script/upload", files={"file": ("a.py", b"x = 1")})
    assert missing_project.status_code == 400
    assert missing_project.json()["detail"] == [{"field": "project_id", "message": "必填字段"}]
