"""Assistance sessions: one row per time a team member helped citizens (kept after a soft delete).

Imported at the end of `storage.models` so Alembic and `Base.metadata` see it; import it from
there (`from storage.models import AssistSession`) or after `storage.models` has been imported.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _enum, utcnow


class SessionResult(enum.StrEnum):
    DONE = "done"
    NOT_DONE = "not_done"
    RESCHEDULED = "rescheduled"


class AssistSession(Base):
    """A member helped `citizens` people at a thôn/tổ dân phố on a local date.

    `category` is a code of the configurable list in `handlers.session_parser.CATEGORIES`
    (kept as a plain string so the list can grow without a migration). The elderly, disabled
    and poor counts are the priority groups among the citizens (a person may be in several).
    The note is masked with `storage.privacy.mask_pii` before it is written.
    """

    __tablename__ = "assist_sessions"
    __table_args__ = (
        Index("ix_assist_sessions_person_date", "person_id", "date"),
        Index("ix_assist_sessions_date", "date"),
        Index("ix_assist_sessions_unit_date", "unit_id", "date"),  # migration 007: reports by thôn
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"))
    date: Mapped[dt.date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    citizens: Mapped[int] = mapped_column(Integer, default=1)
    elderly: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[int] = mapped_column(Integer, default=0)
    poor: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[SessionResult] = mapped_column(_enum(SessionResult, "session_result"),
                                                  default=SessionResult.DONE)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(Integer)  # the tickets table comes later (no FK yet)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
