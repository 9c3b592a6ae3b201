"""The `script_deps` installer's jail: started as root, it confines itself, then becomes the installer.

Run as `python -I -S install_jail.py '<json>'` (standard library only, no environment). In a mount
namespace of its own it hides the data dir under an empty read-only tmpfs (the database, `secret.key`,
backups, other runs), makes the few directories the installer needs reachable when an ancestor is closed
to other users (`/root` holding the interpreter), drops to the installer's unprivileged uid with no
groups, sets `no_new_privs` and the parent-death signal, and `exec`s the installer with the environment
it was given. The server's environment never reaches it, and as another uid it cannot read
`/proc/<server>/environ` either.

The JSON names: `hide` (directories to cover), `reveal` (read-only directories the installer needs),
`work` (its writable staging directory), `uid`, `argv` and `env`.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
EXIT_JAIL = 71


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: bytes | None, target: str, fstype: bytes | None, flags: int, data: bytes | None) -> None:
    _check(_libc().mount(source, target.encode(), fstype, flags, data), f"mount {target}")


def _closed_ancestor(path: str) -> str | None:
    """The topmost ancestor of `path` (or `path` itself) other users cannot search, if any."""
    current = "/"
    for part in [p for p in path.split("/") if p]:
        current = os.path.join(current, part)
        if not os.stat(current).st_mode & 0o001:
            return current
    return None


def reveal(paths: list[str], writable: str) -> None:
    """Make each of `paths` reachable at its own path for any uid, whatever its ancestors' modes.

    An ancestor closed to others is covered by a tmpfs holding only the directory chain down to each
    needed path, where the real directory is bind-mounted again (read-only, but for `writable`).
    """
    groups: dict[str, list[str]] = {}
    for path in paths:
        top = _closed_ancestor(path)
        if top is not None and top != path:
            groups.setdefault(top, []).append(path)
    for top, inner in groups.items():
        held = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in inner]
        _mount(b"tmpfs", top, b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755,size=65536")
        for path, fd in held:
            os.makedirs(path, 0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}".encode(), path, None, MS_BIND | MS_REC, None)
            os.close(fd)
            if path != writable:
                _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def confine(hide: list[str], needed: list[str], work: str, uid: int) -> None:
    """Enter the jail (see the module docstring); raises OSError on any failure."""
    c = _libc()
    _check(c.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    _mount(b"none", "/", None, MS_REC | MS_PRIVATE, None)
    reveal([*needed, work], work)
    for hidden in hide:
        if os.path.isdir(hidden):
            _mount(b"tmpfs", hidden, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"mode=0755,size=4096")
    os.chdir(work)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _check(c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(c.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "pdeathsig")
    os.umask(0o022)


def main() -> None:
    """Confine, then `exec` the installer; exit 71 with the reason when the jail cannot be built."""
    config = json.loads(sys.argv[1])
    argv = [str(a) for a in config["argv"]]
    env = {str(k): str(v) for k, v in dict(config["env"]).items()}
    try:
        hide = [str(p) for p in config["hide"]]
        confine(hide, [str(p) for p in config["reveal"]], str(config["work"]), int(config["uid"]))
    except OSError as exc:
        sys.stderr.write(f"vwed install jail: {exc}\n")
        sys.stderr.flush()
        os._exit(EXIT_JAIL)
    os.execve(argv[0], argv, env)  # noqa: S606 - a fixed argv built by vwed.sdk.deps, no shell


if __name__ == "__main__":
    main()
