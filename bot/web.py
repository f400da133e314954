"""One aiohttp web server for every channel: `/healthz` plus each channel's webhook routes.

It starts only when some channel needs it (a webhook is configured); polling-only setups open no port.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web

from bot.channels.base import Channel
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # webhook updates are a few KiB; refuse anything over 1 MiB (HTTP 413)


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_web_app(routes: Iterable[Any], max_body: int = MAX_BODY) -> web.Application:
    """The aiohttp application with the health check and the given route definitions."""
    application = web.Application(client_max_size=max_body)
    application.router.add_get("/healthz", healthz)
    application.add_routes(list(routes))
    return application


async def start_web(settings: Settings, channels: Sequence[Channel]) -> web.AppRunner | None:
    """Serve the channels' routes on WEBHOOK_HOST:WEBHOOK_PORT, or None when no channel has any.

    The caller stops the server with `await runner.cleanup()`.
    """
    routes = [route for channel in channels for route in channel.web_routes()]
    if not routes:
        return None
    runner = web.AppRunner(build_web_app(routes), access_log=None, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    log.info("web server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    return runner
