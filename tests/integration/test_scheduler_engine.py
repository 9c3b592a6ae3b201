"""The engine on every back end, driven by a clock the test moves: enqueueing, misfire, overlap, runs,
retries, alerts, events, deletion while running, reaping and shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select, update

from tests.conftest import ADMIN_TOKEN
from tests.fakes.dingtalk import FakeDingTalk
from tests.servers import LocalServer
from vwed.bus.abc import Message
from vwed.config import Settings
from vwed.scheduler.engine import RunExecutor, Scheduler
from vwed.scheduler.models import ScheduledTask, ScheduleTimer, TaskLog
from vwed.scheduler.runners import RunContext, RunOutcome, register_runner
from vwed.scheduler.service import RunReporter


class ManualClock:
    """A clock that moves only when the test sets it; waiting returns at once."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    async def sleep_until(self, deadline: datetime, wake: asyncio.Event) -> None:
        await asyncio.sleep(0)
        wake.clear()


@dataclass
class FakeReceiver:
    """A webhook endpoint and a robot endpoint on 127.0.0.1 that record what they receive."""

    status: int = 200
    hold: asyncio.Event | None = None
    hits: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> JSONResponse:
            self.hits.append(await request.json())
            if self.hold is not None:
                await asyncio.wait_for(self.hold.wait(), 10)
            return JSONResponse({"ok": self.status < 400, "n": len(self.hits)}, status_code=self.status)

        @app.post("/robot/send")
        async def robot(request: Request) -> JSONResponse:
            self.alerts.append(await request.json())
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        return app


@pytest.fixture
def settings(backend: str, tmp_path: Path, server_databases: dict[str, str]) -> Settings:
    url = None if backend == "sqlite" else server_databases[backend]
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        scheduler_enabled=False,
        executor_concurrency=0,
        egress_allow="127.0.0.1",
        scheduler_misfire_grace_seconds=60,
        shutdown_grace_seconds=0.2,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[FakeReceiver, str]]:
    fake = FakeReceiver()
    async with LocalServer(fake.app()) as server:
        yield fake, server.url


@dataclass
class Engine:
    clock: ManualClock
    scheduler: Scheduler
    executor: RunExecutor

    async def drain(self) -> None:
        """Wait for every run in flight on the executor."""
        while self.executor.inflight:
            await asyncio.gather(*self.executor.inflight.values(), return_exceptions=True)


@pytest.fixture
async def engine(app: FastAPI, settings: Settings) -> AsyncIterator[Engine]:
    clock = ManualClock(datetime.now(UTC))
    bus = app.state.bus
    scheduler = Scheduler(app.state.engine, settings, bus, clock)
    run_settings = settings.model_copy(update={"executor_concurrency": 4})
    reporter = RunReporter(app.state.sessions, run_settings, bus)
    executor = RunExecutor(app.state.engine, run_settings, bus, reporter, clock)
    yield Engine(clock, scheduler, executor)
    executor.stopping = True
    await executor.stop()


async def create(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    body = {
        "task_name": "hook",
        "schedule_type": "cron",
        "cron_expression": "0 8 * * *",
        "execution_type": "webhook",
        "webhook_url": f"{url}/hook",
        "input_params": {"k": "v"},
        **fields,
    }
    response = await client.post("/api/scheduled-tasks", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def due_of(task: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(task["next_run_at"])


async def next_run(client: httpx.AsyncClient, task_id: int) -> datetime:
    """The task's `next_run_at` as the API shows it, naive UTC."""
    task = (await client.get(f"/api/scheduled-tasks/{task_id}")).json()["data"]
    return naive(due_of(task))


async def runs(app: FastAPI, task_id: int | None = None) -> list[TaskLog]:
    async with app.state.sessions() as session:
        stmt = select(TaskLog).order_by(TaskLog.id)
        if task_id is not None:
            stmt = stmt.where(TaskLog.task_id == task_id)
        return list((await session.scalars(stmt)).all())


async def task_row(app: FastAPI, task_id: int) -> ScheduledTask:
    async with app.state.sessions() as session:
        row = await session.get(ScheduledTask, task_id)
        assert row is not None
        return row


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


async def test_a_due_task_gets_one_run_and_its_next_run_at_advances(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1], cron_expression="*/5 * * * * *")
    due = due_of(task)
    await engine.scheduler.tick(due - timedelta(seconds=1))
    assert await runs(app) == []
    await engine.scheduler.tick(due)
    await engine.scheduler.tick(due + timedelta(milliseconds=500))
    queued = await runs(app)
    assert [(r.status, r.scheduled_at, r.trigger) for r in queued] == [("queued", naive(due), "schedule")]
    assert len(queued[0].trace_id or "") == 32
    assert await next_run(client, task["id"]) == naive(due + timedelta(seconds=5))


async def test_disabled_task_is_not_enqueued(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1])
    due = due_of(task)
    await client.post(f"/api/scheduled-tasks/{task['id']}/toggle")
    await engine.scheduler.tick(due + timedelta(seconds=1))
    assert await runs(app) == []


async def test_misfire_within_grace_runs_once(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1])
    due = due_of(task)
    await engine.scheduler.tick(due + timedelta(seconds=30))
    assert [r.status for r in await runs(app)] == ["queued"]
    assert await next_run(client, task["id"]) == naive(due + timedelta(days=1))


async def test_misfire_beyond_grace_is_recorded_as_missed(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1])
    due = due_of(task)
    await engine.scheduler.tick(due + timedelta(minutes=5))
    [missed] = await runs(app)
    assert missed.status == "missed"
    assert missed.scheduled_at == naive(due)
    assert "宽限期 60 秒" in (missed.error or "")
    assert missed.finished_at is not None
    assert await next_run(client, task["id"]) == naive(due + timedelta(days=1))


async def test_missed_every_second_task_catches_up_within_grace_only(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1], cron_expression="*/10 * * * * *", overlap_policy="queue")
    due = due_of(task)
    # The task existed long before the server went down at its due time.
    async with app.state.sessions() as session:
        row = await session.get(ScheduledTask, task["id"])
        assert row is not None
        row.active_from = naive(due) - timedelta(days=1)
        await session.execute(
            update(ScheduleTimer)
            .where(ScheduleTimer.schedule_key == row.schedule_key)
            .values(next_run_at=naive(due))
        )
        await session.commit()
    now = due + timedelta(seconds=100)
    for _ in range(20):
        wake = await engine.scheduler.tick(now)
        if wake > now:
            break
    statuses = [(r.status, r.scheduled_at) for r in await runs(app)]
    assert statuses[0] == ("missed", naive(due))
    cutoff = naive(now) - timedelta(seconds=60)
    assert [s for s, _ in statuses[1:]] == ["queued"] * len(statuses[1:])
    assert [t for _, t in statuses[1:]] == [
        cutoff + timedelta(seconds=10 * i) for i in range(len(statuses) - 1)
    ]
    assert len(statuses) == 8


async def test_overlap_skip_records_a_skipped_run_while_one_is_active(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1])
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    await engine.scheduler.tick(due_of(task))
    assert [(r.trigger, r.status) for r in await runs(app)] == [("manual", "queued"), ("schedule", "skipped")]


async def test_overlap_queue_runs_one_after_the_other(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    task = await create(client, url, overlap_policy="queue")
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    await engine.scheduler.tick(due_of(task))
    assert [r.status for r in await runs(app)] == ["queued", "queued"]
    fake.hold = asyncio.Event()
    assert await engine.executor.claim(engine.clock.now()) == 1
    assert await engine.executor.claim(engine.clock.now()) == 0
    fake.hold.set()
    await engine.drain()
    assert await engine.executor.claim(engine.clock.now()) == 1
    await engine.drain()
    assert [r.status for r in await runs(app)] == ["success", "success"]


async def test_a_webhook_run_posts_params_and_records_success(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    task = await create(client, url)
    events = await app.state.bus.subscribe("event.*")
    trace_id = (await client.post(f"/api/scheduled-tasks/{task['id']}/run")).json()["data"]["trace_id"]
    await engine.executor.claim(engine.clock.now())
    await engine.drain()
    assert fake.hits == [
        {
            "task_id": task["id"],
            "task_name": "hook",
            "trace_id": trace_id,
            "retry_count": 0,
            "scheduled_at": fake.hits[0]["scheduled_at"],
            "input_params": {"k": "v"},
        }
    ]
    [run] = await runs(app)
    assert run.status == "success"
    assert run.output is not None
    assert run.output.startswith("HTTP 200")
    assert run.started_at is not None
    assert run.finished_at is not None
    assert run.duration_ms is not None
    row = await task_row(app, task["id"])
    assert (row.last_run_status, row.last_run_message) == ("success", "执行成功")
    assert row.last_run_at is not None
    message = await next_message(events)
    assert message.channel == "event.task_completed"
    assert message.data == {
        "task_id": task["id"],
        "task_name": "hook",
        "trace_id": trace_id,
        "status": "success",
        "error": None,
        "tenant_id": None,
        "finished_at": message.data["finished_at"],
    }
    await events.close()


async def next_message(subscription: Any) -> Message:
    async def first() -> Message:
        async for message in subscription:
            return message
        raise AssertionError("subscription closed")

    return await asyncio.wait_for(first(), 5)


async def test_retries_are_recorded_and_the_alert_follows_the_final_failure(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    fake.status = 500
    task = await create(
        client,
        url,
        retry_count=2,
        retry_interval=30,
        alert_on_failure=True,
        alert_webhook=f"{url}/robot/send",
    )
    events = await app.state.bus.subscribe("event.*")
    trace_id = (await client.post(f"/api/scheduled-tasks/{task['id']}/run")).json()["data"]["trace_id"]
    start = engine.clock.current = engine.clock.now().replace(microsecond=0)
    for step in range(3):
        engine.clock.current = start + timedelta(seconds=30 * step)
        assert await engine.executor.claim(engine.clock.now() - timedelta(seconds=1)) == 0 or step == 0
        assert await engine.executor.claim(engine.clock.now()) == (0 if step == 0 else 1) or step == 0
        await engine.drain()
        assert len(fake.alerts) == (1 if step == 2 else 0)
    attempts = await runs(app)
    assert [(r.retry_count, r.status, r.trace_id) for r in attempts] == [
        (0, "failed", trace_id),
        (1, "failed", trace_id),
        (2, "failed", trace_id),
    ]
    assert all("Webhook 返回 HTTP 500" in (r.error or "") for r in attempts)
    assert len(fake.hits) == 3
    alert = fake.alerts[0]
    assert alert["title"] == "定时任务执行失败: hook"
    assert trace_id in alert["text"]
    assert "重试 2 次" in alert["text"]
    message = await next_message(events)
    assert (message.channel, message.data["status"], message.data["trace_id"]) == (
        "event.task_failed",
        "failed",
        trace_id,
    )
    assert "HTTP 500" in message.data["error"]
    await events.close()
    assert (await task_row(app, task["id"])).last_run_status == "failed"


async def test_a_retry_never_starts_before_retry_interval_has_passed(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    fake.status = 500
    task = await create(client, url, retry_count=1, retry_interval=1)
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    failed_at = engine.clock.current = engine.clock.now().replace(microsecond=600_000)
    assert await engine.executor.claim(failed_at) == 1
    await engine.drain()
    # 0.6 s after a whole second, a 1-second interval may not be cut to 0.4 s by the stored precision
    for early in (0.4, 0.9, 0.999):
        assert await engine.executor.claim(failed_at + timedelta(seconds=early)) == 0
    assert await engine.executor.claim(failed_at + timedelta(seconds=1.4)) == 1
    await engine.drain()
    assert len(fake.hits) == 2


async def test_a_refused_destination_fails_the_run_with_the_reason(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine
) -> None:
    task = await create(client, "http://127.0.0.2:9")
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    await engine.executor.claim(engine.clock.now())
    await engine.drain()
    [run] = await runs(app)
    assert run.status == "failed"
    assert "出站地址被安全策略拒绝" in (run.error or "")


async def test_a_script_task_fails_clearly_while_no_script_runner_is_registered(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine
) -> None:
    response = await client.post(
        "/api/scheduled-tasks",
        json={
            "task_name": "s",
            "time_points": ["08:00"],
            "execution_type": "script",
            "script_content": "x=1",
        },
    )
    await client.post(f"/api/scheduled-tasks/{response.json()['data']['id']}/run")
    await engine.executor.claim(engine.clock.now())
    await engine.drain()
    [run] = await runs(app)
    assert (run.status, run.error) == ("failed", "执行类型 script 当前不可用(脚本执行功能尚未启用)")


async def test_deleting_a_task_while_it_runs_lets_the_run_end_and_leaves_nothing(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    fake.hold = asyncio.Event()
    task = await create(client, url, retry_count=3)
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    await engine.executor.claim(engine.clock.now())
    for _ in range(200):
        if fake.hits:
            break
        await asyncio.sleep(0.01)
    assert [r.status for r in await runs(app)] == ["running"]
    response = await client.delete(f"/api/scheduled-tasks/{task['id']}")
    assert response.status_code == 200
    fake.hold.set()
    await engine.drain()
    assert await runs(app) == []
    assert await engine.executor.claim(engine.clock.now()) == 0


async def test_runs_left_running_by_a_dead_node_are_reaped_on_start(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1])
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    old = naive(engine.clock.now() - timedelta(minutes=5))
    async with app.state.sessions() as session:
        await session.execute(update(TaskLog).values(status="running", heartbeat_at=old, started_at=old))
        await session.execute(update(ScheduledTask).values(last_run_status="running", last_run_at=old))
        await session.commit()
    await engine.executor.start()
    [run] = await runs(app)
    assert run.status == "failed"
    assert "执行节点已停止响应" in (run.error or "")
    assert (await task_row(app, task["id"])).last_run_status == "failed"


async def test_shutdown_fails_a_run_that_does_not_finish_in_the_grace(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    fake.hold = asyncio.Event()
    task = await create(client, url)
    await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    await engine.executor.claim(engine.clock.now())
    for _ in range(200):
        if fake.hits:
            break
        await asyncio.sleep(0.01)
    await engine.executor.stop()
    fake.hold.set()
    [run] = await runs(app)
    assert (run.status, run.error) == ("failed", "执行中断:服务正在停止")


async def test_only_one_scheduler_holds_the_lease_until_it_expires(
    app: FastAPI, settings: Settings, engine: Engine
) -> None:
    other = Scheduler(app.state.engine, settings, app.state.bus, engine.clock)
    now = engine.clock.now()
    await engine.scheduler.tick(now)
    await other.tick(now + timedelta(seconds=1))
    assert (engine.scheduler.is_leader, other.is_leader) == (True, False)
    await other.tick(now + timedelta(seconds=settings.scheduler_lease_seconds + 1))
    assert other.is_leader is True
    assert (
        await engine.scheduler.enqueue(now + timedelta(seconds=settings.scheduler_lease_seconds + 2)) is None
    )
    assert engine.scheduler.is_leader is False


async def test_log_retention_deletes_old_finished_runs_only(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    task = await create(client, receiver[1])
    for _ in range(2):
        await client.post(f"/api/scheduled-tasks/{task['id']}/run")
    first, second = await runs(app)
    async with app.state.sessions() as session:
        old = naive(engine.clock.now() - timedelta(days=40))
        await session.execute(
            update(TaskLog).where(TaskLog.id == first.id).values(status="success", created_at=old)
        )
        await session.execute(update(TaskLog).where(TaskLog.id == second.id).values(created_at=old))
        await session.commit()
    await engine.scheduler.tick(engine.clock.now())
    assert [r.id for r in await runs(app)] == [second.id]


async def test_the_alert_reaches_a_dingtalk_robot_as_markdown(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine, receiver: tuple[FakeReceiver, str]
) -> None:
    fake, url = receiver
    fake.status = 503
    robot = FakeDingTalk()
    async with LocalServer(robot.app) as server:
        task = await create(client, url, alert_on_failure=True, alert_webhook=robot.url(server.url))
        trace_id = (await client.post(f"/api/scheduled-tasks/{task['id']}/run")).json()["data"]["trace_id"]
        await engine.executor.claim(engine.clock.now())
        await engine.drain()
    [message] = robot.received
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["title"] == "定时任务执行失败: hook"
    assert trace_id in message["markdown"]["text"]
    assert "HTTP 503" in message["markdown"]["text"]


async def probe_runner(context: RunContext) -> RunOutcome:
    """A run type for this test: succeeds with a `result` taken from the task's input."""
    return RunOutcome(ok=True, output="probed", result=context.task["input_params"]["result"])


register_runner("probe", probe_runner)


async def test_a_result_is_pushed_to_the_task_channels(
    client: httpx.AsyncClient, app: FastAPI, engine: Engine
) -> None:
    robot = FakeDingTalk()
    async with LocalServer(robot.app) as server:
        channel = await client.post(
            "/api/notification-channels",
            json={
                "channel_name": "ops",
                "channel_type": "dingtalk_bot",
                "webhook_url": robot.url(server.url),
            },
        )
        assert channel.status_code == 200, channel.text
        result = {"title": "日报", "content": "**今日** 完成"}
        task = await create(client, "http://127.0.0.1:9", notify_channels=[channel.json()["data"]["id"]])
        async with app.state.sessions() as session:
            await session.execute(
                update(ScheduledTask)
                .where(ScheduledTask.id == task["id"])
                .values(execution_type="probe", input_params={"result": result})
            )
            await session.commit()
        await client.post(f"/api/scheduled-tasks/{task['id']}/run")
        await engine.executor.claim(engine.clock.now())
        await engine.drain()
    [message] = robot.received
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["title"] == "日报"
    assert "**今日** 完成" in message["markdown"]["text"]
