"""Shared fixtures: an app on each database back end, and an authenticated HTTP client for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.backends import empty_tables, throwaway_database
from vwed.config import Settings
from vwed.db.engine import open_database
from vwed.web.app import create_app

ADMIN_TOKEN = "test-admin-token-0123456789"
BACKENDS = ["sqlite", "postgres", "mysql"]


class _IsoTimestamp:
    """Equal to any time in the API's one format, `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds): lets
    tests compare whole bodies with timestamps in them."""

    pattern = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(self.pattern.match(other))

    def __repr__(self) -> str:
        return "<ISO timestamp>"


TS = _IsoTimestamp()


@pytest.fixture(scope="session")
def server_databases() -> Iterator[dict[str, str]]:
    """Lazily created throwaway databases, one per server back end per test session."""
    stack: dict[str, Any] = {}
    urls: dict[str, str] = {}

    class Lazy(dict[str, str]):
        def __missing__(self, backend: str) -> str:
            manager = throwaway_database(backend)
            urls[backend] = manager.__enter__()
            stack[backend] = manager
            self[backend] = urls[backend]
            return urls[backend]

    yield Lazy()
    for manager in stack.values():
        manager.__exit__(None, None, None)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database back end under test."""
    name: str = request.param
    return name


@pytest.fixture
def settings(backend: str, tmp_path: Path, server_databases: dict[str, str]) -> Settings:
    """Settings for one test: its own data dir, the back end's database, a known admin token.

    The scheduler and run executor are off, so tests of other features neither wait for nor race
    them; scheduler tests switch them on.
    """
    url = None if backend == "sqlite" else server_databases[backend]
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        scheduler_enabled=False,
        executor_concurrency=0,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """A started application (migrations applied) on an empty database."""
    if settings.database_url:
        # Empty the shared server database before the app's background services start using it.
        async with open_database(settings.resolved_database_url) as engine:
            await empty_tables(engine)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a token."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client carrying the admin token."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c
