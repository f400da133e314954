"""APScheduler wiring: the daily sweep (cron), the outbox drain (every few seconds), and on
PostgreSQL a session advisory lock so exactly one process runs them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Channel
from bot.settings import Settings
from scheduler.reminders import run_sweep
from scheduler.sender import OutboxSender
from scheduler.ticket_jobs import housekeeping_once
from storage.models import utcnow

log = logging.getLogger(__name__)

LEADER_LOCK_ID = 727420250  # any constant shared by every process of one deployment
DRAIN_EVERY_SECONDS = 5
TICKETS_EVERY_MINUTES = 5
LEADER_RETRY_SECONDS = 30


async def sweep_once(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    async with sessionmaker() as s, s.begin():
        added = await run_sweep(s, settings, utcnow())
    log.info("reminder sweep queued %d messages", added)
    return added


class LeaderLock:
    """Holds a PostgreSQL session advisory lock on its own connection; SQLite is always the leader."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        if self.conn is None:
            self.conn = await self.engine.connect()
        got = await self.conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_ID})
        if not got:
            await self.conn.close()
            self.conn = None
        return bool(got)

    async def release(self) -> None:
        if self.conn is not None:
            await self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK_ID})
            await self.conn.close()
            self.conn = None


@dataclass
class SchedulerService:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    channels: Mapping[str, Channel]

    def __post_init__(self) -> None:
        self.lock = LeaderLock(self.engine)
        self.sender = OutboxSender(self.sessionmaker, self.channels, self.settings)
        self.scheduler: AsyncIOScheduler | None = None
        self._waiter: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Become the leader now if possible, else keep trying in the background."""
        if await self.lock.acquire():
            await self._lead()
        else:
            log.info("another process runs the scheduler; this one stands by")
            self._waiter = asyncio.create_task(self._wait_for_leadership())

    async def _wait_for_leadership(self) -> None:
        while True:
            if await self.lock.acquire():
                await self._lead()
                return
            await asyncio.sleep(LEADER_RETRY_SECONDS)

    async def _lead(self) -> None:
        s = self.settings
        sched = AsyncIOScheduler(timezone=s.tz)
        sched.add_job(self.sweep, CronTrigger(hour=s.reminder_time.hour, minute=s.reminder_time.minute,
                                              timezone=s.tz), id="sweep", replace_existing=True,
                      max_instances=1, coalesce=True, misfire_grace_time=3600)
        sched.add_job(self.drain, "interval", seconds=DRAIN_EVERY_SECONDS, id="drain",
                      replace_existing=True, max_instances=1, coalesce=True)
        sched.add_job(self.tickets, "interval", minutes=TICKETS_EVERY_MINUTES, id="tickets",
                      replace_existing=True, max_instances=1, coalesce=True)
        sched.start()
        self.scheduler = sched
        await self.sweep()  # a restart that missed the morning catches up now
        log.info("scheduler started (sweep at %s)", s.reminder_time.strftime("%H:%M"))

    async def sweep(self) -> None:
        try:
            await sweep_once(self.sessionmaker, self.settings)
        except Exception:
            log.exception("reminder sweep failed; it runs again at the next trigger")

    async def drain(self) -> None:
        try:
            await self.sender.drain()
        except Exception:
            log.exception("outbox drain failed; retrying shortly")

    async def tickets(self) -> None:
        try:
            await housekeeping_once(self.sessionmaker, self.settings)
        except Exception:
            log.exception("ticket housekeeping failed; it runs again at the next trigger")

    async def stop(self) -> None:
        if self._waiter is not None:
            self._waiter.cancel()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        await self.lock.release()
