"""Routing by role, unknown commands, errors, input limits and dialog state across a restart."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from handlers import build_router, texts
from handlers.context import Context
from handlers.core import Conversation, clean_text
from handlers.messages import Incoming, Reply
from handlers.roles import RANK
from handlers.router import Router
from storage.models import Role

ROLES = ["citizen", "member", "leader", "head", "admin"]


def _msg(text: str, user: str = "console-citizen", **kw) -> Incoming:  # type: ignore[no-untyped-def]
    return Incoming(channel="console", user_id=user, chat_id=user, text=text, **kw)


@pytest.mark.parametrize("role", ROLES)
async def test_command_matrix_allows_exactly_the_roles_at_or_above(demo_app: App, role: str) -> None:
    router = demo_app.conversation.router
    for name, command in router.commands.items():
        if name in ("start", "huy", "cancel"):
            continue
        replies = await demo_app.conversation.handle(_msg(f"/{name}", user=f"console-{role}"))
        refused = any("chỉ dành cho" in r.text for r in replies)
        allowed = RANK[Role(role)] >= RANK[command.min_role]
        assert refused != allowed, (name, role, [r.text for r in replies])


async def test_unknown_command_shows_help_for_the_role(chat) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("citizen").send_text("/khongco")
    assert "không biết lệnh /khongco" in replies[0].text
    assert "/trogiup" in replies[1].text and "/moi" not in replies[1].text
    admin = await chat("admin").send_text("/khongco")
    assert "/moi" in admin[1].text


async def test_command_with_botname_suffix_is_routed(chat) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("citizen").send_text("/trogiup@cnscd_bot")
    assert texts.HELP_HEADER in replies[0].text


async def test_start_greets_by_role(chat) -> None:  # type: ignore[no-untyped-def]
    citizen = await chat("citizen").send_text("/start")
    assert "Xin chào Bà Nguyễn Thị Tư" in citizen[0].text
    member = await chat("member").send_text("/start")
    assert "thành viên Tổ CNSCĐ thôn Đông" in member[0].text


async def test_empty_and_control_only_messages_get_a_clear_answer(demo_app: App) -> None:
    for text in ["", "   ", "\u200b\u200b", "\x00\x01"]:
        replies = await demo_app.conversation.handle(_msg(text))
        assert replies[0].text == texts.EMPTY_MESSAGE


async def test_overlong_message_is_refused_politely(demo_app: App) -> None:
    replies = await demo_app.conversation.handle(_msg("a" * 5000))
    assert "dài quá" in replies[0].text and "5000" in replies[0].text


def test_clean_text_drops_format_characters_and_surrogates() -> None:
    assert clean_text("a\u200bb\u202e c\ud800") == "ab c\ufffd" or clean_text("a\u200bb\u202e c\ud800") == "ab c?"


async def test_unknown_button_data_is_stale(demo_app: App) -> None:
    replies = await demo_app.conversation.handle(_msg("", callback_data="nope:1:2"))
    assert replies[0].text == texts.STALE_BUTTON


async def test_handler_exception_becomes_apology_with_error_id(demo_app: App, caplog) -> None:  # type: ignore[no-untyped-def]
    router = build_router()

    @router.command("boom", Role.CITIZEN, "test")
    async def boom(ctx: Context) -> list[Reply]:
        raise RuntimeError("kaboom")

    demo_app.services.extras["router"] = router
    conv = Conversation(router, demo_app.sessionmaker, demo_app.services)
    replies = await conv.handle(_msg("/boom"))
    assert "mã lỗi" in replies[0].text
    error_id = replies[0].text.rsplit(" ", 1)[-1].rstrip(".")
    assert any(error_id in rec.getMessage() and rec.exc_info for rec in caplog.records)
    assert "kaboom" not in replies[0].text and "Traceback" not in replies[0].text


def _counter_router() -> Router:
    """A two-step test dialog: /dem starts it, each text adds a number."""
    router = build_router()

    @router.command("dem", Role.CITIZEN, "test")
    async def start(ctx: Context) -> list[Reply]:
        await ctx.start_dialog("dem", "adding", {"total": 0})
        return [Reply("bắt đầu")]

    @router.dialog("dem")
    async def add(ctx: Context) -> list[Reply]:
        assert ctx.dialog is not None
        await asyncio.sleep(0.01)  # widen the race window for the concurrency test
        ctx.dialog.data["total"] += int(ctx.msg.text)
        await ctx.save_dialog()
        return [Reply(str(ctx.dialog.data["total"]))]

    return router


async def test_dialog_state_survives_a_restart(demo_app: App) -> None:
    first = Conversation(_counter_router(), demo_app.sessionmaker, demo_app.services)
    await first.handle(_msg("/dem"))
    assert (await first.handle(_msg("5")))[0].text == "5"
    restarted = Conversation(_counter_router(), demo_app.sessionmaker, demo_app.services)
    assert (await restarted.handle(_msg("7")))[0].text == "12"
    assert (await restarted.handle(_msg("/huy")))[0].text == texts.CANCELLED
    assert (await restarted.handle(_msg("/huy")))[0].text == texts.NOTHING_TO_CANCEL


async def test_concurrent_messages_from_one_person_do_not_lose_updates(demo_app: App) -> None:
    conv = Conversation(_counter_router(), demo_app.sessionmaker, demo_app.services)
    await conv.handle(_msg("/dem"))
    await asyncio.gather(*(conv.handle(_msg("1")) for _ in range(10)))
    assert (await conv.handle(_msg("0")))[0].text == "10"


async def test_expired_dialog_is_dropped(demo_app: App) -> None:
    from datetime import timedelta

    conv = Conversation(_counter_router(), demo_app.sessionmaker, demo_app.services)
    await conv.handle(_msg("/dem"))
    real = demo_app.services.clock
    demo_app.services.clock = lambda: real() + timedelta(hours=2)
    try:
        replies = await conv.handle(_msg("/huy"))
    finally:
        demo_app.services.clock = real
    assert replies[0].text == texts.NOTHING_TO_CANCEL


async def test_group_chat_ignores_plain_text_but_answers_commands(demo_app: App) -> None:
    assert await demo_app.conversation.handle(_msg("chào cả nhà", chat_type="group")) == []
    replies = await demo_app.conversation.handle(_msg("/trogiup", chat_type="group"))
    assert replies and texts.HELP_HEADER in replies[0].text
