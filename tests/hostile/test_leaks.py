"""Leaks (finding 7): a `?token=` never reaches the server's log, no response names a server path,
global secrets are read by tenants' tasks only when shared, and every response carries security headers."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect

from tests.hostile.attacks import project_with_file, try_run
from tests.hostile.server import ADMIN_TOKEN, HostileServer, server_log


def test_query_tokens_of_the_websocket_and_test_page_never_reach_the_log(server: HostileServer) -> None:
    tenant_token = server.tokens["tenant-a"]
    for token in (ADMIN_TOKEN, tenant_token):
        with connect(f"{server.ws_url}/api/script/ws/script-logs?client_id=leak&token={token}") as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
        page = httpx.get(f"{server.url}/api/script/ws/test-page", params={"token": token}, timeout=10)
        assert page.status_code == 200
    # A wrong token in the query string is not logged either, nor one spelled in upper case.
    httpx.get(f"{server.url}/api/script/ws/test-page?TOKEN=vwed_guess_0123456789abcdef", timeout=10)
    logged = server_log(server)
    assert "test-page" in logged
    for secret in (ADMIN_TOKEN, tenant_token, "vwed_guess_0123456789abcdef"):
        assert secret not in logged
    assert "token=******" in logged
    server.healthy()


def test_no_response_names_a_server_path(server: HostileServer) -> None:
    with server.client("tenant-a") as a:
        file = project_with_file(a, "paths", "v = 1\n")
        saved = a.put(f"/api/script/files/{file['id']}", json={"content": "v = 2\n"})
        restored = a.post(f"/api/script/files/{file['id']}/versions/1/restore")
    for answer in (saved, restored):
        assert answer.status_code == 200, answer.text
        assert str(server.data_dir) not in answer.text
        assert not answer.json()["data"]["backup_path"].startswith("/")
    server.healthy()


def test_global_secrets_are_read_by_tenant_tasks_only_when_shared(server: HostileServer) -> None:
    read = "result = {'v': get_secret('GLOBAL_ONLY')}"
    with server.client("admin") as admin:
        made = admin.post(
            "/api/scheduled-tasks/secrets", json={"key": "GLOBAL_ONLY", "value": "admin-only-v"}
        )
        assert made.status_code == 200, made.text
        assert made.json()["data"]["shared"] is False
        assert try_run(admin, read).json()["data"]["result"] == {"v": "******"}
    with server.client("tenant-b") as b:
        assert try_run(b, read).json()["data"]["result"] == {"v": None}
        assert "GLOBAL_ONLY" not in b.get("/api/scheduled-tasks/secrets").text
        # a tenant cannot share its own secret with everyone, nor create a global one
        own = b.post("/api/scheduled-tasks/secrets", json={"key": "MINE", "value": "x", "shared": True})
        assert own.status_code == 400
    with server.client("admin") as admin:
        shared = admin.put(f"/api/scheduled-tasks/secrets/{made.json()['data']['id']}", json={"shared": True})
        assert shared.json()["data"]["shared"] is True
    with server.client("tenant-b") as b:
        assert try_run(b, read).json()["data"]["result"] == {"v": "******"}
        assert "GLOBAL_ONLY" in b.get("/api/scheduled-tasks/secrets").text
    server.healthy()


def test_every_response_carries_security_headers(server: HostileServer) -> None:
    with server.client("tenant-a") as a:
        answers = {
            "json": a.get("/api/script/projects"),
            "error": a.get("/api/script/files/999999"),
            "unknown": a.get("/nowhere"),
            "anon": httpx.get(f"{server.url}/api/script/projects", timeout=10),
            "health": httpx.get(f"{server.url}/api/health", timeout=10),
            "page": a.get("/api/script/ws/test-page"),
            "docs": httpx.get(f"{server.url}/docs", timeout=10),  # strict too: no CDN allowed
        }
    for name, answer in answers.items():
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "no-referrer", name
        assert headers["x-frame-options"] == "DENY", name
        assert "frame-ancestors 'none'" in headers["content-security-policy"], name
    page_policy = answers["page"].headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in page_policy
    assert "http" not in page_policy
    assert answers["json"].headers["content-security-policy"].startswith("default-src 'none'")
    server.healthy()
