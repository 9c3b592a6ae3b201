"""The SDK reference page is the generator's output, and every SDK function documents itself fully."""

from __future__ import annotations

from pathlib import Path

from vwed.runtime.child import sdk
from vwed.sdk.docs import entry_of, sdk_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tasks" / "sdk-reference.md"


def test_the_reference_page_is_generated_from_the_sdk_docstrings() -> None:
    assert PAGE.read_text() == sdk_markdown(), (
        "run: .venv/bin/python -m vwed.sdk.docs > docs/tasks/sdk-reference.md"
    )


def test_every_sdk_function_has_english_chinese_and_an_example() -> None:
    for fn in sdk.SDK_FUNCTIONS:
        entry = entry_of(fn)
        assert entry["description"], fn.__name__
        assert entry["description_en"], fn.__name__
        assert fn.__name__ in entry["example"], fn.__name__
