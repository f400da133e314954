"""Resident memory (RSS) of the bot process: after start-up, after loading the knowledge base, and
after a throughput run (the workload of throughput_bench against the fake Bot API in a child
process, whose memory is not counted).

    python -m benchmarks.memory_bench [--quick] [--updates 20000] [--users 5000]

Stages: (1) the interpreter with the bot's modules imported and the app built on a migrated
SQLite database (no knowledge base yet); (2) + the FAQ knowledge base and matcher; (3) + the
Telegram channel after handling `--updates` mixed updates from `--users` users, measured after a
garbage collection ("steady"). Target: steady RSS < 200 MB. For reference, the RSS of a process
that only imports aiogram and builds a Bot and a Dispatcher is measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchmarks.common import (
    FakeServer,
    bench_settings,
    fresh_database,
    header,
    quiet_logging,
    rss_mb,
    settle,
    verdict,
    workdir,
)

TARGET_MB = 200.0
REFERENCE = (
    "import gc, psutil\n"
    "from aiogram import Bot, Dispatcher\n"
    "bot, dp = Bot('1:x'), Dispatcher()\n"
    "gc.collect()\n"
    "print(psutil.Process().memory_info().rss / 1048576)\n"
)


def aiogram_reference() -> float:
    """RSS of a process that only imports aiogram and builds a Bot and a Dispatcher."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", REFERENCE], capture_output=True, text=True, check=True, timeout=120)
    return float(out.stdout.strip())


async def main_async(args: argparse.Namespace) -> bool:
    header("memory_bench: RSS of the bot process", args.quick)
    log = quiet_logging()
    base = rss_mb()
    from benchmarks.throughput_bench import CAPACITY_RATE, RunningBot, make_slots, run_once, start_real
    from bot.app import build_app
    from bot.channels.telegram import TelegramChannel  # noqa: F401  (imported as at start-up)

    folder = workdir("memory")
    url = await fresh_database(None, folder)
    app = await build_app(bench_settings(url, folder), faq=object())
    settle()
    startup = rss_mb()
    await app.close()
    from faq.engine import FaqEngine

    t0 = time.perf_counter()
    faq = FaqEngine.load()
    load_s = time.perf_counter() - t0
    settle()
    with_kb = rss_mb()
    fake = FakeServer()
    await fake.start()
    try:
        bot: RunningBot = await start_real(fake, None, workdir("memory-run"), args.users, faq)
        try:
            result = await run_once(fake, bot, make_slots(args.updates, args.users, seed=3), CAPACITY_RATE,
                                    "capacity", max(120.0, args.updates / 10), log)
            settle()
            after = rss_mb()
            await asyncio.sleep(1.0)
            settle()
            steady = rss_mb()
        finally:
            assert bot.stop is not None
            await bot.stop()
    finally:
        await fake.stop()
    reference = aiogram_reference()
    print(f"   reference, bare aiogram Bot+Dispatcher: {reference:5.1f} MB  (separate process)")
    print(f"   interpreter before imports:          {base:7.1f} MB")
    print(f"   after start-up (imports, app, DB):   {startup:7.1f} MB")
    print(f"   after loading the knowledge base:    {with_kb:7.1f} MB  (+{with_kb - startup:.1f} MB, {load_s:.1f} s)")
    print(f"   after {result.handled}/{result.offered} updates:            {after:7.1f} MB")
    print(f"   steady (1 s later, after GC):        {steady:7.1f} MB")
    ok = steady < TARGET_MB and result.handled == result.offered
    verdict(ok, f"steady RSS {steady:.0f} MB after {result.handled} updates (target < {TARGET_MB:.0f} MB); "
                f"start-up {startup:.0f} MB, with knowledge base {with_kb:.0f} MB; a bare aiogram process "
                f"alone is {reference:.0f} MB")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 400 updates from 200 users")
    p.add_argument("--updates", type=int, default=20_000)
    p.add_argument("--users", type=int, default=5_000)
    args = p.parse_args(argv)
    if args.quick:
        args.updates, args.users = min(args.updates, 400), min(args.users, 200)
    return 0 if asyncio.run(main_async(args)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
