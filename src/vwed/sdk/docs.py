"""The SDK reference, generated from the docstrings of the functions a run gets (`runtime.task_child`).

Each docstring has an English summary, a `zh:` line and an `Example:` block; the same data feeds
`GET /api/scheduled-tasks/sdk-docs` and the Markdown page `docs/tasks/sdk-reference.md`.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

from vwed.runtime.service import PRELOADED, SDK_FUNCTIONS, SDK_VARIABLES

GROUPS = {
    "log": "log",
    "print": "log",
    "ai": "ai",
    "dingtalk": "notify",
    "wecom": "notify",
    "http_get": "http",
    "http_post": "http",
    "db_query": "db",
    "get_var": "vars",
    "set_var": "vars",
    "del_var": "vars",
    "get_param": "params",
    "get_params": "params",
    "get_tenants": "tenants",
    "get_tenant_config": "tenants",
    "get_all_tenant_configs": "tenants",
    "get_secret": "secrets",
}
RESULT_TYPES = ["markdown", "actionCard", "feedCard", "link", "news", "template_card"]
# The seed's descriptions of the run's variables (`SDK_VARIABLES`), in English and Chinese.
VARIABLES = {
    "task_id": ("The current task's id", "当前任务ID"),
    "tenant_id": ("The current tenant id (None for a global task)", "当前租户ID(可能为空)"),
    "trace_id": ("This run's trace id", "追踪ID"),
}


def signature_of(fn: Callable[..., Any]) -> str:
    """`name(arg, key=default)` without annotations, as the seed writes it."""
    parts = []
    for parameter in inspect.signature(fn).parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            parts.append(f"*{parameter.name}")
        elif parameter.default is parameter.empty:
            parts.append(parameter.name)
        else:
            parts.append(f"{parameter.name}={parameter.default!r}")
    return f"{fn.__name__}({', '.join(parts)})"


def entry_of(fn: Callable[..., Any]) -> dict[str, str]:
    """Name, signature, descriptions (zh and en) and example of one SDK function, from its docstring."""
    doc = inspect.getdoc(fn) or ""
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    zh = ""
    example: list[str] = []
    in_example = False
    for line in doc.splitlines():
        if line.startswith("zh:"):
            zh = line[3:].strip()
        elif line.strip() == "Example:":
            in_example = True
        elif in_example and line.strip():
            example.append(line.strip())
    return {
        "name": fn.__name__,
        "signature": signature_of(fn),
        "description": zh,
        "description_en": summary,
        "example": "\n".join(example),
    }


def sdk_docs() -> dict[str, Any]:
    """The whole reference: functions by group, variables, preloaded modules and `result` formats."""
    functions: dict[str, list[dict[str, str]]] = {}
    for fn in SDK_FUNCTIONS:
        functions.setdefault(GROUPS.get(fn.__name__, "other"), []).append(entry_of(fn))
    return {
        "functions": functions,
        "variables": {
            name: {"description": VARIABLES[name][1], "description_en": VARIABLES[name][0]}
            for name in SDK_VARIABLES
        },
        "modules": list(PRELOADED),
        "result": {
            "description": "脚本设置 result 变量后,成功运行的结果推送到任务的通知渠道",
            "description_en": "A successful run's `result` dict is pushed to the task's channels",
            "msg_types": RESULT_TYPES,
        },
    }


def sdk_markdown() -> str:
    """The reference as Markdown (zh and en), for `docs/tasks/sdk-reference.md`."""
    docs = sdk_docs()
    out = [
        "# Task script SDK reference / 脚本 SDK 参考",
        "",
        "Generated from the SDK's docstrings by `python -m vwed.sdk.docs` (the same source as",
        "`GET /api/scheduled-tasks/sdk-docs`). Every function below is a global of the script: no import.",
        "",
    ]
    for group, entries in docs["functions"].items():
        out += [f"## {group}", ""]
        for entry in entries:
            out += [
                f"### `{entry['signature']}`",
                "",
                entry["description_en"],
                "",
                entry["description"],
                "",
                "```python",
                entry["example"],
                "```",
                "",
            ]
    out += ["## Variables / 内置变量", ""]
    for name, text in docs["variables"].items():
        out.append(f"- `{name}`: {text['description_en']} / {text['description']}")
    out += ["", "## Preloaded modules / 内置模块", "", ", ".join(f"`{m}`" for m in docs["modules"]), ""]
    out += ["## result", "", docs["result"]["description_en"], "", docs["result"]["description"], ""]
    out.append("Formats: " + ", ".join(f"`{t}`" for t in docs["result"]["msg_types"]) + ".")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(sdk_markdown())
