"""`script_deps` lines: plain PEP 508 requirements pass in canonical form; anything else is refused."""

from __future__ import annotations

import pytest

from vwed.config import Settings
from vwed.sdk.deps import ScriptDepsNotAllowed, ScriptDepsRefused, check_deps_allowed, parse_script_deps


def test_plain_requirements_with_extras_specifiers_and_markers_pass() -> None:
    text = (
        "# comment\nrequests>=2.31,<3\n\nhttpx[http2]==0.28.1  # pinned\n"
        "zope.interface; python_version >= '3.8'\n"
    )
    assert parse_script_deps(text) == [
        "requests<3,>=2.31",
        "httpx[http2]==0.28.1",
        'zope.interface; python_version >= "3.8"',
    ]


@pytest.mark.parametrize(
    "line",
    [
        "-r /proc/1/environ",
        "-r/etc/shadow",
        "--requirement=/data/secret.key",
        "-c constraints.txt",
        "-e git+https://example.com/x.git#egg=x",
        "-f http://127.0.0.1:9/",
        "--find-links http://127.0.0.1:9/",
        "--index-url http://127.0.0.1:9/simple",
        "--extra-index-url=http://127.0.0.1:9/simple",
        "-i http://127.0.0.1:9/simple",
        "--trusted-host 127.0.0.1",
        "--pre",
        "-Z",
        "requests \\",
        "${HOME}/pkg.whl",
        "pkg==${VERSION}",
        "pkg @ http://127.0.0.1:9/pkg.tar.gz",
        "pkg @ file:///etc/passwd",
        "pkg@https://example.com/p.whl",
        "git+https://example.com/x.git",
        "./local/pkg",
        "/abs/path/pkg-1.0-py3-none-any.whl",
        "pkg-1.0-py3-none-any.whl",
        "pkg.tar.gz",
        "pkg==1.0 --hash=sha256:0123",
        "pkg --install-option=--prefix=/",
        "a b",
        "－r /etc/passwd",
        "requests\u2028-r /etc/passwd",
        "pkg\x00",
        "x" * 201,
    ],
)
def test_options_urls_paths_and_tricks_are_refused_naming_the_line(line: str) -> None:
    with pytest.raises(ScriptDepsRefused) as caught:
        parse_script_deps(f"requests\n{line}\n")
    assert caught.value.params["line"] == 2 or "\u2028" in line


def test_too_many_requirements_are_refused() -> None:
    with pytest.raises(ScriptDepsRefused):
        parse_script_deps("\n".join(f"pkg{i}" for i in range(51)))


def test_operators_turn_deps_off_entirely_or_per_tenant(tmp_path: object) -> None:
    off = Settings(deps_enabled=False)
    with pytest.raises(ScriptDepsNotAllowed):
        check_deps_allowed(off, None, "requests")
    assert check_deps_allowed(off, "tenant-a", "# nothing\n") == []
    some = Settings(deps_allowed_tenants="tenant-a")
    assert check_deps_allowed(some, "tenant-a", "requests") == ["requests"]
    assert check_deps_allowed(some, None, "requests") == ["requests"]
    with pytest.raises(ScriptDepsNotAllowed):
        check_deps_allowed(some, "tenant-b", "requests")
    with pytest.raises(ScriptDepsNotAllowed):
        check_deps_allowed(Settings(deps_allowed_tenants=""), "tenant-a", "requests")


def test_the_old_index_setting_still_works_and_the_new_one_wins() -> None:
    assert Settings().deps_index == "https://pypi.org/simple"
    assert Settings(task_deps_index_url="http://old/simple").deps_index == "http://old/simple"
    both = Settings(task_deps_index_url="http://old/simple", deps_index_url="http://new/simple")
    assert both.deps_index == "http://new/simple"
