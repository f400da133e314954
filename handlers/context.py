"""What a handler gets besides the message: the database session, services, and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.messages import Incoming
from storage.repos import dialogs
from storage.repos.dialogs import Dialog
from storage.repos.people import IdentityDTO, PersonDTO


class FaqService(Protocol):
    """The FAQ engine as the handlers see it (built in faq/)."""

    def match(self, text: str) -> Any: ...


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Services:
    """Long-lived objects shared by every message: settings, FAQ engine, clock."""

    settings: Settings
    faq: Any = None
    clock: Callable[[], datetime] = _utcnow
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    db: AsyncSession
    services: Services
    identity: IdentityDTO
    person: PersonDTO
    msg: Incoming
    dialog: Dialog | None = None
    # False only when the core knows the sender has no ticket claimed by a member (saves a lookup).
    may_have_claimed_ticket: bool = True
    # Reads that several steps of one message need (the caller's commune): cached for this message only.
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def now(self) -> datetime:
        """Current time, naive UTC (injectable clock for tests)."""
        return self.services.clock()

    def local_now(self) -> datetime:
        return self.now().replace(tzinfo=UTC).astimezone(self.settings.tz)

    async def start_dialog(self, name: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.dialog = Dialog(name, step, dict(data or {}))
        await dialogs.save(self.db, self.identity.id, self.dialog, self._ttl())

    async def save_dialog(self) -> None:
        if self.dialog is not None:
            await dialogs.save(self.db, self.identity.id, self.dialog, self._ttl())

    async def end_dialog(self) -> None:
        self.dialog = None
        await dialogs.clear(self.db, self.identity.id)

    def _ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.dialog_ttl_minutes)
