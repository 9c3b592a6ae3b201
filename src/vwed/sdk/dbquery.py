"""`db_query(sql, params)`: one read-only SELECT over tables an admin exposed, with a timeout and a row cap.

On SQLite the query runs on a separate read-only connection (`mode=ro`, `query_only`) whose authorizer
allows reading only the exposed tables. On PostgreSQL and MySQL it runs in a READ ONLY transaction with a
statement timeout, after `EXPLAIN` has named every table the plan reads, each of which must be exposed.
Tables holding secrets, tokens or users can never be exposed.

The result is bounded in bytes as well as rows, on every back end, before it is held in the server's
memory: SQLite refuses any single value longer than the cap (`SQLITE_LIMIT_LENGTH`, so `zeroblob(1e8)` or
a runaway `group_concat` fails inside SQLite) and its progress handler stops any statement at the timeout
(recursive CTEs included); PostgreSQL measures each row as JSON on the database server and sends only
rows within the cap; MySQL and PostgreSQL rows are streamed from a server-side cursor and counted as
they arrive. Only a few queries run at once (`PARALLEL`), so a flood of calls cannot take every thread.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from vwed.i18n import translate
from vwed.runtime.service import SdkRefused

PARALLEL = 4

NEVER_EXPOSED = frozenset(
    {
        "api_tokens",
        "platform_secrets",
        "platform_script_vars",
        "platform_task_notify_channels",
        "platform_task_notify_wecom_apps",
        "platform_users",
        "users",
    }
)
_READING = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


def exposed_tables(setting: str) -> frozenset[str]:
    """The tables named in `VWED_DB_QUERY_TABLES`, minus those that may never be exposed."""
    names = {name.strip().lower() for name in setting.split(",") if name.strip()}
    return frozenset(names - NEVER_EXPOSED)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value


class ReadOnlyQueries:
    """Runs `db_query` calls against the platform database under the policy above."""

    def __init__(
        self, engine: AsyncEngine, tables: frozenset[str], timeout: float, max_rows: int, max_bytes: int
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.gate = asyncio.Semaphore(PARALLEL)

    async def query(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Rows of `sql` as dicts; `SdkRefused` with the reason for anything not allowed."""
        if not _READING.match(sql):
            raise SdkRefused(translate("db_query_read_only", "zh"))
        if not self.tables:
            raise SdkRefused(translate("db_query_no_tables", "zh"))
        async with self.gate:
            if self.engine.dialect.name == "sqlite":
                return await asyncio.to_thread(self._sqlite, sql, params)
            return await self._server(sql, params)

    def _sqlite(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        path = make_url(self.engine.url).database
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=self.timeout)
        denied: list[str] = []
        deadline = time.monotonic() + self.timeout

        def authorize(
            action: int, first: str | None, _second: str | None, _db: str | None, _t: str | None
        ) -> int:
            if action == sqlite3.SQLITE_READ:
                if (first or "").lower() in self.tables:
                    return sqlite3.SQLITE_OK
                denied.append(first or "")
                return sqlite3.SQLITE_DENY
            if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE):
                return sqlite3.SQLITE_OK
            denied.append("write")
            return sqlite3.SQLITE_DENY

        try:
            connection.execute("PRAGMA query_only = 1")
            # No value (string, blob, group_concat, ...) may outgrow the result cap inside SQLite itself.
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.max_bytes)
            connection.set_authorizer(authorize)
            connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            counter = _ResultSize(self.max_rows, self.max_bytes)
            try:
                cursor = connection.execute(sql, params)
                columns = [c[0] for c in cursor.description or ()]
                rows = []
                for raw in cursor:
                    row = dict(zip(columns, (_plain(v) for v in raw), strict=True))
                    counter.add(row)
                    rows.append(row)
            except sqlite3.Error as exc:
                raise SdkRefused(self._reason(str(exc), denied)) from None
        finally:
            connection.close()
        return rows

    def _reason(self, error: str, denied: list[str]) -> str:
        if "interrupted" in error:
            return translate("db_query_timeout", "zh", seconds=f"{self.timeout:g}")
        if "too big" in error:
            return _too_big(self.max_bytes)
        tables = [t for t in denied if t != "write"]
        if tables:
            return translate("db_query_not_exposed", "zh", table=tables[0])
        if denied or "readonly" in error.replace(" ", "").lower():
            return translate("db_query_read_only", "zh")
        return translate("db_query_failed", "zh", error=error)

    async def _server(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        mysql = self.engine.dialect.name == "mysql"
        mariadb = bool(getattr(self.engine.dialect, "is_mariadb", False))
        # MariaDB and MySQL name the statement timeout differently (seconds vs milliseconds).
        limit = (
            f"max_statement_time = {self.timeout:g}"
            if mariadb
            else f"max_execution_time = {int(self.timeout * 1000)}"
        )
        unlimit = "max_statement_time = 0" if mariadb else "max_execution_time = 0"
        async with self.engine.connect() as conn:
            try:
                if mysql:
                    await conn.execute(text(f"SET SESSION {limit}"))
                    await conn.execute(text("SET TRANSACTION READ ONLY"))
                else:
                    await conn.execute(text("SET TRANSACTION READ ONLY"))
                    await conn.execute(text(f"SET LOCAL statement_timeout = {int(self.timeout * 1000)}"))
                plan = (
                    await conn.execute(
                        text(f"EXPLAIN FORMAT=JSON {sql}" if mysql else f"EXPLAIN (FORMAT JSON) {sql}"),
                        params,
                    )
                ).scalar()
                for table in plan_tables(plan):
                    if table.lower() not in self.tables:
                        raise SdkRefused(translate("db_query_not_exposed", "zh", table=table))
                reader = self._mysql_rows if mysql else self._pg_rows
                rows = await reader(conn, sql, params)
            except (DBAPIError, StatementError) as exc:
                message = str(getattr(exc, "orig", exc))
                if "read-only" in message or "READ ONLY" in message:
                    raise SdkRefused(self._reason("readonly", ["write"])) from None
                if "timeout" in message or "max_execution_time" in message or "max_statement_time" in message:
                    raise SdkRefused(self._reason("interrupted", [])) from None
                raise SdkRefused(translate("db_query_failed", "zh", error=message.splitlines()[0])) from None
            finally:
                await conn.rollback()
                if mysql:
                    await conn.execute(text(f"SET SESSION {unlimit}"))
                    await conn.commit()
        return rows

    async def _pg_rows(self, conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        # Each row becomes JSON on the database server, which sends only its size when it is too big.
        cap = int(self.max_bytes)
        wrapped = (
            f"SELECT CASE WHEN octet_length(j) <= {cap} THEN j END AS row_json, octet_length(j) AS row_bytes "  # noqa: S608
            f"FROM (SELECT row_to_json(q)::text AS j FROM (\n{_bare(sql)}\n) AS q) AS w"
        )
        counter = _ResultSize(self.max_rows, self.max_bytes)
        rows: list[dict[str, Any]] = []
        result = await conn.stream(text(wrapped), params)
        async for row_json, row_bytes in result:
            if row_json is None:
                raise SdkRefused(_too_big(self.max_bytes))
            row = json.loads(row_json)
            counter.add(row, int(row_bytes))
            rows.append(row)
        return rows

    async def _mysql_rows(
        self, conn: AsyncConnection, sql: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        counter = _ResultSize(self.max_rows, self.max_bytes)
        rows: list[dict[str, Any]] = []
        result = await conn.stream(text(sql), params)
        async for mapping in result.mappings():
            row = {k: _plain(v) for k, v in mapping.items()}
            counter.add(row)
            rows.append(row)
        return rows


def _bare(sql: str) -> str:
    """The statement without trailing semicolons and blanks, to nest it as a subquery."""
    return sql.strip().rstrip(";").rstrip()


def _too_big(cap: int) -> str:
    return translate("db_query_too_big", "zh", limit=cap)


class _ResultSize:
    """Counts rows and their bytes (as JSON) as they arrive; refuses the result past either cap."""

    def __init__(self, max_rows: int, max_bytes: int) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.rows = 0
        self.size = 0

    def add(self, row: dict[str, Any], size: int | None = None) -> None:
        """Count one row (`size` when the database measured it already)."""
        self.rows += 1
        if self.rows > self.max_rows:
            raise SdkRefused(translate("db_query_too_many_rows", "zh", limit=self.max_rows))
        self.size += size if size is not None else len(json.dumps(row, default=str))
        if self.size > self.max_bytes:
            raise SdkRefused(_too_big(self.max_bytes))


def plan_tables(plan: Any) -> Iterator[str]:
    """Every table name in an EXPLAIN JSON plan (PostgreSQL `Relation Name`, MySQL `table_name`)."""
    yield from _plan_tables(json.loads(plan) if isinstance(plan, str) else plan)


def _plan_tables(plan: Any) -> Iterator[str]:
    if isinstance(plan, dict):
        for key, value in plan.items():
            if key in ("Relation Name", "table_name") and isinstance(value, str):
                yield value
            else:
                yield from _plan_tables(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from _plan_tables(item)
