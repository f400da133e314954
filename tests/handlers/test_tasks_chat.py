"""Task commands in chat: /nhiemvu, /quahan, /tatnhac, /tiendo (one line and guided), the digest buttons."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import App
from handlers import texts_tasks as T
from handlers.messages import Attachment, Incoming
from storage.models import Outbox, ProgressUpdate, ReminderPause, Role, Task, TaskStatus
from storage.repos import people


async def _task(app: App, stt: str) -> Task:
    async with app.sessionmaker() as s:
        task = await s.scalar(select(Task).where(Task.stt == stt))
        assert task is not None
        return task


async def test_nhiemvu_lists_overdue_first_with_next_reminder(chat) -> None:  # type: ignore[no-untyped-def]
    reply = (await chat("head").send_text("/nhiemvu"))[0].text
    assert reply.startswith("Nhiệm vụ của Phòng Văn hóa - Xã hội")
    first, second = reply.split("\n#")[1:3]
    assert "trễ 12 ngày" in first and "trễ 4 ngày" in second
    assert "Nhắc tiếp:" in reply and "thường xuyên" in reply


async def test_quahan_lists_only_overdue(chat) -> None:  # type: ignore[no-untyped-def]
    reply = (await chat("head").send_text("/quahan"))[0].text
    assert "Nhiệm vụ quá hạn (2)" in reply and "còn" not in reply


async def test_member_cannot_list_unit_tasks(chat) -> None:  # type: ignore[no-untyped-def]
    assert "chỉ dành cho" in (await chat("member").send_text("/nhiemvu"))[0].text


async def test_tatnhac_pauses_with_reason_and_validates(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    head = chat("head")
    task = await _task(demo_app, "4")
    assert "Cách dùng" in (await head.send_text("/tatnhac"))[0].text
    assert "từ 1 đến 90" in (await head.send_text(f"/tatnhac {task.id} 500 lý do"))[0].text
    assert "lý do" in (await head.send_text(f"/tatnhac {task.id} 5"))[0].text
    ok = (await head.send_text(f"/tatnhac {task.id} 5 chờ hướng dẫn của huyện"))[0].text
    assert ok.startswith(f"Đã tạm dừng nhắc nhiệm vụ #{task.id}")
    async with demo_app.sessionmaker() as s:
        pause = await s.scalar(select(ReminderPause))
    assert pause is not None and pause.reason == "chờ hướng dẫn của huyện"
    assert "tạm dừng đến" in (await head.send_text("/nhiemvu"))[0].text
    other = await _task(demo_app, "6")  # led by Công an xã, not this head's unit
    assert "Không tìm thấy" in (await head.send_text(f"/tatnhac {other.id} 5 thử"))[0].text


async def test_tiendo_one_line_updates_and_done_closes(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    head = chat("head")
    task = await _task(demo_app, "4")
    reply = await head.send_text(f"/tiendo {task.id} 60% đã rà soát xong 5 thôn, liên hệ 0912345678")
    assert reply[0].text == T.PROGRESS_SAVED.format(id=task.id, progress=60, status="đang làm")
    done = await head.send_text(f"/tiendo {task.id} 100% hoàn thành")
    assert T.PROGRESS_CLOSED.format(id=task.id) in [r.text for r in done]
    async with demo_app.sessionmaker() as s:
        notes = list(await s.scalars(select(ProgressUpdate.note)))
        closed = await s.get(Task, task.id)
    assert "0912345678" not in notes[0] and closed is not None and closed.status == TaskStatus.DONE
    assert f"#{task.id} " not in (await head.send_text("/nhiemvu"))[0].text


async def test_tiendo_refuses_tasks_of_other_units(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    other = await _task(demo_app, "6")
    reply = await chat("head").send_text(f"/tiendo {other.id} 50% thử")
    assert "không thuộc đơn vị" in reply[0].text
    reply = await chat("head").press(f"tp:{other.id}")
    assert "không thuộc đơn vị" in reply[0].text


async def test_guided_progress_with_blocked_status_alerts_admins(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    head = chat("head")
    menu = (await head.send_text("/tiendo"))[0]
    task = await _task(demo_app, "4")
    assert any(b.data == f"tp:{task.id}" for b in menu.all_buttons())
    await head.press(f"tp:{task.id}")
    assert (await head.press("ps:blocked"))[0].text == T.PROGRESS_ASK_NOTE
    assert (await head.send_text("thiếu kinh phí mua thiết bị"))[0].text == T.PROGRESS_ASK_EVIDENCE
    saved = await head.send_text("https://example.gov.vn/bien-ban.pdf")
    assert T.PROGRESS_BLOCKED_SENT in [r.text for r in saved]
    async with demo_app.sessionmaker() as s:
        update = await s.scalar(select(ProgressUpdate))
        alerts = list(await s.scalars(select(Outbox).where(Outbox.kind == "notify")))
    assert update is not None and update.evidence_link == "https://example.gov.vn/bien-ban.pdf"
    assert alerts and "thiếu kinh phí" in alerts[0].payload["text"]


async def test_progress_evidence_file_is_stored_with_its_hash(demo_app: App, tmp_path: Path) -> None:
    task = await _task(demo_app, "4")
    conv = demo_app.conversation

    def msg(text: str = "", data: str | None = None, files: tuple = ()) -> Incoming:  # type: ignore[type-arg]
        return Incoming(channel="console", user_id="console-head", chat_id="console-head", text=text,
                        callback_data=data, attachments=files)

    await conv.handle(msg(data=f"tp:{task.id}"))
    await conv.handle(msg("70"))
    await conv.handle(msg(data="pk:note"))
    photo = tmp_path / "anh.jpg"
    photo.write_bytes(b"\xff\xd8fake-jpeg")
    await conv.handle(msg(files=(Attachment(kind="photo", path=photo, name="anh.jpg", size=10),)))
    async with demo_app.sessionmaker() as s:
        update = await s.scalar(select(ProgressUpdate))
    assert update is not None and update.progress == 70 and update.evidence_sha256
    assert Path(update.evidence_path or "").read_bytes() == b"\xff\xd8fake-jpeg"


async def test_snooze_button_queues_tomorrow(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    reply = await chat("head").press("rm:snooze")
    assert reply[0].text == T.SNOOZED
    async with demo_app.sessionmaker() as s:
        row = await s.scalar(select(Outbox).where(Outbox.key.like("snooze:%")))
        head = await people.persons_with_role(s, Role.HEAD)
    assert row is not None and row.person_id in {h.id for h in head}
