"""Fixtures for the Telegram channel: the fake Bot API, settings pointing at it, a running channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.settings import Settings
from handlers.messages import Incoming
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def tg_settings(settings: Settings, fake_telegram: FakeTelegram) -> Settings:
    """The shared test settings, with the Telegram token and API base of the fake server."""
    return settings.model_copy(update={
        "telegram_bot_token": SecretStr(fake_telegram.token),
        "telegram_api_base": fake_telegram.base_url,
    })


@dataclass
class Sleeps:
    """Stands in for asyncio.sleep in delivery retries: records the waits, does not wait."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def seen(demo_app: App, monkeypatch: pytest.MonkeyPatch) -> list[Incoming]:
    """Every `Incoming` the conversation core receives (the core still handles it)."""
    received: list[Incoming] = []
    original = demo_app.conversation.respond  # `handle` goes through it too

    async def spy(msg: Incoming):  # type: ignore[no-untyped-def]
        received.append(msg)
        return await original(msg)

    monkeypatch.setattr(demo_app.conversation, "respond", spy)
    return received


@pytest.fixture
async def telegram(demo_app: App, tg_settings: Settings, sleeps: Sleeps,
                   seen: list[Incoming]) -> AsyncIterator[TelegramChannel]:
    """The Telegram channel long-polling the fake server over the demo data."""
    channel = TelegramChannel(demo_app, tg_settings, sleep=sleeps)
    await channel.start()
    yield channel
    await channel.stop()
