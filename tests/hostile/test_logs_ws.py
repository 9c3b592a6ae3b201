"""Logs and the WebSocket (finding 4): a tenant broadcasts only to its own scripts, sees only its own
connections, and its floods neither crowd out nor push out another tenant's lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.hostile.attacks import start_service, stored_logs, wait_for
from tests.hostile.server import HostileServer, hostile_server

QUIET = "def boot():\n    VWED.log.sync_info('ready')\n"
FLOOD = "def boot():\n    for i in range(3000):\n        VWED.log.sync_info(f'flood {i}')\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    with hostile_server(
        tmp_path_factory.mktemp("logs"),
        # Tenant services are refused on an L0-only node; this battery attacks the log layer, not that.
        VWED_ALLOW_L0_TENANT_SCRIPTS="true",
        VWED_LOG_TENANT_RATE_PER_SECOND="100",
        VWED_LOG_TENANT_BURST="500",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def scripts(server: HostileServer) -> dict[str, str]:
    ids = {}
    for who in ("admin", "tenant-a", "tenant-b"):
        with server.client(who) as client:
            ids[who] = start_service(client, f"quiet-{who}", QUIET)
    return ids


def socket(server: HostileServer, who: str, client_id: str) -> ClientConnection:
    ws = connect(
        f"{server.ws_url}/api/script/ws/script-logs?client_id={client_id}&token={server.tokens[who]}"
    )
    assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
    return ws


def subscribe(ws: ClientConnection, script_id: str) -> None:
    ws.send(json.dumps({"type": "subscribe", "script_id": script_id}))
    while json.loads(ws.recv(timeout=5))["type"] != "subscribed":
        pass


def test_a_tenant_cannot_broadcast_into_another_tenants_or_the_admins_feed(
    server: HostileServer, scripts: dict[str, str]
) -> None:
    with socket(server, "admin", "admin-watch") as watch:
        subscribe(watch, scripts["admin"])
        subscribe(watch, scripts["tenant-a"])
        with server.client("tenant-b") as b:
            for target in (scripts["admin"], scripts["tenant-a"], "*", "nosuch.py_1_00000000"):
                forged = b.post(
                    "/api/script/ws/broadcast/test",
                    json={"script_id": target, "message": "FORGED by b", "level": "error"},
                )
                assert forged.status_code == 404, forged.text
                many = b.post(
                    "/api/script/ws/broadcast/test",
                    json={"script_id": target, "message": "FORGED by b", "repeat": 50},
                )
                assert many.status_code == 404
            own = b.post(
                "/api/script/ws/broadcast/test", json={"script_id": scripts["tenant-b"], "message": "mine"}
            )
            assert own.status_code == 200
        with server.client("admin") as admin:
            sent = admin.post(
                "/api/script/ws/broadcast/test", json={"script_id": scripts["admin"], "message": "marker"}
            )
            assert sent.status_code == 200
        # Everything the watcher receives up to the admin's own marker line is genuine.
        seen = []
        while True:
            message = json.loads(watch.recv(timeout=10))
            if message.get("type") == "script_log":
                seen.append(message["message"])
                if message["message"] == "marker":
                    break
        assert "FORGED by b" not in seen
    with server.client("admin") as admin:
        for script_id in (scripts["admin"], scripts["tenant-a"]):
            assert all("FORGED" not in line["message"] for line in stored_logs(admin, script_id))
    server.healthy()


def test_connection_status_shows_a_tenant_only_its_own_connections(
    server: HostileServer, scripts: dict[str, str]
) -> None:
    with (
        socket(server, "admin", "admin-secret-client") as admin_ws,
        socket(server, "tenant-a", "a-client") as a_ws,
    ):
        subscribe(admin_ws, scripts["admin"])
        subscribe(a_ws, scripts["tenant-a"])
        with socket(server, "tenant-b", "b-client") as b_ws:
            subscribe(b_ws, scripts["tenant-b"])
            with server.client("tenant-b") as b:
                status = b.get("/api/script/ws/connections/status").json()["data"]
            with server.client("admin") as admin:
                everything = admin.get("/api/script/ws/connections/status").json()["data"]
    assert [c["client_id"] for c in status["connections"]] == ["b-client"]
    assert status["script_subscriptions"] == {scripts["tenant-b"]: 1}
    assert "admin-secret-client" not in json.dumps(status)
    assert scripts["admin"] not in json.dumps(status)
    assert {"admin-secret-client", "a-client", "b-client"} <= {
        c["client_id"] for c in everything["connections"]
    }
    server.healthy()


def test_one_tenants_flood_does_not_crowd_out_another_tenants_lines(
    server: HostileServer, scripts: dict[str, str]
) -> None:
    with server.client("tenant-b") as b:
        floods = [start_service(b, f"flood-{n}", FLOOD) for n in range(3)]
    with server.client("tenant-a") as a:
        sent = a.post(
            "/api/script/ws/broadcast/test",
            json={"script_id": scripts["tenant-a"], "message": "a still here"},
        )
        assert sent.status_code == 200
        wait_for(
            lambda: any(line["message"] == "a still here" for line in stored_logs(a, scripts["tenant-a"])), 10
        )
    with server.client("tenant-b") as b:

        def flood_lines() -> list[dict[str, str]]:
            return [line for script_id in floods for line in stored_logs(b, script_id)]

        # The suppression notices show the tenant's bucket ran dry; then nothing more comes in.
        wait_for(lambda: any(line["source"] == "system" for line in flood_lines()), 20)
        lines = flood_lines()
    kept = sum(1 for line in lines if line["message"].startswith("flood"))
    notices = [line["message"] for line in lines if line["source"] == "system"]
    # 9000 lines were logged; the tenant's bucket (burst 500, 100/s) let only a share of them through.
    assert kept < 3000
    assert notices, kept
    server.healthy()
