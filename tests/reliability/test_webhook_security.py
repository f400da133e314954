"""The shared web server under hostile traffic: webhook secrets (compared in constant time, wrong or
missing refused with 403 and not processed), oversized bodies (413), and per-address rate limits
(429 beyond the burst, other addresses unaffected, /healthz always answered)."""

from __future__ import annotations

import ast
import hmac
import inspect
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import ModuleType

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port
from pydantic import SecretStr

from bot.app import App
from bot.channels import telegram as telegram_module
from bot.channels import zalo as zalo_module
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.settings import Settings
from bot.web import MAX_BODY, RATE_BURST, RATE_PER_SECOND, TokenBuckets, build_web_app, start_web
from tests.fakes.telegram_api import FakeTelegram, TgUser
from tests.fakes.zalo_api import FakeZaloApi

TG_PATH, ZALO_PATH = "/telegram/hook-9c1e", "/zalo/hook-51ad"
TG_SECRET, ZALO_SECRET = "tg-Secret_for-security-tests", "zalo-secret-for-security-tests"
ZALO_TOKEN = "1234567890:zalo-security-token"
CITIZEN = TgUser(5550077, "Lan", "Trần")
JSON = {"Content-Type": "application/json"}


@dataclass
class Hooked:
    base: str
    telegram: TelegramChannel
    zalo: ZaloChannel
    fake_tg: FakeTelegram
    fake_zalo: FakeZaloApi


@pytest.fixture
async def hooked(app: App, settings: Settings) -> AsyncIterator[Hooked]:
    """Both channels in webhook mode on one web server (start_web: the production wiring)."""
    fake_tg, fake_zalo = FakeTelegram(), FakeZaloApi(ZALO_TOKEN)
    await fake_tg.start()
    await fake_zalo.start()
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    cfg = settings.model_copy(update={
        "telegram_bot_token": SecretStr(fake_tg.token), "telegram_api_base": fake_tg.base_url,
        "telegram_webhook_url": base + TG_PATH, "telegram_webhook_secret": SecretStr(TG_SECRET),
        "zalo_bot_token": SecretStr(ZALO_TOKEN), "zalo_api_base": fake_zalo.base_url,
        "zalo_webhook_url": base + ZALO_PATH, "zalo_webhook_secret": SecretStr(ZALO_SECRET),
        "webhook_host": "127.0.0.1", "webhook_port": port,
    })
    tg, zalo = TelegramChannel(app, cfg), ZaloChannel(app, cfg, retry_base=0.01)
    runner = await start_web(cfg, [tg, zalo])
    assert runner is not None
    await tg.start()
    await zalo.start()
    try:
        yield Hooked(base, tg, zalo, fake_tg, fake_zalo)
    finally:
        await tg.stop()
        await zalo.stop()
        await runner.cleanup()
        await fake_tg.close()
        await fake_zalo.close()


async def _post(url: str, body: bytes, headers: dict[str, str],
                http: aiohttp.ClientSession | None = None) -> int:
    if http is None:
        async with aiohttp.ClientSession() as own:
            return await _post(url, body, headers, own)
    try:
        async with http.post(url, data=body, headers=headers) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
        return -1  # the server closed on us while we were still sending (a refused huge body)


# ---------------------------------------------------------------- secrets

def _method_source(module: ModuleType, cls: type, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The method's syntax tree, found by name in the module's source (read with inspect)."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                    return item
    raise AssertionError(f"{cls.__name__}.{name} not found")


@pytest.mark.parametrize(("cls", "module", "secret"), [
    (TelegramChannel, telegram_module, "self._secret"),
    (ZaloChannel, zalo_module, "self._webhook_secret"),
], ids=["telegram", "zalo"])
def test_webhook_secret_is_compared_with_compare_digest(cls: type, module: ModuleType, secret: str) -> None:
    handler = _method_source(module, cls, "_on_webhook")
    digests = [node for node in ast.walk(handler) if isinstance(node, ast.Call)
               and ast.unparse(node.func) == "hmac.compare_digest"]
    assert digests and any(secret in ast.unparse(arg) for arg in digests[0].args), ast.unparse(handler)
    header = ast.unparse(digests[0].args[0])  # what was received: compared only there
    for node in ast.walk(handler):  # no ==, !=, in, startswith… on the secret or the received value
        if isinstance(node, ast.Compare):
            assert secret not in ast.unparse(node) and header not in ast.unparse(node), ast.unparse(node)
    assert module.hmac is hmac  # the standard library's, not a look-alike


@pytest.mark.parametrize("headers", [{}, {"X": "y"}, "wrong", "almost", "empty"],
                         ids=["missing", "other-header", "wrong", "almost", "empty"])
async def test_wrong_or_missing_secret_is_403_and_not_processed(hooked: Hooked, headers: object) -> None:
    def secret_headers(name: str, right: str) -> dict[str, str]:
        if isinstance(headers, dict):
            return dict(headers)
        value = {"wrong": "guess-" + right, "almost": right[:-1] + "X", "empty": ""}[str(headers)]
        return {name: value}

    tg_update = json.dumps(hooked.fake_tg.command(CITIZEN, "/start")).encode()
    zalo_update = json.dumps(hooked.fake_zalo.update("zuser1", text="xin chào")).encode()
    assert await _post(hooked.base + TG_PATH, tg_update,
                       {**JSON, **secret_headers(telegram_module.SECRET_HEADER, TG_SECRET)}) == 403
    assert await _post(hooked.base + ZALO_PATH, zalo_update,
                       {**JSON, **secret_headers(zalo_module.SECRET_HEADER, ZALO_SECRET)}) == 403
    await hooked.telegram.drain()
    assert hooked.fake_tg.calls_to("sendMessage", ok=None) == []
    assert hooked.fake_zalo.sent(method="sendMessage", ok_only=False) == []


async def test_right_secret_is_answered(hooked: Hooked) -> None:
    assert await hooked.fake_tg.push(hooked.fake_tg.command(CITIZEN, "/start")) == 200
    await hooked.fake_tg.wait_for("sendMessage", chat_id=CITIZEN.id, within=10)
    assert await hooked.fake_zalo.deliver(hooked.fake_zalo.update("zuser2", text="/start")) == 200
    await hooked.fake_zalo.wait_texts("zuser2", 1, within=10)


# ---------------------------------------------------------------- body size

async def test_bodies_over_the_limit_are_refused_with_413(hooked: Hooked) -> None:
    padding = b"x" * (MAX_BODY + 1024)
    huge = b'{"update_id": 1, "padding": "' + padding + b'"}'
    tg_headers = {**JSON, telegram_module.SECRET_HEADER: TG_SECRET}
    zalo_headers = {**JSON, zalo_module.SECRET_HEADER: ZALO_SECRET}
    assert await _post(hooked.base + TG_PATH, huge, tg_headers) == 413
    assert await _post(hooked.base + ZALO_PATH, huge, zalo_headers) == 413
    # just under the limit is read (and refused as a bad update, not for its size)
    fits = b'{"padding": "' + b"x" * (MAX_BODY - 64) + b'"}'
    assert await _post(hooked.base + TG_PATH, fits, tg_headers) == 400
    assert hooked.fake_tg.calls_to("sendMessage", ok=None) == []


# ---------------------------------------------------------------- rate limits

async def _serve(application: web.Application) -> tuple[str, web.AppRunner]:
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return f"http://127.0.0.1:{port}", runner


def _from(address: str) -> aiohttp.ClientSession:
    """A client whose requests come from `address` (any 127.x.y.z works on Linux loopback)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


async def test_rate_limit_is_per_address_and_spares_healthz(app: App, settings: Settings) -> None:
    clock = [1000.0]  # frozen: the counts below are exact
    buckets = TokenBuckets(rate=RATE_PER_SECOND, burst=RATE_BURST, clock=lambda: clock[0])
    fake = FakeTelegram()
    cfg = settings.model_copy(update={
        "telegram_bot_token": SecretStr(fake.token), "telegram_webhook_url": "http://127.0.0.1" + TG_PATH,
        "telegram_webhook_secret": SecretStr(TG_SECRET)})
    channel = TelegramChannel(app, cfg)
    base, runner = await _serve(build_web_app(channel.web_routes(), buckets=buckets))
    hook, wrong = base + TG_PATH, {**JSON, telegram_module.SECRET_HEADER: "guess"}
    try:
        async with _from("127.0.0.1") as one, _from("127.0.0.2") as two:
            statuses = Counter([await _post(hook, b"{}", wrong, one) for _ in range(RATE_BURST + 10)])
            assert statuses == Counter({403: RATE_BURST, 429: 10})  # the burst passes, then 429
            async with one.post(hook, data=b"{}", headers=wrong) as resp:
                assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
            for _ in range(5):  # the health check is never limited
                async with one.get(base + "/healthz") as resp:
                    assert resp.status == 200 and await resp.text() == "ok"
            assert await _post(hook, b"{}", wrong, two) == 403  # another address has its own bucket
            clock[0] += 1.0  # one second later: RATE_PER_SECOND more
            refilled = Counter([await _post(hook, b"{}", wrong, one) for _ in range(int(RATE_PER_SECOND) + 5)])
            assert refilled == Counter({403: int(RATE_PER_SECOND), 429: 5})
    finally:
        await runner.cleanup()
        await channel.bot.session.close()


async def test_production_server_applies_the_default_limits(hooked: Hooked) -> None:
    wrong = {**JSON, telegram_module.SECRET_HEADER: "guess"}
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        statuses = Counter([await _post(hooked.base + TG_PATH, b"{}", wrong, http)
                            for _ in range(RATE_BURST + 40)])
        elapsed = time.monotonic() - started
        async with http.get(hooked.base + "/healthz") as resp:
            assert resp.status == 200
    assert set(statuses) == {403, 429}
    assert RATE_BURST <= statuses[403] <= RATE_BURST + RATE_PER_SECOND * elapsed + 1
    assert hooked.fake_tg.calls_to("sendMessage", ok=None) == []


def test_token_buckets_forget_idle_addresses() -> None:
    clock = [0.0]
    buckets = TokenBuckets(rate=1.0, burst=2, clock=lambda: clock[0], max_keys=3)
    for address in ("a", "b", "c"):
        assert buckets.take(address) == 0.0
    clock[0] += 10.0  # all full again: they may be forgotten
    assert buckets.take("d") == 0.0 and len(buckets._buckets) <= 3
    assert buckets.take("d") == 0.0 and buckets.take("d") > 0.0  # d's own burst of 2 is spent
