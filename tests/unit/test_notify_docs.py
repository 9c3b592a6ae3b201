"""The `result` examples in docs/notifications are valid, cover every format, and render for their page."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.dingtalk import schema_error
from vwed.notify.formats import as_markdown, parse_result, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "notifications"
BLOCK = re.compile(r"```python\n(result = .*?)```", re.DOTALL)
WECOM_FORMATS = {
    "markdown",
    "text",
    "image",
    "news",
    "file",
    "text_notice",
    "news_notice",
    "button_interaction",
}
FORMATS = {
    "dingtalk_bot.md": {"markdown", "text", "link", "actionCard", "feedCard"},
    "wecom_bot.md": WECOM_FORMATS,
    "wecom_app.md": WECOM_FORMATS,
    "apprise.md": {"markdown", "text"},
}


def examples(page: str) -> list[dict[str, Any]]:
    found = []
    for block in BLOCK.findall((DOCS / page).read_text(encoding="utf-8")):
        value = ast.literal_eval(block.split("=", 1)[1].strip())
        assert isinstance(value, dict)
        found.append(value)
    return found


def format_name(result: dict[str, Any]) -> str:
    kind = result.get("msg_type", "markdown")
    return str(result.get("card_type", "text_notice")) if kind == "template_card" else str(kind)


@pytest.mark.parametrize("page", sorted(FORMATS))
def test_each_channel_page_has_an_example_of_every_format_it_shows(page: str) -> None:
    assert FORMATS[page] <= {format_name(r) for r in examples(page)}


@pytest.mark.parametrize("page", sorted(FORMATS))
def test_every_example_is_a_valid_result_for_its_channel(page: str) -> None:
    for result in examples(page):
        message = parse_result(result)
        if page == "dingtalk_bot.md":
            rendered = render(message, "dingtalk")
            assert rendered.converted_from is None
            assert schema_error(rendered.payload) is None
        elif page == "apprise.md":
            assert as_markdown(message)
        else:
            assert render(message, "wecom").converted_from is None
