"""The `script_logs` table: every line a script logged or printed, and its status changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from vwed.db.base import Base, TenantOwned

# SQLite only auto-increments an INTEGER PRIMARY KEY; elsewhere the table may outgrow 32 bits.
LogId = BigInteger().with_variant(Integer(), "sqlite")
# Log lines need sub-second order and display; MySQL keeps fractions only when asked.
PreciseTime = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class ScriptLog(TenantOwned, Base):
    """One log line; `seq` is the order in which the host received it, `source` says where it came from."""

    __tablename__ = "script_logs"
    __table_args__ = (Index("ix_script_logs_script_seq", "script_id", "seq"),)

    id: Mapped[int] = mapped_column(LogId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    script_id: Mapped[str] = mapped_column(String(160))
    level: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(PreciseTime, index=True)
