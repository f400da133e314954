"""The audit log: who changed what and when, append-only.

Imported at the end of `storage.models` so Alembic and `Base.metadata` see it. Rows are only ever
inserted (`storage.repos.audit.record`); nothing in the code updates or deletes them, and purges,
erasure requests and restores leave them alone. The actor is a plain person id without a foreign key
on purpose: deleting a person must not rewrite the history that names them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class AuditEntry(Base):
    """One change: `actor_id` (None for the command line or the system) did `action` to an entity.

    `entity_kind` is "task", "session", "role", "privacy", ...; `entity_id` the row it names.
    `summary` is a short description masked with `storage.privacy.mask_pii` before it is written.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity_kind", "entity_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    entity_kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500), default="")
