"""Nodes where the sandbox is weak (issue 12, finding 2, second part).

- A node whose level is L0 but where one layer still works (here only seccomp, as on a host that is not
  root and has no Landlock): with `VWED_ALLOW_L0_TENANT_SCRIPTS` a tenant's service runs, and still cannot
  SIGKILL the server or another tenant's service, because every layer that works is applied.
- A node with L0 alone: tenant services fail closed unless an admin opts in; platform services run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.server import HostileServer, hostile_server
from tests.hostile.services import (
    ATTACKER,
    add_script,
    assert_healthy,
    assert_refused,
    attack,
    running,
    start_service,
)


@pytest.fixture(scope="module")
def seccomp_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    """Services get seccomp and nothing else (level L0); tenants allowed in by the admin."""
    with hostile_server(
        tmp_path_factory.mktemp("seccomp-only"),
        VWED_SCRIPT_SANDBOX="seccomp",
        VWED_ALLOW_L0_TENANT_SCRIPTS="true",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    """Services get no layer at all, and nobody opted in."""
    with hostile_server(tmp_path_factory.mktemp("bare"), VWED_SCRIPT_SANDBOX="L0") as server:
        yield server


def test_with_any_layer_left_an_opted_in_tenant_service_still_cannot_kill_the_server_or_a_neighbour(
    seccomp_only: HostileServer,
) -> None:
    server = seccomp_only
    with server.client("tenant-a") as a, server.client("tenant-b") as b, server.client("admin") as admin:
        health = admin.get("/api/health").json()["data"]["service_sandbox"]
        assert health["level"] == "L0"
        assert health["active"] == ["rlimits", "seccomp"]
        attacker = start_service(a, "weak-a", "attacker.py")
        neighbour = start_service(b, "weak-b", "neighbour.py")
        rows = running(admin)
        assert rows[attacker]["sandbox"] == "L0"
        assert rows[attacker]["sandbox_layers"]["seccomp"].endswith("instructions")
        assert rows[attacker]["sandbox_layers"]["L1"] == "off"
        victim = rows[neighbour]["pid"]
        for code in (
            f"os.kill({server.pid}, signal.SIGKILL)",
            f"os.kill({victim}, signal.SIGKILL)",
            f"os.killpg({victim}, signal.SIGKILL)",
            "os.kill(-1, signal.SIGKILL)",
            "os.kill(os.getppid(), signal.SIGKILL)",
        ):
            assert_refused(attack(a, attacker, code), "Operation not permitted", label=code)
        assert_refused(attack(a, attacker, "socket.socket()"), "PermissionError")
        assert attack(b, neighbour, "result = 'alive'") == {"ok": True, "value": "alive"}
        assert running(admin)[neighbour]["status"] == "running"
        assert_healthy(server, a)


def test_with_l0_alone_tenant_services_fail_closed_and_platform_services_run(bare: HostileServer) -> None:
    with bare.client("tenant-a") as a, bare.client("admin") as admin:
        assert admin.get("/api/health").json()["data"]["service_sandbox"]["level"] == "L0"
        add_script(a, "bare-a", "attacker.py", ATTACKER)
        refused = a.post("/api/script/scripts/start", json={"script_path": "projects/bare-a/attacker.py"})
        assert refused.status_code == 403
        assert "VWED_ALLOW_L0_TENANT_SCRIPTS" in refused.json()["error"]
        # The admin starting the tenant's file runs tenant code too: refused the same way.
        by_admin = admin.post(
            "/api/script/scripts/start", json={"script_path": "projects/bare-a/attacker.py"}
        )
        assert by_admin.status_code == 403
        platform = start_service(admin, "bare-admin", "platform.py")
        assert running(admin)[platform]["sandbox"] == "L0"
        assert_healthy(bare, admin)
