"""Log lines as they travel (bus -> pipeline -> WebSocket and database) and the seed's message shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vwed.db.base import iso
from vwed.logs.models import ScriptLog

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def utc_stamp(moment: datetime | None = None) -> str:
    """`moment` (now by default) in the API's one time format (`vwed.db.base.iso`)."""
    return iso(moment or datetime.now(UTC)) or ""


def parse_stamp(value: Any) -> datetime:
    """A naive UTC datetime from an ISO string (with or without offset); now when absent or invalid."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = datetime.now(UTC)
    else:
        moment = datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def normal_level(value: Any) -> str:
    """The level in capitals; unknown levels become INFO, `warn` becomes WARNING."""
    level = str(value or "INFO").upper()
    if level == "WARN":
        level = "WARNING"
    return level if level in LEVELS or level == "STATUS" else "INFO"


@dataclass
class LogLine:
    """One line on its way to subscribers and storage."""

    seq: int
    script_id: str
    tenant_id: str | None
    level: str
    source: str
    message: str
    created_at: datetime
    data: dict[str, Any] | None = field(default=None)

    def as_message(self) -> dict[str, Any]:
        """The seed's `script_log` message (status lines become `script_status`)."""
        if self.source == "status":
            return {
                "type": "script_status",
                "script_id": self.script_id,
                "timestamp": utc_stamp(self.created_at),
                "status": (self.data or {}).get("status", ""),
                "message": self.message,
                "seq": self.seq,
            }
        out: dict[str, Any] = {
            "type": "script_log",
            "script_id": self.script_id,
            "timestamp": utc_stamp(self.created_at),
            "level": self.level,
            "message": self.message,
            "source": self.source,
            "seq": self.seq,
        }
        if self.data:
            out["data"] = self.data
        return out

    def as_row(self) -> dict[str, Any]:
        """Column values for a bulk insert."""
        return {
            "seq": self.seq,
            "script_id": self.script_id,
            "tenant_id": self.tenant_id,
            "level": self.level,
            "source": self.source,
            "message": self.message,
            "data": json.dumps(self.data, ensure_ascii=False, default=str) if self.data else None,
            "created_at": self.created_at,
        }

    @classmethod
    def from_row(cls, row: ScriptLog) -> LogLine:
        """A stored line, for replay."""
        return cls(
            seq=row.seq,
            script_id=row.script_id,
            tenant_id=row.tenant_id,
            level=row.level,
            source=row.source,
            message=row.message,
            created_at=row.created_at,
            data=json.loads(row.data) if row.data else None,
        )

    def as_text(self) -> str:
        """One line of the plain-text download."""
        extra = f" {json.dumps(self.data, ensure_ascii=False, default=str)}" if self.data else ""
        return f"{utc_stamp(self.created_at)} [{self.level}] {self.message}{extra}"
