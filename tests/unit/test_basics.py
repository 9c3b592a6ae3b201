"""Pure functions of the foundation: language negotiation, database URLs, boot detection, syntax checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from vwed.config import Settings, async_database_url
from vwed.i18n import negotiate, translate
from vwed.projects.syntax import check_syntax, has_boot_function


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,en;q=0.8", "zh"),
        ("fr, en;q=0.5", "en"),
        ("fr", "zh"),
        ("*", "zh"),
    ],
)
def test_language_is_chinese_unless_english_comes_first(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_messages_render_with_parameters_in_both_languages() -> None:
    assert translate("project_created", "zh", name="测试项目") == "项目 测试项目 创建成功"
    assert translate("project_created", "en", name="demo") == "Project demo created"
    assert translate("no-such-key") == "no-such-key"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("mysql://root@127.0.0.1:3306/test", "mysql+aiomysql://root@127.0.0.1:3306/test"),
        ("mariadb://root@h/db", "mysql+aiomysql://root@h/db"),
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_urls_get_the_async_driver(url: str, expected: str) -> None:
    assert async_database_url(url) == expected


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path}/vwed.db"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def boot():\n    pass\n", True),
        ("async def boot(params):\n    pass\n", True),
        ("class A:\n    def boot(self):\n        pass\n", False),
        ("def outer():\n    def boot():\n        pass\n", False),
        ("boot = lambda: None\n", False),
        ("def boot(:\n", False),
        ("", False),
    ],
)
def test_boot_function_is_a_module_level_def(source: str, expected: bool) -> None:
    assert has_boot_function(source) is expected


def test_syntax_check_reports_line_and_offset_without_running_code() -> None:
    assert check_syntax("import os\nos._exit(3)\n").valid
    report = check_syntax("x = 1\ny = (\n")
    assert (report.valid, report.line, report.message) == (False, 2, "'(' was never closed")
    nul = check_syntax("x = 1\x00")
    assert not nul.valid
