"""Database back ends for tests: SQLite in a temp dir, and throwaway databases on PostgreSQL and MySQL.

PostgreSQL and MySQL are read from `VWED_TEST_POSTGRES_URL` / `VWED_TEST_MYSQL_URL`. Unset, their tests
skip on a developer machine but fail under CI (`CI=true`), so CI never passes by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from vwed.config import async_database_url

ENV = {"postgres": "VWED_TEST_POSTGRES_URL", "mysql": "VWED_TEST_MYSQL_URL"}
TABLES_SKIPPED = {"alembic_version"}


def server_url(backend: str) -> str:
    """The configured server URL of `backend`, or skip (fail under CI) when it is not configured."""
    url = os.environ.get(ENV[backend])
    if not url:
        message = f"{ENV[backend]} is not set"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run every back end)")
        pytest.skip(message)
    return async_database_url(url)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def throwaway_database(backend: str) -> Iterator[str]:
    """Create a uniquely named database on the server of `backend`; drop it afterwards."""
    url = server_url(backend)
    name = f"vwed_test_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(url, f"CREATE DATABASE {name}"))
    try:
        yield _with_database(url, name)
    finally:
        drop = f"DROP DATABASE IF EXISTS {name}" + (" WITH (FORCE)" if backend == "postgres" else "")
        asyncio.run(_admin(url, drop))


async def table_names(engine: AsyncEngine) -> list[str]:
    """Every table of the application (not Alembic's), in a stable order."""
    from sqlalchemy import inspect

    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    return sorted(n for n in names if n not in TABLES_SKIPPED)


async def empty_tables(engine: AsyncEngine) -> None:
    """Remove every row and reset identity counters, so ids start at 1 in each test."""
    names = await table_names(engine)
    if not names:
        return
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        elif engine.dialect.name == "mysql":
            await conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for name in names:
                await conn.execute(text(f"TRUNCATE TABLE {name}"))
            await conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        else:
            for name in names:
                await conn.execute(text(f"DELETE FROM {name}"))


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[object, ...]]]:
    """All rows of all application tables, to prove a request changed nothing."""
    out: dict[str, list[tuple[object, ...]]] = {}
    async with engine.connect() as conn:
        for name in await table_names(engine):
            rows = (await conn.execute(text(f"SELECT * FROM {name}"))).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out
