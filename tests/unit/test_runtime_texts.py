"""Texts of the children: keys with parameters that the host renders; templates the host sends them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vwed.i18n import MESSAGES, Text, rendered, translate
from vwed.runtime.child.wire import Texts, text
from vwed.runtime.texts import CHILD_PREFIXES, MAX_CHARS, MAX_NESTING, child_line, child_templates, from_child

CHILD = Path(__file__).resolve().parents[2] / "src" / "vwed" / "runtime" / "child"
FIELDS = re.compile(r"\{(\w+)")


def keys_used_by_the_children() -> dict[str, set[str]]:
    """Every `text("key", name=...)` call in the child package: key -> the parameter names it passes."""
    used: dict[str, set[str]] = {}
    for path in CHILD.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "text":
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path.name}:{node.lineno}: a key must be a literal"
                used.setdefault(str(first.value), set()).update(k.arg for k in node.keywords if k.arg)
    return used


def test_every_key_a_child_sends_is_a_child_message_with_the_parameters_it_names() -> None:
    used = keys_used_by_the_children()
    assert len(used) >= 20
    for key, params in used.items():
        assert key.startswith(CHILD_PREFIXES), key
        assert key in MESSAGES, key
        zh, en = MESSAGES[key]
        assert set(FIELDS.findall(zh)) == params == set(FIELDS.findall(en)), key


def test_the_host_renders_a_childs_text_in_the_readers_language_nested_texts_included() -> None:
    sent = text("child_value_unsendable", reason=text("wire_too_deep", limit=250))
    shown = from_child(sent)
    assert shown == Text("child_value_unsendable", {"reason": Text("wire_too_deep", {"limit": 250})})
    assert rendered(shown) == "返回值无法发送: 嵌套超过 250 层"
    assert rendered(shown, "en") == "The return value cannot be sent: nested deeper than 250 levels"


@pytest.mark.parametrize(
    "raw",
    [
        {"key": "script_not_running", "params": {"script_id": "forged"}},
        {"key": "child_no_such_key", "params": {}},
        {"key": "child_boot_failed", "params": ["not", "a", "dict"]},
        {"key": "child_boot_failed", "params": {str(n): n for n in range(17)}},
        {"key": "child_boot_failed", "params": {"error": "x"}, "extra": 1},
        {"key": 5, "params": {}},
    ],
    ids=["host key", "unknown key", "params list", "too many params", "extra field", "key not text"],
)
def test_anything_but_a_child_key_with_bounded_parameters_is_shown_as_data(raw: object) -> None:
    shown = from_child(raw)
    assert isinstance(shown, str)
    assert shown == str(raw)[:MAX_CHARS]


def test_texts_from_a_child_nest_and_grow_only_so_far() -> None:
    deep: object = "bottom"
    for _ in range(10):
        deep = text("child_boot_failed", error=deep)
    shown = rendered(from_child(deep))
    assert shown.count("boot() 执行失败") == MAX_NESTING
    assert len(rendered(from_child(text("child_boot_failed", error="x" * 10**6)))) < MAX_CHARS + 100
    assert len(from_child("y" * 10**6)) == MAX_CHARS
    assert from_child(None) == ""


def test_a_log_line_keeps_the_scripts_own_words_whole_and_renders_the_runtimes() -> None:
    assert child_line("z" * 10_000) == "z" * 10_000
    assert child_line(text("child_timer_failed", name="tick", error="ValueError: x")) == (
        "定时任务 tick 执行失败: ValueError: x"
    )
    assert child_line(123) == "123"


def test_a_child_words_its_exceptions_like_the_host_with_the_templates_it_was_sent() -> None:
    templates = child_templates()
    assert set(templates) == {key for key in MESSAGES if key.startswith(CHILD_PREFIXES)}
    raised = text("child_sdk_args_unsendable", name="http", reason=text("wire_int_range"))
    assert Texts(templates).render(raised) == translate(
        "child_sdk_args_unsendable", name="http", reason=Text("wire_int_range")
    )
    assert Texts().render(text("child_http_method", method="'TRACE'")) == "child_http_method"
