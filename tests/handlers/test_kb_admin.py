"""Admin knowledge-base actions: reload (valid and invalid) and the unanswered-questions loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from faq.engine import FaqEngine
from handlers import texts


@pytest.fixture
def own_engine(demo_app: App, settings) -> FaqEngine:  # type: ignore[no-untyped-def]
    """A private engine on this test's overlay file, so edits do not leak into other tests."""
    engine = FaqEngine(demo_app.services.faq.kb, overlay=settings.faq_overlay_file)
    demo_app.services.faq = engine
    return engine


async def test_kb_reload_valid_and_invalid(chat, own_engine: FaqEngine, settings) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    ok = await admin.send_text("/kb_reload")
    assert ok[0].text == texts.KB_RELOADED.format(count=len(own_engine.kb))
    Path(settings.faq_overlay_file).write_text("paraphrases: [unclosed\n", encoding="utf-8")
    refused = await admin.send_text("/kb_reload")
    assert "vẫn giữ bản cũ" in refused[0].text
    assert "ko nhan dc otp" and own_engine.match("ko nhan dc otp vneid").topic == "vneid.otp_not_received"


async def test_unanswered_review_add_paraphrase_and_ignore(chat, own_engine: FaqEngine, settings) -> None:  # type: ignore[no-untyped-def]
    citizen, admin = chat("citizen"), chat("admin")
    question = "giá lúa hôm nay bao nhiêu"
    await citizen.send_text(question)
    await citizen.send_text(question + " vậy")
    await citizen.send_text("công thức nấu phở bò")
    review = (await admin.send_text("/chuatraloi"))[0]
    assert question in review.text and "– 2 lần" in review.text, review.text
    add = review.all_buttons()[0]
    assert add.data.startswith("ua:add:")
    pick = (await admin.press(add.data))[0]
    assert pick.all_buttons(), pick.text
    target = pick.all_buttons()[0]
    added = (await admin.press(target.data))[0]
    assert added.text.startswith("Đã thêm"), added.text
    assert question in Path(settings.faq_overlay_file).read_text(encoding="utf-8")
    topic = target.data.split(":")[-1]
    assert own_engine.match(question).topic == topic
    review = (await admin.send_text("/chuatraloi"))[0]
    ignore = [b for b in review.all_buttons() if b.data.startswith("ua:ig:")]
    for button in ignore:
        await admin.press(button.data)
    assert (await admin.send_text("/chuatraloi"))[0].text.startswith("Không có câu hỏi")


async def test_citizen_cannot_use_admin_kb_commands(chat) -> None:  # type: ignore[no-untyped-def]
    assert "chỉ dành cho" in (await chat("citizen").send_text("/kb_reload"))[0].text
    assert "chỉ dành cho" in (await chat("member").press("ua:ig:1"))[0].text
