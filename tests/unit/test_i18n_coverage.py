"""Every user-facing text goes through `vwed.i18n`: no Chinese string literal elsewhere in the source,
except in the files named below (docstrings and comments may show Chinese examples)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vwed.i18n import MESSAGES, translate

SRC = Path(__file__).resolve().parents[2] / "src" / "vwed"
CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ALLOWED = {
    # The SDK reference is a document in both languages, shown as such.
    "sdk/docs.py",
    # The Chinese reading of cron expressions builds sentences from this vocabulary by grammar; the
    # English one comes from cronsim.
    "scheduler/schedule.py",
}
# Single literals a file must keep, with the reason.
ALLOWED_LITERALS = {
    # Seed 004 writes the signature `dingtalk(webhook_url, content, title='通知')`, and the SDK
    # reference shows it as written (`vwed.sdk.docs.signature_of` prints the default's repr).
    ("runtime/child/sdk.py", "通知"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def hard_coded(path: Path, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Chinese string literals in `path` that are not docstrings nor `allowed`, as `line: text`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        f"{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and node.value not in allowed
        and CJK.search(node.value)
    ]


def allowed_in(name: str) -> frozenset[str]:
    """The literals `ALLOWED_LITERALS` lets file `name` keep."""
    return frozenset(literal for file, literal in ALLOWED_LITERALS if file == name)


def test_no_chinese_string_literal_outside_i18n_but_the_allow_list() -> None:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name == "i18n.py" or name in ALLOWED:
            continue
        hits = hard_coded(path, allowed_in(name))
        if hits:
            found[name] = hits
    assert found == {}, "move these into vwed/i18n.py:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_allow_list_names_only_files_that_need_it() -> None:
    for name in ALLOWED:
        assert hard_coded(SRC / name), f"{name} has no Chinese literal any more: drop it from ALLOWED"
    for name, literal in ALLOWED_LITERALS:
        assert f"{literal!r}" in " ".join(hard_coded(SRC / name)), f"{name} no longer has {literal!r}"


def test_the_scan_finds_a_literal_and_ignores_docstrings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""模块说明"""\n\ndef f():\n    """函数说明"""\n    return "硬编码"\n', encoding="utf-8"
    )
    assert hard_coded(sample) == ["5: '硬编码'"]


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_and_the_same_placeholders(key: str) -> None:
    zh, en = MESSAGES[key]
    assert zh
    assert en
    fields = re.compile(r"\{(\w+)")
    assert set(fields.findall(zh)) == set(fields.findall(en)), key
    assert not CJK.search(en), key
    assert translate(key, "en") == en or "{" in en
