"""Data retention and erasure: drop old question logs and closed tickets, and erase one person's messages.

`purge_older_than` serves `cnscd privacy purge`; `erase_person_messages` serves the citizen's
`/xoadulieu`. Neither touches the audit log (append-only) or assistance sessions (team records).
The caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, DialogState, PendingChoices, QuestionLog, Ticket, TicketMessage
from storage.models_tickets import TicketStatus
from storage.repos import audit

REDACTED = "[đã xóa theo yêu cầu]"
CITIZEN_DIRECTION = "in"  # a ticket message written by the citizen (members' replies are "out")

_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dwmy])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """"365d", "8w", "6m" (a month is 30 days), "2y" (365 days); ValueError otherwise."""
    match = _DURATION.match(text or "")
    if match is None or int(match.group(1)) == 0:
        raise ValueError(text)
    return timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()])


# ---------------------------------------------------------------- retention

@dataclass(frozen=True)
class PurgeCounts:
    questions: int = 0
    tickets: int = 0
    ticket_messages: int = 0


async def _count(s: AsyncSession, query) -> int:  # type: ignore[no-untyped-def]
    return int(await s.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def purge_older_than(s: AsyncSession, cutoff: datetime, *, dry_run: bool = False,
                           actor_id: int | None = None) -> PurgeCounts:
    """Delete question logs asked before `cutoff`, and tickets closed before it with their messages.

    Open and claimed tickets are kept whatever their age. With `dry_run` nothing changes and the
    counts say what would go.
    """
    old_tickets = select(Ticket.id).where(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at.is_not(None),
                                          Ticket.closed_at < cutoff)
    old_messages = select(TicketMessage.id).where(TicketMessage.ticket_id.in_(old_tickets))
    old_questions = select(QuestionLog.id).where(QuestionLog.asked_at < cutoff)
    counts = PurgeCounts(await _count(s, old_questions), await _count(s, old_tickets),
                         await _count(s, old_messages))
    if dry_run:
        return counts
    await s.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(old_tickets))
                    .execution_options(synchronize_session=False))
    await s.execute(delete(Ticket).where(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at.is_not(None),
                                         Ticket.closed_at < cutoff).execution_options(synchronize_session=False))
    await s.execute(delete(QuestionLog).where(QuestionLog.asked_at < cutoff)
                    .execution_options(synchronize_session=False))
    await audit.record(s, actor_id, "privacy", None, "purge",
                       f"trước {cutoff:%d/%m/%Y}: {_words(counts)}")
    return counts


def _words(counts: PurgeCounts | ErasedCounts) -> str:
    return (f"{counts.questions} câu hỏi, {counts.tickets} yêu cầu hỗ trợ, "
            f"{counts.ticket_messages} tin nhắn")


# ---------------------------------------------------------------- erasure on request

@dataclass(frozen=True)
class ErasedCounts:
    questions: int = 0
    tickets: int = 0
    ticket_messages: int = 0
    dialogs: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.questions or self.tickets or self.ticket_messages or self.dialogs)


async def _identity_ids(s: AsyncSession, person_id: int) -> list[int]:
    return list(await s.scalars(select(ChannelIdentity.id).where(ChannelIdentity.person_id == person_id)))


async def count_person_messages(s: AsyncSession, person_id: int) -> ErasedCounts:
    """What `erase_person_messages` would remove for this person (for the confirmation question)."""
    ids = await _identity_ids(s, person_id)
    if not ids:
        return ErasedCounts()
    tickets = select(Ticket.id).where(Ticket.citizen_identity_id.in_(ids))
    return ErasedCounts(  # what was erased before (the redacted texts) does not count again
        questions=await _count(s, select(QuestionLog.id).where(QuestionLog.identity_id.in_(ids))),
        tickets=await _count(s, tickets.where(Ticket.text != REDACTED)),
        ticket_messages=await _count(s, select(TicketMessage.id).where(
            TicketMessage.ticket_id.in_(tickets), TicketMessage.text != REDACTED)),
        dialogs=await _count(s, select(DialogState.id).where(DialogState.identity_id.in_(ids))),
    )


async def erase_person_messages(s: AsyncSession, person_id: int) -> ErasedCounts:
    """Erase what a person wrote to the bot, on every channel they use, and nothing of anyone else.

    Their question log rows are deleted; their tickets stay (for statistics) with the text replaced by
    `REDACTED`; on those tickets their own messages are deleted and the team's replies redacted (they
    may quote them); their open dialog and pending numbered choices are dropped. The name and channel
    identity stay, so the bot still knows whom it talks to.
    """
    ids = await _identity_ids(s, person_id)
    if not ids:
        return ErasedCounts()
    ticket_ids = list(await s.scalars(select(Ticket.id).where(Ticket.citizen_identity_id.in_(ids))))
    counts = await count_person_messages(s, person_id)
    await s.execute(delete(QuestionLog).where(QuestionLog.identity_id.in_(ids))
                    .execution_options(synchronize_session=False))
    if ticket_ids:
        await s.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids),
                                                    TicketMessage.direction == CITIZEN_DIRECTION)
                        .execution_options(synchronize_session=False))
        await s.execute(update(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids))
                        .values(text=REDACTED).execution_options(synchronize_session=False))
        await s.execute(update(Ticket).where(Ticket.id.in_(ticket_ids)).values(text=REDACTED)
                        .execution_options(synchronize_session=False))
    await s.execute(delete(DialogState).where(DialogState.identity_id.in_(ids))
                    .execution_options(synchronize_session=False))
    await s.execute(delete(PendingChoices).where(PendingChoices.identity_id.in_(ids))
                    .execution_options(synchronize_session=False))
    await audit.record(s, person_id, "privacy", person_id, "erase",
                       _words(counts))
    return counts
