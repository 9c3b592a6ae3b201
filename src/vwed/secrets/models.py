"""The table of script secrets: values sealed with the platform key, global (no tenant) or per tenant."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from vwed.db.base import NEVER_REUSED, Base, TenantOwned, Timestamped


class Secret(TenantOwned, Timestamped, Base):
    """A named secret; `secret_value` holds the sealed (encrypted) value only."""

    __tablename__ = "platform_secrets"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_key: Mapped[str] = mapped_column(String(100), index=True)
    secret_value: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(255), default=None)
    # Only for a global secret: whether tenants' tasks may read it too (by default global tasks only).
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
