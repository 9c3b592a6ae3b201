"""Secrets in query strings never reach a log: one place that masks them in every log record.

Tokens travel in URLs in a few places (the WebSocket's and the test page's `?token=`, robot keys, WeCom
app secrets); uvicorn's access and WebSocket logs, httpx's request log and our own would print them.
`install_log_redaction()` replaces the process's log record factory, so each record's message and string
arguments are masked when the record is made, whichever logger, handler or formatter meets it later.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "******"
SECRET_PARAMS = ("access_token", "key", "corpsecret", "sign", "secret", "token")
_SECRET_QUERY = re.compile(
    r"((?<![A-Za-z0-9_])(?:" + "|".join(SECRET_PARAMS) + r")=)[^&\s\"']+", re.IGNORECASE
)


def redact(text: str) -> str:
    """Replace the value of every secret-bearing query parameter in `text` with `******`."""
    return _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float):
        return value
    # URLs and other objects (httpx logs an `httpx.URL`): masked as text when their text holds a secret.
    text = str(value)
    masked = redact(text)
    return masked if masked != text else value


def install_log_redaction() -> None:
    """Mask secret query parameters in every log record made from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "vwed_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            # Formatters such as uvicorn's access log unpack the arguments, so they stay a tuple.
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        return record

    factory.vwed_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
