"""The hand-off queue in conversation: a citizen asks for a person, members claim, answer and close.

Notifications are outbox rows; the tests read them straight from the table (nothing is sent).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app import App
from handlers import texts
from handlers import texts_tickets as T
from handlers.messages import Incoming, Reply
from storage.models import Outbox, Person, QuestionLog
from storage.models_sessions import AssistSession
from storage.models_tickets import Ticket, TicketMessage, TicketStatus
from storage.repos import people

WORKDAY_NOON = datetime(2025, 12, 16, 5, 0)  # 12:00 in Hà Nội on a Tuesday, naive UTC
SECRETS = ("012345678901", "0912 345 678", "0912345678")


def _at(app: App, moment: datetime) -> None:
    app.services.clock = lambda: moment


async def _rows(app: App, model):  # type: ignore[no-untyped-def]
    async with app.sessionmaker() as s:
        return list(await s.scalars(select(model).order_by(model.id)))


async def _outbox(app: App, prefix: str = "") -> list[Outbox]:
    return [r for r in await _rows(app, Outbox) if r.key.startswith(prefix)]


async def _unit_id(app: App, code: str) -> int:
    async with app.sessionmaker() as s:
        unit = await people.get_unit_by_code(s, code)
        assert unit is not None
        return unit.id


async def _person_ids(app: App, *names: str) -> dict[str, int]:
    async with app.sessionmaker() as s:
        return {p.name: p.id for p in await s.scalars(select(Person).where(Person.name.in_(names)))}


async def _ticket(app: App, ticket_id: int | None = None) -> Ticket:
    rows = await _rows(app, Ticket)
    return next(t for t in rows if t.id == ticket_id) if ticket_id else rows[-1]


async def _hand_off(chat, text: str = "nhờ tổ đến nhà hướng dẫn mẹ tôi cài VNeID",  # type: ignore[no-untyped-def]
                    place: int | None = None, user: str = "console-citizen") -> list[Reply]:
    citizen = chat(user_id=user)
    await citizen.send_text("/hotro")
    await citizen.press(f"tk:pl:{place or 0}")
    return await citizen.send_text(text)


def _group_msg(user_id: str, text: str = "", callback: str | None = None) -> Incoming:
    return Incoming(channel="console", user_id=user_id, chat_id="grp-dong", text=text, display_name="Nhóm",
                    chat_type="group", callback_data=callback)


async def test_fallback_hand_off_creates_masked_ticket_and_notifies_village_team(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    citizen = chat("citizen")
    fallback = (await citizen.send_text("công thức nấu phở bò ngon nhất là gì"))[-1]
    assert fallback.text == texts.FAQ_FALLBACK
    ask_place = (await citizen.press(fallback.all_buttons()[0].data))[-1]
    assert T.CONSENT in ask_place.text
    labels = [b.label for b in ask_place.all_buttons()]
    assert "Thôn Đông" in labels and T.PLACE_UNKNOWN_BUTTON in labels
    dong = await _unit_id(demo_app, "THON-DONG")
    ask_text = (await citizen.press(f"tk:pl:{dong}"))[-1]
    assert "phở bò" in ask_text.text and ask_text.all_buttons()[0].data == "tk:keep"
    done = await citizen.send_text("cần kích hoạt VNeID, cccd 012345678901, gọi tôi 0912 345 678 nhé")
    assert done[0].text == T.MASKED_NOTE and "#" in done[-1].text and "Thôn Đông" in done[-1].text

    ticket = await _ticket(demo_app)
    assert ticket.unit_id == dong and ticket.status == TicketStatus.OPEN and ticket.source == "fallback"
    assert ticket.question_id == (await _rows(demo_app, QuestionLog))[0].id
    stored = [ticket.text, *(m.text for m in await _rows(demo_app, TicketMessage))]
    stored += [json.dumps(r.payload, ensure_ascii=False) for r in await _outbox(demo_app)]
    for secret in SECRETS:
        assert all(secret not in text for text in stored), secret

    team = await _person_ids(demo_app, "Phạm Thị Lan", "Lê Văn Minh", "Vũ Thị Thu", "Ngô Thị Mai")
    rows = await _outbox(demo_app, f"tk-new:{ticket.id}:")
    assert {r.person_id for r in rows} == {team["Phạm Thị Lan"], team["Lê Văn Minh"], team["Vũ Thị Thu"]}
    assert all(r.kind == "ticket_new" and r.payload["buttons"] == [[[T.CLAIM_BUTTON, f"tk:claim:{ticket.id}"]]]
               for r in rows)
    assert "Bà Nguyễn Thị Tư" not in rows[0].payload["text"] and "console-citizen" not in rows[0].payload["text"]


async def test_thumbs_down_keep_text_unknown_village_notifies_whole_commune(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    citizen = chat("citizen")
    answer = (await citizen.send_text("đăng ký tạm trú trên vneid như thế nào"))[-1]
    offer = (await citizen.press(answer.all_buttons()[1].data))[0]
    await citizen.press(offer.all_buttons()[0].data)
    await citizen.send_text("không rõ")  # typed instead of the button
    created = await citizen.press("tk:keep")
    assert created[-1].text.startswith("✅")
    ticket = await _ticket(demo_app)
    assert ticket.unit_id is None and ticket.source == "down" and "tạm trú" in ticket.text
    members = set((await _person_ids(demo_app, "Phạm Thị Lan", "Lê Văn Minh", "Vũ Thị Thu", "Bùi Văn Sơn",
                                     "Ngô Thị Mai", "Đặng Văn Hùng")).values())
    assert {r.person_id for r in await _outbox(demo_app, "tk-new:")} == members
    again = await citizen.send_text("/hotro")
    assert again[0].text == T.ALREADY_ACTIVE.format(id=ticket.id)


async def test_human_topic_answer_offers_the_hand_off(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    reply = (await chat("citizen").send_text("tôi muốn nói chuyện với người thật"))[-1]
    assert any(b.data.startswith("ho:") and b.label == texts.FAQ_HANDOFF_BUTTON for b in reply.all_buttons())


async def test_concurrent_claims_have_exactly_one_winner(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    minh, lan = chat("member"), chat("leader")
    for n in range(4):
        await _hand_off(chat, f"yêu cầu số {n} cần giúp nộp hồ sơ", user=f"citizen-{n}")
        ticket = await _ticket(demo_app)
        first, second = await asyncio.gather(minh.press(f"tk:claim:{ticket.id}"),
                                             lan.press(f"tk:claim:{ticket.id}"))
        outcomes = sorted([first[0].text.startswith("✅ Bạn đã nhận"), second[0].text.startswith("✅ Bạn đã nhận")])
        assert outcomes == [False, True]
        loser = first if not first[0].text.startswith("✅") else second
        assert loser[0].text == T.ALREADY_TAKEN.format(id=ticket.id)
        owner = (await _ticket(demo_app, ticket.id)).owner_id
        ids = await _person_ids(demo_app, "Lê Văn Minh", "Phạm Thị Lan")
        assert owner == (ids["Lê Văn Minh"] if first[0].text.startswith("✅") else ids["Phạm Thị Lan"])
        assert len(await _outbox(demo_app, f"tk-claimed:{ticket.id}:")) == 1


async def test_relay_both_ways_and_the_faq_stays_quiet(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    await _hand_off(chat, place=await _unit_id(demo_app, "THON-DONG"))
    ticket = await _ticket(demo_app)
    member, citizen = chat("member"), chat("citizen")
    claimed = await member.press(f"tk:claim:{ticket.id}")
    assert "Minh" in claimed[0].text and "Bà Nguyễn" not in claimed[0].text
    (told,) = await _outbox(demo_app, f"tk-claimed:{ticket.id}")
    assert told.channel == "console" and told.chat_id == "console-citizen" and "Minh" in told.payload["text"]
    assert "Lê Văn" not in told.payload["text"]

    sent = await member.send_text(f"/traloi {ticket.id} Chiều nay 3 giờ em qua nhà bác nhé")
    assert sent[-1].text == T.SENT_TO_CITIZEN.format(id=ticket.id)
    relay = (await _outbox(demo_app, "tk-msg:"))[-1]
    assert relay.kind == "relay" and relay.channel == "console" and relay.chat_id == "console-citizen"
    assert relay.payload["text"] == "👤 Minh (Tổ CNSCĐ): Chiều nay 3 giờ em qua nhà bác nhé"

    logged_before = len(await _rows(demo_app, QuestionLog))
    back = await citizen.send_text("vâng, mà quên mật khẩu vneid thì sao ạ")
    assert back[-1].text == T.SENT_TO_MEMBER.format(first="Minh")
    relay = (await _outbox(demo_app, "tk-msg:"))[-1]
    minh = (await _person_ids(demo_app, "Lê Văn Minh"))["Lê Văn Minh"]
    assert relay.person_id == minh and relay.channel is None and relay.kind == "relay"
    assert "quên mật khẩu" in relay.payload["text"] and "Nguyễn Thị Tư" not in relay.payload["text"]
    assert len(await _rows(demo_app, QuestionLog)) == logged_before  # the FAQ did not answer

    plain = await member.send_text("Bác chuẩn bị sẵn căn cước nhé")  # the reply dialog is open
    assert plain[-1].text == T.SENT_TO_CITIZEN.format(id=ticket.id)
    directions = [m.direction for m in await _rows(demo_app, TicketMessage)]
    assert directions == ["out", "in", "out"]


async def test_another_member_cannot_reply_close_or_rate(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    await _hand_off(chat)
    ticket = await _ticket(demo_app)
    await chat("member").press(f"tk:claim:{ticket.id}")
    other = chat("leader")
    assert (await other.send_text(f"/traloi {ticket.id} để chị làm"))[0].text == T.NOT_OWNER.format(id=ticket.id)
    assert (await other.send_text(f"/dong {ticket.id}"))[0].text == T.CLOSE_NOT_ALLOWED.format(id=ticket.id)
    assert (await other.press(f"tk:close:{ticket.id}"))[0].text == T.CLOSE_NOT_ALLOWED.format(id=ticket.id)
    assert (await other.press(f"tk:drop:{ticket.id}"))[0].text == T.NOT_OWNER.format(id=ticket.id)
    assert (await chat("citizen").press(f"tk:claim:{ticket.id}"))[0].text.startswith("Thao tác này chỉ dành")
    assert (await chat("citizen").send_text("/traloi 1 xin chào"))[0].text.startswith("Lệnh /traloi chỉ dành")
    assert (await other.send_text("/traloi abc xin chào"))[0].text.startswith("«abc» không phải số yêu cầu")
    assert (await other.send_text("/traloi 99999 xin chào"))[0].text == T.NOT_FOUND.format(id=99999)
    assert (await _ticket(demo_app, ticket.id)).status == TicketStatus.CLAIMED
    assert await _outbox(demo_app, "tk-msg:") == []


async def test_close_rating_by_the_citizen_only_and_session_log(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    dong = await _unit_id(demo_app, "THON-DONG")
    citizen, member = chat("citizen"), chat("member")
    fallback = (await citizen.send_text("kích hoạt vneid mức 2 cho người già thế nào"))[-1]
    qid = next(int(b.data.split(":")[2]) for b in fallback.all_buttons() if b.data.startswith("fb:"))
    await citizen.press(f"ho:{qid}")
    await citizen.press(f"tk:pl:{dong}")
    await citizen.press("tk:keep")
    ticket = await _ticket(demo_app)
    await member.press(f"tk:claim:{ticket.id}")

    closed = await member.send_text(f"/dong {ticket.id}")
    assert closed[0].text == T.CLOSED_OK.format(id=ticket.id)
    assert closed[0].all_buttons()[0].data == f"tk:log:{ticket.id}"
    (ask,) = await _outbox(demo_app, f"tk-closed:{ticket.id}")
    assert ask.chat_id == "console-citizen"
    assert [d for _, d in ask.payload["buttons"][0]] == [f"tk:rate:{ticket.id}:{n}" for n in range(1, 6)]
    assert (await member.send_text(f"/dong {ticket.id}"))[0].text == T.ALREADY_CLOSED.format(id=ticket.id)

    assert (await member.press(f"tk:rate:{ticket.id}:1"))[0].text == T.RATE_NOT_ALLOWED
    assert (await citizen.press(f"tk:rate:{ticket.id}:9"))[0].text == T.RATE_NOT_ALLOWED
    assert (await citizen.press(f"tk:rate:{ticket.id}:5"))[0].text == T.RATE_THANKS.format(n=5)
    assert (await citizen.press(f"tk:rate:{ticket.id}:2"))[0].text == T.RATE_NOT_ALLOWED
    assert (await _ticket(demo_app, ticket.id)).rating == 5

    assert (await chat("leader").press(f"tk:log:{ticket.id}"))[0].text == T.LOG_NOT_ALLOWED.format(id=ticket.id)
    logged = await member.press(f"tk:log:{ticket.id}")
    assert logged[0].text.startswith("📝 Đã ghi phiên hỗ trợ")
    session = next(r for r in await _rows(demo_app, AssistSession) if r.ticket_id == ticket.id)
    assert session.category == "vneid" and session.citizens == 1 and session.unit_id == dong
    again = await member.press(f"tk:log:{ticket.id}")
    assert again[0].text == T.ALREADY_LOGGED.format(id=ticket.id, sid=session.id)


async def test_typed_rating_on_a_channel_without_buttons(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    await _hand_off(chat)
    ticket = await _ticket(demo_app)
    admin = chat("admin")
    assert (await admin.send_text(f"/dong {ticket.id}"))[0].text == T.CLOSED_OK.format(id=ticket.id)
    assert (await chat("citizen").send_text("4"))[-1].text == T.RATE_THANKS.format(n=4)
    assert (await _ticket(demo_app, ticket.id)).rating == 4


async def test_claim_timeout_returns_ticket_to_the_queue(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    from scheduler.ticket_jobs import run_housekeeping

    _at(demo_app, WORKDAY_NOON)
    await _hand_off(chat, place=await _unit_id(demo_app, "THON-DONG"))
    ticket = await _ticket(demo_app)
    await chat("member").press(f"tk:claim:{ticket.id}")
    later = WORKDAY_NOON + timedelta(hours=demo_app.settings.ticket_claim_timeout_hours + 1)
    async with demo_app.sessionmaker() as s, s.begin():
        stats = await run_housekeeping(s, demo_app.settings, later)
    assert stats.requeued == 1
    back = await _ticket(demo_app, ticket.id)
    assert back.status == TicketStatus.OPEN and back.owner_id is None and back.requeues == 1
    assert len(await _outbox(demo_app, f"tk-requeue:{ticket.id}:1")) == 1
    minh = (await _person_ids(demo_app, "Lê Văn Minh"))["Lê Văn Minh"]
    assert (await _outbox(demo_app, f"tk-timeout:{ticket.id}:1"))[0].person_id == minh
    renotified = {r.person_id for r in await _outbox(demo_app, f"tk-new:{ticket.id}:1:")}
    assert renotified and minh not in renotified
    _at(demo_app, later)
    relay = await chat("citizen").send_text("có ai không ạ")  # nobody owns it: the FAQ answers again
    assert T.SENT_TO_MEMBER.split("{")[0] not in relay[-1].text


async def test_group_link_then_notifications_go_to_the_group(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    conv = demo_app.conversation
    assert (await chat("leader").send_text("/nhom"))[0].text == T.GROUP_ONLY
    refused = await conv.handle(_group_msg("console-member", "/nhom"))
    assert refused[0].text.startswith("Lệnh /nhom chỉ dành")
    linked = await conv.handle(_group_msg("console-leader", "/nhom"))
    assert linked[0].text.startswith("✅ Đã liên kết nhóm này với Tổ CNSCĐ thôn Đông")

    await _hand_off(chat, place=await _unit_id(demo_app, "THON-DONG"))
    ticket = await _ticket(demo_app)
    rows = await _outbox(demo_app, f"tk-new:{ticket.id}:")
    assert [(r.channel, r.chat_id, r.person_id) for r in rows] == [("console", "grp-dong", None)]

    claimed = await conv.handle(_group_msg("console-member", callback=f"tk:claim:{ticket.id}"))
    assert claimed[0].text == T.CLAIMED_IN_GROUP.format(first="Minh", id=ticket.id)
    minh = (await _person_ids(demo_app, "Lê Văn Minh"))["Lê Văn Minh"]
    assert (await _outbox(demo_app, f"tk-details:{ticket.id}"))[0].person_id == minh
    async with demo_app.sessionmaker() as s:  # the group's chat id never became Minh's own
        (identity,) = [i for i in await people.identities_of(s, minh)]
        assert identity.chat_id == "console-member"

    unlinked = await conv.handle(_group_msg("console-leader", "/nhom huy"))
    assert unlinked[0].text.startswith("Đã hủy liên kết")
    await _hand_off(chat, place=await _unit_id(demo_app, "THON-DONG"), user="citizen-2")
    second = await _ticket(demo_app)
    assert all(r.chat_id is None for r in await _outbox(demo_app, f"tk-new:{second.id}:"))


async def test_queue_lists_open_tickets_with_claim_buttons(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    member = chat("member")
    assert (await member.send_text("/hangdoi"))[0].text == T.QUEUE_EMPTY
    await _hand_off(chat, "cần giúp đăng ký khai sinh cho con", place=await _unit_id(demo_app, "THON-TAY"))
    await _hand_off(chat, "cần giúp cài VNeID cho bố", place=await _unit_id(demo_app, "THON-DONG"),
                    user="citizen-2")
    first, second = (await _rows(demo_app, Ticket))[-2:]
    queue = (await member.send_text("/hangdoi"))[0]
    assert "khai sinh" in queue.text and "cài VNeID" in queue.text
    data = [b.data for b in queue.all_buttons()]
    assert data == [f"tk:claim:{second.id}", f"tk:claim:{first.id}"]  # my thôn (Đông) first
    await member.send_text("2")  # numbered choice: claims the second listed (Thôn Tây's)
    assert (await _ticket(demo_app, first.id)).status == TicketStatus.CLAIMED
    queue = (await member.send_text("/hangdoi"))[0]
    assert queue.all_buttons()[0].data == f"tk:rp:{first.id}"
    assert (await chat("citizen").send_text("/hangdoi"))[0].text.startswith("Lệnh /hangdoi chỉ dành")


async def test_off_hours_hand_off_says_when_once_a_day(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    evening = datetime(2025, 12, 16, 15, 0)  # 22:00 on Tuesday in Hà Nội
    _at(demo_app, evening)
    created = await _hand_off(chat, place=await _unit_id(demo_app, "THON-DONG"))
    assert "07:00 thứ Tư, 17/12" in created[-1].text
    ticket = await _ticket(demo_app)
    row = (await _outbox(demo_app, f"tk-new:{ticket.id}:"))[0]
    assert row.not_before == datetime(2025, 12, 17, 0, 0)  # 07:00 local, not at night
    await chat("admin").send_text(f"/dong {ticket.id}")
    again = await _hand_off(chat, "thêm một việc nữa cần hỏi")
    assert "ngoài giờ" not in again[-1].text


async def test_admin_hands_an_unanswered_question_to_the_team(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    _at(demo_app, WORKDAY_NOON)
    await chat("citizen").send_text("công thức nấu phở bò ngon nhất là gì")
    review = (await chat("admin").send_text("/chuatraloi"))[0]
    hand = next(b for b in review.all_buttons() if b.data.startswith("ua:ho:"))
    assert hand.label == texts.UNANSWERED_HAND.format(n=1)
    done = await chat("admin").press(hand.data)
    assert done[0].text.startswith("Đã chuyển câu hỏi")
    ticket = await _ticket(demo_app)
    assert ticket.source == "admin" and ticket.question_id is not None and "phở bò" in ticket.text
    assert (await _outbox(demo_app, f"tk-handed:{ticket.id}"))[0].chat_id == "console-citizen"
    assert await _outbox(demo_app, f"tk-new:{ticket.id}:")


async def test_stale_and_foreign_buttons_are_refused(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    citizen = chat("citizen")
    assert (await citizen.press("tk:keep"))[0].text == texts.STALE_BUTTON
    assert (await citizen.press("tk:pl:1"))[0].text == texts.STALE_BUTTON
    await citizen.send_text("/hotro")
    refused = await citizen.press("tk:pl:999999")
    assert refused[0].text == texts.STALE_BUTTON
    cancelled = await citizen.press("tk:cancel")
    assert cancelled[0].text == T.HANDOFF_CANCELLED
    assert await _rows(demo_app, Ticket) == []
    member = chat("member")  # "²" and "١" are digits to str.isdigit() but not ticket numbers
    assert (await member.send_text("/nhan ²"))[0].text == T.CLAIM_USAGE
    assert (await member.send_text("/dong ١"))[0].text == T.CLOSE_USAGE
    assert (await member.send_text("/traloi ² xin chào"))[0].text.startswith("«²» không phải số yêu cầu")
    assert (await member.press("tk:claim:²"))[0].text == texts.STALE_BUTTON
