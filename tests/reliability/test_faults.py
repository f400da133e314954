"""Faults around the bot: a flaky platform, a locked database, dropped database connections.

1. A reminder run for 500 heads through a platform that fails 30 % of the sends (seeded): 429, 5xx,
   time-outs and dropped connections, on the fake Telegram and the fake Zalo servers. Every reminder
   must reach its head exactly once: the fake server's successful sendMessage calls name 500
   distinct chats and none twice. Faults are injected before the server processes a request (see
   tests/reliability/helpers.py), which is what makes "exactly once" well defined.
2. SQLite locked by another writer while a message is handled: the core retries the whole
   transaction (storage.db.with_db_retry), then answers texts.DB_BUSY; once the lock is gone the
   next message works.
3. The database connections drop between two messages (a PostgreSQL restart, simulated on whatever
   engine the suite runs on): the next message still succeeds and the dialog state is intact.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import event, func, select, text

from bot.app import App
from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from handlers import texts
from handlers import texts_sessions as T
from handlers.messages import Reply
from scheduler.reminders import run_sweep
from scheduler.sender import OutboxSender, RateLimiter
from storage.db import make_engine
from storage.models import AssistSession, ChannelIdentity, Outbox, Person, Role, Unit, UnitKind
from storage.repos import people, tasks
from tests.reliability.helpers import ChaoticTelegram, ChaoticZalo, FaultPlan

HEADS = 500
FAULT_RATE = 0.3
SEED = 20251215
CLIENT_TIMEOUT = 0.4  # seconds the channel's HTTP client waits; a time-out fault stalls longer
TODAY = date(2025, 12, 16)  # a Tuesday (not the monthly-nudge day)
MORNING = datetime(2025, 12, 16, 8, 0) - timedelta(hours=7)  # 08:00 in Hanoi, naive UTC
MAX_DRAINS = 40


async def _no_sleep(_seconds: float) -> None:
    return None


async def _heads_with_tasks(app: App, channel: str) -> dict[int, str]:
    """HEADS heads, each heading an office of their own with one task due in 3 days (so each is due
    exactly one reminder), each with an identity on `channel`. Returns person id -> chat id."""
    async with app.sessionmaker() as s, s.begin():
        commune = await people.add_unit(s, "XA", "Xã Thử", UnitKind.COMMUNE)
        offices = [Unit(code=f"P{i:03d}", name=f"Phòng {i}", kind=UnitKind.OFFICE, parent_id=commune.id)
                   for i in range(HEADS)]
        s.add_all(offices)
        await s.flush()  # batched INSERTs
        heads = [Person(name=f"Trưởng phòng {i}", role=Role.HEAD, unit_id=office.id)
                 for i, office in enumerate(offices)]
        s.add_all(heads)
        await s.flush()
        chats = {head.id: str(700_000 + i) if channel == "telegram" else f"z{i:04x}c0ffee"
                 for i, head in enumerate(heads)}
        s.add_all([ChannelIdentity(channel=channel, external_id=chat, chat_id=chat, person_id=pid)
                   for pid, chat in chats.items()])
        for office in offices:
            await tasks.upsert_task(s, tasks.NewTask(
                plan="KH", stt=office.code, group="", text=f"Nhiệm vụ của {office.name}", deadline_kind="date",
                due_date=TODAY + timedelta(days=3), every=None, until=None, deadline_phrase="",
                lead_unit_ids=[office.id]))
    return chats


async def _status_counts(app: App) -> dict[str, int]:
    async with app.sessionmaker() as s:
        rows = await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
        return {status: n for status, n in rows.all()}


async def _drain_until_final(app: App, channel: Channel) -> int:
    """Drain repeatedly on an advancing clock until no row is pending or sending; returns the rounds."""
    clock = [MORNING]
    sender = OutboxSender(app.sessionmaker, {channel.name: channel}, app.settings,
                          clock=lambda: clock[0], limiter=RateLimiter(100_000, 0, sleep=_no_sleep))
    for rounds in range(1, MAX_DRAINS + 1):
        await sender.drain()
        counts = await _status_counts(app)
        if not counts.get("pending") and not counts.get("sending"):
            return rounds
        clock[0] += timedelta(minutes=11)  # past the longest back-off (600 s) and any retry_after
    raise AssertionError(f"outbox not final after {MAX_DRAINS} drains: {await _status_counts(app)}")


@pytest.mark.parametrize("platform", ["telegram", "zalo"])
async def test_500_reminders_through_30_percent_faults_are_delivered_exactly_once(
        app: App, platform: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan = FaultPlan(SEED, FAULT_RATE, stall=CLIENT_TIMEOUT + 0.6)
    fake: ChaoticTelegram | ChaoticZalo
    channel: TelegramChannel | ZaloChannel
    if platform == "telegram":
        fake = ChaoticTelegram(plan)
        await fake.start()
        settings = app.settings.model_copy(update={
            "telegram_bot_token": SecretStr(fake.token), "telegram_api_base": fake.base_url})
        channel = TelegramChannel(app, settings, sleep=_no_sleep, backoff=0.0)
        channel.bot.session.timeout = CLIENT_TIMEOUT
    else:
        fake = ChaoticZalo(plan, "1234567890:zalo-fault-token")
        await fake.start()
        settings = app.settings.model_copy(update={
            "zalo_bot_token": SecretStr(fake.token), "zalo_api_base": fake.base_url})
        channel = ZaloChannel(app, settings, retry_base=0.001)
        channel._client.timeout = httpx.Timeout(CLIENT_TIMEOUT)
    try:
        started, cpu = time.monotonic(), time.process_time()
        chats = await _heads_with_tasks(app, platform)
        async with app.sessionmaker() as s, s.begin():
            assert await run_sweep(s, app.settings, MORNING) == HEADS
        swept, cpu_swept = time.monotonic(), time.process_time()
        rounds = await _drain_until_final(app, channel)
        drained, cpu_drained = time.monotonic(), time.process_time()
    finally:
        if platform == "telegram":
            await channel.bot.session.close()
        else:
            await channel.stop()
        await fake.close()

    delivered = fake.delivered()
    duplicates = {chat: n for chat, n in delivered.items() if n > 1}
    with capsys.disabled():
        print(f"\n[faults/{platform}] heads={HEADS} sendMessage requests={plan.requests} "
              f"faults injected={plan.injected} ({dict(sorted(plan.counts.items()))}) "
              f"delivered={sum(delivered.values())} distinct chats={len(delivered)} "
              f"duplicates={len(duplicates)} drain rounds={rounds} "
              f"(setup+sweep {swept - started:.1f}s, cpu {cpu_swept - cpu:.1f}s; "
              f"drain {drained - swept:.1f}s, cpu {cpu_drained - cpu_swept:.1f}s)")
    assert plan.injected >= 0.2 * plan.requests  # the faults really happened (30 % seeded)
    assert set(plan.counts) == {"429", "500", "502", "503", "drop", "timeout"}
    assert duplicates == {}
    assert set(delivered) == set(chats.values()) and len(delivered) == HEADS
    assert await _status_counts(app) == {"sent": HEADS}
    async with app.sessionmaker() as s:
        sent_to = {(r.person_id, r.chat_id) for r in await s.scalars(select(Outbox))}
    assert sent_to == set(chats.items())  # each row went to its own head's chat


# ---------------------------------------------------------------- database faults

def _count_attempts(app: App, monkeypatch: pytest.MonkeyPatch,
                    before: Callable[[int], None] | None = None) -> list[int]:
    """Counts the transaction attempts of the conversation core (each retry is one more);
    `before(n)` runs just before attempt n."""
    attempts = [0]
    original = app.conversation._handle_in_transaction

    async def counting(msg):  # type: ignore[no-untyped-def]
        attempts[0] += 1
        if before is not None:
            before(attempts[0])
        return await original(msg)

    monkeypatch.setattr(app.conversation, "_handle_in_transaction", counting)
    return attempts


def _texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_sqlite_locked_retries_then_says_busy_and_recovers(
        demo_app: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if demo_app.engine.dialect.name != "sqlite":
        pytest.skip("'database is locked' is SQLite's; PostgreSQL waits on row locks instead")
    monkeypatch.setattr("storage.db.DB_RETRY_DELAYS", (0.02, 0.05, 0.1))

    def short_busy_timeout(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=50")  # 10 s in production: keep the test fast
        cur.close()

    event.listen(demo_app.engine.sync_engine, "connect", short_busy_timeout)
    await demo_app.engine.dispose()  # new connections get the short timeout
    path = demo_app.engine.url.database
    assert path
    blocker = sqlite3.connect(path, isolation_level=None)
    release_at = [0]  # the attempt before which the other writer lets go (0: never)

    def maybe_release(attempt: int) -> None:
        if attempt == release_at[0] and blocker.in_transaction:
            blocker.execute("ROLLBACK")

    attempts = _count_attempts(demo_app, monkeypatch, maybe_release)
    try:
        # -- locked for longer than every retry: the user is told, politely, to try later
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        blocker.execute("UPDATE units SET name = name")
        newcomer = ConsoleChannel(demo_app.conversation, user_id="console-newcomer", display_name="Hoa")
        replies = await newcomer.send_text("/start")
        assert [r.text for r in replies] == [texts.DB_BUSY]
        busy_attempts = attempts[0]
        assert busy_attempts == 4  # the first try and three retries

        # -- the other writer lets go before the third attempt: the message goes through
        attempts[0], release_at[0] = 0, 3
        replies = await newcomer.send_text("/start")
        assert texts.DB_BUSY not in _texts(replies) and "Xin chào Hoa" in _texts(replies)
        recovered_attempts = attempts[0]
        assert recovered_attempts == 3
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
        event.remove(demo_app.engine.sync_engine, "connect", short_busy_timeout)

    # -- unlocked: the bot kept running, nothing was half-written
    attempts[0] = 0
    member = ConsoleChannel(demo_app.conversation, user_id="console-member")
    assert T.ASK_CATEGORY in _texts(await member.send_text("/ghi")) and attempts[0] == 1
    async with demo_app.sessionmaker() as s:
        idents = await s.scalar(select(func.count()).select_from(ChannelIdentity)
                                .where(ChannelIdentity.external_id == "console-newcomer"))
    assert idents == 1
    with capsys.disabled():
        print(f"\n[db/locked] attempts while locked={busy_attempts} (then DB_BUSY), "
              f"attempts when the lock went away={recovered_attempts}")


async def _drop_connections(app: App, db_url: str) -> str:
    """Every pooled connection dies under the bot, as when the database server restarts."""
    if app.engine.dialect.name == "postgresql":
        killer = make_engine(db_url)
        try:
            async with killer.connect() as conn:
                killed = await conn.scalar(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        finally:
            await killer.dispose()
        return f"terminated {killed} server connections"
    pool = app.engine.sync_engine.pool
    held = [await app.engine.connect() for _ in range(max(1, pool.checkedin()))]  # type: ignore[attr-defined]
    for conn in held:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.close()  # type: ignore[union-attr]  # the socket/file is gone
    for conn in held:
        await conn.close()  # back to the pool, dead: the pool does not know yet
    return f"closed {len(held)} pooled connections"


def _kill_next_write(app: App) -> Callable[[], bool]:
    """PostgreSQL: the connection of the next INSERT/UPDATE dies just before it runs (mid-transaction).
    Returns a function telling whether that happened."""
    done = [False]

    def hook(conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if not done[0] and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            done[0] = True
            conn.connection.driver_connection.terminate()  # asyncpg: the socket is closed at once

    event.listen(app.engine.sync_engine, "before_cursor_execute", hook)
    return lambda: done[0]


async def test_dropped_connections_mid_run_the_next_message_succeeds(
        demo_app: App, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("storage.db.DB_RETRY_DELAYS", (0.02, 0.05, 0.1))
    attempts = _count_attempts(demo_app, monkeypatch)
    member = ConsoleChannel(demo_app.conversation, user_id="console-member")
    async with demo_app.sessionmaker() as s:
        ident = await people.find_identity(s, "console", "console-member")
        assert ident is not None
        before = await s.scalar(select(func.count()).select_from(AssistSession)
                                .where(AssistSession.person_id == ident.person_id))
    postgres = demo_app.engine.dialect.name == "postgresql"
    steps: list[tuple[str, Callable[[], Awaitable[list[Reply]]], str]] = [
        ("/ghi", lambda: member.send_text("/ghi"), T.ASK_CATEGORY),
        ("category", lambda: member.press("gs:c:vneid"), T.ASK_COUNT),
        ("count", lambda: member.press("gs:n:2"), T.SUMMARY_NEW),
        ("save", lambda: member.press("gs:save"), "Đã lưu phiên"),
    ]
    log = []
    killed_mid_transaction: Callable[[], bool] | None = None
    for i, (name, step, expected) in enumerate(steps):
        if i == 1:
            log.append(await _drop_connections(demo_app, db_url))
        if i == 2:
            await demo_app.engine.dispose()  # the other way a pool loses its connections
            log.append("disposed the pool")
        if i == 3 and postgres:
            killed_mid_transaction = _kill_next_write(demo_app)
        attempts[0] = 0
        replies = await step()
        assert expected in _texts(replies), (name, _texts(replies))  # the dialog state survived
        log.append(f"{name}: {attempts[0]} attempt(s)")
    if postgres:
        assert killed_mid_transaction is not None and killed_mid_transaction()
        assert "save: 2 attempt(s)" in log
        log.insert(-1, "killed the connection mid-transaction")
    async with demo_app.sessionmaker() as s:
        after = await s.scalar(select(func.count()).select_from(AssistSession)
                               .where(AssistSession.person_id == ident.person_id))
    assert after == before + 1  # saved once, even when the first attempt died half-way
    with capsys.disabled():
        print(f"\n[db/dropped on {demo_app.engine.dialect.name}] " + "; ".join(log))
