"""The hand-off queue: tickets, relayed messages, who gets notified, and team group chats.

The caller owns the transaction: nothing here commits. Every text is masked before it is written.
Each change of a ticket's owner is a conditional UPDATE (`... WHERE id = :id AND status = :expected`)
whose row count says whether this caller won: two members claiming at once cannot both get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Person, Role, Unit, UnitKind
from storage.models_sessions import AssistSession
from storage.models_tickets import Ticket, TicketMessage, TicketStatus, UnitGroup
from storage.privacy import mask_pii
from storage.repos.people import IdentityDTO, PersonDTO, identity_dto, person_dto

TEXT_MAX = 2000
ACTIVE = (TicketStatus.OPEN, TicketStatus.CLAIMED)
TEAM_ROLES = (Role.MEMBER, Role.LEADER)


@dataclass(frozen=True)
class TicketDTO:
    id: int
    citizen_identity_id: int | None
    unit_id: int | None
    question_id: int | None
    source: str
    text: str
    status: TicketStatus
    owner_id: int | None
    requeues: int
    alerted: bool
    told_eta: bool
    created_at: datetime
    opened_at: datetime
    claimed_at: datetime | None
    owner_active_at: datetime | None
    last_activity_at: datetime
    closed_at: datetime | None
    closed_by_id: int | None
    rating: int | None


@dataclass(frozen=True)
class TicketMessageDTO:
    id: int
    ticket_id: int
    direction: str
    person_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class GroupDTO:
    id: int
    unit_id: int
    channel: str
    chat_id: str


def ticket_dto(t: Ticket) -> TicketDTO:
    return TicketDTO(
        t.id, t.citizen_identity_id, t.unit_id, t.question_id, t.source, t.text, TicketStatus(t.status),
        t.owner_id, t.requeues, t.alerted, t.told_eta, t.created_at, t.opened_at, t.claimed_at,
        t.owner_active_at, t.last_activity_at, t.closed_at, t.closed_by_id, t.rating,
    )


def _message_dto(m: TicketMessage) -> TicketMessageDTO:
    return TicketMessageDTO(m.id, m.ticket_id, m.direction, m.person_id, m.text, m.created_at)


def _group_dto(g: UnitGroup) -> GroupDTO:
    return GroupDTO(g.id, g.unit_id, g.channel, g.chat_id)


def masked(text: str) -> str:
    return mask_pii(text.strip())[:TEXT_MAX]


# ---------------------------------------------------------------- tickets

async def create_ticket(
    s: AsyncSession, *, identity_id: int, unit_id: int | None, text: str, question_id: int | None,
    source: str, now: datetime, told_eta: bool = False,
) -> TicketDTO:
    row = Ticket(
        citizen_identity_id=identity_id, unit_id=unit_id, question_id=question_id, source=source[:16],
        text=masked(text), status=TicketStatus.OPEN, requeues=0, alerted=False, told_eta=told_eta,
        created_at=now, opened_at=now, last_activity_at=now,
    )
    s.add(row)
    await s.flush()
    return ticket_dto(row)


async def get_ticket(s: AsyncSession, ticket_id: int) -> TicketDTO | None:
    row = await s.get(Ticket, ticket_id, populate_existing=True)
    return ticket_dto(row) if row else None


async def active_for_identity(s: AsyncSession, identity_id: int) -> TicketDTO | None:
    """The citizen's open or claimed ticket (the newest, if several)."""
    row = await s.scalar(
        select(Ticket).where(Ticket.citizen_identity_id == identity_id, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.id.desc()).limit(1)
    )
    return ticket_dto(row) if row else None


async def awaiting_rating(s: AsyncSession, identity_id: int, since: datetime) -> TicketDTO | None:
    """The citizen's newest ticket closed after `since` and not rated yet."""
    row = await s.scalar(
        select(Ticket).where(Ticket.citizen_identity_id == identity_id, Ticket.status == TicketStatus.CLOSED,
                             Ticket.rating.is_(None), Ticket.closed_at >= since)
        .order_by(Ticket.closed_at.desc(), Ticket.id.desc()).limit(1)
    )
    return ticket_dto(row) if row else None


async def told_eta_since(s: AsyncSession, identity_id: int, since: datetime) -> bool:
    """Whether this citizen was told when to expect an answer on a ticket created after `since`."""
    found = await s.scalar(
        select(Ticket.id).where(Ticket.citizen_identity_id == identity_id, Ticket.told_eta.is_(True),
                                Ticket.created_at >= since).limit(1)
    )
    return found is not None


async def list_open(s: AsyncSession, limit: int = 50) -> list[TicketDTO]:
    rows = await s.scalars(
        select(Ticket).where(Ticket.status == TicketStatus.OPEN).order_by(Ticket.opened_at, Ticket.id).limit(limit)
    )
    return [ticket_dto(r) for r in rows]


async def owned_by(s: AsyncSession, person_id: int) -> list[TicketDTO]:
    rows = await s.scalars(
        select(Ticket).where(Ticket.status == TicketStatus.CLAIMED, Ticket.owner_id == person_id)
        .order_by(Ticket.claimed_at, Ticket.id)
    )
    return [ticket_dto(r) for r in rows]


async def stale_claimed(s: AsyncSession, before: datetime) -> list[TicketDTO]:
    """Claimed tickets whose owner has been silent since before `before` (or whose owner is gone)."""
    rows = await s.scalars(
        select(Ticket).where(Ticket.status == TicketStatus.CLAIMED,
                             or_(Ticket.owner_active_at < before, Ticket.owner_active_at.is_(None),
                                 Ticket.owner_id.is_(None)))
        .order_by(Ticket.id)
    )
    return [ticket_dto(r) for r in rows]


async def open_not_alerted(s: AsyncSession) -> list[TicketDTO]:
    rows = await s.scalars(
        select(Ticket).where(Ticket.status == TicketStatus.OPEN, Ticket.alerted.is_(False)).order_by(Ticket.id)
    )
    return [ticket_dto(r) for r in rows]


async def claim(s: AsyncSession, ticket_id: int, person_id: int, now: datetime) -> bool:
    """Take an open ticket; True for exactly one caller however many try at once."""
    result = await s.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.status == TicketStatus.OPEN)
        .values(status=TicketStatus.CLAIMED, owner_id=person_id, claimed_at=now, owner_active_at=now,
                last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def release(s: AsyncSession, ticket_id: int, owner_id: int | None, now: datetime) -> bool:
    """Put a claimed ticket back in the queue, if `owner_id` (None: nobody) still owns it."""
    owner = Ticket.owner_id.is_(None) if owner_id is None else Ticket.owner_id == owner_id
    result = await s.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.status == TicketStatus.CLAIMED, owner)
        .values(status=TicketStatus.OPEN, owner_id=None, opened_at=now, last_activity_at=now,
                requeues=Ticket.requeues + 1, alerted=False)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def close(s: AsyncSession, ticket_id: int, by_person_id: int, now: datetime) -> bool:
    result = await s.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.status.in_(ACTIVE))
        .values(status=TicketStatus.CLOSED, closed_at=now, closed_by_id=by_person_id, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def rate(s: AsyncSession, ticket_id: int, identity_id: int, rating: int, now: datetime) -> bool:
    """The citizen's 1-5 rating of a closed ticket, once; False for anyone else or a second time."""
    result = await s.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.status == TicketStatus.CLOSED,
                             Ticket.citizen_identity_id == identity_id, Ticket.rating.is_(None))
        .values(rating=rating, rated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def set_alerted(s: AsyncSession, ticket_id: int) -> None:
    await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(alerted=True)
                    .execution_options(synchronize_session=False))


async def add_message(s: AsyncSession, ticket_id: int, direction: str, person_id: int | None, text: str,
                      now: datetime) -> TicketMessageDTO:
    """Keep one relayed message (masked) and note the activity; an owner's reply resets the timeout."""
    row = TicketMessage(ticket_id=ticket_id, direction=direction, person_id=person_id, text=masked(text),
                        created_at=now)
    s.add(row)
    values: dict[str, object] = {"last_activity_at": now}
    if direction == "out":
        values["owner_active_at"] = now
    await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values)
                    .execution_options(synchronize_session=False))
    await s.flush()
    return _message_dto(row)


async def messages_of(s: AsyncSession, ticket_id: int) -> list[TicketMessageDTO]:
    rows = await s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
                           .order_by(TicketMessage.id))
    return [_message_dto(r) for r in rows]


async def session_for_ticket(s: AsyncSession, ticket_id: int) -> int | None:
    """The live assistance session already logged for this ticket, if any."""
    return await s.scalar(select(AssistSession.id).where(AssistSession.ticket_id == ticket_id,
                                                         AssistSession.deleted_at.is_(None)).limit(1))


async def identity_by_id(s: AsyncSession, identity_id: int) -> IdentityDTO | None:
    row = await s.get(ChannelIdentity, identity_id)
    return identity_dto(row) if row else None


async def citizen_identity(s: AsyncSession, ticket: TicketDTO) -> IdentityDTO | None:
    if ticket.citizen_identity_id is None:
        return None
    return await identity_by_id(s, ticket.citizen_identity_id)


# ---------------------------------------------------------------- who hears about a ticket

async def teams_of_village(s: AsyncSession, village_id: int | None) -> list[int]:
    """The Tổ CNSCĐ of a thôn (teams whose parent is that thôn); every team when the thôn is unknown."""
    query = select(Unit.id).where(Unit.kind == UnitKind.TEAM).order_by(Unit.id)
    if village_id is not None:
        query = query.where(Unit.parent_id == village_id)
    return list(await s.scalars(query))


async def members_of(s: AsyncSession, unit_ids: list[int], roles: tuple[Role, ...] = TEAM_ROLES,
                     ) -> list[PersonDTO]:
    if not unit_ids:
        return []
    rows = await s.scalars(select(Person).where(Person.unit_id.in_(unit_ids), Person.role.in_(roles))
                           .order_by(Person.id))
    return [person_dto(p) for p in rows]


async def team_members(s: AsyncSession, unit_ids: list[int]) -> dict[int, list[PersonDTO]]:
    """Members and leaders per team."""
    by_team: dict[int, list[PersonDTO]] = {uid: [] for uid in unit_ids}
    for person in await members_of(s, unit_ids):
        if person.unit_id in by_team:
            by_team[person.unit_id].append(person)
    return by_team


# ---------------------------------------------------------------- team group chats

async def group_of(s: AsyncSession, unit_id: int) -> GroupDTO | None:
    row = await s.scalar(select(UnitGroup).where(UnitGroup.unit_id == unit_id))
    return _group_dto(row) if row else None


async def groups_of(s: AsyncSession, unit_ids: list[int]) -> dict[int, GroupDTO]:
    if not unit_ids:
        return {}
    rows = await s.scalars(select(UnitGroup).where(UnitGroup.unit_id.in_(unit_ids)))
    return {r.unit_id: _group_dto(r) for r in rows}


async def group_by_chat(s: AsyncSession, channel: str, chat_id: str) -> GroupDTO | None:
    row = await s.scalar(select(UnitGroup).where(UnitGroup.channel == channel, UnitGroup.chat_id == chat_id))
    return _group_dto(row) if row else None


async def link_group(s: AsyncSession, unit_id: int, channel: str, chat_id: str, by_person_id: int,
                     now: datetime) -> GroupDTO:
    """Link a group chat to a unit; a unit has one group and a group serves one unit (the newest link wins)."""
    await s.execute(delete(UnitGroup).where(
        or_(UnitGroup.unit_id == unit_id, (UnitGroup.channel == channel) & (UnitGroup.chat_id == chat_id))))
    row = UnitGroup(unit_id=unit_id, channel=channel, chat_id=chat_id, linked_by_id=by_person_id,
                    created_at=now)
    s.add(row)
    await s.flush()
    return _group_dto(row)


async def unlink_group(s: AsyncSession, group_id: int) -> bool:
    result = await s.execute(delete(UnitGroup).where(UnitGroup.id == group_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
