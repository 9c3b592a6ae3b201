"""The log pipeline (bus -> rate limit -> WebSocket hub + batched storage) and the log queries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vwed.bus import Bus, Message
from vwed.db.base import TenantScope, utcnow
from vwed.i18n import translate
from vwed.logs import repository
from vwed.logs.hub import LogHub
from vwed.logs.schemas import LogLine, normal_level, parse_stamp, utc_stamp

log = logging.getLogger("vwed.logs")

LOG_CHANNELS = ("script.log.*", "script.status.*", "script.function.*")


@dataclass
class LogLimits:
    """Knobs of the pipeline; the defaults come from `Settings`."""

    rate_per_second: float = 1000.0
    burst: int = 5000
    line_max_chars: int = 8192
    batch_size: int = 1000
    flush_interval: float = 0.2
    max_unwritten: int = 100_000
    retention_days: int = 14
    max_lines_per_script: int = 100_000
    max_lines_per_tenant: int = 1_000_000
    tenant_rate_per_second: float = 2000.0
    tenant_burst: int = 10_000
    retention_interval: float = 3600.0

    @property
    def tenant_unwritten(self) -> int:
        """Unwritten lines one tenant may hold; past it that tenant's new lines are not stored."""
        return max(self.max_unwritten // 4, self.batch_size)


@dataclass
class _Bucket:
    """Token bucket of one script's (or one tenant's) output."""

    tokens: float
    updated: float
    suppressed: int = 0
    notified: bool = False

    def take(self, now: float, rate: float, burst: int) -> bool:
        """Refill for the time passed, then take one token if there is one."""
        self.tokens = min(float(burst), self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class _Pending:
    lines: list[LogLine] = field(default_factory=list)


def _script_id(channel: str) -> str:
    # channel is script.<kind>.<script_id>; script ids themselves contain dots (main.py_...)
    return channel.split(".", 2)[2]


class LogPipeline:
    """Consumes script output from the bus, fans it out to WebSocket clients and stores it in batches."""

    def __init__(
        self, bus: Bus, sessions: async_sessionmaker[AsyncSession], hub: LogHub, limits: LogLimits
    ) -> None:
        self.bus = bus
        self.sessions = sessions
        self.hub = hub
        self.limits = limits
        self.last_seq = 0
        self.pending = _Pending()
        self.buckets: dict[str, _Bucket] = {}
        # Keyed by tenant id; the global (admin) scripts share the key None.
        self.tenant_buckets: dict[str | None, _Bucket] = {}
        self.unwritten: dict[str | None, int] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.flush_lock = asyncio.Lock()
        self.flush_wanted = asyncio.Event()

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe to the bus and start the consumer, writer and retention loops."""
        subscription = await self.bus.subscribe(*LOG_CHANNELS, max_pending=self.limits.max_unwritten)
        self.tasks = [
            asyncio.create_task(self._consume(subscription)),
            asyncio.create_task(self._write_loop()),
            asyncio.create_task(self._retention_loop()),
        ]
        self._subscription = subscription

    async def stop(self) -> None:
        """Stop consuming, write what is pending, close every WebSocket."""
        await self._subscription.close()
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()
        await self.hub.close()

    # -- intake -----------------------------------------------------------------------------------

    def next_seq(self) -> int:
        """A strictly increasing sequence number, roughly microseconds since the epoch."""
        self.last_seq = max(self.last_seq + 1, time.time_ns() // 1000)
        return self.last_seq

    async def _consume(self, subscription: Any) -> None:
        async for message in subscription:
            try:
                self.accept(message)
            except Exception:
                log.exception("dropping malformed bus message on %s", message.channel)

    def accept(self, message: Message) -> None:
        """Route one bus message: functions go live only; log and status lines are also stored."""
        script_id = _script_id(message.channel)
        data = message.data
        tenant_id = data.get("tenant_id")
        if message.channel.startswith("script.function."):
            self.hub.deliver(script_id, tenant_id, self._function_message(script_id, data))
            return
        if message.channel.startswith("script.status."):
            status = str(data.get("status", ""))
            line = self._line(script_id, tenant_id, "INFO", "status", str(data.get("message", status)), data)
            line.data = {"status": status}
            self._emit(line)
            return
        if not self._admit(script_id, tenant_id):
            return
        extra = data.get("data")
        line = self._line(
            script_id,
            tenant_id,
            normal_level(data.get("level")),
            str(data.get("source") or "log"),
            str(data.get("message", "")),
            data,
        )
        line.data = extra if isinstance(extra, dict) and extra else None
        self._emit(line)

    def _line(
        self, script_id: str, tenant_id: str | None, level: str, source: str, text: str, data: dict[str, Any]
    ) -> LogLine:
        cap = self.limits.line_max_chars
        if len(text) > cap:
            text = text[:cap] + f"... [{len(text) - cap} chars cut]"
        return LogLine(
            seq=self.next_seq(),
            script_id=script_id,
            tenant_id=tenant_id,
            level=level,
            source=source[:10],
            message=text,
            created_at=parse_stamp(data.get("timestamp")),
        )

    def _function_message(self, script_id: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "function_execution",
            "script_id": script_id,
            "timestamp": data.get("timestamp") or utc_stamp(),
            "function_name": data.get("function_name"),
            "execution_type": data.get("execution_type"),
            "result": data.get("result"),
        }

    def _admit(self, script_id: str, tenant_id: str | None) -> bool:
        """Token buckets per script and per tenant: over either rate, lines are dropped and one notice
        says so, so one tenant's many scripts cannot crowd out the lines of others."""
        now = time.monotonic()
        limits = self.limits
        bucket = self.buckets.get(script_id)
        if bucket is None:
            bucket = self.buckets[script_id] = _Bucket(tokens=float(limits.burst), updated=now)
        tenant = self.tenant_buckets.get(tenant_id)
        if tenant is None:
            tenant = self.tenant_buckets[tenant_id] = _Bucket(tokens=float(limits.tenant_burst), updated=now)
        # The tenant's token is only spent when the script's own bucket lets the line through.
        if bucket.take(now, limits.rate_per_second, limits.burst) and tenant.take(
            now, limits.tenant_rate_per_second, limits.tenant_burst
        ):
            if bucket.suppressed:
                self._notice(script_id, tenant_id, "log_flood_ended", bucket.suppressed)
                bucket.suppressed, bucket.notified = 0, False
            return True
        bucket.suppressed += 1
        if not bucket.notified:
            bucket.notified = True
            self._notice(script_id, tenant_id, "log_flood_started", self.limits.rate_per_second)
        return False

    def _notice(self, script_id: str, tenant_id: str | None, key: str, count: float) -> None:
        text = translate(key, "zh", count=int(count))
        self._emit(self._line(script_id, tenant_id, "WARNING", "system", text, {}))

    def _emit(self, line: LogLine) -> None:
        self.hub.deliver(line.script_id, line.tenant_id, line.as_message())
        pending = self.pending.lines
        held = self.unwritten.get(line.tenant_id, 0)
        if held >= self.limits.tenant_unwritten:
            # This tenant alone fills the unwritten backlog: its new line goes live but is not stored.
            return
        if len(pending) >= self.limits.max_unwritten:
            # The database is not keeping up; losing the oldest unwritten line beats exhausting memory.
            self._forget(pending.pop(0))
        pending.append(line)
        self.unwritten[line.tenant_id] = held + 1
        if len(pending) >= self.limits.batch_size:
            self.flush_wanted.set()

    # -- storage ----------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write every pending line now."""
        async with self.flush_lock:
            while self.pending.lines:
                batch = self.pending.lines[: self.limits.batch_size]
                async with self.sessions() as session:
                    await repository.insert_lines(session, [line.as_row() for line in batch])
                    await session.commit()
                del self.pending.lines[: len(batch)]
                for line in batch:
                    self._forget(line)

    def _forget(self, line: LogLine) -> None:
        """`line` left the unwritten backlog (written, or dropped)."""
        left = self.unwritten.get(line.tenant_id, 0) - 1
        if left > 0:
            self.unwritten[line.tenant_id] = left
        else:
            self.unwritten.pop(line.tenant_id, None)

    async def _write_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flush_wanted.wait(), self.limits.flush_interval)
            self.flush_wanted.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("writing log lines failed; retrying")
                await asyncio.sleep(1)

    async def enforce_retention(self) -> int:
        """Delete lines older than the retention age, beyond the per-script and the per-tenant count."""
        async with self.sessions() as session:
            cutoff = utcnow() - timedelta(days=self.limits.retention_days)
            deleted = await repository.delete_older_than(session, cutoff)
            deleted += await repository.delete_beyond_count(session, self.limits.max_lines_per_script)
            deleted += await repository.delete_beyond_tenant_count(session, self.limits.max_lines_per_tenant)
            await session.commit()
        return deleted

    async def _retention_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.retention_interval)
            try:
                await self.enforce_retention()
            except Exception:
                log.exception("log retention failed")

    # -- replay -----------------------------------------------------------------------------------

    async def replay(
        self, scope: TenantScope, script_id: str | None, cutoff: int, tail: int | None, since: datetime | None
    ) -> list[LogLine]:
        """Stored lines up to `cutoff` for a late subscriber: the last `tail`, or all since `since`."""
        await self.flush()
        async with self.sessions() as session:
            rows = await repository.query_lines(
                session,
                scope,
                script_id,
                since=since,
                max_seq=cutoff,
                limit=tail if tail is not None else 10_000,
                newest=tail is not None,
            )
        return [LogLine.from_row(row) for row in rows]


class LogQueryService:
    """Read stored lines of one script within the caller's tenant scope."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def page(
        self,
        script_id: str,
        levels: Sequence[str],
        keyword: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        cursor: int | None,
    ) -> tuple[list[LogLine], int | None]:
        """Up to `limit` lines after `cursor`, oldest first, and the cursor of the next page (or None)."""
        rows = await repository.query_lines(
            self.session,
            self.scope,
            script_id,
            levels=levels,
            keyword=keyword,
            since=since,
            until=until,
            after_seq=cursor,
            limit=limit,
        )
        lines = [LogLine.from_row(row) for row in rows]
        return lines, (lines[-1].seq if len(lines) == limit else None)


def naive_utc(value: datetime | None) -> datetime | None:
    """A query bound as naive UTC, the way lines are stored; naive input is taken as UTC already."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
