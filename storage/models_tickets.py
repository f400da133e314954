"""The citizen hand-off queue: tickets, the messages relayed on them, and team group chats.

Imported at the end of `storage.models` so Alembic and `Base.metadata` see it; import it from
there (`from storage.models import Ticket`) or after `storage.models` has been imported.

A ticket has exactly one owner at a time: the bot (status `open`, no owner: it waits in the queue),
one member (status `claimed`, `owner_id` set) or nobody (status `closed`). Every change of owner is a
conditional UPDATE on the status, so two members pressing "Nhận" at the same moment cannot both win.
Texts are masked with `storage.privacy.mask_pii` before they are written.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _enum, utcnow


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class Ticket(Base):
    """A citizen's request for a person of the Tổ CNSCĐ."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question_log.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), default="command")  # fallback|down|topic|command|admin
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    requeues: Mapped[int] = mapped_column(Integer, default=0)  # times it went back to the queue
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)  # leaders told it waits too long
    told_eta: Mapped[bool] = mapped_column(Boolean, default=False)  # citizen told when to expect an answer
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # entered the queue (last time)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    owner_active_at: Mapped[datetime | None] = mapped_column(DateTime)  # the owner's last claim or reply
    last_activity_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)


class TicketMessage(Base):
    """One message relayed on a ticket: `in` from the citizen, `out` from the member (masked)."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UnitGroup(Base):
    """The group chat of a team (`/nhom`): its hand-off notifications go there instead of to each member."""

    __tablename__ = "unit_groups"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_unit_groups_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
