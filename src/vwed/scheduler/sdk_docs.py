"""The reference of the script SDK of seed 004, served by `GET /api/scheduled-tasks/sdk-docs`."""

from __future__ import annotations

from typing import Any


def _fn(signature: str, zh: str, en: str) -> dict[str, str]:
    return {"signature": signature, "description": zh, "description_en": en}


SDK_DOCS: dict[str, Any] = {
    "functions": {
        "log": [
            _fn("log(message)", "记录日志", "Write a log line"),
            _fn("print(message)", "打印输出", "Print output"),
        ],
        "ai": [
            _fn("ai(prompt, system=None, model='deepseek-chat')", "调用 AI", "Ask the AI endpoint"),
        ],
        "notify": [
            _fn("dingtalk(webhook_url, content, title='通知')", "发送钉钉消息", "Send a DingTalk message"),
            _fn("wecom(webhook_url, content)", "发送企微消息", "Send a WeCom message"),
        ],
        "http": [
            _fn("http_get(url, headers=None, params=None)", "HTTP GET 请求", "HTTP GET"),
            _fn("http_post(url, data=None, json=None, headers=None)", "HTTP POST 请求", "HTTP POST"),
        ],
        "db": [_fn("db_query(sql, params=None)", "数据库查询(只读)", "Read-only database query")],
        "vars": [
            _fn("get_var(key, default=None)", "读取变量(跨执行持久化)", "Read a persisted variable"),
            _fn("set_var(key, value)", "写入变量", "Write a persisted variable"),
            _fn("del_var(key)", "删除变量", "Delete a persisted variable"),
        ],
        "params": [
            _fn("get_param(key, default=None)", "获取单个任务参数", "One input parameter"),
            _fn("get_params()", "获取所有任务参数", "All input parameters"),
        ],
        "tenants": [
            _fn("get_tenants()", "获取所有租户", "Every tenant"),
            _fn("get_tenant_config(tenant_id, app_code, key)", "获取租户配置", "A tenant's setting"),
            _fn("get_all_tenant_configs(app_code, key)", "获取所有租户的配置", "A setting of every tenant"),
        ],
        "secrets": [_fn("get_secret(key)", "获取密钥", "Read a secret")],
    },
    "variables": {"task_id": "当前任务ID", "tenant_id": "当前租户ID(可能为空)", "trace_id": "追踪ID"},
    "modules": ["datetime", "date", "timedelta", "time", "json", "re", "math", "random", "hashlib", "base64"],
    "result": {
        "description": "脚本设置 result 变量后,结果推送到任务的通知渠道",
        "msg_types": ["markdown", "actionCard", "feedCard", "link", "news", "template_card"],
    },
}
