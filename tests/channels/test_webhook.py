"""Webhook mode on the shared web server, and `cnscd run` (runner) against the fake Bot API."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port
from pydantic import SecretStr

from bot import runner
from bot.app import App
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from bot.cli import main
from bot.settings import Settings
from bot.web import start_web
from handlers.messages import Incoming
from tests.channels.conftest import Sleeps
from tests.fakes.telegram_api import FakeTelegram, TgUser

CITIZEN = TgUser(5550001, "Lan", "Nguyễn")
SECRET = "s3cret-Token_for-tests"
HOOK_PATH = "/telegram/hook-7f3a"


@pytest.fixture
def hook_settings(tg_settings: Settings) -> Settings:
    port = unused_port()
    return tg_settings.model_copy(update={
        "telegram_webhook_url": f"http://127.0.0.1:{port}{HOOK_PATH}",
        "telegram_webhook_secret": SecretStr(SECRET),
        "webhook_host": "127.0.0.1",
        "webhook_port": port,
    })


@pytest.fixture
async def hooked(demo_app: App, hook_settings: Settings, sleeps: Sleeps,
                 seen: list[Incoming]) -> AsyncIterator[TelegramChannel]:
    """The channel in webhook mode, its route served by the shared web server."""
    channel = TelegramChannel(demo_app, hook_settings, sleep=sleeps)
    web_runner = await start_web(hook_settings, [channel])
    assert web_runner is not None
    await channel.start()
    yield channel
    await channel.stop()
    await web_runner.cleanup()


def _base(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.webhook_port}"


async def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as resp:
        return resp.status


async def test_webhook_is_registered_with_its_secret_and_nothing_polls(hooked, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    [hook] = fake_telegram.calls_to("setWebhook")
    assert hook.params["url"].endswith(HOOK_PATH) and hook.params["secret_token"] == SECRET
    assert fake_telegram.calls_to("getUpdates", ok=None) == []
    assert fake_telegram.calls_to("deleteWebhook", ok=None) == []


async def test_webhook_update_is_answered(hooked, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    assert await fake_telegram.push(fake_telegram.command(CITIZEN, "/start")) == 200
    [call] = await fake_telegram.wait_for("sendMessage", chat_id=CITIZEN.id)
    assert "Xin chào" in call.text and call.buttons


@pytest.mark.parametrize(("label", "headers"), [
    ("missing secret", {}),
    ("wrong secret", {SECRET_HEADER: "guess"}),
    ("secret with a wrong last character", {SECRET_HEADER: SECRET[:-1] + "X"}),
], ids=["missing", "wrong", "almost"])
async def test_webhook_without_the_right_secret_is_refused_and_not_processed(  # type: ignore[no-untyped-def]
        hooked, fake_telegram, hook_settings: Settings, seen: list[Incoming], label: str,
        headers: dict[str, str]) -> None:
    update = fake_telegram.command(CITIZEN, "/start")
    body = json.dumps(update).encode()
    status = await _post(_base(hook_settings) + HOOK_PATH, body,
                         {**headers, "Content-Type": "application/json"})
    await hooked.drain()
    assert status == 403, label
    assert seen == [] and fake_telegram.calls_to("sendMessage", ok=None) == []


async def test_webhook_answers_before_the_reply_is_sent(hooked, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    fake_telegram.fail("sendMessage", None, delay=1.0)  # Telegram is slow to take our reply
    started = time.monotonic()
    assert await fake_telegram.push(fake_telegram.command(CITIZEN, "/trogiup")) == 200
    assert time.monotonic() - started < 0.5
    await fake_telegram.wait_for("sendMessage", chat_id=CITIZEN.id)


async def test_web_server_health_size_limit_and_bad_json(hooked, hook_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as http:
        async with http.get(_base(hook_settings) + "/healthz") as resp:
            assert resp.status == 200 and await resp.text() == "ok"
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    huge = b'{"update_id": 1, "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert await _post(_base(hook_settings) + HOOK_PATH, huge, headers) == 413
    assert await _post(_base(hook_settings) + HOOK_PATH, b"{not json", headers) == 400


async def test_no_web_server_when_no_channel_needs_one(telegram, tg_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert telegram.web_routes() == []
    assert await start_web(tg_settings, [telegram]) is None


# ---------------------------------------------------------------- runner

@pytest.fixture
def quick_faq(monkeypatch: pytest.MonkeyPatch, faq_engine) -> None:  # type: ignore[no-untyped-def]
    """The runner builds its own app: reuse the knowledge base already loaded for the session."""
    monkeypatch.setattr("bot.app.load_faq", lambda _settings: faq_engine)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_runner_serves_until_stopped(app: App, tg_settings: Settings, hook_settings: Settings,  # type: ignore[no-untyped-def]
                                           fake_telegram: FakeTelegram, quick_faq, mode: str) -> None:
    settings = tg_settings if mode == "polling" else hook_settings
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(settings, stop))
    await fake_telegram.wait_for("getUpdates" if mode == "polling" else "setWebhook", ok=None)
    await fake_telegram.push(fake_telegram.command(CITIZEN, "/start"))
    await fake_telegram.wait_for("sendMessage", chat_id=CITIZEN.id)
    stop.set()
    assert await asyncio.wait_for(task, 5) == 0


async def test_runner_without_any_token_says_so(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert await runner.run(settings) == 2
    err = capsys.readouterr().err
    assert "Chưa cấu hình kênh chat nào" in err and "cnscd chat --demo" in err


async def test_runner_reports_a_rejected_token(app: App, tg_settings: Settings, quick_faq,  # type: ignore[no-untyped-def]
                                               capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tg_settings.model_copy(update={"telegram_bot_token": SecretStr("42:not-the-fake-token")})
    assert await runner.run(wrong, asyncio.Event()) == 1
    err = capsys.readouterr().err
    assert "Không khởi động được kênh telegram" in err and "not-the-fake-token" not in err


def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ZALO_", "DATABASE_URL")):
            monkeypatch.delenv(name)


def test_cli_run_without_token_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _clean_env(monkeypatch, tmp_path)
    assert main(["run"]) == 2
    assert "cnscd chat --demo" in capsys.readouterr().err


def test_cli_run_on_an_old_database_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _clean_env(monkeypatch, tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:abc")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "cnscd db upgrade" in err and "Traceback" not in err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_runner_stops_cleanly_on_a_signal(app: App, tg_settings: Settings, fake_telegram: FakeTelegram,  # type: ignore[no-untyped-def]
                                                quick_faq, sig: signal.Signals) -> None:
    task = asyncio.create_task(runner.run(tg_settings))
    await fake_telegram.wait_for("getUpdates", ok=None)
    assert signal.getsignal(sig) not in (signal.SIG_DFL, signal.default_int_handler)  # else pytest dies
    os.kill(os.getpid(), sig)  # caught by the runner's loop signal handler, not by pytest
    assert await asyncio.wait_for(task, 5) == 0
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)
