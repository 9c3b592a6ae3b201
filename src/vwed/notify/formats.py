"""The seed's `result` dict, checked, and turned into the message body each kind of target understands.

`parse_result` validates a `result` into a `Message`; `render` turns it into a DingTalk robot, WeCom robot
or WeCom application payload. A format a target cannot show is converted to the closest one it can, and
`Rendered.converted_from` names the original so the run log can say so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from vwed.errors import BadRequest

ChannelType = Literal["dingtalk_bot", "wecom_bot", "wecom_app", "apprise", "webhook"]
Target = Literal["dingtalk", "wecom"]

DEFAULT_TITLE = "通知"
IMAGE_LIMIT = 2 * 1024 * 1024
FILE_LIMIT = 20 * 1024 * 1024
NEWS_LIMIT = 8
CARD_TYPES = ("text_notice", "news_notice", "button_interaction")

# Accepted spellings of each msg_type, lower-cased, to the canonical name of the seed.
_ALIASES = {
    "markdown": "markdown",
    "text": "text",
    "actioncard": "actionCard",
    "action_card": "actionCard",
    "feedcard": "feedCard",
    "feed_card": "feedCard",
    "link": "link",
    "news": "news",
    "template_card": "template_card",
    "templatecard": "template_card",
    "image": "image",
    "file": "file",
}

DINGTALK_TYPES = frozenset({"text", "markdown", "link", "actionCard", "feedCard"})
WECOM_TYPES = frozenset({"text", "markdown", "image", "news", "file", "template_card"})


class InvalidResult(BadRequest):
    """The `result` dict does not describe a message; the error names the field."""

    default_key = "notify_invalid_result"


@dataclass(frozen=True)
class Message:
    """A validated `result`: its canonical `msg_type` and its fields as given."""

    msg_type: str
    fields: Mapping[str, Any]

    @property
    def title(self) -> str:
        """The title, or the default one."""
        return str(self.fields.get("title") or DEFAULT_TITLE)

    @property
    def content(self) -> str:
        """The content, or an empty string."""
        return str(self.fields.get("content") or "")


@dataclass(frozen=True)
class Media:
    """A file or image to upload to WeCom before sending; its `media_id` goes into the payload."""

    kind: Literal["image", "file"]
    filename: str
    data: bytes


@dataclass(frozen=True)
class Rendered:
    """A payload ready to post, its msgtype, and the original msg_type when it had to be converted."""

    msg_type: str
    payload: dict[str, Any]
    converted_from: str | None = None
    media: Media | None = field(default=None, repr=False)


# -- validation -----------------------------------------------------------------------------------


def _fail(name: str, reason: str) -> InvalidResult:
    return InvalidResult(field=name, reason=reason)


def _text(fields: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise _fail(name, "必填")
        return None
    if not isinstance(value, str | int | float):
        raise _fail(name, "应为字符串")
    return str(value)


def _items(fields: Mapping[str, Any], name: str, *, required: bool = True) -> list[Mapping[str, Any]]:
    value = fields.get(name)
    if value is None or value == []:
        if required:
            raise _fail(name, "至少需要一项")
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise _fail(name, "应为对象列表")
    return value


def _check_items(fields: Mapping[str, Any], name: str, keys: tuple[str, ...], required: bool = True) -> None:
    for index, item in enumerate(_items(fields, name, required=required)):
        for key in keys:
            if item.get(key) in (None, ""):
                raise _fail(f"{name}[{index}].{key}", "必填")
            _text(item, key)


def _strings(fields: Mapping[str, Any], name: str) -> list[str]:
    value = fields.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise _fail(name, "应为字符串列表")
    return [str(v) for v in value]


def _decoded(fields: Mapping[str, Any], name: str, limit: int) -> bytes:
    raw = _text(fields, name)
    try:
        data = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _fail(name, "不是有效的 base64") from exc
    if not data:
        raise _fail(name, "内容为空")
    if len(data) > limit:
        raise _fail(name, f"超过 {limit} 字节上限")
    return data


def _check_template_card(fields: Mapping[str, Any]) -> None:
    card_type = fields.get("card_type", "text_notice")
    if card_type not in CARD_TYPES:
        raise _fail("card_type", "应为 " + " / ".join(CARD_TYPES))
    _text(fields, "title")
    _check_items(fields, "horizontal_list", ("keyname",), required=False)
    _check_items(fields, "jump_list", ("title",), required=False)
    if card_type == "news_notice":
        _text(fields, "image_url")
    if card_type == "button_interaction":
        _check_items(fields, "buttons", ("title", "key"))


def parse_result(result: Any) -> Message:
    """Check a task's `result` dict and return it as a `Message`.

    Raises:
        InvalidResult: naming the first field that is missing or malformed.
    """
    if not isinstance(result, Mapping):
        raise _fail("result", "应为字典")
    raw_type = result.get("msg_type") or "markdown"
    msg_type = _ALIASES.get(str(raw_type).lower())
    if msg_type is None:
        raise _fail("msg_type", f"不支持的消息类型 {raw_type}")
    _strings(result, "at_mobiles")
    _strings(result, "at_user_ids")
    _strings(result, "mentioned_list")
    _strings(result, "mentioned_mobile_list")
    if msg_type in ("markdown", "text"):
        _text(result, "content")
    elif msg_type == "actionCard":
        _text(result, "title")
        _text(result, "content")
        _check_items(result, "buttons", ("title", "url"), required=False)
        if result.get("btn_orientation") not in (None, "0", "1", 0, 1):
            raise _fail("btn_orientation", "应为 '0'(竖向)或 '1'(横向)")
    elif msg_type == "feedCard":
        _check_items(result, "links", ("title", "url"))
    elif msg_type == "link":
        for name in ("title", "content", "url"):
            _text(result, name)
    elif msg_type == "news":
        _check_items(result, "articles", ("title", "url"))
        if len(result["articles"]) > NEWS_LIMIT:
            raise _fail("articles", f"最多 {NEWS_LIMIT} 篇")
    elif msg_type == "template_card":
        _check_template_card(result)
    elif msg_type == "image":
        _decoded(result, "image_base64", IMAGE_LIMIT)
    else:
        _text(result, "file_name")
        if result.get("file_base64") is None:
            _text(result, "content")
        else:
            _decoded(result, "file_base64", FILE_LIMIT)
    return Message(msg_type=msg_type, fields=dict(result))


# -- shared pieces of rendering -------------------------------------------------------------------


def with_heading(title: str, content: str) -> str:
    """Markdown starting with the title as a heading, unless the content's first line already shows it."""
    first_line = content.lstrip().split("\n", 1)[0]
    if first_line.startswith("#") and title in first_line:
        return content
    return f"### {title}\n\n{content}" if content else f"### {title}"


def _buttons_markdown(buttons: list[Mapping[str, Any]]) -> str:
    return "\n\n".join(f"[{b['title']}]({b['url']})" for b in buttons)


def _key_values(rows: list[Mapping[str, Any]]) -> str:
    return "\n".join(f"> **{row['keyname']}**: {row.get('value', '')}" for row in rows)


def as_markdown(message: Message) -> str:
    """Any message as one markdown text: used where only markdown or plain text can be shown."""
    f = message.fields
    kind = message.msg_type
    if kind == "feedCard":
        lines = [f"- [{link['title']}]({link['url']})" for link in f["links"]]
        return with_heading(message.title, "\n".join(lines))
    if kind == "news":
        lines = [
            f"- [{a['title']}]({a['url']})" + (f" {a['description']}" if a.get("description") else "")
            for a in f["articles"]
        ]
        return with_heading(str(f["articles"][0]["title"]), "\n".join(lines))
    if kind == "link":
        return with_heading(message.title, f"{message.content}\n\n[{message.title}]({f['url']})")
    if kind == "actionCard":
        return with_heading(
            message.title,
            f"{message.content}\n\n{_buttons_markdown(_items(f, 'buttons', required=False))}".rstrip(),
        )
    if kind == "template_card":
        parts = [message.content, _key_values(_items(f, "horizontal_list", required=False))]
        jumps = [j for j in _items(f, "jump_list", required=False) if j.get("url")]
        parts.append(_buttons_markdown(jumps))
        return with_heading(message.title, "\n\n".join(p for p in parts if p))
    if kind == "image":
        return with_heading(message.title, (message.content + "\n\n" if message.content else "") + "(图片)")
    if kind == "file":
        body = f"**文件**: {f['file_name']}"
        if f.get("file_base64") is None:
            body += f"\n\n{message.content}"
        return with_heading(message.title, body)
    return with_heading(message.title, message.content)


def file_bytes(message: Message) -> bytes:
    """The bytes of a `file` message: decoded `file_base64`, or the UTF-8 `content`."""
    encoded = message.fields.get("file_base64")
    if encoded is not None:
        return base64.b64decode(str(encoded))
    return message.content.encode()


# -- DingTalk robot -------------------------------------------------------------------------------


def _dingtalk_at(f: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "atMobiles": _strings(f, "at_mobiles"),
        "atUserIds": _strings(f, "at_user_ids"),
        "isAtAll": bool(f.get("at_all", False)),
    }


def _mention_line(f: Mapping[str, Any]) -> str:
    # DingTalk only notifies people whose @mobile also appears in the markdown text.
    return " ".join(f"@{m}" for m in _strings(f, "at_mobiles"))


def _dingtalk(message: Message) -> Rendered:
    f = message.fields
    kind = message.msg_type
    if kind == "text":
        return Rendered(
            "text", {"msgtype": "text", "text": {"content": message.content}, "at": _dingtalk_at(f)}
        )
    if kind == "link":
        link = {
            "title": message.title,
            "text": message.content,
            "messageUrl": f["url"],
            "picUrl": f.get("pic_url", ""),
        }
        return Rendered("link", {"msgtype": "link", "link": link})
    if kind == "feedCard":
        links = [
            {"title": item["title"], "messageURL": item["url"], "picURL": item.get("pic_url", "")}
            for item in f["links"]
        ]
        return Rendered("feedCard", {"msgtype": "feedCard", "feedCard": {"links": links}})
    if kind == "news":
        links = [
            {"title": a["title"], "messageURL": a["url"], "picURL": a.get("picurl", "")}
            for a in f["articles"]
        ]
        return Rendered("feedCard", {"msgtype": "feedCard", "feedCard": {"links": links}}, "news")
    if kind in ("actionCard", "template_card"):
        buttons = (
            _items(f, "buttons", required=False)
            if kind == "actionCard"
            else [j for j in _items(f, "jump_list", required=False) if j.get("url")]
        )
        text = with_heading(message.title, message.content) if kind == "actionCard" else as_markdown(message)
        if not buttons:
            payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
            return Rendered("markdown", payload, kind)
        card: dict[str, Any] = {"title": message.title, "text": text}
        card["btnOrientation"] = str(f.get("btn_orientation", "0"))
        if len(buttons) == 1:
            card["singleTitle"], card["singleURL"] = str(buttons[0]["title"]), str(buttons[0]["url"])
        else:
            card["btns"] = [{"title": b["title"], "actionURL": b["url"]} for b in buttons]
        return Rendered(
            "actionCard",
            {"msgtype": "actionCard", "actionCard": card},
            None if kind == "actionCard" else kind,
        )
    text = as_markdown(message)
    mentions = _mention_line(f)
    if mentions:
        text = f"{text}\n\n{mentions}"
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": text},
        "at": _dingtalk_at(f),
    }
    return Rendered("markdown", payload, None if kind == "markdown" else kind)


# -- WeCom robot and application ------------------------------------------------------------------


def _card_action(f: Mapping[str, Any]) -> dict[str, Any]:
    jumps = [j for j in _items(f, "jump_list", required=False) if j.get("url")]
    url = f.get("url") or (jumps[0]["url"] if jumps else None)
    return {"type": 1, "url": str(url)} if url else {"type": 0}


def _template_card(f: Mapping[str, Any]) -> dict[str, Any]:
    card_type = str(f.get("card_type", "text_notice"))
    card: dict[str, Any] = {"card_type": card_type, "main_title": {"title": str(f["title"])}}
    if f.get("content"):
        if card_type == "text_notice":
            card["sub_title_text"] = str(f["content"])
        else:
            card["main_title"]["desc"] = str(f["content"])
    if f.get("source"):
        card["source"] = {"desc": str(f["source"])}
    rows = _items(f, "horizontal_list", required=False)
    if rows:
        card["horizontal_content_list"] = [
            {"keyname": str(row["keyname"]), "value": str(row.get("value", ""))} for row in rows
        ]
    jumps = _items(f, "jump_list", required=False)
    if jumps:
        card["jump_list"] = [
            {
                "type": int(j.get("type", 1)),
                "title": str(j["title"]),
                **({"url": str(j["url"])} if j.get("url") else {}),
            }
            for j in jumps
        ]
    if card_type == "news_notice":
        card["card_image"] = {"url": str(f["image_url"]), "aspect_ratio": float(f.get("aspect_ratio", 2.25))}
    if card_type == "button_interaction":
        card["task_id"] = str(f.get("task_id") or uuid.uuid4().hex)
        card["button_list"] = [
            {"text": str(b["title"]), "style": int(b.get("style", 1)), "key": str(b["key"])}
            for b in _items(f, "buttons")
        ]
    card["card_action"] = _card_action(f)
    return card


def _wecom(message: Message) -> Rendered:
    f = message.fields
    kind = message.msg_type
    if kind == "text":
        text: dict[str, Any] = {"content": message.content}
        mentioned = _strings(f, "mentioned_list") + (["@all"] if f.get("at_all") else [])
        mobiles = _strings(f, "mentioned_mobile_list") + _strings(f, "at_mobiles")
        if mentioned:
            text["mentioned_list"] = mentioned
        if mobiles:
            text["mentioned_mobile_list"] = mobiles
        return Rendered("text", {"msgtype": "text", "text": text})
    if kind == "image":
        data = base64.b64decode(str(f["image_base64"]))
        image = {"base64": str(f["image_base64"]), "md5": hashlib.md5(data).hexdigest()}  # noqa: S324 - the API's checksum
        return Rendered(
            "image", {"msgtype": "image", "image": image}, media=Media("image", "image.png", data)
        )
    if kind == "file":
        media = Media("file", str(f["file_name"]), file_bytes(message))
        return Rendered("file", {"msgtype": "file", "file": {}}, media=media)
    if kind in ("news", "feedCard", "link"):
        if kind == "news":
            articles = [
                {k: str(a[k]) for k in ("title", "description", "url", "picurl") if a.get(k)}
                for a in f["articles"]
            ]
        elif kind == "feedCard":
            articles = [
                {
                    "title": str(x["title"]),
                    "url": str(x["url"]),
                    **({"picurl": str(x["pic_url"])} if x.get("pic_url") else {}),
                }
                for x in f["links"][:NEWS_LIMIT]
            ]
        else:
            articles = [
                {
                    "title": message.title,
                    "description": message.content,
                    "url": str(f["url"]),
                    **({"picurl": str(f["pic_url"])} if f.get("pic_url") else {}),
                }
            ]
        return Rendered(
            "news", {"msgtype": "news", "news": {"articles": articles}}, None if kind == "news" else kind
        )
    if kind == "template_card":
        return Rendered("template_card", {"msgtype": "template_card", "template_card": _template_card(f)})
    payload = {"msgtype": "markdown", "markdown": {"content": as_markdown(message)}}
    return Rendered("markdown", payload, None if kind == "markdown" else kind)


_RENDERERS: dict[Target, Callable[[Message], Rendered]] = {"dingtalk": _dingtalk, "wecom": _wecom}


def render(message: Message, target: Target) -> Rendered:
    """The payload of `message` for a DingTalk robot or a WeCom robot/application."""
    return _RENDERERS[target](message)
