"""Assistance sessions: add, edit, soft delete and monthly totals, returning plain dataclasses.

The caller owns the transaction: nothing here commits. Every note is masked before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, utcnow
from storage.models_sessions import AssistSession, SessionResult
from storage.privacy import mask_pii
from storage.repos import audit
from storage.repos.people import commune_of, nearest_village

NOTE_MAX = 1000
EDIT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class SessionDTO:
    id: int
    person_id: int
    date: date
    unit_id: int | None
    category: str
    citizens: int
    elderly: int
    disabled: int
    poor: int
    result: SessionResult
    duration_minutes: int | None
    note: str
    ticket_id: int | None
    created_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class Totals:
    sessions: int = 0
    citizens: int = 0
    elderly: int = 0
    disabled: int = 0
    poor: int = 0
    minutes: int = 0


@dataclass(frozen=True)
class MemberTotals:
    person_id: int
    name: str
    totals: Totals


def session_dto(row: AssistSession) -> SessionDTO:
    return SessionDTO(
        row.id, row.person_id, row.date, row.unit_id, row.category, row.citizens, row.elderly,
        row.disabled, row.poor, row.result, row.duration_minutes, row.note, row.ticket_id,
        row.created_at, row.deleted_at,
    )


def totals_of(rows: list[SessionDTO]) -> Totals:
    return Totals(
        sessions=len(rows),
        citizens=sum(r.citizens for r in rows),
        elderly=sum(r.elderly for r in rows),
        disabled=sum(r.disabled for r in rows),
        poor=sum(r.poor for r in rows),
        minutes=sum(r.duration_minutes or 0 for r in rows),
    )


def month_bounds(day: date) -> tuple[date, date]:
    """First day of the month and first day of the next month."""
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


# ---------------------------------------------------------------- writing

async def add_session(
    s: AsyncSession, person_id: int, *, day: date, unit_id: int | None, category: str, citizens: int,
    elderly: int = 0, disabled: int = 0, poor: int = 0, result: SessionResult | str = SessionResult.DONE,
    duration_minutes: int | None = None, note: str = "", ticket_id: int | None = None,
    now: datetime | None = None,
) -> SessionDTO:
    row = AssistSession(
        person_id=person_id, date=day, unit_id=unit_id, category=category, citizens=citizens,
        elderly=elderly, disabled=disabled, poor=poor, result=SessionResult(result),
        duration_minutes=duration_minutes, note=mask_pii(note)[:NOTE_MAX], ticket_id=ticket_id,
        created_at=now or utcnow(),
    )
    s.add(row)
    await s.flush()
    await audit.record(s, person_id, "session", row.id, "add", f"{day:%d/%m/%Y}, {category}, {citizens}: {note}", now)
    return session_dto(row)


async def update_session(s: AsyncSession, session_id: int, now: datetime | None = None,
                         **fields: Any) -> SessionDTO | None:
    """Change some fields (same names as `add_session`); the note is masked again."""
    row = await s.get(AssistSession, session_id)
    if row is None or row.deleted_at is not None:
        return None
    for name, value in fields.items():
        if name == "day":
            row.date = value
        elif name == "note":
            row.note = mask_pii(value or "")[:NOTE_MAX]
        elif name == "result":
            row.result = SessionResult(value)
        elif name in ("unit_id", "category", "citizens", "elderly", "disabled", "poor",
                      "duration_minutes", "ticket_id"):
            setattr(row, name, value)
        else:
            raise ValueError(f"unknown session field: {name}")
    row.updated_at = now or utcnow()
    await audit.record(s, row.person_id, "session", session_id, "update", ", ".join(sorted(fields)), now)
    return session_dto(row)


async def soft_delete(s: AsyncSession, session_id: int, by_person_id: int, now: datetime | None = None) -> bool:
    """Mark a session deleted (the row stays for the record); False if it was gone already."""
    row = await s.get(AssistSession, session_id)
    if row is None or row.deleted_at is not None:
        return False
    row.deleted_at = now or utcnow()
    row.deleted_by_id = by_person_id
    await audit.record(s, by_person_id, "session", session_id, "delete", f"{row.date:%d/%m/%Y}", now)
    return True


# ---------------------------------------------------------------- reading

async def get_session(s: AsyncSession, session_id: int) -> SessionDTO | None:
    row = await s.get(AssistSession, session_id)
    return session_dto(row) if row else None


async def sessions_of(s: AsyncSession, person_id: int, start: date, end: date) -> list[SessionDTO]:
    """A person's live sessions with start <= date < end, oldest first."""
    rows = await s.scalars(
        select(AssistSession)
        .where(AssistSession.person_id == person_id, AssistSession.deleted_at.is_(None),
               AssistSession.date >= start, AssistSession.date < end)
        .order_by(AssistSession.date, AssistSession.id)
    )
    return [session_dto(r) for r in rows]


async def recent_of(s: AsyncSession, person_id: int, since: datetime, limit: int = 10) -> list[SessionDTO]:
    """A person's live sessions created after `since`, newest first."""
    rows = await s.scalars(
        select(AssistSession)
        .where(AssistSession.person_id == person_id, AssistSession.deleted_at.is_(None),
               AssistSession.created_at >= since)
        .order_by(AssistSession.created_at.desc(), AssistSession.id.desc())
        .limit(limit)
    )
    return [session_dto(r) for r in rows]


async def team_totals(s: AsyncSession, team_unit_id: int, start: date, end: date) -> list[MemberTotals]:
    """Each person of the unit with their live sessions' totals for start <= date < end."""
    members = (await s.execute(
        select(Person.id, Person.name).where(Person.unit_id == team_unit_id).order_by(Person.name)
    )).all()
    if not members:
        return []
    ids = [pid for pid, _ in members]
    rows = (await s.execute(
        select(
            AssistSession.person_id,
            func.count(AssistSession.id),
            func.coalesce(func.sum(AssistSession.citizens), 0),
            func.coalesce(func.sum(AssistSession.elderly), 0),
            func.coalesce(func.sum(AssistSession.disabled), 0),
            func.coalesce(func.sum(AssistSession.poor), 0),
            func.coalesce(func.sum(AssistSession.duration_minutes), 0),
        )
        .where(AssistSession.person_id.in_(ids), AssistSession.deleted_at.is_(None),
               AssistSession.date >= start, AssistSession.date < end)
        .group_by(AssistSession.person_id)
    )).all()
    by_person = {r[0]: Totals(*(int(v) for v in r[1:])) for r in rows}
    return [MemberTotals(pid, name, by_person.get(pid, Totals())) for pid, name in members]


async def village_of(s: AsyncSession, unit_id: int | None) -> int | None:
    """The thôn/tổ dân phố a unit works in: itself if it is one, else its nearest such ancestor."""
    if unit_id is None:
        return None
    return nearest_village(await commune_of(s, unit_id), unit_id)


# ---------------------------------------------------------------- demo data

# (member name, days ago, category, citizens, elderly, disabled, poor, result, minutes, note)
DEMO_SESSIONS: list[tuple[str, int, str, int, int, int, int, str, int | None, str]] = [
    ("Lê Văn Minh", 0, "vneid", 3, 1, 0, 0, "done", 45, "kích hoạt tại nhà văn hóa thôn"),
    ("Lê Văn Minh", 1, "docs", 2, 1, 0, 0, "done", 30, "tích hợp thẻ BHYT"),
    ("Lê Văn Minh", 3, "dvc", 2, 0, 0, 1, "not_done", 40, "khai sinh, thiếu bản chụp giấy chứng sinh"),
    ("Lê Văn Minh", 8, "payment", 1, 1, 0, 0, "done", 20, "nộp lệ phí qua ứng dụng ngân hàng"),
    ("Lê Văn Minh", 15, "vneid", 5, 2, 1, 0, "done", 90, ""),
    ("Vũ Thị Thu", 2, "skills", 4, 3, 0, 1, "done", 60, "cài Zalo, gọi video cho con đi làm xa"),
    ("Vũ Thị Thu", 6, "safety", 6, 2, 0, 0, "done", 45, "nhận biết cuộc gọi lừa đảo"),
    ("Vũ Thị Thu", 13, "vneid", 2, 0, 1, 0, "rescheduled", 25, "điện thoại không nhận OTP, hẹn lại"),
    ("Phạm Thị Lan", 4, "dvc", 1, 0, 0, 0, "done", 35, "đăng ký tạm trú"),
    ("Phạm Thị Lan", 18, "docs", 3, 1, 0, 0, "done", 40, "tích hợp giấy phép lái xe"),
    ("Ngô Thị Mai", 1, "vneid", 4, 1, 0, 1, "done", 50, ""),
    ("Ngô Thị Mai", 9, "payment", 2, 0, 0, 0, "done", 25, "thanh toán tiền điện"),
    ("Bùi Văn Sơn", 5, "dvc", 2, 1, 0, 0, "done", 45, "cấp lại giấy khai sinh bản sao"),
    ("Đặng Văn Hùng", 2, "vneid", 3, 0, 0, 1, "not_done", 30, "chưa có căn cước gắn chip"),
    ("Đặng Văn Hùng", 11, "skills", 8, 4, 1, 2, "done", 120, "lớp kỹ năng số cho người cao tuổi"),
]


async def add_demo_sessions(session: AsyncSession, today: date) -> None:
    """About fifteen sessions over the last three weeks for the demo members; the caller commits."""
    names = {row[0] for row in DEMO_SESSIONS}
    people = {p.name: p for p in await session.scalars(select(Person).where(Person.name.in_(names)))}
    now = utcnow()
    for name, days_ago, category, citizens, elderly, disabled, poor, result, minutes, note in DEMO_SESSIONS:
        person = people.get(name)
        if person is None:
            continue
        day = today - timedelta(days=days_ago)
        created = min(datetime.combine(day, time(3, 0)), now)  # about 10:00 in Việt Nam
        await add_session(
            session, person.id, day=day, unit_id=await village_of(session, person.unit_id),
            category=category, citizens=citizens, elderly=elderly, disabled=disabled, poor=poor,
            result=result, duration_minutes=minutes, note=note, now=created,
        )
