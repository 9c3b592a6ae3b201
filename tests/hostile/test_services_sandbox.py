"""Script services run in the sandbox (issue 12, finding 2): attacks from inside a service, sent from outside.

The server keeps its data dir outside /tmp (in /var/tmp), so hiding it does not depend on the private
/tmp of the children. tenant-a's service has no network of its own; tenant-b was given raw network by the
operator (`VWED_SERVICE_RAW_NETWORK_TENANTS`); the admin's service has it by default. Every attack must
fail with the kernel's refusal while the server, and the other services, stay healthy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.server import HostileServer, hostile_server, server_log
from tests.hostile.services import (
    assert_all_refused,
    assert_healthy,
    assert_refused,
    attack,
    running,
    start_service,
    target_server,
)
from tests.sandbox_checks import require_full_sandbox

WHO = ("tenant-a", "tenant-b", "admin")
REFUSED = ("PermissionError", "FileNotFoundError")


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    """A loopback HTTP server the services try to reach."""
    with target_server() as url:
        yield url


@pytest.fixture(scope="module")
def server(target: str) -> Iterator[HostileServer]:
    """A server whose data dir is not below /tmp, egress allowed to 127.0.0.1, raw network for tenant-b."""
    place = Path(tempfile.mkdtemp(prefix="vwed-hostile-", dir="/var/tmp"))
    try:
        with hostile_server(
            place, VWED_EGRESS_ALLOW="127.0.0.1", VWED_SERVICE_RAW_NETWORK_TENANTS="tenant-b"
        ) as running_server:
            yield running_server
    finally:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture(scope="module")
def services(server: HostileServer) -> dict[str, str]:
    """One attacker service per owner."""
    ids = {}
    for who in WHO:
        with server.client(who) as client:
            ids[who] = start_service(client, f"p-{who}", "attacker.py")
    return ids


def pids(server: HostileServer) -> dict[str, int]:
    """The pid of every owner's attacker service."""
    with server.client("admin") as admin:
        rows = running(admin)
    return {row["script_path"].split("/")[1][2:]: row["pid"] for row in rows.values()}


def test_every_service_runs_with_every_layer_and_shows_it(
    server: HostileServer, services: dict[str, str]
) -> None:
    with server.client("admin") as admin:
        health = admin.get("/api/health").json()["data"]["service_sandbox"]
        rows = running(admin)
    require_full_sandbox(health)
    networks = {"tenant-a": "none", "tenant-b": "outbound", "admin": "outbound"}
    for who, script_id in services.items():
        row = rows[script_id]
        assert row["sandbox"] == "L3", row
        layers = row["sandbox_layers"]
        assert layers["L1"] == layers["L2"] == layers["L3"] == "on", layers
        assert layers["landlock"].startswith("abi ")
        assert layers["seccomp"].endswith("instructions")
        assert layers["network"] == row["network"] == networks[who]


@pytest.mark.parametrize("who", WHO)
def test_a_service_cannot_read_the_servers_files(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    data = server.data_dir
    other = services["tenant-b" if who == "tenant-a" else "tenant-a"]
    attacks = {
        "database": f"result = open({str(data / 'vwed.db')!r}, 'rb').read(16)",
        "secret key": f"result = open({str(data / 'secret.key')!r}).read()",
        "data dir listing": f"result = os.listdir({str(data)!r})",
        "data dir by a relative path": f"result = open(os.path.relpath({str(data / 'vwed.db')!r})).read()",
        "symlink to the database": (
            f"os.symlink({str(data / 'vwed.db')!r}, 'db-link')\nresult = open('db-link', 'rb').read(16)"
        ),
        "hard link to the secret key": f"os.link({str(data / 'secret.key')!r}, 'key-link')",
        "another service's run dir": f"result = os.listdir({str(data / 'run' / other)!r})",
        "/etc/shadow": "result = open('/etc/shadow').read()",
        "server environ": f"result = open('/proc/{server.pid}/environ').read()",
        "init environ": "result = open('/proc/1/environ').read()",
        "own environ": "result = open('/proc/self/environ').read()",
        "server cmdline": f"result = open('/proc/{server.pid}/cmdline').read()",
        "server cwd": f"result = os.listdir('/proc/{server.pid}/cwd')",
        "host root home": "result = os.listdir('/root')",
    }
    with server.client(who) as client:
        for name, code in attacks.items():
            outcome = attack(client, services[who], code)
            assert outcome["ok"] is False, (name, outcome)
            assert outcome["error"].split(":")[0] in (*REFUSED, "OSError"), (name, outcome)
        assert_healthy(server, client)


@pytest.mark.parametrize("who", WHO)
def test_a_service_writes_only_in_its_own_tmp(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    with server.client(who) as client:
        mine = attack(
            client, services[who], "open('/tmp/mine', 'w').write('ok')\nresult = open('/tmp/mine').read()"
        )
        assert mine == {"ok": True, "value": "ok"}
        for path in ("/dev/shm/vwed-x", "/var/tmp/vwed-x", f"{server.data_dir}/planted", "/etc/cron.d/x"):
            outcome = attack(client, services[who], f"open({path!r}, 'w').write('x')")
            assert outcome["ok"] is False, (path, outcome)
        assert not (server.data_dir / "planted").exists()
        assert not Path("/dev/shm/vwed-x").exists()
        assert not Path("/var/tmp/vwed-x").exists()


@pytest.mark.parametrize("who", WHO)
def test_a_service_cannot_signal_anything_outside_itself(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    victims = pids(server)
    other = victims["tenant-b" if who == "tenant-a" else "tenant-a"]
    attacks = {
        "kill the server": f"os.kill({server.pid}, signal.SIGKILL)",
        "kill the server's group": f"os.killpg(os.getpgid({server.pid}), signal.SIGKILL)",
        "kill another service": f"os.kill({other}, signal.SIGKILL)",
        "kill every process it may": "os.kill(-1, signal.SIGKILL)",
        "kill the zygote": "os.kill(os.getppid(), signal.SIGKILL)",
        "tgkill the server": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"if libc.syscall(234, {server.pid}, {server.pid}, 9) != 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
        ),
        "pidfd_open the server": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"if libc.syscall(434, {server.pid}, 0) < 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
        ),
        "rt_sigqueueinfo to the server": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"if libc.syscall(129, {server.pid}, 9, ctypes.create_string_buffer(128)) != 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
        ),
    }
    with server.client(who) as client:
        assert_all_refused(client, services[who], attacks, "Operation not permitted")
        # Its own process group is its own to signal.
        own = attack(client, services[who], "os.kill(os.getpid(), 0)\nos.killpg(os.getpgid(0), 0)")
        assert own == {"ok": True, "value": None}
        assert_healthy(server, client)
    assert all(row["status"] == "running" for row in running(server.client("admin")).values())


@pytest.mark.parametrize("who", WHO)
def test_a_service_cannot_trace_or_read_another_process(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    victim = pids(server)["tenant-b" if who == "tenant-a" else "tenant-a"]
    attacks = {
        "ptrace attach": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"if libc.syscall(101, 16, {victim}, 0, 0) != 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
        ),
        "process_vm_readv": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"if libc.syscall(310, {victim}, 0, 0, 0, 0, 0) < 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
        ),
        "its VWED.data through /proc/<pid>/mem": f"result = open('/proc/{victim}/mem', 'rb').read(1)",
        "its memory map": f"result = open('/proc/{victim}/maps').read()",
    }
    with server.client(who) as client:
        assert_all_refused(client, services[who], attacks)
        assert_healthy(server, client)


SOCKETS = {
    "TCP bind on IPv4": "s = socket.socket()\ns.bind(('127.0.0.1', 0))",
    "TCP bind on IPv6": "s = socket.socket(socket.AF_INET6)\ns.bind(('::1', 0))",
    "listen without bind": "s = socket.socket()\ns.listen()",
    "UDP bind": "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('127.0.0.1', 0))",
    "unix abstract socket": "s = socket.socket(socket.AF_UNIX)\ns.bind('\\0vwed-hostile')",
    "unix socket to the server's database dir": "s = socket.socket(socket.AF_UNIX)\ns.connect('/run/x.sock')",
    "raw socket": "socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)",
    "packet socket": "socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
    "netlink socket": "socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)",
}


@pytest.mark.parametrize("who", WHO)
def test_a_service_cannot_listen_or_open_raw_sockets(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    with server.client(who) as client:
        assert_all_refused(client, services[who], SOCKETS, "PermissionError")
        assert_healthy(server, client)


def test_a_tenant_service_has_no_network_but_vwed_http_through_the_guard(
    server: HostileServer, services: dict[str, str], target: str
) -> None:
    port = int(target.rsplit(":", 1)[1])
    with server.client("tenant-a") as a:
        raw = attack(a, services["tenant-a"], f"socket.create_connection(('127.0.0.1', {port}), 2)")
        assert_refused(raw, "PermissionError")
        url = attack(
            a, services["tenant-a"], f"import urllib.request\nurllib.request.urlopen('{target}/raw')"
        )
        assert url["ok"] is False
        brokered = attack(
            a,
            services["tenant-a"],
            f"r = VWED.http.get_sync('{target}/hello', params={{'q': '1'}})\n"
            "result = [r.status, r.json()['path'], r.headers['content-type'], r.ok]",
        )
        assert brokered == {"ok": True, "value": [200, "/hello?q=1", "application/json", True]}
        posted = attack(
            a,
            services["tenant-a"],
            f"r = VWED.http.post_sync('{target}/in', json={{'n': 1}})\nresult = [r.status, r.json()]",
        )
        assert posted["value"] == [201, {"echo": '{"n":1}', "type": "application/json"}]
        private = attack(a, services["tenant-a"], "VWED.http.get_sync('http://127.0.0.2:9/')")
        assert_refused(private, "HttpFailed", "127.0.0.2", "VWED_EGRESS_ALLOW")
        metadata = attack(a, services["tenant-a"], "VWED.http.get_sync('http://169.254.169.254/latest/')")
        assert_refused(metadata, "HttpFailed", "169.254.169.254")
        too_big = attack(a, services["tenant-a"], f"VWED.http.get_sync('{target}/big')")
        assert_refused(too_big, "HttpFailed", "size cap")
        scheme = attack(a, services["tenant-a"], "VWED.http.get_sync('file:///etc/passwd')")
        assert_refused(scheme, "HttpFailed", "file:///etc/passwd")
        assert_healthy(server, a)


@pytest.mark.parametrize("who", ["tenant-b", "admin"])
def test_raw_network_where_the_operator_allows_it_is_outbound_only(
    server: HostileServer, services: dict[str, str], target: str, who: str
) -> None:
    port = int(target.rsplit(":", 1)[1])
    with server.client(who) as client:
        connected = attack(
            client,
            services[who],
            f"s = socket.create_connection(('127.0.0.1', {port}), 5)\n"
            "s.sendall(b'GET /raw HTTP/1.0\\r\\n\\r\\n')\nresult = s.recv(12).decode()",
        )
        assert connected == {"ok": True, "value": "HTTP/1.0 200"}
        assert_refused(attack(client, services[who], SOCKETS["TCP bind on IPv4"]), "Operation not permitted")
        assert_healthy(server, client)


@pytest.mark.parametrize("who", WHO)
def test_a_service_cannot_start_processes_or_programs(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    attacks = {
        "fork": "os.fork()",
        "fork bomb": "while True:\n    os.fork()",
        "subprocess": "import subprocess\nsubprocess.run(['id'])",
        "posix_spawn": "os.posix_spawn('/bin/true', ['true'], {})",
        "execv through __subclasses__": (
            "wrap = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]\n"
            "wrap.__init__.__globals__['execv']('/bin/sh', ['sh', '-c', 'touch /tmp/pwned'])"
        ),
        "clone without CLONE_THREAD": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "if libc.syscall(56, 17, 0, 0, 0, 0) < 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
        ),
    }
    with server.client(who) as client:
        assert_all_refused(client, services[who], attacks, "PermissionError")
        assert_healthy(server, client)


@pytest.mark.parametrize("who", WHO)
def test_a_service_cannot_gain_privileges_or_leave_its_namespaces(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    syscall = (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "if libc.syscall({number}, {args}) != 0:\n"
        "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"
    )
    attacks = {
        "setuid 0": "os.setuid(0)",
        "setresuid 0 by syscall": syscall.format(number=117, args="0, 0, 0"),
        "setgroups": "os.setgroups([0])",
        "unshare a user namespace": syscall.format(number=272, args="0x10000000"),
        "mount": (
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "assert libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == 0"
        ),
        "chroot": "os.chroot('/tmp')",
        "bpf": syscall.format(number=321, args="0, 0, 0"),
        "keyctl": syscall.format(number=250, args="0, 0, 0"),
    }
    with server.client(who) as client:
        uid = attack(client, services[who], "result = [os.getuid(), os.geteuid(), os.getgroups()]")["value"]
        assert uid[0] == uid[1] != 0
        assert uid[2] == []
        assert_all_refused(client, services[who], attacks)
        assert_healthy(server, client)


@pytest.mark.parametrize("who", WHO)
def test_thread_memfd_and_shared_memory_bombs_fail_inside_the_service(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    with server.client(who) as client:
        threads = attack(
            client,
            services[who],
            "import time\nstarted = []\n"
            "try:\n"
            "    for _ in range(2000):\n"
            "        t = threading.Thread(target=time.sleep, args=(0.5,))\n"
            "        t.start()\n"
            "        started.append(t)\n"
            "finally:\n"
            "    args['count'] = len(started)\n"
            "    [t.join() for t in started]",
        )
        assert_refused(threads, "RuntimeError", "can't start new thread")
        memfd = attack(client, services[who], "[os.memfd_create(f'm{i}') for i in range(16)]")
        assert_refused(memfd, "PermissionError")
        shm = attack(
            client,
            services[who],
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "if libc.syscall(29, 0, 64 << 20, 0o1600) < 0:\n"
            "    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))",
        )
        assert_refused(shm, "Operation not permitted")
        posix_shm = attack(client, services[who], "open('/dev/shm/vwed-bomb', 'wb').write(b'x' * 1024)")
        assert posix_shm["ok"] is False
        # The service itself keeps serving once its threads are gone.
        assert attack(client, services[who], "result = threading.active_count() < 20")["value"] is True
        assert_healthy(server, client)


@pytest.mark.parametrize("who", WHO)
def test_a_service_holds_no_descriptor_of_the_server(
    server: HostileServer, services: dict[str, str], who: str
) -> None:
    marker = f"FORGED-BY-{who}-SERVICE"
    log_file = os.stat(server.data_dir.parent / "server.log")
    with server.client(who) as client:
        seen = attack(
            client,
            services[who],
            "null = os.stat('/dev/null')\nopen_fds = {}\nfor fd in range(1024):\n    try:\n"
            "        st = os.fstat(fd)\n    except OSError:\n        continue\n"
            "    open_fds[fd] = [st.st_dev, st.st_ino, os.path.samestat(st, null)]\n"
            f"os.write(2, b'{marker}\\n')\nos.write(1, b'{marker}\\n')\nresult = open_fds",
        )
        assert_healthy(server, client)
    fds = {int(fd): stat for fd, stat in seen["value"].items()}
    assert [fds[fd][2] for fd in (0, 1, 2)] == [True, True, True]
    assert 3 in fds  # its socket to the host
    assert [log_file.st_dev, log_file.st_ino] not in [stat[:2] for stat in fds.values()]
    # Beyond those, only what its own event loop opened (epoll, self-pipe): a handful, none inherited.
    assert len(fds) <= 8, fds
    assert marker not in server_log(server)
