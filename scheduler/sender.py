"""The outbox sender: drains queued messages through the channel adapters, within rate limits.

Each row is claimed (status `sending`, committed) before it is sent and marked `sent` right after,
so a crash loses nothing and resends at most the one message in flight. On PostgreSQL rows are
claimed with FOR UPDATE SKIP LOCKED so several senders never take the same row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel, DeliveryError, RetryLater, Unreachable
from bot.settings import Settings
from handlers.messages import Button, Reply
from scheduler.reminders import Calendar
from storage.models import Outbox, utcnow
from storage.repos import choices, people

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
REMINDER_KINDS = {"digest", "monthly", "escalation"}
BATCH = 20


@dataclass
class DrainStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    send_times: list[float] = field(default_factory=list)


class RateLimiter:
    """At most `rate` sends per second overall and one per `per_chat` seconds to one chat."""

    def __init__(self, rate: float, per_chat: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / rate
        self.per_chat = per_chat
        self.clock, self.sleep = clock, sleep
        self.next_global = 0.0
        self.next_chat: dict[str, float] = {}

    async def wait(self, chat_key: str) -> None:
        now = self.clock()
        ready = max(now, self.next_global, self.next_chat.get(chat_key, 0.0))
        if ready > now:
            await self.sleep(ready - now)
        self.next_global = ready + self.interval
        self.next_chat[chat_key] = ready + self.per_chat
        if len(self.next_chat) > 10_000:  # forget chats whose slot has passed
            cutoff = self.clock()
            self.next_chat = {k: v for k, v in self.next_chat.items() if v > cutoff}


def payload_replies(payload: dict) -> list[Reply]:
    buttons = [[Button(label, data) for label, data in row] for row in payload.get("buttons", [])]
    return [Reply(payload.get("text", ""), buttons=buttons)]


class OutboxSender:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], channels: Mapping[str, Channel],
                 settings: Settings, clock: Callable[[], datetime] = utcnow,
                 limiter: RateLimiter | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.channels = channels
        self.settings = settings
        self.clock = clock
        self.limiter = limiter or RateLimiter(settings.send_rate_per_second, settings.send_per_chat_interval)
        self.calendar = Calendar(settings)

    async def drain(self, max_rounds: int = 1000) -> DrainStats:
        """Send everything that is due now; returns the counts."""
        stats = DrainStats()
        for _ in range(max_rounds):
            rows = await self._claim()
            if not rows:
                break
            for row_id in rows:
                await self._deliver(row_id, stats)
        return stats

    async def _claim(self) -> list[int]:
        """Take up to BATCH due rows. Each claim is a conditional UPDATE, so two senders (or two
        processes) can never both win a row; PostgreSQL also skips rows another sender has locked."""
        now = self.clock()
        due = or_(Outbox.status == "pending",
                  (Outbox.status == "sending") & (Outbox.claimed_at < now - STALE_CLAIM))
        async with self.sessionmaker() as s, s.begin():
            candidates = list(await s.scalars(
                select(Outbox.id).where(due, Outbox.not_before <= now)
                .order_by(Outbox.not_before, Outbox.id).limit(BATCH).with_for_update(skip_locked=True)))
        claimed = []
        for row_id in candidates:
            async with self.sessionmaker() as s, s.begin():
                result = await s.execute(
                    update(Outbox).where(Outbox.id == row_id, due)
                    .values(status="sending", claimed_at=now, attempts=Outbox.attempts + 1))
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(row_id)
        return claimed

    async def _target(self, s: AsyncSession, row: Outbox) -> tuple[str, str] | None:
        if row.channel and row.chat_id:
            return row.channel, row.chat_id
        if row.person_id is None:
            return None
        person = await people.get_person(s, row.person_id)
        idents = [i for i in await people.identities_of(s, row.person_id)
                  if i.reachable and i.channel in self.channels]
        if not idents:
            return None
        preferred = person.reminder_channel if person else None
        idents.sort(key=lambda i: (i.channel != preferred, i.id))
        return idents[0].channel, idents[0].chat_id

    async def _deliver(self, row_id: int, stats: DrainStats) -> None:
        async with self.sessionmaker() as s, s.begin():
            row = await s.get(Outbox, row_id)
            if row is None or row.status != "sending":
                return
            now = self.clock()
            if row.kind in REMINDER_KINDS:
                window = self.calendar.next_window(now)
                if window > now + timedelta(seconds=1):  # quiet hours or a holiday: wait for the morning
                    row.status, row.not_before = "pending", window
                    row.attempts -= 1
                    stats.deferred += 1
                    return
            target = await self._target(s, row)
            if target is None:
                row.status, row.last_error = "skipped", "no reachable identity"
                stats.skipped += 1
                return
            channel, chat_id = target
            await self._send(s, row, channel, chat_id, stats)

    async def _send(self, s: AsyncSession, row: Outbox, channel: str, chat_id: str, stats: DrainStats) -> None:
        await self.limiter.wait(f"{channel}:{chat_id}")
        started = time.monotonic()
        try:
            await self.channels[channel].send(chat_id, payload_replies(row.payload))
        except RetryLater as err:
            row.status, row.not_before = "pending", self.clock() + timedelta(seconds=err.retry_after)
            row.attempts -= 1  # the platform asked us to wait: not a failed attempt
            stats.deferred += 1
        except Unreachable as err:
            await people.mark_unreachable(s, channel, chat_id)
            row.status, row.last_error = "skipped", f"unreachable: {err}"[:500]
            if row.channel is None and await self._target(s, row) is not None:
                row.status = "pending"  # another identity of the same person may still work
            stats.skipped += 1
        except DeliveryError as err:
            self._retry_or_fail(row, str(err), stats)
        except Exception as err:  # a bug in an adapter must not stop the drain
            log.exception("outbox row %s: unexpected send error", row.id)
            self._retry_or_fail(row, repr(err), stats)
        else:
            row.status, row.sent_at, row.channel, row.chat_id = "sent", self.clock(), channel, chat_id
            stats.sent += 1
            stats.send_times.append(time.monotonic() - started)
            await self._remember_numbered_choices(s, row, channel, chat_id)

    async def _remember_numbered_choices(self, s: AsyncSession, row: Outbox, channel: str, chat_id: str) -> None:
        """On a channel without buttons, the next "1"/"2" answers this message's numbered list."""
        buttons = [(label, data) for line in row.payload.get("buttons", []) for label, data in line]
        if not buttons or getattr(self.channels[channel], "supports_buttons", True):
            return
        identity = await people.find_identity_by_chat(s, channel, chat_id)
        if identity is not None:
            await choices.save(s, identity.id, buttons, self.clock(), choices.CHOICES_TTL)

    def _retry_or_fail(self, row: Outbox, error: str, stats: DrainStats) -> None:
        row.last_error = error[:500]
        if row.attempts >= self.settings.send_max_attempts:
            row.status = "failed"
            stats.failed += 1
        else:
            row.status = "pending"
            row.not_before = self.clock() + timedelta(seconds=min(2 ** row.attempts, 600))
            stats.deferred += 1
