"""`script_deps` (finding 1): options, URLs, paths and tricks are a 400 naming the line at create, update
and test-script; only wheels come in, from the operator's index, through the confined installer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.pyindex import PackageIndex, build_sdist, build_wheel, package_index
from tests.hostile.attacks import create_task, try_run
from tests.hostile.server import ADMIN_TOKEN, HostileServer, hostile_server


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    folder = tmp_path_factory.mktemp("index")
    with package_index() as running:
        running.add("vwedtinypkg", build_wheel(folder))
        running.add("vwedevilpkg", build_sdist(folder, folder / "BUILD-BACKEND-RAN"))
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, index: PackageIndex) -> Iterator[HostileServer]:
    with hostile_server(
        tmp_path_factory.mktemp("deps"),
        VWED_DEPS_INDEX_URL=index.simple,
        VWED_DEPS_ALLOWED_TENANTS="tenant-a",
    ) as running:
        yield running


def attacks(server: HostileServer, index: PackageIndex) -> list[str]:
    data = server.data_dir
    return [
        f"-r /proc/{server.pid}/environ",
        f"-r{data}/secret.key",
        f"--requirement={data}/vwed.db",
        f"-c /proc/{server.pid}/environ",
        "-e /etc",
        f"-f {index.url}/files/",
        f"--index-url {index.url}/simple",
        f"--extra-index-url={index.url}/simple",
        "--trusted-host 127.0.0.2",
        "-i http://127.0.0.2/simple",
        f"vwedevilpkg @ {index.url}/files/vwedevilpkg-1.0.tar.gz",
        f"vwedevilpkg@file://{data}/secret.key",
        "git+https://127.0.0.2/repo.git#egg=x",
        f"{data}/task-deps",
        "./vwedevilpkg-1.0.tar.gz",
        "vwedtinypkg==0.1.0 --hash=sha256:00",
        "vwedtinypkg \\",
        "${VWED_ADMIN_TOKEN}",
        "vwedtinypkg==${VWED_ADMIN_TOKEN}",
        "－r /etc/shadow",
        "vwedtinypkg\t-r /etc/shadow",
    ]


def test_every_option_url_and_path_spelling_is_refused_naming_the_line(
    server: HostileServer, index: PackageIndex
) -> None:
    with server.client("tenant-a") as a:
        task = create_task(a, "print(1)", task_name="deps").json()["data"]
        for line in attacks(server, index):
            deps = f"# first line is a comment\n{line}\n"
            for answer in (
                try_run(a, "print(1)", script_deps=deps),
                create_task(a, "print(1)", task_name="x", script_deps=deps),
                a.put(f"/api/scheduled-tasks/{task['id']}", json={"script_deps": deps}),
            ):
                assert answer.status_code == 400, (line, answer.text)
                error = answer.json()["error"]
                assert "script_deps 第 2 行" in error, error
                assert ADMIN_TOKEN not in answer.text
    server.healthy()


def test_a_wheel_from_the_index_installs_and_imports_in_the_sandbox(server: HostileServer) -> None:
    with server.client("tenant-a") as a:
        data = try_run(a, "import vwedtinypkg\nprint(vwedtinypkg.greet())", script_deps="vwedtinypkg").json()[
            "data"
        ]
    assert data["success"], data
    assert "hello from vwedtinypkg" in data["output"]
    installs = [p for p in (server.data_dir / "task-deps").iterdir() if p.is_dir()]
    assert all(p.stat().st_uid == 0 for p in installs)
    server.healthy()


def test_an_sdist_is_refused_and_its_build_backend_never_runs(
    server: HostileServer, index: PackageIndex, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with server.client("tenant-a") as a:
        data = try_run(a, "print('never')", script_deps="vwedevilpkg").json()["data"]
    assert data["success"] is False
    assert "依赖安装失败" in data["error"]
    assert "no-build" in data["error"] or "no usable wheels" in data["error"]
    marker = Path(index.files["vwedevilpkg"][0]).parent / "BUILD-BACKEND-RAN"
    assert not marker.exists()
    assert not any("vwedevilpkg-1.0.tar.gz" in r for r in index.requests)
    server.healthy()


def test_tenants_not_allowed_by_the_operator_cannot_set_script_deps(server: HostileServer) -> None:
    with server.client("tenant-b") as b:
        refused = try_run(b, "print(1)", script_deps="vwedtinypkg")
        assert refused.status_code == 403
        assert "VWED_DEPS_ALLOWED_TENANTS" in refused.json()["error"]
        assert try_run(b, "print(1)", script_deps="# no requirements\n").status_code == 200
    with server.client("admin") as admin:
        made = create_task(
            admin, "print(1)", task_name="for b", script_deps="vwedtinypkg", tenant_id="tenant-b"
        )
        assert made.status_code == 403
    server.healthy()
