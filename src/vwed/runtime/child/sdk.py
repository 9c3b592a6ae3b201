"""The SDK a task script sees as globals: `log`, `print`, `http_get`, `db_query`, `get_secret`, ...

Each function's docstring is its reference (summary, `zh:` line, `Example:` block), from which
`vwed.sdk.docs` builds the API answer and `docs/tasks/sdk-reference.md`. Every capability is a call to
the host over the run's channel; nothing here touches the network, a database or a secret directly.
Standard library only.
"""

from __future__ import annotations

import base64
import datetime as datetime_module
import hashlib
import json
import math
import random
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

DEFAULT_MODEL = "deepseek-chat"


class SdkError(Exception):
    """An SDK call the host refused or that failed there; the message says why."""


class Channel(Protocol):
    """The run's link to the host (`task.Channel`)."""

    def out(self, text: str) -> None:
        """Append `text` to the run's output."""

    def call(self, fn: str, **args: Any) -> Any:
        """Ask the host to do `fn(**args)`; its answer, or `SdkError`."""


_channel: Channel | None = None
_params: dict[str, Any] = {}


def bind(channel: Channel, params: dict[str, Any]) -> None:
    """Connect the SDK to the run's channel and parameters (once per run, before the script)."""
    global _channel, _params
    _channel = channel
    _params = dict(params)


def _host() -> Channel:
    if _channel is None:
        raise SdkError("not inside a run")
    return _channel


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


# -- the SDK (each docstring is the reference: summary, `zh:` line, `Example:` block) ---------------


def log(message: Any) -> None:
    """Write a line to the run log, with the time.

    zh: 记录一行日志(带时间),写入执行日志的输出。

    Example:
        log('任务开始执行')
    """
    stamp = datetime_module.datetime.now().strftime("%H:%M:%S")
    _host().out(f"[{stamp}] {_text(message)}\n")


def print(*values: Any, sep: str = " ", end: str = "\n") -> None:
    """Print values to the run output, like the built-in `print`.

    zh: 打印输出,写入执行日志的输出。

    Example:
        print('订单数', 42)
    """
    _host().out(sep.join(_text(v) for v in values) + end)


def ai(prompt: str, system: str | None = None, model: str = DEFAULT_MODEL) -> str:
    """Ask the platform's AI endpoint (OpenAI-compatible) and return the answer text.

    zh: 调用平台配置的 AI 模型(OpenAI 兼容接口),返回回答文本;model 为平台映射的模型名。

    Example:
        content = ai('用一句话总结今天的销售', system='你是一个助手')
    """
    return str(_host().call("ai", prompt=_text(prompt), system=system, model=model))


def dingtalk(webhook_url: str, content: str, title: str = "通知") -> dict[str, Any]:
    """Send a markdown message to a DingTalk robot now (not through `result`); returns the outcome.

    zh: 直接发送钉钉机器人 markdown 消息(不走 result),返回发送结果。

    Example:
        dingtalk('https://oapi.dingtalk.com/robot/send?access_token=...', '**完成**', title='通知')
    """
    outcome: dict[str, Any] = _host().call(
        "dingtalk", url=webhook_url, content=_text(content), title=_text(title)
    )
    return outcome


def wecom(webhook_url: str, content: str) -> dict[str, Any]:
    """Send a markdown message to a WeCom robot now (not through `result`); returns the outcome.

    zh: 直接发送企业微信机器人 markdown 消息(不走 result),返回发送结果。

    Example:
        wecom('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...', '**完成**')
    """
    outcome: dict[str, Any] = _host().call("wecom", url=webhook_url, content=_text(content))
    return outcome


def http_get(url: str, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Any:
    """HTTP GET through the platform's egress guard; returns parsed JSON, else the body text.

    zh: 发起 HTTP GET(经平台出站防护,拒绝内网/回环/元数据地址);返回 JSON 解析结果或文本。

    Example:
        data = http_get('https://api.example.com/items', params={'page': 1})
    """
    return _host().call("http", method="GET", url=url, headers=headers, params=params)


def http_post(
    url: str,
    data: Any = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """HTTP POST through the platform's egress guard; returns parsed JSON, else the body text.

    zh: 发起 HTTP POST(data 为表单或文本,json 为 JSON 请求体);返回 JSON 解析结果或文本。

    Example:
        reply = http_post('https://api.example.com/hook', json={'ok': True})
    """
    return _host().call("http", method="POST", url=url, data=data, json=json, headers=headers)


def db_query(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run one read-only SELECT on the tables an admin exposed; returns a list of row dicts.

    zh: 只读数据库查询(单条 SELECT,仅限管理员开放的表,有超时和行数上限),返回字典列表。

    Example:
        rows = db_query('SELECT name FROM sales WHERE day = :day', {'day': '2026-01-01'})
    """
    rows: list[dict[str, Any]] = _host().call("db_query", sql=_text(sql), params=params or {})
    return rows


def get_var(key: str, default: Any = None) -> Any:
    """Read a variable kept across runs of this task (JSON values).

    zh: 读取变量(同一任务跨执行持久化),不存在时返回 default。

    Example:
        count = get_var('count', 0)
    """
    found: dict[str, Any] = _host().call("get_var", key=_text(key))
    return found["value"] if found["found"] else default


def set_var(key: str, value: Any) -> None:
    """Store a JSON value under `key` for later runs of this task.

    zh: 写入变量(JSON 可序列化的值),后续执行可读取。

    Example:
        set_var('count', count + 1)
    """
    _host().call("set_var", key=_text(key), value=value)


def del_var(key: str) -> bool:
    """Delete a variable of this task; returns whether it existed.

    zh: 删除变量,返回是否存在过。

    Example:
        del_var('count')
    """
    return bool(_host().call("del_var", key=_text(key)))


def get_param(key: str, default: Any = None) -> Any:
    """One input parameter of the task (run-now may override them).

    zh: 获取单个任务参数(来自 input_params,立即执行时可覆盖)。

    Example:
        prompt = get_param('prompt', '默认提示词')
    """
    return _params.get(key, default)


def get_params() -> dict[str, Any]:
    """All input parameters of the task, as a new dict.

    zh: 获取所有任务参数。

    Example:
        params = get_params()
    """
    return dict(_params)


def get_tenants() -> list[dict[str, Any]]:
    """The tenants this task may see: every tenant for a global task, else its own.

    zh: 获取租户列表(全局任务可见所有租户,租户任务只见本租户)。

    Example:
        for t in get_tenants(): log(t['tenant_id'])
    """
    tenants: list[dict[str, Any]] = _host().call("get_tenants")
    return tenants


def get_tenant_config(tenant_id: str, app_code: str, key: str) -> Any:
    """One application setting of a tenant, or None.

    zh: 获取某租户某应用的配置项,不存在时返回 None。

    Example:
        url = get_tenant_config('t1', 'crm', 'webhook')
    """
    return _host().call("get_tenant_config", tenant_id=tenant_id, app_code=app_code, key=key)


def get_all_tenant_configs(app_code: str, key: str) -> list[dict[str, Any]]:
    """The setting `app_code`/`key` of every visible tenant: `[{tenant_id, value}, ...]`.

    zh: 获取所有(可见)租户的同一配置项,返回 [{tenant_id, value}]。

    Example:
        for item in get_all_tenant_configs('crm', 'webhook'): log(item['value'])
    """
    configs: list[dict[str, Any]] = _host().call("get_all_tenant_configs", app_code=app_code, key=key)
    return configs


def get_secret(key: str) -> str | None:
    """A secret's value (the tenant's own, else the global one); it is masked if it appears in output.

    zh: 获取密钥(优先本租户,其次全局);密钥值出现在输出或错误中时会被打码。

    Example:
        token = get_secret('API_TOKEN')
    """
    value = _host().call("get_secret", key=_text(key))
    return None if value is None else str(value)


SDK_FUNCTIONS: tuple[Callable[..., Any], ...] = (
    log,
    print,
    ai,
    dingtalk,
    wecom,
    http_get,
    http_post,
    db_query,
    get_var,
    set_var,
    del_var,
    get_param,
    get_params,
    get_tenants,
    get_tenant_config,
    get_all_tenant_configs,
    get_secret,
)
# The globals a run gets besides the functions and modules (described in `vwed.sdk.docs`).
SDK_VARIABLES = ("task_id", "tenant_id", "trace_id")
PRELOADED: dict[str, Any] = {
    "datetime": datetime_module.datetime,
    "date": datetime_module.date,
    "timedelta": datetime_module.timedelta,
    "time": time,
    "json": json,
    "re": re,
    "math": math,
    "random": random,
    "hashlib": hashlib,
    "base64": base64,
}
