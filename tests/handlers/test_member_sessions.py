"""Assistance sessions end to end through the console channel: /ghi, /phien, /sua, /xoa and /to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from bot.app import App
from handlers import texts
from handlers import texts_sessions as T
from handlers.messages import Reply
from storage.models import AssistSession, DialogState
from storage.models_sessions import SessionResult
from storage.repos import people, sessions


@pytest.fixture(autouse=True)
async def no_demo_sessions(demo_app: App) -> None:
    """Start every test without sessions, whether or not the demo loader adds some."""
    async with demo_app.sessionmaker() as s, s.begin():
        await s.execute(delete(AssistSession))


def local_today(app: App) -> date:
    return app.services.clock().replace(tzinfo=UTC).astimezone(app.settings.tz).date()


async def unit_id(app: App, code: str) -> int:
    async with app.sessionmaker() as s:
        unit = await people.get_unit_by_code(s, code)
        assert unit is not None
        return unit.id


async def person_id(app: App, role: str) -> int:
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "console", f"console-{role}")
        assert ident is not None
        return ident.person_id


async def rows(app: App) -> list[AssistSession]:
    async with app.sessionmaker() as s:
        return list(await s.scalars(select(AssistSession).order_by(AssistSession.id)))


async def add(app: App, role: str, day: date | None = None, citizens: int = 2, elderly: int = 0,
              created: datetime | None = None) -> int:
    async with app.sessionmaker() as s, s.begin():
        row = await sessions.add_session(
            s, await person_id(app, role), day=day or local_today(app), unit_id=await unit_id(app, "THON-DONG"),
            category="vneid", citizens=citizens, elderly=elderly, duration_minutes=30,
            now=created or app.services.clock(),
        )
        return row.id


def data_of(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for b in r.all_buttons()]


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


# ---------------------------------------------------------------- /ghi

async def test_guided_log_uses_the_defaults(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    asked = await member.send_text("/ghi")
    assert T.ASK_CATEGORY in asked[0].text and "gs:c:vneid" in data_of(asked)
    count = await member.send_text("1")  # the first category, typed as its number
    assert T.ASK_COUNT in count[0].text
    summary = await member.send_text("1")  # a label that is itself a number: one citizen
    text = summary[0].text
    today = local_today(demo_app)
    assert T.SUMMARY_NEW in text and f"{today:%d/%m/%Y} (hôm nay)" in text
    assert "Thôn Đông" in text and "Kích hoạt VNeID" in text and "Kết quả: xong" in text
    assert data_of(summary) == ["gs:save", "gs:edit", "gs:cancel"]
    saved = await member.send_text("Lưu")
    assert "Đã lưu phiên #" in saved[0].text
    [row] = await rows(demo_app)
    assert (row.date, row.category, row.citizens, row.result) == (today, "vneid", 1, SessionResult.DONE)
    assert row.unit_id == await unit_id(demo_app, "THON-DONG")
    assert row.person_id == await person_id(demo_app, "member")
    assert row.note == "" and row.ticket_id is None and row.deleted_at is None


async def test_one_line_fills_the_summary_and_saves(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    summary = await member.send_text("/ghi 3 kích hoạt VNeID thôn Đông 45p")
    text = summary[0].text
    assert "Số người được hỗ trợ: 3" in text and "45 phút" in text and "Thôn Đông" in text
    saved = await member.press("gs:save")
    assert "Đã lưu phiên" in saved[0].text
    [row] = await rows(demo_app)
    assert (row.citizens, row.category, row.duration_minutes) == (3, "vneid", 45)


@pytest.mark.parametrize("line", [
    "hôm qua 2 người nộp hồ sơ khai sinh, 1 cụ già",
    "hom qua 2 nguoi nop ho so khai sinh, 1 cu gia",
])
async def test_one_line_example_with_priority_group(chat, demo_app: App, line: str) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    summary = await member.send_text(f"/ghi {line}")
    assert "(trong đó 1 cao tuổi)" in summary[0].text
    await member.send_text("Lưu")
    [row] = await rows(demo_app)
    assert row.date == local_today(demo_app) - timedelta(days=1)
    assert (row.category, row.citizens, row.elderly, row.note) == ("dvc", 2, 1, "khai sinh")


async def test_one_line_example_with_date_and_hours(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    today = local_today(demo_app)
    member = chat("member")
    await member.send_text(f"/ghi {today:%d/%m} tich hop bhyt 5 ng 1 tieng")
    await member.press("gs:save")
    [row] = await rows(demo_app)
    assert (row.date, row.category, row.citizens, row.duration_minutes) == (today, "docs", 5, 60)


async def test_one_line_asks_only_what_is_missing(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    asked = await member.send_text("/ghi 4 người thôn Tây 30p")
    assert T.ASK_CATEGORY in asked[0].text
    summary = await member.press("gs:c:payment")
    assert "Thanh toán trực tuyến" in summary[0].text and "Thôn Tây" in summary[0].text
    await member.press("gs:save")
    [row] = await rows(demo_app)
    assert (row.category, row.citizens, row.unit_id) == ("payment", 4, await unit_id(demo_app, "THON-TAY"))


async def test_unknown_place_offers_the_closest_as_buttons(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    asked = await member.send_text("/ghi 2 người kích hoạt thôn Nam")
    assert "«thôn Nam»" in asked[0].text
    bac = await unit_id(demo_app, "THON-BAC")
    assert f"gs:p:{bac}" in data_of(asked) and len(data_of(asked)) == 3
    summary = await member.press(f"gs:p:{bac}")
    assert "Thôn Bắc" in summary[0].text
    await member.press("gs:save")
    assert (await rows(demo_app))[0].unit_id == bac


async def test_edit_path_changes_a_field_before_saving(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    await member.send_text("/ghi 3 kich hoat vneid thon dong 45p")
    menu = await member.send_text("Sửa")
    assert T.ASK_FIELD in menu[0].text and "gs:f:n" in data_of(menu)
    await member.press("gs:f:n")
    too_many = await member.send_text("250")
    assert "lớn quá" in too_many[0].text
    summary = await member.send_text("7")
    assert "Số người được hỗ trợ: 7" in summary[0].text
    await member.press("gs:edit")
    await member.press("gs:f:pr")
    await member.press("gs:pr:elderly")
    prio = await member.press("gs:pr:disabled")
    assert "1 cao tuổi, 1 khuyết tật" in prio[0].text
    await member.press("gs:pr:ok")
    await member.press("gs:edit")
    await member.press("gs:f:r")
    await member.press("gs:r:rescheduled")
    corrected = await member.send_text("hôm qua")  # typed at the summary: a correction
    assert (local_today(demo_app) - timedelta(days=1)).strftime("%d/%m/%Y") in corrected[0].text
    await member.press("gs:save")
    [row] = await rows(demo_app)
    assert (row.citizens, row.elderly, row.disabled, row.result) == (7, 1, 1, SessionResult.RESCHEDULED)
    assert row.date == local_today(demo_app) - timedelta(days=1)


async def test_cancel_path_stores_nothing(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    await member.send_text("/ghi 3 kích hoạt VNeID")
    cancelled = await member.send_text("Hủy")
    assert cancelled[0].text == T.CANCELLED
    assert await rows(demo_app) == []
    assert (await member.send_text("/huy"))[0].text == texts.NOTHING_TO_CANCEL
    assert (await member.press("gs:save"))[0].text == T.NO_DIALOG


async def test_guided_steps_accept_typed_answers_and_refuse_bad_ones(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    await member.send_text("/ghi")
    unknown = await member.send_text("abc xyz")
    assert "chưa hiểu «abc xyz»" in unknown[0].text and T.ASK_CATEGORY in unknown[0].text
    await member.send_text("tich hop giay to")
    assert "không hợp lệ" in (await member.send_text("-2"))[0].text
    await member.send_text("ba người")
    await member.press("gs:edit")
    await member.press("gs:f:d")
    future = await member.send_text((local_today(demo_app) + timedelta(days=1)).strftime("%d/%m/%Y"))
    assert "chưa tới" in future[0].text
    old = await member.send_text((local_today(demo_app) - timedelta(days=45)).strftime("%d/%m/%Y"))
    assert "hơn 30 ngày" in old[0].text
    assert "không có thật" in (await member.send_text("31/02"))[0].text
    await member.send_text("Hôm qua")
    await member.press("gs:edit")
    await member.press("gs:f:m")
    await member.send_text("1h30")
    await member.press("gs:save")
    [row] = await rows(demo_app)
    assert (row.category, row.citizens, row.duration_minutes) == ("docs", 3, 90)


async def test_button_data_is_checked(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    await member.send_text("/ghi 2 người kích hoạt")
    team = await unit_id(demo_app, "TO-DONG")
    refused = await member.press(f"gs:p:{team}")
    assert texts.STALE_BUTTON in refused[0].text and T.ASK_PLACE in refused[0].text
    assert (await member.press("gs:c:bogus"))[0].text == texts.STALE_BUTTON
    assert "không hợp lệ" in (await member.press("gs:n:0"))[0].text
    assert "lớn quá" in (await member.press("gs:n:100000"))[0].text
    await member.press("gs:cancel")
    assert await rows(demo_app) == []


@pytest.mark.parametrize(("line", "expected"), [
    ("5000 người kích hoạt", "lớn quá"),
    ("-3 người kích hoạt", "không hợp lệ"),
    ("31/02 kích hoạt 2 người", "không có thật"),
    ("99/99/9999 kích hoạt", "không có thật"),
    ("2 người kích hoạt 900 phút", "không hợp lý"),
    ("1 người, 2 cụ già kích hoạt", "nhiều hơn tổng số người"),
    ("asdkjh qwe zxc", "chưa đọc được"),
])
async def test_bad_one_line_input_is_refused_politely(chat, demo_app: App, line: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    replies = await member.send_text(f"/ghi {line}")
    assert expected in replies[0].text
    assert not replies[0].buttons
    assert (await member.send_text("/huy"))[0].text == texts.NOTHING_TO_CANCEL  # no dialog was opened
    assert await rows(demo_app) == []


async def test_future_and_too_old_dates_are_refused(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    today = local_today(demo_app)
    future = await member.send_text(f"/ghi {today + timedelta(days=1):%d/%m/%Y} 2 người kích hoạt")
    assert "chưa tới" in future[0].text
    old = await member.send_text(f"/ghi {today - timedelta(days=31):%d/%m/%Y} 2 người kích hoạt")
    assert "hơn 30 ngày" in old[0].text and "chỉ nhận phiên hỗ trợ trong vòng 30 ngày" in old[0].text
    assert await rows(demo_app) == []
    ok = await member.send_text(f"/ghi {today - timedelta(days=30):%d/%m/%Y} 2 người kích hoạt")
    assert T.SUMMARY_NEW in ok[0].text


async def test_notes_are_masked_in_the_stored_row_and_the_dialog(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    await member.send_text("/ghi kích hoạt 1 người, bà Tư sđt 0912345678 cccd 001085012345")
    async with demo_app.sessionmaker() as s:
        state = await s.scalar(select(DialogState))
        assert state is not None and "0912345678" not in str(state.data) and "001085012345" not in str(state.data)
    await member.press("gs:save")
    await member.send_text("/ghi 2 người tích hợp bhyt")
    await member.press("gs:edit")
    await member.press("gs:f:note")
    summary = await member.send_text("gọi lại số 0987 654 321, căn cước 079 185 012 345")
    assert "0987" not in summary[0].text and "[số điện thoại]" in summary[0].text
    await member.press("gs:save")
    first, second = await rows(demo_app)
    for row in (first, second):
        assert not any(n in row.note for n in ("0912345678", "001085012345", "0987 654 321", "079 185 012 345"))
    assert "[số điện thoại]" in first.note and "[số giấy tờ]" in first.note
    assert "[số điện thoại]" in second.note and "[số giấy tờ]" in second.note


# ---------------------------------------------------------------- /phien

async def test_my_sessions_this_month_with_totals(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    assert "chưa ghi phiên hỗ trợ nào" in (await member.send_text("/phien"))[0].text
    today = local_today(demo_app)
    await add(demo_app, "member", citizens=3, elderly=1)
    await add(demo_app, "member", citizens=2)
    gone = await add(demo_app, "member", citizens=9)
    async with demo_app.sessionmaker() as s, s.begin():
        await sessions.soft_delete(s, gone, await person_id(demo_app, "member"))
    await add(demo_app, "member", day=today.replace(day=1) - timedelta(days=1), citizens=7)  # last month
    await add(demo_app, "leader", citizens=4)  # someone else's
    text = (await member.send_text("/phien"))[0].text
    assert f"tháng {today:%m/%Y}" in text
    assert "Tổng: 2 phiên, 5 lượt người được hỗ trợ (ưu tiên: 1 cao tuổi), 1 giờ." in text
    assert text.count("Kích hoạt VNeID") == 2


# ---------------------------------------------------------------- /sua and /xoa

async def test_edit_my_own_session_within_a_day(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    sid = await add(demo_app, "member")
    listed = await member.send_text("/sua")
    assert f"gse:{sid}" in data_of(listed)
    summary = await member.send_text(f"/sua {sid}")
    assert T.SUMMARY_EDIT.format(id=sid) in summary[0].text
    await member.press("gs:edit")
    await member.press("gs:f:r")
    await member.press("gs:r:not_done")
    updated = await member.press("gs:save")
    assert f"Đã cập nhật phiên #{sid}" in updated[0].text
    [row] = await rows(demo_app)
    assert row.result == SessionResult.NOT_DONE and row.updated_at is not None and row.citizens == 2


async def test_delete_my_own_session_within_a_day(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    sid = await add(demo_app, "member")
    assert f"gsx:{sid}" in data_of(await member.send_text("/xoa"))
    confirm = await member.send_text(f"/xoa #{sid}")
    assert data_of(confirm) == [f"gsx:yes:{sid}", f"gsx:no:{sid}"]
    assert "Đã xóa phiên" in (await member.press(f"gsx:yes:{sid}"))[0].text
    [row] = await rows(demo_app)
    assert row.deleted_at is not None and row.deleted_by_id == await person_id(demo_app, "member")
    assert "chưa ghi phiên hỗ trợ nào" in (await member.send_text("/phien"))[0].text
    assert "Không tìm thấy" in (await member.send_text(f"/xoa {sid}"))[0].text


async def test_another_members_session_cannot_be_edited_or_deleted(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    theirs = await add(demo_app, "leader")
    assert "người khác ghi" in (await member.send_text(f"/sua {theirs}"))[0].text
    assert "người khác ghi" in (await member.send_text(f"/xoa {theirs}"))[0].text
    assert "người khác ghi" in (await member.press(f"gse:{theirs}"))[0].text
    assert "người khác ghi" in (await member.press(f"gsx:yes:{theirs}"))[0].text  # forged button
    assert (await member.send_text("/sua"))[0].text == T.NONE_RECENT
    [row] = await rows(demo_app)
    assert row.deleted_at is None
    assert "không đúng" in (await member.send_text("/sua abc"))[0].text


async def test_edit_and_delete_are_refused_after_24_hours(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    sid = await add(demo_app, "member")
    real = demo_app.services.clock
    demo_app.services.clock = lambda: real() + timedelta(hours=25)
    try:
        assert "hơn 24 giờ" in (await member.send_text(f"/sua {sid}"))[0].text
        assert "hơn 24 giờ" in (await member.send_text(f"/xoa {sid}"))[0].text
        assert "hơn 24 giờ" in (await member.press(f"gsx:yes:{sid}"))[0].text
        assert (await member.send_text("/xoa"))[0].text == T.NONE_RECENT
    finally:
        demo_app.services.clock = real
    [row] = await rows(demo_app)
    assert row.deleted_at is None


async def test_edit_is_refused_when_the_day_passes_during_the_dialog(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    created = demo_app.services.clock() - timedelta(hours=23, minutes=50)
    sid = await add(demo_app, "member", created=created)
    await member.send_text(f"/sua {sid}")
    real = demo_app.services.clock
    demo_app.services.clock = lambda: real() + timedelta(minutes=15)
    try:
        assert "hơn 24 giờ" in (await member.press("gs:save"))[0].text
    finally:
        demo_app.services.clock = real


# ---------------------------------------------------------------- /to

async def test_leader_sees_the_team_month(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    await add(demo_app, "member", citizens=3, elderly=1)
    await add(demo_app, "member", citizens=2)
    await add(demo_app, "leader", citizens=4)
    text = (await chat("leader").send_text("/to"))[0].text
    assert "Tổ CNSCĐ thôn Đông" in text
    assert "• Lê Văn Minh: 2 phiên, 5 người (ưu tiên: 1 cao tuổi)" in text
    assert "• Phạm Thị Lan: 1 phiên, 4 người" in text
    assert "• Vũ Thị Thu: chưa có phiên nào" in text
    assert "Cả Tổ: 3 phiên, 9 lượt người được hỗ trợ (ưu tiên: 1 cao tuổi)." in text


async def test_team_view_is_for_leaders_and_up(chat) -> None:  # type: ignore[no-untyped-def]
    refused = await chat("member").send_text("/to")
    assert "chỉ dành cho" in refused[0].text
    head = chat("head")
    assert "chưa gắn với Tổ" in (await head.send_text("/to"))[0].text
    assert "Tổ CNSCĐ thôn Tây" in (await head.send_text("/to to-tay"))[0].text
    assert "Không tìm thấy Tổ" in (await head.send_text("/to THON-TAY"))[0].text
    assert "Tổ mình" in (await chat("leader").send_text("/to TO-TAY"))[0].text


async def test_start_menu_offers_the_session_buttons(chat) -> None:  # type: ignore[no-untyped-def]
    menu = await chat("member").send_text("/start")
    assert "gs:new" in data_of(menu) and "gsl" in data_of(menu)
    assert "gs:new" not in data_of(await chat("citizen").send_text("/start"))


async def test_demo_sessions(demo_app: App) -> None:
    today = local_today(demo_app)
    async with demo_app.sessionmaker() as s, s.begin():
        await sessions.add_demo_sessions(s, today)
    stored = await rows(demo_app)
    assert 12 <= len(stored) <= 20
    assert all(today - timedelta(days=21) <= r.date <= today for r in stored)
    assert {r.unit_id for r in stored} == {await unit_id(demo_app, c) for c in ("THON-DONG", "THON-TAY", "THON-BAC")}


async def test_typed_priority_and_no_duration(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    member = chat("member")
    await member.send_text("/ghi 3 người kỹ năng số 45p")
    await member.press("gs:edit")
    await member.press("gs:f:pr")
    assert "nhiều hơn tổng số người" in (await member.send_text("4 cụ già"))[0].text
    summary = await member.send_text("2 cụ già, 1 hộ nghèo")
    assert "(trong đó 2 cao tuổi, 1 hộ nghèo/yếu thế)" in summary[0].text
    await member.press("gs:edit")
    await member.press("gs:f:m")
    assert "Thời gian: không ghi" in (await member.send_text("không"))[0].text
    await member.press("gs:save")
    [row] = await rows(demo_app)
    assert (row.category, row.elderly, row.poor, row.duration_minutes) == ("skills", 2, 1, None)
