"""A fake WeCom: group robots (`/cgi-bin/webhook/send`, `/cgi-bin/webhook/upload_media`) and one
self-built application (`/cgi-bin/gettoken`, `/cgi-bin/media/upload`, `/cgi-bin/message/send`).

Error codes as the real service answers them: unknown robot key 93000, more than 20 messages a minute
45009, content over its byte limit or a malformed field 40058, image md5 mismatch 301019, image over 2 MB
40009, unknown media 40007, wrong corp id 40013, wrong secret 40001, invalid access token 40014, expired
access token 42001, no valid receiver 81013.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from fastapi import FastAPI, Request, UploadFile

from tests.fakes.ratelimit import RollingLimit

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
IMAGE_LIMIT = 2 * 1024 * 1024
CARD_TYPES = ("text_notice", "news_notice", "button_interaction")
# Cards a tap opens: they need a card_action.
LINKED_CARD_TYPES = ("text_notice", "news_notice")


def _str(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _link_error(link: Any, where: str, types: tuple[int, ...]) -> str | None:
    """A link (card_action or jump item): type 1 needs url, type 2 needs appid."""
    if not isinstance(link, dict) or link.get("type", 0) not in types:
        return f"{where}.type"
    if link.get("type") == 1 and not _str(link.get("url")):
        return f"{where}.url"
    if link.get("type") == 2 and not _str(link.get("appid")):
        return f"{where}.appid"
    return None


def _card_error(card: Any) -> str | None:
    """What WeCom's template_card schema refuses: an unknown card type, a missing card_action (type 1
    with url or 2 with appid) on text_notice and news_notice, jump items not of type 0/1/2 with their
    url or appid, more than 6 rows, 3 jump links or 6 buttons (style 1-4), an image aspect ratio
    outside 1.3 to 2.25."""
    if not isinstance(card, dict) or card.get("card_type") not in CARD_TYPES:
        return "template_card.card_type"
    kind = card["card_type"]
    title = card.get("main_title", {})
    if not isinstance(title, dict) or not _str(title.get("title")):
        return "template_card.main_title.title"
    if kind in LINKED_CARD_TYPES or "card_action" in card:
        error = _link_error(card.get("card_action"), "template_card.card_action", (1, 2))
        if error:
            return error
    if kind == "news_notice":
        image = card.get("card_image", {})
        if not _str(image.get("url")):
            return "template_card.card_image.url"
        ratio = image.get("aspect_ratio", 1.3)
        if not isinstance(ratio, int | float) or not 1.3 <= ratio <= 2.25:
            return "template_card.card_image.aspect_ratio"
    if kind == "button_interaction":
        buttons = card.get("button_list")
        if not _str(card.get("task_id")) or not isinstance(buttons, list) or not 1 <= len(buttons) <= 6:
            return "template_card.task_id/button_list"
        if not all(_str(b.get("text")) and _str(b.get("key")) for b in buttons):
            return "template_card.button_list.text/key"
        if not all(b.get("style", 1) in (1, 2, 3, 4) for b in buttons):
            return "template_card.button_list.style"
    rows = card.get("horizontal_content_list", [])
    if len(rows) > 6 or not all(_str(row.get("keyname")) for row in rows):
        return "template_card.horizontal_content_list"
    jumps = card.get("jump_list", [])
    if len(jumps) > 3:
        return "template_card.jump_list"
    for jump in jumps:
        if not _str(jump.get("title")):
            return "template_card.jump_list.title"
        error = _link_error(jump, "template_card.jump_list", (0, 1, 2))
        if error:
            return error
    return None


class FakeWecom:
    """One corp with one robot key and one application."""

    def __init__(
        self,
        key: str = "wc-robot-key-0123456789abcdef",
        corp_id: str = "ww0123456789abcdef",
        secret: str = "APP-SECRET-abcdefghijklmnopqrstuvwxyz0123",
        agent_id: int = 1000002,
        limit: int = 20,
        window: float = 60.0,
    ) -> None:
        self.key = key
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.rate = RollingLimit(limit, window)
        self.received: list[dict[str, Any]] = []
        self.app_received: list[dict[str, Any]] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.tokens: set[str] = set()
        self.expired: set[str] = set()
        self.gettoken_calls = 0
        self.app = FastAPI()
        self.app.post("/cgi-bin/webhook/send")(self.robot_send)
        self.app.post("/cgi-bin/webhook/upload_media")(self.robot_upload)
        self.app.get("/cgi-bin/gettoken")(self.gettoken)
        self.app.post("/cgi-bin/media/upload")(self.app_upload)
        self.app.post("/cgi-bin/message/send")(self.message_send)

    @staticmethod
    def _answer(code: int, message: str, **extra: Any) -> dict[str, Any]:
        hint = f", hint: [{secrets.token_hex(8)}], more info at https://open.work.weixin.qq.com/devtool/query?e={code}"
        return {"errcode": code, "errmsg": message if code == 0 else message + hint, **extra}

    def url(self, base: str) -> str:
        """The robot's webhook URL on a server at `base`."""
        return f"{base}/cgi-bin/webhook/send?key={self.key}"

    def expire_tokens(self) -> None:
        """Make every issued access token expired, as WeCom does after `expires_in`."""
        self.expired |= self.tokens
        self.tokens.clear()

    # -- message schemas ----------------------------------------------------------------------------

    def _message_error(self, body: dict[str, Any], by_app: bool) -> tuple[int, str] | None:
        kind = body.get("msgtype")
        part = body.get(kind) if isinstance(kind, str) else None
        if not isinstance(part, dict):
            return 40008, "invalid message type"
        if kind == "text":
            content = part.get("content")
            if not _str(content):
                return 40058, "text.content empty. invalid Request Parameter"
            if len(content.encode()) > TEXT_LIMIT:
                return 40058, f"text.content exceed max length {TEXT_LIMIT}. invalid Request Parameter"
            for name in ("mentioned_list", "mentioned_mobile_list"):
                if not isinstance(part.get(name, []), list):
                    return 40058, f"text.{name} invalid"
            return None
        if kind == "markdown":
            content = part.get("content")
            if not _str(content):
                return 40058, "markdown.content empty. invalid Request Parameter"
            if len(content.encode()) > MARKDOWN_LIMIT:
                return (
                    40058,
                    f"markdown.content exceed max length {MARKDOWN_LIMIT}. invalid Request Parameter",
                )
            return None
        if kind == "image" and not by_app:
            try:
                data = base64.b64decode(part.get("base64", ""), validate=True)
            except ValueError:
                return 40058, "image.base64 invalid"
            if not data or len(data) > IMAGE_LIMIT:
                return 40009, "invalid image size"
            if hashlib.md5(data).hexdigest() != part.get("md5"):
                return 301019, "media md5 not match"
            return None
        if kind in ("file", "image"):
            if part.get("media_id") not in self.media:
                return 40007, "invalid media_id"
            return None
        if kind == "news":
            articles = part.get("articles")
            if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
                return 40058, "news.articles size invalid"
            if not all(_str(a.get("title")) and _str(a.get("url")) for a in articles):
                return 40058, "news.articles.title/url missing"
            return None
        if kind == "template_card":
            error = _card_error(part)
            return (40058, f"{error} invalid. invalid Request Parameter") if error else None
        return 40008, "invalid message type"

    # -- robot --------------------------------------------------------------------------------------

    async def robot_send(self, request: Request) -> dict[str, Any]:
        """`POST /cgi-bin/webhook/send?key=KEY`."""
        if request.query_params.get("key") != self.key:
            return self._answer(93000, "invalid webhook url")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return self._answer(40058, "invalid json")
        error = self._message_error(body, by_app=False)
        if error:
            return self._answer(*error)
        if not self.rate.allow(self.key):
            return self._answer(45009, "api freq out of limit")
        self.received.append(body)
        return self._answer(0, "ok")

    def _store(self, media: UploadFile, data: bytes, kind: str | None) -> dict[str, Any]:
        if kind not in ("file", "image", "voice") or len(data) <= 5:
            return self._answer(40004, "invalid media type or size")
        media_id = "3" + secrets.token_hex(16)
        self.media[media_id] = (media.filename or "", data)
        return self._answer(0, "ok", type=kind, media_id=media_id, created_at="1380000000")

    async def robot_upload(self, request: Request, media: UploadFile) -> dict[str, Any]:
        """`POST /cgi-bin/webhook/upload_media?key=KEY&type=file`, multipart field `media`."""
        if request.query_params.get("key") != self.key:
            return self._answer(93000, "invalid webhook url")
        return self._store(media, await media.read(), request.query_params.get("type"))

    # -- application --------------------------------------------------------------------------------

    async def gettoken(self, corpid: str = "", corpsecret: str = "") -> dict[str, Any]:
        """`GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET`."""
        self.gettoken_calls += 1
        if corpid != self.corp_id:
            return self._answer(40013, "invalid corpid")
        if corpsecret != self.secret:
            return self._answer(40001, "invalid credential")
        token = secrets.token_urlsafe(48)
        self.tokens.add(token)
        return self._answer(0, "ok", access_token=token, expires_in=7200)

    def _token_error(self, token: str | None) -> dict[str, Any] | None:
        if token in self.expired:
            return self._answer(42001, "access_token expired")
        if token not in self.tokens:
            return self._answer(40014, "invalid access_token")
        return None

    async def app_upload(self, request: Request, media: UploadFile) -> dict[str, Any]:
        """`POST /cgi-bin/media/upload?access_token=TOKEN&type=file|image`."""
        error = self._token_error(request.query_params.get("access_token"))
        return error or self._store(media, await media.read(), request.query_params.get("type"))

    async def message_send(self, request: Request) -> dict[str, Any]:
        """`POST /cgi-bin/message/send?access_token=TOKEN`."""
        error = self._token_error(request.query_params.get("access_token"))
        if error:
            return error
        body = json.loads(await request.body())
        if body.get("agentid") != self.agent_id:
            return self._answer(40056, "invalid agentid")
        if not (body.get("touser") or body.get("toparty") or body.get("totag")):
            return self._answer(81013, "user & party & tag all invalid")
        problem = self._message_error(body, by_app=True)
        if problem:
            return self._answer(*problem)
        self.app_received.append(body)
        return self._answer(0, "ok", invaliduser="", msgid=secrets.token_hex(8))
