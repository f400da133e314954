"""Every reminder is ONE message (issue #10): a long digest keeps the most urgent tasks and counts the
rest, huge task names are shortened, the monthly nudge and the weekly escalation obey the same cap;
the sweep writes the outbox in batches without ever duplicating a key."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.channels import telegram_render, zalo
from handlers.messages import Button, Reply
from scheduler import texts
from scheduler.reminders import (
    DIGEST_BUTTONS,
    MAX_MESSAGE,
    PlannedMessage,
    digest_text,
    enqueue,
    enqueue_many,
    fit_list,
    shorten,
    text_units,
)
from storage.models import Outbox, Role, TaskStatus, UnitKind
from storage.repos import people, tasks
from storage.repos.tasks import TaskDTO
from tests.scheduler import test_reminders as base

TODAY = date(2025, 12, 15)  # a Monday
MORE_RE = re.compile(r"… và còn (\d+) nhiệm vụ khác — gõ /nhiemvu để xem đủ\.")


def _task(task_id: int, due: date, title: str | None = None, progress: int = 0) -> TaskDTO:
    return TaskDTO(task_id, "KH", str(task_id), "", title or f"Nhiệm vụ {task_id}", "", "date", due, None, None, "",
                   TaskStatus.NOT_STARTED, progress, None, (1,))


def _one_message_everywhere(text: str, buttons: list[list[tuple[str, str]]]) -> None:
    """What the channels would do with it: one Telegram message, one Zalo message (menu included)."""
    assert text_units(text) <= MAX_MESSAGE
    assert len(telegram_render.split_text(text)) == 1
    reply = Reply(text, buttons=[[Button(label, data) for label, data in row] for row in buttons])
    assert len(zalo.render([reply])) == 1


def _shown_ids(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^• #(\d+) ", text, re.M)]


# ---------------------------------------------------------------- the digest text

def test_short_digest_is_unchanged() -> None:
    items = [_task(2, TODAY + timedelta(3), progress=40), _task(1, TODAY - timedelta(1))]
    text = digest_text("Chị Hạnh", "Phòng Văn hóa", TODAY, items, {2: date(2025, 12, 1)})
    assert text == (
        "Kính gửi Chị Hạnh,\nCác nhiệm vụ của Phòng Văn hóa cần lưu ý (ngày 15/12/2025):\n"
        "\n⛔ Quá hạn\n"
        "• #1 Nhiệm vụ 1\n   Hạn 14/12/2025 – trễ 1 ngày; tiến độ 0%; cập nhật gần nhất: chưa có\n"
        "\n⏰ Sắp đến hạn\n"
        "• #2 Nhiệm vụ 2\n   Hạn 18/12/2025 – còn 3 ngày; tiến độ 40%; cập nhật gần nhất: 01/12/2025\n"
        "\nAnh/chị bấm «Cập nhật tiến độ» khi có tiến triển. Trân trọng cảm ơn!")
    assert not MORE_RE.search(text)


def test_long_digest_keeps_the_most_urgent_and_counts_the_rest() -> None:
    items = [_task(i, TODAY + timedelta(days=i % 7)) for i in range(1, 500)]
    items += [_task(900, TODAY - timedelta(2)), _task(901, TODAY - timedelta(9))]  # the overdue ones, last by id
    text = digest_text("Chị Hạnh", "Xã Thử", TODAY, items, {})
    _one_message_everywhere(text, DIGEST_BUTTONS)
    shown = _shown_ids(text)
    (more,) = MORE_RE.findall(text)
    assert int(more) == 501 - len(shown) and len(shown) >= 10
    assert shown[:2] == [901, 900]  # overdue first, the longest late first
    due = [item.due_date for i in shown[2:] for item in items if item.id == i]
    assert due == sorted(due) and due[0] == TODAY  # then the nearest deadlines
    assert text.index("⛔ Quá hạn") < text.index("⏰ Sắp đến hạn") < text.index("… và còn")
    assert text.endswith(texts.DIGEST_FOOTER)


def test_a_huge_task_name_cannot_blow_the_cap() -> None:
    items = [_task(7, TODAY, title="Triển khai " * 500), _task(8, TODAY + timedelta(3))]
    text = digest_text("Chị Hạnh", "Đ" * 5000, TODAY, items, {})
    _one_message_everywhere(text, DIGEST_BUTTONS)
    assert _shown_ids(text) == [7, 8] and "…" in text and not MORE_RE.search(text)


def test_shorten_counts_utf16_and_marks_the_cut() -> None:
    assert shorten("ngắn", 10) == "ngắn"
    cut = shorten("📝" * 10, 7)
    assert text_units(cut) <= 7 and cut.endswith("…")


def test_fit_list_caps_by_count_and_by_length() -> None:
    lines = [f"• #{i} việc {i}" for i in range(100)]
    by_count = fit_list("Đầu\n{items}\nCuối", {}, lines, texts.MORE_TASKS, max_items=30)
    assert by_count.count("• #") == 30 and "… và còn 70 nhiệm vụ khác" in by_count
    long_lines = [f"• #{i} " + "x" * 150 for i in range(100)]
    by_length = fit_list("{name}\n{items}\nCuối", {"name": "Anh A"}, long_lines, texts.MORE_OVERDUE, limit=1000,
                         max_items=50)
    assert text_units(by_length) <= 1000 and by_length.endswith("để xem đủ.\nCuối")
    shown = by_length.count("• #")
    assert f"… và còn {100 - shown} nhiệm vụ quá hạn khác — gõ /quahan để xem đủ." in by_length
    assert fit_list("{items}", {}, lines[:3], texts.MORE_TASKS) == "\n".join(lines[:3])


# ---------------------------------------------------------------- through the sweep

async def test_digest_of_500_due_tasks_is_one_row_within_the_cap(app: App) -> None:
    due = {f"t{i:03d}": TODAY + timedelta(3) for i in range(499)}
    due["urgent"] = TODAY - timedelta(1)  # created last: the highest id, still listed first
    ids = await base._setup(app, due)
    await base._sweep(app, base.at(TODAY))
    rows = await base._outbox(app)
    digests = [r for r in rows if r.kind == "digest"]
    assert len(digests) == 1
    text = digests[0].payload["text"]
    _one_message_everywhere(text, digests[0].payload["buttons"])
    shown = _shown_ids(text)
    assert shown[0] == ids["urgent"] and "trễ 1 ngày" in text
    (more,) = MORE_RE.findall(text)
    assert int(more) == 500 - len(shown) > 0


async def test_monthly_nudge_and_escalation_respect_the_cap(app: App) -> None:
    long_name = "Cập nhật dữ liệu dân cư và hướng dẫn người dân cài đặt, kích hoạt tài khoản định danh điện tử " * 2
    async with app.sessionmaker() as s, s.begin():
        commune = await people.add_unit(s, "XA", "Xã Thử", UnitKind.COMMUNE)
        office = await people.add_unit(s, "VH", "Phòng Văn hóa", UnitKind.OFFICE, "XA")
        await people.add_person(s, "Chị Hạnh", Role.HEAD, office.id)
        await people.add_person(s, "Anh Quản", Role.ADMIN, commune.id)
        for i in range(40):
            await tasks.upsert_task(s, tasks.NewTask(
                plan="KH", stt=f"r{i}", group="", text=f"{i} {long_name}", deadline_kind="recurring", due_date=None,
                every="month", until=None, deadline_phrase="Thường xuyên", lead_unit_ids=[office.id]))
            await tasks.upsert_task(s, tasks.NewTask(
                plan="KH", stt=f"q{i}", group="", text=f"Quá hạn {i} {long_name}", deadline_kind="date",
                due_date=TODAY - timedelta(days=20 + i), every=None, until=None, deadline_phrase="",
                lead_unit_ids=[office.id]))
    await base._sweep(app, base.at(TODAY))  # the 15th: monthly nudge day, and a Monday
    rows = {r.kind: r for r in await base._outbox(app)}
    monthly, escalation = rows["monthly"], rows["escalation"]
    for row in (monthly, escalation, rows["digest"]):
        _one_message_everywhere(row.payload["text"], row.payload["buttons"])
    shown = monthly.payload["text"].count("\n• #")
    assert 0 < shown < 30 and f"… và còn {40 - shown} nhiệm vụ khác" in monthly.payload["text"]
    late = escalation.payload["text"]
    shown = late.count("\n• #")
    assert 0 < shown < 40 and f"… và còn {40 - shown} nhiệm vụ quá hạn khác" in late
    assert "trễ 59 ngày" in late  # the longest late comes first


# ---------------------------------------------------------------- batched outbox writes

async def test_sweep_twice_adds_no_duplicates_and_counts_new_rows(app: App) -> None:
    ids = await base._setup(app, {"soon": TODAY + timedelta(1), "old": TODAY - timedelta(10)})
    async with app.sessionmaker() as s, s.begin():
        for k in range(2):
            await people.add_person(s, f"Phó {k}", Role.HEAD, (await people.get_person(s, ids["head"])).unit_id)
    assert await base._sweep(app, base.at(TODAY)) == 4  # three digests and one escalation
    assert await base._sweep(app, base.at(TODAY, 9)) == 0
    assert len(await base._outbox(app)) == 4
    # Tuesday: "soon" is due (a new digest each), the escalation of this ISO week is queued already.
    assert await base._sweep(app, base.at(TODAY + timedelta(1))) == 3
    rows = await base._outbox(app)
    assert len(rows) == 7 and len({r.key for r in rows}) == 7
    assert [r.kind for r in rows].count("escalation") == 1


async def test_enqueue_many_skips_existing_and_repeated_keys_across_chunks(app: App) -> None:
    ids = await base._setup(app, {})
    now = datetime(2025, 12, 15, 1, 0)
    head = ids["head"]
    async with app.sessionmaker() as s, s.begin():
        assert await enqueue(s, PlannedMessage("k1", "notify", head, "cũ"), now)
    batch = [PlannedMessage(k, "notify", head, f"mới {k}") for k in ("k1", "k2", "k3", "k3", "k4", "k5")]
    async with app.sessionmaker() as s, s.begin():
        assert await enqueue_many(s, batch, now, chunk=2) == 4
        assert await enqueue_many(s, batch, now, chunk=2) == 0
    async with app.sessionmaker() as s:
        rows = {r.key: r for r in await s.scalars(select(Outbox))}
        assert await s.scalar(select(func.count(Outbox.id))) == 5
    assert rows["k1"].payload["text"] == "cũ"  # an existing row is never overwritten
    assert rows["k3"].payload["text"] == "mới k3" and rows["k4"].status == "pending"
    assert rows["k4"].not_before == now and rows["k4"].attempts == 0 and rows["k4"].created_at == now


async def test_enqueue_is_part_of_the_callers_transaction(app: App) -> None:
    """A message queued first in a transaction that then fails is not left behind (no savepoint commit)."""
    ids = await base._setup(app, {})
    now = datetime(2025, 12, 15, 1, 0)

    class Abort(Exception):
        pass

    try:
        async with app.sessionmaker() as s, s.begin():
            assert await enqueue(s, PlannedMessage("rolled-back", "notify", ids["head"], "x"), now)
            raise Abort
    except Abort:
        pass
    async with app.sessionmaker() as s:
        assert await s.scalar(select(func.count(Outbox.id)).where(Outbox.key == "rolled-back")) == 0
