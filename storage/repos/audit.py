"""The append-only audit log: `record` adds a row, the rest only read.

There is deliberately no function here that updates or deletes an entry (a test checks it).
The caller owns the transaction: nothing here commits, so an entry is kept exactly when the change it
describes is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, utcnow
from storage.models_audit import AuditEntry
from storage.privacy import mask_pii

SUMMARY_MAX = 500
DEADLINE_FIELDS = ("deadline_kind", "due_date", "every", "until", "deadline_phrase")


@dataclass(frozen=True)
class AuditDTO:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    entity_kind: str
    entity_id: int | None
    action: str
    summary: str


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


async def record(
    s: AsyncSession, actor_id: int | None, entity_kind: str, entity_id: int | None, action: str,
    summary: str = "", now: datetime | None = None,
) -> None:
    """Append one entry; the summary is masked (phones, ID numbers, e-mails, codes) and shortened."""
    s.add(AuditEntry(
        at=now or utcnow(), actor_id=actor_id, entity_kind=entity_kind[:16], entity_id=entity_id,
        action=action[:32], summary=_short(mask_pii(summary), SUMMARY_MAX).rstrip(" :,"),
    ))
    await s.flush()


async def record_deadline_change(s: AsyncSession, actor_id: int | None, task: Any,
                                 changed: Mapping[str, Any]) -> None:
    """Record a task's deadline change (call before the new values are set); nothing if it kept it."""
    if not any(key in changed for key in DEADLINE_FIELDS):
        return
    before = {key: getattr(task, key) for key in DEADLINE_FIELDS}
    after = {**before, **{k: v for k, v in changed.items() if k in DEADLINE_FIELDS}}
    await record(s, actor_id, "task", task.id, "deadline", f"{_deadline(before)} → {_deadline(after)}")


def _deadline(fields: Mapping[str, Any]) -> str:
    due = fields.get("due_date")
    words = " ".join(str(fields.get("deadline_phrase") or fields.get("deadline_kind") or "").split())
    return f"{words} ({due:%d/%m/%Y})" if due is not None else words


# ---------------------------------------------------------------- reading

async def _dtos(s: AsyncSession, rows: list[AuditEntry]) -> list[AuditDTO]:
    ids = {r.actor_id for r in rows if r.actor_id is not None}
    names: dict[int, str] = {}
    if ids:
        names = {pid: name for pid, name in (await s.execute(
            select(Person.id, Person.name).where(Person.id.in_(ids)))).all()}
    return [AuditDTO(r.id, r.at, r.actor_id, names.get(r.actor_id) if r.actor_id is not None else None,
                     r.entity_kind, r.entity_id, r.action, r.summary) for r in rows]


async def history(s: AsyncSession, entity_kind: str, entity_id: int, limit: int = 50) -> list[AuditDTO]:
    """One entity's entries, oldest first (the newest `limit` of them)."""
    rows = list(await s.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_kind == entity_kind, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ))
    rows.reverse()
    return await _dtos(s, rows)


async def recent(s: AsyncSession, limit: int = 20) -> list[AuditDTO]:
    """The latest entries of every kind, newest first."""
    rows = list(await s.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
    return await _dtos(s, rows)


async def by_actor(s: AsyncSession, actor_id: int, limit: int = 50) -> list[AuditDTO]:
    """What one person changed, newest first."""
    rows = list(await s.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == actor_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
    return await _dtos(s, rows)
