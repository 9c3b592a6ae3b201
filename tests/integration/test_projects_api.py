"""Seed 000 sections 1 and 2 end to end: every endpoint's full body, on SQLite, PostgreSQL and MySQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.backends import snapshot
from tests.conftest import TS

BOOT = "def boot():\n    print('Hello VWED!')"


async def make_project(client: httpx.AsyncClient, name: str = "测试项目", **extra: Any) -> dict[str, Any]:
    body = {"project_name": name, "description": "这是一个测试项目", "created_by": "admin", **extra}
    response = await client.post("/api/script/projects", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def make_file(
    client: httpx.AsyncClient, project_id: int, path: str = "main.py", content: str = BOOT
) -> dict[str, Any]:
    body = {
        "project_id": project_id,
        "file_name": path.rsplit("/", 1)[-1],
        "file_path": path,
        "content": content,
        "created_by": "admin",
    }
    response = await client.post("/api/script/files", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


PROJECT = {
    "id": 1,
    "project_name": "测试项目",
    "project_path": "projects/测试项目",
    "description": "这是一个测试项目",
    "status": "active",
    "created_by": "admin",
    "created_at": TS,
    "updated_at": TS,
}


async def test_create_project_answers_the_seed_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/script/projects",
        json={"project_name": "测试项目", "description": "这是一个测试项目", "created_by": "admin"},
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "项目 测试项目 创建成功", "data": PROJECT}


async def test_list_projects_filters_by_status_defaulting_to_active(client: httpx.AsyncClient) -> None:
    await make_project(client)
    other = await make_project(client, "旧项目")
    await client.delete(f"/api/script/projects/{other['id']}")

    assert (await client.get("/api/script/projects")).json() == {"success": True, "data": [PROJECT]}
    archived = (await client.get("/api/script/projects", params={"status": "archived"})).json()
    assert [p["project_name"] for p in archived["data"]] == ["旧项目"]
    everything = (await client.get("/api/script/projects", params={"status": "all"})).json()
    assert [p["id"] for p in everything["data"]] == [1, 2]


async def test_get_update_and_archive_a_project(client: httpx.AsyncClient) -> None:
    await make_project(client)
    assert (await client.get("/api/script/projects/1")).json() == {"success": True, "data": PROJECT}

    renamed = await client.put("/api/script/projects/1", json={"project_name": "新名字", "description": None})
    assert renamed.json() == {
        "success": True,
        "message": "项目 新名字 更新成功",
        "data": {**PROJECT, "project_name": "新名字", "project_path": "projects/新名字", "description": None},
    }

    archived = await client.delete("/api/script/projects/1")
    assert archived.json()["message"] == "项目 新名字 已归档"
    assert archived.json()["data"]["status"] == "archived"
    restored = await client.put("/api/script/projects/1", json={"status": "active"})
    assert restored.json()["data"]["status"] == "active"


async def test_project_files_listing_with_and_without_content(client: httpx.AsyncClient) -> None:
    await make_project(client)
    await make_file(client, 1)
    listed = {
        "id": 1,
        "file_name": "main.py",
        "file_path": "main.py",
        "file_type": "python",
        "size": len(BOOT.encode()),
        "has_boot_function": True,
        "status": "active",
        "created_at": TS,
    }
    project = {"id": 1, "project_name": "测试项目", "project_path": "projects/测试项目"}

    plain = await client.get("/api/script/projects/1/files")
    assert plain.json() == {"success": True, "data": {"project": project, "files": [listed]}}
    full = await client.get("/api/script/projects/1/files", params={"include_content": "true"})
    assert full.json() == {
        "success": True,
        "data": {"project": project, "files": [{**listed, "content": BOOT}]},
    }


async def test_create_file_answers_the_seed_body(client: httpx.AsyncClient) -> None:
    await make_project(client)
    response = await client.post(
        "/api/script/files",
        json={
            "project_id": 1,
            "file_name": "main.py",
            "file_path": "main.py",
            "content": BOOT,
            "file_type": "python",
            "created_by": "admin",
        },
    )
    assert response.json() == {
        "success": True,
        "message": "文件 main.py 创建成功",
        "data": {
            "id": 1,
            "project_id": 1,
            "file_name": "main.py",
            "file_path": "main.py",
            "file_type": "python",
            "content": BOOT,
            "size": len(BOOT.encode()),
            "has_boot_function": True,
            "status": "active",
            "created_by": "admin",
            "created_at": TS,
            "updated_at": TS,
        },
    }


async def test_get_file_answers_metadata_and_content(client: httpx.AsyncClient) -> None:
    await make_project(client)
    await make_file(client, 1)
    assert (await client.get("/api/script/files/1")).json() == {
        "success": True,
        "data": {
            "file": {
                "id": 1,
                "project_id": 1,
                "file_name": "main.py",
                "file_path": "main.py",
                "file_type": "python",
                "size": len(BOOT.encode()),
                "has_boot_function": True,
                "status": "active",
                "created_at": TS,
                "updated_at": TS,
            },
            "content": BOOT,
        },
    }


async def test_update_keeps_a_bak_copy_and_a_version(client: httpx.AsyncClient, app: FastAPI) -> None:
    await make_project(client)
    await make_file(client, 1)
    new = "def boot():\n    VWED.log.sync_info('脚本启动成功')"
    response = await client.put("/api/script/files/1", json={"content": new, "updated_by": "bob"})
    body = response.json()
    backup = body["data"]["backup_path"]
    assert body == {
        "success": True,
        "message": "文件内容更新成功",
        "data": {
            "file": {
                "id": 1,
                "project_id": 1,
                "file_name": "main.py",
                "file_path": "main.py",
                "content": new,
                "size": len(new.encode()),
                "has_boot_function": True,
                "updated_at": TS,
            },
            "backup_path": backup,
        },
    }
    # a name relative to the backup dir: no answer shows the server's own paths
    assert not Path(backup).is_absolute()
    assert (app.state.settings.backup_dir / backup).read_text(encoding="utf-8") == BOOT
    assert Path(backup).name.startswith("main.py.bak.")


async def test_versions_list_get_and_restore(client: httpx.AsyncClient) -> None:
    await make_project(client)
    await make_file(client, 1, content="def boot():\n    return 1\n")
    await client.put("/api/script/files/1", json={"content": "x = 2\n", "updated_by": "bob"})

    listing = (await client.get("/api/script/files/1/versions")).json()
    assert listing == {
        "success": True,
        "data": {
            "file_id": 1,
            "current_version": 2,
            "versions": [
                {"version": 2, "size": 6, "created_by": "bob", "created_at": TS},
                {"version": 1, "size": 25, "created_by": "admin", "created_at": TS},
            ],
        },
    }
    first = (await client.get("/api/script/files/1/versions/1")).json()
    assert first == {
        "success": True,
        "data": {
            "file_id": 1,
            "version": 1,
            "size": 25,
            "created_by": "admin",
            "created_at": TS,
            "content": "def boot():\n    return 1\n",
        },
    }
    restored = (await client.post("/api/script/files/1/versions/1/restore")).json()
    assert restored["message"] == "文件 main.py 已恢复到版本 1"
    assert restored["data"]["file"]["content"] == "def boot():\n    return 1\n"
    assert restored["data"]["file"]["has_boot_function"] is True
    assert (await client.get("/api/script/files/1/versions")).json()["data"]["current_version"] == 3
    missing = await client.get("/api/script/files/1/versions/9")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "文件 1 没有版本 9"}


async def test_only_the_configured_number_of_versions_is_kept(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.settings.file_versions_keep = 3
    await make_project(client)
    await make_file(client, 1, content="v1")
    for n in range(2, 7):
        await client.put("/api/script/files/1", json={"content": f"v{n}"})
    versions = (await client.get("/api/script/files/1/versions")).json()["data"]["versions"]
    assert [v["version"] for v in versions] == [6, 5, 4]


async def test_delete_file(client: httpx.AsyncClient) -> None:
    await make_project(client)
    await make_file(client, 1)
    assert (await client.delete("/api/script/files/1")).json() == {
        "success": True,
        "message": "文件 main.py 删除成功",
    }
    gone = await client.get("/api/script/files/1")
    assert gone.status_code == 404
    assert gone.json() == {"success": False, "error": "文件不存在: 1"}


async def test_search_by_keyword_and_filters(client: httpx.AsyncClient) -> None:
    await make_project(client)
    await make_file(client, 1, "main.py")
    await make_file(client, 1, "lib/util.py", content="def helper():\n    return 'main'\n")
    await make_file(client, 1, "notes_100%.py", content="x = 1\n")
    hit = {
        "id": 1,
        "file_name": "main.py",
        "file_path": "main.py",
        "project_name": "测试项目",
        "file_type": "python",
        "has_boot_function": True,
        "created_at": TS,
    }
    both = (await client.get("/api/script/files/search", params={"keyword": "MAIN"})).json()
    assert [f["id"] for f in both["data"]["files"]] == [1, 2]
    assert both["data"]["files"][0] == hit
    assert both["data"]["count"] == 2
    booted = (
        await client.get("/api/script/files/search", params={"keyword": "main", "has_boot": "true"})
    ).json()
    assert booted == {"success": True, "data": {"files": [hit], "count": 1}}
    # LIKE wildcards in the keyword are literal characters
    percent = (await client.get("/api/script/files/search", params={"keyword": "%"})).json()
    assert [f["file_path"] for f in percent["data"]["files"]] == ["notes_100%.py"]
    other = (
        await client.get("/api/script/files/search", params={"keyword": "main", "project_id": 99})
    ).json()
    assert other["data"] == {"files": [], "count": 0}
    typed = (
        await client.get("/api/script/files/search", params={"keyword": "main", "file_type": "js"})
    ).json()
    assert typed["data"]["count"] == 0


async def test_search_without_keyword_is_a_400_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/script/files/search")
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "请求参数验证失败",
        "detail": [{"field": "keyword", "message": "必填字段"}],
    }


async def test_validate_syntax_ok_and_error(client: httpx.AsyncClient) -> None:
    good = await client.post("/api/script/validate-syntax", json={"content": BOOT})
    assert good.json() == {"success": True, "data": {"valid": True, "message": "语法检查通过"}}
    bad_source = "def boot():\n    x = 1\n\n\nif x = 2:\n    pass\n"
    bad = await client.post("/api/script/validate-syntax", json={"content": bad_source})
    body = bad.json()
    assert bad.status_code == 200
    assert body["success"] is True
    assert body["data"]["valid"] is False
    assert body["data"]["line"] == 5
    assert body["data"]["error"].startswith("语法错误: ")
    assert isinstance(body["data"]["offset"], int)
    assert set(body["data"]) == {"valid", "error", "line", "offset"}
    english = await client.post(
        "/api/script/validate-syntax", json={"content": "x = (\n"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["data"]["error"] == "Syntax error: '(' was never closed"


async def test_upload_creates_a_file(client: httpx.AsyncClient) -> None:
    await make_project(client)
    source = b"def boot():\n    pass\n"
    response = await client.post(
        "/api/script/upload", data={"project_id": "1"}, files={"file": ("uploaded_script.py", source)}
    )
    assert response.json() == {
        "success": True,
        "message": "文件上传成功",
        "data": {
            "id": 1,
            "file_name": "uploaded_script.py",
            "file_path": "uploaded_script.py",
            "size": len(source),
            "has_boot_function": True,
            "created_at": TS,
        },
    }


async def test_upload_refuses_non_utf8_and_oversized_files(client: httpx.AsyncClient, app: FastAPI) -> None:
    await make_project(client)
    latin = await client.post(
        "/api/script/upload", data={"project_id": "1"}, files={"file": ("a.py", "x = 'é'".encode("latin-1"))}
    )
    assert latin.status_code == 400
    assert latin.json() == {"success": False, "error": "上传的文件不是UTF-8文本: a.py"}
    app.state.settings.max_upload_bytes = 10
    big = await client.post(
        "/api/script/upload", data={"project_id": "1"}, files={"file": ("b.py", b"#" * 11)}
    )
    assert big.status_code == 400
    assert big.json()["error"].startswith("内容过大")
    assert (await client.get("/api/script/projects/1/files")).json()["data"]["files"] == []


async def test_duplicate_file_path_is_409_and_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await make_project(client)
    await make_file(client, 1)
    before = await snapshot(app.state.engine)
    response = await client.post(
        "/api/script/files",
        json={"project_id": 1, "file_name": "main.py", "file_path": "main.py", "content": "x = 1"},
    )
    assert response.status_code == 409
    assert response.json() == {"success": False, "error": "文件路径已存在: main.py(项目 测试项目)"}
    assert await snapshot(app.state.engine) == before


async def test_duplicate_project_name_is_409_and_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await make_project(client)
    before = await snapshot(app.state.engine)
    response = await client.post("/api/script/projects", json={"project_name": "测试项目"})
    assert response.status_code == 409
    assert response.json() == {"success": False, "error": "项目名称已存在: 测试项目"}
    rename = await make_project(client, "另一个")
    clash = await client.put(f"/api/script/projects/{rename['id']}", json={"project_name": "测试项目"})
    assert clash.status_code == 409
    assert (await snapshot(app.state.engine))["script_projects"][0] == before["script_projects"][0]


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    for method, url in [
        ("GET", "/api/script/projects/42"),
        ("GET", "/api/script/projects/42/files"),
        ("PUT", "/api/script/files/42"),
        ("DELETE", "/api/script/files/42"),
        ("GET", "/api/script/files/42/versions"),
    ]:
        response = await client.request(method, url, json={"content": "x"})
        assert response.status_code == 404, (method, url)
        assert response.json()["success"] is False
    created = await client.post(
        "/api/script/files", json={"project_id": 42, "file_name": "a.py", "file_path": "a.py"}
    )
    assert created.status_code == 404
    assert created.json() == {"success": False, "error": "项目不存在: 42"}


async def test_archived_project_files_are_read_only(client: httpx.AsyncClient) -> None:
    await make_project(client)
    await make_file(client, 1)
    await client.delete("/api/script/projects/1")
    response = await client.put("/api/script/files/1", json={"content": "x = 1"})
    assert response.status_code == 409
    assert response.json() == {"success": False, "error": "项目 测试项目 已归档,无法修改其文件"}
    assert (await client.get("/api/script/files/1")).json()["data"]["content"] == BOOT
