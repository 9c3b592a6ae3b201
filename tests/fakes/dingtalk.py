"""A fake DingTalk custom robot: `POST /robot/send?access_token=...[&timestamp=...&sign=...]`.

It checks what the real robot checks, in the same order, and answers the same error codes: an unknown
token (300001), a signature that does not match or a timestamp more than an hour off (310000), a
message without any of the configured keywords (310000), more than 20 messages a minute (130101), a
body over 20000 bytes (460101), and a payload that does not follow the msgtype's schema (40035).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import FastAPI, Request

from tests.fakes.ratelimit import RollingLimit

MAX_BYTES = 20000


def _str(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _links_ok(links: Any, keys: tuple[str, ...]) -> bool:
    return (
        isinstance(links, list)
        and len(links) > 0
        and all(isinstance(x, dict) and all(_str(x.get(k)) for k in keys) for x in links)
    )


def schema_error(body: dict[str, Any]) -> str | None:
    """What is wrong with a message body, per the robot's documented schema; None when valid."""
    kind = body.get("msgtype")
    part = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(part, dict):
        return f"missing {kind}"
    at = body.get("at", {})
    if not isinstance(at, dict) or not isinstance(at.get("atMobiles", []), list):
        return "invalid at"
    if kind == "text":
        return None if _str(part.get("content")) else "text.content"
    if kind == "markdown":
        return None if _str(part.get("title")) and _str(part.get("text")) else "markdown.title/text"
    if kind == "link":
        ok = all(_str(part.get(k)) for k in ("title", "text", "messageUrl"))
        if "picUrl" in part and not _str(part["picUrl"]):
            return "link.picUrl"
        return None if ok else "link.title/text/messageUrl"
    if kind == "actionCard":
        if not (_str(part.get("title")) and _str(part.get("text"))):
            return "actionCard.title/text"
        if part.get("btnOrientation", "0") not in ("0", "1"):
            return "actionCard.btnOrientation"
        if "singleTitle" in part:
            return None if _str(part.get("singleURL")) else "actionCard.singleURL"
        return None if _links_ok(part.get("btns"), ("title", "actionURL")) else "actionCard.btns"
    if kind == "feedCard":
        ok = _links_ok(part.get("links"), ("title", "messageURL", "picURL"))
        return None if ok else "feedCard.links"
    return f"unsupported msgtype {kind}"


def _texts(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


class FakeDingTalk:
    """One robot: its access token, optional signing secret and keywords, and what it accepted."""

    def __init__(
        self,
        token: str = "dt0123456789abcdef0123456789abcdef",
        secret: str | None = None,
        keywords: tuple[str, ...] = (),
        limit: int = 20,
        window: float = 60.0,
    ) -> None:
        self.token = token
        self.secret = secret
        self.keywords = keywords
        self.rate = RollingLimit(limit, window)
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.app = FastAPI()
        self.app.post("/robot/send")(self.send)

    def _sign_ok(self, timestamp: str | None, sign: str | None) -> str | None:
        if self.secret is None:
            return None
        if not timestamp or not sign or not timestamp.isdigit():
            return "sign not match"
        if abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
            return "timestamp is invalid"
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256)
        # The query string carried the URL-encoded signature; the framework has decoded it already.
        if not hmac.compare_digest(base64.b64encode(digest.digest()).decode(), sign):
            return "sign not match"
        return None

    def _answer(self, code: int, message: str) -> dict[str, Any]:
        self.answers.append(code)
        return {"errcode": code, "errmsg": message}

    async def send(self, request: Request) -> dict[str, Any]:
        """The robot's only endpoint."""
        params = request.query_params
        if params.get("access_token") != self.token:
            return self._answer(300001, "token is not exist")
        problem = self._sign_ok(params.get("timestamp"), params.get("sign"))
        if problem:
            return self._answer(
                310000, f"{problem}, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
            )
        raw = await request.body()
        if len(raw) > MAX_BYTES:
            return self._answer(460101, f"message too long, exceed {MAX_BYTES} bytes")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._answer(40035, "缺少参数 json")
        if not isinstance(body, dict):
            return self._answer(40035, "缺少参数 json")
        error = schema_error(body)
        if error:
            return self._answer(40035, f"缺少参数 {error}")
        if self.keywords and not any(k in _texts(body) for k in self.keywords):
            return self._answer(310000, "keywords not in content")
        if not self.rate.allow(self.token):
            return self._answer(130101, "send too fast, exceed 20 times per minute")
        self.received.append(body)
        return self._answer(0, "ok")

    def url(self, base: str) -> str:
        """The webhook URL of this robot on a server at `base`."""
        return f"{base}/robot/send?access_token={self.token}"
