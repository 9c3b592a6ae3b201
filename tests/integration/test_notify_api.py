"""`/api/notification-channels` on SQLite, PostgreSQL and MySQL: channels, WeCom apps, tests, secrecy."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import ADMIN_TOKEN, TS
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.results import SEED_RESULTS
from tests.fakes.wecom import FakeWecom
from tests.servers import LocalServer
from vwed.auth.service import create_token
from vwed.config import Settings
from vwed.crypto import SecretBox
from vwed.db.base import ADMIN_SCOPE
from vwed.notify.service import NotifyService

SECRET = "SECa9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8"
BASE = "/api/notification-channels"


@pytest.fixture
def settings(backend: str, tmp_path: Path, server_databases: dict[str, str]) -> Settings:
    """The shared test settings plus an egress allow-list naming 127.0.0.1 where the fakes listen."""
    url = None if backend == "sqlite" else server_databases[backend]
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        egress_allow="127.0.0.1",
    )


@pytest.fixture
async def ding() -> AsyncIterator[tuple[FakeDingTalk, LocalServer]]:
    fake = FakeDingTalk(secret=SECRET)
    async with LocalServer(fake.app) as server:
        yield fake, server


@pytest.fixture
async def wecom() -> AsyncIterator[tuple[FakeWecom, LocalServer]]:
    fake = FakeWecom()
    async with LocalServer(fake.app) as server:
        yield fake, server


async def create(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post(BASE, json=body)


def dingtalk_body(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "channel_name": "运维群",
        "channel_type": "dingtalk_bot",
        "webhook_url": url,
        "sign_secret": SECRET,
        "description": "钉钉运维群机器人",
        **extra,
    }


async def test_create_list_update_and_delete_a_channel(client: httpx.AsyncClient) -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
    created = await create(client, **dingtalk_body(url))
    assert created.status_code == 200, created.text
    channel = {
        "id": 1,
        "tenant_id": None,
        "channel_name": "运维群",
        "channel_type": "dingtalk_bot",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=012****cdef",
        "sign_secret": "SEC****a9b8",
        "has_sign_secret": True,
        "description": "钉钉运维群机器人",
        "is_enabled": True,
        "created_at": TS,
        "updated_at": TS,
    }
    assert created.json() == {"success": True, "message": "通知渠道 运维群 创建成功", "data": channel}
    listed = (await client.get(BASE)).json()
    assert listed == {"success": True, "data": [channel]}

    # What the list showed, sent back as is, changes nothing secret.
    shown = {**listed["data"][0], "description": "改了描述", "is_enabled": False}
    same = await client.put(f"{BASE}/1", json=shown)
    assert same.json()["data"] == {**channel, "description": "改了描述", "is_enabled": False}

    deleted = await client.delete(f"{BASE}/1")
    assert deleted.json() == {"success": True, "message": "通知渠道 运维群 已删除"}
    assert (await client.get(BASE)).json() == {"success": True, "data": []}


async def test_sign_secret_is_stored_encrypted_and_kept_when_sent_back_masked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    await create(client, **dingtalk_body(url))
    await client.put(f"{BASE}/1", json={"sign_secret": "SEC****a9b8", "webhook_url": url})
    async with app.state.engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT sign_secret FROM platform_task_notify_channels"))
        ).scalar_one()
    assert SECRET not in stored
    assert SecretBox.from_settings(app.state.settings).open(stored) == SECRET

    replaced = await client.put(f"{BASE}/1", json={"sign_secret": "SECnew-secret-value-0000-1111"})
    assert replaced.json()["data"]["sign_secret"] == "SEC****1111"
    cleared = await client.put(f"{BASE}/1", json={"sign_secret": None})
    assert cleared.json()["data"]["sign_secret"] is None
    assert cleared.json()["data"]["has_sign_secret"] is False


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"channel_type": "dingtalk_bot", "webhook_url": "https://oapi.dingtalk.com/robot/send"},
            "dingtalk_bot 的地址无效: access_token=",
        ),
        (
            {"channel_type": "wecom_bot", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/send?key=k"},
            "wecom_bot 的地址无效: path /cgi-bin/webhook/send",
        ),
        (
            {
                "channel_type": "wecom_bot",
                "webhook_url": "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            },
            "无效的URL(需要 http 或 https 地址): ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        ),
        (
            {
                "channel_type": "wecom_bot",
                "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                "sign_secret": "SECx",
            },
            "只有钉钉机器人支持加签密钥 sign_secret",
        ),
        (
            {
                "channel_type": "dingtalk_bot",
                "webhook_url": "http://169.254.169.254/robot/send?access_token=t",
            },
            "出站地址被安全策略拒绝: 169.254.169.254 (169.254.169.254),"
            "如需访问请由管理员加入 VWED_EGRESS_ALLOW",
        ),
        (
            {"channel_type": "apprise", "webhook_url": "nosuchscheme://x"},
            "apprise 的地址无效: Apprise 无法识别该通知地址",
        ),
        (
            {"channel_type": "apprise", "webhook_url": "windows://"},
            "apprise 的地址无效: 不允许本机通知方式 windows://",
        ),
    ],
)
async def test_urls_are_validated_per_channel_type(
    client: httpx.AsyncClient, body: dict[str, Any], error: str
) -> None:
    response = await create(client, channel_name="x", **body)
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": error}


async def test_unknown_channel_type_is_a_field_error(client: httpx.AsyncClient) -> None:
    response = await create(client, channel_name="x", channel_type="feishu", webhook_url="https://x")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "channel_type"


async def test_names_are_unique_and_missing_channels_are_404(client: httpx.AsyncClient) -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    await create(client, **dingtalk_body(url))
    again = await create(client, **dingtalk_body(url))
    assert (again.status_code, again.json()["error"]) == (409, "通知渠道名称已存在: 运维群")
    missing = await client.put(f"{BASE}/9", json={"description": "x"})
    assert (missing.status_code, missing.json()["error"]) == (404, "通知渠道不存在: 9")
    english = await client.delete(f"{BASE}/9", headers={"Accept-Language": "en"})
    assert english.json()["error"] == "Notification channel not found: 9"


async def test_channel_test_sends_a_real_message_and_reports_the_answer(
    client: httpx.AsyncClient, ding: tuple[FakeDingTalk, LocalServer]
) -> None:
    fake, server = ding
    await create(client, **dingtalk_body(fake.url(server.url)))
    response = await client.post(f"{BASE}/1/test")
    assert response.json() == {
        "success": True,
        "message": "测试消息发送成功,机器人回复: ok",
        "data": {
            "target": "运维群",
            "channel_type": "dingtalk_bot",
            "ok": True,
            "message": "ok",
            "converted_from": None,
        },
    }
    assert fake.received[0]["markdown"]["title"] == "VWED 通知渠道测试"


async def test_failed_channel_test_reports_the_robot_error(
    client: httpx.AsyncClient, ding: tuple[FakeDingTalk, LocalServer]
) -> None:
    fake, server = ding
    await create(client, **dingtalk_body(fake.url(server.url), sign_secret="SECnot-the-right-one-000000"))
    response = await client.post(f"{BASE}/1/test", json={"content": "自定义测试内容"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("测试消息发送失败: 钉钉签名或关键词校验失败(310000)")


async def test_wecom_app_crud_and_test(
    client: httpx.AsyncClient, wecom: tuple[FakeWecom, LocalServer]
) -> None:
    fake, server = wecom
    body = {
        "app_name": "运维通知",
        "corp_id": fake.corp_id,
        "agent_id": fake.agent_id,
        "secret": fake.secret,
        "default_touser": "zhangsan",
        "api_base": server.url,
    }
    created = (await client.post(f"{BASE}/wecom-apps", json=body)).json()
    assert created["message"] == "企微应用 运维通知 创建成功"
    assert created["data"]["secret"] == "APP****0123"
    listed = (await client.get(f"{BASE}/wecom-apps")).json()["data"]
    assert listed == [created["data"]]
    tested = await client.post(f"{BASE}/wecom-apps/1/test", json={"toparty": "2"})
    assert tested.json()["success"] is True, tested.text
    assert fake.app_received[0]["touser"] == "zhangsan"
    assert fake.app_received[0]["toparty"] == "2"
    kept = await client.put(f"{BASE}/wecom-apps/1", json={**created["data"], "default_touser": "lisi"})
    assert kept.json()["data"]["default_touser"] == "lisi"
    assert (await client.post(f"{BASE}/wecom-apps/1/test")).json()["success"] is True
    assert fake.gettoken_calls == 1
    deleted = await client.delete(f"{BASE}/wecom-apps/1")
    assert deleted.json() == {"success": True, "message": "企微应用 运维通知 已删除"}


async def test_check_result_shows_each_channel_payload(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/check-result", json={"result": SEED_RESULTS["actionCard"]})
    data = response.json()["data"]
    assert data["dingtalk_bot"]["msg_type"] == "actionCard"
    assert data["wecom_bot"] == {
        "msg_type": "markdown",
        "converted_from": "actionCard",
        "payload": {"msgtype": "markdown", "markdown": {"content": data["apprise"]["body"]}},
    }
    bad = await client.post(f"{BASE}/check-result", json={"result": {"msg_type": "feedCard"}})
    assert (bad.status_code, bad.json()["error"]) == (400, "result 字段 links 无效: 至少需要 1 项")


async def test_a_tenant_sees_only_its_own_channels(app: FastAPI, client: httpx.AsyncClient) -> None:
    await create(client, **dingtalk_body("https://oapi.dingtalk.com/robot/send?access_token=abc"))
    async with app.state.sessions() as session:
        issued = await create_token(session, "tenant-a", "user", "tenant-a")
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await client.get(BASE, headers=headers)).json() == {"success": True, "data": []}
    assert (await client.post(f"{BASE}/1/test", headers=headers)).status_code == 404
    own = await client.post(
        BASE,
        headers=headers,
        json=dingtalk_body("https://oapi.dingtalk.com/robot/send?access_token=def", channel_name="A 群"),
    )
    assert own.json()["data"]["tenant_id"] == "tenant-a"
    assert [c["id"] for c in (await client.get(BASE)).json()["data"]] == [1, 2]


async def test_channel_secrets_never_appear_in_responses_logs_or_errors(
    app: FastAPI,
    client: httpx.AsyncClient,
    ding: tuple[FakeDingTalk, LocalServer],
    wecom: tuple[FakeWecom, LocalServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    dfake, dserver = ding
    wfake, wserver = wecom
    seen: list[str] = []

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await client.request(method, path, **kwargs)
        seen.append(response.text)
        return response

    await call("POST", BASE, json=dingtalk_body(dfake.url(dserver.url)))
    await call(
        "POST",
        BASE,
        json=dingtalk_body(dfake.url(dserver.url), channel_name="错密钥", sign_secret=SECRET[:-1]),
    )
    await call(
        "POST",
        BASE,
        json={"channel_name": "企微", "channel_type": "wecom_bot", "webhook_url": wfake.url(wserver.url)},
    )
    app_body = {
        "app_name": "应用",
        "corp_id": wfake.corp_id,
        "agent_id": wfake.agent_id,
        "secret": wfake.secret,
        "default_touser": "u",
        "api_base": wserver.url,
    }
    await call("POST", f"{BASE}/wecom-apps", json=app_body)
    await call(
        "POST", f"{BASE}/wecom-apps", json={**app_body, "app_name": "错应用", "secret": wfake.secret[::-1]}
    )
    await call("GET", BASE)
    await call("GET", f"{BASE}/wecom-apps")
    for channel_id in (1, 2, 3):
        await call("POST", f"{BASE}/{channel_id}/test")
    for app_id in (1, 2):
        await call("POST", f"{BASE}/wecom-apps/{app_id}/test")
    await call("PUT", f"{BASE}/1", json={"sign_secret": SECRET, "channel_type": "wecom_bot"})
    await call("PUT", f"{BASE}/1", json={"channel_name": "错密钥"})
    await call("PUT", f"{BASE}/wecom-apps/1", json={"api_base": "http://169.254.169.254"})
    wfake.expire_tokens()
    async with app.state.sessions() as session:
        service = NotifyService(session, app.state.settings, ADMIN_SCOPE)
        outcomes = await service.send_result([1, 2, 3], SEED_RESULTS["file"], wecom_app_id=1, trace_id="leak")
        outcomes += await service.send_result([1, 2], {"msg_type": "bad"}, wecom_app_id=2, trace_id="leak")
        seen.extend(repr(o) for o in outcomes)
    await call("GET", f"{BASE}/deliveries")

    assert any(not o.ok for o in outcomes)
    assert any(o.ok for o in outcomes)
    logged = [(r.name, r.getMessage() + repr(r.exc_info or "")) for r in caplog.records]
    everything = "\n".join([*seen, *(text for _, text in logged)])
    for secret in (SECRET, SECRET[:-1], wfake.secret, wfake.secret[::-1]):
        assert secret not in everything
    # Webhook URLs are stored as given (seed 004), so database debug logs show them; nothing else does.
    database = ("sqlalchemy", "aiosqlite", "asyncpg", "aiomysql")
    not_sql = "\n".join([*seen, *(text for name, text in logged if not name.startswith(database))])
    for token in (dfake.token, wfake.key):
        assert token not in not_sql
