"""The script side of a scheduled run: sandbox layers, the seed's SDK as globals, and one run of a script.

Like `child.py`, this module imports only the standard library: the zygote loads it by path before it
forks, so a run starts from a warm interpreter. `start(request, fd, runtime)` is called in the forked
child after the L0 set-up of `child.enter_sandbox`; it applies the requested layers (namespaces, an
unprivileged uid, `no_new_privs` + Landlock + seccomp), then waits for the `run` frame.

Every SDK call is a `call` frame answered by the host with a `reply` frame; `print` and `log` send `out`
frames; the run ends with one `done` frame carrying the `result` dict or the error and its line.
"""

from __future__ import annotations

import base64
import builtins
import ctypes
import datetime as datetime_module
import errno
import hashlib
import json
import math
import os
import random
import re
import socket
import struct
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

HEADER = struct.Struct(">I")
SCRIPT_FILE = "<script>"
DEFAULT_MODEL = "deepseek-chat"
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# -- frames -----------------------------------------------------------------------------------------


class Channel:
    """Blocking frames over the run's socket (the run is single-threaded and waits for each reply)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.calls = 0

    def send(self, message: dict[str, Any]) -> None:
        """Send one frame."""
        payload = json.dumps(message, ensure_ascii=False, default=str).encode()
        self.sock.sendall(HEADER.pack(len(payload)) + payload)

    def receive(self) -> dict[str, Any]:
        """Wait for the next frame; exit quietly when the host has gone."""
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.buffer)
                end = HEADER.size + size
                if len(self.buffer) >= end:
                    payload = bytes(self.buffer[HEADER.size : end])
                    del self.buffer[:end]
                    message: dict[str, Any] = json.loads(payload)
                    return message
            data = self.sock.recv(1 << 16)
            if not data:
                os._exit(0)
            self.buffer += data

    def call(self, fn: str, **args: Any) -> Any:
        """Ask the host to do `fn(**args)` and return its answer, or raise `SdkError`."""
        self.calls += 1
        self.send({"t": "call", "id": self.calls, "fn": fn, "args": args})
        reply = self.receive()
        if not reply.get("ok"):
            raise SdkError(str(reply.get("error") or fn))
        return reply.get("value")


class SdkError(Exception):
    """An SDK call the host refused or that failed there; the message says why."""


_channel: Channel | None = None


def _host() -> Channel:
    if _channel is None:
        raise SdkError("not inside a run")
    return _channel


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


# -- the SDK (each docstring is the reference: summary, `zh:` line, `Example:` block) ---------------


def log(message: Any) -> None:
    """Write a line to the run log, with the time.

    zh: 记录一行日志(带时间),写入执行日志的输出。

    Example:
        log('任务开始执行')
    """
    stamp = datetime_module.datetime.now().strftime("%H:%M:%S")
    _host().send({"t": "out", "text": f"[{stamp}] {_text(message)}\n"})


def print(*values: Any, sep: str = " ", end: str = "\n") -> None:
    """Print values to the run output, like the built-in `print`.

    zh: 打印输出,写入执行日志的输出。

    Example:
        print('订单数', 42)
    """
    _host().send({"t": "out", "text": sep.join(_text(v) for v in values) + end})


def ai(prompt: str, system: str | None = None, model: str = DEFAULT_MODEL) -> str:
    """Ask the platform's AI endpoint (OpenAI-compatible) and return the answer text.

    zh: 调用平台配置的 AI 模型(OpenAI 兼容接口),返回回答文本;model 为平台映射的模型名。

    Example:
        content = ai('用一句话总结今天的销售', system='你是一个助手')
    """
    return str(_host().call("ai", prompt=_text(prompt), system=system, model=model))


def dingtalk(webhook_url: str, content: str, title: str = "通知") -> dict[str, Any]:
    """Send a markdown message to a DingTalk robot now (not through `result`); returns the outcome.

    zh: 直接发送钉钉机器人 markdown 消息(不走 result),返回发送结果。

    Example:
        dingtalk('https://oapi.dingtalk.com/robot/send?access_token=...', '**完成**', title='通知')
    """
    outcome: dict[str, Any] = _host().call(
        "dingtalk", url=webhook_url, content=_text(content), title=_text(title)
    )
    return outcome


def wecom(webhook_url: str, content: str) -> dict[str, Any]:
    """Send a markdown message to a WeCom robot now (not through `result`); returns the outcome.

    zh: 直接发送企业微信机器人 markdown 消息(不走 result),返回发送结果。

    Example:
        wecom('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...', '**完成**')
    """
    outcome: dict[str, Any] = _host().call("wecom", url=webhook_url, content=_text(content))
    return outcome


def http_get(url: str, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Any:
    """HTTP GET through the platform's egress guard; returns parsed JSON, else the body text.

    zh: 发起 HTTP GET(经平台出站防护,拒绝内网/回环/元数据地址);返回 JSON 解析结果或文本。

    Example:
        data = http_get('https://api.example.com/items', params={'page': 1})
    """
    return _host().call("http", method="GET", url=url, headers=headers, params=params)


def http_post(
    url: str,
    data: Any = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """HTTP POST through the platform's egress guard; returns parsed JSON, else the body text.

    zh: 发起 HTTP POST(data 为表单或文本,json 为 JSON 请求体);返回 JSON 解析结果或文本。

    Example:
        reply = http_post('https://api.example.com/hook', json={'ok': True})
    """
    return _host().call("http", method="POST", url=url, data=data, json=json, headers=headers)


def db_query(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run one read-only SELECT on the tables an admin exposed; returns a list of row dicts.

    zh: 只读数据库查询(单条 SELECT,仅限管理员开放的表,有超时和行数上限),返回字典列表。

    Example:
        rows = db_query('SELECT name FROM sales WHERE day = :day', {'day': '2026-01-01'})
    """
    rows: list[dict[str, Any]] = _host().call("db_query", sql=_text(sql), params=params or {})
    return rows


def get_var(key: str, default: Any = None) -> Any:
    """Read a variable kept across runs of this task (JSON values).

    zh: 读取变量(同一任务跨执行持久化),不存在时返回 default。

    Example:
        count = get_var('count', 0)
    """
    found: dict[str, Any] = _host().call("get_var", key=_text(key))
    return found["value"] if found["found"] else default


def set_var(key: str, value: Any) -> None:
    """Store a JSON value under `key` for later runs of this task.

    zh: 写入变量(JSON 可序列化的值),后续执行可读取。

    Example:
        set_var('count', count + 1)
    """
    _host().call("set_var", key=_text(key), value=value)


def del_var(key: str) -> bool:
    """Delete a variable of this task; returns whether it existed.

    zh: 删除变量,返回是否存在过。

    Example:
        del_var('count')
    """
    return bool(_host().call("del_var", key=_text(key)))


def get_param(key: str, default: Any = None) -> Any:
    """One input parameter of the task (run-now may override them).

    zh: 获取单个任务参数(来自 input_params,立即执行时可覆盖)。

    Example:
        prompt = get_param('prompt', '默认提示词')
    """
    return _params.get(key, default)


def get_params() -> dict[str, Any]:
    """All input parameters of the task, as a new dict.

    zh: 获取所有任务参数。

    Example:
        params = get_params()
    """
    return dict(_params)


def get_tenants() -> list[dict[str, Any]]:
    """The tenants this task may see: every tenant for a global task, else its own.

    zh: 获取租户列表(全局任务可见所有租户,租户任务只见本租户)。

    Example:
        for t in get_tenants(): log(t['tenant_id'])
    """
    tenants: list[dict[str, Any]] = _host().call("get_tenants")
    return tenants


def get_tenant_config(tenant_id: str, app_code: str, key: str) -> Any:
    """One application setting of a tenant, or None.

    zh: 获取某租户某应用的配置项,不存在时返回 None。

    Example:
        url = get_tenant_config('t1', 'crm', 'webhook')
    """
    return _host().call("get_tenant_config", tenant_id=tenant_id, app_code=app_code, key=key)


def get_all_tenant_configs(app_code: str, key: str) -> list[dict[str, Any]]:
    """The setting `app_code`/`key` of every visible tenant: `[{tenant_id, value}, ...]`.

    zh: 获取所有(可见)租户的同一配置项,返回 [{tenant_id, value}]。

    Example:
        for item in get_all_tenant_configs('crm', 'webhook'): log(item['value'])
    """
    configs: list[dict[str, Any]] = _host().call("get_all_tenant_configs", app_code=app_code, key=key)
    return configs


def get_secret(key: str) -> str | None:
    """A secret's value (the tenant's own, else the global one); it is masked if it appears in output.

    zh: 获取密钥(优先本租户,其次全局);密钥值出现在输出或错误中时会被打码。

    Example:
        token = get_secret('API_TOKEN')
    """
    value = _host().call("get_secret", key=_text(key))
    return None if value is None else str(value)


SDK_FUNCTIONS: tuple[Callable[..., Any], ...] = (
    log,
    print,
    ai,
    dingtalk,
    wecom,
    http_get,
    http_post,
    db_query,
    get_var,
    set_var,
    del_var,
    get_param,
    get_params,
    get_tenants,
    get_tenant_config,
    get_all_tenant_configs,
    get_secret,
)
SDK_VARIABLES = {
    "task_id": ("The current task's id", "当前任务ID"),
    "tenant_id": ("The current tenant id (None for a global task)", "当前租户ID(可能为空)"),
    "trace_id": ("This run's trace id", "追踪ID"),
}
PRELOADED: dict[str, Any] = {
    "datetime": datetime_module.datetime,
    "date": datetime_module.date,
    "timedelta": datetime_module.timedelta,
    "time": time,
    "json": json,
    "re": re,
    "math": math,
    "random": random,
    "hashlib": hashlib,
    "base64": base64,
}
_params: dict[str, Any] = {}


# -- the run ----------------------------------------------------------------------------------------


def script_line(exc: BaseException) -> int | None:
    """The line of the user's script where `exc` was raised (deepest script frame), if any."""
    if isinstance(exc, SyntaxError) and exc.filename == SCRIPT_FILE:
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == SCRIPT_FILE:
            line = frame.lineno
    return line


def describe(exc: BaseException) -> str:
    """`Type: message`, without the executor's frames."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_script(channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
    """Execute the script of a `run` frame; return the `done` frame."""
    global _channel, _params
    _channel = channel
    _params = dict(message.get("params") or {})
    for path in message.get("sys_path") or []:
        sys.path.insert(0, path)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    namespace.update(PRELOADED)
    namespace.update({fn.__name__: fn for fn in SDK_FUNCTIONS})
    namespace.update(
        task_id=message.get("task_id"), tenant_id=message.get("tenant_id"), trace_id=message.get("trace_id")
    )
    try:
        code = compile(message["source"], SCRIPT_FILE, "exec", dont_inherit=True)
        exec(code, namespace)  # noqa: S102 - running the user's script is the job
    except MemoryError:
        namespace.clear()
        return {"t": "done", "ok": False, "kind": "memory", "error": "MemoryError", "line": None}
    except BaseException as exc:
        kind = "exit" if isinstance(exc, SystemExit) else "error"
        if isinstance(exc, SystemExit) and exc.code in (None, 0):
            return {"t": "done", "ok": True, "result": _result_of(namespace)}
        return {"t": "done", "ok": False, "kind": kind, "error": describe(exc), "line": script_line(exc)}
    return {"t": "done", "ok": True, "result": _result_of(namespace)}


def _result_of(namespace: dict[str, Any]) -> Any:
    result = namespace.get("result")
    if result is None:
        return None
    # The result must survive JSON; anything else is sent as its text form and rejected by the host.
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        return {"__invalid__": repr(result)[:500]}
    return result


def serve(sock: socket.socket, layers: dict[str, str]) -> None:
    """Announce the active layers, run the script of the first `run` frame, report `done`."""
    channel = Channel(sock)
    channel.send({"t": "ready", "layers": layers})
    message = channel.receive()
    if message.get("t") != "run":
        return
    try:
        done = run_script(channel, message)
    except MemoryError:
        done = {"t": "done", "ok": False, "kind": "memory", "error": "MemoryError", "line": None}
    channel.send(done)


# -- sandbox layers ---------------------------------------------------------------------------------

_libc: Any = None


def libc() -> Any:
    """The C library, with `errno` kept (loaded once, in the zygote)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    return _libc


def _check(result: int, what: str) -> None:
    if result < 0 or (result != 0 and what.startswith("!")):
        code = ctypes.get_errno()
        raise OSError(code, f"{what.lstrip('!')}: {os.strerror(code)}")


CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18


RUN_TMP = "/tmp"  # noqa: S108 - a private tmpfs in the run's own mount namespace


def enter_namespaces(disk_bytes: int, uid: int, deps: str | None) -> None:
    """L3: new network (no interfaces but a down loopback), mount and IPC namespaces; `/tmp` becomes a
    private size-capped tmpfs and the run's cwd (hiding the host's /tmp), and a dependency environment is
    bind-mounted read-only at `/tmp/.deps`."""
    c = libc()
    _check(c.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "!unshare")
    _check(c.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "!mount private")
    # The environment may live below the host's /tmp, which the tmpfs is about to hide: hold it open.
    source = os.open(deps, os.O_PATH | os.O_DIRECTORY) if deps else -1
    owner = f",uid={uid},gid={uid}" if uid else ""
    options = f"size={max(disk_bytes, 4096)},mode=0700{owner}".encode()
    _check(c.mount(b"tmpfs", RUN_TMP.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), "!mount tmpfs")
    os.chdir(RUN_TMP)
    if source >= 0:
        target = os.path.join(RUN_TMP, ".deps")
        os.mkdir(target, 0o755)
        held = f"/proc/self/fd/{source}".encode()
        _check(c.mount(held, target.encode(), None, MS_BIND | MS_REC, None), "!mount deps")
        os.close(source)
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
        _check(c.mount(None, target.encode(), None, flags, None), "!remount deps")


def drop_user(uid: int, parent: int) -> None:
    """L1: become an unprivileged uid (the host runs as root); the death signal is set again after it."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(70)


# Landlock (ABI numbers from linux/landlock.h)
LL_FS_EXECUTE = 1 << 0
LL_FS_WRITE_FILE = 1 << 1
LL_FS_READ_FILE = 1 << 2
LL_FS_READ_DIR = 1 << 3
LL_FS_ALL_V1 = (1 << 13) - 1
LL_FS_REFER = 1 << 13
LL_FS_TRUNCATE = 1 << 14
LL_FS_IOCTL_DEV = 1 << 15
LL_NET_ALL = 0b11
LL_SCOPE_ALL = 0b11
LL_FILE_RIGHTS = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV
SYS_LANDLOCK_CREATE = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT = 446


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 when absent or disabled)."""
    version = int(libc().syscall(SYS_LANDLOCK_CREATE, None, 0, 1))
    return max(version, 0)


def apply_landlock(read_paths: list[str], write_paths: list[str]) -> int:
    """L2: reads only below `read_paths`, writes only below `write_paths`, no TCP bind/connect (ABI 4+),
    no signals or abstract sockets outside the sandbox (ABI 6+). Returns the ABI used."""
    abi = landlock_abi()
    if abi < 1:
        raise OSError(errno.ENOSYS, "landlock unavailable")
    handled = LL_FS_ALL_V1
    if abi >= 2:
        handled |= LL_FS_REFER
    if abi >= 3:
        handled |= LL_FS_TRUNCATE
    if abi >= 5:
        handled |= LL_FS_IOCTL_DEV
    net = LL_NET_ALL if abi >= 4 else 0
    scoped = LL_SCOPE_ALL if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled, net, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    buffer = ctypes.create_string_buffer(attr[:size], size)
    c = libc()
    ruleset = int(c.syscall(SYS_LANDLOCK_CREATE, buffer, size, 0))
    _check(ruleset, "landlock_create_ruleset")
    try:
        reading = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR
        for path, rights in [(p, reading) for p in read_paths] + [(p, handled) for p in write_paths]:
            _landlock_rule(ruleset, path, rights)
        _check(c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "!no_new_privs")
        _check(int(c.syscall(SYS_LANDLOCK_RESTRICT, ruleset, 0)), "!landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _landlock_rule(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= LL_FILE_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
        _check(int(libc().syscall(SYS_LANDLOCK_ADD_RULE, ruleset, 1, rule, 0)), "landlock_add_rule")
    finally:
        os.close(fd)


# seccomp (x86_64 syscall numbers; other machines run without this layer)
AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW = 0x7FFF0000
RET_KILL = 0x80000000
CLONE_THREAD = 0x00010000
DENIED = {
    "socket": 41,
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "execveat": 322,
    "tkill": 200,
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "init_module": 175,
    "finit_module": 313,
    "kexec_load": 246,
    "reboot": 169,
    "io_uring_setup": 425,
    "open_by_handle_at": 304,
    "pidfd_open": 434,
    "pidfd_send_signal": 424,
    "rt_sigqueueinfo": 129,
    "rt_tgsigqueueinfo": 297,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsmount": 432,
    "mount_setattr": 442,
}
SYS_CLONE = 56
SYS_CLONE3 = 435
SYS_KILL = 62
SYS_TGKILL = 234


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, 0, 0, k & 0xFFFFFFFF)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


LD_ABS = 0x20
JEQ = 0x15
JGE = 0x35
JSET = 0x45
RET = 0x06


def _errno(code: int) -> int:
    return 0x00050000 | code


def seccomp_program(pid: int) -> list[bytes]:
    """The filter: no new sockets, processes or programs; signals only to this process and its group;
    no namespace, mount, tracing or kernel-module calls. Denials fail with EPERM/EACCES, not a kill."""
    prog = [
        _stmt(LD_ABS, 4),
        _jump(JEQ, AUDIT_ARCH_X86_64, 1, 0),
        _stmt(RET, RET_KILL),
        _stmt(LD_ABS, 0),
        _jump(JGE, 0x40000000, 0, 1),  # the x32 ABI
        _stmt(RET, _errno(errno.EPERM)),
    ]
    for name, number in DENIED.items():
        prog.append(_jump(JEQ, number, 0, 1))
        prog.append(_stmt(RET, _errno(errno.EACCES if name == "socket" else errno.EPERM)))
    prog += [_jump(JEQ, SYS_CLONE3, 0, 1), _stmt(RET, _errno(errno.ENOSYS))]
    # clone: threads only
    prog += [
        _jump(JEQ, SYS_CLONE, 0, 4),
        _stmt(LD_ABS, 16),
        _jump(JSET, CLONE_THREAD, 1, 0),
        _stmt(RET, _errno(errno.EPERM)),
        _stmt(RET, RET_ALLOW),
    ]
    for number, targets in ((SYS_KILL, (pid, 0, -pid)), (SYS_TGKILL, (pid,))):
        checks = [_jump(JEQ, t, len(targets) - i, 0) for i, t in enumerate(targets)]
        block = [_stmt(LD_ABS, 16), *checks, _stmt(RET, _errno(errno.EPERM)), _stmt(RET, RET_ALLOW)]
        prog.append(_jump(JEQ, number, 0, len(block)))
        prog += block
    prog.append(_stmt(RET, RET_ALLOW))
    return prog


def apply_seccomp() -> int:
    """L2: install the filter (needs `no_new_privs`, set here too); returns its length in instructions."""
    if os.uname().machine != "x86_64":
        raise OSError(errno.ENOSYS, "seccomp filter is written for x86_64")
    program = seccomp_program(os.getpid())
    raw = b"".join(program)
    filters = ctypes.create_string_buffer(raw, len(raw))

    class Fprog(ctypes.Structure):
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))

    fprog = Fprog(len(program), ctypes.addressof(filters))
    c = libc()
    _check(c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "!no_new_privs")
    _check(c.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "!seccomp")
    return len(program)


def read_paths(extra: list[str]) -> list[str]:
    """What a run may read: the interpreter's standard library, time zone data, a few devices."""
    stdlib = os.path.dirname(os.__file__)
    paths = [stdlib, sys.base_prefix + "/lib", "/usr/share/zoneinfo", "/etc/localtime", "/dev/urandom"]
    return [*paths, *extra]


def apply_layers(request: dict[str, Any], parent: int) -> dict[str, str]:
    """Apply the layers the host asked for, strongest last; a layer that fails fails the run (closed).

    Returns each layer's state (`on`, or `off`), for the host's log of the run.
    """
    sandbox: dict[str, Any] = request.get("sandbox") or {}
    workdir = request["workdir"]
    uid = int(sandbox.get("uid") or 0)
    deps = sandbox.get("deps")
    layers = {"L0": "on", "L1": "off", "L2": "off", "L3": "off"}
    if sandbox.get("namespaces"):
        enter_namespaces(int(sandbox.get("disk_bytes") or 0), uid, deps)
        layers["L3"] = "on"
    elif uid:
        os.chown(workdir, uid, uid)
    if uid:
        drop_user(uid, parent)
        layers["L1"] = "on"
    if sandbox.get("landlock") or sandbox.get("seccomp"):
        # The cwd by a relative name: the absolute path of a host work dir may not be searchable by the uid.
        extra = [f"{RUN_TMP}/.deps"] if deps and layers["L3"] == "on" else ([deps] if deps else [])
        if sandbox.get("landlock"):
            abi = apply_landlock(read_paths(extra), [".", "/dev/null"])
            layers["landlock"] = f"abi {abi}"
        if sandbox.get("seccomp"):
            layers["seccomp"] = f"{apply_seccomp()} instructions"
        layers["L2"] = "on"
    return layers


def probe(request: dict[str, Any], parent: int) -> dict[str, str]:
    """Try each layer on its own in forked children; `ok` or the error of each."""
    found: dict[str, str] = {}
    sandbox = request.get("sandbox") or {}
    trials: dict[str, dict[str, Any]] = {
        "L3": {"namespaces": True, "disk_bytes": 1 << 20},
        "L1": {"uid": sandbox.get("uid") or 0},
        "landlock": {"landlock": True},
        "seccomp": {"seccomp": True},
    }
    for name, options in trials.items():
        if name == "L1" and (os.getuid() != 0 or not options["uid"]):
            found[name] = "host is not root" if os.getuid() != 0 else "no uid configured"
            continue
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            try:
                apply_layers({"workdir": request["workdir"], "sandbox": options}, os.getppid())
                verdict = "ok"
                if name == "seccomp":
                    verdict = _socket_refused()
            except OSError as exc:
                verdict = str(exc)
            os.write(writer, verdict.encode()[:500])
            os._exit(0)
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            found[name] = pipe.read().decode() or "child died"
        os.waitpid(pid, 0)
    return found


def _socket_refused() -> str:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return "ok"
    return "filter loaded but socket() still allowed"


def start(request: dict[str, Any], fd: int, runtime: types.ModuleType) -> None:
    """Entry from the zygote (or `child.py single`) after `runtime.enter_sandbox`: run or probe."""
    sock = socket.socket(fileno=fd)
    parent = int(request.get("parent") or os.getppid())
    if (request.get("sandbox") or {}).get("probe"):
        Channel(sock).send({"t": "probe", "layers": probe(request, parent)})
        os._exit(0)
    try:
        layers = apply_layers(request, parent)
    except OSError as exc:
        Channel(sock).send({"t": "done", "ok": False, "kind": "sandbox", "error": str(exc), "line": None})
        os._exit(3)
    code = 0
    try:
        serve(sock, layers)
    except BaseException:
        code = 1
    finally:
        sys.stdout.flush()
        os._exit(code)


def preload() -> None:
    """Warm what every run needs in the zygote, before any fork: the C library and local time."""
    libc()
    time.localtime()
    datetime_module.datetime.now().strftime("%H:%M:%S")
