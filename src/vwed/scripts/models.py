"""The `script_services` table: the services that should be running, so a server restart brings them back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vwed.db.base import Base, TenantOwned, Timestamped, utcnow


class ScriptServiceRecord(TenantOwned, Timestamped, Base):
    """One started script service; the row is removed when it is stopped or gives up after a crash."""

    __tablename__ = "script_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    script_id: Mapped[str] = mapped_column(String(400), unique=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("script_files.id", ondelete="CASCADE"), index=True)
    script_path: Mapped[str] = mapped_column(String(700))
    start_params: Mapped[str] = mapped_column(Text, default="{}")
    restart_policy: Mapped[str] = mapped_column(String(20), default="never")
    created_by: Mapped[str | None] = mapped_column(String(100), default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
