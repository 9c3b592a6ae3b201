"""The seed's `result` examples (004, "消息格式"), plus the formats the robots document beyond them."""

from __future__ import annotations

import base64
from typing import Any

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

SEED_RESULTS: dict[str, dict[str, Any]] = {
    "markdown": {"content": "**生成时间**: 2026-11-26 08:00:00\n\n今日一切正常", "title": "每日推送"},
    "actionCard": {
        "msg_type": "actionCard",
        "title": "卡片标题",
        "content": "### 正文内容\n| 列1 | 列2 |\n|:---:|:---:|\n| A | B |\n",
        "btn_orientation": "1",
        "buttons": [
            {"title": "按钮1", "url": "https://example.com/1"},
            {"title": "按钮2", "url": "https://example.com/2"},
        ],
    },
    "actionCard_single": {
        "msg_type": "actionCard",
        "title": "销售日报 | 2026年11月26日",
        "content": "### 今日业绩\n| 指标 | 数值 |\n|:---:|:---:|\n| 销售额 | **¥88,000** |\n> 点击查看详情\n",
        "buttons": [{"title": "查看详情", "url": "https://example.com/report"}],
    },
    "feedCard": {
        "msg_type": "feedCard",
        "links": [
            {"title": "标题1", "url": "https://example.com/a", "pic_url": "https://example.com/a.png"},
            {"title": "标题2", "url": "https://example.com/b", "pic_url": "https://example.com/b.png"},
        ],
    },
    "link": {
        "msg_type": "link",
        "title": "链接标题",
        "content": "链接描述",
        "url": "https://example.com/link",
        "pic_url": "https://example.com/link.png",
    },
    "news": {
        "msg_type": "news",
        "articles": [
            {
                "title": "文章标题",
                "description": "文章描述",
                "url": "https://example.com/article",
                "picurl": "https://example.com/article.png",
            }
        ],
    },
    "text_notice": {
        "msg_type": "template_card",
        "card_type": "text_notice",
        "title": "卡片标题",
        "content": "卡片内容",
        "horizontal_list": [{"keyname": "申请人", "value": "张三"}, {"keyname": "金额", "value": "¥5,000"}],
        "jump_list": [{"type": 1, "title": "查看详情", "url": "https://example.com/detail"}],
    },
    "news_notice": {
        "msg_type": "template_card",
        "card_type": "news_notice",
        "title": "新品上架",
        "content": "本周新品一览",
        "image_url": "https://example.com/banner.png",
        "jump_list": [{"type": 1, "title": "去看看", "url": "https://example.com/new"}],
    },
    "button_interaction": {
        "msg_type": "template_card",
        "card_type": "button_interaction",
        "title": "报销审批",
        "content": "张三提交了报销申请",
        "horizontal_list": [{"keyname": "金额", "value": "¥5,000"}],
        "buttons": [
            {"title": "同意", "key": "approve", "style": 1},
            {"title": "驳回", "key": "reject", "style": 2},
        ],
    },
    "text": {
        "msg_type": "text",
        "content": "服务器 CPU 超过 90%",
        "at_mobiles": ["13800001111"],
        "at_all": False,
    },
    "image": {"msg_type": "image", "title": "趋势图", "image_base64": base64.b64encode(PNG).decode()},
    "file": {"msg_type": "file", "file_name": "report.csv", "content": "日期,销售额\n2026-11-26,88000\n"},
}

# msg_type each robot receives, and the seed format it was converted from (None: shown as is).
DINGTALK_EXPECTED = {
    "markdown": ("markdown", None),
    "actionCard": ("actionCard", None),
    "actionCard_single": ("actionCard", None),
    "feedCard": ("feedCard", None),
    "link": ("link", None),
    "news": ("feedCard", "news"),
    "text_notice": ("actionCard", "template_card"),
    "news_notice": ("actionCard", "template_card"),
    "button_interaction": ("markdown", "template_card"),
    "text": ("text", None),
    "image": ("markdown", "image"),
    "file": ("markdown", "file"),
}
WECOM_EXPECTED = {
    "markdown": ("markdown", None),
    "actionCard": ("markdown", "actionCard"),
    "actionCard_single": ("markdown", "actionCard"),
    "feedCard": ("news", "feedCard"),
    "link": ("news", "link"),
    "news": ("news", None),
    "text_notice": ("template_card", None),
    "news_notice": ("template_card", None),
    "button_interaction": ("template_card", None),
    "text": ("text", None),
    "image": ("image", None),
    "file": ("file", None),
}
