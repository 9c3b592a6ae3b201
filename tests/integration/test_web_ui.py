"""The built UI at `/`: history routes fall back to index.html; API, docs and schema paths never do."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ADMIN_TOKEN
from vwed.config import Settings
from vwed.web.app import create_app

INDEX = "<!doctype html><title>ui</title>"


@pytest.fixture
async def ui_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    ui = tmp_path / "ui"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text(INDEX)
    (ui / "assets" / "index-abc.js").write_text("console.log(1)")
    (ui / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside")
    settings = Settings(
        data_dir=tmp_path / "data",
        admin_token=ADMIN_TOKEN,
        ui_dir=ui,
        scheduler_enabled=False,
        executor_concurrency=0,
    )  # type: ignore[arg-type]
    app: FastAPI = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


async def test_history_routes_get_the_index_page(ui_client: httpx.AsyncClient) -> None:
    for path in ("/", "/projects/1/2", "/scheduled-tasks/new", "/login"):
        answer = await ui_client.get(path)
        assert answer.status_code == 200
        assert answer.text == INDEX
        assert answer.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_and_missing_ones_are_404(ui_client: httpx.AsyncClient) -> None:
    answer = await ui_client.get("/assets/index-abc.js")
    assert answer.status_code == 200
    assert "immutable" in answer.headers["cache-control"]
    assert (await ui_client.get("/assets/nope.js")).status_code == 404
    assert (await ui_client.get("/favicon.svg")).status_code == 200


async def test_server_paths_never_fall_back_to_the_ui(ui_client: httpx.AsyncClient) -> None:
    for path in ("/api/nope", "/api", "/metrics", "/docs/x", "/openapi.json/x"):
        answer = await ui_client.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["success"] is False
    assert (await ui_client.post("/api/nope")).status_code == 404
    assert (await ui_client.get("/openapi.json")).status_code == 200


async def test_no_path_reaches_a_file_outside_the_ui(ui_client: httpx.AsyncClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        answer = await ui_client.get(path)
        assert "outside" not in answer.text


async def test_docs_load_swagger_from_this_server_only(ui_client: httpx.AsyncClient) -> None:
    page = (await ui_client.get("/docs")).text
    assert 'src="/swagger/swagger-ui-bundle.js"' in page
    assert "http" not in page.replace('data-openapi-url="/openapi.json"', "").split("<body>")[1]
    assert "<script>" not in page


def test_the_committed_openapi_schema_is_the_apps_current_one() -> None:
    from vwed.web.openapi import schema

    committed = json.loads(
        (Path(__file__).parents[2] / "frontend" / "openapi.json").read_text(encoding="utf-8")
    )
    assert committed == schema(), (
        "run `make api-client` and commit frontend/openapi.json and src/api/schema.d.ts"
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_vwed_docs_list_every_module_of_the_script_object(client: httpx.AsyncClient) -> None:
    data = (await client.get("/api/script/vwed-docs")).json()["data"]
    names = {m["name"] for m in data["modules"]}
    assert {"api", "function", "event", "timer", "log", "data", "util"} <= names
    log = next(m for m in data["modules"] if m["name"] == "log")
    sync_info = next(m for m in log["members"] if m["name"] == "sync_info")
    assert sync_info["signature"].startswith("sync_info(message")
    assert not sync_info["is_async"]
    assert {m["name"] for m in data["methods"]} >= {"get_script_id", "get_start_params"}
