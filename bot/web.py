"""One aiohttp web server for every channel: `/healthz` plus each channel's webhook routes.

It starts only when some channel needs it (a webhook is configured); polling-only setups open no port.
Every route but `/healthz` is rate limited per remote address (a token bucket: RATE_PER_SECOND
requests a second, bursts up to RATE_BURST); beyond that the answer is HTTP 429 with Retry-After,
which Telegram and Zalo treat as "deliver again later". Behind a reverse proxy every request comes
from the proxy's address, so the limit is then shared: keep the limits at the proxy too.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from aiohttp import web

from bot.channels.base import Channel
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # webhook updates are a few KiB; refuse anything over 1 MiB (HTTP 413)
RATE_PER_SECOND = 30.0  # sustained requests a second from one remote address
RATE_BURST = 60  # requests one address may send at once before it is slowed down
RATE_MAX_ADDRESSES = 10_000  # buckets kept in memory; full (idle) buckets are forgotten first
RATE_EXEMPT = frozenset({"/healthz"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TokenBuckets:
    """One token bucket per key: `rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float = RATE_PER_SECOND, burst: int = RATE_BURST,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = RATE_MAX_ADDRESSES) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate, float(burst), clock, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time of that count)

    def take(self, key: str) -> float:
        """0.0 when the request may pass (a token is used), else the seconds until one is free."""
        now = self.clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if key not in self._buckets and len(self._buckets) >= self.max_keys:
            self._forget(now)
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    def _forget(self, now: float) -> None:
        full = [k for k, (tokens, at) in self._buckets.items() if tokens + (now - at) * self.rate >= self.burst]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]


def rate_limit(buckets: TokenBuckets) -> Any:
    """aiohttp middleware: HTTP 429 when the remote address is over its bucket; /healthz exempt."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in RATE_EXEMPT:
            wait = buckets.take(request.remote or "?")
            if wait > 0:
                return web.Response(status=429, text="too many requests",
                                    headers={"Retry-After": str(max(1, math.ceil(wait)))})
        return await handler(request)

    return middleware


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_web_app(routes: Iterable[Any], max_body: int = MAX_BODY,
                  buckets: TokenBuckets | None = None) -> web.Application:
    """The aiohttp application with the health check, the given routes and per-address rate limits."""
    application = web.Application(client_max_size=max_body,
                                  middlewares=[rate_limit(buckets or TokenBuckets())])
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
