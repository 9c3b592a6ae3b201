"""Notification rules: channels and WeCom applications (secrets sealed at rest), and sending messages.

The scheduler pushes a run's `result` with `send_result`, failure alerts with `send_alert`, and the task
SDK's `dingtalk()` / `wecom()` with `send_direct`. Each returns outcomes instead of raising, and every
delivery is recorded in `platform_task_notify_deliveries` with its trace id.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from vwed.config import Settings
from vwed.crypto import MASK, SecretBox, mask
from vwed.db.base import TenantScope
from vwed.errors import BadRequest, Conflict, FieldProblem, InvalidFields, NotFound, VwedError
from vwed.i18n import Lang, translate
from vwed.net.egress import EgressDenied, EgressPolicy, validate_url
from vwed.notify.delivery import (
    Attempted,
    NotifyFailure,
    RetryPolicy,
    Sender,
    WebhookPacer,
    WecomAppAccess,
    WecomTokenCache,
    apprise_plugins,
    mask_url,
)
from vwed.notify.formats import (
    InvalidResult,
    Message,
    Rendered,
    Target,
    as_markdown,
    parse_result,
    render,
)
from vwed.notify.models import NotifyChannel, NotifyDelivery, WecomApp
from vwed.notify.repository import NotifyRepository
from vwed.notify.schemas import (
    AppTest,
    ChannelCreate,
    ChannelUpdate,
    WecomAppCreate,
    WecomAppUpdate,
    channel_out,
    wecom_app_out,
)

log = logging.getLogger("vwed.notify")

# Shared by every service in the process: pacing and cached tokens must outlive one request.
DEFAULT_PACER = WebhookPacer(limit=20, window=60.0)
DEFAULT_TOKENS = WecomTokenCache()

ROBOT_PATHS = {"dingtalk_bot": ("/robot/send", "access_token"), "wecom_bot": ("/cgi-bin/webhook/send", "key")}
# What each kind of channel is rendered as (Apprise takes markdown).
TARGETS: dict[str, Target] = {"dingtalk_bot": "dingtalk", "wecom_bot": "wecom", "wecom_app": "wecom_app"}


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened to one message sent to one target."""

    target: str
    channel_type: str
    ok: bool
    message: str
    converted_from: str | None = None


@dataclass(frozen=True)
class _Sent:
    outcome: DeliveryOutcome
    msg_type: str
    attempts: int
    tenant_id: str | None
    channel_id: int | None = None
    wecom_app_id: int | None = None


def robot_kind(url: str) -> Literal["dingtalk", "wecom"] | None:
    """Whether `url` is a DingTalk robot (`/robot/send?access_token=`) or WeCom robot (`...?key=`) URL."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    if parts.path.endswith("/robot/send") and params.get("access_token"):
        return "dingtalk"
    if parts.path.endswith("/cgi-bin/webhook/send") and params.get("key"):
        return "wecom"
    return None


def _refuse_literal_address(policy: EgressPolicy, url: str) -> None:
    """Refuse at once a URL whose host is an IP address the policy forbids (names are checked on send)."""
    _refuse_literal_host(policy, urlsplit(url).hostname or "")


def _refuse_literal_host(policy: EgressPolicy, host: str) -> None:
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not policy.allows(host, address):
        raise EgressDenied(host=host, address=str(address))


def check_channel_url(policy: EgressPolicy, channel_type: str, url: str) -> None:
    """Validate a channel URL for its type: scheme, the robot's path and token parameter, egress policy.

    The host is not pinned to DingTalk's or WeCom's, so proxies and local fakes work.
    """
    if channel_type == "apprise":
        try:
            plugins = apprise_plugins(url)
        except NotifyFailure as exc:
            reason = translate(exc.key, "zh", **exc.params)
            raise BadRequest("notify_invalid_webhook", channel_type=channel_type, reason=reason) from exc
        # Every target of the string, not just the first.
        for plugin in plugins:
            _refuse_literal_host(policy, str(getattr(plugin, "host", None) or ""))
        return
    validate_url(url)
    path, param = ROBOT_PATHS[channel_type]
    parts = urlsplit(url)
    if not parts.path.endswith(path):
        raise BadRequest("notify_invalid_webhook", channel_type=channel_type, reason=f"path {path}")
    if not dict(parse_qsl(parts.query)).get(param):
        raise BadRequest("notify_invalid_webhook", channel_type=channel_type, reason=f"{param}=")
    _refuse_literal_address(policy, url)


def shown_url(channel_type: str, url: str) -> str:
    """A channel URL as responses show it: robots' tokens masked, Apprise URLs in Apprise's private form."""
    if channel_type == "apprise":
        try:
            return ", ".join(str(plugin.url(privacy=True)) for plugin in apprise_plugins(url))
        except NotifyFailure:
            return MASK
    return mask_url(url)


def _kept(new: str | None, shown: str | None) -> bool:
    """Whether an update sent back a masked value as it was shown, meaning "unchanged"."""
    return new is not None and new in (MASK, shown)


class NotifyService:
    """Channels, WeCom applications and sending, within one caller's tenant scope.

    Args:
        session: the database session; deliveries are committed on it.
        settings: platform settings (egress allow-list, secret key, data dir).
        scope: whose channels may be used and seen.
        pacer: per-webhook pacing; the process-wide 20-per-60-s pacer by default.
        tokens: WeCom application token cache; the process-wide one by default.
        retry: delays between tries of transient failures.
        lang: language of outcome messages.
    """

    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        scope: TenantScope,
        *,
        pacer: WebhookPacer | None = None,
        tokens: WecomTokenCache | None = None,
        retry: RetryPolicy | None = None,
        lang: Lang = "zh",
    ) -> None:
        self.session = session
        self.settings = settings
        self.scope = scope
        self.repo = NotifyRepository(session, scope)
        self.policy = EgressPolicy.from_settings(settings)
        self.lang = lang
        self.sender = Sender(
            policy=self.policy,
            pacer=pacer or DEFAULT_PACER,
            tokens=tokens or DEFAULT_TOKENS,
            retry=retry or RetryPolicy(),
            lang=lang,
        )
        self._box: SecretBox | None = None

    @property
    def box(self) -> SecretBox:
        """The secret box, opened on first use (it may create the key file)."""
        if self._box is None:
            self._box = SecretBox.from_settings(self.settings)
        return self._box

    # -- channels -----------------------------------------------------------------------------------

    def channel_view(self, channel: NotifyChannel) -> dict[str, Any]:
        """The API's view of a channel, secrets masked."""
        return channel_out(
            channel, shown_url(channel.channel_type, channel.webhook_url), self._shown_secret(channel)
        )

    def _shown_secret(self, channel: NotifyChannel) -> str | None:
        if channel.sign_secret is None:
            return None
        return mask(self.box.open(channel.sign_secret))

    async def list_channels(self) -> Sequence[NotifyChannel]:
        """Channels in scope."""
        return await self.repo.channels()

    async def get_channel(self, channel_id: int) -> NotifyChannel:
        """A channel in scope, or `NotFound`."""
        channel = await self.repo.channel(channel_id)
        if channel is None:
            raise NotFound("notify_channel_not_found", channel_id=channel_id)
        return channel

    async def has_channel(self, channel_id: int) -> bool:
        """Whether channel `channel_id` exists in scope."""
        return await self.repo.channel(channel_id) is not None

    async def has_wecom_app(self, app_id: int) -> bool:
        """Whether WeCom application `app_id` exists in scope."""
        return await self.repo.wecom_app(app_id) is not None

    async def create_channel(self, body: ChannelCreate) -> NotifyChannel:
        """Create a channel of the caller's tenant (an admin names any); its signing secret is sealed."""
        check_channel_url(self.policy, body.channel_type, body.webhook_url)
        secret = body.sign_secret or None
        if secret is not None and body.channel_type != "dingtalk_bot":
            raise BadRequest("notify_secret_not_allowed")
        tenant_id = self.scope.owner_for(body.tenant_id)
        if await self.repo.channel_named(body.channel_name, tenant_id) is not None:
            raise Conflict("notify_channel_exists", name=body.channel_name)
        channel = NotifyChannel(
            tenant_id=tenant_id,
            channel_name=body.channel_name,
            channel_type=body.channel_type,
            webhook_url=body.webhook_url,
            sign_secret=self.box.seal(secret) if secret else None,
            description=body.description,
            is_enabled=body.is_enabled,
        )
        self.session.add(channel)
        await self.session.commit()
        return channel

    async def update_channel(self, channel_id: int, body: ChannelUpdate) -> NotifyChannel:
        """Change a channel; a masked URL or secret sent back unchanged keeps the stored value."""
        channel = await self.get_channel(channel_id)
        given = body.model_fields_set
        if body.channel_name is not None and body.channel_name != channel.channel_name:
            if await self.repo.channel_named(body.channel_name, channel.tenant_id) is not None:
                raise Conflict("notify_channel_exists", name=body.channel_name)
            channel.channel_name = body.channel_name
        channel_type = body.channel_type or channel.channel_type
        url = channel.webhook_url
        if body.webhook_url is not None and not _kept(body.webhook_url, shown_url(channel.channel_type, url)):
            url = body.webhook_url
        check_channel_url(self.policy, channel_type, url)
        secret = channel.sign_secret
        if "sign_secret" in given and not _kept(body.sign_secret, self._shown_secret(channel)):
            secret = self.box.seal(body.sign_secret) if body.sign_secret else None
        if channel_type != "dingtalk_bot":
            if "sign_secret" in given and body.sign_secret and secret is not None:
                raise BadRequest("notify_secret_not_allowed")
            secret = None
        channel.channel_type, channel.webhook_url, channel.sign_secret = channel_type, url, secret
        if "description" in given:
            channel.description = body.description
        if body.is_enabled is not None:
            channel.is_enabled = body.is_enabled
        await self.session.commit()
        return channel

    async def delete_channel(self, channel_id: int) -> str:
        """Delete a channel; its recorded deliveries stay for the run logs."""
        channel = await self.get_channel(channel_id)
        name = channel.channel_name
        await self.session.delete(channel)
        await self.session.commit()
        return name

    async def test_channel(self, channel_id: int, content: str | None = None) -> DeliveryOutcome:
        """Send a real test message through a channel (enabled or not) and return the robot's answer."""
        channel = await self.get_channel(channel_id)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        text = content or translate("notify_test_text", self.lang, name=channel.channel_name, now=now)
        message = Message("markdown", {"title": translate("notify_test_title", self.lang), "content": text})
        sent = await self._to_channel(channel, message)
        await self._record([sent], None)
        return sent.outcome

    # -- WeCom applications -------------------------------------------------------------------------

    def app_view(self, app: WecomApp) -> dict[str, Any]:
        """The API's view of a WeCom application, secret masked."""
        return wecom_app_out(app, mask(self.box.open(app.secret)) or MASK)

    async def list_wecom_apps(self) -> Sequence[WecomApp]:
        """WeCom applications in scope."""
        return await self.repo.wecom_apps()

    async def get_wecom_app(self, app_id: int) -> WecomApp:
        """A WeCom application in scope, or `NotFound`."""
        app = await self.repo.wecom_app(app_id)
        if app is None:
            raise NotFound("notify_app_not_found", app_id=app_id)
        return app

    async def create_wecom_app(self, body: WecomAppCreate) -> WecomApp:
        """Register a WeCom application; its secret is sealed."""
        validate_url(body.api_base)
        _refuse_literal_address(self.policy, body.api_base)
        app = WecomApp(
            tenant_id=self.scope.owner_for(body.tenant_id),
            app_name=body.app_name,
            corp_id=body.corp_id,
            agent_id=body.agent_id,
            secret=self.box.seal(body.secret),
            default_touser=body.default_touser,
            default_toparty=body.default_toparty,
            api_base=body.api_base,
            description=body.description,
            is_enabled=body.is_enabled,
        )
        self.session.add(app)
        await self.session.commit()
        return app

    async def update_wecom_app(self, app_id: int, body: WecomAppUpdate) -> WecomApp:
        """Change a WeCom application; a masked secret sent back keeps the stored one."""
        app = await self.get_wecom_app(app_id)
        given = body.model_fields_set
        if body.secret and not _kept(body.secret, mask(self.box.open(app.secret))):
            app.secret = self.box.seal(body.secret)
        if body.api_base is not None:
            validate_url(body.api_base)
            _refuse_literal_address(self.policy, body.api_base)
            app.api_base = body.api_base
        for name in ("app_name", "corp_id", "agent_id", "is_enabled"):
            value = getattr(body, name)
            if value is not None:
                setattr(app, name, value)
        for name in ("default_touser", "default_toparty", "description"):
            if name in given:
                setattr(app, name, getattr(body, name))
        await self.session.commit()
        return app

    async def delete_wecom_app(self, app_id: int) -> str:
        """Delete a WeCom application."""
        app = await self.get_wecom_app(app_id)
        name = app.app_name
        await self.session.delete(app)
        await self.session.commit()
        return name

    async def test_wecom_app(self, app_id: int, receivers: AppTest) -> DeliveryOutcome:
        """Send a test message with a WeCom application to the given or default receivers."""
        app = await self.get_wecom_app(app_id)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        title = translate("notify_test_title", self.lang)
        text = translate("notify_app_test_text", self.lang, title=title, name=app.app_name, now=now)
        message = Message("text", {"content": text})
        sent = await self._to_app(app, message, receivers.touser, receivers.toparty)
        await self._record([sent], None)
        return sent.outcome

    # -- sending ------------------------------------------------------------------------------------

    async def send_result(
        self,
        channel_ids: Sequence[int],
        result: dict[str, Any],
        *,
        wecom_app_id: int | None = None,
        trace_id: str | None = None,
    ) -> list[DeliveryOutcome]:
        """Push a run's `result` to channels (and a WeCom application), concurrently; never raises.

        An invalid `result`, a missing or disabled channel, and a refused send each become a failed
        outcome with a clear message. A converted format is named in `converted_from`.
        """
        try:
            message: Message | None = parse_result(result)
            problem = ""
        except InvalidResult as exc:
            message, problem = None, translate(exc.key, self.lang, **exc.params)
        jobs: list[Awaitable[_Sent]] = []
        for channel_id in dict.fromkeys(channel_ids):
            channel = await self.repo.channel(channel_id)
            if channel is None or not channel.is_enabled:
                key = "notify_channel_not_found" if channel is None else "notify_channel_disabled"
                reason = translate(
                    key, self.lang, channel_id=channel_id, name=channel and channel.channel_name
                )
                jobs.append(self._refused(f"channel:{channel_id}", "channel", reason, channel_id=channel_id))
            elif message is None:
                jobs.append(self._refused(channel.channel_name, channel.channel_type, problem, channel.id))
            else:
                jobs.append(self._to_channel(channel, message))
        if wecom_app_id is not None:
            app = await self.repo.wecom_app(wecom_app_id)
            if app is None or not app.is_enabled or message is None:
                reason = problem or translate(
                    "notify_app_not_found" if app is None else "notify_app_disabled",
                    self.lang,
                    app_id=wecom_app_id,
                    name=app and app.app_name,
                )
                jobs.append(
                    self._refused(f"wecom_app:{wecom_app_id}", "wecom_app", reason, app_id=wecom_app_id)
                )
            else:
                jobs.append(self._to_app(app, message, None, None))
        sent = list(await asyncio.gather(*jobs))
        await self._record(sent, trace_id)
        return [s.outcome for s in sent]

    async def send_alert(
        self, url: str, title: str, text: str, *, trace_id: str | None = None
    ) -> DeliveryOutcome:
        """Send a failure alert to a DingTalk or WeCom robot URL, or else POST JSON to the URL."""
        kind = robot_kind(url)
        message = Message("markdown", {"title": title, "content": text})
        if kind is not None:
            channel_type = f"{kind}_bot"
            sent = await self._to_url(kind, url, message, render(message, kind))
        else:
            channel_type = "webhook"
            try:
                validate_url(url)
                attempted = await self.sender.webhook(
                    url, {"title": title, "text": text, "trace_id": trace_id}
                )
            except VwedError as exc:
                attempted = Attempted(False, translate(exc.key, self.lang, **exc.params), 0)
            sent = self._sent(mask_url(url), channel_type, attempted, "json", None, self.scope.tenant_id)
        await self._record([sent], trace_id)
        return sent.outcome

    async def send_direct(
        self,
        kind: Literal["dingtalk", "wecom"],
        url: str,
        content: str,
        title: str | None = None,
        *,
        trace_id: str | None = None,
    ) -> DeliveryOutcome:
        """The task SDK's `dingtalk(url, content, title)` / `wecom(url, content)`: markdown to a robot URL."""
        title = title or translate("notify_default_title", self.lang)
        message = Message("markdown", {"title": title, "content": content})
        if kind == "dingtalk":
            rendered = Rendered(
                "markdown", {"msgtype": "markdown", "markdown": {"title": title, "text": content}}
            )
        else:
            rendered = Rendered("markdown", {"msgtype": "markdown", "markdown": {"content": content}})
        sent = await self._to_url(kind, url, message, rendered)
        await self._record([sent], trace_id)
        return sent.outcome

    async def deliveries(
        self, trace_id: str | None = None, channel_id: int | None = None, limit: int = 100
    ) -> Sequence[NotifyDelivery]:
        """Recorded deliveries in scope, newest first."""
        return await self.repo.deliveries(trace_id, channel_id, limit)

    # -- internals ----------------------------------------------------------------------------------

    def _sent(
        self,
        target: str,
        channel_type: str,
        attempted: Attempted,
        msg_type: str,
        converted_from: str | None,
        tenant_id: str | None,
        channel_id: int | None = None,
        app_id: int | None = None,
    ) -> _Sent:
        if converted_from is not None:
            note = translate(
                "notify_converted",
                self.lang,
                original=converted_from,
                channel_type=channel_type,
                msg_type=msg_type,
            )
            log.info("%s: %s", target, note)
        outcome = DeliveryOutcome(target, channel_type, attempted.ok, attempted.message, converted_from)
        return _Sent(outcome, msg_type, attempted.attempts, tenant_id, channel_id, app_id)

    async def _refused(
        self,
        target: str,
        channel_type: str,
        reason: str,
        channel_id: int | None = None,
        app_id: int | None = None,
    ) -> _Sent:
        attempted = Attempted(False, reason, 0)
        return self._sent(
            target, channel_type, attempted, "-", None, self.scope.tenant_id, channel_id, app_id
        )

    async def _to_url(
        self, kind: Literal["dingtalk", "wecom"], url: str, message: Message, rendered: Rendered
    ) -> _Sent:
        channel_type = f"{kind}_bot"
        try:
            check_channel_url(self.policy, channel_type, url)
        except VwedError as exc:
            reason = translate(exc.key, self.lang, **exc.params)
            return self._sent(
                mask_url(url),
                channel_type,
                Attempted(False, reason, 0),
                rendered.msg_type,
                None,
                self.scope.tenant_id,
            )
        if kind == "dingtalk":
            attempted = await self.sender.dingtalk_bot(url, None, rendered)
        else:
            attempted = await self.sender.wecom_bot(url, rendered)
        return self._sent(
            mask_url(url),
            channel_type,
            attempted,
            rendered.msg_type,
            rendered.converted_from,
            self.scope.tenant_id,
        )

    def _failed(self, exc: Exception, message: Message) -> tuple[Attempted, Rendered]:
        """A channel whose message could not be built or sent: the reason, nothing sent.

        Our own errors explain themselves; anything else is a bug, logged, and still only this
        channel's failure, so the others get their message and the run finishes.
        """
        if isinstance(exc, VwedError):
            reason = translate(exc.key, self.lang, **exc.params)
        else:
            log.exception("building or sending a %s message failed", message.msg_type)
            reason = translate("notify_render_failed", self.lang, error=type(exc).__name__)
        return Attempted(False, reason, 0), Rendered(message.msg_type, {})

    async def _to_channel(self, channel: NotifyChannel, message: Message) -> _Sent:
        kind = channel.channel_type
        try:
            if kind == "apprise":
                converted = None if message.msg_type in ("markdown", "text") else message.msg_type
                attempted = await self.sender.apprise(
                    channel.webhook_url, message.title, as_markdown(message)
                )
                rendered = Rendered("markdown", {}, converted)
            elif kind == "dingtalk_bot":
                rendered = render(message, "dingtalk")
                secret = self.box.open(channel.sign_secret) if channel.sign_secret else None
                attempted = await self.sender.dingtalk_bot(channel.webhook_url, secret, rendered)
            else:
                rendered = render(message, "wecom")
                attempted = await self.sender.wecom_bot(channel.webhook_url, rendered)
        except Exception as exc:
            attempted, rendered = self._failed(exc, message)
        return self._sent(
            channel.channel_name,
            kind,
            attempted,
            rendered.msg_type,
            rendered.converted_from,
            channel.tenant_id,
            channel_id=channel.id,
        )

    async def _to_app(
        self, app: WecomApp, message: Message, touser: str | None, toparty: str | None
    ) -> _Sent:
        receivers = {
            k: v
            for k, v in (
                ("touser", touser or app.default_touser),
                ("toparty", toparty or app.default_toparty),
            )
            if v
        }
        try:
            rendered = render(message, "wecom_app")
            if not receivers:
                reason = translate("notify_app_no_receiver", self.lang, name=app.app_name)
                attempted = Attempted(False, reason, 0)
            else:
                access = WecomAppAccess(app.api_base, app.corp_id, app.agent_id, self.box.open(app.secret))
                attempted = await self.sender.wecom_app(access, receivers, rendered)
        except Exception as exc:
            attempted, rendered = self._failed(exc, message)
        return self._sent(
            app.app_name,
            "wecom_app",
            attempted,
            rendered.msg_type,
            rendered.converted_from,
            app.tenant_id,
            app_id=app.id,
        )

    async def _record(self, sent: Sequence[_Sent], trace_id: str | None) -> None:
        for item in sent:
            outcome = item.outcome
            self.session.add(
                NotifyDelivery(
                    tenant_id=item.tenant_id,
                    channel_id=item.channel_id,
                    wecom_app_id=item.wecom_app_id,
                    target=outcome.target[:500],
                    channel_type=outcome.channel_type,
                    msg_type=item.msg_type,
                    converted_from=outcome.converted_from,
                    status="success" if outcome.ok else "failed",
                    attempts=item.attempts,
                    response=outcome.message,
                    trace_id=trace_id,
                )
            )
        await self.session.commit()


def renders_of(result: Any) -> dict[str, Any]:
    """What a `result` becomes on each kind of channel, without sending (check-result, test-script).

    Raises:
        InvalidResult: the result is malformed for every channel.
        InvalidFields: it cannot be sent to some kinds of channel; `detail` names the field for each.
    """
    message = parse_result(result)
    out: dict[str, Any] = {}
    refused: list[tuple[str, InvalidResult]] = []
    for channel_type, kind in TARGETS.items():
        try:
            rendered = render(message, kind)
        except InvalidResult as exc:
            refused.append((channel_type, exc))
            continue
        out[channel_type] = {
            "msg_type": rendered.msg_type,
            "converted_from": rendered.converted_from,
            "payload": rendered.payload,
        }
    if refused:
        first = refused[0][1]
        problems = [
            FieldProblem(
                exc.problems[0].field, "notify_channel_problem", {"channel_type": kind, "reason": exc.reason}
            )
            for kind, exc in refused
        ]
        raise InvalidFields(
            problems,
            "notify_result_unsendable",
            channel_types=", ".join(kind for kind, _ in refused),
            field=first.field,
            reason=first.reason,
        )
    out["apprise"] = {
        "msg_type": "markdown",
        "converted_from": None if message.msg_type in ("markdown", "text") else message.msg_type,
        "title": message.title,
        "body": as_markdown(message),
    }
    return out
