"""/lienket joins a person's identities on two channels; /kenh picks where reminders go."""

from __future__ import annotations

from bot.app import App
from handlers.messages import Incoming
from storage.repos import people


def _msg(channel: str, user: str, text: str) -> Incoming:
    return Incoming(channel=channel, user_id=user, chat_id=user, text=text)


async def test_code_from_one_channel_links_the_other(demo_app: App) -> None:
    conv = demo_app.conversation
    issued = (await conv.handle(_msg("console", "console-member", "/lienket")))[0].text
    code = issued.split("/lienket ")[1].strip()
    assert "hết hạn sau 15 phút" in issued
    linked = (await conv.handle(_msg("zalo", "z-123", f"/lienket {code.lower()}")))[0].text
    assert linked.startswith("Đã liên kết") and "Lê Văn Minh" in linked
    async with demo_app.sessionmaker() as s:
        zalo = await people.find_identity(s, "zalo", "z-123")
        console = await people.find_identity(s, "console", "console-member")
    assert zalo is not None and console is not None and zalo.person_id == console.person_id
    again = (await conv.handle(_msg("zalo", "z-999", f"/lienket {code}")))[0].text
    assert "không đúng hoặc đã hết hạn" in again  # one use only
    chosen = (await conv.handle(_msg("console", "console-member", "/kenh zalo")))[0].text
    assert "qua Zalo" in chosen
    async with demo_app.sessionmaker() as s:
        person = await people.get_person(s, console.person_id)
    assert person is not None and person.reminder_channel == "zalo"


async def test_bad_codes_and_channels_are_refused(demo_app: App) -> None:
    conv = demo_app.conversation
    assert "không đúng" in (await conv.handle(_msg("zalo", "z-1", "/lienket ZZZZZZ")))[0].text
    assert "Cách dùng" in (await conv.handle(_msg("console", "console-member", "/kenh fax")))[0].text
    missing = (await conv.handle(_msg("console", "console-member", "/kenh telegram")))[0].text
    assert "chưa có tài khoản Telegram" in missing
