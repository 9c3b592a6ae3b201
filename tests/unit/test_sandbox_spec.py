"""The sandbox options shared by the host and the children, and the pieces of the layers that are pure."""

from __future__ import annotations

import shutil
import struct
import tempfile
from pathlib import Path

import pytest

from vwed.runtime.child.sandbox import (
    DENIED,
    Network,
    Rlimits,
    SandboxSpec,
    read_paths,
    seccomp_program,
    unreachable_ancestor,
)
from vwed.runtime.child.zygote import ForkRequest
from vwed.runtime.layers import NoFreeUid, UidSlots, level_of
from vwed.runtime.service import layers_wanted


def test_a_fork_request_travels_to_the_child_unchanged() -> None:
    request = ForkRequest(
        job="service",
        workdir="/data/run/x",
        limits=Rlimits(cpu_seconds=5, address_space=1 << 30, open_files=64, file_size=1 << 20),
        sandbox=SandboxSpec(
            uid=61003,
            namespaces=True,
            landlock=True,
            seccomp=True,
            network=Network.OUTBOUND,
            disk_bytes=1 << 24,
            max_threads=64,
            hide=("/data",),
        ),
        max_frame=1 << 20,
        token=7,
    )
    assert ForkRequest.from_dict(request.as_dict()) == request


@pytest.mark.parametrize("network", list(Network))
def test_seccomp_jumps_stay_inside_the_program(network: Network) -> None:
    program = seccomp_program(1234, network)
    assert len(program) < 4096
    for index, instruction in enumerate(program):
        code, jt, jf, _k = struct.unpack("=HBBI", instruction)
        if code & 0x07 == 0x05:
            assert index + 1 + max(jt, jf) < len(program)


def test_the_filter_denies_what_the_issue_names() -> None:
    for name in ("fork", "execve", "bind", "listen", "memfd_create", "shmget", "ptrace", "pidfd_open"):
        assert name in DENIED


def test_a_read_path_that_holds_the_data_dir_is_left_out() -> None:
    assert "/usr/lib" in read_paths(Network.NONE, ())
    assert "/usr/lib" not in read_paths(Network.NONE, ("/usr/lib/vwed-data",))
    assert "/etc/resolv.conf" not in read_paths(Network.NONE, ())
    assert "/etc/resolv.conf" in read_paths(Network.OUTBOUND, ())


def test_the_first_directory_other_users_cannot_search_is_found_by_its_mode() -> None:
    # Below /var/tmp (mode 1777): the pytest temp dirs are themselves private.
    closed = Path(tempfile.mkdtemp(dir="/var/tmp"))
    try:
        (closed / "lib" / "python").mkdir(parents=True)
        closed.chmod(0o700)
        assert unreachable_ancestor(str(closed / "lib" / "python")) == str(closed)
        closed.chmod(0o711)
        assert unreachable_ancestor(str(closed / "lib" / "python")) is None
    finally:
        shutil.rmtree(closed)


def test_uids_are_never_shared_by_two_live_children() -> None:
    slots = UidSlots(61000, size=2)
    first, second = slots.take(), slots.take()
    assert (first, second) == (61000, 61001)
    with pytest.raises(NoFreeUid):
        slots.take()
    slots.give_back(first)
    assert slots.take() == 61000


def test_the_level_a_child_reports() -> None:
    assert level_of({"L3": "on", "landlock": "abi 7", "seccomp": "1 instructions"}) == "L3"
    assert level_of({"L3": "off", "L1": "on", "landlock": "abi 7", "seccomp": "1 instructions"}) == "L2"
    assert level_of({"L1": "on", "seccomp": "1 instructions"}) == "L1"
    assert level_of({"L0": "on", "seccomp": "1 instructions"}) == "L0"


def test_the_sandbox_setting_names_layers() -> None:
    assert layers_wanted("auto") == {"namespaces", "uid", "landlock", "seccomp"}
    assert layers_wanted("L0") == frozenset()
    assert layers_wanted("seccomp, uid") == {"seccomp", "uid"}
    with pytest.raises(ValueError, match="unknown sandbox layers"):
        layers_wanted("seccomp,magic")
