"""The `VWED` object's reference, generated from the docstrings of the runtime a script service gets.

The same classes a script's `VWED` is built from (`runtime.child`) are read here, so the editor's
completion and hover text (`GET /api/script/vwed-docs`) cannot drift from what a script can call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from vwed.runtime.service import VwedObject


@dataclass(frozen=True)
class Member:
    """One callable of the `VWED` object: `VWED.<module>.<name>` or `VWED.<name>`."""

    name: str
    signature: str
    doc: str
    is_async: bool


@dataclass(frozen=True)
class Module:
    """One attribute of `VWED` such as `api` or `log`, with its callables."""

    name: str
    doc: str
    members: list[Member] = field(default_factory=list)


def _signature(fn: Callable[..., Any]) -> str:
    plain = [
        p.replace(annotation=inspect.Parameter.empty)
        for p in inspect.signature(fn).parameters.values()
        if p.name != "self"
    ]
    return f"{fn.__name__}({', '.join(str(p) for p in plain)})"


def _members(owner: type) -> list[Member]:
    out = []
    for name, fn in inspect.getmembers(owner, inspect.isfunction):
        if name.startswith("_"):
            continue
        doc = inspect.getdoc(fn) or ""
        out.append(Member(name, _signature(fn), doc, inspect.iscoroutinefunction(fn)))
    return out


def vwed_docs() -> dict[str, Any]:
    """Every module of `VWED` and its callables, plus `VWED`'s own methods."""
    # The modules only keep the runtime they are given; no runtime is needed to list them.
    instance = VwedObject(cast(Any, None))
    modules = [
        Module(name, inspect.getdoc(type(value)) or "", _members(type(value)))
        for name, value in vars(instance).items()
        if not name.startswith("_")
    ]
    return {
        "doc": inspect.getdoc(VwedObject) or "",
        "modules": [asdict(m) for m in modules],
        "methods": [asdict(m) for m in _members(VwedObject)],
    }
