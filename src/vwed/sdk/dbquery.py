"""`db_query(sql, params)`: one read-only SELECT over tables an admin exposed, with a timeout and a row cap.

On SQLite the query runs on a separate read-only connection (`mode=ro`, `query_only`) whose authorizer
allows reading only the exposed tables. On PostgreSQL and MySQL it runs in a READ ONLY transaction with a
statement timeout, after `EXPLAIN` has named every table the plan reads, each of which must be exposed.
Tables holding secrets, tokens or users can never be exposed.
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
from sqlalchemy.ext.asyncio import AsyncEngine

from vwed.i18n import translate
from vwed.runtime.service import SdkRefused

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

    def __init__(self, engine: AsyncEngine, tables: frozenset[str], timeout: float, max_rows: int) -> None:
        self.engine = engine
        self.tables = tables
        self.timeout = timeout
        self.max_rows = max_rows

    async def query(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Rows of `sql` as dicts; `SdkRefused` with the reason for anything not allowed."""
        if not _READING.match(sql):
            raise SdkRefused(translate("db_query_read_only", "zh"))
        if not self.tables:
            raise SdkRefused(translate("db_query_no_tables", "zh"))
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
            connection.set_authorizer(authorize)
            connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                cursor = connection.execute(sql, params)
                rows = cursor.fetchmany(self.max_rows + 1)
            except sqlite3.Error as exc:
                raise SdkRefused(self._reason(str(exc), denied)) from None
            columns = [c[0] for c in cursor.description or ()]
        finally:
            connection.close()
        return self._capped([dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in rows])

    def _reason(self, error: str, denied: list[str]) -> str:
        if "interrupted" in error:
            return translate("db_query_timeout", "zh", seconds=f"{self.timeout:g}")
        tables = [t for t in denied if t != "write"]
        if tables:
            return translate("db_query_not_exposed", "zh", table=tables[0])
        if denied or "readonly" in error.replace(" ", "").lower():
            return translate("db_query_read_only", "zh")
        return translate("db_query_failed", "zh", error=error)

    def _capped(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(rows) > self.max_rows:
            raise SdkRefused(translate("db_query_too_many_rows", "zh", limit=self.max_rows))
        return rows

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
                result = await conn.execute(text(sql), params)
                rows = result.mappings().fetchmany(self.max_rows + 1)
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
        return self._capped([{k: _plain(v) for k, v in row.items()} for row in rows])


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
