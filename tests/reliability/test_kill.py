"""SIGKILL the real bot process (`python -m bot run`) in the middle of an outbox drain and in the middle
of a /ghi dialog, restart it, and check that nothing was lost and nothing sent twice but the message
in flight.

The bot talks to a fake Telegram Bot API started here on 127.0.0.1 (TELEGRAM_API_BASE), over a temporary
SQLite database prepared with `cnscd db upgrade` and `cnscd demo`. The fake answers sendMessage slowly,
so 200 queued outbox rows take several seconds to drain and the kill lands half-way.

Two things are adapted to fit a CI time budget, both stated where they happen:
- the drain runs every 5 s (scheduler.service.DRAIN_EVERY_SECONDS, not a setting); a sitecustomize
  shim on the child's PYTHONPATH sets it to DRAIN_EVERY before `python -m bot run` starts;
- rows a killed process had claimed (status `sending`) are taken again only once the claim is
  STALE_CLAIM (5 minutes) old; instead of waiting, the test ages those claims by STALE_CLAIM while the
  bot is down, which is what five minutes of downtime would do.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.cli import main as cli_main
from handlers import texts_sessions as T
from scheduler.sender import STALE_CLAIM
from storage.db import make_engine, make_sessionmaker
from storage.models import AssistSession, ChannelIdentity, DialogState, Outbox, utcnow
from storage.repos import people
from tests.fakes.telegram_api import FakeTelegram, TgUser

ROWS = 200
KILL_AFTER = 50  # sends
SEND_DELAY = 0.04  # seconds the fake takes per sendMessage: 200 sends take at least 8 s
DRAIN_EVERY = 0.5
MEMBER = TgUser(6660001, "Minh", "Lê")
CHAT_BASE = 880_000
WITHIN = 90.0  # generous: CI machines can be slow to start Python with aiogram

SHIM = '''"""Test shim written by tests/reliability/test_kill.py: run the outbox drain every
CNSCD_TEST_DRAIN_EVERY seconds instead of every 5 (there is no setting for it). Nothing else changes."""
import os

if os.environ.get("CNSCD_TEST_DRAIN_EVERY"):
    import scheduler.service

    scheduler.service.DRAIN_EVERY_SECONDS = float(os.environ["CNSCD_TEST_DRAIN_EVERY"])
'''


class BotProcess:
    """One `python -m bot run` child; killed or stopped by its own pid only."""

    def __init__(self, env: dict[str, str], cwd: Path, number: int) -> None:
        self.env, self.cwd = env, cwd
        self.log = cwd / f"bot-{number}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, cwd=self.cwd,
                stdout=out, stderr=asyncio.subprocess.STDOUT)

    async def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        assert await self.proc.wait() == -signal.SIGKILL

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                return await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                os.kill(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
                raise
        return self.proc.returncode

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


class Harness:
    def __init__(self, tmp: Path, fake: FakeTelegram) -> None:
        self.tmp, self.fake = tmp, fake
        self.url = f"sqlite+aiosqlite:///{tmp / 'bot.db'}"
        self.engine = make_engine(self.url)
        self.sessionmaker = make_sessionmaker(self.engine)
        self.processes: list[BotProcess] = []
        self.kills = 0
        self.chats = {str(CHAT_BASE + i) for i in range(ROWS)}
        (tmp / "shim").mkdir()
        (tmp / "shim" / "sitecustomize.py").write_text(SHIM)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TELEGRAM_", "ZALO_", "DATABASE_URL", "PYTHONPATH"))}
        self.env.update({
            "DATABASE_URL": self.url, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url,
            "SEND_RATE_PER_SECOND": "1000", "SEND_PER_CHAT_INTERVAL": "0", "LOG_LEVEL": "WARNING",
            "FAQ_OVERLAY_FILE": str(tmp / "faq_local.yaml"), "FILES_DIR": str(tmp / "files"),
            "PYTHONPATH": str(tmp / "shim"), "CNSCD_TEST_DRAIN_EVERY": str(DRAIN_EVERY),
        })

    # ------------------------------------------------------------ the process

    async def start(self) -> BotProcess:
        polls = len(self.fake.calls_to("getUpdates", ok=None))
        process = BotProcess(self.env, self.tmp, len(self.processes) + 1)
        self.processes.append(process)
        await process.start()
        try:  # ready once it polls for updates
            await self.fake.wait_for("getUpdates", count=polls + 1, ok=None, within=WITHIN)
        except TimeoutError:
            pytest.fail(f"the bot did not start:\n{process.tail()}")
        return process

    async def kill(self, process: BotProcess) -> None:
        await process.kill()
        self.kills += 1
        await asyncio.sleep(2 * SEND_DELAY + 0.1)  # the fake finishes the send that was in flight

    # ------------------------------------------------------------ talking as the member

    def replies(self) -> list[str]:
        return self.fake.sent_texts(MEMBER.id)

    async def say(self, update: dict[str, Any], expect: str) -> str:
        """Push an update, return the bot's reply containing `expect`."""
        before = len(self.replies())
        await self.fake.push(update)
        deadline = time.monotonic() + WITHIN
        while time.monotonic() < deadline:
            new = self.replies()[before:]
            found = [text for text in new if expect in text]
            if found:
                await self.fake.wait_consumed(within=WITHIN)  # confirmed: a restart will not replay it
                return found[-1]
            await asyncio.sleep(0.05)
        pytest.fail(f"no reply with {expect!r}; got {self.replies()[before:]}\n"
                    f"{self.processes[-1].tail()}")

    async def press(self, data: str, expect: str) -> str:
        message = self.fake.last_message(MEMBER.id)
        return await self.say(self.fake.callback(MEMBER, data, message), expect)

    # ------------------------------------------------------------ the drain

    def delivered(self) -> Counter[str]:
        return Counter(c.chat_id for c in self.fake.calls_to("sendMessage") if c.chat_id in self.chats)

    async def wait_delivered(self, count: int) -> None:
        deadline = time.monotonic() + WITHIN
        while len(self.delivered()) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"only {len(self.delivered())} of {count} sent\n{self.processes[-1].tail()}")
            await asyncio.sleep(0.02)

    async def statuses(self) -> Counter[str]:
        async with self.sessionmaker() as s:
            rows = await s.scalars(select(Outbox.status).where(Outbox.key.like("kill:%")))
            return Counter(rows.all())

    async def age_claims(self) -> int:
        """What STALE_CLAIM of downtime does to the rows the dead process had claimed."""
        async with self.sessionmaker() as s, s.begin():
            result = await s.execute(
                update(Outbox).where(Outbox.status == "sending")
                .values(claimed_at=Outbox.claimed_at - STALE_CLAIM - timedelta(seconds=1)))
            return result.rowcount  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
async def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    fake = FakeTelegram()
    await fake.start()
    h = Harness(tmp_path, fake)
    try:
        yield h
    finally:
        for process in h.processes:
            if process.proc is not None and process.proc.returncode is None:
                os.kill(process.proc.pid, signal.SIGKILL)
                await process.proc.wait()
        await h.engine.dispose()
        await fake.close()


async def _prepare(h: Harness, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """`cnscd db upgrade` and `cnscd demo`, then a Telegram identity for the demo member and ROWS
    queued outbox rows. Returns (member person id, identity id, sessions the member had)."""
    monkeypatch.chdir(h.tmp)
    for name, value in h.env.items():
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(cli_main, ["db", "upgrade"]) == 0
    assert await asyncio.to_thread(cli_main, ["demo"]) == 0
    now = utcnow()
    async with h.sessionmaker() as s, s.begin():
        console = await people.find_identity(s, "console", "console-member")
        assert console is not None
        ident = await people.attach_identity(s, console.person_id, "telegram", str(MEMBER.id), str(MEMBER.id),
                                             "Lê Minh")
        had = len((await s.scalars(select(AssistSession.id).where(
            AssistSession.person_id == console.person_id))).all())
        s.add_all([Outbox(key=f"kill:{i}", kind="notify", channel="telegram", chat_id=str(CHAT_BASE + i),
                          payload={"text": f"Thông báo thử số {i}", "buttons": []},
                          not_before=now - timedelta(minutes=1), created_at=now) for i in range(ROWS)])
    return console.person_id, ident.id, had


async def test_sigkill_mid_drain_and_mid_dialog_loses_nothing(
        harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    h = harness
    person_id, identity_id, sessions_before = await _prepare(h, monkeypatch)
    h.fake.fail("sendMessage", None, delay=SEND_DELAY, times=None)  # a slow platform

    # -- run 1: open the /ghi dialog, pick a category; SIGKILL once KILL_AFTER reminders went out
    first = await h.start()
    assert T.ASK_CATEGORY in await h.say(h.fake.command(MEMBER, "/ghi"), T.ASK_CATEGORY)
    await h.press("gs:c:docs", T.ASK_COUNT)
    await h.wait_delivered(KILL_AFTER)
    sent_at_kill = len(h.delivered())
    await h.kill(first)
    assert sent_at_kill < ROWS, "the drain was over before the kill: make SEND_DELAY larger"
    status = await h.statuses()
    assert sum(status.values()) == ROWS and status["sent"] >= KILL_AFTER - 1
    assert len(h.delivered()) - status["sent"] <= 1  # the platform got at most the one in flight
    async with h.sessionmaker() as s:  # the half-done dialog is in the database, not in the dead process
        state = await s.scalar(select(DialogState).where(DialogState.identity_id == identity_id))
    assert state is not None and state.dialog == "ghi" and state.step == "n" and state.data["c"] == "docs"
    aged = await h.age_claims()

    # -- run 2: the dialog goes on where it was; SIGKILL again at the summary, mid-drain if still running
    second = await h.start()
    summary = await h.press("gs:n:3", T.SUMMARY_NEW)
    assert T.CATEGORY_LABELS["docs"] in summary and "3" in summary
    mid_drain = len(h.delivered()) < ROWS
    await h.kill(second)
    aged += await h.age_claims()

    # -- run 3: save; the drain finishes; a clean stop
    third = await h.start()
    saved = await h.press("gs:save", "Đã lưu phiên")
    await h.wait_delivered(ROWS)
    for _ in range(int(WITHIN * 10)):  # the last "sent" marks follow the last sends
        if (await h.statuses())["sent"] == ROWS:
            break
        await asyncio.sleep(0.1)
    assert await third.stop() == 0, third.tail()

    delivered = h.delivered()
    duplicates = sum(n - 1 for n in delivered.values())
    with capsys.disabled():
        print(f"\n[kill] outbox rows={ROWS} sent before kill 1={sent_at_kill} claims aged={aged} "
              f"kill 2 mid-drain={mid_drain} delivered={len(delivered)} duplicates={duplicates}\n"
              f"kills survived: {h.kills}")
    assert set(delivered) == h.chats  # no row lost
    assert duplicates <= h.kills and all(n <= 2 for n in delivered.values())  # at most the one in flight
    assert await h.statuses() == Counter({"sent": ROWS})
    async with h.sessionmaker() as s:
        rows = list(await s.scalars(select(AssistSession).where(AssistSession.person_id == person_id)
                                    .order_by(AssistSession.id)))
        state = await s.scalar(select(DialogState).where(DialogState.identity_id == identity_id))
        ident = await s.get(ChannelIdentity, identity_id)
    assert len(rows) == sessions_before + 1  # stored once
    assert rows[-1].category == "docs" and rows[-1].citizens == 3  # chosen before and after a kill
    assert f"#{rows[-1].id}" in saved and state is None and ident is not None and ident.reachable
    assert h.kills == 2
