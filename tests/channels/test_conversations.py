"""Whole conversations through the real channel adapters against the fake servers, parameterised by
channel: the same handlers and data must serve Telegram (buttons) and Zalo (numbered choices)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.settings import Settings
from scheduler.reminders import run_sweep
from scheduler.sender import OutboxSender, RateLimiter
from storage.models import Role
from storage.repos import people
from tests.fakes.telegram_api import FakeTelegram, TgUser
from tests.fakes.zalo_api import FakeZaloApi


class Driver:
    """One person chatting with the bot on one channel."""

    channel: Any
    chat_id: str

    async def say(self, text: str) -> None: ...

    async def choose(self, label_part: str) -> None: ...

    async def replies(self, count: int) -> list[str]: ...


class TelegramDriver(Driver):
    def __init__(self, fake: FakeTelegram, channel: TelegramChannel, user_id: int) -> None:
        self.fake, self.channel, self.user = fake, channel, TgUser(user_id, "Người", "Dùng")
        self.chat_id = str(user_id)

    async def say(self, text: str) -> None:
        await self.fake.push(self.fake.text(self.user, text))

    async def choose(self, label_part: str) -> None:
        for call in reversed(self.fake.calls):
            if call.ok and call.chat_id == self.chat_id and call.buttons:
                button = next(b for b in call.buttons if label_part.lower() in b["text"].lower())
                message = self.fake.last_message(self.chat_id)
                await self.fake.push(self.fake.callback(self.user, button["callback_data"], message))
                return
        raise AssertionError(f"no buttons sent to {self.chat_id}")

    async def replies(self, count: int) -> list[str]:
        await self.fake.wait_for("sendMessage", chat_id=self.chat_id, count=count, within=8)
        return self.fake.sent_texts(self.chat_id)


class ZaloDriver(Driver):
    def __init__(self, fake: FakeZaloApi, channel: ZaloChannel, user_id: str) -> None:
        self.fake, self.channel, self.chat_id = fake, channel, user_id

    async def say(self, text: str) -> None:
        self.fake.push(self.fake.update(self.chat_id, text=text))

    async def choose(self, label_part: str) -> None:
        last = self.fake.texts(self.chat_id)[-1]
        numbered = re.findall(r"^(\d+)\. (.+)$", last, re.M)
        number = next(n for n, label in numbered if label_part.lower() in label.lower())
        await self.say(number)

    async def replies(self, count: int) -> list[str]:
        return await self.fake.wait_texts(self.chat_id, count, within=8)


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture(params=["telegram", "zalo"])
async def open_chat(request: pytest.FixtureRequest, demo_app: App, settings: Settings
                    ) -> AsyncIterator[Any]:
    """open_chat(role) -> a Driver for the demo person with that role on the parameterised channel."""
    started: list[Any] = []
    if request.param == "telegram":
        fake_tg = FakeTelegram()
        await fake_tg.start()
        tg_settings = settings.model_copy(update={
            "telegram_bot_token": __import__("pydantic").SecretStr(fake_tg.token),
            "telegram_api_base": fake_tg.base_url})
        demo_app.settings = tg_settings
        channel: Any = TelegramChannel(demo_app, tg_settings, sleep=_no_sleep)
        await channel.start()
        started.append(channel)
    else:
        fake_zalo = FakeZaloApi()
        await fake_zalo.start()
        z_settings = settings.model_copy(update={
            "zalo_bot_token": __import__("pydantic").SecretStr(fake_zalo.token),
            "zalo_api_base": fake_zalo.base_url, "public_base_url": "http://127.0.0.1:9"})
        demo_app.settings = z_settings
        channel = ZaloChannel(demo_app, z_settings) if _takes_settings() else ZaloChannel(demo_app)
        await channel.start()
        started.append(channel)
    counter = iter(range(7000001, 7000100))

    async def make(role: str | None = None) -> Driver:
        user_id = next(counter)
        if role:
            async with demo_app.sessionmaker() as s, s.begin():
                person = (await people.persons_with_role(s, Role(role)))[0]
                await people.attach_identity(s, person.id, request.param, str(user_id), str(user_id), person.name)
        if request.param == "telegram":
            return TelegramDriver(fake_tg, channel, user_id)
        return ZaloDriver(fake_zalo, channel, str(user_id))

    yield make
    for ch in started:
        await ch.stop()
    if request.param == "telegram":
        await fake_tg.close()
    else:
        await fake_zalo.close()


def _takes_settings() -> bool:
    import inspect

    return "settings" in inspect.signature(ZaloChannel.__init__).parameters


async def test_citizen_faq_with_clarify_and_feedback(open_chat: Any) -> None:
    citizen: Driver = await open_chat()
    await citizen.say("quen mat khau")  # password or passcode? the bot asks back
    first = (await citizen.replies(1))[-1]
    if "Có phải bạn muốn hỏi" in first:
        await citizen.choose("mật khẩu")
        answer = (await citizen.replies(2))[-1]
    else:
        answer = first
    assert "mật khẩu" in answer.lower()
    await citizen.choose("Hữu ích")
    assert "Cảm ơn bạn đã phản hồi" in (await citizen.replies(3 if "Có phải" in first else 2))[-1]


async def test_member_logs_a_session_in_one_line_and_guided(open_chat: Any, demo_app: App) -> None:
    member: Driver = await open_chat("member")
    await member.say("/ghi 3 kích hoạt VNeID thôn Đông 45p")
    summary = (await member.replies(1))[-1]
    assert "3" in summary and "Lưu" in summary
    await member.choose("Lưu")
    assert "Đã lưu" in (await member.replies(2))[-1]
    await member.say("/ghi")
    guided = (await member.replies(3))[-1]
    assert guided  # the first guided step asks for the category with choices
    await member.choose("VNeID")
    step = (await member.replies(4))[-1]
    assert step


async def test_head_receives_digest_and_presses_update(open_chat: Any, demo_app: App) -> None:
    head: Driver = await open_chat("head")
    async with demo_app.sessionmaker() as s, s.begin():
        now = demo_app.services.clock()
        await run_sweep(s, demo_app.settings, now.replace(hour=0, minute=30) + timedelta(days=0))
    limiter = RateLimiter(1000, 0, sleep=_no_sleep)
    later = demo_app.services.clock() + timedelta(days=3)  # surely inside a working window by then
    sender = OutboxSender(demo_app.sessionmaker, {head.channel.name: head.channel}, demo_app.settings,
                          clock=lambda: later, limiter=limiter)
    await sender.drain()
    digest = (await head.replies(1))[-1]
    assert "Kính gửi" in digest and "Cập nhật tiến độ" in digest
    await head.choose("Cập nhật tiến độ")
    assert "Chọn nhiệm vụ" in (await head.replies(2))[-1]


@pytest.fixture
async def telegram_only(demo_app: App, settings: Settings) -> AsyncIterator[tuple[FakeTelegram, TelegramChannel]]:
    fake = FakeTelegram()
    await fake.start()
    tg_settings = settings.model_copy(update={
        "telegram_bot_token": __import__("pydantic").SecretStr(fake.token), "telegram_api_base": fake.base_url})
    demo_app.settings = tg_settings
    channel = TelegramChannel(demo_app, tg_settings, sleep=_no_sleep)
    await channel.start()
    yield fake, channel
    await channel.stop()
    await fake.close()


def _plan_xlsx() -> bytes:
    import csv
    import io

    from openpyxl import Workbook

    from bot.demo import PLAN_CSV

    book = Workbook()
    sheet = book.active
    sheet.append(["Kế hoạch thử nghiệm"])
    sheet.append([])
    with PLAN_CSV.open(encoding="utf-8") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_admin_imports_an_xlsx_through_telegram(telegram_only: Any, demo_app: App) -> None:
    fake, _ = telegram_only
    admin = TgUser(7100001, "Quản", "Nguyễn")
    async with demo_app.sessionmaker() as s, s.begin():
        person = (await people.persons_with_role(s, Role.ADMIN))[0]
        await people.attach_identity(s, person.id, "telegram", str(admin.id), str(admin.id), person.name)
    await fake.push(fake.text(admin, "/nhap Kế hoạch thử qua Telegram"))
    await fake.wait_for("sendMessage", chat_id=admin.id, count=1, within=8)
    await fake.push(fake.document(admin, "ke-hoach.xlsx", _plan_xlsx()))
    calls = await fake.wait_for("sendMessage", chat_id=admin.id, count=2, within=15)
    preview = calls[-1]
    go = next(b for b in preview.buttons if b["callback_data"].startswith("imp:go"))
    await fake.push(fake.callback(admin, go["callback_data"], fake.last_message(admin.id)))
    await fake.wait_consumed(within=15)
    from sqlalchemy import func, select

    from storage.models import Task
    count = 0
    for _ in range(150):  # the import reply may edit the preview instead of sending a new message
        async with demo_app.sessionmaker() as s:
            count = await s.scalar(select(func.count(Task.id)).where(Task.plan == "Kế hoạch thử qua Telegram"))
        if count:
            break
        await asyncio.sleep(0.1)
    assert count and count >= 10


async def test_leader_links_a_group_through_telegram(telegram_only: Any, demo_app: App) -> None:
    from tests.fakes.telegram_api import group_chat

    fake, _ = telegram_only
    leader = TgUser(7100002, "Lan", "Phạm")
    async with demo_app.sessionmaker() as s, s.begin():
        person = (await people.persons_with_role(s, Role.LEADER))[0]
        await people.attach_identity(s, person.id, "telegram", str(leader.id), str(leader.id), person.name)
    group = group_chat()
    await fake.push(fake.text(leader, "/nhom", chat=group))
    calls = await fake.wait_for("sendMessage", chat_id=group["id"], count=1, within=8)
    from sqlalchemy import select

    from storage.models import UnitGroup
    async with demo_app.sessionmaker() as s:
        link = await s.scalar(select(UnitGroup))
    assert link is not None and link.chat_id == str(group["id"]), calls[-1].text
