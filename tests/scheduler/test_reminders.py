"""The reminder sweep on a fixed clock: digests, stages, quiet days, pauses, completion, re-runs,
missed days, the monthly nudge and the weekly escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from scheduler.reminders import plan_sweep, run_sweep
from storage.models import Outbox, Role, TaskStatus, UnitKind
from storage.repos import people, tasks

TZ_OFFSET = timedelta(hours=7)


def at(day: date, hh: int = 7, mm: int = 30) -> datetime:
    """Local Asia/Ho_Chi_Minh wall time as the naive UTC the code stores."""
    return datetime.combine(day, time(hh, mm)) - TZ_OFFSET


async def _setup(app: App, due: dict[str, date | None], recurring: int = 0) -> dict[str, int]:
    async with app.sessionmaker() as s, s.begin():
        commune = await people.add_unit(s, "XA", "Xã Thử", UnitKind.COMMUNE)
        office = await people.add_unit(s, "VH", "Phòng Văn hóa", UnitKind.OFFICE, "XA")
        head = await people.add_person(s, "Chị Hạnh", Role.HEAD, office.id)
        admin = await people.add_person(s, "Anh Quản", Role.ADMIN, commune.id)
        ids = {"head": head.id, "admin": admin.id}
        for name, d in due.items():
            ids[name], _ = await tasks.upsert_task(s, tasks.NewTask(
                plan="KH", stt=name, group="", text=f"Nhiệm vụ {name}", deadline_kind="date", due_date=d,
                every=None, until=None, deadline_phrase="", lead_unit_ids=[office.id]))
        for i in range(recurring):
            ids[f"r{i}"], _ = await tasks.upsert_task(s, tasks.NewTask(
                plan="KH", stt=f"r{i}", group="", text=f"Thường xuyên {i}", deadline_kind="recurring",
                due_date=None, every="month", until=None, deadline_phrase="Thường xuyên",
                lead_unit_ids=[office.id]))
    return ids


async def _sweep(app: App, now: datetime) -> int:
    async with app.sessionmaker() as s, s.begin():
        return await run_sweep(s, app.settings, now)


async def _outbox(app: App) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list(await s.scalars(select(Outbox).order_by(Outbox.id)))


async def test_one_digest_per_head_lists_due_and_overdue_tasks(app: App) -> None:
    today = date(2025, 12, 15)  # a Monday
    await _setup(app, {"in7": today + timedelta(7), "in3": today + timedelta(3), "late1": today - timedelta(1),
                       "in5": today + timedelta(5), "late2": today - timedelta(2)})
    assert await _sweep(app, at(today)) == 1
    (row,) = await _outbox(app)
    text = row.payload["text"]
    assert row.kind == "digest" and row.key.startswith("digest:")
    assert "Nhiệm vụ in7" in text and "Nhiệm vụ in3" in text and "Nhiệm vụ late1" in text
    assert "Nhiệm vụ in5" not in text and "Nhiệm vụ late2" not in text  # not a reminder day for them
    assert "trễ 1 ngày" in text and "còn 3 ngày" in text
    labels = [label for r in row.payload["buttons"] for label, _ in r]
    assert labels == ["📝 Cập nhật tiến độ", "📋 Xem nhiệm vụ", "⏰ Nhắc lại ngày mai"]


async def test_sweep_run_twice_queues_nothing_new(app: App) -> None:
    today = date(2025, 12, 15)
    await _setup(app, {"a": today + timedelta(1)})
    assert await _sweep(app, at(today)) == 1
    assert await _sweep(app, at(today, 9)) == 0
    assert len(await _outbox(app)) == 1


async def test_overdue_repeats_every_three_days_until_done(app: App) -> None:
    due = date(2025, 12, 1)  # Monday
    ids = await _setup(app, {"t": due})
    sent_days = []
    for offset in range(0, 14):
        day = due + timedelta(offset)
        before = len([r for r in await _outbox(app) if r.kind == "digest"])
        await _sweep(app, at(day))
        if len([r for r in await _outbox(app) if r.kind == "digest"]) > before:
            sent_days.append(day)
    # due day, then late days 1, 4, 7, 10, 13 — the weekend ones (6/12, 7/12, 13/12) moved to Monday
    assert sent_days == [date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 5), date(2025, 12, 8),
                         date(2025, 12, 11)]
    async with app.sessionmaker() as s, s.begin():
        await tasks.add_progress(s, ids["t"], ids["head"], 100, TaskStatus.DONE, "xong", at(date(2025, 12, 12)))
    assert await _sweep(app, at(date(2025, 12, 15))) == 0


async def test_nothing_is_queued_on_weekends_and_holidays_then_caught_up(app: App) -> None:
    saturday = date(2025, 12, 20)
    await _setup(app, {"sat": saturday + timedelta(3), "sun": saturday + timedelta(8)})  # d3 on Sat, d7 on Sun
    await _sweep(app, at(saturday - timedelta(1)))  # Friday: establishes the last sweep day
    assert await _sweep(app, at(saturday)) == 0 and await _sweep(app, at(saturday + timedelta(1))) == 0
    assert await _sweep(app, at(saturday + timedelta(2))) == 1  # Monday digest carries both
    text = (await _outbox(app))[-1].payload["text"]
    assert "Nhiệm vụ sat" in text and "Nhiệm vụ sun" in text


async def test_missed_working_day_is_caught_up_at_the_next_sweep(app: App) -> None:
    monday = date(2025, 12, 8)
    await _setup(app, {"t": monday + timedelta(4)})  # d3 on Tuesday 9/12
    await _sweep(app, at(monday))
    # Tuesday's sweep never ran (the bot was down); Wednesday's start-up sweep still reminds.
    assert await _sweep(app, at(monday + timedelta(2), 10)) == 1


async def test_digest_sent_after_quiet_hours(app: App) -> None:
    today = date(2025, 12, 15)
    await _setup(app, {"t": today})
    await _sweep(app, at(today, 5, 0))  # a start-up sweep at 05:00 local, inside quiet hours
    (row,) = await _outbox(app)
    assert row.not_before == at(today, 7, 30)


async def test_paused_task_is_skipped_until_the_pause_ends(app: App) -> None:
    today = date(2025, 12, 15)
    ids = await _setup(app, {"t": today + timedelta(1)})
    async with app.sessionmaker() as s, s.begin():
        await tasks.pause_reminders(s, ids["t"], ids["head"], today + timedelta(1), "chờ hướng dẫn")
    assert await _sweep(app, at(today)) == 0
    assert await _sweep(app, at(today + timedelta(2))) == 1  # late 1 day, pause over


async def test_monthly_nudge_for_recurring_tasks_without_update(app: App) -> None:
    ids = await _setup(app, {}, recurring=2)
    async with app.sessionmaker() as s, s.begin():
        await tasks.add_progress(s, ids["r0"], ids["head"], 40, TaskStatus.IN_PROGRESS, "", at(date(2025, 12, 3)))
    assert await _sweep(app, at(date(2025, 12, 12))) == 0
    assert await _sweep(app, at(date(2025, 12, 15))) == 1  # the 15th, a Monday
    (row,) = await _outbox(app)
    assert row.kind == "monthly" and "Thường xuyên 1" in row.payload["text"]
    assert "Thường xuyên 0" not in row.payload["text"] and "20/12/2025" in row.payload["text"]


async def test_weekly_escalation_to_admins_for_long_overdue(app: App) -> None:
    monday = date(2025, 12, 15)
    ids = await _setup(app, {"old": monday - timedelta(10)})
    await _sweep(app, at(monday))
    await _sweep(app, at(monday + timedelta(1)))
    escalations = [r for r in await _outbox(app) if r.kind == "escalation"]
    assert len(escalations) == 1 and escalations[0].person_id == ids["admin"]
    assert "trễ 10 ngày" in escalations[0].payload["text"]


async def test_plan_shows_without_writing(app: App) -> None:
    today = date(2025, 12, 15)
    await _setup(app, {"t": today + timedelta(3)})
    async with app.sessionmaker() as s:
        planned = await plan_sweep(s, app.settings, at(today))
        count = await s.scalar(select(func.count(Outbox.id)))
    assert len(planned) == 1 and count == 0


@pytest.mark.parametrize("hour", [6, 22])
async def test_working_window_uses_local_time(app: App, hour: int) -> None:
    today = date(2025, 12, 16)
    await _setup(app, {"t": today})
    await _sweep(app, at(today, hour))
    (row,) = await _outbox(app)
    expected = at(today, 7, 30) if hour == 6 else at(today + timedelta(1), 7, 0)
    assert row.not_before == expected.replace(tzinfo=None)
    assert UTC  # stored values are naive UTC
