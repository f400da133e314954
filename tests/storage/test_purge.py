"""Retention (`cnscd privacy purge`) and erasure of one person's messages, at the storage level."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.cli import main
from storage import purge
from storage.db import make_engine, make_sessionmaker, upgrade_sync
from storage.models import DialogState, PendingChoices, QuestionLog, Ticket, TicketMessage, utcnow
from storage.models_tickets import TicketStatus
from storage.repos import callers, people


@dataclass
class Seeded:
    a_identity: int
    b_identity: int
    a_person: int
    b_person: int


async def _question(s: AsyncSession, identity_id: int, text: str, at: datetime) -> None:
    s.add(QuestionLog(identity_id=identity_id, channel="console", asked_at=at, text=text, normalized=text,
                      decision="answer"))


async def _ticket(s: AsyncSession, identity_id: int, text: str, status: TicketStatus, at: datetime,
                  closed: datetime | None = None, replies: int = 1) -> int:
    row = Ticket(citizen_identity_id=identity_id, text=text, status=status, created_at=at, opened_at=at,
                 last_activity_at=at, closed_at=closed)
    s.add(row)
    await s.flush()
    s.add(TicketMessage(ticket_id=row.id, direction="in", text=f"hỏi: {text}", created_at=at))
    for n in range(replies):
        s.add(TicketMessage(ticket_id=row.id, direction="out", text=f"trả lời {n}: {text}", created_at=at))
    await s.flush()
    return row.id


async def seed(s: AsyncSession, now: datetime) -> Seeded:
    """Two citizens; each has an old and a recent question, and tickets of every age and state."""
    old, recent = now - timedelta(days=400), now - timedelta(days=10)
    a, pa = await callers.create_citizen(s, "console", "citizen-a", "citizen-a", "Bà A", private=True)
    b, pb = await callers.create_citizen(s, "zalo", "citizen-b", "citizen-b", "Ông B", private=True)
    for ident in (a, b):
        await _question(s, ident.id, f"câu cũ {ident.external_id}", old)
        await _question(s, ident.id, f"câu mới {ident.external_id}", recent)
    await _ticket(s, a.id, "A cũ đã đóng", TicketStatus.CLOSED, old, closed=old + timedelta(days=1), replies=2)
    await _ticket(s, a.id, "A mới đã đóng", TicketStatus.CLOSED, recent, closed=recent)
    await _ticket(s, b.id, "B cũ còn mở", TicketStatus.OPEN, old)
    await _ticket(s, b.id, "B cũ đang xử lý", TicketStatus.CLAIMED, old)
    await _ticket(s, b.id, "B cũ đã đóng", TicketStatus.CLOSED, old, closed=old)
    for ident in (a, b):
        s.add(DialogState(identity_id=ident.id, dialog="ghi", step="x", data={"note": "0912345678"},
                          expires_at=now + timedelta(hours=1)))
        s.add(PendingChoices(identity_id=ident.id, choices=[["Xóa", "xdl:no"]], expires_at=now + timedelta(hours=1)))
    await s.flush()
    return Seeded(a.id, b.id, pa.id, pb.id)


async def count(s: AsyncSession, model, *where) -> int:  # type: ignore[no-untyped-def]
    return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize(("text", "days"), [
    ("365d", 365), ("8w", 56), ("6m", 180), ("1y", 365), ("2Y", 730), (" 30 d ", 30),
])
def test_parse_duration(text: str, days: int) -> None:
    assert purge.parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["abc", "", "365", "d", "0d", "-5d", "1.5y", "12h", "3 tuần"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        purge.parse_duration(text)


async def test_purge_dry_run_counts_then_deletes_only_old_closed(app: App) -> None:
    now = utcnow()
    async with app.sessionmaker() as s, s.begin():
        await seed(s, now)
    cutoff = now - timedelta(days=365)
    async with app.sessionmaker() as s, s.begin():
        dry = await purge.purge_older_than(s, cutoff, dry_run=True)
    assert dry == purge.PurgeCounts(questions=2, tickets=2, ticket_messages=5)
    async with app.sessionmaker() as s:
        assert await count(s, QuestionLog) == 4 and await count(s, Ticket) == 5  # dry run: nothing gone
    async with app.sessionmaker() as s, s.begin():
        done = await purge.purge_older_than(s, cutoff)
    assert done == dry
    async with app.sessionmaker() as s:
        assert await count(s, QuestionLog) == 2
        assert await count(s, QuestionLog, QuestionLog.asked_at < cutoff) == 0
        left = {t.text: t.status for t in await s.scalars(select(Ticket))}
        assert left == {"A mới đã đóng": TicketStatus.CLOSED, "B cũ còn mở": TicketStatus.OPEN,
                        "B cũ đang xử lý": TicketStatus.CLAIMED}
        orphans = await count(s, TicketMessage, TicketMessage.ticket_id.not_in(select(Ticket.id)))
        assert orphans == 0 and await count(s, TicketMessage) == 6
    async with app.sessionmaker() as s, s.begin():
        assert await purge.purge_older_than(s, cutoff) == purge.PurgeCounts()  # nothing left to purge


async def test_erase_removes_only_that_persons_messages(app: App) -> None:
    now = utcnow()
    async with app.sessionmaker() as s, s.begin():
        ids = await seed(s, now)
        # The same person on a second channel: erased too.
        second = await people.attach_identity(s, ids.a_person, "telegram", "a-tg", "a-tg")
        await _question(s, second.id, "hỏi trên Telegram", now)
    async with app.sessionmaker() as s:
        b_before = (await count(s, QuestionLog, QuestionLog.identity_id == ids.b_identity),
                    await count(s, TicketMessage), await count(s, Ticket))
        preview = await purge.count_person_messages(s, ids.a_person)
    async with app.sessionmaker() as s, s.begin():
        erased = await purge.erase_person_messages(s, ids.a_person)
    assert erased == preview
    assert (erased.questions, erased.tickets, erased.ticket_messages, erased.dialogs) == (3, 2, 5, 1)
    async with app.sessionmaker() as s:
        assert await count(s, QuestionLog, QuestionLog.identity_id.in_([ids.a_identity, second.id])) == 0
        a_tickets = list(await s.scalars(select(Ticket).where(Ticket.citizen_identity_id == ids.a_identity)))
        assert len(a_tickets) == 2 and {t.text for t in a_tickets} == {purge.REDACTED}
        assert {t.status for t in a_tickets} == {TicketStatus.CLOSED}  # kept for statistics
        a_messages = list(await s.scalars(select(TicketMessage).where(
            TicketMessage.ticket_id.in_([t.id for t in a_tickets]))))
        assert a_messages and {m.direction for m in a_messages} == {"out"}
        assert {m.text for m in a_messages} == {purge.REDACTED}
        assert await count(s, DialogState, DialogState.identity_id == ids.a_identity) == 0
        assert await count(s, PendingChoices, PendingChoices.identity_id == ids.a_identity) == 0
        # Citizen B is untouched.
        assert await count(s, QuestionLog, QuestionLog.identity_id == ids.b_identity) == b_before[0] == 2
        b_tickets = list(await s.scalars(select(Ticket).where(Ticket.citizen_identity_id == ids.b_identity)))
        assert len(b_tickets) == 3 and purge.REDACTED not in {t.text for t in b_tickets}
        b_messages = list(await s.scalars(select(TicketMessage).where(
            TicketMessage.ticket_id.in_([t.id for t in b_tickets]))))
        assert len(b_messages) == 6 and all(m.text != purge.REDACTED for m in b_messages)
        assert await count(s, DialogState, DialogState.identity_id == ids.b_identity) == 1
        assert await count(s, PendingChoices, PendingChoices.identity_id == ids.b_identity) == 1
        assert await count(s, Ticket) == b_before[2]
    async with app.sessionmaker() as s, s.begin():
        assert not (await purge.erase_person_messages(s, ids.a_person)).anything


# ---------------------------------------------------------------- the command line

async def _seed_file(url: str) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            await seed(s, utcnow())
    finally:
        await engine.dispose()


async def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            return await count(s, QuestionLog), await count(s, Ticket), await count(s, TicketMessage)
    finally:
        await engine.dispose()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'purge.db'}"
    upgrade_sync(url)
    asyncio.run(_seed_file(url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_cli_purge_dry_run_then_real(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "purge", "--older-than", "365d", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "365 ngày" in out and "câu hỏi trong nhật ký: 2" in out and "yêu cầu hỗ trợ đã đóng: 2" in out
    assert "tin nhắn của các yêu cầu đó: 5" in out and "Chạy thử" in out
    assert asyncio.run(_counts(cli_db)) == (4, 5, 11)
    assert main(["privacy", "purge", "--older-than", "12m"]) == 0
    assert "Đã xóa" in capsys.readouterr().out
    assert asyncio.run(_counts(cli_db)) == (2, 3, 6)


@pytest.mark.parametrize("value", ["abc", "365", "0d", "1h"])
def test_cli_purge_bad_duration(cli_db: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "purge", "--older-than", value]) == 2
    err = capsys.readouterr().err.strip()
    assert "không hợp lệ" in err and err.count("\n") == 0
    assert asyncio.run(_counts(cli_db)) == (4, 5, 11)
