"""The outbox sender: rate limits, 429 waits, retries, unreachable users, and the crash case."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.channels.base import DeliveryError, RetryLater, Unreachable
from handlers.messages import Reply
from scheduler.reminders import PlannedMessage, enqueue
from scheduler.sender import OutboxSender, RateLimiter
from storage.models import Outbox, Role, UnitKind
from storage.repos import people

WORKDAY_NOON = datetime(2025, 12, 16, 5, 0)  # 12:00 in Hanoi on a Tuesday, naive UTC


class FakeChannel:
    """Stands in for a platform adapter: records sends, fails as scripted per chat."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.script: dict[str, list[Exception]] = {}

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        failures = self.script.get(chat_id)
        if failures:
            raise failures.pop(0)
        self.sent.append((chat_id, replies[0].text))

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def web_routes(self) -> list:  # type: ignore[type-arg]
        return []


async def _people(app: App, n: int) -> list[int]:
    ids = []
    async with app.sessionmaker() as s, s.begin():
        unit = await people.add_unit(s, "XA", "Xã", UnitKind.COMMUNE)
        for i in range(n):
            p = await people.add_person(s, f"Người {i}", Role.HEAD, unit.id)
            await people.attach_identity(s, p.id, "telegram", f"u{i}", f"c{i}")
            ids.append(p.id)
    return ids


async def _queue(app: App, person_ids: list[int], kind: str = "notify", tag: str = "") -> None:
    async with app.sessionmaker() as s, s.begin():
        for pid in person_ids:
            await enqueue(s, PlannedMessage(f"test{tag}:{pid}", kind, pid, f"xin chào {pid}"), WORKDAY_NOON)


def _sender(app: App, channel: FakeChannel, clock: list[datetime]) -> OutboxSender:
    async def no_sleep(_: float) -> None:
        return None

    limiter = RateLimiter(1000, 0, sleep=no_sleep)
    return OutboxSender(app.sessionmaker, {"telegram": channel}, app.settings, clock=lambda: clock[0],
                        limiter=limiter)


async def _rows(app: App) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list(await s.scalars(select(Outbox).order_by(Outbox.id)))


async def test_every_row_is_sent_once(app: App) -> None:
    ids = await _people(app, 5)
    await _queue(app, ids)
    channel, clock = FakeChannel(), [WORKDAY_NOON]
    stats = await _sender(app, channel, clock).drain()
    assert stats.sent == 5 and len(channel.sent) == 5
    assert (await _sender(app, channel, clock).drain()).sent == 0
    assert {r.status for r in await _rows(app)} == {"sent"}


async def test_429_waits_retry_after_and_loses_nothing(app: App) -> None:
    ids = await _people(app, 2)
    await _queue(app, ids)
    channel, clock = FakeChannel(), [WORKDAY_NOON]
    channel.script["c0"] = [RetryLater(30), RetryLater(30)]
    sender = _sender(app, channel, clock)
    await sender.drain()
    assert channel.sent == [("c1", f"xin chào {ids[1]}")]
    clock[0] += timedelta(seconds=31)
    await sender.drain()
    clock[0] += timedelta(seconds=31)
    await sender.drain()
    assert [c for c, _ in channel.sent] == ["c1", "c0"]


async def test_transient_errors_retry_then_fail_after_max_attempts(app: App) -> None:
    ids = await _people(app, 1)
    await _queue(app, ids)
    channel, clock = FakeChannel(), [WORKDAY_NOON]
    channel.script["c0"] = [DeliveryError("502")] * 50
    sender = _sender(app, channel, clock)
    for _ in range(app.settings.send_max_attempts + 2):
        await sender.drain()
        clock[0] += timedelta(minutes=20)
    (row,) = await _rows(app)
    assert row.status == "failed" and row.attempts == app.settings.send_max_attempts


async def test_blocked_user_is_marked_unreachable_and_skipped(app: App) -> None:
    ids = await _people(app, 1)
    await _queue(app, ids)
    channel, clock = FakeChannel(), [WORKDAY_NOON]
    channel.script["c0"] = [Unreachable("blocked")]
    await _sender(app, channel, clock).drain()
    (row,) = await _rows(app)
    assert row.status == "skipped"
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "telegram", "u0")
    assert ident is not None and not ident.reachable
    await _queue(app, ids, tag="again")
    await _sender(app, channel, clock).drain()
    assert (await _rows(app))[-1].last_error == "no reachable identity"


async def test_reminders_wait_for_the_working_window(app: App) -> None:
    ids = await _people(app, 1)
    await _queue(app, ids, kind="digest")
    channel = FakeChannel()
    saturday = [datetime(2025, 12, 20, 5, 0)]
    stats = await _sender(app, channel, saturday).drain()
    assert stats.deferred == 1 and channel.sent == []
    (row,) = await _rows(app)
    assert row.not_before == datetime(2025, 12, 22, 0, 0)  # Monday 07:00 in Hanoi


async def test_crash_mid_drain_resends_at_most_the_message_in_flight(app: App) -> None:
    ids = await _people(app, 3)
    await _queue(app, ids)
    channel, clock = FakeChannel(), [WORKDAY_NOON]

    class Crash(BaseException):
        pass

    sender = _sender(app, channel, clock)
    original = channel.send

    async def crash_on_second(chat_id: str, replies: list[Reply]) -> None:
        if chat_id == "c1":
            await original(chat_id, replies)
            raise Crash  # the process dies after the platform accepted, before we recorded it
        await original(chat_id, replies)

    channel.send = crash_on_second  # type: ignore[method-assign]
    try:
        await sender.drain()
    except Crash:
        pass
    channel.send = original  # type: ignore[method-assign]
    clock[0] += timedelta(minutes=6)  # the stale claim is taken again after a restart
    await _sender(app, channel, clock).drain()
    chats = [c for c, _ in channel.sent]
    assert sorted(set(chats)) == ["c0", "c1", "c2"]
    assert chats.count("c0") == 1 and chats.count("c2") == 1 and chats.count("c1") <= 2


async def test_rate_limiter_spaces_sends_per_chat_and_overall() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(d: float) -> None:
        slept.append(d)
        now[0] += d

    limiter = RateLimiter(rate=25, per_chat=1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await limiter.wait("a")
    assert now[0] == 2.0  # one per second to one chat
    start = now[0]
    for i in range(25):
        await limiter.wait(f"chat{i}")
    assert 0.9 <= now[0] - start <= 1.01  # 25 different chats take about a second


async def test_two_senders_never_send_the_same_row(app: App) -> None:
    ids = await _people(app, 30)
    await _queue(app, ids)
    channel, clock = FakeChannel(), [WORKDAY_NOON]
    await asyncio.gather(_sender(app, channel, clock).drain(), _sender(app, channel, clock).drain())
    chats = [c for c, _ in channel.sent]
    assert len(chats) == 30 == len(set(chats))
