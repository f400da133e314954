"""/xoadulieu (a citizen erases what they sent) and /nhatky (admins read who changed what)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from handlers import privacy, texts
from handlers import texts_privacy as T
from handlers.messages import Reply
from storage import purge
from storage.models import DialogState, PendingChoices, QuestionLog, TaskStatus, Ticket, TicketMessage
from storage.models_tickets import TicketStatus
from storage.repos import audit, people, tasks


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def data_of(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for b in r.all_buttons()]


async def identity(app: App, user_id: str) -> tuple[int, int]:
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "console", user_id)
        assert ident is not None
        return ident.id, ident.person_id


async def add_ticket(app: App, identity_id: int, text: str) -> int:
    async with app.sessionmaker() as s, s.begin():
        row = Ticket(citizen_identity_id=identity_id, text=text, status=TicketStatus.CLOSED,
                     closed_at=app.services.clock())
        s.add(row)
        await s.flush()
        s.add(TicketMessage(ticket_id=row.id, direction="in", text=f"em hỏi thêm: {text}"))
        s.add(TicketMessage(ticket_id=row.id, direction="out", text=f"Tổ trả lời: {text}"))
        return row.id


async def questions_of(app: App, identity_id: int) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count(QuestionLog.id))
                                  .where(QuestionLog.identity_id == identity_id)) or 0)


async def test_citizen_erases_own_data_and_nobody_elses(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    me, other = chat("citizen"), chat("citizen", user_id="console-neighbour")
    await me.send_text("không nhận được mã otp")
    await me.send_text("đăng ký tạm trú online thế nào")
    await other.send_text("quên mật khẩu vneid")
    my_ident, my_person = await identity(demo_app, "console-citizen")
    other_ident, _ = await identity(demo_app, "console-neighbour")
    my_ticket = await add_ticket(demo_app, my_ident, "bà Tư, số 0912345678, nhờ kích hoạt")
    other_ticket = await add_ticket(demo_app, other_ident, "ông hàng xóm hỏi về khai sinh")
    await other.send_text("/ghi")  # a member-only command: refused, but leaves no dialog either way
    async with demo_app.sessionmaker() as s, s.begin():
        s.add(DialogState(identity_id=other_ident, dialog="x", step="y", data={},
                          expires_at=demo_app.services.clock() + timedelta(hours=1)))
    assert await questions_of(demo_app, my_ident) == 2

    asked = await me.send_text("/xoadulieu")
    text = text_of(asked)
    assert "2 câu hỏi" in text and "1 yêu cầu hỗ trợ" in text and "2 tin nhắn" in text
    assert T.ERASE_YES in [b.label for r in asked for b in r.all_buttons()]
    assert data_of(asked)[1] == "xdl:no" and data_of(asked)[0].startswith("xdl:ok:")

    done = await me.send_text("1")  # the console shows the buttons as numbered choices
    assert "Đã xóa theo yêu cầu" in text_of(done) and "2 câu hỏi" in text_of(done)
    assert await questions_of(demo_app, my_ident) == 0
    async with demo_app.sessionmaker() as s:
        mine = await s.get(Ticket, my_ticket)
        assert mine is not None and mine.text == purge.REDACTED and mine.status == TicketStatus.CLOSED
        my_messages = list(await s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == my_ticket)))
        assert [(m.direction, m.text) for m in my_messages] == [("out", purge.REDACTED)]
        theirs = await s.get(Ticket, other_ticket)
        assert theirs is not None and theirs.text == "ông hàng xóm hỏi về khai sinh"
        their_messages = list(await s.scalars(select(TicketMessage.text)
                                              .where(TicketMessage.ticket_id == other_ticket)))
        assert len(their_messages) == 2 and purge.REDACTED not in their_messages
        assert await s.scalar(select(func.count(DialogState.id)).where(DialogState.identity_id == other_ident)) == 1
        assert await s.get(PendingChoices, my_ident) is None
        [entry] = [e for e in await audit.recent(s, 5) if e.action == "erase"]
        assert entry.actor_id == my_person and "0912345678" not in entry.summary
    assert await questions_of(demo_app, other_ident) == 1

    again = await me.send_text("/xoadulieu")
    assert T.ERASE_ASK_EMPTY in text_of(again)


async def test_cancel_keeps_everything(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    me = chat("citizen")
    await me.send_text("không nhận được mã otp")
    my_ident, _ = await identity(demo_app, "console-citizen")
    await me.send_text("/xoadulieu")
    cancelled = await me.send_text("Hủy")  # the label typed instead of its number
    assert text_of(cancelled) == T.ERASE_CANCELLED
    assert await questions_of(demo_app, my_ident) == 1


async def test_the_button_only_erases_the_data_of_whoever_presses_it(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    me, other = chat("citizen"), chat("citizen", user_id="console-neighbour")
    await me.send_text("không nhận được mã otp")
    await other.send_text("quên mật khẩu vneid")
    my_ident, _ = await identity(demo_app, "console-citizen")
    other_ident, _ = await identity(demo_app, "console-neighbour")
    button = data_of(await me.send_text("/xoadulieu"))[0]
    replies = await other.press(button)  # someone else presses (or forges) the same data
    assert "Đã xóa theo yêu cầu" in text_of(replies)
    assert await questions_of(demo_app, other_ident) == 0
    assert await questions_of(demo_app, my_ident) == 1


async def test_an_old_confirmation_is_refused(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    me = chat("citizen")
    await me.send_text("không nhận được mã otp")
    my_ident, _ = await identity(demo_app, "console-citizen")
    old = demo_app.services.clock() - timedelta(hours=1)
    replies = await me.press(f"xdl:ok:{int(old.replace(tzinfo=UTC).timestamp())}")
    assert "không còn hiệu lực" in text_of(replies)
    assert await questions_of(demo_app, my_ident) == 1
    assert text_of(await me.press("xdl:ok:abc")) == texts.STALE_BUTTON
    assert await questions_of(demo_app, my_ident) == 1


async def test_members_may_erase_their_questions_too(chat) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("member").send_text("/xoadulieu")
    assert data_of(replies)[0].startswith("xdl:ok:")


# ---------------------------------------------------------------- /nhatky

async def test_task_history_shows_who_and_when_in_vietnam_time(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _, member = await identity(demo_app, "console-member")
    _, head = await identity(demo_app, "console-head")
    async with demo_app.sessionmaker() as s:
        task = (await tasks.all_tasks(s))[0]
    at = datetime(2025, 12, 15, 2, 5)  # 09:05 in Hà Nội
    async with demo_app.sessionmaker() as s, s.begin():
        await tasks.add_progress(s, task.id, member, 60, TaskStatus.IN_PROGRESS, "đã rà soát 5 thủ tục", at)
        await tasks.add_progress(s, task.id, None, 100, TaskStatus.DONE, "", at + timedelta(days=1, hours=6))
        await tasks.pause_reminders(s, task.id, head, datetime(2030, 1, 5).date(), "chờ hướng dẫn")
    text = text_of(await chat("admin").send_text(f"/nhatky {task.id}"))
    lines = text.splitlines()
    assert f"#{task.id}" in lines[0]
    assert "15/12/2025 09:05 · Lê Văn Minh · cập nhật tiến độ: 60%, đang làm: đã rà soát 5 thủ tục" in text
    assert "16/12/2025 15:05 · dòng lệnh/hệ thống · cập nhật tiến độ: 100%, hoàn thành" in text
    assert "Trần Thị Hạnh · tạm dừng nhắc: 05/01/2030: chờ hướng dẫn" in text
    assert lines.index(next(x for x in lines if "60%" in x)) < lines.index(next(x for x in lines if "100%" in x))


async def test_recent_log_lists_the_last_twenty(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2030, 1, 1, 1, 0)  # after everything the demo loader recorded
    async with demo_app.sessionmaker() as s, s.begin():
        for n in range(25):
            await audit.record(s, None, "task", 900 + n, "progress", f"{n}%, blocked",
                               start + timedelta(minutes=n))
    text = text_of(await chat("admin").send_text("/nhatky"))
    lines = text.splitlines()
    assert lines[0] == T.AUDIT_RECENT_HEADER.format(count=20) and len(lines) == 21
    assert "nhiệm vụ #924: 24%, vướng mắc" in lines[1]  # newest first
    assert "01/01/2030 08:24" in lines[1]


async def test_audit_log_is_for_admins_and_checks_its_argument(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    refused = text_of(await chat("head").send_text("/nhatky"))
    assert "chỉ dành cho" in refused
    admin = chat("admin")
    assert text_of(await admin.send_text("/nhatky abc")) == T.AUDIT_USAGE
    assert text_of(await admin.send_text("/nhatky 999999")) == T.AUDIT_TASK_NOT_FOUND.format(id=999999)
    async with demo_app.sessionmaker() as s:
        task = (await tasks.all_tasks(s))[-1]
    assert "chưa có thay đổi" in text_of(await admin.send_text(f"/nhatky #{task.id}"))


async def test_role_changes_show_whose_role(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    code = text_of(await admin.send_text("/moi member TO-TAY")).split("/thamgia ")[-1].split()[0]
    await chat("citizen").send_text(f"/thamgia {code}")
    text = text_of(await admin.send_text("/nhatky"))
    assert "Bà Nguyễn Thị Tư · đổi vai trò của Bà Nguyễn Thị Tư: thành viên Tổ công nghệ số cộng đồng" in text


def test_readable_translates_codes_but_not_notes() -> None:
    assert privacy.readable("40%, in_progress: done soon, vneid") == "40%, đang làm: done soon, vneid"
    assert privacy.readable("citizens, note") == "số người, ghi chú"


async def test_purges_and_erasures_appear_in_the_log(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    await chat("citizen").send_text("/xoadulieu")
    await chat("citizen").send_text("1")
    async with demo_app.sessionmaker() as s, s.begin():
        await purge.purge_older_than(s, datetime(2024, 1, 1))
    text = text_of(await chat("admin").send_text("/nhatky"))
    assert "dòng lệnh/hệ thống · dọn dữ liệu cũ: trước 01/01/2024: 0 câu hỏi" in text
    assert "Bà Nguyễn Thị Tư · xóa dữ liệu theo yêu cầu của Bà Nguyễn Thị Tư" in text
