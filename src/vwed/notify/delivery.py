"""Talking to the targets: DingTalk and WeCom robots, WeCom applications, Apprise and plain webhooks.

Every request to a user-supplied URL goes through the egress guard. Sends to one webhook are paced to the
robots' limit (20 a rolling minute) by waiting, transient failures are retried with bounded backoff, and
each robot's error codes become a clear message. Nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import apprise
import httpcore
import httpx
from apprise.utils.parse import parse_urls

from vwed.crypto import MASK, mask
from vwed.errors import VwedError
from vwed.i18n import Lang, translate
from vwed.net.egress import EgressDenied, EgressPolicy, checked_addresses, guard_urllib3, guarded_client
from vwed.notify.formats import Media, Rendered
from vwed.redaction import SECRET_PARAMS, redact

log = logging.getLogger("vwed.notify")

ANSWER_LIMIT = 1000
# Apprise schemes that notify the local desktop or syslog instead of a network service.
LOCAL_APPRISE_SCHEMES = frozenset({"windows", "macosx", "dbus", "kde", "qt", "glib", "gnome", "syslog"})


def mask_url(url: str) -> str:
    """The URL as shown in responses and logs: its token, key and password masked."""
    parts = urlsplit(url)
    query = urlencode(
        [(k, mask(v) if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def sign_dingtalk(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: URL-encoded base64 of HMAC-SHA256(secret, "{timestamp}\\n{secret}")."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """`url` with DingTalk's `timestamp` and `sign` parameters appended."""
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign_dingtalk(secret, stamp)}"


# -- pacing, retries and tokens ---------------------------------------------------------------------


class _Slot:
    """One send's place in the window: when it started, then when its answer came back."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at


class WebhookPacer:
    """At most `limit` sends per key in any rolling `window` seconds; extra sends wait their turn.

    A send counts from the moment its answer arrives, which is never earlier than the moment the robot
    counted it, so network latency cannot push the robot over its limit. Shared by every
    `NotifyService` of the process, so concurrent runs pushing to one robot are paced together.
    (Several nodes pace independently; a rate-limit answer from the robot is then retried.)
    """

    def __init__(self, limit: int = 20, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._sent: dict[str, list[_Slot]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[float]:
        """Wait until a send to `key` is within the limit; yield the seconds waited; hold it until done."""
        started = time.monotonic()
        async with self._locks.setdefault(key, asyncio.Lock()):
            sent = self._sent.setdefault(key, [])
            while True:
                now = time.monotonic()
                sent[:] = [s for s in sent if s.at > now - self.window]
                if len(sent) < self.limit:
                    mine = _Slot(now)
                    sent.append(mine)
                    break
                await asyncio.sleep(min(s.at for s in sent) + self.window - now)
        try:
            yield now - started
        finally:
            mine.at = time.monotonic()


@dataclass(frozen=True)
class RetryPolicy:
    """Delays between tries of a transient failure; their count bounds the tries."""

    delays: tuple[float, ...] = (1.0, 3.0)


@dataclass
class _Token:
    value: str
    expires_at: float


class WecomTokenCache:
    """WeCom application access tokens, fetched once and reused until shortly before they expire."""

    # Refresh a little early, so a token never expires between our check and WeCom's.
    MARGIN = 300.0

    def __init__(self) -> None:
        self._tokens: dict[str, _Token] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, fetch: Callable[[], Awaitable[tuple[str, float]]]) -> str:
        """The cached token for `key`, or a fresh one from `fetch` (returning token and lifetime)."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            token = self._tokens.get(key)
            if token is not None and token.expires_at > time.monotonic():
                return token.value
            value, lifetime = await fetch()
            self._tokens[key] = _Token(value, time.monotonic() + max(lifetime - self.MARGIN, lifetime / 2))
            return value

    def forget(self, key: str, value: str) -> None:
        """Drop the token `value` of `key` (WeCom said it is invalid or expired)."""
        token = self._tokens.get(key)
        if token is not None and token.value == value:
            del self._tokens[key]


# -- answers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One try's outcome: success, a clear message, and whether trying again may help."""

    ok: bool
    message: str
    retryable: bool = False
    code: int | None = None


@dataclass(frozen=True)
class Attempted:
    """The outcome of a delivery after all its tries."""

    ok: bool
    message: str
    attempts: int


class NotifyFailure(VwedError):
    """A delivery could not even be tried (bad address, refused by policy, upload failed, ...)."""

    status_code = 400
    default_key = "notify_failed"


DINGTALK_CODES = {
    310000: "notify_dingtalk_sign",
    300001: "notify_invalid_token",
    130101: "notify_rate_limited",
    460101: "notify_too_long",
    400102: "notify_robot_disabled",
}
WECOM_CODES = {
    93000: "notify_invalid_token",
    45009: "notify_rate_limited",
    45002: "notify_too_long",
    40014: "notify_wecom_token",
    42001: "notify_wecom_token",
    40001: "notify_wecom_secret",
    40013: "notify_wecom_corp",
    60020: "notify_wecom_ip",
    81013: "notify_wecom_no_receiver",
}
RATE_LIMITED = frozenset({130101, 45009})
WECOM_TOKEN_INVALID = frozenset({40014, 42001})


@dataclass
class Sender:
    """Sends rendered messages; one per `NotifyService`, sharing the process-wide pacer and tokens."""

    policy: EgressPolicy
    pacer: WebhookPacer
    tokens: WecomTokenCache
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 10.0
    lang: Lang = "zh"

    def _say(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def _robot_answer(
        self, response: httpx.Response, codes: dict[int, str], secrets: Iterable[str]
    ) -> Answer:
        body = response.text[:ANSWER_LIMIT]
        for secret in secrets:
            if secret:
                body = body.replace(secret, MASK)
        if response.status_code >= 500 or response.status_code == 429:
            return Answer(
                False, self._say("notify_http_status", status=response.status_code, body=body), True
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or "errcode" not in data:
            if response.is_success:
                return Answer(True, body or "ok")
            return Answer(False, self._say("notify_http_status", status=response.status_code, body=body))
        code = int(data.get("errcode") or 0)
        errmsg = str(data.get("errmsg", ""))
        for secret in secrets:
            if secret:
                errmsg = errmsg.replace(secret, MASK)
        errmsg = redact(errmsg)
        if code == 0:
            return Answer(True, errmsg or "ok", code=0)
        key = codes.get(code, "notify_robot_error")
        if code == 40058 and "exceed" in errmsg:
            key = "notify_too_long"
        return Answer(False, self._say(key, code=code, errmsg=errmsg), code in RATE_LIMITED, code)

    async def _tries(
        self, pace_key: str, call: Callable[[httpx.AsyncClient], Awaitable[Answer]]
    ) -> Attempted:
        delays = iter(self.retry.delays)
        attempts = 0
        async with guarded_client(self.policy, timeout=self.timeout) as client:
            while True:
                attempts += 1
                async with self.pacer.slot(pace_key) as waited:
                    if waited > 0.05:
                        log.info("paced a send to %s by %.1f s", mask_url(pace_key), waited)
                    try:
                        answer = await call(client)
                    except VwedError as exc:
                        return Attempted(False, translate(exc.key, self.lang, **exc.params), attempts)
                    except httpx.TransportError as exc:
                        answer = Answer(False, self._say("notify_network", error=type(exc).__name__), True)
                delay = next(delays, None)
                if answer.ok or not answer.retryable or delay is None:
                    return Attempted(answer.ok, answer.message, attempts)
                await asyncio.sleep(delay)

    # -- robots -------------------------------------------------------------------------------------

    async def dingtalk_bot(self, url: str, secret: str | None, rendered: Rendered) -> Attempted:
        """Post to a DingTalk robot, signing each try afresh when the robot has a signing secret."""

        async def call(client: httpx.AsyncClient) -> Answer:
            target = signed_url(url, secret) if secret else url
            response = await client.post(target, json=rendered.payload)
            return self._robot_answer(response, DINGTALK_CODES, [secret or ""])

        return await self._tries(url, call)

    async def wecom_bot(self, url: str, rendered: Rendered) -> Attempted:
        """Post to a WeCom robot; a file is uploaded first with the robot's `upload_media`."""
        key = dict(parse_qsl(urlsplit(url).query)).get("key", "")
        payload = rendered.payload

        async def call(client: httpx.AsyncClient) -> Answer:
            body = payload
            if rendered.media is not None and rendered.media.kind == "file":
                upload_url = url.replace("/cgi-bin/webhook/send", "/cgi-bin/webhook/upload_media", 1)
                media_id, answer = await self._upload(client, upload_url, rendered.media, [key])
                if media_id is None:
                    return answer
                body = {"msgtype": "file", "file": {"media_id": media_id}}
            response = await client.post(url, json=body)
            return self._robot_answer(response, WECOM_CODES, [key])

        return await self._tries(url, call)

    async def _upload(
        self, client: httpx.AsyncClient, url: str, media: Media, secrets: list[str]
    ) -> tuple[str | None, Answer]:
        joined = f"{url}{'&' if '?' in url else '?'}type={media.kind}"
        files = {"media": (media.filename, media.data, "application/octet-stream")}
        response = await client.post(joined, files=files)
        answer = self._robot_answer(response, WECOM_CODES, secrets)
        if not answer.ok:
            return None, answer
        media_id = response.json().get("media_id")
        return (str(media_id) if media_id else None), answer

    # -- WeCom applications -------------------------------------------------------------------------

    async def wecom_app(
        self, app: WecomAppAccess, receivers: dict[str, str], rendered: Rendered
    ) -> Attempted:
        """Send with a WeCom application: token from the cache, refreshed once on 40014/42001."""
        cache_key = f"{app.api_base}|{app.corp_id}|{hashlib.sha256(app.secret.encode()).hexdigest()}"
        base = app.api_base.rstrip("/")

        async def fetch(client: httpx.AsyncClient) -> tuple[str, float]:
            query = urlencode({"corpid": app.corp_id, "corpsecret": app.secret})
            response = await client.get(f"{base}/cgi-bin/gettoken?{query}")
            answer = self._robot_answer(response, WECOM_CODES, [app.secret])
            if not answer.ok:
                raise NotifyFailure("notify_wecom_gettoken", reason=answer.message)
            data = response.json()
            return str(data["access_token"]), float(data.get("expires_in", 7200))

        async def call(client: httpx.AsyncClient) -> Answer:
            token = await self.tokens.get(cache_key, lambda: fetch(client))
            answer = await self._app_send(client, base, token, app, receivers, rendered)
            if answer.code in WECOM_TOKEN_INVALID:
                self.tokens.forget(cache_key, token)
                token = await self.tokens.get(cache_key, lambda: fetch(client))
                answer = await self._app_send(client, base, token, app, receivers, rendered)
            return answer

        return await self._tries(f"{base}|{app.corp_id}|{app.agent_id}", call)

    async def _app_send(
        self,
        client: httpx.AsyncClient,
        base: str,
        token: str,
        app: WecomAppAccess,
        receivers: dict[str, str],
        rendered: Rendered,
    ) -> Answer:
        body: dict[str, Any] = {**receivers, "agentid": app.agent_id, **rendered.payload}
        if rendered.media is not None:
            upload = f"{base}/cgi-bin/media/upload?access_token={token}"
            media_id, answer = await self._upload(client, upload, rendered.media, [token, app.secret])
            if media_id is None:
                return answer
            body[rendered.media.kind] = {"media_id": media_id}
        response = await client.post(f"{base}/cgi-bin/message/send?access_token={token}", json=body)
        return self._robot_answer(response, WECOM_CODES, [token, app.secret])

    # -- generic webhook and Apprise ----------------------------------------------------------------

    async def webhook(self, url: str, body: dict[str, Any]) -> Attempted:
        """POST a JSON body to any URL; a 2xx status is success."""

        async def call(client: httpx.AsyncClient) -> Answer:
            response = await client.post(url, json=body)
            return self._robot_answer(response, {}, [])

        return await self._tries(url, call)

    async def apprise(self, url: str, title: str, body: str) -> Attempted:
        """Notify through Apprise after checking the URL's host against the egress policy."""
        try:
            await check_apprise_host(self.policy, url)
        except VwedError as exc:
            return Attempted(False, translate(exc.key, self.lang, **exc.params), 1)
        guard_urllib3(self.policy)
        delays = iter(self.retry.delays)
        attempts = 0
        while True:
            attempts += 1
            notifier = apprise.Apprise()
            notifier.add(url)
            async with self.pacer.slot(url):
                result = await notifier.async_notify(
                    body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN
                )
            if result:
                return Attempted(True, "ok", attempts)
            delay = next(delays, None)
            if delay is None:
                break
            await asyncio.sleep(delay)
        details = "; ".join(entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR"))
        return Attempted(
            False, self._say("notify_apprise_failed", detail=redact(details)[:ANSWER_LIMIT]), attempts
        )


@dataclass(frozen=True)
class WecomAppAccess:
    """What sending with a WeCom application needs, with its secret already decrypted."""

    api_base: str
    corp_id: str
    agent_id: int
    secret: str


def apprise_urls(url: str) -> list[str]:
    """Every target of an Apprise string (Apprise accepts several, separated by commas or spaces)."""
    return [str(u) for u in parse_urls(url)]  # type: ignore[no-untyped-call]


def apprise_plugin(url: str) -> Any:
    """The Apprise plugin for one target URL, refusing URLs Apprise does not know and local-only schemes."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in LOCAL_APPRISE_SCHEMES:
        raise NotifyFailure("notify_apprise_local", scheme=scheme)
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise NotifyFailure("notify_apprise_invalid")
    return plugin


def apprise_plugins(url: str) -> list[Any]:
    """The plugins of every target in an Apprise string; each is checked, none may be skipped."""
    targets = apprise_urls(url)
    if not targets:
        raise NotifyFailure("notify_apprise_invalid")
    return [apprise_plugin(target) for target in targets]


async def check_apprise_host(policy: EgressPolicy, url: str) -> None:
    """Refuse an Apprise string any of whose targets resolves to an address the policy does not allow.

    This gives a clear message before anything is sent; the connections Apprise then opens (redirects
    included) pass the same policy again inside urllib3 (`guard_urllib3`), so a name that resolves to a
    public address now and a private one later (DNS rebinding) is refused too. A host name that does not
    resolve (for services with a fixed endpoint the "host" part is a token, e.g. `tgram://<bot token>/`)
    is passed on. E-mail goes through `smtplib`, not urllib3: its SMTP host is checked here only.
    """
    for plugin in apprise_plugins(url):
        port = int(getattr(plugin, "port", None) or 443)
        # The e-mail plugin may send through an SMTP server other than the address's host.
        for attribute in ("host", "smtp_host"):
            host = str(getattr(plugin, attribute, None) or "").strip("[]")
            if not host:
                continue
            try:
                await checked_addresses(policy, host, port)
            except httpcore.ConnectError:
                # A token in the host's place; with public destinations off it is refused, not passed on.
                if not policy.public:
                    raise EgressDenied(host=host, address="-") from None
                continue
