"""The seed's `result` dict, checked, and turned into the message body each kind of target understands.

`parse_result` checks what every target needs of a `result` and makes it a `Message`; `render` turns it
into a DingTalk robot, WeCom robot or WeCom application payload, checking what that vendor's published
schema asks of the fields it uses (typed models below: a WeCom template card's links, rows, buttons and
image ratio; a DingTalk feedCard's pictures). So a field only one vendor cares about fails only that
vendor's channels. A format a target cannot show is converted to the closest one it can, and
`Rendered.converted_from` names the original so the run log can say so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from vwed.errors import FieldProblem, InvalidFields
from vwed.i18n import Text, field_path, field_text, translate

ChannelType = Literal["dingtalk_bot", "wecom_bot", "wecom_app", "apprise", "webhook"]
Target = Literal["dingtalk", "wecom", "wecom_app"]

IMAGE_LIMIT = 2 * 1024 * 1024
FILE_LIMIT = 20 * 1024 * 1024
NEWS_LIMIT = 8
CARD_TYPES = ("text_notice", "news_notice", "button_interaction")
# Cards a tap opens, which WeCom requires a `card_action` (a link) of.
LINKED_CARD_TYPES = ("text_notice", "news_notice")

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


class InvalidResult(InvalidFields):
    """The `result` dict does not describe a message (for a target); the error names the field."""

    default_key = "notify_invalid_result"

    def __init__(self, field: str, reason: Text) -> None:
        problem = FieldProblem(f"result.{field}" if field != "result" else field, reason.key, reason.params)
        super().__init__([problem], field=field, reason=reason)
        self.field = field
        self.reason = reason

    @classmethod
    def of(cls, error: ValidationError) -> InvalidResult:
        """The first problem pydantic found in a typed model of the result."""
        first = error.errors()[0]
        return cls(field_path(first["loc"], root="result"), field_text(first))


@dataclass(frozen=True)
class Message:
    """A validated `result`: its canonical `msg_type` and its fields as given."""

    msg_type: str
    fields: Mapping[str, Any]

    @property
    def title(self) -> str:
        """The title, or the default one."""
        return str(self.fields.get("title") or translate("notify_default_title"))

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


def _fail(name: str, key: str, **params: Any) -> InvalidResult:
    return InvalidResult(name, Text(key, params))


def _text(fields: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise _fail(name, "field_required")
        return None
    if not isinstance(value, str | int | float):
        raise _fail(name, "field_string")
    return str(value)


def _items(fields: Mapping[str, Any], name: str, *, required: bool = True) -> list[Mapping[str, Any]]:
    value = fields.get(name)
    if value is None or value == []:
        if required:
            raise _fail(name, "field_too_few", min_length=1)
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise _fail(name, "result_object_list")
    return value


def _check_items(fields: Mapping[str, Any], name: str, keys: tuple[str, ...], required: bool = True) -> None:
    for index, item in enumerate(_items(fields, name, required=required)):
        for key in keys:
            if item.get(key) in (None, ""):
                raise _fail(f"{name}[{index}].{key}", "field_required")
            _text(item, key)


def _strings(fields: Mapping[str, Any], name: str) -> list[str]:
    value = fields.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise _fail(name, "result_string_list")
    return [str(v) for v in value]


def _decoded(fields: Mapping[str, Any], name: str, limit: int) -> bytes:
    raw = _text(fields, name)
    try:
        data = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _fail(name, "result_not_base64") from exc
    if not data:
        raise _fail(name, "result_empty")
    if len(data) > limit:
        raise _fail(name, "result_too_big", limit=limit)
    return data


def _check_template_card(fields: Mapping[str, Any]) -> None:
    card_type = fields.get("card_type", "text_notice")
    if card_type not in CARD_TYPES:
        raise _fail("card_type", "field_choice", expected=" / ".join(CARD_TYPES))
    _text(fields, "title")
    _check_items(fields, "horizontal_list", ("keyname",), required=False)
    _check_items(fields, "jump_list", ("title",), required=False)
    if card_type == "news_notice":
        _text(fields, "image_url")
    if card_type == "button_interaction":
        _check_items(fields, "buttons", ("title", "key"))


# -- WeCom's template card, as its published schema defines it (robot: `template_card`; application:
#    `message/send` with `msgtype: template_card`) ----------------------------------------------------

CardText = Annotated[str, Field(min_length=1)]
M = TypeVar("M", bound=BaseModel)


class _CardPart(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class CardRow(_CardPart):
    """A `horizontal_content_list` row: key and value, a link when it has a url (type 1)."""

    keyname: CardText
    value: str = ""
    url: str | None = None


class CardJump(_CardPart):
    """A `jump_list` item: type 1 opens `url`, type 2 opens the mini program `appid` (at `pagepath`).

    Without a type, a url makes it 1 and an appid 2; anything else names no destination.
    """

    title: CardText
    type: Literal[1, 2] | None = None
    url: str | None = None
    appid: str | None = None
    pagepath: str | None = None

    @model_validator(mode="after")
    def _destination(self) -> Self:
        if self.type is None:
            self.type = 1 if self.url else 2 if self.appid else None
        if self.type is None:
            raise PydanticCustomError("result_jump_type", "result_jump_type")
        if self.type == 1 and not self.url:
            raise PydanticCustomError("result_jump_url", "result_jump_url")
        if self.type == 2 and not self.appid:
            raise PydanticCustomError("result_jump_appid", "result_jump_appid")
        return self

    def payload(self) -> dict[str, Any]:
        """The item as WeCom takes it."""
        link = {"url": self.url} if self.type == 1 else {"appid": self.appid, "pagepath": self.pagepath}
        return {"type": self.type, "title": self.title, **{k: v for k, v in link.items() if v}}


class CardButton(_CardPart):
    """A `button_list` item of a `button_interaction` card: text, callback key, style 1-4."""

    title: CardText
    key: Annotated[str, Field(min_length=1, max_length=1024)]
    style: Annotated[int, Field(ge=1, le=4)] = 1


class CardAction(_CardPart):
    """Where a tap on the card leads (`card_action`): the same rules as a jump item."""

    type: Literal[1, 2] | None = None
    url: str | None = None
    appid: str | None = None
    pagepath: str | None = None


class WecomCard(_CardPart):
    """What a WeCom template card takes from the seed's flat `result` fields (`msg_type: template_card`).

    Limits per WeCom: at most 6 rows, 3 jump links and 6 buttons; an image ratio of 1.3 to 2.25;
    `text_notice` and `news_notice` need a `card_action` (from `url`, `card_action` or the first link).
    """

    card_type: Literal["text_notice", "news_notice", "button_interaction"] = "text_notice"
    title: CardText
    content: str | None = None
    source: str | None = None
    horizontal_list: Annotated[list[CardRow], Field(max_length=6)] = []
    jump_list: Annotated[list[CardJump], Field(max_length=3)] = []
    image_url: str | None = None
    aspect_ratio: Annotated[float, Field(ge=1.3, le=2.25)] = 1.3
    buttons: Annotated[list[CardButton], Field(max_length=6)] = []
    url: str | None = None
    card_action: CardAction | None = None
    task_id: Annotated[str | None, Field(max_length=128, pattern=r"^[A-Za-z0-9_@-]+$")] = None

    def action(self) -> dict[str, Any] | None:
        """The `card_action`: the one given, else `url`, else the first jump link; None if none."""
        given = self.card_action
        if given is not None and (given.url or given.appid):
            jump = CardJump(
                title="-", type=given.type, url=given.url, appid=given.appid, pagepath=given.pagepath
            )
            return {k: v for k, v in jump.payload().items() if k != "title"}
        if self.url:
            return {"type": 1, "url": self.url}
        if self.jump_list:
            return {k: v for k, v in self.jump_list[0].payload().items() if k != "title"}
        return None


class FeedLink(_CardPart):
    """A DingTalk feedCard link: title, target URL and picture are all required."""

    title: CardText
    url: CardText
    pic_url: Annotated[str, Field(min_length=1)]


class DingtalkFeed(_CardPart):
    """A `feedCard` result as DingTalk's schema takes it."""

    links: Annotated[list[FeedLink], Field(min_length=1)]


def typed(model: type[M], fields: Mapping[str, Any]) -> M:
    """`fields` as `model`, or `InvalidResult` naming the first field it refuses."""
    try:
        return model.model_validate(dict(fields))
    except ValidationError as exc:
        problem = exc.errors()[0]
        if problem["loc"][-1:] == ("pic_url",):
            raise _fail(field_path(problem["loc"], root="result"), "result_feed_pic") from None
        raise InvalidResult.of(exc) from None


def parse_result(result: Any) -> Message:
    """Check a task's `result` dict and return it as a `Message`.

    Raises:
        InvalidResult: naming the first field that is missing or malformed.
    """
    if not isinstance(result, Mapping):
        raise _fail("result", "task_result_not_dict", kind=type(result).__name__)
    raw_type = result.get("msg_type") or "markdown"
    msg_type = _ALIASES.get(str(raw_type).lower())
    if msg_type is None:
        raise _fail("msg_type", "result_msg_type", value=raw_type)
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
            raise _fail("btn_orientation", "field_choice", expected="'0' / '1'")
    elif msg_type == "feedCard":
        _check_items(result, "links", ("title", "url"))
    elif msg_type == "link":
        for name in ("title", "content", "url"):
            _text(result, name)
    elif msg_type == "news":
        _check_items(result, "articles", ("title", "url"))
        if len(result["articles"]) > NEWS_LIMIT:
            raise _fail("articles", "field_too_many", max_length=NEWS_LIMIT)
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
        placeholder = translate("notify_image_placeholder")
        return with_heading(
            message.title, (message.content + "\n\n" if message.content else "") + placeholder
        )
    if kind == "file":
        body = translate("notify_file_label", name=f["file_name"])
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
        link = {"title": message.title, "text": message.content, "messageUrl": f["url"]}
        if f.get("pic_url"):
            link["picUrl"] = str(f["pic_url"])
        return Rendered("link", {"msgtype": "link", "link": link})
    if kind == "feedCard":
        feed = typed(DingtalkFeed, f)
        links = [{"title": x.title, "messageURL": x.url, "picURL": x.pic_url} for x in feed.links]
        return Rendered("feedCard", {"msgtype": "feedCard", "feedCard": {"links": links}})
    if kind == "news" and all(a.get("picurl") for a in f["articles"]):
        links = [
            {"title": str(a["title"]), "messageURL": str(a["url"]), "picURL": str(a["picurl"])}
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


def _template_card(f: Mapping[str, Any]) -> dict[str, Any]:
    spec = typed(WecomCard, f)
    card: dict[str, Any] = {"card_type": spec.card_type, "main_title": {"title": spec.title}}
    if spec.content:
        if spec.card_type == "text_notice":
            card["sub_title_text"] = spec.content
        else:
            card["main_title"]["desc"] = spec.content
    if spec.source:
        card["source"] = {"desc": spec.source}
    if spec.horizontal_list:
        card["horizontal_content_list"] = [
            {"keyname": row.keyname, "value": row.value, **({"type": 1, "url": row.url} if row.url else {})}
            for row in spec.horizontal_list
        ]
    if spec.jump_list:
        card["jump_list"] = [jump.payload() for jump in spec.jump_list]
    if spec.card_type == "news_notice":
        card["card_image"] = {"url": str(f["image_url"]), "aspect_ratio": spec.aspect_ratio}
    if spec.card_type == "button_interaction":
        card["task_id"] = spec.task_id or uuid.uuid4().hex
        card["button_list"] = [{"text": b.title, "style": b.style, "key": b.key} for b in spec.buttons]
    action = spec.action()
    if action is not None:
        card["card_action"] = action
    elif spec.card_type in LINKED_CARD_TYPES:
        raise _fail("url", "result_card_link")
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


_RENDERERS: dict[Target, Callable[[Message], Rendered]] = {
    "dingtalk": _dingtalk,
    "wecom": _wecom,
    "wecom_app": _wecom,
}


def render(message: Message, target: Target) -> Rendered:
    """The payload of `message` for a DingTalk robot, a WeCom robot or a WeCom application.

    Raises:
        InvalidResult: a field this target's schema refuses.
    """
    return _RENDERERS[target](message)
