"""`cnscd run`: start every configured channel, the shared web server and the scheduler; stop on a signal.

Channels are listed in `CHANNEL_FACTORIES`; the Zalo channel adds its factory there. The scheduler
(`scheduler/service.py`, when present) is started with `start(app, channels_by_name)`, which returns
an object with an async `stop()`; until that function exists its `SchedulerService` is used directly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.app import App, build_app
from bot.channels.base import Channel
from bot.settings import Settings
from bot.web import start_web

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "Chưa cấu hình kênh chat nào: hãy đặt TELEGRAM_BOT_TOKEN (hoặc ZALO_BOT_TOKEN) trong tệp .env. "
    "Muốn thử bot ngay trên cửa sổ dòng lệnh: cnscd chat --demo"
)
START_FAILED = "Không khởi động được kênh {channel}: {reason}. Hãy kiểm tra token và địa chỉ máy chủ API."
RUNNING = "Bot đang chạy trên: {channels}. Nhấn Ctrl+C để dừng."


@dataclass(frozen=True)
class ChannelFactory:
    """How to tell whether a channel is configured, and how to build it."""

    name: str
    configured: Callable[[Settings], bool]
    build: Callable[[App], Channel]


def _telegram(app: App) -> Channel:
    from bot.channels.telegram import TelegramChannel

    return TelegramChannel(app)


def _zalo(app: App) -> Channel:
    from bot.channels.zalo import ZaloChannel

    return ZaloChannel(app)


CHANNEL_FACTORIES: list[ChannelFactory] = [
    ChannelFactory("telegram", lambda s: s.telegram_bot_token is not None, _telegram),
    ChannelFactory("zalo", lambda s: s.zalo_bot_token is not None, _zalo),
]


def build_channels(app: App) -> list[Channel]:
    """Every configured channel, built but not started (used by `cnscd reminders run`)."""
    return [f.build(app) for f in CHANNEL_FACTORIES if f.configured(app.settings)]


async def run(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until SIGINT/SIGTERM (or until `stop` is set); returns the process exit code."""
    factories = [f for f in CHANNEL_FACTORIES if f.configured(settings)]
    if not factories:
        print(NO_CHANNEL, file=sys.stderr)
        return 2
    stop = stop or asyncio.Event()
    with _stop_on_signals(stop):  # from the start: a signal during start-up also ends cleanly
        return await _serve(settings, factories, stop)


async def _serve(settings: Settings, factories: list[ChannelFactory], stop: asyncio.Event) -> int:
    app = await build_app(settings)  # refuses a database whose migrations are behind
    started: list[Channel] = []
    web_runner = scheduler = None
    try:
        channels = []
        for factory in factories:
            try:
                channels.append(factory.build(app))
            except Exception as exc:
                return _start_failed(settings, factory.name, exc)
        web_runner = await start_web(settings, channels)  # up before setWebhook makes Telegram call it
        for channel in channels:
            started.append(channel)  # stopped on the way out even if it fails half-way
            try:
                await channel.start()
            except Exception as exc:
                return _start_failed(settings, channel.name, exc)
        scheduler = await _start_scheduler(app, started)
        _reload_kb_on_sighup(app)
        print(RUNNING.format(channels=", ".join(c.name for c in started)), file=sys.stderr)
        await stop.wait()
        return 0
    finally:
        await _shutdown(app, started, web_runner, scheduler)


def _start_failed(settings: Settings, name: str, exc: Exception) -> int:
    reason = str(exc)[:200] or type(exc).__name__
    for secret in (settings.telegram_bot_token, settings.zalo_bot_token):
        if secret is not None and secret.get_secret_value():
            reason = reason.replace(secret.get_secret_value(), "***")
    log.error("channel %s failed to start: %s", name, reason)
    print(START_FAILED.format(channel=name, reason=reason), file=sys.stderr)
    return 1


async def _start_scheduler(app: App, channels: list[Channel]) -> Any:
    """The reminder scheduler; a failure there is logged and chat keeps running."""
    from scheduler.service import SchedulerService

    scheduler = SchedulerService(app.engine, app.sessionmaker, app.settings, {c.name: c for c in channels})
    try:
        await scheduler.start()
    except Exception:
        log.exception("the scheduler failed to start: reminders are off, chat keeps running")
        return None
    return scheduler


async def _shutdown(app: App, channels: list[Channel], web_runner: Any, scheduler: Any) -> None:
    """Stop in reverse order of start; one failing part does not keep the others running."""
    steps = [getattr(scheduler, "stop", None)] + [c.stop for c in reversed(channels)]
    steps += [getattr(web_runner, "cleanup", None), app.close]
    for step in steps:
        if step is None:
            continue
        try:
            await step()
        except Exception:
            log.exception("shutdown step failed")


def _reload_kb_on_sighup(app: App) -> None:
    """`kill -HUP <pid>` reloads the knowledge base; an invalid one is refused and logged."""
    engine = app.services.faq
    if engine is None or not hasattr(signal, "SIGHUP"):
        return

    running: set[asyncio.Task[None]] = set()  # referenced until done

    async def reload() -> None:
        problems = await engine.reload()  # built in a worker thread: the bot keeps answering
        if problems:
            log.error("SIGHUP: knowledge base refused, the previous one stays: %s", "; ".join(problems[:5]))
        else:
            log.info("SIGHUP: knowledge base reloaded (%d topics)", len(engine.kb))

    def on_sighup() -> None:
        task = asyncio.get_running_loop().create_task(reload())
        running.add(task)
        task.add_done_callback(running.discard)

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_sighup)
    except (NotImplementedError, RuntimeError):
        pass


@contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
