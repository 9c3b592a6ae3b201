"""Script variables: `get_var` / `set_var` / `del_var` values, kept per task (and its tenant) across runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vwed.db.base import Base, TenantOwned, Timestamped


class ScriptVar(TenantOwned, Timestamped, Base):
    """One variable of one task."""

    __tablename__ = "platform_script_vars"
    __table_args__ = (UniqueConstraint("task_id", "var_key", name="uq_platform_script_vars_task_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer)
    var_key: Mapped[str] = mapped_column(String(200))
    var_value: Mapped[Any] = mapped_column(JSON, default=None)
