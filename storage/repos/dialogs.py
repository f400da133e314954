"""Dialog state per channel identity: which multi-step dialog is open, its step and its data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_insert
from storage.models import DialogState, utcnow


@dataclass
class Dialog:
    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


async def load(s: AsyncSession, identity_id: int, now: datetime | None = None) -> Dialog | None:
    """The open dialog, or None when there is none or it has expired (an expired one is removed)."""
    row = await s.scalar(select(DialogState).where(DialogState.identity_id == identity_id))
    if row is None:
        return None
    if row.expires_at <= (now or utcnow()):
        await s.delete(row)
        return None
    return Dialog(row.dialog, row.step, dict(row.data or {}), row.expires_at)


async def save(s: AsyncSession, identity_id: int, dialog: Dialog, ttl: timedelta) -> None:
    """Insert or replace the identity's dialog in one statement (every step of a dialog saves it)."""
    now = utcnow()
    values = {"identity_id": identity_id, "dialog": dialog.name, "step": dialog.step,
              "data": dict(dialog.data), "expires_at": now + ttl, "updated_at": now}
    statement = upsert_insert(s)(DialogState).values(values)
    await s.execute(statement.on_conflict_do_update(
        index_elements=[DialogState.identity_id],
        set_={k: statement.excluded[k] for k in ("dialog", "step", "data", "expires_at", "updated_at")}))


async def clear(s: AsyncSession, identity_id: int) -> bool:
    """Close the open dialog; True when there was one."""
    result = await s.execute(delete(DialogState).where(DialogState.identity_id == identity_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
