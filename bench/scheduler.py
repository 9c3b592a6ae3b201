"""Scheduler benchmark.

1. SQLite: 10,000 enabled tasks due every minute (5- and 6-field cron and daily time points, in several
   timezones) all fall due in the same second. Reports the enqueue drift (due time -> run row committed)
   p50/p99/max and the CPU seconds of the scheduler, next to APScheduler 3's AsyncIOScheduler holding the
   same 10,000 jobs (drift: due time -> job started), measured in the same run over the same window.
2. PostgreSQL (when VWED_BENCH_POSTGRES_URL or VWED_TEST_POSTGRES_URL is set): two `vwed serve` processes
   on one throwaway database, 100 tasks firing every second for 30 seconds; runs fired vs expected.

Run: `.venv/bin/python bench/scheduler.py [--tasks N] [--part all|sqlite|postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from vwed.bus import MemoryBus
from vwed.config import Settings, async_database_url
from vwed.db.base import utcnow
from vwed.db.engine import create_engine, upgrade
from vwed.scheduler.engine import Scheduler, naive
from vwed.scheduler.models import ScheduledTask, ScheduleTimer
from vwed.scheduler.repository import Enqueued
from vwed.scheduler.schedule import parse_schedule

ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata")
LEAD = timedelta(seconds=5)
AFTER = timedelta(seconds=3)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(name: str, drifts: list[float], cpu: float) -> str:
    if not drifts:
        return f"{name:<28} {0:>8}"
    p50, p99 = statistics.median(drifts), percentile(drifts, 0.99)
    return f"{name:<28} {len(drifts):>8} {p50:>9.1f} {p99:>9.1f} {max(drifts):>9.1f} {cpu:>7.2f}"


def next_minute(lead: timedelta) -> datetime:
    moment = (datetime.now(UTC) + lead).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=1)


def task_shapes(count: int, due: datetime) -> list[dict[str, Any]]:
    """The schedule of each task: a mix of cron shapes and time points that all fire at `due`."""
    shapes = []
    for i in range(count):
        tz = ZONES[i % len(ZONES)]
        local = due.astimezone(ZoneInfo(tz))
        kind = i % 4
        if kind == 0:
            shape = {"schedule_type": "cron", "cron_expression": "* * * * *"}
        elif kind == 1:
            shape = {"schedule_type": "cron", "cron_expression": "0 * * * * *"}
        elif kind == 2:
            shape = {"schedule_type": "cron", "cron_expression": f"{local.minute} * * * *"}
        else:
            shape = {"schedule_type": "simple", "time_points": [f"{local.hour:02d}:{local.minute:02d}"]}
        shapes.append({**shape, "timezone": tz})
    return shapes


async def sleep_until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def bench_vwed(count: int, data_dir: Path) -> tuple[list[float], float, datetime]:
    settings = Settings(data_dir=data_dir, scheduler_enabled=True, executor_concurrency=0)
    engine = create_engine(settings.resolved_database_url)
    await upgrade(engine)
    due = next_minute(timedelta(seconds=15))
    rows = []
    timers: dict[str, dict[str, Any]] = {}
    now = datetime.now(UTC)
    for i, shape in enumerate(task_shapes(count, due)):
        schedule = parse_schedule(
            shape["schedule_type"], shape.get("cron_expression"), shape.get("time_points"), shape["timezone"]
        )
        next_run = schedule.next_after(now)
        assert next_run == due, (shape, next_run, due)
        timers[schedule.key] = {
            "schedule_key": schedule.key,
            "schedule_type": schedule.schedule_type,
            "cron_expression": schedule.cron_expression,
            "time_points": list(schedule.time_points) or None,
            "timezone": schedule.timezone,
            "next_run_at": naive(next_run),
        }
        rows.append(
            {
                "task_name": f"bench {i}",
                "schedule_type": schedule.schedule_type,
                "cron_expression": schedule.cron_expression,
                "time_points": list(schedule.time_points) or None,
                "timezone": schedule.timezone,
                "schedule_key": schedule.key,
                "execution_type": "webhook",
                "webhook_url": "http://127.0.0.1:9/hook",
                "active_from": naive(now),
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(ScheduledTask), rows)
        await conn.execute(insert(ScheduleTimer), list(timers.values()))
    drifts: list[float] = []

    def on_enqueued(enqueued: Enqueued, committed_at: datetime) -> None:
        for due_at, runs in enqueued.due.items():
            drift = (committed_at - due_at.replace(tzinfo=UTC)).total_seconds() * 1000
            drifts.extend([drift] * runs)

    bus = MemoryBus()
    scheduler = Scheduler(engine, settings, bus, on_enqueued=on_enqueued)
    await sleep_until(due - LEAD)
    cpu = time.process_time()
    await scheduler.start()
    await sleep_until(due + AFTER)
    await scheduler.stop()
    cpu = time.process_time() - cpu
    async with engine.connect() as conn:
        written = await conn.scalar(text("SELECT COUNT(*) FROM platform_task_logs"))
    assert written == count, f"{written} run rows for {count} tasks"
    await engine.dispose()
    return drifts, cpu, due


async def bench_apscheduler(count: int) -> tuple[list[float], float, datetime]:
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    due = next_minute(timedelta(seconds=15))
    drifts: list[float] = []

    async def job(due_ts: float) -> None:
        drifts.append((time.time() - due_ts) * 1000)

    scheduler = AsyncIOScheduler(job_defaults={"misfire_grace_time": 60, "coalesce": True})
    scheduler.start(paused=True)
    for shape in task_shapes(count, due):
        tz = ZoneInfo(shape["timezone"])
        if shape["schedule_type"] == "simple":
            hour, minute = shape["time_points"][0].split(":")
            trigger = CronTrigger(hour=int(hour), minute=int(minute), second=0, timezone=tz)
        elif len(shape["cron_expression"].split()) == 6:
            second, minute, hour, day, month, dow = shape["cron_expression"].split()
            trigger = CronTrigger(
                second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=tz
            )
        else:
            trigger = CronTrigger.from_crontab(shape["cron_expression"], timezone=tz)
        scheduler.add_job(job, trigger, args=[due.timestamp()])
    await sleep_until(due - LEAD)
    cpu = time.process_time()
    scheduler.resume()
    await sleep_until(due + AFTER)
    scheduler.shutdown(wait=False)
    cpu = time.process_time() - cpu
    return drifts, cpu, due


# -- PostgreSQL, two processes ------------------------------------------------------------------------


class HitCounter:
    def __init__(self) -> None:
        self.hits: list[tuple[int, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        import json

        data = json.loads(body or b"{}")
        if "task_id" in data:
            self.hits.append((data["task_id"], data["scheduled_at"]))
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})


async def admin_sql(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def bench_postgres(server: str, tasks: int, seconds: int) -> None:
    base = async_database_url(server)
    name = f"vwed_bench_{secrets.token_hex(3)}"
    await admin_sql(base, f"CREATE DATABASE {name}")
    url = urlunsplit(urlsplit(base)._replace(path="/" + name))
    counter = HitCounter()
    port = free_port()
    hook_server = uvicorn.Server(uvicorn.Config(counter, host="127.0.0.1", port=port, log_level="error"))
    hook_task = asyncio.create_task(hook_server.serve())
    processes: list[subprocess.Popen[bytes]] = []
    token = secrets.token_urlsafe(16)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ports = []
            for i in range(2):
                node_port = free_port()
                ports.append(node_port)
                env = {
                    **os.environ,
                    "VWED_DATABASE_URL": url,
                    "VWED_DATA_DIR": f"{tmp}/{i}",
                    "VWED_ADMIN_TOKEN": token,
                    "VWED_EGRESS_ALLOW": "127.0.0.1",
                    "VWED_SCHEDULER_LEASE_SECONDS": "3",
                }
                vwed = str(Path(sys.executable).with_name("vwed"))
                processes.append(
                    subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
                        [vwed, "serve", "--port", str(node_port)],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                await wait_healthy(node_port)
            start = (datetime.now(UTC) + timedelta(seconds=15)).replace(microsecond=0)
            window = [start + timedelta(seconds=i) for i in range(seconds)]
            crons = cron_window(window)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers) as client:
                for i in range(tasks):
                    for j, cron in enumerate(crons):
                        body = {
                            "task_name": f"bench {i}.{j}",
                            "schedule_type": "cron",
                            "cron_expression": cron,
                            "timezone": "UTC",
                            "execution_type": "webhook",
                            "webhook_url": f"http://127.0.0.1:{port}/hook",
                            "overlap_policy": "queue",
                        }
                        response = await client.post("/api/scheduled-tasks", json=body)
                        response.raise_for_status()
            await sleep_until(window[-1] + timedelta(seconds=10))
            engine = create_async_engine(url)
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(text("SELECT task_id, scheduled_at, status FROM platform_task_logs"))
                ).all()
            await engine.dispose()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(20)
        hook_server.should_exit = True
        await hook_task
        await admin_sql(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    expected = tasks * seconds
    slots = Counter((r[0], r[1]) for r in rows)
    duplicates = sum(n - 1 for n in slots.values() if n > 1)
    statuses = Counter(r[2] for r in rows)
    print(f"\nPostgreSQL, two `vwed serve` processes, {tasks} tasks every second for {seconds} s")
    print(f"  runs expected {expected}, fired {len(rows)}, duplicate slots {duplicates}")
    print(f"  statuses {dict(statuses)}")
    hit_slots = Counter(counter.hits)
    print(f"  webhook calls {len(counter.hits)}, for {len(hit_slots)} distinct (task, due time) pairs")
    print(f"  pairs called more than once: {sum(1 for n in hit_slots.values() if n > 1)}")


def cron_window(window: list[datetime]) -> list[str]:
    """6-field cron expressions that together fire exactly at each second of `window` (UTC)."""
    by_minute: dict[tuple[int, int], list[int]] = {}
    for moment in window:
        by_minute.setdefault((moment.hour, moment.minute), []).append(moment.second)
    return [
        f"{seconds[0]}-{seconds[-1]} {minute} {hour} {window[0].day} {window[0].month} *"
        for (hour, minute), seconds in by_minute.items()
    ]


async def wait_healthy(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/api/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("vwed serve did not start")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--part", choices=["all", "sqlite", "postgres"], default="all")
    args = parser.parse_args()
    if args.part in ("all", "sqlite"):
        await compare_sqlite(args.tasks)
    if args.part in ("all", "postgres"):
        server = os.environ.get("VWED_BENCH_POSTGRES_URL") or os.environ.get("VWED_TEST_POSTGRES_URL")
        if server:
            await bench_postgres(server, tasks=100, seconds=30)
        else:
            print("\nPostgreSQL part skipped: set VWED_BENCH_POSTGRES_URL (or VWED_TEST_POSTGRES_URL)")


async def compare_sqlite(tasks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours, our_cpu, our_due = await bench_vwed(tasks, Path(tmp))
    theirs, their_cpu, _ = await bench_apscheduler(tasks)
    print(f"SQLite, {tasks} tasks due in the same second ({our_due:%H:%M:%S} UTC)")
    print(f"{'':<28} {'runs':>8} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'CPU s':>7}")
    print(summary("vwed Scheduler (enqueue)", ours, our_cpu))
    print(summary("APScheduler 3 AsyncIO (start)", theirs, their_cpu))
    if ours and theirs:
        ratio = percentile(theirs, 0.99) / max(percentile(ours, 0.99), 0.001)
        met = "met" if percentile(ours, 0.99) <= 50 else "NOT met"
        print(f"p99 ratio APScheduler / vwed: {ratio:.1f}x; target vwed p99 <= 50 ms: {met}")


if __name__ == "__main__":
    asyncio.run(main())
