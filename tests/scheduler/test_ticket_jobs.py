"""Hand-off queue housekeeping: silent claims go back to the queue, long waits reach the leaders once,
and waiting time counts working hours only."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.settings import Settings
from scheduler.service import SchedulerService
from scheduler.ticket_jobs import housekeeping_once, notify_team, run_housekeeping, working_seconds
from storage.models import Outbox, Person
from storage.models_tickets import TicketStatus
from storage.repos import people
from storage.repos import tickets as repo

WORKDAY_NOON = datetime(2025, 12, 16, 5, 0)  # 12:00 in Hà Nội on a Tuesday, naive UTC
FRIDAY_EVENING = datetime(2025, 12, 19, 13, 30)  # 20:30 on Friday in Hà Nội
MONDAY_0730 = datetime(2025, 12, 22, 0, 30)  # 07:30 on Monday in Hà Nội


async def _open_ticket(app: App, at: datetime, village: str | None = "THON-DONG") -> int:
    async with app.sessionmaker() as s, s.begin():
        identity = await people.find_identity(s, "console", "console-citizen")
        unit = await people.get_unit_by_code(s, village) if village else None
        assert identity is not None
        ticket = await repo.create_ticket(s, identity_id=identity.id, unit_id=unit.id if unit else None,
                                          text="nhờ tổ đến nhà cài VNeID", question_id=None, source="command",
                                          now=at)
        await notify_team(s, app.settings, ticket, at)
        return ticket.id


async def _person(app: App, name: str) -> int:
    async with app.sessionmaker() as s:
        found = await s.scalar(select(Person.id).where(Person.name == name))
        assert found is not None
        return found


async def _keys(app: App, prefix: str) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list(await s.scalars(select(Outbox).where(Outbox.key.startswith(prefix)).order_by(Outbox.id)))


async def _housekeep(app: App, now: datetime):  # type: ignore[no-untyped-def]
    async with app.sessionmaker() as s, s.begin():
        return await run_housekeeping(s, app.settings, now)


def test_working_seconds_skip_quiet_hours_weekends_and_holidays(settings: Settings) -> None:
    hour = 3600.0
    assert working_seconds(WORKDAY_NOON, WORKDAY_NOON + timedelta(hours=2), settings) == 2 * hour
    # 20:30 Friday to 07:30 Monday: half an hour on Friday evening, half an hour on Monday morning.
    assert working_seconds(FRIDAY_EVENING, MONDAY_0730, settings) == 1 * hour
    # Tuesday 22:00 to Wednesday 08:00: only 07:00-08:00 counts.
    assert working_seconds(datetime(2025, 12, 16, 15, 0), datetime(2025, 12, 17, 1, 0), settings) == hour
    # 1/1/2026 is a public holiday: 31/12 20:00 to 2/1 08:00 counts 1 + 1 hours.
    assert working_seconds(datetime(2025, 12, 31, 13, 0), datetime(2026, 1, 2, 1, 0), settings) == 2 * hour
    assert working_seconds(WORKDAY_NOON, WORKDAY_NOON, settings) == 0


async def test_unclaimed_ticket_is_reminded_to_the_leader_once(demo_app: App) -> None:
    ticket_id = await _open_ticket(demo_app, WORKDAY_NOON)
    assert (await _housekeep(demo_app, WORKDAY_NOON + timedelta(hours=1))).alerted == 0
    stats = await _housekeep(demo_app, WORKDAY_NOON + timedelta(hours=2, minutes=5))
    assert stats.alerted == 1
    rows = await _keys(demo_app, f"tk-alert:{ticket_id}:")
    assert [r.person_id for r in rows] == [await _person(demo_app, "Phạm Thị Lan")]  # TO-DONG's leader
    assert rows[0].kind == "ticket_alert" and rows[0].payload["buttons"][0][0][1] == f"tk:claim:{ticket_id}"
    assert (await _housekeep(demo_app, WORKDAY_NOON + timedelta(hours=5))).alerted == 0
    assert len(await _keys(demo_app, "tk-alert:")) == 1


async def test_weekend_waiting_does_not_count_towards_the_alert(demo_app: App) -> None:
    ticket_id = await _open_ticket(demo_app, FRIDAY_EVENING + timedelta(hours=1))  # 21:30: quiet hours
    first = (await _keys(demo_app, f"tk-new:{ticket_id}:"))[0]
    assert first.not_before == MONDAY_0730 - timedelta(minutes=30)  # the team hears at 07:00 on Monday
    assert (await _housekeep(demo_app, MONDAY_0730 + timedelta(hours=1))).alerted == 0
    assert (await _housekeep(demo_app, MONDAY_0730 + timedelta(minutes=91))).alerted == 1


async def test_unknown_village_alerts_every_leader(demo_app: App) -> None:
    await _open_ticket(demo_app, WORKDAY_NOON, village=None)
    await _housekeep(demo_app, WORKDAY_NOON + timedelta(hours=3))
    leaders = {await _person(demo_app, "Phạm Thị Lan"), await _person(demo_app, "Bùi Văn Sơn")}
    assert {r.person_id for r in await _keys(demo_app, "tk-alert:")} == leaders


async def test_silent_owner_loses_the_ticket_and_a_reply_keeps_it(demo_app: App) -> None:
    minh = await _person(demo_app, "Lê Văn Minh")
    kept, lost = await _open_ticket(demo_app, WORKDAY_NOON), await _open_ticket(demo_app, WORKDAY_NOON)
    async with demo_app.sessionmaker() as s, s.begin():
        assert await repo.claim(s, kept, minh, WORKDAY_NOON)
        assert await repo.claim(s, lost, minh, WORKDAY_NOON)
        assert not await repo.claim(s, lost, minh, WORKDAY_NOON)  # already claimed
        await repo.add_message(s, kept, "out", minh, "em sẽ qua chiều mai", WORKDAY_NOON + timedelta(hours=20))
    timeout = timedelta(hours=demo_app.settings.ticket_claim_timeout_hours)
    later = WORKDAY_NOON + timeout + timedelta(minutes=5)
    assert (await _housekeep(demo_app, later)).requeued == 1
    async with demo_app.sessionmaker() as s:
        assert (await repo.get_ticket(s, kept)).status == TicketStatus.CLAIMED  # type: ignore[union-attr]
        back = await repo.get_ticket(s, lost)
    assert back is not None and back.status == TicketStatus.OPEN and back.owner_id is None
    assert back.opened_at == later and not back.alerted
    (citizen,) = await _keys(demo_app, f"tk-requeue:{lost}:1")
    assert citizen.chat_id == "console-citizen" and citizen.channel == "console"
    assert (await _keys(demo_app, f"tk-timeout:{lost}:1"))[0].person_id == minh
    again = {r.person_id for r in await _keys(demo_app, f"tk-new:{lost}:1:")}
    assert again == {await _person(demo_app, "Phạm Thị Lan"), await _person(demo_app, "Vũ Thị Thu")}
    assert (await _housekeep(demo_app, later + timedelta(minutes=5))).requeued == 0


async def test_housekeeping_job_runs_in_its_own_session_and_is_scheduled(demo_app: App) -> None:
    await _open_ticket(demo_app, WORKDAY_NOON - timedelta(days=30))
    stats = await housekeeping_once(demo_app.sessionmaker, demo_app.settings)
    assert stats.alerted == 1
    service = SchedulerService(demo_app.engine, demo_app.sessionmaker, demo_app.settings, {})
    await service.start()
    try:
        assert service.scheduler is not None
        assert "tickets" in {job.id for job in service.scheduler.get_jobs()}
    finally:
        await service.stop()
