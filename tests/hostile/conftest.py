"""Fixtures of the hostile-tenant battery: one real server per test module (attacks must not need a
fresh host to pass; each test ends by checking the host is still healthy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.server import HostileServer, hostile_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    """A server with the default settings, shared by the tests of one module."""
    with hostile_server(tmp_path_factory.mktemp("hostile")) as running:
        yield running
