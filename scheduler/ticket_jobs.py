"""Hand-off queue jobs: who hears about a ticket, and the housekeeping run every few minutes.

Every notification is an outbox row (drained by `scheduler.sender`): to a person (the sender picks a
reachable identity), or, for a team with a linked group chat and for the citizen, to an explicit
channel + chat id. Keys make every row unique, so running housekeeping twice sends nothing twice.

Housekeeping does two things:
- a claimed ticket whose owner has been silent for `ticket_claim_timeout_hours` (wall-clock hours)
  goes back to the queue: the citizen and the former owner are told, the team is notified again;
- an open ticket unclaimed for `ticket_unclaimed_alert_hours` *working* hours is reminded to the team
  leaders once per stay in the queue. Working hours are counted exactly: only time on working days
  outside quiet hours (`working_seconds`), so a ticket sent at 22:00 on Friday starts counting at
  07:00 on Monday.

Notifications to the team and to the citizen about the queue wait for the next working window
(`Calendar.next_window`); relayed messages (a live conversation) go at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers import texts_tickets as T
from scheduler.reminders import Calendar, PlannedMessage, enqueue, insert_outbox
from storage.models import Role, utcnow
from storage.repos import people
from storage.repos import tickets as repo
from storage.repos.tickets import TicketDTO

log = logging.getLogger(__name__)

KIND_NEW = "ticket_new"
KIND_ALERT = "ticket_alert"
KIND_NOTICE = "ticket_notice"
KIND_RELAY = "relay"
PREVIEW = 300
MAX_COUNT_DAYS = 60

Buttons = list[list[tuple[str, str]]]


# ---------------------------------------------------------------- outbox rows

async def enqueue_chat(s: AsyncSession, *, key: str, kind: str, channel: str, chat_id: str, text: str,
                       now: datetime, buttons: Buttons | None = None, not_before: datetime | None = None,
                       person_id: int | None = None) -> bool:
    """Like `scheduler.reminders.enqueue`, to an explicit chat; False when the key exists already."""
    row = {"key": key, "kind": kind, "person_id": person_id, "channel": channel, "chat_id": chat_id,
           "payload": {"text": text, "buttons": buttons or []}, "status": "pending", "attempts": 0,
           "not_before": not_before or now, "created_at": now}
    return await insert_outbox(s, [row]) == 1


async def tell_citizen(s: AsyncSession, ticket: TicketDTO, *, key: str, kind: str, text: str, now: datetime,
                       buttons: Buttons | None = None, not_before: datetime | None = None) -> bool:
    """An outbox row to the chat the citizen wrote from; False when they cannot be reached any more."""
    identity = await repo.citizen_identity(s, ticket)
    if identity is None:
        return False
    return await enqueue_chat(s, key=key, kind=kind, channel=identity.channel, chat_id=identity.chat_id,
                              text=text, now=now, buttons=buttons, not_before=not_before,
                              person_id=identity.person_id)


# ---------------------------------------------------------------- texts

def preview(text: str) -> str:
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


async def place_text(s: AsyncSession, unit_id: int | None) -> str:
    unit = await people.get_unit(s, unit_id) if unit_id is not None else None
    return T.PLACE_OF.format(name=unit.name) if unit else T.PLACE_UNKNOWN


def claim_buttons(ticket_id: int) -> Buttons:
    return [[(T.CLAIM_BUTTON, f"tk:claim:{ticket_id}")]]


# ---------------------------------------------------------------- who hears about a ticket

@dataclass
class Recipients:
    groups: list[repo.GroupDTO]
    persons: list[people.PersonDTO]

    def __bool__(self) -> bool:
        return bool(self.groups or self.persons)


async def _recipients_of(s: AsyncSession, village_id: int | None, skip: set[int]) -> Recipients:
    teams = await repo.teams_of_village(s, village_id)
    groups = await repo.groups_of(s, teams)
    members = await repo.team_members(s, teams)
    persons = [p for team in teams if team not in groups for p in members[team] if p.id not in skip]
    return Recipients([groups[t] for t in teams if t in groups], persons)


async def recipients(s: AsyncSession, village_id: int | None, skip: set[int]) -> Recipients:
    """The teams of the ticket's thôn (their group chat, else each member); the whole commune when the
    thôn is unknown or its team has nobody; the admins as a last resort."""
    found = await _recipients_of(s, village_id, skip)
    if not found and village_id is not None:
        found = await _recipients_of(s, None, skip)
    if not found:
        found = Recipients([], [p for p in await people.persons_with_role(s, Role.ADMIN) if p.id not in skip])
    return found


async def leaders_for(s: AsyncSession, village_id: int | None) -> list[people.PersonDTO]:
    """The team leaders of the thôn (of every team when unknown), else the admins."""
    leaders = await repo.members_of(s, await repo.teams_of_village(s, village_id), (Role.LEADER,))
    if not leaders and village_id is not None:
        leaders = await repo.members_of(s, await repo.teams_of_village(s, None), (Role.LEADER,))
    return leaders or await people.persons_with_role(s, Role.ADMIN)


async def notify_team(s: AsyncSession, settings: Settings, ticket: TicketDTO, now: datetime, *,
                      skip: set[int] | None = None, requeued: bool = False) -> int:
    """Tell the thôn's team about an open ticket, with a "Nhận" button; returns the rows queued."""
    send_at = Calendar(settings).next_window(now)
    template = T.REQUEUED_TICKET if requeued else T.NEW_TICKET
    text = template.format(id=ticket.id, place=await place_text(s, ticket.unit_id), text=preview(ticket.text))
    buttons = claim_buttons(ticket.id)
    found = await recipients(s, ticket.unit_id, skip or set())
    prefix = f"tk-new:{ticket.id}:{ticket.requeues}"
    added = 0
    for group in found.groups:
        added += await enqueue_chat(s, key=f"{prefix}:g{group.id}", kind=KIND_NEW, channel=group.channel,
                                    chat_id=group.chat_id, text=text, now=now, buttons=buttons,
                                    not_before=send_at)
    for person in found.persons:
        added += await enqueue(s, PlannedMessage(f"{prefix}:p{person.id}", KIND_NEW, person.id, text, buttons,
                                                 send_at), now)
    return added


# ---------------------------------------------------------------- working time

def _open_intervals(day: datetime, settings: Settings) -> list[tuple[datetime, datetime]]:
    """The parts of one local day outside quiet hours (aware datetimes)."""
    start_of_day = day
    end_of_day = start_of_day + timedelta(days=1)
    quiet_start, quiet_end = settings.quiet_hours_start, settings.quiet_hours_end

    def at(moment: time) -> datetime:
        return datetime.combine(start_of_day.date(), moment, tzinfo=settings.tz)

    if quiet_start == quiet_end:
        return [(start_of_day, end_of_day)]
    if quiet_start > quiet_end:  # quiet hours wrap midnight (21:00-07:00): open 07:00-21:00
        return [(at(quiet_end), at(quiet_start))]
    return [(start_of_day, at(quiet_start)), (at(quiet_end), end_of_day)]


def working_seconds(start: datetime, end: datetime, settings: Settings) -> float:
    """Seconds between two naive-UTC moments that fall on working days outside quiet hours."""
    if end <= start:
        return 0.0
    cal = Calendar(settings)
    tz = settings.tz
    lo_all = start.replace(tzinfo=UTC).astimezone(tz)
    hi_all = end.replace(tzinfo=UTC).astimezone(tz)
    day = lo_all.date()
    last = min(hi_all.date(), day + timedelta(days=MAX_COUNT_DAYS))
    total = 0.0
    while day <= last:
        if cal.is_working(day):
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            for a, b in _open_intervals(midnight, settings):
                lo, hi = max(a, lo_all), min(b, hi_all)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


# ---------------------------------------------------------------- housekeeping

@dataclass
class HousekeepingStats:
    requeued: int = 0
    alerted: int = 0


async def requeue(s: AsyncSession, settings: Settings, ticket: TicketDTO, now: datetime, *,
                  timed_out: bool) -> bool:
    """Put a claimed ticket back in the queue (if its owner still holds it), tell the citizen and the
    team; after a timeout the former owner is told too."""
    if not await repo.release(s, ticket.id, ticket.owner_id, now):
        return False
    fresh = await repo.get_ticket(s, ticket.id)
    assert fresh is not None
    send_at = Calendar(settings).next_window(now)
    await tell_citizen(s, fresh, key=f"tk-requeue:{fresh.id}:{fresh.requeues}", kind=KIND_NOTICE,
                       text=T.CITIZEN_REQUEUED.format(id=fresh.id), now=now, not_before=send_at)
    skip = {ticket.owner_id} if ticket.owner_id is not None else set()
    if timed_out and ticket.owner_id is not None:
        hours = f"{settings.ticket_claim_timeout_hours:g}"
        await enqueue(s, PlannedMessage(f"tk-timeout:{fresh.id}:{fresh.requeues}", KIND_NOTICE, ticket.owner_id,
                                        T.OWNER_TIMED_OUT.format(id=fresh.id, hours=hours), [], send_at), now)
    await notify_team(s, settings, fresh, now, skip=skip, requeued=True)
    return True


async def alert_leaders(s: AsyncSession, settings: Settings, ticket: TicketDTO, now: datetime) -> int:
    send_at = Calendar(settings).next_window(now)
    text = T.ALERT.format(id=ticket.id, place=await place_text(s, ticket.unit_id), text=preview(ticket.text),
                          hours=f"{settings.ticket_unclaimed_alert_hours:g}")
    added = 0
    for leader in await leaders_for(s, ticket.unit_id):
        added += await enqueue(s, PlannedMessage(f"tk-alert:{ticket.id}:{ticket.requeues}:{leader.id}",
                                                 KIND_ALERT, leader.id, text, claim_buttons(ticket.id), send_at),
                               now)
    await repo.set_alerted(s, ticket.id)
    return added


async def run_housekeeping(s: AsyncSession, settings: Settings, now: datetime) -> HousekeepingStats:
    """Return silent claims to the queue and remind leaders of tickets waiting too long."""
    stats = HousekeepingStats()
    cutoff = now - timedelta(hours=settings.ticket_claim_timeout_hours)
    for ticket in await repo.stale_claimed(s, cutoff):
        stats.requeued += await requeue(s, settings, ticket, now, timed_out=True)
    threshold = settings.ticket_unclaimed_alert_hours * 3600
    for ticket in await repo.open_not_alerted(s):
        if working_seconds(ticket.opened_at, now, settings) >= threshold:
            await alert_leaders(s, settings, ticket, now)
            stats.alerted += 1
    await s.flush()
    return stats


async def housekeeping_once(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> HousekeepingStats:
    """One housekeeping run in its own transaction (the scheduler job)."""
    async with sessionmaker() as s, s.begin():
        stats = await run_housekeeping(s, settings, utcnow())
    if stats.requeued or stats.alerted:
        log.info("tickets: %d back to the queue, %d reminded to leaders", stats.requeued, stats.alerted)
    return stats
