"""Texts of the children, host side: what a child reports for a person to read, as `vwed.i18n` messages.

A child words no message (`vwed.runtime.child.wire`, "Texts"): a log line, the error of a call, of a
boot or of a run is either plain data (a line the script printed, a Python exception as `Type: message`)
or a `Text`, a message key with parameters that the host renders in its reader's language: the caller's
for an answer, Chinese for stored log lines and run output. A child is untrusted, so only the keys made
for children (`child_*`, `wire_*`) are accepted from it, with bounded parameters; anything else is shown
as the data it is.

The host also sends each child the Chinese templates of those keys (`child_templates`), with which the
child words the exceptions it raises inside the user's script.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from vwed.i18n import MESSAGES, Text, rendered

# Keys a child may send; the same prefixes name the templates it receives.
CHILD_PREFIXES = ("child_", "wire_")
MAX_CHARS = 4096
MAX_PARAMS = 16
MAX_NESTING = 3

Reported = str | Text


def from_child(raw: object, nesting: int = 0) -> Reported:
    """What a child reported (a string, or a `{"key", "params"}` text of a child key), made safe to show.

    Strings are cut to `MAX_CHARS`; a text nests at most `MAX_NESTING` texts in its parameters; any other
    value is shown as its string.
    """
    if isinstance(raw, str):
        return raw[:MAX_CHARS]
    if isinstance(raw, dict) and raw.keys() == {"key", "params"} and nesting < MAX_NESTING:
        key, params = raw["key"], raw["params"]
        if (
            isinstance(key, str)
            and key.startswith(CHILD_PREFIXES)
            and key in MESSAGES
            and isinstance(params, dict)
            and len(params) <= MAX_PARAMS
        ):
            return Text(key, {str(name)[:64]: _param(value, nesting) for name, value in params.items()})
    return "" if raw is None else str(raw)[:MAX_CHARS]


def child_line(raw: object) -> str:
    """The text of a log line a child sent: the script's own words whole (the child caps their length),
    the runtime's `Text` rendered in Chinese, as stored log lines are."""
    return raw if isinstance(raw, str) else rendered(from_child(raw))


def _param(value: Any, nesting: int) -> Any:
    if isinstance(value, bool | int | float):
        return value
    return from_child(value, nesting + 1)


@cache
def child_templates() -> dict[str, str]:
    """The Chinese templates of every child key, sent to each child in its `boot` or `run` frame."""
    return {key: zh for key, (zh, _en) in MESSAGES.items() if key.startswith(CHILD_PREFIXES)}
