"""The sandbox must be complete where it can be: on a root x86_64 host with Landlock a missing layer is a
failure, and under CI it always is, so a weaker machine never passes silently."""

from __future__ import annotations

import os
from typing import Any

import pytest

from vwed.runtime.child.sandbox import landlock_abi

LAYERS = ["rlimits", "namespaces", "uid", "landlock", "seccomp"]


def full_sandbox_expected() -> bool:
    """Whether this machine can give every layer: root, x86_64, Landlock in the kernel."""
    return os.geteuid() == 0 and os.uname().machine == "x86_64" and landlock_abi() >= 1


def require_full_sandbox(report: dict[str, Any] | None) -> None:
    """Assert a `/api/health` sandbox report shows level L3 with every layer active."""
    if not full_sandbox_expected() and not os.environ.get("CI"):
        pytest.skip("this machine cannot give every sandbox layer (needs root, x86_64 and Landlock)")
    assert report is not None, "no sandbox report"
    assert report["level"] == "L3", report
    assert report["active"] == LAYERS, report
    assert all(verdict == "ok" for verdict in report["probe"].values()), report
