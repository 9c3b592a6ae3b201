"""The request boundary: no client input gives a 500; ids, pages, JSON bodies and headers are checked once,
and every message about them is in the caller's language and names the field."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.backends import snapshot
from tests.integration.scripts_helpers import add_file, messages_until, start
from vwed.config import Settings

HUGE = "99999999999999999999"  # > 2^63


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The boundary answers before any query; the ranges per back end are in test_input_ids.py."""
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Scripts on an L0 node are fine here (admin tokens only)."""
    settings.allow_l0_tenant_scripts = True
    return settings


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


async def test_an_upload_with_a_huge_project_id_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/script/upload", data={"project_id": HUGE}, files={"file": ("a.py", b"x = 1")}
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "project_id"


async def test_a_log_cursor_beyond_64_bits_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/script/scripts/x/logs", params={"cursor": HUGE})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "cursor"


TASK = {"task_name": "t", "time_points": ["08:00"], "script_content": "result = None"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/scheduled-tasks", {**TASK, "input_params": {"n": 10**30}}, "input_params.n"),
        ("/api/scheduled-tasks", {**TASK, "input_params": {"n": [1, -(10**19)]}}, "input_params.n[1]"),
        ("/api/scheduled-tasks/test-script", {"script_content": "x=1", "input_params": {"n": 10**30}}, None),
        (
            "/api/script/scripts/execute-function",
            {"script_id": "s", "function_name": "f", "function_args": 2**64},
            None,
        ),
    ],
)
async def test_integers_beyond_64_bits_are_400_naming_the_field(
    client: httpx.AsyncClient, path: str, body: dict[str, object], field: str | None
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail[0]["message"] == "整数超出范围 (-2^63 到 2^63-1)"
    if field:
        assert detail[0]["field"] == field


async def test_nan_and_infinity_are_refused(client: httpx.AsyncClient) -> None:
    for literal in (b"NaN", b"Infinity", b"1e999"):
        response = await client.post(
            "/api/scheduled-tasks/schedule-preview",
            content=b'{"count": 1, "cron_expression": "* * * * *", "x": ' + literal + b"}",
            headers={"Content-Type": "application/json", "Accept-Language": "en"},
        )
        assert response.status_code == 400
        assert response.json()["detail"] == [{"field": "x", "message": "NaN and Infinity are not supported"}]


@pytest.mark.parametrize(
    "path",
    [
        "/api/scheduled-tasks",
        "/api/scheduled-tasks/test-script",
        "/api/script/scripts/execute-function",
        "/api/custom/anything",
        "/api/script/projects",
    ],
)
@pytest.mark.parametrize("depth", [65, 300, 5000])
async def test_json_nested_deeper_than_the_limit_is_400_on_every_body(
    client: httpx.AsyncClient, path: str, depth: int
) -> None:
    # Built by hand: the client's own encoder would stop at this depth too.
    raw = b'{"x": ' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post(path, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "嵌套层数超过 64 层" in response.text


async def test_json_at_the_depth_limit_passes_the_boundary(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/script/validate-syntax", json={"content": "x=1", "extra": nested(63)})
    assert response.status_code == 200


async def test_execute_function_bodies_have_a_size_cap(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.settings.max_body_bytes = 2048
    body = {"script_id": "s", "function_name": "f", "function_args": "x" * 5000}
    response = await client.post("/api/script/scripts/execute-function", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith("内容过大")
    assert response.json()["error"].endswith("上限 2048 字节")

    async def chunks():
        for _ in range(10):
            yield b"x" * 1000

    # No Content-Length (chunked): the cap holds while reading.
    streamed = await client.post("/api/custom/x", content=chunks())
    assert streamed.status_code == 400
    assert streamed.json()["error"].startswith("内容过大")


async def test_nul_and_lone_surrogates_are_400_on_the_platform_api(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    before = await snapshot(app.state.engine)
    raw = b'{"project_name": "a\\u0000b"}'
    named = await client.post(
        "/api/script/projects", content=raw, headers={"Content-Type": "application/json"}
    )
    assert named.status_code == 400
    assert named.json()["detail"] == [{"field": "project_name", "message": "不能包含NUL字符或无效的Unicode"}]
    surrogate = b'{"project_name": "p", "description": "\\ud800"}'
    lone = await client.post(
        "/api/script/projects", content=surrogate, headers={"Content-Type": "application/json"}
    )
    assert lone.status_code == 400
    assert lone.json()["detail"][0]["field"] == "description"
    query = await client.get("/api/scheduled-tasks", params={"keyword": "a\x00"})
    assert query.status_code == 400
    assert await snapshot(app.state.engine) == before


@pytest.mark.parametrize(
    ("lang", "error", "message"),
    [(None, "请求参数验证失败", "应为字符串"), ("en", "Request validation failed", "Must be a string")],
)
async def test_pydantic_messages_are_localised_and_name_the_field(
    client: httpx.AsyncClient, lang: str | None, error: str, message: str
) -> None:
    headers = {"Accept-Language": lang} if lang else {}
    response = await client.post("/api/script/projects", json={"project_name": 5}, headers=headers)
    assert response.json() == {
        "success": False,
        "error": error,
        "detail": [{"field": "project_name", "message": message}],
    }


async def test_nested_field_paths_name_the_item(client: httpx.AsyncClient) -> None:
    body = {**TASK, "notify_channels": [1, "x"]}
    response = await client.post("/api/scheduled-tasks", json=body, headers={"Accept-Language": "en"})
    assert response.json()["detail"] == [{"field": "notify_channels[1]", "message": "Must be an integer"}]


@pytest.mark.parametrize(
    ("lang", "message"), [(None, "请求体不是有效的JSON"), ("en", "The request body is not valid JSON")]
)
async def test_malformed_json_names_the_body_not_a_character_offset(
    client: httpx.AsyncClient, lang: str | None, message: str
) -> None:
    headers = {"Content-Type": "application/json", **({"Accept-Language": lang} if lang else {})}
    response = await client.post("/api/script/projects", content=b'{"project_name": ', headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "body", "message": message}]


async def test_an_unparsable_form_is_a_localised_400(client: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "multipart/form-data"}  # no boundary: the form cannot be split
    for lang, message in (("zh", "无法解析请求体"), ("en", "The request body could not be parsed")):
        response = await client.post(
            "/api/script/upload", content=b"--zzz\r\nbroken", headers={**headers, "Accept-Language": lang}
        )
        assert response.status_code == 400, response.text
        assert response.json() == {"success": False, "error": message}


async def test_log_download_of_a_non_latin1_script_id_uses_rfc5987(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/script/scripts/脚本.py_1_ab/logs/download")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"__.py_1_ab.log\"; filename*=UTF-8''%E8%84%9A%E6%9C%AC.py_1_ab.log"
    )


@pytest.mark.parametrize(
    "after", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1969-12-31T23:00:00"]
)
async def test_schedule_preview_near_the_ends_of_the_calendar_is_a_clear_400(
    client: httpx.AsyncClient, after: str
) -> None:
    body = {"cron_expression": "0 0 29 2 *", "timezone": "UTC", "after": after, "count": 100}
    response = await client.post("/api/scheduled-tasks/schedule-preview", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == [{"field": "after", "message": "时间应在 1970 至 9000 年之间"}]


async def test_log_queries_with_times_far_out_are_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/script/scripts/x/logs", params={"since": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "since"


@pytest.mark.parametrize("level", ["BOGUS", "info,nope"])
async def test_an_unknown_log_level_filter_is_400(client: httpx.AsyncClient, level: str) -> None:
    response = await client.get("/api/script/scripts/x/logs", params={"level": level})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "level"
    assert (
        await client.get("/api/script/scripts/x/logs", params={"level": "error,Warning"})
    ).status_code == 200


async def test_broadcast_test_levels_are_an_enum(client: httpx.AsyncClient) -> None:
    await add_file(client, "def boot():\n    pass\n", "quiet.py")
    script_id = (await start(client, "quiet.py"))["script_id"]
    bogus = await client.post(
        "/api/script/ws/broadcast/test", json={"script_id": script_id, "message": "m", "level": "bogus"}
    )
    assert bogus.status_code == 400
    assert bogus.json()["detail"][0]["field"] == "level"
    fine = await client.post(
        "/api/script/ws/broadcast/test", json={"script_id": script_id, "message": "m", "level": "WARN"}
    )
    assert fine.status_code == 200


async def test_a_boot_that_raises_is_a_400_with_its_error(client: httpx.AsyncClient) -> None:
    await add_file(
        client, 'def boot():\n    @VWED.api.get("/x", colour="red")\n    def x(r):\n        return 1\n'
    )
    response = await client.post("/api/script/scripts/start", json={"script_path": "main.py"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("脚本启动失败: TypeError")
    assert "colour" in error
    assert (await client.get("/api/script/scripts/running")).json()["data"] == []


async def test_deeply_nested_function_args_never_reach_the_script_process(client: httpx.AsyncClient) -> None:
    await add_file(
        client, 'def boot():\n    @VWED.function.register("echo")\n    def echo(args):\n        return args\n'
    )
    script_id = (await start(client, "main.py"))["script_id"]
    ok = await client.post(
        "/api/script/scripts/execute-function",
        json={"script_id": script_id, "function_name": "echo", "function_args": nested(60)},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["result"] == nested(60)
    deep = await client.post(
        "/api/script/scripts/execute-function",
        json={"script_id": script_id, "function_name": "echo", "function_args": nested(120)},
    )
    assert deep.status_code == 400
    assert deep.json()["detail"][0]["field"].startswith("function_args.a.a")


async def test_a_start_refused_with_409_publishes_nothing_under_its_script_id(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    source = (
        'def boot():\n    VWED.log.sync_info("booting")\n'
        '    @VWED.api.get("/same")\n    def same(r):\n        return 1\n'
    )
    await add_file(client, source, "a.py")
    await add_file(client, source, "b.py")
    lines = await app.state.bus.subscribe("script.log.*")
    first = (await start(client, "a.py"))["script_id"]
    refused = await client.post("/api/script/scripts/start", json={"script_path": "b.py"})
    assert refused.status_code == 409
    # A line broadcast after the refusal marks the end: whatever the refused start logged came before.
    marker = await client.post(
        "/api/script/ws/broadcast/test", json={"script_id": first, "message": "end-of-test"}
    )
    assert marker.status_code == 200
    seen = await messages_until(lines, lambda m: m.data.get("message") == "end-of-test")
    await lines.close()
    assert {m.channel for m in seen} == {f"script.log.{first}"}
