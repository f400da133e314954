"""Numbered choices last shown to a person on a channel without buttons."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PendingChoices

# How long a numbered list stays answerable by its numbers.
CHOICES_TTL = timedelta(hours=12)


async def save(s: AsyncSession, identity_id: int, choices: list[tuple[str, str]], now: datetime,
               ttl: timedelta) -> None:
    row = await s.get(PendingChoices, identity_id)
    payload = [[label, data] for label, data in choices]
    if row is None:
        s.add(PendingChoices(identity_id=identity_id, choices=payload, expires_at=now + ttl))
    else:
        row.choices, row.expires_at = payload, now + ttl
    await s.flush()


async def load(s: AsyncSession, identity_id: int, now: datetime) -> list[tuple[str, str]]:
    row = await s.scalar(select(PendingChoices).where(PendingChoices.identity_id == identity_id))
    if row is None or row.expires_at <= now:
        return []
    return [(label, data) for label, data in row.choices]


async def clear(s: AsyncSession, identity_id: int) -> None:
    await s.execute(delete(PendingChoices).where(PendingChoices.identity_id == identity_id))
