"""The append-only audit log: what records it, masking, queries, and that nothing can rewrite it."""

from __future__ import annotations

import inspect
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from storage import purge
from storage.models import Role, TaskStatus
from storage.models_audit import AuditEntry
from storage.repos import audit, people, sessions, tasks


async def person_id(app: App, role: str) -> int:
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "console", f"console-{role}")
        assert ident is not None
        return ident.person_id


async def first_task(app: App) -> tasks.TaskDTO:
    async with app.sessionmaker() as s:
        return (await tasks.all_tasks(s))[0]


async def audit_rows(app: App) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count(AuditEntry.id))) or 0)


def test_the_repo_cannot_update_or_delete() -> None:
    public = [name for name, obj in inspect.getmembers(audit, inspect.isfunction)
              if obj.__module__ == audit.__name__ and not name.startswith("_")]
    assert "record" in public and {"history", "recent"} <= set(public)
    forbidden = ("update", "delete", "remove", "clear", "purge", "edit", "erase", "truncate", "set_")
    assert not [name for name in public if any(word in name for word in forbidden)], public


async def test_record_masks_and_history_is_oldest_first(app: App) -> None:
    t0 = datetime(2025, 12, 1, 2, 0)
    async with app.sessionmaker() as s, s.begin():
        await audit.record(s, None, "task", 7, "progress", "gọi 0912345678, CCCD 001203004567", t0)
        await audit.record(s, None, "task", 7, "pause", "chờ hướng dẫn", t0 + timedelta(hours=1))
        await audit.record(s, None, "task", 8, "progress", "khác", t0 + timedelta(hours=2))
        await audit.record(s, None, "session", 7, "add", "không phải nhiệm vụ", t0 + timedelta(hours=3))
    async with app.sessionmaker() as s:
        history = await audit.history(s, "task", 7)
        recent = await audit.recent(s, 2)
    assert [e.action for e in history] == ["progress", "pause"]
    assert "0912345678" not in history[0].summary and "001203004567" not in history[0].summary
    assert "[số điện thoại]" in history[0].summary and "[số giấy tờ]" in history[0].summary
    assert history[0].actor_id is None and history[0].actor_name is None
    assert [e.entity_kind for e in recent] == ["session", "task"]  # newest first


async def test_long_summary_is_cut(app: App) -> None:
    async with app.sessionmaker() as s, s.begin():
        await audit.record(s, None, "task", 1, "progress", "x" * 2000)
    async with app.sessionmaker() as s:
        [entry] = await audit.history(s, "task", 1)
    assert len(entry.summary) <= audit.SUMMARY_MAX


async def test_task_changes_are_recorded_with_the_actor(demo_app: App) -> None:
    member = await person_id(demo_app, "member")
    task = await first_task(demo_app)
    now = demo_app.services.clock()
    async with demo_app.sessionmaker() as s, s.begin():
        await tasks.add_progress(s, task.id, member, 40, TaskStatus.IN_PROGRESS, "gọi 0987654321 để hẹn", now)
        await tasks.pause_reminders(s, task.id, member, date(2030, 1, 10), "chờ hướng dẫn")
    async with demo_app.sessionmaker() as s:
        history = await audit.history(s, "task", task.id)
        by_member = await audit.by_actor(s, member)
    progress, pause = history[-2:]
    assert progress.action == "progress" and progress.actor_name == "Lê Văn Minh"
    assert progress.summary.startswith("40%, in_progress") and "0987654321" not in progress.summary
    assert progress.at == now
    assert pause.action == "pause" and "10/01/2030" in pause.summary and "chờ hướng dẫn" in pause.summary
    assert {e.action for e in by_member} >= {"progress", "pause"}


async def test_import_records_only_deadline_changes(app: App) -> None:
    new = tasks.NewTask(plan="KH 1", stt="1", group="", text="Rà soát thủ tục", deadline_kind="date",
                        due_date=date(2025, 12, 19), every=None, until=None,
                        deadline_phrase="Trước ngày 20/12/2025")
    async with app.sessionmaker() as s, s.begin():
        task_id, outcome = await tasks.upsert_task(s, new)
        assert outcome == "created"
        assert (await tasks.upsert_task(s, new))[1] == "unchanged"
    async with app.sessionmaker() as s:
        assert await audit.history(s, "task", task_id) == []
    new.due_date, new.deadline_phrase = date(2026, 1, 14), "Trước ngày 15/01/2026"
    async with app.sessionmaker() as s, s.begin():
        assert (await tasks.upsert_task(s, new))[1] == "updated"
    async with app.sessionmaker() as s:
        [entry] = await audit.history(s, "task", task_id)
    assert entry.action == "deadline" and entry.actor_id is None
    assert "19/12/2025" in entry.summary and "14/01/2026" in entry.summary and "→" in entry.summary


async def test_sessions_and_roles_are_recorded(demo_app: App) -> None:
    member = await person_id(demo_app, "member")
    admin = await person_id(demo_app, "admin")
    async with demo_app.sessionmaker() as s, s.begin():
        row = await sessions.add_session(s, member, day=date(2025, 11, 20), unit_id=None, category="vneid",
                                         citizens=3, note="bà Tư 0912345678")
        await sessions.update_session(s, row.id, citizens=4, note="đã sửa")
        await sessions.soft_delete(s, row.id, member)
        unit = await people.get_unit_by_code(s, "TO-TAY")
        assert unit is not None
        invite = await people.create_invite(s, Role.MEMBER, unit.id, created_by=admin)
        citizen = await person_id(demo_app, "citizen")
        await people.redeem_invite(s, invite.code, citizen)
        await people.set_role(s, citizen, Role.LEADER, unit.id)  # as the command line does
    async with demo_app.sessionmaker() as s:
        session_log = await audit.history(s, "session", row.id)
        role_log = await audit.history(s, "role", citizen)
    assert [(e.action, e.actor_id) for e in session_log] == [("add", member), ("update", member),
                                                             ("delete", member)]
    assert "0912345678" not in session_log[0].summary and "vneid" in session_log[0].summary
    assert session_log[1].summary == "citizens, note"
    assert [(e.action, e.actor_id) for e in role_log] == [("set_role", citizen), ("set_role", None)]
    assert role_log[0].summary.startswith("member") and role_log[1].summary.startswith("leader")


async def test_purge_and_erase_leave_the_audit_log_alone(demo_app: App) -> None:
    member = await person_id(demo_app, "member")
    task = await first_task(demo_app)
    async with demo_app.sessionmaker() as s, s.begin():
        await tasks.add_progress(s, task.id, member, 10, TaskStatus.IN_PROGRESS, "", demo_app.services.clock())
    before = await audit_rows(demo_app)
    async with demo_app.sessionmaker() as s, s.begin():
        await purge.purge_older_than(s, demo_app.services.clock() + timedelta(days=1))
        await purge.erase_person_messages(s, member)
    async with demo_app.sessionmaker() as s:
        entries = await audit.recent(s, 100)
    assert await audit_rows(demo_app) == before + 2  # the purge and the erasure are recorded themselves
    assert {(e.entity_kind, e.action) for e in entries[:2]} == {("privacy", "purge"), ("privacy", "erase")}
