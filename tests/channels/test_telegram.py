"""The Telegram channel in long-polling mode: a real aiogram bot against the fake Bot API server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.base import DeliveryError, RetryLater, Unreachable
from bot.channels.telegram import CONTACT_NOT_NEEDED, UNSUPPORTED_KIND, TelegramChannel
from bot.channels.telegram_render import commands_for, split_text, utf16_len
from bot.settings import Settings
from handlers.messages import Attachment, Button, Incoming, OutFile, Reply
from storage.models import Base, Role
from storage.repos import people
from tests.channels.conftest import Sleeps
from tests.fakes.telegram_api import BOT_USERNAME, TOKEN, FakeTelegram, TgUser, group_chat

CITIZEN = TgUser(5550001, "Lan", "Nguyễn")
NEWCOMER = TgUser(5550002, "Minh", "Trần", username="minh_tran")
ADMIN = TgUser(5550099, "Quản", "Nguyễn Văn")
GROUP = group_chat()
MIB = 1024 * 1024


async def exchange(fake: FakeTelegram, channel: TelegramChannel, update: dict[str, Any]) -> None:
    """Deliver one update and wait until the channel has fully handled it."""
    await fake.push(update)
    await fake.wait_consumed()
    await channel.drain()


async def _identity(app: App, user: TgUser) -> people.IdentityDTO | None:
    async with app.sessionmaker() as s:
        return await people.find_identity(s, "telegram", str(user.id))


async def _role(app: App, user: TgUser) -> Role:
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "telegram", str(user.id))
        assert ident is not None
        person = await people.get_person(s, ident.person_id)
        assert person is not None
        return person.role


async def _invite(app: App, role: Role, unit_code: str) -> str:
    async with app.sessionmaker() as s, s.begin():
        unit = await people.get_unit_by_code(s, unit_code)
        assert unit is not None
        return (await people.create_invite(s, role, unit.id)).code


async def _make_admin(app: App, user: TgUser) -> None:
    async with app.sessionmaker() as s, s.begin():
        admin = (await people.persons_with_role(s, Role.ADMIN))[0]
        await people.attach_identity(s, admin.id, "telegram", str(user.id), str(user.id), admin.name)


async def _all_rows_text(app: App) -> str:
    async with app.sessionmaker() as s:
        rows = []
        for table in Base.metadata.sorted_tables:
            rows += [repr(tuple(r)) for r in (await s.execute(select(table))).all()]
        return "\n".join(rows)


# ---------------------------------------------------------------- start-up

async def test_start_publishes_the_citizen_menu_and_long_polls(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await fake_telegram.wait_for("getUpdates", ok=None)
    methods = [c.method for c in fake_telegram.calls]
    assert methods[:3] == ["getMe", "setMyCommands", "deleteWebhook"]
    menu = fake_telegram.calls_to("setMyCommands")[0].params
    assert menu["scope"] == {"type": "default"}
    names = {c["command"] for c in menu["commands"]}
    assert {"trogiup", "thamgia", "huy"} <= names and "moi" not in names and "start" not in names
    poll = fake_telegram.calls_to("getUpdates", ok=None)[0].params
    assert poll["allowed_updates"] == ["message", "callback_query"] and int(poll["timeout"]) > 0


# ---------------------------------------------------------------- parsing, one row per kind of update

UpdateBuilder = Callable[[FakeTelegram], dict[str, Any]]
PARSE_CASES: list[tuple[str, UpdateBuilder, dict[str, Any] | None]] = [
    ("private text", lambda f: f.text(CITIZEN, "quên mật khẩu VNeID"),
     {"text": "quên mật khẩu VNeID", "chat_type": "private", "user_id": "5550001", "chat_id": "5550001",
      "display_name": "Lan Nguyễn", "mentions_bot": False, "reply_to_bot": False}),
    ("command with @botname", lambda f: f.command(CITIZEN, f"/trogiup@{BOT_USERNAME}"),
     {"text": f"/trogiup@{BOT_USERNAME}", "command": "trogiup"}),
    ("button press", lambda f: f.callback(CITIZEN, "help", f.bot_message(CITIZEN.private_chat(), "Chào")),
     {"callback_data": "help", "text": "", "chat_id": "5550001", "chat_type": "private"}),
    ("group mention", lambda f: f.text(CITIZEN, f"@{BOT_USERNAME} cài VNeID thế nào?", chat=GROUP),
     {"text": "cài VNeID thế nào?", "mentions_bot": True, "chat_type": "group", "chat_id": str(GROUP["id"]),
      "user_id": "5550001"}),
    ("group reply to the bot", lambda f: f.text(CITIZEN, "còn bước 2?", chat=GROUP,
                                                reply_to=f.bot_message(GROUP, "Bước 1: mở ứng dụng")),
     {"text": "còn bước 2?", "reply_to_bot": True, "mentions_bot": False, "chat_type": "group"}),
    ("group command", lambda f: f.command(CITIZEN, "/trogiup", chat=GROUP),
     {"command": "trogiup", "chat_type": "group"}),
    ("group plain text", lambda f: f.text(CITIZEN, "hôm nay họp mấy giờ?", chat=GROUP), None),
    ("group reply to someone else", lambda f: f.text(
        CITIZEN, "ok", chat=GROUP, reply_to=f.text(NEWCOMER, "họp 8h", chat=GROUP)["message"]), None),
    ("command for another bot", lambda f: f.command(CITIZEN, "/start@other_bot", chat=GROUP), None),
    ("sticker", lambda f: f.sticker(CITIZEN), None),
    ("shared contact", lambda f: f.contact(CITIZEN, "+84912345678"), None),
]


@pytest.mark.parametrize(("label", "build", "expected"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
async def test_updates_become_incoming_messages(telegram, fake_telegram, seen: list[Incoming],  # type: ignore[no-untyped-def]
                                                label: str, build: UpdateBuilder,
                                                expected: dict[str, Any] | None) -> None:
    await exchange(fake_telegram, telegram, build(fake_telegram))
    if expected is None:
        assert seen == [], label
        return
    assert len(seen) == 1
    got = {key: getattr(seen[0], key) for key in expected}
    assert got == expected
    assert seen[0].channel == "telegram"


# ---------------------------------------------------------------- conversations

async def test_start_renders_an_inline_keyboard(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, "/start"))
    [call] = fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id)
    assert call.params["parse_mode"] == "HTML"
    assert "Xin chào Lan Nguyễn" in call.text
    assert {"text": "📖 Trợ giúp", "callback_data": "help"} in call.buttons
    assert all(len(b["callback_data"].encode()) <= 64 for b in call.buttons)


async def test_pressing_a_button_answers_the_query_then_handles_it(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, "/start"))
    press = fake_telegram.callback(CITIZEN, "help", fake_telegram.last_message(CITIZEN.id))
    await exchange(fake_telegram, telegram, press)
    [answer] = fake_telegram.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    help_call = fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id)[-1]
    assert "Các lệnh bạn dùng được" in help_call.text
    assert answer.at <= help_call.at


async def test_command_addressed_with_botname_is_answered(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, f"/trogiup@{BOT_USERNAME}"))
    assert "Các lệnh bạn dùng được" in fake_telegram.sent_texts(CITIZEN.id)[0]


async def test_user_text_echoed_in_a_reply_is_html_escaped(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, "/thamgia <b>&x"))
    [call] = fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id)
    assert "&lt;b&gt;&amp;x" in call.params["text"]
    assert "«<b>&x»" in call.text  # what the user reads


async def test_group_plain_text_is_ignored_and_commands_are_answered(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.text(CITIZEN, "chào cả nhà", chat=GROUP))
    assert fake_telegram.calls_to("sendMessage") == []
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, "/trogiup", chat=GROUP))
    assert "Các lệnh bạn dùng được" in fake_telegram.sent_texts(GROUP["id"])[0]
    assert fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id) == []


async def test_unsupported_kind_in_private_gets_a_polite_hint(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.sticker(CITIZEN))
    assert fake_telegram.sent_texts(CITIZEN.id) == [UNSUPPORTED_KIND]


# ---------------------------------------------------------------- roles and command menus

async def test_joining_with_an_invite_republishes_the_chat_menu(telegram, fake_telegram, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.command(NEWCOMER, "/trogiup"))
    assert len(fake_telegram.calls_to("setMyCommands")) == 1  # only the default menu, at start
    code = await _invite(demo_app, Role.MEMBER, "TO-TAY")
    await exchange(fake_telegram, telegram, fake_telegram.command(NEWCOMER, f"/thamgia {code}"))
    assert "Chào mừng" in fake_telegram.sent_texts(NEWCOMER.id)[-1]
    assert await _role(demo_app, NEWCOMER) == Role.MEMBER
    [scoped] = fake_telegram.calls_to("setMyCommands")[1:]
    assert scoped.params["scope"] == {"type": "chat", "chat_id": NEWCOMER.id}
    expected = [c.command for c in commands_for(demo_app.services.extras["router"], Role.MEMBER)]
    assert [c["command"] for c in scoped.params["commands"]] == expected
    await exchange(fake_telegram, telegram, fake_telegram.command(NEWCOMER, "/trogiup"))
    assert len(fake_telegram.calls_to("setMyCommands")) == 2  # unchanged role: no new call


async def test_admin_creates_an_invite_over_telegram(telegram, fake_telegram, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    await _make_admin(demo_app, ADMIN)
    await exchange(fake_telegram, telegram, fake_telegram.command(ADMIN, "/moi member TO-DONG"))
    reply = fake_telegram.sent_texts(ADMIN.id)[-1]
    assert "Đã tạo mã mời" in reply
    admin_menu = fake_telegram.calls_to("setMyCommands")[-1].params
    assert admin_menu["scope"] == {"type": "chat", "chat_id": ADMIN.id}
    assert "moi" in {c["command"] for c in admin_menu["commands"]}
    code = reply.split("/thamgia ")[1].split()[0]
    await exchange(fake_telegram, telegram, fake_telegram.command(NEWCOMER, f"/thamgia {code}"))
    assert await _role(demo_app, NEWCOMER) == Role.MEMBER


# ---------------------------------------------------------------- files in

async def test_document_is_downloaded_into_the_files_folder(telegram, fake_telegram, seen: list[Incoming],  # type: ignore[no-untyped-def]
                                                           tg_settings: Settings) -> None:
    content = b"PK\x03\x04" + bytes(range(256)) * 40
    await exchange(fake_telegram, telegram, fake_telegram.document(
        CITIZEN, "Kế hoạch 10/KH.xlsx", content, caption="nhờ xem giúp"))
    [msg] = seen
    [attachment] = msg.attachments
    assert attachment.kind == "document" and attachment.error is None
    assert attachment.name == "Kế hoạch 10/KH.xlsx" and attachment.size == len(content)
    assert attachment.path is not None and attachment.path.read_bytes() == content
    assert attachment.path.parent == tg_settings.files_dir / "incoming"
    assert "/" not in attachment.path.name.split("-", 1)[1]
    assert msg.text == "nhờ xem giúp"


async def test_photo_is_downloaded_in_its_largest_size(telegram, fake_telegram, seen: list[Incoming]) -> None:  # type: ignore[no-untyped-def]
    content = b"\xff\xd8\xff" + b"\x10" * 5000
    await exchange(fake_telegram, telegram, fake_telegram.photo(CITIZEN, content))
    [attachment] = seen[0].attachments
    assert attachment.kind == "photo" and attachment.path is not None
    assert attachment.path.read_bytes() == content


async def test_declared_oversize_file_reaches_the_core_refused_without_downloading(  # type: ignore[no-untyped-def]
        telegram, fake_telegram, seen: list[Incoming], tg_settings: Settings) -> None:
    big = (tg_settings.max_upload_mb + 1) * MIB
    await exchange(fake_telegram, telegram, fake_telegram.document(CITIZEN, "video.mp4", b"x", size=big))
    [attachment] = seen[0].attachments
    assert attachment == Attachment("document", name="video.mp4", size=big, error="too_large")
    assert fake_telegram.calls_to("getFile", ok=None) == []
    assert len(fake_telegram.sent_texts(CITIZEN.id)) == 1  # the core's answer


async def test_file_growing_past_the_limit_while_downloading_is_refused(  # type: ignore[no-untyped-def]
        fake_telegram, demo_app: App, tg_settings: Settings, seen: list[Incoming]) -> None:
    small = tg_settings.model_copy(update={"max_upload_mb": 1})
    channel = TelegramChannel(demo_app, small)
    await channel.start()
    try:
        update = fake_telegram.document(CITIZEN, "lon.pdf", b"%PDF" + b"0" * (MIB + 10), size=1000)
        await exchange(fake_telegram, channel, update)
    finally:
        await channel.stop()
    [attachment] = seen[0].attachments
    assert attachment.error == "too_large" and attachment.path is None
    incoming = small.files_dir / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


async def test_failed_download_reaches_the_core_as_such(telegram, fake_telegram, seen: list[Incoming]) -> None:  # type: ignore[no-untyped-def]
    fake_telegram.fail("getFile", 500, times=None)
    await exchange(fake_telegram, telegram, fake_telegram.document(CITIZEN, "a.xlsx", b"PK"))
    [attachment] = seen[0].attachments
    assert attachment.error == "download_failed" and attachment.path is None


async def test_shared_contact_never_reaches_the_conversation_or_storage(  # type: ignore[no-untyped-def]
        telegram, fake_telegram, seen: list[Incoming], demo_app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await exchange(fake_telegram, telegram, fake_telegram.contact(CITIZEN, "+84912345678"))
    assert seen == []
    assert fake_telegram.sent_texts(CITIZEN.id) == [CONTACT_NOT_NEEDED]
    stored = await _all_rows_text(demo_app)
    assert "912345678" not in stored and "912345678" not in caplog.text


# ---------------------------------------------------------------- rendering and delivery

async def test_long_reply_is_split_at_a_line_boundary(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(f"Bước {i}: mở ứng dụng VNeID, chọn mục thủ tục hành chính." for i in range(1, 90))
    assert 4096 < len(text) < 8192
    await telegram.send(str(CITIZEN.id), [Reply(text, buttons=[[Button("Xong", "done")]])])
    first, second = fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id)
    assert len(first.text) <= 4096 and f"{first.text}\n{second.text}" == text
    assert first.text.endswith("thủ tục hành chính.") and second.text.startswith("Bước")
    assert first.buttons == [] and second.buttons == [{"text": "Xong", "callback_data": "done"}]


SPLIT_CASES = [
    ("short", "xin chào", ["xin chào"]),
    ("exactly the limit", "a" * 4096, ["a" * 4096]),
    ("two lines over the limit", "a" * 3000 + "\n" + "b" * 3000, ["a" * 3000, "b" * 3000]),
    ("one long line cut at a space", ("từ " * 2000).strip(), None),
    ("emoji count twice", "👍" * 2049, ["👍" * 2048, "👍"]),
    ("blank only", "\n\n", []),
]


@pytest.mark.parametrize(("label", "text", "expected"), SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_text(label: str, text: str, expected: list[str] | None) -> None:
    chunks = split_text(text)
    assert all(utf16_len(c) <= 4096 for c in chunks), label
    if expected is not None:
        assert chunks == expected
    else:
        assert " ".join(chunks) == text and all(not c.endswith(" ") for c in chunks)


async def test_buttons_with_callback_data_over_64_bytes_are_left_out(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    buttons = [[Button("Quá dài", "a" * 65), Button("Được", "ok:1")], [Button("Tiếng Việt", "đ" * 33)]]
    await telegram.send(str(CITIZEN.id), [Reply("Chọn:", buttons=buttons)])
    [call] = fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id)
    assert call.buttons == [{"text": "Được", "callback_data": "ok:1"}]


async def test_files_go_out_as_document_and_photo(telegram, fake_telegram, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workbook = tmp_path / "bao-cao.xlsx"
    workbook.write_bytes(b"PK\x03\x04report")
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\nchart")
    await telegram.send(str(CITIZEN.id), [
        Reply("Báo cáo tháng 5:", file=OutFile(workbook, "bao-cao-thang-5.xlsx", caption="Số liệu <tạm> & đủ")),
        Reply(file=OutFile(chart, "bieu-do.png", kind="image"), buttons=[[Button("Tải lại", "rep:5")]]),
    ])
    methods = [c.method for c in fake_telegram.calls if c.chat_id == str(CITIZEN.id)]
    assert methods == ["sendMessage", "sendDocument", "sendPhoto"]
    doc = fake_telegram.calls_to("sendDocument")[0]
    assert doc.uploads[0].filename == "bao-cao-thang-5.xlsx" and doc.uploads[0].content == b"PK\x03\x04report"
    assert doc.text == "Số liệu <tạm> & đủ"
    photo = fake_telegram.calls_to("sendPhoto")[0]
    assert photo.uploads[0].content.startswith(b"\x89PNG") and photo.buttons[0]["callback_data"] == "rep:5"


async def test_edit_replaces_the_button_message_or_falls_back_to_sending(telegram, fake_telegram) -> None:  # type: ignore[no-untyped-def]
    chat = str(CITIZEN.id)
    await telegram.send(chat, [Reply("Chọn thôn:", buttons=[[Button("Thôn Đông", "unit:1")]])])
    message_id = fake_telegram.last_message(chat)["message_id"]
    await telegram.deliver(chat, [Reply("Đã chọn Thôn Đông.", edit=True)], edit_message_id=message_id)
    [edit] = fake_telegram.calls_to("editMessageText")
    assert edit.text == "Đã chọn Thôn Đông." and int(edit.params["message_id"]) == message_id
    assert "reply_markup" not in fake_telegram.last_message(chat)  # the old buttons are gone
    assert len(fake_telegram.calls_to("sendMessage")) == 1
    await telegram.deliver(chat, [Reply("Mục mới.", edit=True)], edit_message_id=999_999)
    assert fake_telegram.calls_to("editMessageText", ok=False)
    assert fake_telegram.sent_texts(chat)[-1] == "Mục mới."


# ---------------------------------------------------------------- errors

async def test_a_burst_of_429_delays_but_loses_no_message(telegram, fake_telegram, sleeps: Sleeps) -> None:  # type: ignore[no-untyped-def]
    fake_telegram.fail("sendMessage", 429, retry_after=3, times=3)
    await telegram.send(str(CITIZEN.id), [Reply("một"), Reply("hai")])
    assert sleeps.waits == [3, 3, 3]
    assert fake_telegram.sent_texts(CITIZEN.id) == ["một", "hai"]
    assert len(fake_telegram.calls_to("sendMessage", ok=False)) == 3


async def test_429_really_waits_retry_after(fake_telegram, demo_app: App, tg_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    channel = TelegramChannel(demo_app, tg_settings)
    fake_telegram.fail("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    try:
        await channel.send(str(CITIZEN.id), [Reply("chờ một giây")])
    finally:
        await channel.stop()
    failed, sent = fake_telegram.calls_to("sendMessage", ok=None)
    assert sent.at - failed.at >= 1.0 and time.monotonic() - started < 3
    assert fake_telegram.sent_texts(CITIZEN.id) == ["chờ một giây"]


@pytest.mark.parametrize(("label", "fault", "waits"), [
    ("two 5xx", {"status": 500, "times": 2}, [0.5, 1.0]),
    ("502 once", {"status": 502, "times": 1}, [0.5]),
    ("dropped connection", {"status": None, "disconnect": True, "times": 1}, [0.5]),
], ids=["two 5xx", "502 once", "dropped connection"])
async def test_transient_errors_are_retried_with_backoff(telegram, fake_telegram, sleeps: Sleeps,  # type: ignore[no-untyped-def]
                                                         label: str, fault: dict[str, Any],
                                                         waits: list[float]) -> None:
    fake_telegram.fail("sendMessage", **fault)
    await telegram.send(str(CITIZEN.id), [Reply("vẫn tới nơi")])
    assert fake_telegram.sent_texts(CITIZEN.id) == ["vẫn tới nơi"], label
    assert sleeps.waits == waits


@pytest.mark.parametrize(("label", "fault", "error"), [
    ("5xx that never ends", {"status": 500, "times": None}, DeliveryError),
    ("flood wait too long to sit through", {"status": 429, "retry_after": 600}, RetryLater),
    ("blocked by the user", {"status": 403, "description": "Forbidden: bot was blocked by the user"},
     Unreachable),
    ("user deactivated", {"status": 403, "description": "Forbidden: user is deactivated"}, Unreachable),
    ("chat not found", {"status": 400, "description": "Bad Request: chat not found"}, Unreachable),
], ids=["5xx forever", "long flood wait", "blocked", "deactivated", "chat not found"])
async def test_send_raises_the_delivery_error_the_outbox_expects(telegram, fake_telegram,  # type: ignore[no-untyped-def]
                                                                 label: str, fault: dict[str, Any],
                                                                 error: type[Exception]) -> None:
    fake_telegram.fail("sendMessage", **fault)
    with pytest.raises(error) as caught:
        await telegram.send(str(CITIZEN.id), [Reply("nhắc hạn")])
    assert type(caught.value) is error, label
    if error is DeliveryError:
        assert len(fake_telegram.calls_to("sendMessage", ok=False)) == 4  # bounded retries
    if error is RetryLater:
        assert caught.value.retry_after == 600  # type: ignore[attr-defined]


async def test_blocked_user_is_marked_unreachable(telegram, fake_telegram, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, "/start"))
    assert (await _identity(demo_app, CITIZEN)).reachable  # type: ignore[union-attr]
    fake_telegram.block(CITIZEN.id)
    await exchange(fake_telegram, telegram, fake_telegram.command(CITIZEN, "/trogiup"))
    assert fake_telegram.calls_to("sendMessage", chat_id=CITIZEN.id, ok=False)[0].status == 403
    assert not (await _identity(demo_app, CITIZEN)).reachable  # type: ignore[union-attr]


async def test_token_and_phone_numbers_stay_out_of_the_logs(  # type: ignore[no-untyped-def]
        telegram, fake_telegram, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake_telegram.fail("getFile", 500, times=None)
    fake_telegram.fail("sendMessage", 502, times=2)
    await exchange(fake_telegram, telegram, fake_telegram.document(CITIZEN, "a.xlsx", b"PK"))
    await exchange(fake_telegram, telegram, fake_telegram.contact(CITIZEN, "0912345678"))
    fake_telegram.block(CITIZEN.id)
    await exchange(fake_telegram, telegram, fake_telegram.text(CITIZEN, "số tôi 0912345678"))
    assert caplog.text and TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    assert "0912345678" not in caplog.text
