"""Sending through the fake DingTalk and WeCom servers: every seed format, signing, pacing, tokens, retries.

These run on SQLite only: what they check does not depend on the database back end (the API tests in
test_notify_api.py run on all three).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.conftest import ADMIN_TOKEN
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.results import DINGTALK_EXPECTED, SEED_RESULTS, WECOM_EXPECTED
from tests.fakes.wecom import FakeWecom
from tests.servers import LocalServer
from vwed.config import Settings
from vwed.db.base import ADMIN_SCOPE
from vwed.net.egress import EgressDenied
from vwed.notify.delivery import RetryPolicy, WebhookPacer, WecomTokenCache
from vwed.notify.schemas import ChannelCreate, WecomAppCreate
from vwed.notify.service import DeliveryOutcome, NotifyService

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

SECRET = "SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Settings:
    """SQLite, and an egress allow-list naming 127.0.0.1 where the fakes listen."""
    return Settings(data_dir=tmp_path / "data", admin_token=ADMIN_TOKEN, egress_allow="127.0.0.1")  # type: ignore[arg-type]


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


def service(app: FastAPI, session: Any, **options: Any) -> NotifyService:
    options.setdefault("pacer", WebhookPacer(limit=20, window=60))
    options.setdefault("tokens", WecomTokenCache())
    options.setdefault("retry", RetryPolicy((0.05, 0.1)))
    return NotifyService(session, app.state.settings, ADMIN_SCOPE, **options)


async def add_channel(svc: NotifyService, name: str, kind: str, url: str, secret: str | None = None) -> int:
    channel = await svc.create_channel(
        ChannelCreate(channel_name=name, channel_type=kind, webhook_url=url, sign_secret=secret)  # type: ignore[arg-type]
    )
    return channel.id


async def test_every_seed_result_is_accepted_by_both_robots(
    app: FastAPI, ding: tuple[FakeDingTalk, LocalServer], wecom: tuple[FakeWecom, LocalServer]
) -> None:
    dfake, dserver = ding
    wfake, wserver = wecom
    async with app.state.sessions() as session:
        svc = service(app, session)
        d_id = await add_channel(svc, "钉钉", "dingtalk_bot", dfake.url(dserver.url), SECRET)
        w_id = await add_channel(svc, "企微", "wecom_bot", wfake.url(wserver.url))
        for name, result in SEED_RESULTS.items():
            outcomes = await svc.send_result([d_id, w_id], result, trace_id=f"trace-{name}")
            assert [o.ok for o in outcomes] == [True, True], (name, outcomes)
            assert outcomes[0].converted_from == DINGTALK_EXPECTED[name][1]
            assert outcomes[1].converted_from == WECOM_EXPECTED[name][1]
    assert [m["msgtype"] for m in dfake.received] == [DINGTALK_EXPECTED[n][0] for n in SEED_RESULTS]
    assert [m["msgtype"] for m in wfake.received] == [WECOM_EXPECTED[n][0] for n in SEED_RESULTS]
    uploaded = [m for m in wfake.received if m["msgtype"] == "file"]
    assert wfake.media[uploaded[0]["file"]["media_id"]] == (
        "report.csv",
        SEED_RESULTS["file"]["content"].encode(),
    )


async def test_wrong_secret_yields_the_dingtalk_signature_error(
    app: FastAPI, ding: tuple[FakeDingTalk, LocalServer]
) -> None:
    fake, server = ding
    async with app.state.sessions() as session:
        svc = service(app, session)
        channel = await add_channel(
            svc, "错误密钥", "dingtalk_bot", fake.url(server.url), "SECwrong-secret-value-000000"
        )
        [outcome] = await svc.send_result([channel], SEED_RESULTS["markdown"])
    assert not outcome.ok
    assert outcome.message.startswith("钉钉签名或关键词校验失败(310000)")
    assert "sign not match" in outcome.message
    assert fake.received == []


async def test_missing_keyword_is_reported_as_the_keyword_error(app: FastAPI) -> None:
    fake = FakeDingTalk(keywords=("告警",))
    async with LocalServer(fake.app) as server, app.state.sessions() as session:
        svc = service(app, session)
        outcome = await svc.send_direct("dingtalk", fake.url(server.url), "没有关键词")
        assert "keywords not in content" in outcome.message
        assert (await svc.send_direct("dingtalk", fake.url(server.url), "告警: 磁盘满")).ok


async def test_a_message_beyond_the_limit_is_delayed_not_lost(app: FastAPI) -> None:
    # The robot allows 3 a second here and refuses the 4th (130101) unless we wait: all 4 must arrive.
    # Four concurrent runs, each with its own session, share the process's pacer.
    fake = FakeDingTalk(limit=3, window=1.0)
    pacer = WebhookPacer(limit=3, window=1.0)

    async def run(i: int) -> DeliveryOutcome:
        async with app.state.sessions() as session:
            svc = service(app, session, pacer=pacer, retry=RetryPolicy(()))
            return await svc.send_direct("dingtalk", fake.url(server.url), f"第 {i} 条")

    async with LocalServer(fake.app) as server:
        outcomes = await asyncio.gather(*(run(i) for i in range(4)))
    assert all(o.ok for o in outcomes), outcomes
    assert sorted(m["markdown"]["text"] for m in fake.received) == [f"第 {i} 条" for i in range(4)]
    assert 130101 not in fake.answers


async def test_the_21st_message_to_a_robot_allowing_20_is_delayed_not_lost(app: FastAPI) -> None:
    # The real limit of 20, in a window shortened from 60 s to 1.5 s to keep the test fast.
    fake = FakeWecom(limit=20, window=1.5)
    async with LocalServer(fake.app) as server, app.state.sessions() as session:
        svc = service(app, session, pacer=WebhookPacer(limit=20, window=1.5), retry=RetryPolicy(()))
        outcomes = [await svc.send_direct("wecom", fake.url(server.url), f"第 {i} 条") for i in range(21)]
    assert all(o.ok for o in outcomes), [o.message for o in outcomes if not o.ok]
    assert [m["markdown"]["content"] for m in fake.received] == [f"第 {i} 条" for i in range(21)]


async def test_without_pacing_the_robot_rate_limit_is_a_clear_error(app: FastAPI) -> None:
    fake = FakeWecom(limit=2, window=30.0)
    async with LocalServer(fake.app) as server, app.state.sessions() as session:
        svc = service(app, session, pacer=WebhookPacer(limit=100, window=1.0))
        outcomes = [await svc.send_direct("wecom", fake.url(server.url), f"{i}") for i in range(3)]
    assert [o.ok for o in outcomes] == [True, True, False]
    assert outcomes[2].message.startswith("发送过于频繁,机器人限流(45009)")


async def test_wecom_app_token_is_fetched_once_and_reused(
    app: FastAPI, wecom: tuple[FakeWecom, LocalServer]
) -> None:
    fake, server = wecom
    async with app.state.sessions() as session:
        svc = service(app, session)
        app_row = await svc.create_wecom_app(
            WecomAppCreate(
                app_name="运维通知",
                corp_id=fake.corp_id,
                agent_id=fake.agent_id,
                secret=fake.secret,
                default_touser="zhangsan|lisi",
                api_base=server.url,
            )
        )
        for name in ("markdown", "text", "news", "text_notice", "image", "file"):
            [outcome] = await svc.send_result([], SEED_RESULTS[name], wecom_app_id=app_row.id)
            assert outcome.ok, (name, outcome)
        assert fake.gettoken_calls == 1
        fake.expire_tokens()
        [outcome] = await svc.send_result([], SEED_RESULTS["markdown"], wecom_app_id=app_row.id)
        assert outcome.ok, outcome
    assert fake.gettoken_calls == 2
    assert [m["msgtype"] for m in fake.app_received] == [
        "markdown",
        "text",
        "news",
        "template_card",
        "image",
        "file",
        "markdown",
    ]
    assert all(m["touser"] == "zhangsan|lisi" and m["agentid"] == fake.agent_id for m in fake.app_received)


async def test_wecom_app_with_a_wrong_secret_explains_it(
    app: FastAPI, wecom: tuple[FakeWecom, LocalServer]
) -> None:
    fake, server = wecom
    async with app.state.sessions() as session:
        svc = service(app, session)
        row = await svc.create_wecom_app(
            WecomAppCreate(
                app_name="错的",
                corp_id=fake.corp_id,
                agent_id=fake.agent_id,
                secret="not-the-secret-at-all",
                default_toparty="2",
                api_base=server.url,
            )
        )
        [outcome] = await svc.send_result([], SEED_RESULTS["text"], wecom_app_id=row.id)
    assert not outcome.ok
    assert "企微应用 Secret 错误(40001)" in outcome.message


async def test_content_too_long_and_invalid_token_become_clear_messages(
    app: FastAPI, wecom: tuple[FakeWecom, LocalServer], ding: tuple[FakeDingTalk, LocalServer]
) -> None:
    wfake, wserver = wecom
    _, dserver = ding
    async with app.state.sessions() as session:
        svc = service(app, session)
        long = await svc.send_direct("wecom", wfake.url(wserver.url), "长" * 2000)
        assert long.message.startswith("消息内容超过机器人长度上限(40058)")
        bad_key = await svc.send_direct("wecom", f"{wserver.url}/cgi-bin/webhook/send?key=nope", "x")
        assert bad_key.message.startswith("机器人地址无效")
        assert "93000" in bad_key.message
        bad_token = await svc.send_direct("dingtalk", f"{dserver.url}/robot/send?access_token=nope", "x")
        assert "300001" in bad_token.message


async def test_transient_errors_are_retried_with_backoff(app: FastAPI) -> None:
    calls: list[int] = []
    flaky = FastAPI()

    @flaky.post("/cgi-bin/webhook/send")
    async def send(request: Request) -> JSONResponse:
        calls.append(1)
        if len(calls) < 3:
            return JSONResponse({"error": "busy"}, status_code=503)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async with LocalServer(flaky) as server, app.state.sessions() as session:
        svc = service(app, session)
        outcome = await svc.send_direct(
            "wecom", f"{server.url}/cgi-bin/webhook/send?key=k", "hi", trace_id="t-1"
        )
        assert outcome.ok
        [row] = await svc.deliveries(trace_id="t-1")
    assert len(calls) == 3
    assert row.attempts == 3


async def test_unreachable_robot_fails_after_bounded_retries(app: FastAPI) -> None:
    from tests.servers import free_port

    async with app.state.sessions() as session:
        svc = service(app, session)
        url = f"http://127.0.0.1:{free_port()}/robot/send?access_token=abc"
        outcome = await svc.send_direct("dingtalk", url, "hi", trace_id="t-2")
        [row] = await svc.deliveries(trace_id="t-2")
    assert not outcome.ok
    assert outcome.message.startswith("网络错误(ConnectError)")
    assert row.attempts == 3


async def test_alerts_go_to_robots_or_as_generic_json(
    app: FastAPI, ding: tuple[FakeDingTalk, LocalServer]
) -> None:
    received: list[dict[str, Any]] = []
    hook = FastAPI()

    @hook.post("/alert")
    async def alert(request: Request) -> dict[str, str]:
        received.append(await request.json())
        return {"status": "ok"}

    fake, server = ding
    fake.secret = None
    async with LocalServer(hook) as hook_server, app.state.sessions() as session:
        svc = service(app, session)
        robot = await svc.send_alert(fake.url(server.url), "任务失败", "任务 日报 执行失败", trace_id="tr")
        generic = await svc.send_alert(
            f"{hook_server.url}/alert", "任务失败", "任务 日报 执行失败", trace_id="tr"
        )
    assert (robot.ok, robot.channel_type) == (True, "dingtalk_bot")
    assert fake.received[0]["markdown"]["text"] == "### 任务失败\n\n任务 日报 执行失败"
    assert (generic.ok, generic.channel_type) == (True, "webhook")
    assert received == [{"title": "任务失败", "text": "任务 日报 执行失败", "trace_id": "tr"}]


async def test_egress_guard_refuses_private_addresses_not_allowed(app: FastAPI) -> None:
    async with app.state.sessions() as session:
        svc = service(app, session)
        outcome = await svc.send_direct("wecom", "http://127.0.0.2:9/cgi-bin/webhook/send?key=k", "hi")
        metadata = await svc.send_alert("http://169.254.169.254/latest/meta-data", "t", "x")
    assert not outcome.ok
    assert "出站地址被安全策略拒绝" in outcome.message
    assert not metadata.ok
    assert "169.254.169.254" in metadata.message


async def test_invalid_result_and_missing_channels_fail_with_named_reasons(
    app: FastAPI, ding: tuple[FakeDingTalk, LocalServer]
) -> None:
    fake, server = ding
    async with app.state.sessions() as session:
        svc = service(app, session)
        channel = await add_channel(svc, "钉钉", "dingtalk_bot", fake.url(server.url), SECRET)
        outcomes = await svc.send_result([channel, 99], {"msg_type": "link", "title": "t"}, trace_id="bad")
        rows = await svc.deliveries(trace_id="bad")
    assert [o.ok for o in outcomes] == [False, False]
    assert outcomes[0].message == "result 字段 content 无效: 必填字段"
    assert outcomes[1].message == "通知渠道不存在: 99"
    assert sorted(r.status for r in rows) == ["failed", "failed"]
    assert fake.received == []


async def test_apprise_channel_reaches_an_allowed_host_and_is_refused_elsewhere(app: FastAPI) -> None:
    received: list[dict[str, Any]] = []
    target = FastAPI()

    @target.post("/notify")
    async def notify(request: Request) -> dict[str, str]:
        received.append(await request.json())
        return {"ok": "yes"}

    async with LocalServer(target) as server, app.state.sessions() as session:
        svc = service(app, session)
        allowed = await add_channel(svc, "apprise", "apprise", f"json://127.0.0.1:{server.port}/notify")
        with pytest.raises(EgressDenied):
            await add_channel(svc, "apprise-2", "apprise", f"json://127.0.0.2:{server.port}/notify")
        # A channel saved while the allow-list was wider is refused when it is used.
        wider = app.state.settings.model_copy(update={"egress_allow": "127.0.0.1,127.0.0.2"})
        earlier = NotifyService(session, wider, ADMIN_SCOPE)
        refused = await add_channel(earlier, "apprise-2", "apprise", f"json://127.0.0.2:{server.port}/notify")
        ok, denied = await svc.send_result([allowed, refused], SEED_RESULTS["actionCard"])
    assert ok.ok, ok
    assert ok.converted_from == "actionCard"
    assert received[0]["title"] == "卡片标题"
    assert "[按钮1](https://example.com/1)" in received[0]["message"]
    assert not denied.ok
    assert "出站地址被安全策略拒绝: 127.0.0.2" in denied.message
    assert len(received) == 1


async def test_every_delivery_is_recorded_with_its_trace_id(
    app: FastAPI, client: httpx.AsyncClient, wecom: tuple[FakeWecom, LocalServer]
) -> None:
    fake, server = wecom
    async with app.state.sessions() as session:
        svc = service(app, session)
        channel = await add_channel(svc, "企微", "wecom_bot", fake.url(server.url))
        await svc.send_result([channel], SEED_RESULTS["feedCard"], trace_id="run-42")
    body = (await client.get("/api/notification-channels/deliveries", params={"trace_id": "run-42"})).json()
    [row] = body["data"]
    assert row["channel_id"] == channel
    assert (row["status"], row["msg_type"], row["converted_from"]) == ("success", "news", "feedCard")
    assert row["response"] == "ok"
    assert row["target"] == "企微"


WIDE_CARD = {
    "msg_type": "template_card",
    "card_type": "news_notice",
    "title": "新品",
    "image_url": "https://example.com/b.png",
    "aspect_ratio": "wide",
    "jump_list": [{"title": "看看", "url": "https://example.com/n"}],
}


async def test_a_field_one_vendor_refuses_fails_only_that_channel_and_is_recorded(
    app: FastAPI, ding: tuple[FakeDingTalk, LocalServer], wecom: tuple[FakeWecom, LocalServer]
) -> None:
    dfake, dserver = ding
    wfake, wserver = wecom
    async with app.state.sessions() as session:
        svc = service(app, session)
        d_id = await add_channel(svc, "钉钉", "dingtalk_bot", dfake.url(dserver.url), SECRET)
        w_id = await add_channel(svc, "企微", "wecom_bot", wfake.url(wserver.url))
        for broken in (
            WIDE_CARD,
            {**WIDE_CARD, "aspect_ratio": 1.5, "jump_list": [{"type": 7, "title": "x", "url": "u"}]},
            {
                **WIDE_CARD,
                "card_type": "button_interaction",
                "buttons": [{"title": "a", "key": "k", "style": "big"}],
            },
        ):
            outcomes = await svc.send_result([d_id, w_id], broken, trace_id="trace-wide")
            assert [o.ok for o in outcomes] == [True, False], outcomes
            assert outcomes[1].message.startswith("result 字段 ")
        deliveries = await svc.deliveries(trace_id="trace-wide")
    assert {(d.channel_type, d.status) for d in deliveries} == {
        ("dingtalk_bot", "success"),
        ("wecom_bot", "failed"),
    }
    assert "aspect_ratio" in [d.response for d in deliveries if d.status == "failed"][-1]
    assert len(dfake.received) == 3
    assert wfake.received == []


async def test_a_dingtalk_feed_card_needs_every_picture_and_never_sends_an_empty_one(
    app: FastAPI, ding: tuple[FakeDingTalk, LocalServer], wecom: tuple[FakeWecom, LocalServer]
) -> None:
    dfake, dserver = ding
    wfake, wserver = wecom
    feed = {"msg_type": "feedCard", "links": [{"title": "a", "url": "https://example.com/a"}]}
    async with app.state.sessions() as session:
        svc = service(app, session)
        d_id = await add_channel(svc, "钉钉", "dingtalk_bot", dfake.url(dserver.url), SECRET)
        w_id = await add_channel(svc, "企微", "wecom_bot", wfake.url(wserver.url))
        outcomes = await svc.send_result([d_id, w_id], feed)
    assert [o.ok for o in outcomes] == [False, True]
    assert (
        outcomes[0].message == "result 字段 links[0].pic_url 无效: 钉钉 feedCard 的每条链接都需要图片 pic_url"
    )
    assert dfake.received == []
    assert wfake.received[0]["msgtype"] == "news"
