"""Invites: creating them in chat, joining with them, and every error case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.app import App
from storage.models import Invite, Role, utcnow
from storage.repos import people


async def _invite(app: App, role: Role = Role.MEMBER, uses: int = 1) -> str:
    async with app.sessionmaker() as s, s.begin():
        unit = await people.get_unit_by_code(s, "TO-TAY")
        assert unit
        return (await people.create_invite(s, role, unit.id, uses=uses)).code


async def _role_of(app: App, user_id: str) -> tuple[Role, int | None]:
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "console", user_id)
        assert ident
        person = await people.get_person(s, ident.person_id)
        assert person
        return person.role, person.unit_id


async def test_join_with_valid_code_gives_role_and_unit(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    code = await _invite(demo_app)
    replies = await chat(user_id="new-user").send_text(f"/thamgia {code.lower()}")
    assert "Chào mừng" in replies[0].text and "Tổ CNSCĐ thôn Tây" in replies[0].text
    role, _ = await _role_of(demo_app, "new-user")
    assert role == Role.MEMBER


async def test_join_errors_each_have_their_own_message(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    user = chat(user_id="someone")
    assert "kèm mã mời" in (await user.send_text("/thamgia"))[0].text
    assert "không đúng" in (await user.send_text("/thamgia ZZZZZZZZ"))[0].text
    code = await _invite(demo_app)
    async with demo_app.sessionmaker() as s, s.begin():
        await s.execute(update(Invite).where(Invite.code == code).values(expires_at=utcnow() - timedelta(1)))
    assert "hết hạn" in (await user.send_text(f"/thamgia {code}"))[0].text
    used = await _invite(demo_app)
    await chat(user_id="first").send_text(f"/thamgia {used}")
    assert "hết lượt" in (await user.send_text(f"/thamgia {used}"))[0].text
    assert (await _role_of(demo_app, "someone"))[0] == Role.CITIZEN


async def test_admin_creates_invite_in_chat_and_it_works(chat) -> None:  # type: ignore[no-untyped-def]
    reply = (await chat("admin").send_text("/moi leader TO-BAC 2"))[0].text
    assert "Đã tạo mã mời" in reply
    code = reply.split("/thamgia ")[1].strip()
    assert "Chào mừng" in (await chat(user_id="x1").send_text(f"/thamgia {code}"))[0].text


async def test_invite_command_rejects_bad_arguments(chat) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    assert "Cách dùng" in (await admin.send_text("/moi"))[0].text
    assert "không đúng" in (await admin.send_text("/moi boss TO-BAC"))[0].text
    assert "Không tìm thấy đơn vị" in (await admin.send_text("/moi member NOWHERE"))[0].text
    assert "từ 1 đến 500" in (await admin.send_text("/moi member TO-BAC -3"))[0].text
