"""The small interface every channel adapter has."""

from __future__ import annotations

from typing import Protocol

from handlers.messages import Reply


class Channel(Protocol):
    """Converts platform updates to `Incoming`, hands them to the core, and delivers `Reply`s."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, chat_id: str, replies: list[Reply]) -> None: ...
