"""The seed's two example scripts, unchanged, on schedule and via run-now: AI answer and DingTalk cards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.openai_compat import FakeOpenAI
from tests.fakes.wecom import FakeWecom
from tests.integration.task_helpers import (
    AI_KEY,
    SEED_BASIC,
    SEED_SALES,
    create_task,
    run_now,
    task_settings,
    wait_run,
)
from tests.servers import LocalServer
from vwed.config import Settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeOpenAI, FakeDingTalk, str, str]]:
    ai, ding = FakeOpenAI(api_key=AI_KEY), FakeDingTalk()
    async with LocalServer(ai.app) as ai_server, LocalServer(ding.app) as ding_server:
        yield ai, ding, f"{ai_server.url}/v1", ding.url(ding_server.url)


@pytest.fixture
def settings(backend: str, tmp_path: Path, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]) -> Settings:
    return task_settings(
        tmp_path, ai_base_url=fakes[2], ai_api_key=AI_KEY, ai_models="deepseek-chat=fake-chat"
    )


async def channel(client: httpx.AsyncClient, url: str) -> int:
    body = {"channel_name": "销售群", "channel_type": "dingtalk_bot", "webhook_url": url}
    response = await client.post("/api/notification-channels", json=body)
    assert response.status_code == 200, response.text
    channel_id: int = response.json()["data"]["id"]
    return channel_id


async def test_basic_seed_script_asks_the_ai_and_pushes_markdown_on_run_now(
    client: httpx.AsyncClient, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ai, ding, _base, url = fakes
    task = await create_task(
        client,
        SEED_BASIC,
        input_params={"prompt": "今天天气如何"},
        notify_channels=[await channel(client, url)],
    )
    run = await run_now(client, task["id"])
    assert run["status"] == "success", run
    assert "任务开始执行" in run["output"]
    assert "任务执行完成" in run["output"]
    assert ai.received[0]["model"] == "fake-chat"
    assert ai.received[0]["messages"] == [
        {"role": "system", "content": "你是一个助手"},
        {"role": "user", "content": "今天天气如何"},
    ]
    [message] = ding.received
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["title"] == "每日推送"
    assert "[fake-chat] 回答: 今天天气如何" in message["markdown"]["text"]
    assert "推送 销售群: OK" in run["output"]


async def test_run_now_params_override_the_task_input_params(
    client: httpx.AsyncClient, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ai = fakes[0]
    task = await create_task(client, SEED_BASIC, input_params={"prompt": "旧问题"})
    run = await run_now(client, task["id"], params={"prompt": "新问题"})
    assert run["status"] == "success", run
    assert ai.received[-1]["messages"][-1]["content"] == "新问题"


async def test_sales_seed_script_runs_on_schedule_and_reaches_the_robot_as_an_action_card(
    client: httpx.AsyncClient, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ding, url = fakes[1], fakes[3]
    task = await create_task(
        client,
        SEED_SALES,
        cron_expression="* * * * * *",
        is_enabled=True,
        notify_channels=[await channel(client, url)],
    )
    run = await wait_run(client, task["id"])
    await client.post(f"/api/scheduled-tasks/{task['id']}/toggle", json={"is_enabled": False})
    assert run["status"] == "success", run
    assert run["trigger"] == "schedule"
    card: dict[str, Any] = ding.received[0]
    assert card["msgtype"] == "actionCard"
    assert card["actionCard"]["title"].startswith("销售日报 | ")
    assert "### 今日业绩" in card["actionCard"]["text"]
    assert card["actionCard"]["singleTitle"] == "查看详情"
    assert card["actionCard"]["singleURL"] == "https://example.com/report"


async def test_the_seeds_preloaded_datetime_parses_with_strptime_in_a_run(client: httpx.AsyncClient) -> None:
    # Seed 004 lists `datetime.strptime()` among the preloaded modules; `time.strptime` shares its parser.
    source = (
        "day = datetime.strptime('2026-03-01 08:30', '%Y-%m-%d %H:%M')\n"
        "parsed = time.strptime('01/03/2026', '%d/%m/%Y')\n"
        "log(f'{day + timedelta(days=1):%Y-%m-%d %H:%M} {parsed.tm_yday}')\n"
        "result = {'title': '日期', 'content': day.strftime('%Y年%m月%d日')}\n"
    )
    task = await create_task(client, source)
    run = await run_now(client, task["id"])
    assert run["status"] == "success", run
    assert run["output"].endswith("] 2026-03-02 08:30 60\n")


async def test_a_run_without_result_sends_nothing(
    client: httpx.AsyncClient, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ding, url = fakes[1], fakes[3]
    task = await create_task(client, "log('only a log line')", notify_channels=[await channel(client, url)])
    run = await run_now(client, task["id"])
    assert run["status"] == "success", run
    assert ding.received == []


async def test_dingtalk_and_wecom_functions_send_markdown_directly(
    client: httpx.AsyncClient, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ding, url = fakes[1], fakes[3]
    wecom = FakeWecom()
    async with LocalServer(wecom.app) as server:
        source = (
            f"a = dingtalk({url!r}, '**库存告警**', title='告警')\n"
            f"b = wecom({wecom.url(server.url)!r}, '**库存告警**')\n"
            "print(a['ok'], b['ok'])\n"
        )
        response = await client.post("/api/scheduled-tasks/test-script", json={"script_content": source})
    data = response.json()["data"]
    assert data["output"] == "True True\n", data
    assert ding.received == [{"msgtype": "markdown", "markdown": {"title": "告警", "text": "**库存告警**"}}]
    assert wecom.received == [{"msgtype": "markdown", "markdown": {"content": "**库存告警**"}}]


async def test_test_script_sends_the_result_only_when_asked(
    client: httpx.AsyncClient, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ding, url = fakes[1], fakes[3]
    channel_id = await channel(client, url)
    body = {"script_content": SEED_SALES, "notify_channels": [channel_id]}
    dry = (await client.post("/api/scheduled-tasks/test-script", json=body)).json()["data"]
    assert dry["messages"]["dingtalk_bot"]["msg_type"] == "actionCard"
    assert dry["deliveries"] == []
    assert ding.received == []
    sent = (await client.post("/api/scheduled-tasks/test-script", json={**body, "send": True})).json()["data"]
    assert [d["ok"] for d in sent["deliveries"]] == [True]
    assert [m["msgtype"] for m in ding.received] == ["actionCard"]


async def test_output_is_streamed_live_on_the_bus(
    client: httpx.AsyncClient, app: FastAPI, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    task = await create_task(client, "time.sleep(0.5)\nprint('first')\nlog('second')")
    response = await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    trace_id = response.json()["data"]["trace_id"]
    subscription = await app.state.bus.subscribe(f"task.output.{trace_id}")
    lines = []
    async with asyncio.timeout(20):
        async for message in subscription:
            lines.append(message.data["text"])
            if len(lines) == 2:
                break
    assert lines[0] == "first\n"
    assert lines[1].endswith("] second\n")


WIDE_CARD_SCRIPT = (
    "result = {'msg_type': 'template_card', 'card_type': 'news_notice', 'title': '新品',"
    " 'image_url': 'https://example.com/b.png', 'aspect_ratio': 'wide',"
    " 'jump_list': [{'title': '看看', 'url': 'https://example.com/n'}]}"
)


async def test_a_run_whose_result_one_channel_refuses_still_reaches_the_other_and_finishes(
    client: httpx.AsyncClient, app: FastAPI, fakes: tuple[FakeOpenAI, FakeDingTalk, str, str]
) -> None:
    ding, url = fakes[1], fakes[3]
    wecom = FakeWecom()
    async with LocalServer(wecom.app) as server:
        robot = {"channel_name": "企微群", "channel_type": "wecom_bot", "webhook_url": wecom.url(server.url)}
        wecom_id = (await client.post("/api/notification-channels", json=robot)).json()["data"]["id"]
        task = await create_task(
            client, WIDE_CARD_SCRIPT, notify_channels=[await channel(client, url), wecom_id]
        )
        run = await run_now(client, task["id"])
    assert run["status"] == "success", run
    assert "推送 销售群: OK" in run["output"]
    assert "推送 企微群: FAILED result 字段 aspect_ratio 无效" in run["output"]
    assert [m["msgtype"] for m in ding.received] == ["actionCard"]
    assert wecom.received == []
    deliveries = (
        await client.get("/api/notification-channels/deliveries", params={"trace_id": run["trace_id"]})
    ).json()["data"]
    assert sorted(d["status"] for d in deliveries) == ["failed", "success"]


async def test_test_script_and_check_result_answer_400_naming_the_field(client: httpx.AsyncClient) -> None:
    tested = await client.post("/api/scheduled-tasks/test-script", json={"script_content": WIDE_CARD_SCRIPT})
    assert tested.status_code == 400, tested.text
    assert tested.json()["detail"][0]["field"] == "result.aspect_ratio"
    assert tested.json()["detail"][0]["message"].startswith("wecom_bot: ")
    not_dict = await client.post(
        "/api/scheduled-tasks/test-script", json={"script_content": "result = [1, 2]"}
    )
    assert not_dict.status_code == 400
    assert not_dict.json()["error"] == "result 字段 result 无效: result 必须是字典 (dict),收到 list"
    result: dict[str, Any] = {}
    exec(WIDE_CARD_SCRIPT, {}, result)  # the same dict, checked without running a script
    checked = await client.post(
        "/api/notification-channels/check-result", json=result, headers={"Accept-Language": "en"}
    )
    assert checked.status_code == 400
    assert checked.json()["error"].startswith("The result cannot be sent to wecom_bot, wecom_app")
