"""The small interface every channel adapter has, and the delivery errors the outbox sender handles."""

from __future__ import annotations

from typing import Any, Protocol

from handlers.messages import Reply


class DeliveryError(Exception):
    """Sending failed in a way that may succeed later (network, 5xx after the adapter's own retries)."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (HTTP 429); try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The user blocked the bot or the chat no longer exists: stop sending to this chat."""


class Channel(Protocol):
    """Converts platform updates to `Incoming`, hands them to the core, and delivers `Reply`s.

    `send` delivers the replies in order to one chat and raises a `DeliveryError` subclass when it
    cannot (after its own bounded retries for transient errors). `web_routes` returns the aiohttp
    route definitions the channel needs on the shared web server (webhook, file links), or [].
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, chat_id: str, replies: list[Reply]) -> None: ...

    def web_routes(self) -> list[Any]: ...
