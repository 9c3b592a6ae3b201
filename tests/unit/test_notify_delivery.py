"""Pacing, signing, token caching and URL masking of the delivery layer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from urllib.parse import unquote_plus

import pytest

from vwed.net.egress import EgressDenied, EgressPolicy
from vwed.notify.delivery import (
    NotifyFailure,
    WebhookPacer,
    WecomTokenCache,
    check_apprise_host,
    mask_url,
    sign_dingtalk,
    signed_url,
)
from vwed.notify.service import DEFAULT_PACER
from vwed.redaction import install_log_redaction


async def wait(pacer: WebhookPacer, key: str) -> float:
    async with pacer.slot(key) as waited:
        return waited


async def test_sends_beyond_the_limit_wait_for_the_window_and_none_is_lost() -> None:
    pacer = WebhookPacer(limit=3, window=0.5)
    waited = [await wait(pacer, "hook") for _ in range(4)]
    assert all(w < 0.05 for w in waited[:3])
    assert waited[3] > 0.3


async def test_a_send_in_flight_counts_until_its_answer_arrives() -> None:
    pacer = WebhookPacer(limit=1, window=0.2)
    async with pacer.slot("hook"):
        await asyncio.sleep(0.3)
    # The window starts when the answer arrived, not when the request left.
    assert await wait(pacer, "hook") > 0.1


async def test_pacing_is_per_webhook() -> None:
    pacer = WebhookPacer(limit=1, window=30)
    await wait(pacer, "a")
    assert await asyncio.wait_for(wait(pacer, "b"), 1) < 0.05


def test_default_pacing_is_twenty_per_minute() -> None:
    assert (DEFAULT_PACER.limit, DEFAULT_PACER.window) == (20, 60.0)


def test_dingtalk_signature_follows_the_documented_formula() -> None:
    secret, stamp = "SECtest", 1700000000000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert unquote_plus(sign_dingtalk(secret, stamp)) == expected
    assert signed_url("https://x/robot/send?access_token=t", secret, stamp).endswith(
        f"&timestamp={stamp}&sign={sign_dingtalk(secret, stamp)}"
    )


async def test_token_cache_fetches_once_until_forgotten() -> None:
    cache = WecomTokenCache()
    calls = 0

    async def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        return f"token-{calls}", 7200.0

    assert await cache.get("corp", fetch) == "token-1"
    assert await cache.get("corp", fetch) == "token-1"
    cache.forget("corp", "token-1")
    assert await cache.get("corp", fetch) == "token-2"
    assert calls == 2


def test_mask_url_hides_tokens_keys_and_passwords() -> None:
    assert mask_url("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123") == (
        "https://oapi.dingtalk.com/robot/send?access_token=012****0123"
    )
    assert "k3y" not in mask_url("https://h/cgi-bin/webhook/send?key=k3y")
    assert "pw" not in mask_url("https://user:pw@h/x")


def test_httpx_request_logs_do_not_show_query_secrets(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()  # as create_app does
    caplog.set_level(logging.INFO, logger="httpx")
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s"', "GET", "https://h/cgi-bin/gettoken?corpid=c&corpsecret=TOPSECRET", "200"
    )
    assert "TOPSECRET" not in caplog.text
    assert "corpsecret=******" in caplog.text


async def test_apprise_check_refuses_a_private_smtp_server_behind_a_public_address() -> None:
    policy = EgressPolicy.parse("")
    with pytest.raises(EgressDenied) as denied:
        await check_apprise_host(policy, "mailtos://user:pass@93.184.216.34?smtp=10.0.0.5&to=ops@example.com")
    assert denied.value.params["address"] == "10.0.0.5"


async def test_apprise_check_passes_services_whose_host_part_is_a_token() -> None:
    await check_apprise_host(EgressPolicy.parse(""), "tgram://123456789:abcdefg_hijklmnop/12315544/")


async def test_apprise_check_refuses_desktop_schemes_and_unknown_urls() -> None:
    with pytest.raises(NotifyFailure):
        await check_apprise_host(EgressPolicy.parse(""), "windows://")
    with pytest.raises(NotifyFailure):
        await check_apprise_host(EgressPolicy.parse(""), "nosuch://host")


@pytest.mark.parametrize(
    "url",
    [
        "json://93.184.216.34/hook, json://127.0.0.2/hook",
        "json://93.184.216.34/hook json://10.0.0.5/hook",
        "jsons://93.184.216.34/a,json://[::1]/b",
        "json://93.184.216.34/a, json://[::ffff:127.0.0.2]/b",
        "json://93.184.216.34/a, json://[64:ff9b::a9fe:a9fe]/b",
    ],
)
async def test_apprise_check_refuses_any_refused_target_of_a_string_with_several(url: str) -> None:
    with pytest.raises(EgressDenied):
        await check_apprise_host(EgressPolicy.parse(""), url)


async def test_apprise_check_refuses_a_local_scheme_hidden_after_a_good_target() -> None:
    with pytest.raises(NotifyFailure):
        await check_apprise_host(EgressPolicy.parse(""), "json://93.184.216.34/a, windows://")
