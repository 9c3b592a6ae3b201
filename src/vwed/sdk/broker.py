"""The host side of every SDK call a run makes: each one is done here, under the platform's policy.

A run never holds network access, database credentials or the secret key: `http_get` goes through the
egress guard, `ai` through the configured endpoint, `db_query` through `ReadOnlyQueries`, variables and
tenant data through the run's own tenant, and every secret it reads is remembered so output can be masked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import openai
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vwed.config import Settings
from vwed.db.base import TenantScope, utcnow
from vwed.errors import VwedError
from vwed.i18n import translate
from vwed.net.fetch import fetch
from vwed.notify.service import NotifyService
from vwed.runtime.service import SdkRefused
from vwed.sdk.dbquery import ReadOnlyQueries
from vwed.sdk.models import ScriptVar
from vwed.secrets.service import SecretService
from vwed.tenants.service import TenantService


@dataclass
class RunIdentity:
    """Whose run this is; `task_id` None for a test run (its variables live only as long as the run)."""

    task_id: int | None
    tenant_id: str | None
    trace_id: str


@dataclass
class SharedClients:
    """Clients shared by all runs of a node: the egress-guarded HTTP client, the AI client, the queries."""

    http: httpx.AsyncClient
    ai: openai.AsyncOpenAI | None
    queries: ReadOnlyQueries


@dataclass
class SdkBroker:
    """Answers the SDK calls of one run."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clients: SharedClients
    who: RunIdentity
    secrets_seen: set[str] = field(default_factory=set)
    scratch_vars: dict[str, Any] = field(default_factory=dict)

    async def __call__(self, fn: str, args: dict[str, Any]) -> Any:
        """Do `fn(**args)`; `SdkRefused` carries the message the script sees."""
        handler = self.handlers().get(fn)
        if handler is None:
            raise SdkRefused(translate("sdk_unknown_function", "zh", name=fn))
        try:
            return await handler(args)
        except VwedError as exc:
            raise SdkRefused(translate(exc.key, "zh", **exc.params)) from None
        except (TypeError, KeyError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise SdkRefused(translate("sdk_bad_arguments", "zh", name=fn, error=error)) from None

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
        """The SDK's host functions by name."""
        return {
            "ai": self.ai,
            "dingtalk": lambda a: self.notify("dingtalk", a),
            "wecom": lambda a: self.notify("wecom", a),
            "http": self.http,
            "db_query": self.db_query,
            "get_var": self.get_var,
            "set_var": self.set_var,
            "del_var": self.del_var,
            "get_tenants": self.get_tenants,
            "get_tenant_config": self.get_tenant_config,
            "get_all_tenant_configs": self.get_all_tenant_configs,
            "get_secret": self.get_secret,
        }

    async def ai(self, args: dict[str, Any]) -> str:
        """`ai(prompt, system, model)` against `VWED_AI_BASE_URL`, the model name mapped by config."""
        client = self.clients.ai
        if client is None:
            raise SdkRefused(translate("sdk_ai_unconfigured", "zh"))
        messages: list[dict[str, str]] = []
        if args.get("system"):
            messages.append({"role": "system", "content": str(args["system"])})
        messages.append({"role": "user", "content": str(args["prompt"])})
        try:
            response = await client.chat.completions.create(
                model=self.settings.ai_model_for(args.get("model")),
                messages=messages,  # type: ignore[arg-type]
            )
        except openai.APIStatusError as exc:
            message = translate("sdk_ai_status", "zh", status=exc.status_code, error=exc.message)
            raise SdkRefused(message) from None
        except openai.APIError as exc:
            raise SdkRefused(translate("sdk_ai_failed", "zh", error=exc.message)) from None
        return response.choices[0].message.content or ""

    async def notify(self, kind: Literal["dingtalk", "wecom"], args: dict[str, Any]) -> dict[str, Any]:
        """`dingtalk()` / `wecom()`: markdown to a robot URL through the notification layer."""
        async with self.sessions() as session:
            service = NotifyService(session, self.settings, TenantScope(tenant_id=self.who.tenant_id))
            outcome = await service.send_direct(
                kind,
                str(args["url"]),
                str(args["content"]),
                str(args["title"]) if args.get("title") else None,
                trace_id=self.who.trace_id,
            )
        return {"ok": outcome.ok, "message": outcome.message}

    async def http(self, args: dict[str, Any]) -> Any:
        """`http_get` / `http_post` through the egress guard, with a timeout and a body size cap."""
        form, content = None, None
        if args.get("json") is None and args.get("data") is not None:
            data = args["data"]
            form, content = (data, None) if isinstance(data, dict) else (None, str(data))
        response = await fetch(
            self.clients.http,
            str(args["method"]),
            str(args["url"]),
            max_bytes=self.settings.sdk_http_max_bytes,
            timeout=self.settings.sdk_http_timeout,
            headers=args.get("headers") or None,
            params=args.get("params") or None,
            json=args.get("json"),
            data=form,
            content=content,
        )
        if "json" in response.content_type:
            try:
                return json.loads(response.text)
            except ValueError:
                return response.text
        return response.text

    async def db_query(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """`db_query(sql, params)`: see `vwed.sdk.dbquery`."""
        return await self.clients.queries.query(str(args["sql"]), dict(args.get("params") or {}))

    async def _var(self, session: AsyncSession, key: str) -> ScriptVar | None:
        stmt = select(ScriptVar).where(ScriptVar.task_id == self.who.task_id, ScriptVar.var_key == key)
        # The task id already names one tenant's task; the tenant condition keeps that true if ids are reused.
        stmt = TenantScope(tenant_id=self.who.tenant_id).apply(stmt, ScriptVar)
        return await session.scalar(stmt)

    async def get_var(self, args: dict[str, Any]) -> dict[str, Any]:
        """`get_var(key)`: `{found, value}` of this task's variable."""
        key = str(args["key"])
        if self.who.task_id is None:
            return {"found": key in self.scratch_vars, "value": self.scratch_vars.get(key)}
        async with self.sessions() as session:
            row = await self._var(session, key)
        return {"found": row is not None, "value": row.var_value if row else None}

    async def set_var(self, args: dict[str, Any]) -> None:
        """`set_var(key, value)`: JSON values up to `VWED_TASK_VAR_MAX_BYTES`, at most
        `VWED_TASK_VARS_MAX` variables per task."""
        key, value = str(args["key"]), args.get("value")
        most = self.settings.task_var_max_bytes
        if len(key) > 200 or len(json.dumps(value, default=str)) > most:
            raise SdkRefused(translate("sdk_var_too_big", "zh", limit=most))
        if self.who.task_id is None:
            if key not in self.scratch_vars:
                self._check_count(len(self.scratch_vars))
            self.scratch_vars[key] = value
            return
        async with self.sessions() as session:
            row = await self._var(session, key)
            if row is None:
                mine = ScriptVar.task_id == self.who.task_id
                self._check_count(int(await session.scalar(select(func.count()).where(mine)) or 0))
                row = ScriptVar(task_id=self.who.task_id, tenant_id=self.who.tenant_id, var_key=key)
                session.add(row)
            row.var_value = value
            row.updated_at = utcnow()
            await session.commit()

    def _check_count(self, existing: int) -> None:
        if existing >= self.settings.task_vars_max:
            raise SdkRefused(translate("sdk_vars_too_many", "zh", limit=self.settings.task_vars_max))

    async def del_var(self, args: dict[str, Any]) -> bool:
        """`del_var(key)`: whether it existed."""
        key = str(args["key"])
        if self.who.task_id is None:
            return self.scratch_vars.pop(key, None) is not None
        async with self.sessions() as session:
            row = await self._var(session, key)
            if row is None:
                return False
            await session.delete(row)
            await session.commit()
        return True

    async def get_tenants(self, _args: dict[str, Any]) -> list[dict[str, Any]]:
        """Tenants this run may see."""
        async with self.sessions() as session:
            tenants = await TenantService(session).visible(self.who.tenant_id)
        return [{"tenant_id": t.tenant_id, "tenant_name": t.tenant_name} for t in tenants]

    async def get_tenant_config(self, args: dict[str, Any]) -> str | None:
        """One setting of a tenant this run may see."""
        async with self.sessions() as session:
            return await TenantService(session).visible_config(
                self.who.tenant_id, str(args["tenant_id"]), str(args["app_code"]), str(args["key"])
            )

    async def get_all_tenant_configs(self, args: dict[str, Any]) -> list[dict[str, str | None]]:
        """A setting of every tenant this run may see."""
        async with self.sessions() as session:
            return await TenantService(session).visible_configs(
                self.who.tenant_id, str(args["app_code"]), str(args["key"])
            )

    async def get_secret(self, args: dict[str, Any]) -> str | None:
        """The run's tenant's secret, else the global one; remembered for masking."""
        async with self.sessions() as session:
            scope = TenantScope(tenant_id=self.who.tenant_id)
            value = await SecretService(session, self.settings, scope).reveal(
                self.who.tenant_id, str(args["key"])
            )
        if value is not None:
            self.secrets_seen.add(value)
        return value
