"""The Zalo channel end to end: the real ZaloChannel and core against a local fake Zalo Bot API."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot import signed_links
from bot.app import App
from bot.channels import zalo
from bot.channels.base import DeliveryError, RetryLater, Unreachable
from bot.channels.zalo import ZaloApiError, ZaloChannel, parse_update, render, split_text, to_plain
from bot.settings import Settings
from handlers import texts
from handlers.messages import Button, Incoming, OutFile, Reply
from storage.models import Role
from storage.repos import people
from tests.fakes.zalo_api import FakeZaloApi

TOKEN = "1234567890:zalo-SECRET-token-Xyz"
PNG = b"\x89PNG\r\n\x1a\n" + b"fake chart bytes" * 20

MakeChannel = Callable[..., Awaitable[ZaloChannel]]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZaloApi]:
    fake = FakeZaloApi(TOKEN, max_poll_timeout=0.2)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def make_zalo(demo_app: App, settings: Settings, fake_zalo: FakeZaloApi
                    ) -> AsyncIterator[MakeChannel]:
    """make_zalo(webhook=False, public=True, **channel_options) -> a started channel with its web server."""
    cleanups: list[Callable[[], Awaitable[None]]] = []

    async def make(*, webhook: bool = False, public: bool = True, **options: Any) -> ZaloChannel:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        cfg = settings.model_copy(update={
            "zalo_bot_token": SecretStr(TOKEN), "zalo_api_base": fake_zalo.base_url,
            "zalo_webhook_url": f"{base}/zalo/webhook" if webhook else None,
            "public_base_url": base if public else None,
        })
        channel = ZaloChannel(demo_app, cfg, **{"retry_base": 0.02, **options})
        web_app = web.Application()
        web_app.add_routes(channel.web_routes())
        runner = web.AppRunner(web_app)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        cleanups.append(runner.cleanup)
        await channel.start()
        cleanups.append(channel.stop)
        return channel

    yield make
    for cleanup in reversed(cleanups):
        await cleanup()


def files_dir(channel: ZaloChannel) -> Path:
    path = Path(channel.settings.files_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------- parsing and rendering tables

FROM = {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False}
PRIVATE = {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"}


def _msg(**extra: Any) -> dict[str, Any]:
    return {"from": FROM, "chat": PRIVATE, "message_id": "2d758cb5e222177a4e35", "date": 1750316131602,
            **extra}


@pytest.mark.parametrize(("update", "expected"), [
    ({"event_name": "message.text.received", "message": _msg(text="Xin chào")},
     {"text": "Xin chào", "user_id": FROM["id"], "chat_id": PRIVATE["id"], "display_name": "Ted",
      "chat_type": "private", "message_id": "2d758cb5e222177a4e35"}),
    ({"ok": True, "result": {"event_name": "message.text.received", "message": _msg(text="/start")}},
     {"text": "/start", "command": "start"}),
    ({"event_name": "message.text.received",
      "message": _msg(text="@Bot hỏi", chat={"id": "g1", "chat_type": "GROUP"})},
     {"chat_type": "group", "chat_id": "g1", "mentions_bot": True}),
    ({"event_name": "message.image.received",
      "message": _msg(photo="https://cdn.example/p.jpg", caption="Ảnh lỗi VNeID")},
     {"text": "Ảnh lỗi VNeID", "attachment_kinds": ["photo"]}),
    ({"event_name": "message.sticker.received", "message": _msg(sticker="abc")}, None),
    ({"event_name": "message.unsupported.received", "message": _msg()}, None),
    ({"event_name": "message.text.received",
      "message": _msg(text="hi", **{"from": {**FROM, "is_bot": True}})}, None),
    ({"event_name": "message.text.received", "message": {"text": "no sender"}}, None),
], ids=["plain text", "wrapped command", "group mention", "photo with caption", "sticker",
        "unsupported (protected user)", "bot sender", "no sender"])
def test_parse_update_table(update: dict[str, Any], expected: dict[str, Any] | None) -> None:
    msg = parse_update(update)
    if expected is None:
        assert msg is None
        return
    assert msg is not None and msg.channel == "zalo"
    for key, value in expected.items():
        if key == "attachment_kinds":
            assert [a.kind for a in msg.attachments] == value
        else:
            assert getattr(msg, key) == value, key
    assert msg.buttons_supported is False


@pytest.mark.parametrize(("replies", "texts_out"), [
    ([Reply("Chọn:", buttons=[[Button("Có", "y")]])], ["Chọn:\n\n1. Có\n\nTrả lời 1"]),
    ([Reply("Chọn:", buttons=[[Button("Có", "y"), Button("Không", "n")]])],
     ["Chọn:\n\n1. Có\n2. Không\n\nTrả lời 1 hoặc 2"]),
    ([Reply("Chọn:", buttons=[[Button("A", "a")], [Button("B", "b")], [Button("C", "c")]])],
     ["Chọn:\n\n1. A\n2. B\n3. C\n\nTrả lời 1, 2 hoặc 3"]),
    ([Reply("<b>Đậm</b> &amp; <i>nghiêng</i><br>"
            "<a href=\"https://dichvucong.gov.vn\">Cổng DVC</a>\n/moi <vai trò> <mã đơn vị>")],
     ["Đậm & nghiêng\nCổng DVC (https://dichvucong.gov.vn)\n/moi <vai trò> <mã đơn vị>"]),
    ([Reply(""), Reply("Một"), Reply("Hai")], ["Một", "Hai"]),
], ids=["one choice", "two choices", "three choices", "html stripped, placeholders kept", "empty skipped"])
def test_render_table(replies: list[Reply], texts_out: list[str]) -> None:
    calls = render(replies)
    assert [c["method"] for c in calls] == ["sendMessage"] * len(texts_out)
    assert [c["params"]["text"] for c in calls] == texts_out


def test_split_text_cuts_on_line_boundaries_within_limit() -> None:
    lines = [f"Dòng {i}: hướng dẫn cài đặt ứng dụng VNeID mức độ 2" for i in range(150)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) > 1 and all(len(c) <= 2000 for c in chunks)
    assert "\n".join(chunks).split("\n") == lines  # nothing lost, no line cut in two
    one_long_line = "chữ " * 1200
    assert all(len(c) <= 2000 for c in split_text(one_long_line))
    assert " ".join(split_text(one_long_line)).split() == one_long_line.split()


def test_menu_stays_with_the_last_chunk() -> None:
    body = "\n".join("x" * 99 for _ in range(30))
    calls = render([Reply(body, buttons=[[Button("Đồng ý", "ok")]])])
    assert calls[-1]["params"]["text"].endswith("1. Đồng ý\n\nTrả lời 1")
    assert all(len(c["params"]["text"]) <= 2000 for c in calls)


def test_recent_ids_forget_after_window_and_stay_bounded() -> None:
    recent = zalo._RecentIds(window=600, limit=3)
    assert recent.first_time("a", now=0) and not recent.first_time("a", now=10)
    assert recent.first_time("a", now=700)  # outside the window: new again
    for key in "bcde":
        recent.first_time(key, now=701)
    assert len(recent._seen) <= 3


def test_to_plain_normalises_decomposed_vietnamese() -> None:
    assert to_plain("Tie\u0302\u0301ng Vie\u0323\u0302t") == "Tiếng Việt"


# ---------------------------------------------------------------- signed links


def test_signed_link_round_trip_expiry_and_forgery() -> None:
    secret = signed_links.derive_secret(TOKEN)
    url = signed_links.sign("reports/bao-cao.xlsx", time.time() + 60, secret, "https://bot.example.vn/")
    assert url.startswith("https://bot.example.vn/files/") and TOKEN not in url
    token = url.rsplit("/", 1)[1]
    assert signed_links.verify(token, secret) == "reports/bao-cao.xlsx"
    assert signed_links.verify(token, secret, now=time.time() + 120) is None  # expired
    assert signed_links.verify(token, signed_links.derive_secret("other:token")) is None
    assert signed_links.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), secret) is None
    assert signed_links.verify("garbage", secret) is None
    for bad in ("../etc/passwd", "/etc/passwd", ""):
        with pytest.raises(ValueError):
            signed_links.sign(bad, time.time() + 60, secret)


async def test_file_route_refuses_expired_forged_and_outside_links(
        make_zalo: MakeChannel, fake_zalo: FakeZaloApi, tmp_path: Path) -> None:
    channel = await make_zalo()
    root = files_dir(channel)
    (root / "ok.txt").write_text("xin chào", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("bí mật", encoding="utf-8")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    base, key = channel.settings.public_base_url or "", channel._link_secret
    good = signed_links.sign("ok.txt", time.time() + 60, key, base)
    assert await fake_zalo.fetch(good) == (200, "xin chào".encode())
    expired = signed_links.sign("ok.txt", time.time() - 1, key, base)
    forged = signed_links.sign("ok.txt", time.time() + 60, b"not the key", base)
    outside = signed_links.sign("escape.txt", time.time() + 60, key, base)
    for url in (expired, forged, outside, f"{base}/files/..%2Fsecret.txt"):
        status, body = await fake_zalo.fetch(url)
        assert status == 403 and "bí mật".encode() not in body, url


# ---------------------------------------------------------------- conversations over polling


async def test_polling_start_shows_numbered_menu_as_text(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    await make_zalo()
    fake_zalo.push(fake_zalo.update("u-citizen", text="/start", display_name="Bà Tư"))
    [greeting] = await fake_zalo.wait_texts("u-citizen", 1)
    assert greeting.startswith("Xin chào Bà Tư")
    assert re.search(r"^1\. .+$", greeting, re.M) and greeting.rstrip().endswith("Trả lời 1")
    assert fake_zalo.sent("u-citizen", "sendChatAction") == [{"chat_id": "u-citizen", "action": "typing"}]
    assert all(c.status in (0, 200, 408) for c in fake_zalo.calls)  # 0: a poll still waiting


async def test_polling_removes_a_webhook_first(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    fake_zalo.webhook = {"url": "https://old.example.vn/hook", "secret_token": "oldsecret"}
    await make_zalo()
    assert fake_zalo.webhook is None
    fake_zalo.push(fake_zalo.update("u1", text="/trogiup"))
    [help_text] = await fake_zalo.wait_texts("u1", 1)
    assert texts.HELP_HEADER in help_text


async def test_fake_refuses_polling_while_webhook_set_and_long_texts(fake_zalo: FakeZaloApi) -> None:
    fake_zalo.webhook = {"url": "https://x.example.vn/hook", "secret_token": "12345678"}
    async with httpx.AsyncClient(base_url=f"{fake_zalo.base_url}/bot{TOKEN}/") as client:
        assert (await client.post("getUpdates", json={"timeout": "1"})).status_code == 400
        fake_zalo.webhook = None
        started = time.monotonic()
        empty = await client.post("getUpdates", json={"timeout": "30"})
        assert empty.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}
        assert time.monotonic() - started < 2
        too_long = await client.post("sendMessage", json={"chat_id": "u", "text": "x" * 2001})
        assert too_long.status_code == 400 and too_long.json()["error_code"] == 400


async def test_long_reply_split_within_2000(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    channel = await make_zalo()
    body = "\n".join(f"Bước {i}: mở ứng dụng VNeID, chọn mục Thủ tục hành chính, điền thông tin" for i in range(80))
    await channel.send("u-long", [Reply(body, buttons=[[Button("Đã hiểu", "ok")]])])
    sent = fake_zalo.texts("u-long")
    assert len(sent) >= 3 and all(len(t) <= 2000 for t in sent)
    assert fake_zalo.statuses("sendMessage") == [200] * len(sent)
    assert sent[-1].endswith("Trả lời 1")


async def test_stickers_and_unsupported_get_polite_reply_without_core(
        make_zalo: MakeChannel, fake_zalo: FakeZaloApi, demo_app: App) -> None:
    await make_zalo()
    fake_zalo.push(fake_zalo.update("u-sticker", event="message.sticker.received", sticker="s1"))
    fake_zalo.push(fake_zalo.update("u-child", event="message.unsupported.received"))
    assert await fake_zalo.wait_texts("u-sticker", 1) == [zalo.STICKER_REPLY]
    assert await fake_zalo.wait_texts("u-child", 1) == [zalo.UNSUPPORTED_REPLY]
    async with demo_app.sessionmaker() as s:  # the core never saw them: no identity was created
        assert await people.find_identity(s, "zalo", "u-sticker") is None
        assert await people.find_identity(s, "zalo", "u-child") is None


class _Spy:
    def __init__(self, inner: Any) -> None:
        self.inner, self.seen = inner, []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return await self.inner.handle(msg)


async def test_image_is_downloaded_and_caption_becomes_text(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    channel = await make_zalo()
    spy = channel.conversation = _Spy(channel.conversation)  # type: ignore[assignment]
    fake_zalo.media["cccd.jpg"] = b"\xff\xd8\xff" + b"jpeg" * 100
    fake_zalo.push(fake_zalo.update("u-img", event="message.image.received", message_id="abc123",
                                    photo=f"{fake_zalo.base_url}/media/cccd.jpg", caption="Ảnh bị mờ"))
    await fake_zalo.wait_texts("u-img", 1)
    [msg] = spy.seen
    assert msg.text == "Ảnh bị mờ"
    [photo] = msg.attachments
    assert photo.error is None and photo.path is not None and photo.path.read_bytes().startswith(b"\xff\xd8")
    assert photo.path.is_relative_to(Path(channel.settings.files_dir))


async def test_pick_menu_choice_by_number(make_zalo: MakeChannel, fake_zalo: FakeZaloApi, demo_app: App) -> None:
    """The core maps a typed number back to the button it showed (Incoming.buttons_supported=False)."""
    async with demo_app.sessionmaker() as s, s.begin():
        admin = (await people.persons_with_role(s, Role.ADMIN))[0]
        await people.attach_identity(s, admin.id, "zalo", "u-admin", "u-admin", admin.name)
    await make_zalo()
    fake_zalo.push(fake_zalo.update("u-admin", text="/start"))
    [menu] = await fake_zalo.wait_texts("u-admin", 1)
    assert menu.startswith(f"Xin chào {admin.name}")
    number = re.search(rf"^(\d+)\. {re.escape(texts.MENU_HELP)}$", menu, re.M)
    assert number, menu
    fake_zalo.push(fake_zalo.update("u-admin", text=number.group(1)))
    sent = await fake_zalo.wait_texts("u-admin", 2)
    assert texts.HELP_HEADER in sent[1]


# ---------------------------------------------------------------- webhook


async def test_webhook_checks_secret_accepts_both_shapes_and_dedupes(
        make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    channel = await make_zalo(webhook=True)
    assert fake_zalo.webhook is not None and fake_zalo.webhook["url"].endswith("/zalo/webhook")
    assert 8 <= len(fake_zalo.webhook["secret_token"]) <= 256
    assert TOKEN not in fake_zalo.webhook["secret_token"]
    assert channel._poll_task is None and not fake_zalo.statuses("getUpdates")

    hello = fake_zalo.update("u-web", text="/trogiup")
    assert await fake_zalo.deliver(hello, secret="wrong-secret") == 403
    assert await fake_zalo.deliver(hello, secret=None) == 403
    assert await fake_zalo.deliver(hello, wrapped=True) == 200
    assert await fake_zalo.deliver(hello, wrapped=False) == 200  # the same message_id again
    await fake_zalo.deliver(fake_zalo.update("u-web", text="/huy"), wrapped=False)
    sent = await fake_zalo.wait_texts("u-web", 2)
    assert texts.HELP_HEADER in sent[0] and texts.HELP_HEADER not in sent[1]
    await fake_zalo.wait_for(lambda: not channel._tasks)
    assert len(fake_zalo.texts("u-web")) == 2  # the duplicate was processed once


async def test_webhook_answers_before_processing(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    await make_zalo(webhook=True)
    fake_zalo.fail("sendChatAction", None, delay=1.0)  # the handling is slow …
    started = time.monotonic()
    assert await fake_zalo.deliver(fake_zalo.update("u-slow", text="/trogiup")) == 200
    assert time.monotonic() - started < 0.5  # … but Zalo gets its 200 at once
    await fake_zalo.wait_texts("u-slow", 1)


# ---------------------------------------------------------------- failures and retries


async def test_429_burst_delays_but_loses_nothing(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    await make_zalo()
    fake_zalo.fail("sendMessage", 429, times=3)
    for i in range(3):
        fake_zalo.push(fake_zalo.update("u-burst", text="/trogiup", message_id=f"m{i}"))
    sent = await fake_zalo.wait_texts("u-burst", 3)
    assert all(texts.HELP_HEADER in t for t in sent)
    statuses = fake_zalo.statuses("sendMessage")
    assert statuses.count(429) == 3 and statuses.count(200) == 3
    tries = [c.at for c in fake_zalo.calls if c.method == "sendMessage"]
    assert tries[3] - tries[0] >= 0.8 * (0.02 + 0.04 + 0.08)  # exponential back-off was applied


async def test_gives_up_with_retry_later_delivery_error_or_unreachable(
        make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    channel = await make_zalo(max_attempts=3)
    fake_zalo.fail("sendMessage", 429, times=3)
    with pytest.raises(RetryLater) as rate:
        await channel.send("u1", [Reply("Chào")])
    assert rate.value.retry_after > 0
    fake_zalo.fail("sendMessage", 502, times=3)
    with pytest.raises(DeliveryError):
        await channel.send("u1", [Reply("Chào")])
    fake_zalo.fail("sendMessage", 503, times=2)
    await channel.send("u1", [Reply("Chào lần nữa")])  # recovered within the retries
    assert fake_zalo.texts("u1") == ["Chào lần nữa"]
    fake_zalo.unknown_chats.add("gone")
    with pytest.raises(Unreachable):
        await channel.send("gone", [Reply("Chào")])
    with pytest.raises(ZaloApiError) as bad:
        await channel.call("sendMessage", {"chat_id": "u1", "text": "x" * 2001})
    assert bad.value.code == 400 and TOKEN not in str(bad.value)


async def test_polling_survives_server_errors(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    fake_zalo.fail("getUpdates", 502, times=2)
    await make_zalo()
    fake_zalo.push(fake_zalo.update("u-poll", text="/trogiup"))
    await fake_zalo.wait_texts("u-poll", 1)
    assert fake_zalo.statuses("getUpdates")[:2] == [502, 502]


# ---------------------------------------------------------------- files


async def test_image_sent_by_signed_url_that_zalo_can_fetch(make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    channel = await make_zalo()
    chart = files_dir(channel) / "charts" / "tien-do.png"
    chart.parent.mkdir(parents=True)
    chart.write_bytes(PNG)
    await channel.send("u-img", [Reply("Tiến độ tháng này:", file=OutFile(chart, "tien-do.png", "Biểu đồ",
                                                                          kind="image"))])
    assert fake_zalo.texts("u-img") == ["Tiến độ tháng này:"]
    [photo] = fake_zalo.sent("u-img", "sendPhoto")
    assert photo["caption"] == "Biểu đồ" and photo["photo"].startswith(channel.settings.public_base_url or "?")
    [fetch] = fake_zalo.photo_fetches
    assert (fetch.status, fetch.body) == (200, PNG)


async def test_document_becomes_a_signed_download_link(make_zalo: MakeChannel, fake_zalo: FakeZaloApi,
                                                       tmp_path: Path) -> None:
    channel = await make_zalo()
    report = tmp_path / "elsewhere" / "bao-cao-thang.xlsx"  # outside the files folder: copied in
    report.parent.mkdir()
    report.write_bytes(b"PK\x03\x04 workbook")
    await channel.send("u-doc", [Reply(file=OutFile(report, "Báo cáo tháng 5.xlsx", "Báo cáo tháng 5"))])
    [message] = fake_zalo.texts("u-doc")
    assert message.startswith("📎 Báo cáo tháng 5")
    url = re.search(r"https?://\S+", message)
    assert url and await fake_zalo.fetch(url.group(0)) == (200, b"PK\x03\x04 workbook")


async def test_without_public_url_files_are_offered_through_the_admin(
        make_zalo: MakeChannel, fake_zalo: FakeZaloApi) -> None:
    channel = await make_zalo(public=False)
    report = files_dir(channel) / "bao-cao.xlsx"
    report.write_bytes(b"PK")
    await channel.send("u-doc", [Reply("Báo cáo:", file=OutFile(report, "bao-cao.xlsx", kind="document")),
                                 Reply(file=OutFile(report, "bieu-do.png", kind="image"))])
    assert fake_zalo.texts("u-doc") == ["Báo cáo:", zalo.FILE_FROM_ADMIN.format(name="bao-cao.xlsx"),
                                        zalo.FILE_FROM_ADMIN.format(name="bieu-do.png")]
    assert not fake_zalo.sent(method="sendPhoto")


# ---------------------------------------------------------------- log hygiene


async def test_token_never_reaches_the_logs(make_zalo: MakeChannel, fake_zalo: FakeZaloApi,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake_zalo.fail("getUpdates", 500)
    channel = await make_zalo(max_attempts=2)
    fake_zalo.push(fake_zalo.update("u-log", text="/start"))
    await fake_zalo.wait_texts("u-log", 1)
    fake_zalo.fail("sendMessage", 429, times=2)
    with pytest.raises(RetryLater):
        await channel.send("u-log", [Reply("x")])
    channel._url = "http://127.0.0.1:9/bot" + TOKEN + "/"  # nothing listens there: network errors
    with pytest.raises(DeliveryError) as network:
        await channel.send("u-log", [Reply("x")])
    assert TOKEN not in str(network.value)
    assert any("<token>" in r.getMessage() for r in caplog.records)  # httpx logged URLs, redacted
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() and TOKEN not in (r.exc_text or "") for r in caplog.records)
