"""Monthly reports: /baocao in chat, the workbook's figures against SQL, the chart, periods and scope."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib.image
import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from bot.app import App, build_app
from bot.channels.console import ConsoleChannel
from bot.settings import load_settings
from handlers import texts
from handlers import texts_reports as T
from handlers.messages import Reply
from handlers.report_chart import write_chart
from handlers.report_data import (
    ReportData,
    Scope,
    TaskFigures,
    build_report,
    month_period,
    parse_key,
    parse_month,
    period_containing,
    previous_period,
    unit_scope,
    weeks_of,
    whole_scope,
)
from handlers.report_workbook import write_workbook
from storage.models import (
    AssistSession,
    ChannelIdentity,
    Person,
    QuestionLog,
    Task,
    TaskStatus,
    TaskUnit,
)
from storage.models_tickets import Ticket
from storage.repos import people, questions, sessions, tasks
from storage.repos.reports import QuestionFigures, SessionFigures, SessionRow

TITLE_ROWS = 6  # title block, then the header row


# ---------------------------------------------------------------- helpers

@pytest.fixture(autouse=True)
async def clean_sessions(demo_app: App) -> None:
    """Start without sessions whether or not the demo loader adds some; tests add their own."""
    async with demo_app.sessionmaker() as s, s.begin():
        await s.execute(delete(AssistSession))


def local_now(app: App) -> datetime:
    return app.services.clock().replace(tzinfo=UTC).astimezone(app.settings.tz)


def today(app: App) -> date:
    return local_now(app).date()


async def unit(app: App, code: str) -> people.UnitDTO:
    async with app.sessionmaker() as s:
        found = await people.get_unit_by_code(s, code)
        assert found is not None
        return found


async def person(app: App, name: str) -> Person:
    async with app.sessionmaker() as s:
        found = await s.scalar(select(Person).where(Person.name == name))
        assert found is not None
        return found


async def add_session(app: App, name: str, day: date, village: str, category: str = "vneid",
                      citizens: int = 2, elderly: int = 0, note: str = "") -> int:
    async with app.sessionmaker() as s, s.begin():
        row = await sessions.add_session(
            s, (await person(app, name)).id, day=day, unit_id=(await unit(app, village)).id,
            category=category, citizens=citizens, elderly=elderly, duration_minutes=30, note=note,
        )
        return row.id


async def add_question(app: App, decision: str, topic: str | None, at: datetime, *, text: str = "hỏi",
                       handed_off: bool = False) -> None:
    async with app.sessionmaker() as s, s.begin():
        qid = await questions.log_question(
            s, identity_id=None, channel="console", text=text, normalized=text.lower(), topic=topic,
            score=90.0 if decision == "answer" else 40.0, decision=decision, candidates=[], now=at,
        )
        if handed_off:
            await questions.mark_handed_off(s, qid)


def files_of(replies: list[Reply]) -> tuple[Path, Path]:
    assert len(replies) == 3, [r.text for r in replies]
    image, book = replies[1].file, replies[2].file
    assert image is not None and image.kind == "image" and image.path.suffix == ".png"
    assert book is not None and book.kind == "document" and book.path.suffix == ".xlsx"
    assert image.path.is_file() and book.path.is_file()
    return image.path, book.path


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def summary_figures(path: Path) -> dict[str, tuple[Any, Any]]:
    """Column A label -> (this period, previous period) on the Tổng hợp sheet."""
    ws = load_workbook(path)[T.SHEET_SUMMARY]
    out: dict[str, tuple[Any, Any]] = {}
    for row in ws.iter_rows(min_row=TITLE_ROWS + 1, values_only=True):
        if isinstance(row[0], str) and row[0] not in out:
            out[row[0]] = (row[1], row[2])
    return out


def table(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    ws = load_workbook(path)[sheet]
    return [row for row in ws.iter_rows(min_row=TITLE_ROWS + 1, values_only=True) if row[0] is not None]


async def scalar(app: App, query: Any) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(query) or 0)


async def admin_report(app: App, chat: Any, code: str, key: str) -> list[Reply]:
    admin = chat("admin")
    return await admin.press(f"bc:{(await unit(app, code)).id}:{key}")


# ---------------------------------------------------------------- periods

def test_calendar_month_and_window_periods() -> None:
    oct_ = month_period(2025, 10)
    assert (oct_.start, oct_.last_day, oct_.label, oct_.key) == (date(2025, 10, 1), date(2025, 10, 31),
                                                                  "10/2025", "202510")
    nov = month_period(2025, 11, start_day=20)
    assert (nov.start, nov.last_day) == (date(2025, 10, 20), date(2025, 11, 19))
    jan = month_period(2026, 1, start_day=20)
    assert (jan.start, jan.last_day) == (date(2025, 12, 20), date(2026, 1, 19))
    assert period_containing(date(2025, 10, 25), 20) == nov  # on/after day D: next month's report
    assert period_containing(date(2025, 11, 19), 20) == nov
    assert period_containing(date(2025, 12, 31), 1) == month_period(2025, 12)
    assert previous_period(jan, 20) == month_period(2025, 12, 20)
    assert previous_period(month_period(2025, 1)) == month_period(2024, 12)


def test_month_parsing() -> None:
    assert parse_month("10/2025") == (2025, 10) and parse_month("1/2026") == (2026, 1)
    assert parse_month("2025-10") == (2025, 10) and parse_month("tháng 3/2025") == (2025, 3)
    for bad in ("13/2025", "abc", "0/2025", "10/25", "2025-13", "", "10/1999"):
        assert parse_month(bad) is None, bad
    assert parse_key("202510") == (2025, 10)
    assert parse_key("202513") is None and parse_key("2025a0") is None and parse_key("20251") is None


# ---------------------------------------------------------------- chat

async def test_head_gets_summary_chart_and_workbook(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("head").send_text("/baocao")
    summary = replies[0].text
    month = f"{today(demo_app):%m/%Y}"
    assert summary.startswith(f"📊 Báo cáo tháng {month} – Phòng Văn hóa - Xã hội")
    assert "Nhiệm vụ hoàn thành trong kỳ" in summary and "tháng trước" in summary
    assert "Câu hỏi" not in summary  # questions are commune-wide
    png, xlsx = files_of(replies)
    assert png_size(png) == (1200, 1500)
    assert png.parent == demo_app.settings.files_dir / "reports"
    assert load_workbook(xlsx).sheetnames == [T.SHEET_SUMMARY, T.SHEET_TASKS, T.SHEET_SESSIONS, T.SHEET_QUESTIONS]


async def test_head_report_covers_own_unit_tasks_only(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    vhxh = await unit(demo_app, "P-VHXH")
    _, xlsx = files_of(await chat("head").send_text("/baocao"))
    expected = await scalar(demo_app, select(func.count(func.distinct(TaskUnit.task_id)))
                            .where(TaskUnit.unit_id == vhxh.id))
    rows = table(xlsx, T.SHEET_TASKS)
    assert len(rows) == expected > 0
    assert all("Phòng Văn hóa - Xã hội" in f"{r[4]} {r[5]}" for r in rows)
    assert summary_figures(xlsx)[T.ROW_TASKS_TOTAL][0] == expected
    questions_sheet = load_workbook(xlsx)[T.SHEET_QUESTIONS]
    assert questions_sheet["A5"].value == T.QUESTIONS_COMMUNE_ONLY
    assert T.QUESTIONS_COMMUNE_ONLY in summary_figures(xlsx)


async def test_workbook_figures_match_sql(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    now_local = local_now(demo_app)
    period = period_containing(now_local.date())
    async with demo_app.sessionmaker() as s, s.begin():
        await sessions.add_demo_sessions(s, now_local.date())
    deleted = await add_session(demo_app, "Lê Văn Minh", now_local.date(), "THON-DONG", citizens=9)
    async with demo_app.sessionmaker() as s, s.begin():
        await sessions.soft_delete(s, deleted, (await person(demo_app, "Phạm Thị Lan")).id)
        first = await s.scalar(select(Task).where(Task.deadline_kind == "date").order_by(Task.due_date))
        assert first is not None
        await tasks.add_progress(s, first.id, None, 100, TaskStatus.DONE, "xong", demo_app.services.clock())
    now = demo_app.services.clock()
    for decision, topic, handed in (("answer", "vneid.otp", False), ("answer", "vneid.otp", False),
                                    ("answer", "dvc.tam_tru", False), ("clarify", None, False),
                                    ("clarify", "vneid.otp", False), ("fallback", None, True),
                                    ("fallback", None, False)):
        await add_question(demo_app, decision, topic, now, text=f"câu {decision} {topic}", handed_off=handed)

    replies = await admin_report(demo_app, chat, "XA-TANAN", period.key)
    assert "Câu hỏi của người dân được bot trả lời: 3/7" in replies[0].text
    png, xlsx = files_of(replies)
    figures = summary_figures(xlsx)

    live = (AssistSession.deleted_at.is_(None), AssistSession.date >= period.start, AssistSession.date < period.end)
    assert figures[T.ROW_SESSIONS][0] == await scalar(demo_app, select(func.count()).where(*live))
    assert figures[T.ROW_CITIZENS][0] == await scalar(demo_app, select(func.sum(AssistSession.citizens)).where(*live))
    assert figures[T.ROW_ELDERLY][0] == await scalar(demo_app, select(func.sum(AssistSession.elderly)).where(*live))
    assert figures[T.ROW_POOR][0] == await scalar(demo_app, select(func.sum(AssistSession.poor)).where(*live))
    for code in ("vneid", "dvc"):
        n = await scalar(demo_app, select(func.count()).where(*live, AssistSession.category == code))
        assert n == 0 or figures[T.category_label(code)][0] == n
    village = await unit(demo_app, "THON-DONG")
    n = await scalar(demo_app, select(func.count()).where(*live, AssistSession.unit_id == village.id))
    assert n == 0 or figures["Thôn Đông"][0] == n
    assert len(table(xlsx, T.SHEET_SESSIONS)) == await scalar(demo_app, select(func.count()).where(*live)) + 1

    day = now_local.date()
    assert figures[T.ROW_TASKS_TOTAL][0] == await scalar(demo_app, select(func.count(Task.id)))
    assert figures[T.ROW_TASKS_DONE][0] == 1
    on_time = first.due_date is not None and first.due_date >= day
    assert figures[T.ROW_TASKS_ON_TIME][0] == int(on_time)
    assert figures[T.ROW_TASKS_OVERDUE][0] == await scalar(demo_app, select(func.count(Task.id)).where(
        Task.deadline_kind == "date", Task.status != TaskStatus.DONE, Task.due_date < day))
    assert figures[T.ROW_TASKS_SOON][0] == await scalar(demo_app, select(func.count(Task.id)).where(
        Task.deadline_kind == "date", Task.status != TaskStatus.DONE, Task.due_date >= day,
        Task.due_date <= day + timedelta(days=30)))
    assert len(table(xlsx, T.SHEET_TASKS)) == figures[T.ROW_TASKS_TOTAL][0]

    asked = await scalar(demo_app, select(func.count(QuestionLog.id)))
    assert figures[T.ROW_Q_TOTAL][0] == asked == 7
    assert figures[T.ROW_Q_ANSWERED][0] == await scalar(
        demo_app, select(func.count(QuestionLog.id)).where(QuestionLog.decision == "answer")) == 3
    assert figures[T.ROW_Q_CLARIFIED][0] == 2 and figures[T.ROW_Q_FALLBACK][0] == 2
    assert figures[T.ROW_Q_HANDED][0] == 1
    otp_title = demo_app.services.faq.kb.titles.get("vneid.otp")
    topic_rows = table(xlsx, T.SHEET_QUESTIONS)
    assert topic_rows[0][0] == "vneid.otp" and topic_rows[0][2] == 3
    if otp_title:
        assert topic_rows[0][1] == otp_title
    unanswered = [r for r in topic_rows if isinstance(r[0], datetime)]
    assert len(unanswered) == 3  # two fallbacks and the clarification nobody picked
    assert png_size(png) == (1200, 1500)


async def test_sheet_headers_and_cell_types(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    day = today(demo_app)
    await add_session(demo_app, "Lê Văn Minh", day, "THON-DONG", note="gọi 0912345678 giúp bà")
    await add_question(demo_app, "fallback", None, demo_app.services.clock(), text="làm sao đổi tên")
    async with demo_app.sessionmaker() as s, s.begin():
        task = await s.scalar(select(Task).where(Task.deadline_kind == "date").order_by(Task.id))
        assert task is not None
        await tasks.add_progress(s, task.id, None, 40, TaskStatus.IN_PROGRESS, "đang rà soát",
                                 demo_app.services.clock(), evidence_link="https://example.org/a")
    _, xlsx = files_of(await admin_report(demo_app, chat, "XA-TANAN", period_containing(day).key))
    wb = load_workbook(xlsx)
    for ws in wb:
        assert ws.freeze_panes == "A7", ws.title
        assert ws["A1"].value == T.TITLE.format(month=f"{day:%m/%Y}")
        assert ws["B2"].value == "Xã Tân An"
        assert isinstance(ws["B4"].value, datetime) and ws["B4"].number_format == "dd/mm/yyyy"
        assert ws["B4"].value.date() == day
        assert ws.column_dimensions["A"].width and ws.column_dimensions["B"].width
    assert [c.value for c in wb[T.SHEET_SUMMARY][TITLE_ROWS]][:4] == [T.COL_ITEM, T.COL_THIS, T.COL_PREVIOUS,
                                                                      T.COL_CHANGE]
    assert tuple(c.value for c in wb[T.SHEET_TASKS][TITLE_ROWS]) == T.TASK_COLUMNS
    assert tuple(c.value for c in wb[T.SHEET_SESSIONS][TITLE_ROWS]) == T.SESSION_COLUMNS
    assert tuple(c.value for c in wb[T.SHEET_QUESTIONS][TITLE_ROWS])[:3] == T.TOPIC_COLUMNS

    session = wb[T.SHEET_SESSIONS][TITLE_ROWS + 1]
    assert isinstance(session[0].value, datetime) and session[0].number_format == "dd/mm/yyyy"
    assert session[1].value == "Lê Văn Minh" and session[2].value == "Thôn Đông"
    assert session[3].value == T.category_label("vneid") and session[4].value == 2
    assert "0912345678" not in session[10].value and "[số điện thoại]" in session[10].value

    ws = wb[T.SHEET_TASKS]
    updated = next(r for r in ws.iter_rows(min_row=TITLE_ROWS + 1) if r[0].value == task.id)
    assert isinstance(updated[7].value, datetime) and updated[7].number_format == "dd/mm/yyyy"
    assert updated[8].value.startswith(T.STATUS["in_progress"]) and updated[9].value == 40
    assert isinstance(updated[10].value, datetime) and updated[10].number_format == "dd/mm/yyyy"
    assert updated[11].value == "đang rà soát" and updated[12].value == 1
    assert isinstance(updated[3].value, str) and updated[4].value

    ws = wb[T.SHEET_QUESTIONS]
    dated = [r for r in ws.iter_rows(min_row=TITLE_ROWS + 1) if isinstance(r[0].value, datetime)]
    assert len(dated) == 1 and dated[0][0].number_format == "dd/mm/yyyy"
    assert dated[0][1].value == "làm sao đổi tên" and ws["A5"].value == T.QUESTIONS_SCOPE_NOTE


async def test_admin_picks_the_unit_by_button(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("admin").send_text("/baocao 10/2025")
    assert replies[0].text == T.PICK_UNIT.format(month="10/2025")
    buttons = replies[0].all_buttons()
    commune = await unit(demo_app, "XA-TANAN")
    assert buttons[0].data == f"bc:{commune.id}:202510" and "toàn xã" in buttons[0].label
    async with demo_app.sessionmaker() as s:
        assert len(buttons) == len(await people.list_units(s))
    assert all(b.data.isascii() and len(b.data.encode()) <= 64 for b in buttons)
    picked = next(b for b in buttons if b.label == "Thôn Đông")
    replies = await chat("admin").press(picked.data)
    assert replies[0].text.startswith("📊 Báo cáo tháng 10/2025 – Thôn Đông")
    files_of(replies)


async def test_menu_button_opens_the_report(chat) -> None:  # type: ignore[no-untyped-def]
    menu = await chat("head").send_text("/start")
    assert "bc:menu" in [b.data for r in menu for b in r.all_buttons()]
    assert "bc:menu" not in [b.data for r in await chat("member").send_text("/start") for b in r.all_buttons()]
    files_of(await chat("head").press("bc:menu"))


async def test_permissions(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    police = await unit(demo_app, "CA-XA")
    commune = await unit(demo_app, "XA-TANAN")
    own = await unit(demo_app, "P-VHXH")
    head = chat("head")
    for forged in (f"bc:{police.id}:202510", f"bc:{commune.id}:202510"):
        refused = await head.press(forged)
        assert [r.text for r in refused] == [T.NOT_IN_SCOPE] and refused[0].file is None
    assert len(await head.press(f"bc:{own.id}:202510")) == 3
    for stale in ("bc:abc:202510", f"bc:{own.id}:202513", f"bc:{own.id}", "bc:99999:202510"):
        assert (await head.press(stale))[0].text in (T.STALE, T.NOT_IN_SCOPE), stale
    member = chat("member")
    assert "chỉ dành cho" in (await member.send_text("/baocao"))[0].text
    refused = await member.press(f"bc:{own.id}:202510")
    assert refused[0].text == texts.ACTION_NOT_ALLOWED.format(audience="người đứng đầu đơn vị và quản trị viên")
    assert "chỉ dành cho" in (await chat("leader").send_text("/baocao"))[0].text


async def test_bad_and_future_months(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    head = chat("head")
    for bad in ("13/2025", "abc"):
        reply = await head.send_text(f"/baocao {bad}")
        assert reply[0].text == T.BAD_MONTH.format(text=bad) and len(reply) == 1
    nxt = today(demo_app).replace(day=1) + timedelta(days=62)
    reply = await head.send_text(f"/baocao {nxt:%m/%Y}")
    assert reply[0].text == T.FUTURE_MONTH.format(month=f"{nxt:%m/%Y}")


async def test_empty_month_is_a_valid_report(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    replies = await admin_report(demo_app, chat, "XA-TANAN", "202401")
    assert T.SUMMARY_NO_DATA in replies[0].text and "(số liệu đến hôm nay)" not in replies[0].text
    png, xlsx = files_of(replies)
    assert png_size(png) == (1200, 1500)
    figures = summary_figures(xlsx)
    assert figures[T.ROW_SESSIONS] == (0, 0) and figures[T.ROW_TASKS_TOTAL] == (0, 0)
    assert figures[T.ROW_Q_TOTAL] == (0, 0)
    for sheet in (T.SHEET_TASKS, T.SHEET_SESSIONS, T.SHEET_QUESTIONS):
        assert table(xlsx, sheet)[0][0] == T.NO_DATA
    assert figures[T.ROW_T_OPENED][0] == 0


async def test_past_month_shows_tasks_as_they_stood(demo_app: App, tmp_path: Path) -> None:
    """A task finished in November was still in progress in the October report."""
    tz = demo_app.settings.tz
    async with demo_app.sessionmaker() as s, s.begin():
        task = await s.scalar(select(Task).where(Task.deadline_kind == "date").order_by(Task.id))
        assert task is not None
        await s.execute(delete(Task).where(Task.id != task.id))
        await s.execute(update(Task).where(Task.id == task.id).values(
            created_at=datetime(2025, 9, 1), due_date=date(2025, 11, 10)))
        await tasks.add_progress(s, task.id, None, 50, TaskStatus.IN_PROGRESS, "một nửa", datetime(2025, 10, 10, 3))
        await tasks.add_progress(s, task.id, None, 100, TaskStatus.DONE, "xong", datetime(2025, 11, 5, 3))
        scope = await whole_scope(s)
        oct_ = await build_report(s, scope, month_period(2025, 10), tz=tz, now_utc=datetime(2026, 1, 5))
        nov = await build_report(s, scope, month_period(2025, 11), tz=tz, now_utc=datetime(2026, 1, 5))
        dec = await build_report(s, scope, month_period(2025, 12), tz=tz, now_utc=datetime(2026, 1, 5))
    [line] = oct_.task_lines
    assert (line.status, line.progress, line.row.last_note, line.overdue) == (TaskStatus.IN_PROGRESS, 50,
                                                                              "một nửa", False)
    assert (oct_.tasks.total, oct_.tasks.done, oct_.tasks.average_progress) == (1, 0, 50.0)
    assert (nov.tasks.done, nov.tasks.done_on_time, nov.tasks.overdue) == (1, 1, 0)
    assert nov.prev_tasks.total == 1 and dec.tasks.total == 0  # finished before December


async def test_report_window_setting(demo_app: App, chat, tmp_path: Path, faq_engine) -> None:  # type: ignore[no-untyped-def]
    for day in (date(2025, 10, 19), date(2025, 10, 20), date(2025, 11, 19), date(2025, 11, 20)):
        await add_session(demo_app, "Ngô Thị Mai", day, "THON-TAY", citizens=day.day)
    settings = load_settings(database_url=demo_app.settings.database_url, files_dir=tmp_path / "files",
                             faq_overlay_file=tmp_path / "faq.yaml", report_window_start_day=20, _env_file=None)
    app = await build_app(settings, faq=faq_engine)
    try:
        commune = await unit(app, "XA-TANAN")
        replies = await chat("admin").press(f"bc:{commune.id}:202511")  # default window: calendar month
        calendar_rows = table(files_of(replies)[1], T.SHEET_SESSIONS)
        assert [r[0].date() for r in calendar_rows[:-1]] == [date(2025, 11, 19), date(2025, 11, 20)]
        admin = ConsoleChannel(app.conversation, user_id="console-admin")
        replies = await admin.press(f"bc:{commune.id}:202511")
        assert "Kỳ báo cáo: 20/10/2025–19/11/2025" in replies[0].text
        _, xlsx = files_of(replies)
        assert [r[0].date() for r in table(xlsx, T.SHEET_SESSIONS)[:-1]] == [date(2025, 10, 20), date(2025, 11, 19)]
        ws = load_workbook(xlsx)[T.SHEET_SUMMARY]
        assert ws["B3"].value == "20/10/2025–19/11/2025" and "ngày 20 tháng trước" in ws["A5"].value
        assert summary_figures(xlsx)[T.ROW_CITIZENS] == (20 + 19, 19)  # previous window: 20/09–19/10
    finally:
        await app.close()


async def test_sessions_scope_by_village_or_member_unit(demo_app: App) -> None:
    day = date(2025, 10, 15)
    await add_session(demo_app, "Ngô Thị Mai", day, "THON-TAY", citizens=3)   # Tổ Tây member in thôn Tây
    await add_session(demo_app, "Ngô Thị Mai", day, "THON-DONG", citizens=4)  # Tổ Tây member helping thôn Đông
    await add_session(demo_app, "Lê Văn Minh", day, "THON-DONG", citizens=5)
    tz = demo_app.settings.tz
    async with demo_app.sessionmaker() as s:
        west = await unit_scope(s, await people.get_unit_by_code(s, "THON-TAY"))  # type: ignore[arg-type]
        team = await unit_scope(s, await people.get_unit_by_code(s, "TO-TAY"))  # type: ignore[arg-type]
        east = await unit_scope(s, await people.get_unit_by_code(s, "THON-DONG"))  # type: ignore[arg-type]
        period = month_period(2025, 10)
        got = {name: await build_report(s, sc, period, tz=tz, now_utc=datetime(2026, 1, 1))
               for name, sc in (("west", west), ("team", team), ("east", east))}
    assert got["west"].sessions.citizens == 3 + 4  # held in thôn Tây, or by a member of its Tổ
    assert got["team"].sessions.citizens == 3 + 4
    assert got["east"].sessions.citizens == 4 + 5
    assert {g.name for g in got["west"].by_village} == {"Thôn Tây", "Thôn Đông"}
    assert got["west"].questions is None  # commune-wide only
    assert got["west"].tickets.opened == 0  # no ticket in October


async def test_unreachable_accounts_are_listed(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    async with demo_app.sessionmaker() as s, s.begin():
        ident = await people.find_identity(s, "console", "console-member")
        assert ident is not None
        await s.execute(update(ChannelIdentity).where(ChannelIdentity.id == ident.id).values(reachable=False))
    _, xlsx = files_of(await admin_report(demo_app, chat, "XA-TANAN", "202510"))
    figures = summary_figures(xlsx)
    assert figures[T.ROW_UNREACHABLE][0] == 1 and "Lê Văn Minh" in figures


def test_chart_draws_vietnamese_without_missing_glyphs(tmp_path: Path) -> None:
    d = date
    period = month_period(2025, 10)
    rows = [SessionRow(i, d(2025, 10, 1 + i * 3), 1, "Lê Văn Minh", 1, "Thôn Đông", cat, 2, 1, 0, 0, "done", 30, "")
            for i, cat in enumerate(["vneid", "docs", "dvc", "payment", "skills", "safety", "other", "lạ"])]
    weeks = weeks_of(rows, period)
    data = ReportData(
        scope=Scope(None, "Xã Tân An – Ủy ban nhân dân", "XA", True), period=period,
        previous=previous_period(period), made_on=d(2025, 11, 1), tz=UTC, partial=False, window_start_day=1,
        sessions=SessionFigures(len(rows), 16), prev_sessions=SessionFigures(), by_category=[], by_village=[],
        by_member=[], session_rows=rows, weeks=weeks,
        tasks=TaskFigures(5, 1, 1, 2, 1, 40.0, {"done": 1, "in_progress": 2, "not_started": 1, "blocked": 1}),
        prev_tasks=TaskFigures(), task_lines=[],
        questions=QuestionFigures(10, 6, 2, 2, 3, 1, 5, 1, 1), prev_questions=QuestionFigures(),
        topics=[], top_unanswered=[], unanswered=[], tickets=None, unreachable=[],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = write_chart(data, tmp_path / "chart.png")
    assert not [w for w in caught if "missing from" in str(w.message)], [str(w.message) for w in caught]
    assert png_size(png) == (1200, 1500)
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[:2] == (1500, 1200)
    assert sum(len(w.sessions) for w in weeks) == len(rows)



async def test_ticket_figures(demo_app: App, tmp_path: Path) -> None:
    model = Ticket
    t0 = datetime(2025, 10, 10, 2)
    east, west = await unit(demo_app, "TO-DONG"), await unit(demo_app, "TO-TAY")
    rows = [
        dict(text="a", created_at=t0, claimed_at=t0 + timedelta(hours=1), closed_at=t0 + timedelta(hours=3),
             rating=5, unit_id=east.id),
        dict(text="b", created_at=t0, claimed_at=t0 + timedelta(hours=3), rating=3, unit_id=west.id),
        dict(text="c", created_at=t0, unit_id=None),
        dict(text="d", created_at=datetime(2025, 9, 10), unit_id=east.id),  # September
    ]
    tz = demo_app.settings.tz
    async with demo_app.sessionmaker() as s, s.begin():
        for row in rows:
            s.add(model(**{k: v for k, v in row.items() if hasattr(model, k)}))
        await s.flush()
        whole = await build_report(s, await whole_scope(s), month_period(2025, 10), tz=tz,
                                   now_utc=datetime(2026, 1, 1))
        village = await unit_scope(s, await people.get_unit_by_code(s, "THON-DONG"))  # type: ignore[arg-type]
        east_only = await build_report(s, village, month_period(2025, 10), tz=tz, now_utc=datetime(2026, 1, 1))
    assert whole.tickets is not None
    assert (whole.tickets.opened, whole.tickets.claimed, whole.tickets.closed) == (3, 2, 1)
    assert (whole.tickets.median_claim_hours, whole.tickets.median_close_hours) == (2.0, 3.0)
    assert whole.tickets.average_rating == 4.0
    assert east_only.tickets.opened == 1
    book = write_workbook(whole, tmp_path / "t.xlsx")
    figures = summary_figures(book)
    assert figures[T.ROW_T_OPENED][0] == 3 and figures[T.ROW_T_RATING][0] == 4.0
