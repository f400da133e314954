"""Throughput and latency of the Telegram bot in polling mode against the local fake Bot API.

    python -m benchmarks.throughput_bench [--quick] [--updates 20000] [--users 5000] [--rate 200]
                                          [--latency-seconds 30] [--half-seconds 20]
                                          [--pg-url postgresql+asyncpg://...]

The fake server (tests/fakes/telegram_api.py) runs in a child process. Two bots are measured in the
same run against it:

* baseline: a bare aiogram echo bot (echoes the text with one inline button; a press is answered
  and echoed), started with aiogram's own `start_polling`;
* the real bot: `TelegramChannel` over `build_app` (the FAQ matcher, the conversation core, a
  database on SQLite, and on PostgreSQL with --pg-url), seeded with one commune of 50 thôn and
  1,000 team members; citizens are created on their first message as in production.

Workload: `--updates` mixed updates from `--users` distinct users: 70 % citizen questions (the
texts of shared/faq/dev.jsonl and tests/faq/data/heldout.jsonl), 20 % members' one-line `/ghi`,
10 % button presses (the first button of a message the bot sent: 👍 under an answer, Lưu under a
/ghi summary, a clarification topic, the hand-off).

Three runs per bot, each on a fresh bot (and database):
1. capacity: the updates are offered much faster than they can be handled (5,000/s); figure:
   updates handled per second = updates / (last reply done - first update queued), and the CPU
   time of this process per update;
2. latency: updates offered at a fixed `--rate` (200/s) for `--latency-seconds`; figures: p50/p99
   of the time from the update being queued at the fake server to the bot having finished its
   replies (the handler's last API call answered);
3. half: offered at half the capacity measured in run 1, for `--half-seconds`: the latency at a
   load the machine can carry.

Targets: the real bot's capacity >= 50 % of the echo bot's, and p99 < 100 ms at 200 updates/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEV,
    HELDOUT,
    FakeServer,
    LogCounter,
    Slot,
    WorkloadResult,
    bench_settings,
    engine_label,
    fresh_database,
    header,
    insert_many,
    latency_summary,
    load_jsonl,
    ms,
    quiet_logging,
    table,
    verdict,
    workdir,
)

CAPACITY_RATE = 5000.0  # offered "as fast as possible", paced so presses can find earlier replies
CITIZEN_BASE = 100_000_000
MEMBER_BASE = 200_000_000
VILLAGES = 50
MEMBER_SHARE = 0.2  # of the distinct users

# A thôn name per index: "Thôn Đông 1" ... keeps one-line /ghi place matching realistic.
_VILLAGE_WORDS = ["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân", "Phú", "An"]


def village_names(n: int = VILLAGES) -> list[str]:
    return [f"Thôn {_VILLAGE_WORDS[i % 10]} {i // 10 + 1}" for i in range(n)]


GHI_TEMPLATES = [
    "/ghi {n} kích hoạt VNeID {v} {m}p",
    "/ghi hôm qua {n} người nộp hồ sơ khai sinh, 1 cụ già",
    "/ghi {n} tích hợp bhyt {v} {m} phút",
    "/ghi {n} ng cài vneid mức 2 {v}",
    "/ghi thanh toán tiền điện cho {n} hộ {m}p",
    "/ghi {n} người kỹ năng số dùng zalo {v}",
    "/ghi {n} người đăng ký tạm trú dịch vụ công {m} phút",
    "/ghi chống lừa đảo cho {n} người cao tuổi {v}",
]


def ghi_lines(rng: random.Random, n: int) -> list[str]:
    names = village_names()
    return [rng.choice(GHI_TEMPLATES).format(n=rng.randint(1, 6), v=rng.choice(names).lower(),
                                              m=rng.choice([15, 20, 30, 45, 60]))
            for _ in range(n)]


def questions() -> list[str]:
    return [str(r["text"]) for r in load_jsonl(DEV) + load_jsonl(HELDOUT)]


# Greetings and particles the normaliser drops: the same question typed a little differently, as
# citizens do, so the FAQ engine's cache of exact texts does not answer the whole workload.
_OPENERS = ["", "", "cho em hỏi ", "ad ơi ", "cho hỏi ", "mình hỏi chút ", "bot ơi "]
_CLOSERS = ["", "", " ạ", " với ạ", "?", " ạ?", " nhé", "??"]


def vary(rng: random.Random, text: str) -> str:
    return f"{rng.choice(_OPENERS)}{text}{rng.choice(_CLOSERS)}"


def make_slots(n: int, users: int, seed: int) -> list[Slot]:
    """`n` updates: 70 % questions, 20 % /ghi, 10 % presses, from `users` distinct users."""
    rng = random.Random(seed)
    members = max(1, int(users * MEMBER_SHARE))
    citizens = max(1, users - members)
    texts = questions()
    lines = ghi_lines(rng, 500)
    slots = []
    for _ in range(n):
        r = rng.random()
        citizen = CITIZEN_BASE + rng.randrange(citizens)
        if r < 0.7:
            slots.append(Slot("q", citizen, vary(rng, rng.choice(texts))))
        elif r < 0.9:
            slots.append(Slot("ghi", MEMBER_BASE + rng.randrange(members), rng.choice(lines)))
        else:
            slots.append(Slot("press"))
    return slots


# ---------------------------------------------------------------- seeding the real bot's database

async def seed(app: Any, members: int) -> None:
    """One commune, `VILLAGES` thôn each with a Tổ CNSCĐ, and `members` members with Telegram ids."""
    from storage.models import ChannelIdentity, Person, Role, Unit, UnitKind

    async with app.engine.begin() as conn:
        await conn.execute(Unit.__table__.insert(), [{"code": "XA-BENCH", "name": "Xã Thử Nghiệm",
                                                      "kind": UnitKind.COMMUNE.value, "parent_id": None}])
        commune = (await conn.execute(Unit.__table__.select().where(Unit.code == "XA-BENCH"))).first()[0]
        names = village_names()
        await insert_many(conn, Unit.__table__, [
            {"code": f"THON-{i}", "name": name, "kind": UnitKind.VILLAGE.value, "parent_id": commune}
            for i, name in enumerate(names)])
        village_ids = {row.code: row.id for row in
                       (await conn.execute(Unit.__table__.select().where(Unit.kind == UnitKind.VILLAGE.value)))}
        await insert_many(conn, Unit.__table__, [
            {"code": f"TO-{i}", "name": f"Tổ CNSCĐ {name}", "kind": UnitKind.TEAM.value,
             "parent_id": village_ids[f"THON-{i}"]} for i, name in enumerate(names)])
        teams = [row.id for row in
                 (await conn.execute(Unit.__table__.select().where(Unit.kind == UnitKind.TEAM.value)))]
        await insert_many(conn, Person.__table__, [
            {"name": f"Thành viên {i}", "role": Role.MEMBER.value, "unit_id": teams[i % len(teams)]}
            for i in range(members)])
        person_ids = [row.id for row in (await conn.execute(
            Person.__table__.select().where(Person.role == Role.MEMBER.value).order_by(Person.id)))]
        await insert_many(conn, ChannelIdentity.__table__, [
            {"channel": "telegram", "external_id": str(MEMBER_BASE + i), "chat_id": str(MEMBER_BASE + i),
             "display_name": f"Thành viên {i}", "person_id": pid, "reachable": True}
            for i, pid in enumerate(person_ids)])


# ---------------------------------------------------------------- the two bots

@dataclass
class RunningBot:
    name: str
    done: dict[int, float] = field(default_factory=dict)  # update_id -> when its handling ended
    stop: Callable[[], Awaitable[None]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def finished(self, update_id: int) -> None:
        self.done[update_id] = time.monotonic()
        self.progress.set()


async def start_echo(fake: FakeServer) -> RunningBot:
    """A bare aiogram echo bot: the text back with one button; a press is answered and echoed."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

    bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    dp = Dispatcher()
    running = RunningBot("echo")
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="↩", callback_data="echo")]])

    async def timing(handler, event, data):  # type: ignore[no-untyped-def]
        try:
            return await handler(event, data)
        finally:
            running.finished(event.update_id)

    dp.update.outer_middleware(timing)

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?", reply_markup=markup)

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(query.data or "?")

    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                polling_timeout=25,
                                                allowed_updates=["message", "callback_query"]))

    async def stop() -> None:
        await dp.stop_polling()
        await asyncio.wait_for(task, 30)
        await bot.session.close()

    running.stop = stop
    await asyncio.sleep(0.3)
    return running


async def start_real(fake: FakeServer, pg_url: str | None, folder: Path, users: int, faq: Any) -> RunningBot:
    """The production wiring (`build_app` + `TelegramChannel`) on a fresh, seeded database."""
    from pydantic import SecretStr

    from bot.app import build_app
    from bot.channels.telegram import TelegramChannel

    url = await fresh_database(pg_url, folder)
    settings = bench_settings(url, folder).model_copy(update={
        "telegram_bot_token": SecretStr(fake.token), "telegram_api_base": fake.base_url})
    app = await build_app(settings, faq=faq)
    await seed(app, max(1, int(users * MEMBER_SHARE)))
    running = RunningBot(f"cnscd-bot ({engine_label(url)})")

    class TimedChannel(TelegramChannel):
        async def _process(self, update, previous):  # type: ignore[no-untyped-def]
            try:
                await super()._process(update, previous)
            finally:
                running.finished(update.update_id)

    channel = TimedChannel(app, settings)
    await channel.start()

    async def stop() -> None:
        await channel.stop()
        await app.close()

    running.stop = stop
    running.extra["app"] = app
    return running


# ---------------------------------------------------------------- one run

@dataclass
class RunResult:
    bot: str
    mode: str
    offered: int
    handled: int
    elapsed: float
    rate: float
    lat: dict[str, float]
    mix: dict[str, int]
    errors: dict[str, int]
    cpu: float  # CPU seconds of this process (all threads) per handled update


async def run_once(fake: FakeServer, bot: RunningBot, slots: list[Slot], rate: float, mode: str,
                   limit: float, log: LogCounter) -> RunResult:
    """Offer the slots, then wait (at most `limit` seconds) until every update has been handled."""
    log.counts.clear()
    await fake.request("reset")
    bot.done.clear()
    cpu0 = time.process_time()
    offered: WorkloadResult = await fake.offer(slots, rate)
    deadline = time.monotonic() + limit
    wanted = set(offered.pushed)
    while time.monotonic() < deadline and not wanted <= bot.done.keys():
        bot.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.progress.wait(), max(0.01, deadline - time.monotonic()))
    handled = [u for u in wanted if u in bot.done]
    cpu = (time.process_time() - cpu0) / max(len(handled), 1)
    last = max((bot.done[u] for u in handled), default=offered.started)
    elapsed = max(last - offered.started, 1e-9)
    statuses = await fake.request("statuses")
    errors = {k: v for k, v in statuses.items() if not k.endswith(" 200")}
    errors.update({f"log {k}": v for k, v in log.counts.items()})
    return RunResult(bot.name, mode, len(wanted), len(handled), elapsed, len(handled) / elapsed,
                     latency_summary(offered.pushed, bot.done), offered.mix, errors, cpu)


def show(results: list[RunResult]) -> None:
    rows = []
    for r in results:
        rows.append([r.bot, r.mode, f"{r.handled}/{r.offered}", f"{r.elapsed:.1f} s", f"{r.rate:.0f}/s",
                     ms(r.cpu), ms(r.lat["p50"]), ms(r.lat["p90"]), ms(r.lat["p99"]), ms(r.lat["max"]),
                     " ".join(f"{k}={v}" for k, v in sorted(r.mix.items()))])
    table(rows, ["bot", "run", "handled", "elapsed", "handled/s", "CPU/update", "p50", "p90", "p99", "max",
                 "mix"])
    for r in results:
        if r.errors:
            print(f"   {r.bot} {r.mode}: non-200 API answers / warnings: {r.errors}")


# ---------------------------------------------------------------- main

async def measure_bot(fake: FakeServer, make: Callable[[], Awaitable[RunningBot]], runs: list[tuple[str, list[Slot], float]],
                      half_seconds: float, users: int, limit: float, log: LogCounter) -> list[RunResult]:
    """The capacity run, the fixed-rate run and a run at half the capacity just measured; each on
    a fresh bot (and, for the real bot, a fresh database)."""
    out: list[RunResult] = []
    for mode, slots, rate in runs:
        bot = await make()
        try:
            out.append(await run_once(fake, bot, slots, rate, mode, limit, log))
        finally:
            assert bot.stop is not None
            await bot.stop()
    capacity = next((r.rate for r in out if r.mode == "capacity"), 0.0)
    if capacity and half_seconds > 0:
        rate = max(1.0, capacity / 2)
        bot = await make()
        try:
            slots = make_slots(int(rate * half_seconds), users, seed=4)
            out.append(await run_once(fake, bot, slots, rate, f"half: {rate:.0f}/s", limit, log))
        finally:
            assert bot.stop is not None
            await bot.stop()
    return out


async def main_async(args: argparse.Namespace) -> bool:
    header("throughput_bench: Telegram polling, fake Bot API in a child process", args.quick)
    log = quiet_logging()
    import bot.channels.telegram  # noqa: F401  (pins aiogram's response models for the echo bot too)
    from faq.engine import FaqEngine

    faq = FaqEngine.load()
    capacity_slots = make_slots(args.updates, args.users, seed=1)
    latency_n = int(args.rate * args.latency_seconds)
    latency_slots = make_slots(latency_n, args.users, seed=2)
    print(f"   workload: capacity run {len(capacity_slots)} updates offered at {CAPACITY_RATE:.0f}/s; "
          f"fixed-rate run {latency_n} updates at {args.rate:.0f}/s ({args.latency_seconds:.0f} s); then "
          f"{args.half_seconds:.0f} s at half the measured capacity; {args.users} distinct users "
          f"({int(args.users * MEMBER_SHARE)} members)")
    fake = FakeServer()
    await fake.start()
    results: list[RunResult] = []
    limit = max(180.0, args.updates / 15)
    try:
        runs = [("capacity", capacity_slots, CAPACITY_RATE), (f"{args.rate:.0f}/s", latency_slots, args.rate)]
        runs = [r for r in runs if r[0] in args.runs or (r[0] != "capacity" and "latency" in args.runs)]
        if "echo" in args.bots:
            results += await measure_bot(fake, lambda: start_echo(fake), runs, args.half_seconds, args.users,
                                         limit, log)
        engines = ([None] if "bot" in args.bots else []) + ([args.pg_url] if args.pg_url else [])
        for pg in engines:
            def make(pg: str | None = pg) -> Awaitable[RunningBot]:
                return start_real(fake, pg, workdir("throughput"), args.users, faq)

            results += await measure_bot(fake, make, runs, args.half_seconds, args.users, limit, log)
    finally:
        await fake.stop()
    show(results)
    echo = {r.mode: r for r in results if r.bot == "echo"}
    echo_rate = echo["capacity"].rate if "capacity" in echo else 0.0
    echo_p99 = next((r.lat["p99"] for m, r in echo.items() if m.endswith(f"{args.rate:.0f}/s")
                     and not m.startswith("half")), float("nan"))
    ok = bool(echo) and len(results) > len(echo)
    for r in results:
        if r.bot == "echo":
            continue
        if r.mode == "capacity":
            share = r.rate / echo_rate if echo_rate else 0.0
            if "capacity" in echo:
                print(f"   {r.bot}: capacity {r.rate:.0f}/s = {share:.0%} of the echo bot's {echo_rate:.0f}/s "
                      f"(target >= 50 %); CPU {ms(r.cpu)} per update vs echo {ms(echo['capacity'].cpu)}")
            ok &= share >= 0.5 and r.handled == r.offered
        elif r.mode.startswith("half"):
            print(f"   {r.bot}: at half its capacity ({r.mode[6:]}) p50 {ms(r.lat['p50'])}, p99 {ms(r.lat['p99'])}")
        else:
            print(f"   {r.bot}: p99 {ms(r.lat['p99'])} at {args.rate:.0f} updates/s offered "
                  f"(target < 100 ms; echo bot p99 {ms(echo_p99)})")
            ok &= r.lat["p99"] < 0.100 and r.handled == r.offered
    summary = "; ".join(f"{r.bot} {r.mode}: {r.rate:.0f}/s p99 {ms(r.lat['p99'])}" for r in results)
    verdict(ok, f"capacity >= 50 % of echo and p99 < 100 ms at {args.rate:.0f}/s — {summary}")
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 400 updates from 200 users, 1.5 s at the fixed rate, 3 s at half capacity")
    p.add_argument("--updates", type=int, default=20_000)
    p.add_argument("--users", type=int, default=5_000)
    p.add_argument("--rate", type=float, default=200.0, help="offered updates/s in the latency run")
    p.add_argument("--latency-seconds", type=float, default=30.0)
    p.add_argument("--half-seconds", type=float, default=20.0,
                   help="length of the run offered at half the measured capacity (0: skip)")
    p.add_argument("--pg-url", default=None,
                   help="also run on this PostgreSQL database (its public schema is dropped and recreated)")
    p.add_argument("--bots", default="echo,bot", help="which of echo,bot to run (profiling aid)")
    p.add_argument("--runs", default="capacity,latency", help="which of capacity,latency to run")
    args = p.parse_args(argv)
    if args.quick:
        args.updates, args.users = min(args.updates, 400), min(args.users, 200)
        args.latency_seconds, args.half_seconds = min(args.latency_seconds, 1.5), min(args.half_seconds, 3.0)
    return args


def main(argv: list[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(parse_args(argv))) else 1


if __name__ == "__main__":
    raise SystemExit(main())
