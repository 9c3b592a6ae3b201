"""The scheduler engine: a leader that enqueues due runs, and executors that claim and run them.

`Scheduler` holds the cluster's lease row and, in one transaction per pass, writes the run rows of every
task of every due schedule and advances those schedules' timers (`next_run_at`); it sleeps until the
next due time or lease renewal, and is woken early by `scheduler.changed` on the bus.

`RunExecutor` claims queued runs (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MySQL; SQLite has a single
writer), runs them through the runner registry, records the outcome, queues retries, and reports the
final outcome (events, alert, result).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from vwed.bus import Bus
from vwed.config import Settings
from vwed.i18n import translate
from vwed.net.egress import EgressPolicy, guarded_client
from vwed.scheduler.repository import ClaimedRun, Enqueued, RunQueue
from vwed.scheduler.runners import RunContext, RunOutcome, excerpt, runner_for
from vwed.scheduler.schedule import Schedule, parse_schedule
from vwed.scheduler.slots import RunSlots

log = logging.getLogger("vwed.scheduler")

CHANGED = "scheduler.changed"
RUNS_QUEUED = "scheduler.runs"
PRUNE_EVERY = timedelta(hours=1)
_RETRIES = 5
T = TypeVar("T")


class Clock(Protocol):
    """Where the engine reads the time and waits; tests substitute a clock they move by hand."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""

    async def sleep_until(self, deadline: datetime, wake: asyncio.Event) -> None:
        """Return at `deadline` or as soon as `wake` is set, whichever is first."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)

    async def sleep_until(self, deadline: datetime, wake: asyncio.Event) -> None:
        """Sleep until `deadline` or until `wake` is set."""
        seconds = (deadline - self.now()).total_seconds()
        if seconds > 0 and not wake.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), seconds)
        wake.clear()


def naive(moment: datetime) -> datetime:
    """An aware time as the naive UTC value the tables store."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def ceil_second(moment: datetime) -> datetime:
    """`moment` rounded up to a whole second (the tables store seconds): a wait never comes out short."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


@functools.lru_cache(maxsize=4096)
def _schedule(schedule_type: str, cron: str | None, points: tuple[str, ...], timezone: str) -> Schedule:
    return parse_schedule(schedule_type, cron, points, timezone)


def next_fire(task: dict[str, Any], after: datetime) -> datetime:
    """The first fire time of a task row strictly after the naive UTC time `after`, naive UTC."""
    points = tuple(task["time_points"] or ())
    schedule = _schedule(task["schedule_type"], task["cron_expression"], points, task["timezone"])
    return naive(schedule.next_after(after.replace(tzinfo=UTC)))


def _retryable(exc: DBAPIError) -> bool:
    # Serialization failures and deadlocks between the leader and API writes: run the pass again.
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    text = str(exc.orig).lower()
    return code in ("40001", "40P01") or "deadlock" in text or "database is locked" in text


async def _pragma(conn: AsyncConnection, pragma: str) -> None:
    await conn.exec_driver_sql(f"PRAGMA {pragma}")
    await conn.commit()


class Transactions:
    """Short transactions on the engine, at the isolation level the run queue needs on each back end."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # One snapshot for every statement of a pass on PostgreSQL (see RunQueue.enqueue_due).
        self.isolation = "REPEATABLE READ" if engine.dialect.name == "postgresql" else None

    async def run(self, work: Callable[[RunQueue], Awaitable[T]], *, burst: bool = False) -> T:
        """Run `work` in one transaction, retried when the database asks for it.

        With `burst` on SQLite, the commit does not also copy the WAL back into the database file
        (SQLite's automatic checkpoint); call `checkpoint()` once the burst is committed.
        """
        for attempt in range(_RETRIES):
            try:
                async with self.engine.connect() as raw:
                    conn: AsyncConnection = raw
                    if self.isolation:
                        conn = await raw.execution_options(isolation_level=self.isolation)
                    if burst and self.sqlite:
                        await _pragma(conn, "wal_autocheckpoint=0")
                    try:
                        async with conn.begin():
                            return await work(RunQueue(conn))
                    finally:
                        if burst and self.sqlite:
                            await _pragma(conn, "wal_autocheckpoint=1000")
            except DBAPIError as exc:
                if attempt == _RETRIES - 1 or not _retryable(exc):
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    async def checkpoint(self) -> None:
        """On SQLite, copy committed WAL pages into the database file without blocking anyone."""
        if self.sqlite:
            async with self.engine.connect() as conn:
                await _pragma(conn, "wal_checkpoint(PASSIVE)")


class WakeableLoop(abc.ABC):
    """A background loop that sleeps until its next deadline and is woken early by a bus channel."""

    def __init__(self, bus: Bus, wake_on: str) -> None:
        self.bus = bus
        self.wake_on = wake_on
        self.wake = asyncio.Event()
        self.stopping = False
        self.task: asyncio.Task[None] | None = None
        self.listener: asyncio.Task[None] | None = None

    @abc.abstractmethod
    async def _loop(self) -> None:
        """The work; runs until `stopping`."""

    async def start_loop(self) -> None:
        """Listen on `wake_on` and start `_loop`."""
        subscription = await self.bus.subscribe(self.wake_on)

        async def listen() -> None:
            async for _message in subscription:
                self.wake.set()

        self.listener = asyncio.create_task(listen())
        self.task = asyncio.create_task(self._loop())

    async def stop_loop(self) -> None:
        """Stop the loop and the listener and wait for both."""
        self.stopping = True
        self.wake.set()
        for task in (self.task, self.listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class Scheduler(WakeableLoop):
    """The leader loop: while it holds the lease, it turns due tasks into queued runs."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        bus: Bus,
        clock: Clock | None = None,
        on_enqueued: Callable[[Enqueued, datetime], None] | None = None,
    ) -> None:
        super().__init__(bus, CHANGED)
        self.db = Transactions(engine)
        self.settings = settings
        self.clock = clock or SystemClock()
        self.on_enqueued = on_enqueued
        self.node = f"node-{os.getpid()}-{secrets.token_hex(4)}"
        self.is_leader = False
        self.last_prune: datetime | None = None
        self.notes = {
            "missed": translate("run_missed", "zh", grace=settings.scheduler_misfire_grace_seconds),
            "skipped": translate("run_skipped", "zh"),
        }

    @property
    def lease_time(self) -> timedelta:
        """How long a lease lasts without renewal."""
        return timedelta(seconds=self.settings.scheduler_lease_seconds)

    async def start(self) -> None:
        """Start the loop, woken early by task changes."""
        await self.start_loop()

    async def stop(self) -> None:
        """Stop the loop and hand the lease back."""
        await self.stop_loop()
        if self.is_leader:
            await self.db.run(lambda q: q.release_lease(self.node))
            self.is_leader = False

    async def _loop(self) -> None:
        while not self.stopping:
            try:
                deadline = await self.tick(self.clock.now())
            except Exception:
                log.exception("scheduler pass failed")
                deadline = self.clock.now() + timedelta(seconds=1)
            await self.clock.sleep_until(deadline, self.wake)

    async def tick(self, now: datetime) -> datetime:
        """One pass at `now` (aware): renew or take the lease, enqueue due runs; return when to wake."""
        renew_at = now + self.lease_time / 3
        # A leader renews its lease inside the enqueue transaction; others try to take it first.
        if not self.is_leader:
            until = naive(now + self.lease_time)
            if not await self.db.run(lambda q: q.take_lease(self.node, naive(now), until)):
                return renew_at
            log.info("scheduler lease taken by %s", self.node)
            self.is_leader = True
        enqueued = await self.enqueue(now)
        if enqueued is None:
            log.warning("scheduler lease lost by %s", self.node)
            return renew_at
        if enqueued.runs:
            await self.db.checkpoint()
        if enqueued.behind:
            return now
        await self.prune(now)
        next_due = await self.db.run(lambda q: q.next_due_at())
        if next_due is None:
            return renew_at
        return min(renew_at, next_due.replace(tzinfo=UTC))

    async def enqueue(self, now: datetime) -> Enqueued | None:
        """Enqueue every run due at `now` in one transaction, if this node still holds the lease."""
        cutoff = naive(now) - timedelta(seconds=self.settings.scheduler_misfire_grace_seconds)

        async def work(queue: RunQueue) -> Enqueued | None:
            until = naive(now + self.lease_time)
            if not await queue.take_lease(self.node, naive(now), until):
                return None
            return await queue.enqueue_due(naive(now), cutoff, next_fire, self.notes)

        enqueued = await self.db.run(work, burst=True)
        if enqueued is None:
            self.is_leader = False
            return None
        if enqueued.runs:
            if self.on_enqueued is not None:
                self.on_enqueued(enqueued, datetime.now(UTC))
            await self.bus.publish(RUNS_QUEUED, {"runs": enqueued.runs})
        return enqueued

    async def prune(self, now: datetime) -> None:
        """Apply log retention at most once an hour."""
        if self.last_prune is not None and now - self.last_prune < PRUNE_EVERY:
            return
        self.last_prune = now
        before = naive(now) - timedelta(days=self.settings.task_log_retention_days)
        pruned = await self.db.run(lambda q: q.prune_logs(before))
        if pruned:
            log.info("pruned %d task logs older than %s", pruned, before)


class Reporter(Protocol):
    """Told how runs end (see `vwed.scheduler.service.RunReporter`)."""

    async def __call__(
        self, task: dict[str, Any], run: dict[str, Any], outcome: RunOutcome, finished_at: datetime
    ) -> None:
        """Report how the run ended, once, after its final attempt."""

    async def deliver(self, task: dict[str, Any], run: dict[str, Any], result: dict[str, Any]) -> str:
        """Push a successful run's `result` to the task's channels; a summary for the run's output."""


class RunExecutor(WakeableLoop):
    """Claims queued runs and runs up to `executor_concurrency` of them at once on this node."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        bus: Bus,
        report: Reporter,
        clock: Clock | None = None,
        slots: RunSlots | None = None,
    ) -> None:
        super().__init__(bus, RUNS_QUEUED)
        self.db = Transactions(engine)
        self.settings = settings
        self.report = report
        self.clock = clock or SystemClock()
        # Shared with test runs (`TaskScripts`) when the app wires one set for both.
        self.slots = slots or RunSlots(settings.executor_concurrency)
        self.node = f"exec-{os.getpid()}-{secrets.token_hex(4)}"
        self.http = guarded_client(EgressPolicy.from_settings(settings), follow_redirects=False)
        self.inflight: dict[int, asyncio.Task[None]] = {}
        self.last_beat: datetime | None = None

    @property
    def beat_every(self) -> timedelta:
        """How often running runs are marked alive; four beats fit in the stale limit."""
        return timedelta(seconds=self.settings.run_stale_seconds / 4)

    async def start(self) -> None:
        """Reap runs left `running` by a crash, then start claiming."""
        await self.reap(self.clock.now())
        await self.start_loop()

    async def stop(self) -> None:
        """Stop claiming; let running runs finish within the grace, then fail the rest with a reason."""
        await self.stop_loop()
        if self.inflight:
            pending = list(self.inflight.values())
            _done, late = await asyncio.wait(pending, timeout=self.settings.shutdown_grace_seconds)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
        await self.http.aclose()

    async def _loop(self) -> None:
        idle = timedelta(seconds=self.settings.executor_idle_seconds)
        while not self.stopping:
            now = self.clock.now()
            try:
                deadline = await self.step(now, now + idle)
            except Exception:
                log.exception("executor pass failed")
                deadline = now + idle
            if deadline > now:
                await self.clock.sleep_until(deadline, self.wake)

    async def step(self, now: datetime, idle_until: datetime) -> datetime:
        """Beat, reap and claim at `now`; return when to look again (now, if more may be ready)."""
        await self.maintain(now)
        claimed = await self.claim(now)
        if claimed and self.slots.free > 0:
            return now
        retry_at = await self.db.run(lambda q: q.earliest_retry(naive(now)))
        if retry_at is not None:
            return min(idle_until, retry_at.replace(tzinfo=UTC))
        return idle_until

    async def maintain(self, now: datetime) -> None:
        """Beat for the runs in flight here and reap stale runs of dead nodes, once per beat interval."""
        if self.last_beat is not None and now - self.last_beat < self.beat_every:
            return
        self.last_beat = now
        ids = list(self.inflight)
        await self.db.run(lambda q: q.heartbeat(ids, naive(now)))
        await self.reap(now)

    async def reap(self, now: datetime) -> int:
        """Fail runs whose executor stopped beating (`run_stale_seconds` ago)."""
        stale_before = naive(now) - timedelta(seconds=self.settings.run_stale_seconds)
        reason = translate("run_reaped", "zh", seconds=self.settings.run_stale_seconds)
        reaped = await self.db.run(lambda q: q.reap_stale(stale_before, naive(now), reason))
        if reaped:
            log.warning("reaped %d runs left running by a stopped executor", reaped)
        return reaped

    async def claim(self, now: datetime) -> int:
        """Claim as many ready runs as there are free slots and start them; return how many."""
        if self.stopping:
            return 0
        free = self.slots.free
        if not free:
            return 0
        token = f"{self.node}-{secrets.token_hex(4)}"
        claimed = await self.db.run(lambda q: q.claim_runs(naive(now), token, free))
        # A test run may have taken a slot during the claim; the claimed runs start all the same.
        self.slots.occupy(len(claimed))
        for item in claimed:
            run_id = item.run["id"]
            task = asyncio.create_task(self.execute(item))
            self.inflight[run_id] = task
            task.add_done_callback(functools.partial(self._done, run_id))
        return len(claimed)

    def _done(self, run_id: int, _task: asyncio.Task[None]) -> None:
        self.inflight.pop(run_id, None)
        self.slots.give_back(1)
        self.wake.set()

    async def execute(self, item: ClaimedRun) -> None:
        """Run one claimed run to its end and record it; a cancelled run is failed with the reason."""
        run, task = item.run, item.task
        if task is None:
            await self.db.run(lambda q: q.drop_runs_of(run["task_id"]))
            return
        started = time.monotonic()
        try:
            outcome = await self._run(run, task)
        except asyncio.CancelledError:
            outcome = RunOutcome(ok=False, error=translate("run_interrupted", "zh"))
            await asyncio.shield(self.finish(run, task, outcome, started))
            raise
        await self.finish(run, task, outcome, started)

    async def _run(self, run: dict[str, Any], task: dict[str, Any]) -> RunOutcome:
        runner = runner_for(task["execution_type"])
        if runner is None:
            return RunOutcome(
                ok=False, error=translate("run_type_unavailable", "zh", type=task["execution_type"])
            )
        context = RunContext(
            task=task,
            trace_id=run["trace_id"],
            retry_count=run["retry_count"],
            scheduled_at=run["scheduled_at"],
            http=self.http,
            params=run.get("input_params"),
        )
        try:
            return await asyncio.wait_for(runner(context), timeout=task["timeout_seconds"] + 5)
        except TimeoutError:
            return RunOutcome(ok=False, error=translate("run_timeout", "zh", seconds=task["timeout_seconds"]))
        except Exception as exc:
            log.exception("runner of task %s failed", task["id"])
            return RunOutcome(
                ok=False, error=translate("run_crashed", "zh", reason=str(exc) or type(exc).__name__)
            )

    async def finish(
        self, run: dict[str, Any], task: dict[str, Any], outcome: RunOutcome, started: float
    ) -> None:
        """Push a successful run's `result`, record the outcome (with the delivery summary in its output),
        queue a retry when attempts remain, else report the final outcome."""
        if outcome.ok and outcome.result is not None:
            summary = await self.report.deliver(task, run, outcome.result)
            outcome = RunOutcome(True, (outcome.output or "") + summary, None, outcome.result)
        now = self.clock.now()
        cap = self.settings.task_output_max_chars
        output = excerpt(outcome.output, cap) if outcome.output else None
        error = excerpt(outcome.error, cap) if outcome.error else None
        status = "success" if outcome.ok else "failed"
        retry = not outcome.ok and run["retry_count"] < task["retry_count"]
        message = translate("run_succeeded", "zh") if outcome.ok else (error or "")
        final = not retry

        async def work(queue: RunQueue) -> bool:
            if not await queue.task_exists(run["task_id"]):
                await queue.drop_runs_of(run["task_id"])
                return False
            await queue.finish_run(
                run,
                status=status,
                finished_at=naive(now).replace(microsecond=0),
                duration_ms=int((time.monotonic() - started) * 1000),
                output=output,
                error=error,
                message=excerpt(message, 1000),
            )
            if retry:
                not_before = ceil_second(naive(now + timedelta(seconds=task["retry_interval"])))
                await queue.queue_retry(run, not_before, naive(now).replace(microsecond=0))
            return True

        exists: bool = await self.db.run(work)
        if retry:
            self.wake.set()
        if exists and final:
            final_outcome = RunOutcome(ok=outcome.ok, output=output, error=error, result=outcome.result)
            await self.report(task, run, final_outcome, naive(now).replace(microsecond=0))
