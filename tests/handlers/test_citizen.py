"""Citizen FAQ conversation: answer, clarify, fallback, small talk, feedback and the masked log."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from handlers import texts
from handlers import texts_tickets as T
from storage.models import QuestionLog


async def _log(app: App) -> list[QuestionLog]:
    async with app.sessionmaker() as s:
        return list(await s.scalars(select(QuestionLog).order_by(QuestionLog.id)))


async def test_confident_answer_has_feedback_and_related_buttons(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("citizen").send_text("ko nhan dc otp vneid")
    reply = replies[-1]
    assert "OTP" in reply.text
    data = [b.data for b in reply.all_buttons()]
    assert data[0].startswith("fb:up:") and data[1].startswith("fb:dn:")
    assert 1 <= sum(d.startswith("t:") for d in data) <= 2
    assert all(len(d.encode()) <= 64 for d in data)
    (row,) = await _log(demo_app)
    assert row.decision == "answer" and row.topic == "vneid.otp_not_received"


async def test_out_of_scope_falls_back_with_handoff(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    channel = chat("citizen")
    replies = await channel.send_text("công thức nấu phở bò ngon nhất là gì")
    assert replies[-1].text == texts.FAQ_FALLBACK
    handoff = replies[-1].all_buttons()[0]
    assert handoff.data.startswith("ho:")
    done = await channel.press(handoff.data)  # the hand-off asks for the thôn, with a consent notice
    assert done[0].text == T.ASK_PLACE.format(consent=T.CONSENT)
    (row,) = await _log(demo_app)
    assert row.decision == "fallback"


async def test_smalltalk_gets_a_friendly_reply_not_a_handoff(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    channel = chat("citizen")
    for text, kind in [("alo", "greeting"), ("cảm ơn nhé", "thanks"), ("ok", "ack")]:
        replies = await channel.send_text(text)
        assert replies[-1].text == texts.SMALLTALK[kind]
    assert await _log(demo_app) == []


async def test_clarify_offers_topics_and_choice_is_recorded(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    channel = chat("citizen")
    replies = await channel.send_text("quen mat khau")
    reply = replies[-1]
    if reply.text != texts.FAQ_CLARIFY:  # the matcher was sure: nothing to clarify for this wording
        return
    topic_button = reply.all_buttons()[0]
    assert reply.all_buttons()[-1].data.startswith("nf:")
    answer = await channel.send_text("1")  # numbered choice on a channel without buttons
    assert answer[-1].all_buttons()[0].data.startswith("fb:up:")
    (row,) = await _log(demo_app)
    assert row.topic == topic_button.data.split(":")[1]


async def test_feedback_is_stored_and_thumbs_down_offers_handoff(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    channel = chat("citizen")
    answer = (await channel.send_text("đăng ký tạm trú trên vneid như thế nào"))[-1]
    down = answer.all_buttons()[1]
    replies = await channel.press(down.data)
    assert replies[0].text == texts.FAQ_THANKS_DOWN and replies[0].all_buttons()[0].data.startswith("ho:")
    (row,) = await _log(demo_app)
    assert row.feedback == "down"


async def test_feedback_on_someone_elses_question_is_refused(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    answer = (await chat("citizen").send_text("đăng ký tạm trú trên vneid như thế nào"))[-1]
    replies = await chat(user_id="intruder").press(answer.all_buttons()[0].data)
    assert replies[0].text == texts.STALE_BUTTON
    assert (await _log(demo_app))[0].feedback is None


async def test_personal_numbers_are_masked_in_the_log_and_citizen_warned(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    replies = await chat("citizen").send_text("cccd của tôi 012345678901 sđt 0912 345 678 ko nhận được mã otp 482913")
    assert replies[0].text == texts.FAQ_ID_WARNING
    (row,) = await _log(demo_app)
    for secret in ("012345678901", "0912 345 678", "482913"):
        assert secret not in row.text and secret not in row.normalized
