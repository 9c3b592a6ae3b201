"""Secrets, tenants, variables, parameters and db_query as task scripts see them, on every back end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.integration.task_helpers import create_task, run_now, task_settings
from vwed.config import Settings
from vwed.secrets.models import Secret


@pytest.fixture
def settings(backend: str, tmp_path: Path, server_databases: dict[str, str]) -> Settings:
    url = None if backend == "sqlite" else server_databases[backend]
    return task_settings(tmp_path, url, scheduler_enabled=False, db_query_tables="vwed_test_sales")


async def try_script(client: httpx.AsyncClient, source: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/scheduled-tasks/test-script", json={"script_content": source, **extra})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_secret_values_are_write_only_encrypted_and_masked_in_output(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    value = "sk-live-0123456789abcdef"
    created = await client.post(
        "/api/scheduled-tasks/secrets", json={"key": "API_TOKEN", "value": value, "description": "外部接口"}
    )
    assert created.status_code == 200, created.text
    listed = (await client.get("/api/scheduled-tasks/secrets")).json()["data"]
    assert [s["key"] for s in listed] == ["API_TOKEN"]
    assert value not in created.text + str(listed)
    async with app.state.sessions() as session:
        stored = (await session.execute(text("SELECT secret_value FROM platform_secrets"))).scalar_one()
    assert value not in stored
    task = await create_task(client, "t = get_secret('API_TOKEN')\nprint('token', t)\nraise ValueError(t)")
    run = await run_now(client, task["id"])
    assert run["status"] == "failed"
    assert value not in run["output"] + run["error"]
    assert "token ******" in run["output"]
    assert run["error"] == "第 3 行: ValueError: ******"


async def test_secret_update_and_delete_and_tenant_override(client: httpx.AsyncClient) -> None:
    made = (await client.post("/api/scheduled-tasks/secrets", json={"key": "K", "value": "global-v1"})).json()
    await client.post(
        "/api/scheduled-tasks/secrets", json={"key": "K", "value": "tenant-t1", "tenant_id": "t1"}
    )
    dup = await client.post("/api/scheduled-tasks/secrets", json={"key": "K", "value": "again"})
    assert dup.status_code == 409
    await client.put(f"/api/scheduled-tasks/secrets/{made['data']['id']}", json={"value": "global-v2"})
    source = "result = {'title': 't', 'content': str(len(get_secret('K')))}"
    assert (await try_script(client, source))["result"]["content"] == str(len("global-v2"))
    assert (await try_script(client, source, tenant_id="t1"))["result"]["content"] == str(len("tenant-t1"))
    # Another tenant's run does not read the global secret until an admin shares it.
    assert (await try_script(client, "result = {'v': get_secret('K')}", tenant_id="t2"))["result"] == {
        "v": None
    }
    shared = await client.put(f"/api/scheduled-tasks/secrets/{made['data']['id']}", json={"shared": True})
    assert shared.json()["data"]["shared"] is True
    assert (await try_script(client, source, tenant_id="t2"))["result"]["content"] == str(len("global-v2"))
    deleted = await client.delete(f"/api/scheduled-tasks/secrets/{made['data']['id']}")
    assert deleted.json() == {"success": True, "message": "密钥已删除: K"}
    assert (await try_script(client, "result = {'v': get_secret('K')}"))["result"] == {"v": None}


async def test_tenant_functions_return_admin_data_scoped_to_the_task_tenant(
    client: httpx.AsyncClient,
) -> None:
    for tenant in ("t1", "t2"):
        response = await client.post(
            "/api/tenants", json={"tenant_id": tenant, "tenant_name": f"租户{tenant}"}
        )
        assert response.status_code == 200, response.text
        body = {"app_code": "crm", "key": "webhook", "value": f"https://{tenant}.example.com"}
        assert (await client.put(f"/api/tenants/{tenant}/configs", json=body)).status_code == 200
    source = (
        "result = {'tenants': [t['tenant_id'] for t in get_tenants()],"
        " 'one': get_tenant_config('t2', 'crm', 'webhook'),"
        " 'all': get_all_tenant_configs('crm', 'webhook')}"
    )
    everyone = (await try_script(client, source))["result"]
    assert everyone["tenants"] == ["t1", "t2"]
    assert everyone["one"] == "https://t2.example.com"
    assert [c["tenant_id"] for c in everyone["all"]] == ["t1", "t2"]
    own = (await try_script(client, source, tenant_id="t1"))["result"]
    assert own == {
        "tenants": ["t1"],
        "one": None,
        "all": [{"tenant_id": "t1", "value": "https://t1.example.com"}],
    }
    configs = (await client.get("/api/tenants/t1/configs")).json()["data"]
    assert [(c["app_code"], c["key"]) for c in configs] == [("crm", "webhook")]


async def test_variables_persist_across_runs_of_one_task_only(client: httpx.AsyncClient) -> None:
    source = "n = get_var('count', 0) + 1\nset_var('count', n)\nset_var('obj', {'n': n})\nprint('count', n)"
    task = await create_task(client, source)
    other = await create_task(client, "print('other', get_var('count'))")
    assert "count 1" in (await run_now(client, task["id"]))["output"]
    assert "count 2" in (await run_now(client, task["id"]))["output"]
    assert "other None" in (await run_now(client, other["id"]))["output"]
    gone = await create_task(client, "print(del_var('x'))")
    assert "False" in (await run_now(client, gone["id"]))["output"]


async def test_db_query_reads_exposed_tables_and_refuses_writes(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with app.state.engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS vwed_test_sales"))
        await conn.execute(text("CREATE TABLE vwed_test_sales (id INTEGER PRIMARY KEY, amount INTEGER)"))
        await conn.execute(text("INSERT INTO vwed_test_sales (id, amount) VALUES (1, 100), (2, 250)"))
    sql = "SELECT amount FROM vwed_test_sales WHERE id >= :low ORDER BY id"
    read = f"result = {{'rows': db_query({sql!r}, {{'low': 1}})}}"
    assert (await try_script(client, read))["result"] == {"rows": [{"amount": 100}, {"amount": 250}]}
    for sql in ("DELETE FROM vwed_test_sales", "WITH x AS (SELECT 1) DELETE FROM vwed_test_sales"):
        data = await try_script(client, f"db_query({sql!r})")
        assert data["success"] is False
        assert "只读" in data["error"] or "db_query" in data["error"], data["error"]
    hidden = await try_script(client, "db_query('SELECT * FROM platform_scheduled_tasks')")
    assert "未开放" in hidden["error"]
    async with app.state.engine.connect() as conn:
        count = (await conn.execute(text("SELECT COUNT(*) FROM vwed_test_sales"))).scalar_one()
        await conn.execute(text("DROP TABLE vwed_test_sales"))
        await conn.commit()
    assert count == 2


async def test_sdk_docs_are_generated_in_both_languages(client: httpx.AsyncClient) -> None:
    data = (await client.get("/api/scheduled-tasks/sdk-docs")).json()["data"]
    ai = data["functions"]["ai"][0]
    assert ai["signature"] == "ai(prompt, system=None, model='deepseek-chat')"
    assert ai["description"].startswith("调用平台配置的 AI 模型")
    assert ai["description_en"].startswith("Ask the platform's AI endpoint")
    assert "ai(" in ai["example"]
    names = {entry["name"] for group in data["functions"].values() for entry in group}
    assert len(names) == 17
    assert data["modules"] == [
        "datetime",
        "date",
        "timedelta",
        "time",
        "json",
        "re",
        "math",
        "random",
        "hashlib",
        "base64",
    ]


async def test_test_script_reports_the_user_line_and_renders_messages(client: httpx.AsyncClient) -> None:
    bad = await try_script(client, "x = 1\ny = 2\nz = x / 0\n")
    assert bad["error"] == "第 3 行: ZeroDivisionError: division by zero"
    assert bad["line"] == 3
    syntax = await try_script(client, "x = 1\nif x\n")
    assert syntax["line"] == 2
    assert "SyntaxError" in syntax["error"]
    good = await try_script(
        client, "print('hi')\nresult = {'title': 'T', 'content': '**C**'}", input_params={"a": 1}
    )
    assert good["success"] is True
    assert good["output"] == "hi\n"
    assert good["messages"]["dingtalk_bot"]["payload"]["markdown"]["title"] == "T"
    assert good["deliveries"] == []
    assert isinstance(good["duration_ms"], int)


async def test_secret_rows_never_hold_plain_values(app: FastAPI, client: httpx.AsyncClient) -> None:
    await client.post("/api/scheduled-tasks/secrets", json={"key": "P", "value": "plain-text-value"})
    async with app.state.sessions() as session:
        rows = (await session.execute(text("SELECT * FROM platform_secrets"))).all()
    assert rows
    assert all("plain-text-value" not in str(row) for row in rows)
    assert Secret.__tablename__ == "platform_secrets"
