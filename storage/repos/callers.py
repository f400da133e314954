"""Everything the conversation core needs about the sender of a message, read in one statement.

A returning user's message used to cost four reads before any handler ran (identity, person,
open dialog, claimed ticket); this joins them. New users are created by `create_citizen`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, DialogState, Person, Role, utcnow
from storage.models_tickets import Ticket, TicketStatus
from storage.repos import dialogs
from storage.repos.dialogs import Dialog
from storage.repos.people import ROLES_CHANGED, IdentityDTO, PersonDTO

_claimed = exists().where(Ticket.citizen_identity_id == ChannelIdentity.id,
                         Ticket.status == TicketStatus.CLAIMED, Ticket.owner_id.is_not(None))
# Built once (it runs for every message): identity, person, open dialog, and the claimed-ticket hint.
_CALLER = (
    select(ChannelIdentity.id, ChannelIdentity.channel, ChannelIdentity.external_id, ChannelIdentity.chat_id,
           ChannelIdentity.display_name, ChannelIdentity.person_id, ChannelIdentity.reachable,
           Person.name, Person.role, Person.unit_id, Person.reminder_channel,
           DialogState.dialog, DialogState.step, DialogState.data, DialogState.expires_at,
           _claimed.label("claimed"))
    .join(Person, Person.id == ChannelIdentity.person_id)
    .outerjoin(DialogState, DialogState.identity_id == ChannelIdentity.id)
    .where(and_(ChannelIdentity.channel == bindparam("channel"),
                ChannelIdentity.external_id == bindparam("external_id")))
)


@dataclass(frozen=True)
class Caller:
    identity: IdentityDTO
    person: PersonDTO
    dialog: Dialog | None
    # False when the identity certainly has no ticket claimed by a member (its text then goes to the
    # FAQ without looking the ticket up); True means "look it up".
    may_have_claimed_ticket: bool


async def load(s: AsyncSession, channel: str, external_id: str, chat_id: str, private: bool,
               now: datetime) -> Caller | None:
    """The sender, their person, open dialog and a claimed-ticket hint; None for a first-time sender.

    Also records where to reach them: only a private chat tells us their chat id (a group's chat id
    is never stored as theirs), and writing to us privately makes them reachable again.
    """
    row = (await s.execute(_CALLER, {"channel": channel, "external_id": external_id})).first()
    if row is None:
        return None
    identity = IdentityDTO(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
    person = PersonDTO(row.person_id, row.name, row.role, row.unit_id, row.reminder_channel)
    new_chat = chat_id if private and chat_id and chat_id != identity.chat_id else identity.chat_id
    reachable = identity.reachable or private
    if (new_chat, reachable) != (identity.chat_id, identity.reachable):
        await s.execute(update(ChannelIdentity).where(ChannelIdentity.id == identity.id)
                        .values(chat_id=new_chat, reachable=reachable))
        identity = IdentityDTO(identity.id, identity.channel, identity.external_id, new_chat,
                               identity.display_name, identity.person_id, reachable)
    dialog = None
    if row.dialog is not None:
        if row.expires_at <= now:
            await dialogs.clear(s, identity.id)
        else:
            dialog = Dialog(row.dialog, row.step, dict(row.data or {}), row.expires_at)
    return Caller(identity, person, dialog, bool(row.claimed))


async def create_citizen(s: AsyncSession, channel: str, external_id: str, chat_id: str, display_name: str,
                         private: bool) -> tuple[IdentityDTO, PersonDTO]:
    """A first-time sender becomes a citizen: two Core inserts (`load` has just found no identity).

    Only a private chat tells us where to reach them; otherwise their user id stands in for the chat.
    """
    name = display_name[:255]
    person_id = await s.scalar(_INSERT_PERSON, {"name": name or "Người dùng", "role": Role.CITIZEN,
                                                "created_at": utcnow()})
    chat = (chat_id if private else "") or external_id
    identity_id = await s.scalar(_INSERT_IDENTITY, {
        "channel": channel, "external_id": external_id, "chat_id": chat, "display_name": name,
        "person_id": person_id, "reachable": True, "created_at": utcnow()})
    assert person_id is not None and identity_id is not None
    return (IdentityDTO(identity_id, channel, external_id, chat, name, person_id, True),
            PersonDTO(person_id, name or "Người dùng", Role.CITIZEN, None, None))


_INSERT_PERSON = insert(Person.__table__).returning(Person.__table__.c.id)
_INSERT_IDENTITY = insert(ChannelIdentity.__table__).returning(ChannelIdentity.__table__.c.id)


async def person_after(s: AsyncSession, identity_id: int, before: PersonDTO) -> PersonDTO:
    """The caller's person at the end of the transaction: re-read only if a role or owner changed."""
    if not s.info.get(ROLES_CHANGED):
        return before
    row = (await s.execute(
        select(Person.id, Person.name, Person.role, Person.unit_id, Person.reminder_channel)
        .join(ChannelIdentity, ChannelIdentity.person_id == Person.id).where(ChannelIdentity.id == identity_id)
    )).first()
    return PersonDTO(*row) if row is not None else before
