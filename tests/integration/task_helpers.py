"""Shared pieces of the task-script tests: settings with the executor on, the seed's scripts, waiting."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN_TOKEN
from vwed.config import Settings

SEED_BASIC = """# 无需 import,模块已内置
log('任务开始执行')
now = datetime.now().strftime('%Y-%m-%d %H:%M:%S')
prompt = get_param('prompt', '默认提示词')
content = ai(prompt, system='你是一个助手')
result = {
'title': '每日推送',
'content': f'**生成时间**: {now}\\n\\n{content}'
}
log('任务执行完成')
"""

SEED_SALES = """log('生成销售日报')
now = datetime.now()
today = now.strftime('%Y年%m月%d日')
# 模拟数据
revenue = random.randint(50000, 150000)
result = {
'msg_type': 'actionCard',
'title': f'销售日报 | {today}',
'content': f'''### 今日业绩
| 指标 | 数值 |
|:---:|:---:|
| 销售额 | **¥{revenue:,}** |
| 订单数 | **{random.randint(40, 80)}** |
> 点击查看详情
''',
'buttons': [
{'title': '查看详情', 'url': 'https://example.com/report'}
]
}
"""

AI_KEY = "sk-test-fake"


def task_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """The executor and scheduler on, the fakes on 127.0.0.1 allowed, a short lease."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "admin_token": ADMIN_TOKEN,
        "egress_allow": "127.0.0.1",
        "executor_idle_seconds": 0.2,
        **overrides,
    }
    return Settings(**values)


async def wait_run(client: httpx.AsyncClient, task_id: int, seconds: float = 30) -> dict[str, Any]:
    """The task's newest finished run, once there is one."""
    for _ in range(int(seconds * 20)):
        logs = (await client.get(f"/api/scheduled-tasks/{task_id}/logs")).json()["data"]["items"]
        done = [entry for entry in logs if entry["status"] in ("success", "failed")]
        if done:
            return done[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no finished run of task {task_id} within {seconds} s")


async def create_task(client: httpx.AsyncClient, source: str, **overrides: Any) -> dict[str, Any]:
    """A disabled script task (runs start only by run-now unless `is_enabled` is passed)."""
    body = {
        "task_name": overrides.pop("task_name", "脚本任务"),
        "schedule_type": "cron",
        "cron_expression": "0 8 * * *",
        "execution_type": "script",
        "script_content": source,
        "is_enabled": False,
        **overrides,
    }
    response = await client.post("/api/scheduled-tasks", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def run_now(
    client: httpx.AsyncClient, task_id: int, params: dict[str, Any] | None = None, seconds: float = 30
) -> dict[str, Any]:
    """Run the task now and return its finished run."""
    body = {"params": params} if params is not None else None
    response = await client.post(f"/api/scheduled-tasks/{task_id}/run", json=body)
    assert response.status_code == 200, response.text
    trace_id = response.json()["data"]["trace_id"]
    for _ in range(int(seconds * 20)):
        logs = (await client.get(f"/api/scheduled-tasks/{task_id}/logs")).json()["data"]["items"]
        mine = [e for e in logs if e["trace_id"] == trace_id and e["status"] in ("success", "failed")]
        if mine:
            return mine[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {trace_id} did not finish within {seconds} s")
