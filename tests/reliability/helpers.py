"""Shared pieces of the reliability tests: seeded fault plans for the fake Telegram and Zalo servers.

Every injected fault happens BEFORE the fake server processes the request, so a send that the server
recorded as successful was really answered with success, and "delivered exactly once" is well defined:

- 429 and 5xx: the server answers the error and does nothing else (as the real APIs do);
- dropped connection: the request is read, then the socket is closed without an answer;
- time-out: the server stalls longer than the client waits, then closes the socket, also without
  processing.

A real platform can of course lose the connection AFTER it delivered the message; the bot cannot tell
that case from the ones above, so at the HTTP level it is at-least-once. That case is the "one in
flight" duplicate allowed by the kill test (tests/reliability/test_kill.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

from aiohttp import web

from tests.fakes import telegram_api, zalo_api

FAULT_KINDS = ("429", "500", "502", "503", "drop", "timeout")
# Time-outs cost the client its whole time-out, so they are the rarest kind.
FAULT_WEIGHTS = (25, 17, 17, 11, 25, 5)
_REASONS = {"500": "Internal Server Error", "502": "Bad Gateway", "503": "Service Unavailable"}


class FaultPlan:
    """Decides, from a seeded random generator, whether and how each request fails."""

    def __init__(self, seed: int, rate: float = 0.3, stall: float = 1.0) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.stall = stall  # how long a time-out stalls: longer than the client's time-out
        self.counts: Counter[str] = Counter()
        self.requests = 0

    def draw(self) -> str | None:
        self.requests += 1
        if self.rng.random() >= self.rate:
            return None
        kind = self.rng.choices(FAULT_KINDS, FAULT_WEIGHTS)[0]
        self.counts[kind] += 1
        return kind

    @property
    def injected(self) -> int:
        return sum(self.counts.values())


async def _drop(request: web.Request, stall: float) -> web.StreamResponse:
    """Close the connection without answering (after `stall` seconds); nothing is processed."""
    if stall:
        await asyncio.sleep(stall)
    if request.transport is not None:
        request.transport.close()
    raise ConnectionResetError("fake: connection dropped before processing")


class ChaoticTelegram(telegram_api.FakeTelegram):
    """The fake Bot API with seeded random faults on sendMessage."""

    def __init__(self, plan: FaultPlan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan

    def _take_fault(self, method: str, params: dict[str, Any]) -> telegram_api.Fault | None:
        if method != "sendMessage":
            return super()._take_fault(method, params)
        kind = self.plan.draw()
        if kind is None:
            return super()._take_fault(method, params)
        if kind == "429":
            return telegram_api.Fault(method, 429, "Too Many Requests: retry after 1", retry_after=1)
        if kind in ("drop", "timeout"):
            delay = self.plan.stall if kind == "timeout" else 0.0
            return telegram_api.Fault(method, None, delay=delay, disconnect=True)
        return telegram_api.Fault(method, int(kind), _REASONS[kind])

    def delivered(self) -> Counter[str]:
        """Successful sendMessage calls per chat id."""
        return Counter(c.chat_id for c in self.calls if c.method == "sendMessage" and c.ok)


class ChaoticZalo(zalo_api.FakeZaloApi):
    """The fake Zalo Bot API with seeded random faults on sendMessage (the fake itself has no
    dropped connections or time-outs: they are added here, before any processing)."""

    def __init__(self, plan: FaultPlan, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        kind = self.plan.draw() if method == "sendMessage" else None
        if kind in ("drop", "timeout"):
            params = await self._params(request)
            self.calls.append(zalo_api.Call(method, params, time.monotonic(), status=0))
            await _drop(request, self.plan.stall if kind == "timeout" else 0.0)
        if kind is not None:
            self.faults.insert(0, zalo_api.Fault(method, int(kind)))
        return await super()._api(request)

    def delivered(self) -> Counter[str]:
        return Counter(str(c.params.get("chat_id")) for c in self.calls
                       if c.method == "sendMessage" and c.status == 200)
