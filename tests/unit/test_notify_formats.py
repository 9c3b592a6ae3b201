"""The seed's `result` dicts become each robot's payload; unsupported formats are converted and named."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from tests.fakes.dingtalk import schema_error
from tests.fakes.results import DINGTALK_EXPECTED, PNG, SEED_RESULTS, WECOM_EXPECTED
from vwed.notify.formats import InvalidResult, as_markdown, parse_result, render


@pytest.mark.parametrize("name", sorted(SEED_RESULTS))
def test_each_seed_result_renders_for_dingtalk_with_a_valid_schema(name: str) -> None:
    rendered = render(parse_result(SEED_RESULTS[name]), "dingtalk")
    assert (rendered.msg_type, rendered.converted_from) == DINGTALK_EXPECTED[name]
    assert schema_error(rendered.payload) is None


@pytest.mark.parametrize("name", sorted(SEED_RESULTS))
def test_each_seed_result_renders_for_wecom_as_expected(name: str) -> None:
    rendered = render(parse_result(SEED_RESULTS[name]), "wecom")
    assert (rendered.msg_type, rendered.converted_from) == WECOM_EXPECTED[name]
    assert rendered.payload["msgtype"] == rendered.msg_type


def test_default_result_is_markdown_with_the_title_as_heading() -> None:
    payload = render(parse_result({"content": "正文", "title": "每日推送"}), "dingtalk").payload
    assert payload["markdown"] == {"title": "每日推送", "text": "### 每日推送\n\n正文"}
    wecom = render(parse_result({"content": "正文", "title": "每日推送"}), "wecom").payload
    assert wecom == {"msgtype": "markdown", "markdown": {"content": "### 每日推送\n\n正文"}}


def test_action_card_with_several_buttons_keeps_their_orientation() -> None:
    card = render(parse_result(SEED_RESULTS["actionCard"]), "dingtalk").payload["actionCard"]
    assert card["btnOrientation"] == "1"
    assert card["btns"] == [
        {"title": "按钮1", "actionURL": "https://example.com/1"},
        {"title": "按钮2", "actionURL": "https://example.com/2"},
    ]


def test_action_card_with_one_button_uses_the_single_button_form() -> None:
    card = render(parse_result(SEED_RESULTS["actionCard_single"]), "dingtalk").payload["actionCard"]
    assert (card["singleTitle"], card["singleURL"]) == ("查看详情", "https://example.com/report")
    assert "btns" not in card


def test_action_card_on_wecom_becomes_markdown_with_links() -> None:
    content = render(parse_result(SEED_RESULTS["actionCard"]), "wecom").payload["markdown"]["content"]
    assert content.startswith("### 卡片标题")
    assert "[按钮1](https://example.com/1)" in content
    assert "[按钮2](https://example.com/2)" in content


def test_text_mentions_map_to_each_robot() -> None:
    result = {"msg_type": "text", "content": "hi", "at_mobiles": ["13800001111"], "at_all": True}
    ding = render(parse_result(result), "dingtalk").payload
    assert ding["at"] == {"atMobiles": ["13800001111"], "atUserIds": [], "isAtAll": True}
    wecom = render(parse_result(result), "wecom").payload["text"]
    assert wecom == {"content": "hi", "mentioned_list": ["@all"], "mentioned_mobile_list": ["13800001111"]}


def test_template_card_text_notice_has_the_required_card_action() -> None:
    card = render(parse_result(SEED_RESULTS["text_notice"]), "wecom").payload["template_card"]
    assert card["card_type"] == "text_notice"
    assert card["main_title"] == {"title": "卡片标题"}
    assert card["sub_title_text"] == "卡片内容"
    assert card["horizontal_content_list"] == [
        {"keyname": "申请人", "value": "张三"},
        {"keyname": "金额", "value": "¥5,000"},
    ]
    assert card["jump_list"] == [{"type": 1, "title": "查看详情", "url": "https://example.com/detail"}]
    assert card["card_action"] == {"type": 1, "url": "https://example.com/detail"}


def test_image_carries_base64_and_md5() -> None:
    image = render(parse_result(SEED_RESULTS["image"]), "wecom").payload["image"]
    assert image == {"base64": base64.b64encode(PNG).decode(), "md5": hashlib.md5(PNG).hexdigest()}


def test_file_content_becomes_the_media_to_upload() -> None:
    rendered = render(parse_result(SEED_RESULTS["file"]), "wecom")
    assert rendered.media is not None
    assert (rendered.media.kind, rendered.media.filename) == ("file", "report.csv")
    assert rendered.media.data == SEED_RESULTS["file"]["content"].encode()


def test_feed_card_on_wecom_becomes_news_articles() -> None:
    articles = render(parse_result(SEED_RESULTS["feedCard"]), "wecom").payload["news"]["articles"]
    assert articles == [
        {"title": "标题1", "url": "https://example.com/a", "picurl": "https://example.com/a.png"},
        {"title": "标题2", "url": "https://example.com/b", "picurl": "https://example.com/b.png"},
    ]


def test_markdown_rendering_of_a_card_keeps_its_rows_and_links() -> None:
    text = as_markdown(parse_result(SEED_RESULTS["text_notice"]))
    assert "**申请人**: 张三" in text
    assert "[查看详情](https://example.com/detail)" in text


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ("not a dict", "result"),
        ({"title": "只有标题"}, "content"),
        ({"msg_type": "poem", "content": "x"}, "msg_type"),
        (
            {"msg_type": "actionCard", "title": "t", "content": "c", "buttons": [{"title": "b"}]},
            "buttons[0].url",
        ),
        ({"msg_type": "actionCard", "title": "t", "content": "c", "btn_orientation": "2"}, "btn_orientation"),
        ({"msg_type": "feedCard", "links": []}, "links"),
        ({"msg_type": "link", "title": "t", "content": "c"}, "url"),
        ({"msg_type": "news", "articles": [{"title": "t", "url": "u"}] * 9}, "articles"),
        ({"msg_type": "template_card", "card_type": "vote", "title": "t"}, "card_type"),
        ({"msg_type": "template_card", "card_type": "news_notice", "title": "t"}, "image_url"),
        ({"msg_type": "template_card", "card_type": "button_interaction", "title": "t"}, "buttons"),
        ({"msg_type": "image", "image_base64": "***"}, "image_base64"),
        ({"msg_type": "file", "content": "x"}, "file_name"),
        ({"content": "x", "at_mobiles": "13800001111"}, "at_mobiles"),
    ],
)
def test_invalid_result_names_the_field(result: Any, field: str) -> None:
    with pytest.raises(InvalidResult) as error:
        parse_result(result)
    assert error.value.params["field"] == field


def test_image_over_two_megabytes_is_refused() -> None:
    big = base64.b64encode(b"x" * (2 * 1024 * 1024 + 1)).decode()
    with pytest.raises(InvalidResult) as error:
        parse_result({"msg_type": "image", "image_base64": big})
    assert error.value.params["field"] == "image_base64"


CARD = {
    "msg_type": "template_card",
    "card_type": "text_notice",
    "title": "t",
    "jump_list": [{"title": "j", "url": "https://example.com/j"}],
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"card_type": "news_notice", "image_url": "https://x/p.png", "aspect_ratio": "wide"},
            "aspect_ratio",
        ),
        ({"card_type": "news_notice", "image_url": "https://x/p.png", "aspect_ratio": 1.2}, "aspect_ratio"),
        ({"card_type": "news_notice", "image_url": "https://x/p.png", "aspect_ratio": 2.3}, "aspect_ratio"),
        ({"jump_list": [{"type": "link", "title": "j", "url": "u"}]}, "jump_list[0].type"),
        ({"jump_list": [{"type": 1, "title": "j"}]}, "jump_list[0]"),
        ({"jump_list": [{"type": 2, "title": "j"}]}, "jump_list[0]"),
        ({"jump_list": [{"title": "j"}]}, "jump_list[0]"),
        ({"jump_list": [{"title": "j", "url": "u"}] * 4}, "jump_list"),
        ({"horizontal_list": [{"keyname": "k"}] * 7}, "horizontal_list"),
        (
            {"card_type": "button_interaction", "buttons": [{"title": "b", "key": "k", "style": 5}]},
            "buttons[0].style",
        ),
        (
            {"card_type": "button_interaction", "buttons": [{"title": "b", "key": "k", "style": "x"}]},
            "buttons[0].style",
        ),
        ({"jump_list": []}, "url"),
    ],
)
def test_wecom_template_cards_follow_the_published_schema(change: dict[str, Any], field: str) -> None:
    message = parse_result({**CARD, **change})
    with pytest.raises(InvalidResult) as error:
        render(message, "wecom")
    assert error.value.field == field
    # DingTalk shows the same card converted, and does not care about WeCom's fields
    render(message, "dingtalk")


def test_card_action_is_a_url_or_an_appid_never_type_0() -> None:
    by_url = render(parse_result(CARD), "wecom").payload["template_card"]
    assert by_url["card_action"] == {"type": 1, "url": "https://example.com/j"}
    mini = {**CARD, "jump_list": [{"title": "小程序", "appid": "wx123", "pagepath": "pages/a"}]}
    card = render(parse_result(mini), "wecom").payload["template_card"]
    assert card["jump_list"] == [{"type": 2, "title": "小程序", "appid": "wx123", "pagepath": "pages/a"}]
    assert card["card_action"] == {"type": 2, "appid": "wx123", "pagepath": "pages/a"}
    buttons = {
        **CARD,
        "card_type": "button_interaction",
        "jump_list": [],
        "buttons": [{"title": "b", "key": "k"}],
    }
    assert "card_action" not in render(parse_result(buttons), "wecom").payload["template_card"]


def test_dingtalk_link_without_a_picture_omits_pic_url() -> None:
    link = {"msg_type": "link", "title": "t", "content": "c", "url": "https://example.com"}
    payload = render(parse_result(link), "dingtalk").payload
    assert "picUrl" not in payload["link"]
    assert schema_error(payload) is None


def test_news_without_pictures_reaches_dingtalk_as_markdown() -> None:
    news = {"msg_type": "news", "articles": [{"title": "a", "url": "https://example.com/a"}]}
    rendered = render(parse_result(news), "dingtalk")
    assert (rendered.msg_type, rendered.converted_from) == ("markdown", "news")
