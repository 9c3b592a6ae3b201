"""The variables a task's runs keep with `set_var`, as the console shows and clears them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vwed.db.base import TenantScope
from vwed.sdk.models import ScriptVar


class TaskVariables:
    """Variables of tasks in one caller's scope; the caller checks the task itself is in scope."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def of_task(self, task_id: int) -> Sequence[ScriptVar]:
        """The variables of task `task_id`, by key."""
        stmt = select(ScriptVar).where(ScriptVar.task_id == task_id).order_by(ScriptVar.var_key)
        return (await self.session.scalars(self.scope.apply(stmt, ScriptVar))).all()

    async def delete(self, task_id: int, key: str) -> bool:
        """Delete one variable; whether it existed."""
        stmt = delete(ScriptVar).where(ScriptVar.task_id == task_id, ScriptVar.var_key == key)
        if not self.scope.all_tenants:
            stmt = stmt.where(ScriptVar.tenant_id == self.scope.tenant_id)
        deleted = cast(CursorResult[Any], await self.session.execute(stmt)).rowcount
        await self.session.commit()
        return bool(deleted)
