"""The sandbox layers a child applies to itself before any user code runs (DESIGN.md "Sandbox").

One module for both kinds of child, script services and task runs. The host asks for layers with a
`SandboxSpec` in the fork request (what its probe found working); the child applies them in this order
and reports each one's state. A layer that was asked for and fails stops the child before user code.

- L0, always (`enter`): its own session and process group; SIGKILL when its parent dies; not dumpable
  (no ptrace or /proc/<pid>/mem by the same uid); every inherited
  descriptor closed but its socket (moved to fd 3), stdin/stdout/stderr on /dev/null; an empty
  environment; a private working directory, umask 077; rlimits (CPU, address space, open files, file
  size, no core dumps).
- L3 (`enter_namespaces`, first because it needs root): new mount and IPC namespaces, and a new network
  namespace when the child gets no network; the whole file system read-only, the data dir hidden, a
  private size-capped `/tmp` as working directory, `/proc` showing only the child's own processes.
- L1 (`drop_user`): an unprivileged uid of its own and no groups; RLIMIT_NPROC bounds its threads.
- L2 (`apply_landlock`, `apply_seccomp`): `no_new_privs`; Landlock (reads only below the interpreter and
  the system libraries, writes only in the working directory, no TCP bind, and no TCP connect without
  network, no signals or abstract unix sockets outside the child); a seccomp filter (no new processes or
  programs, signals only to itself, no bind or listen, sockets only for outbound network, no memfd or
  System V IPC, no tracing, mounts, namespaces, keyrings, BPF or modules).
"""

from __future__ import annotations

import ctypes
import enum
import errno
import os
import resource
import signal
import socket
import stat
import struct
import sys
from dataclasses import asdict, dataclass, fields
from typing import Any

SOCKET_FD = 3
RUN_TMP = "/tmp"  # noqa: S108 - a private tmpfs in the child's own mount namespace
DEPS_MOUNT = RUN_TMP + "/.deps"
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
M_ARENA_MAX = -8
EXIT_ORPHANED = 70


class Network(enum.StrEnum):
    """What network a child has: none at all, or outbound connections from the host's network."""

    NONE = "none"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Rlimits:
    """Resource limits set in the child (0 leaves a limit as inherited)."""

    cpu_seconds: int = 0
    address_space: int = 0
    open_files: int = 0
    file_size: int = 0

    def as_dict(self) -> dict[str, int]:
        """The limits as they travel in a fork request."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Rlimits:
        """The limits of a fork request."""
        return cls(**{f.name: int(raw.get(f.name) or 0) for f in fields(cls)})


@dataclass(frozen=True)
class SandboxSpec:
    """The layers above L0 a child applies, as the host asks for them."""

    uid: int = 0
    namespaces: bool = False
    landlock: bool = False
    seccomp: bool = False
    network: Network = Network.NONE
    disk_bytes: int = 0
    max_threads: int = 0
    hide: tuple[str, ...] = ()
    deps: str | None = None

    @property
    def level(self) -> str:
        """The strongest layer in the spec: `L3` (namespaces), `L2` (Landlock + seccomp), `L1` or `L0`."""
        if self.namespaces:
            return "L3"
        if self.landlock and self.seccomp:
            return "L2"
        if self.uid:
            return "L1"
        return "L0"

    def as_dict(self) -> dict[str, Any]:
        """The spec as it travels in a fork request."""
        return {**asdict(self), "network": str(self.network), "hide": list(self.hide)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SandboxSpec:
        """The spec of a fork request."""
        return cls(
            uid=int(raw.get("uid") or 0),
            namespaces=bool(raw.get("namespaces")),
            landlock=bool(raw.get("landlock")),
            seccomp=bool(raw.get("seccomp")),
            network=Network(raw.get("network") or Network.NONE),
            disk_bytes=int(raw.get("disk_bytes") or 0),
            max_threads=int(raw.get("max_threads") or 0),
            hide=tuple(str(p) for p in raw.get("hide") or ()),
            deps=str(raw["deps"]) if raw.get("deps") else None,
        )


# -- the C library ----------------------------------------------------------------------------------

_libc: Any = None


def libc() -> Any:
    """The C library, with `errno` kept (loaded once, in the zygote)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    return _libc


def _check(result: int, what: str) -> None:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


# -- L0 ---------------------------------------------------------------------------------------------


def forbid_inspection() -> None:
    """Make this process non-dumpable: processes of the same uid can no longer ptrace it or read its
    `/proc/<pid>/mem`, `environ` or `fd` (only root can). This holds even with no other layer."""
    libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def set_parent_death_signal(expected_parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit at once if it already has."""
    c = libc()
    c.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    # Few malloc arenas keep the address-space limit from being eaten by per-thread arenas.
    c.mallopt(M_ARENA_MAX, 2)
    if os.getppid() != expected_parent:
        os._exit(EXIT_ORPHANED)


def isolate_descriptors(keep: int) -> int:
    """Close every descriptor but `keep`, which moves to `SOCKET_FD`; 0-2 become /dev/null.

    Nothing the host or the zygote holds (the server's stderr, other children's sockets, the zygote's
    control socket) stays reachable from user code.
    """
    null = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(null, std)
    if keep != SOCKET_FD:
        os.dup2(keep, SOCKET_FD)
    os.closerange(SOCKET_FD + 1, 1 << 20)
    return SOCKET_FD


def apply_rlimits(limits: Rlimits) -> None:
    """Set the rlimits the host asked for; a limit above the current hard limit is lowered to it."""
    names = {
        "cpu_seconds": resource.RLIMIT_CPU,
        "address_space": resource.RLIMIT_AS,
        "open_files": resource.RLIMIT_NOFILE,
        "file_size": resource.RLIMIT_FSIZE,
    }
    for key, which in names.items():
        value = getattr(limits, key)
        if not value:
            continue
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def enter(limits: Rlimits, workdir: str, parent: int, keep: int) -> int:
    """L0: become a user process; returns the descriptor of the child's socket (`SOCKET_FD`)."""
    os.setsid()
    set_parent_death_signal(parent)
    forbid_inspection()
    fd = isolate_descriptors(keep)
    apply_rlimits(limits)
    os.environ.clear()
    os.makedirs(workdir, mode=0o700, exist_ok=True)
    os.chdir(workdir)
    os.umask(0o077)
    return fd


# -- what a child may read --------------------------------------------------------------------------

SYSTEM_READS = (
    "/usr/lib",
    "/usr/lib64",
    "/lib",
    "/lib64",
    "/usr/share/zoneinfo",
    "/etc/localtime",
    "/dev/urandom",
)
# Name resolution and TLS need these once a child has network of its own.
NETWORK_READS = (
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/ssl",
    "/usr/share/ca-certificates",
)


def interpreter_reads() -> list[str]:
    """The standard library of this interpreter (with its compiled modules)."""
    return [os.path.dirname(os.__file__), sys.base_prefix + "/lib"]


def read_paths(network: Network, hide: tuple[str, ...]) -> list[str]:
    """What a child may read: interpreter, system libraries, time zones, and resolver files with network.

    A path that is, or contains, a hidden one (the data dir) is left out, so a data dir placed below
    a system directory is still unreadable.
    """
    paths = [*interpreter_reads(), *SYSTEM_READS]
    if network == Network.OUTBOUND:
        paths += NETWORK_READS
    hidden = [os.path.realpath(p) for p in hide]
    return [p for p in paths if not any(_within(h, os.path.realpath(p)) for h in hidden)]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# -- L3 ---------------------------------------------------------------------------------------------

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
SYS_MOUNT_SETATTR = 442
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 1
# Bound back read-only: programs and shared objects there may still be mapped (compiled modules).
READ_ONLY = MS_RDONLY | MS_NOSUID | MS_NODEV
SEALED = READ_ONLY | MS_NOEXEC


def _mount(source: str | None, target: str, kind: str | None, flags: int, options: str | None) -> None:
    encoded = [None if v is None else v.encode() for v in (source, target, kind, options)]
    _check(libc().mount(*encoded[:3], flags, encoded[3]), f"mount {target}")


def unreachable_ancestor(path: str) -> str | None:
    """The highest directory above `path` other users cannot search (`/root` of a pyenv Python, say)."""
    current = ""
    for part in os.path.abspath(path).split("/")[1:-1]:
        current += "/" + part
        try:
            mode = os.stat(current).st_mode
        except OSError:
            return None
        if not mode & stat.S_IXOTH:
            return current
    return None


def read_only_root() -> bool:
    """Make every mount of this namespace read-only; False on kernels without `mount_setattr` (< 5.12)."""
    attr = struct.pack("=QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    result = int(libc().syscall(SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE, buffer, len(attr)))
    if result < 0 and ctypes.get_errno() == errno.ENOSYS:
        return False
    _check(result, "mount_setattr /")
    return True


def _expose(ancestor: str, held: list[tuple[str, int]]) -> None:
    """Cover `ancestor` with an empty tmpfs and bind back only the held paths below it, read-only."""
    _mount("tmpfs", ancestor, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    # The path down to each bound directory must be searchable by the child's uid (L0 set umask 077).
    os.umask(0o022)
    for path, fd in held:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.makedirs(path, 0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        _mount(None, path, None, MS_BIND | MS_REMOUNT | READ_ONLY, None)
        os.close(fd)
    os.umask(0o077)
    _mount(None, ancestor, None, MS_REMOUNT | SEALED, "size=64k,mode=0755")


def enter_namespaces(spec: SandboxSpec, reads: list[str]) -> dict[str, str]:
    """L3: own mount and IPC namespaces (and network, unless the child has outbound network).

    The file system becomes read-only; hidden paths (the data dir) are covered by an empty read-only
    tmpfs; readable paths below a directory the child's uid could not search are bound back alone;
    `/tmp` becomes a private tmpfs capped at `disk_bytes` and the working directory, with the dependency
    environment (task runs) read-only at `/tmp/.deps`; `/proc` shows only the child's own processes.
    """
    c = libc()
    flags = CLONE_NEWNS | CLONE_NEWIPC | (CLONE_NEWNET if spec.network == Network.NONE else 0)
    _check(c.unshare(flags), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    # Held open first: the mounts below may hide the paths they come from.
    deps = os.open(spec.deps, os.O_PATH | os.O_DIRECTORY) if spec.deps else -1
    exposed: dict[str, list[tuple[str, int]]] = {}
    if spec.uid:
        for path in reads:
            ancestor = unreachable_ancestor(path)
            if ancestor is not None and os.path.exists(path):
                exposed.setdefault(ancestor, []).append((path, os.open(path, os.O_PATH | os.O_CLOEXEC)))
    state = {"ro_root": "on" if read_only_root() else "off (no mount_setattr)"}
    for path in spec.hide:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", SEALED, "size=4k,mode=000")
    for ancestor, held in exposed.items():
        _expose(ancestor, held)
    owner = f",uid={spec.uid},gid={spec.uid}" if spec.uid else ""
    size = max(spec.disk_bytes, 4096)
    _mount("tmpfs", RUN_TMP, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, f"size={size},mode=0700{owner}")
    os.chdir(RUN_TMP)
    if deps >= 0:
        os.mkdir(DEPS_MOUNT, 0o755)
        _mount(f"/proc/self/fd/{deps}", DEPS_MOUNT, None, MS_BIND | MS_REC, None)
        os.close(deps)
        _mount(None, DEPS_MOUNT, None, MS_BIND | MS_REMOUNT | READ_ONLY, None)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
    return state


# -- L1 ---------------------------------------------------------------------------------------------


def drop_user(uid: int, parent: int, max_threads: int) -> None:
    """L1: become `uid` with no groups; the death signal is set again (a uid change clears it).

    RLIMIT_NPROC counts the threads of the uid, which this child alone uses, so it bounds its threads.
    """
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc().prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(EXIT_ORPHANED)
    if max_threads:
        resource.setrlimit(resource.RLIMIT_NPROC, (max_threads, max_threads))


# -- L2: Landlock (ABI numbers from linux/landlock.h) ------------------------------------------------

LL_FS_EXECUTE = 1 << 0
LL_FS_WRITE_FILE = 1 << 1
LL_FS_READ_FILE = 1 << 2
LL_FS_READ_DIR = 1 << 3
LL_FS_ALL_V1 = (1 << 13) - 1
LL_FS_REFER = 1 << 13
LL_FS_TRUNCATE = 1 << 14
LL_FS_IOCTL_DEV = 1 << 15
LL_NET_BIND_TCP = 1 << 0
LL_NET_CONNECT_TCP = 1 << 1
LL_SCOPE_ALL = 0b11
LL_FILE_RIGHTS = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV
SYS_LANDLOCK_CREATE = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT = 446


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 when absent or disabled)."""
    version = int(libc().syscall(SYS_LANDLOCK_CREATE, None, 0, 1))
    return max(version, 0)


def apply_landlock(reads: list[str], writes: list[str], network: Network) -> int:
    """L2: reads only below `reads`, writes only below `writes`, no TCP bind (ABI 4+) and no TCP connect
    either without network, no signals or abstract sockets outside the child (ABI 6+). Returns the ABI."""
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
    net = 0
    if abi >= 4:
        net = LL_NET_BIND_TCP | (LL_NET_CONNECT_TCP if network == Network.NONE else 0)
    scoped = LL_SCOPE_ALL if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled, net, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    buffer = ctypes.create_string_buffer(attr[:size], size)
    c = libc()
    ruleset = int(c.syscall(SYS_LANDLOCK_CREATE, buffer, size, 0))
    _check(ruleset, "landlock_create_ruleset")
    try:
        reading = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR
        for path, rights in [(p, reading) for p in reads] + [(p, handled) for p in writes]:
            _landlock_rule(ruleset, path, rights)
        _check(c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(int(c.syscall(SYS_LANDLOCK_RESTRICT, ruleset, 0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _landlock_rule(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= LL_FILE_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
        _check(int(libc().syscall(SYS_LANDLOCK_ADD_RULE, ruleset, 1, rule, 0)), "landlock_add_rule")
    finally:
        os.close(fd)


# -- L2: seccomp (x86_64 syscall numbers; other machines run without this layer) ---------------------

AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW = 0x7FFF0000
RET_KILL = 0x80000000
CLONE_THREAD = 0x00010000
DENIED = {
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "execveat": 322,
    "bind": 49,
    "listen": 50,
    "tkill": 200,
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "process_madvise": 440,
    "kcmp": 312,
    "pidfd_open": 434,
    "pidfd_send_signal": 424,
    "pidfd_getfd": 438,
    "rt_sigqueueinfo": 129,
    "rt_tgsigqueueinfo": 297,
    "memfd_create": 319,
    "memfd_secret": 447,
    "shmget": 29,
    "semget": 64,
    "msgget": 68,
    "mq_open": 240,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsmount": 432,
    "mount_setattr": 442,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "bpf": 321,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "userfaultfd": 323,
    "init_module": 175,
    "finit_module": 313,
    "kexec_load": 246,
    "reboot": 169,
    "io_uring_setup": 425,
    "open_by_handle_at": 304,
}
SYS_SOCKET = 41
SYS_CLONE = 56
SYS_CLONE3 = 435
SYS_KILL = 62
SYS_TGKILL = 234
AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_TYPE_MASK = 0xF

LD_ABS = 0x20
ALU_AND = 0x54
JEQ = 0x15
JGE = 0x35
JSET = 0x45
RET = 0x06
ARG0 = 16
ARG1 = 24


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, 0, 0, k & 0xFFFFFFFF)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _errno(code: int) -> int:
    return 0x00050000 | code


def _socket_rule(network: Network) -> list[bytes]:
    """socket(2): refused without network; with it, only TCP and UDP over IPv4 and IPv6."""
    refuse = _stmt(RET, _errno(errno.EACCES))
    if network == Network.NONE:
        block = [refuse]
    else:
        block = [
            _stmt(LD_ABS, ARG0),
            _jump(JEQ, AF_INET, 1, 0),
            _jump(JEQ, AF_INET6, 0, 4),
            _stmt(LD_ABS, ARG1),
            _stmt(ALU_AND, SOCK_TYPE_MASK),
            _jump(JEQ, SOCK_STREAM, 2, 0),
            _jump(JEQ, SOCK_DGRAM, 1, 0),
            refuse,
            _stmt(RET, RET_ALLOW),
        ]
    return [_jump(JEQ, SYS_SOCKET, 0, len(block)), *block]


def seccomp_program(pid: int, network: Network = Network.NONE) -> list[bytes]:
    """The filter: no new processes or programs; signals only to this process and its group; no bind,
    listen, memfd or System V IPC; sockets as `network` allows; no namespace, mount, tracing or kernel
    interfaces. Denials fail with EPERM (EACCES for `socket`), they do not kill."""
    prog = [
        _stmt(LD_ABS, 4),
        _jump(JEQ, AUDIT_ARCH_X86_64, 1, 0),
        _stmt(RET, RET_KILL),
        _stmt(LD_ABS, 0),
        _jump(JGE, 0x40000000, 0, 1),  # the x32 ABI
        _stmt(RET, _errno(errno.EPERM)),
    ]
    for number in DENIED.values():
        prog.append(_jump(JEQ, number, 0, 1))
        prog.append(_stmt(RET, _errno(errno.EPERM)))
    prog += _socket_rule(network)
    prog += [_stmt(LD_ABS, 0), _jump(JEQ, SYS_CLONE3, 0, 1), _stmt(RET, _errno(errno.ENOSYS))]
    # clone: threads only
    prog += [
        _jump(JEQ, SYS_CLONE, 0, 4),
        _stmt(LD_ABS, ARG0),
        _jump(JSET, CLONE_THREAD, 1, 0),
        _stmt(RET, _errno(errno.EPERM)),
        _stmt(RET, RET_ALLOW),
    ]
    for number, targets in ((SYS_KILL, (pid, 0, -pid)), (SYS_TGKILL, (pid,))):
        checks = [_jump(JEQ, t, len(targets) - i, 0) for i, t in enumerate(targets)]
        block = [_stmt(LD_ABS, ARG0), *checks, _stmt(RET, _errno(errno.EPERM)), _stmt(RET, RET_ALLOW)]
        prog.append(_jump(JEQ, number, 0, len(block)))
        prog += block
    prog.append(_stmt(RET, RET_ALLOW))
    return prog


def apply_seccomp(network: Network) -> int:
    """L2: install the filter (needs `no_new_privs`, set here too); returns its length in instructions."""
    if os.uname().machine != "x86_64":
        raise OSError(errno.ENOSYS, "seccomp filter is written for x86_64")
    program = seccomp_program(os.getpid(), network)
    raw = b"".join(program)
    filters = ctypes.create_string_buffer(raw, len(raw))

    class Fprog(ctypes.Structure):
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))

    fprog = Fprog(len(program), ctypes.addressof(filters))
    c = libc()
    _check(c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(c.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")
    return len(program)


# -- all layers -------------------------------------------------------------------------------------


def apply_layers(spec: SandboxSpec, parent: int) -> dict[str, str]:
    """Apply the layers of `spec` in the working directory L0 entered, strongest last.

    Returns each layer's state (`on`, `off`, details), for the host's records; raises `OSError` when a
    layer that was asked for cannot be applied, so the child never runs with less than the host expects.
    """
    layers = {"L0": "on", "L1": "off", "L2": "off", "L3": "off", "network": str(spec.network)}
    reads = read_paths(spec.network, spec.hide)
    if spec.namespaces:
        layers.update(enter_namespaces(spec, reads))
        layers["L3"] = "on"
    elif spec.uid:
        os.chown(".", spec.uid, spec.uid)
        if unreachable_ancestor(os.__file__) is not None:
            # Without a mount namespace to bind it back, the uid cannot read the standard library.
            layers["imports"] = "preloaded modules only"
    if spec.uid:
        drop_user(spec.uid, parent, spec.max_threads)
        layers["L1"] = "on"
    if spec.landlock:
        extra = [DEPS_MOUNT] if spec.deps and spec.namespaces else ([spec.deps] if spec.deps else [])
        # The cwd by a relative name: the host path of a work dir may not be searchable by the uid.
        layers["landlock"] = f"abi {apply_landlock(reads + extra, ['.', os.devnull], spec.network)}"
    if spec.seccomp:
        layers["seccomp"] = f"{apply_seccomp(spec.network)} instructions"
    if spec.landlock or spec.seccomp:
        layers["L2"] = "on"
    return layers


def probe(base: SandboxSpec) -> dict[str, str]:
    """Try each layer of `base` on its own in a forked child: `ok`, or why it does not work here."""
    trials = {
        "L3": SandboxSpec(namespaces=True, disk_bytes=1 << 20, network=base.network, hide=base.hide),
        "L1": SandboxSpec(uid=base.uid),
        "landlock": SandboxSpec(landlock=True, network=base.network),
        "seccomp": SandboxSpec(seccomp=True, network=base.network),
    }
    found: dict[str, str] = {}
    for name, spec in trials.items():
        if name == "L1" and (os.getuid() != 0 or not spec.uid):
            found[name] = "host is not root" if os.getuid() != 0 else "no uid configured"
            continue
        found[name] = _trial(name, spec)
    return found


def _trial(name: str, spec: SandboxSpec) -> str:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            apply_layers(spec, os.getppid())
            verdict = _verify(name)
        except OSError as exc:
            verdict = str(exc)
        os.write(writer, verdict.encode()[:500])
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        verdict = pipe.read().decode() or "child died"
    os.waitpid(pid, 0)
    return verdict


def _verify(name: str) -> str:
    """A layer that loaded must also hold: each is checked with one thing it forbids."""
    if name == "seccomp":
        try:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
        except PermissionError:
            return "ok"
        return "filter loaded but socket(AF_UNIX) still allowed"
    if name == "landlock":
        try:
            os.listdir("/")
        except PermissionError:
            return "ok"
        return "ruleset loaded but / still readable"
    return "ok"
