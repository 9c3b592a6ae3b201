"""The battery's harness itself: the server runs as a separate process and each role is who it says."""

from __future__ import annotations

from tests.hostile.server import HostileServer


def test_each_role_sees_only_its_own_projects(server: HostileServer) -> None:
    with server.client("tenant-a") as a, server.client("tenant-b") as b, server.client("admin") as admin:
        made = a.post("/api/script/projects", json={"project_name": "a-only"})
        assert made.status_code == 200, made.text
        assert [p["project_name"] for p in b.get("/api/script/projects").json()["data"]] == []
        assert "a-only" in [p["project_name"] for p in admin.get("/api/script/projects").json()["data"]]
    with server.client("anon") as anon:
        assert anon.get("/api/script/projects").status_code == 401
    server.healthy()
