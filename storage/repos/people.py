"""Units, people, channel identities and invites: queries returning plain dataclasses.

The caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CTE, Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Invite, Person, Role, Unit, UnitKind, utcnow
from storage.repos import audit


@dataclass(frozen=True)
class UnitDTO:
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_id: int | None


@dataclass(frozen=True)
class PersonDTO:
    id: int
    name: str
    role: Role
    unit_id: int | None
    reminder_channel: str | None = None


@dataclass(frozen=True)
class IdentityDTO:
    id: int
    channel: str
    external_id: str
    chat_id: str
    display_name: str
    person_id: int
    reachable: bool


def unit_dto(u: Unit) -> UnitDTO:
    return UnitDTO(u.id, u.code, u.name, u.kind, u.parent_id)


def person_dto(p: Person) -> PersonDTO:
    return PersonDTO(p.id, p.name, p.role, p.unit_id, p.reminder_channel)


def identity_dto(i: ChannelIdentity) -> IdentityDTO:
    return IdentityDTO(i.id, i.channel, i.external_id, i.chat_id, i.display_name, i.person_id, i.reachable)


# ---------------------------------------------------------------- units

async def add_unit(
    s: AsyncSession, code: str, name: str, kind: UnitKind, parent_code: str | None = None
) -> UnitDTO:
    parent_id = None
    if parent_code:
        parent = await get_unit_by_code(s, parent_code)
        if parent is None:
            raise LookupError(parent_code)
        parent_id = parent.id
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent_id)
    s.add(unit)
    await s.flush()
    return unit_dto(unit)


async def get_unit_by_code(s: AsyncSession, code: str) -> UnitDTO | None:
    unit = await s.scalar(select(Unit).where(Unit.code == code))
    return unit_dto(unit) if unit else None


async def get_unit(s: AsyncSession, unit_id: int) -> UnitDTO | None:
    unit = await s.get(Unit, unit_id)
    return unit_dto(unit) if unit else None


async def list_units(s: AsyncSession, kind: UnitKind | None = None) -> list[UnitDTO]:
    q = select(Unit).order_by(Unit.code)
    if kind is not None:
        q = q.where(Unit.kind == kind)
    return [unit_dto(u) for u in await s.scalars(q)]


def _down_from(roots: Select[tuple[int]]) -> CTE:
    """The ids `roots` selects and all their descendants (UNION stops on a cyclic tree)."""
    down = roots.cte("down", recursive=True)
    return down.union(select(Unit.id).join(down, Unit.parent_id == down.c.id))


_UNIT_COLUMNS = (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id)


async def subtree_ids(s: AsyncSession, unit_id: int) -> set[int]:
    """The unit and all its descendants (one recursive query)."""
    down = _down_from(select(Unit.id).where(Unit.id == unit_id))
    return set(await s.scalars(select(down.c.id))) or {unit_id}


async def units_under(s: AsyncSession, unit_id: int) -> list[UnitDTO]:
    """The unit and all its descendants, ordered by code (one recursive query)."""
    down = _down_from(select(Unit.id).where(Unit.id == unit_id))
    rows = await s.execute(select(*_UNIT_COLUMNS).where(Unit.id.in_(select(down.c.id))).order_by(Unit.code))
    return [UnitDTO(*row) for row in rows.all()]


async def commune_of(s: AsyncSession, unit_id: int) -> list[UnitDTO]:
    """Every unit of the tree `unit_id` belongs to (under its topmost ancestor), ordered by code.

    One statement: walk up to the root, then down from it. A corrupt, cyclic tree has no root; the
    unit's own subtree is returned then.
    """
    rows = (await s.execute(_COMMUNE_OF, {"unit": unit_id})).all()
    return [UnitDTO(*row) for row in rows] if rows else await units_under(s, unit_id)


def _commune_of_statement() -> Select[tuple[int, str, str, UnitKind, int | None]]:
    up = select(Unit.id, Unit.parent_id).where(Unit.id == bindparam("unit")).cte("up", recursive=True)
    up = up.union(select(Unit.id, Unit.parent_id).join(up, Unit.id == up.c.parent_id))
    down = _down_from(select(Unit.id).where(Unit.id.in_(select(up.c.id).where(up.c.parent_id.is_(None)))))
    return select(*_UNIT_COLUMNS).where(Unit.id.in_(select(down.c.id))).order_by(Unit.code)


_COMMUNE_OF = _commune_of_statement()  # built once: it runs for most messages of team members


def nearest_village(units: Sequence[UnitDTO], unit_id: int | None) -> int | None:
    """The thôn/tổ dân phố a unit works in: itself if it is one, else its nearest such ancestor."""
    by_id = {u.id: u for u in units}
    seen: set[int] = set()
    while unit_id in by_id and unit_id not in seen:
        seen.add(unit_id)
        if by_id[unit_id].kind == UnitKind.VILLAGE:
            return unit_id
        unit_id = by_id[unit_id].parent_id
    return None


# ---------------------------------------------------------------- people

async def add_person(s: AsyncSession, name: str, role: Role, unit_id: int | None) -> PersonDTO:
    person = Person(name=name, role=role, unit_id=unit_id)
    s.add(person)
    await s.flush()
    return person_dto(person)


async def get_person(s: AsyncSession, person_id: int) -> PersonDTO | None:
    person = await s.get(Person, person_id)
    return person_dto(person) if person else None


# Set in `session.info` by every change of a role or of an identity's owner, so the conversation core
# knows to re-read the caller's role (for the command menu) instead of trusting what it read first.
ROLES_CHANGED = "cnscd_roles_changed"


async def set_role(s: AsyncSession, person_id: int, role: Role, unit_id: int | None,
                   actor_id: int | None = None) -> None:
    s.info[ROLES_CHANGED] = True
    await s.execute(update(Person).where(Person.id == person_id).values(role=role, unit_id=unit_id))
    await audit.record(s, actor_id, "role", person_id, "set_role", f"{role.value}, đơn vị #{unit_id}")


async def persons_with_role(s: AsyncSession, role: Role) -> list[PersonDTO]:
    rows = await s.scalars(select(Person).where(Person.role == role).order_by(Person.id))
    return [person_dto(p) for p in rows]


async def count_persons(s: AsyncSession) -> int:
    return int(await s.scalar(select(func.count(Person.id))) or 0)


# ---------------------------------------------------------------- identities

async def find_identity(s: AsyncSession, channel: str, external_id: str) -> IdentityDTO | None:
    row = await s.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    )
    return identity_dto(row) if row else None


async def find_identity_by_chat(s: AsyncSession, channel: str, chat_id: str) -> IdentityDTO | None:
    row = await s.scalar(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.chat_id == chat_id)
        .order_by(ChannelIdentity.id).limit(1)
    )
    return identity_dto(row) if row else None


async def attach_identity(
    s: AsyncSession, person_id: int, channel: str, external_id: str, chat_id: str, display_name: str = ""
) -> IdentityDTO:
    row = ChannelIdentity(
        channel=channel, external_id=external_id, chat_id=chat_id,
        display_name=display_name, person_id=person_id, reachable=True,
    )
    s.add(row)
    await s.flush()
    return identity_dto(row)


async def identities_of(s: AsyncSession, person_id: int) -> list[IdentityDTO]:
    rows = await s.scalars(select(ChannelIdentity).where(ChannelIdentity.person_id == person_id))
    return [identity_dto(r) for r in rows]


async def mark_unreachable(s: AsyncSession, channel: str, chat_id: str) -> None:
    await s.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.chat_id == chat_id)
        .values(reachable=False)
    )


# ---------------------------------------------------------------- invites

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


@dataclass(frozen=True)
class InviteDTO:
    code: str
    role: Role
    unit_id: int
    expires_at: datetime
    uses_left: int


async def create_invite(
    s: AsyncSession, role: Role, unit_id: int, days: int = 7, uses: int = 1, created_by: int | None = None
) -> InviteDTO:
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
    inv = Invite(
        code=code, role=role, unit_id=unit_id, expires_at=utcnow() + timedelta(days=days),
        uses_left=uses, created_by_id=created_by,
    )
    s.add(inv)
    await s.flush()
    return InviteDTO(code, role, unit_id, inv.expires_at, uses)


class InviteProblem(Exception):
    """Why an invite code cannot be used: 'unknown', 'expired' or 'used_up'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def redeem_invite(s: AsyncSession, code: str, person_id: int) -> InviteDTO:
    """Use one slot of an invite and give the person its role and unit."""
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    inv = await s.scalar(select(Invite).where(Invite.code == normalized))
    if inv is None:
        raise InviteProblem("unknown")
    if inv.expires_at <= utcnow():
        raise InviteProblem("expired")
    # Conditional decrement: two people racing for the last slot cannot both win.
    result = await s.execute(
        update(Invite).where(Invite.id == inv.id, Invite.uses_left > 0).values(uses_left=Invite.uses_left - 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteProblem("used_up")
    await set_role(s, person_id, inv.role, inv.unit_id, actor_id=person_id)
    return InviteDTO(inv.code, inv.role, inv.unit_id, inv.expires_at, inv.uses_left - 1)


# ---------------------------------------------------------------- linking identities (/lienket)

LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


async def issue_link_code(s: AsyncSession, person_id: int, now: datetime, ttl: timedelta) -> str:
    """A fresh one-time code for this person (any older one is dropped)."""
    from storage.models_links import LinkCode

    await s.execute(delete(LinkCode).where(LinkCode.person_id == person_id))
    code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(6))
    s.add(LinkCode(code=code, person_id=person_id, expires_at=now + ttl))
    await s.flush()
    return code


async def redeem_link_code(s: AsyncSession, code: str, identity_id: int, now: datetime) -> int | None:
    """Move an identity to the code's owner; the owner's person id, or None for a bad/expired code."""
    from storage.models_links import LinkCode

    row = await s.get(LinkCode, code[:16])
    if row is None or row.expires_at <= now:
        return None
    owner = row.person_id
    await s.execute(delete(LinkCode).where(LinkCode.code == row.code))  # one use only
    await s.execute(update(ChannelIdentity).where(ChannelIdentity.id == identity_id).values(person_id=owner))
    s.info[ROLES_CHANGED] = True
    return owner


async def link_code_owner(s: AsyncSession, code: str, now: datetime) -> int | None:
    from storage.models_links import LinkCode

    row = await s.get(LinkCode, code[:16])
    return row.person_id if row is not None and row.expires_at > now else None


async def set_reminder_channel(s: AsyncSession, person_id: int, channel: str) -> None:
    await s.execute(update(Person).where(Person.id == person_id).values(reminder_channel=channel))
