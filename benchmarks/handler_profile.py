"""CPU time and SQL statements per update type, through the conversation core without any network.

    python -m benchmarks.handler_profile [--n 300] [--pg-url postgresql+asyncpg://...]

A profiling aid for `throughput_bench`: the same seeded database (one commune, 50 thôn, 1,000
members) and the same kinds of updates (a citizen's question, a one-line `/ghi`, the Lưu button
under its summary, 👍 under an answer), handed straight to `Conversation.handle`. Prints, per kind,
the CPU milliseconds and SQL statements per update, so a change to a handler can be judged before
running the full throughput benchmark. It prints figures only (no target of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from typing import Any

from sqlalchemy import event

from benchmarks.common import (
    bench_settings,
    engine_label,
    fresh_database,
    header,
    quiet_logging,
    table,
    workdir,
)
from benchmarks.throughput_bench import CITIZEN_BASE, MEMBER_BASE, ghi_lines, questions, seed, vary


def incoming(user: int, text: str = "", data: str | None = None) -> Any:
    from handlers.messages import Incoming

    return Incoming(channel="telegram", user_id=str(user), chat_id=str(user), text=text,
                    display_name="Người dùng", callback_data=data)


async def main_async(args: argparse.Namespace) -> None:
    from bot.app import build_app

    quiet_logging()
    folder = workdir("handler-profile")
    url = await fresh_database(args.pg_url, folder)
    app = await build_app(bench_settings(url, folder))
    await seed(app, 1000)
    statements = Counter[str]()
    event.listen(app.engine.sync_engine, "before_cursor_execute",
                 lambda *_a, **_k: statements.update(["n"]))
    rng = random.Random(7)
    texts, lines = questions(), ghi_lines(rng, 200)
    conv = app.conversation
    kinds: dict[str, list[tuple[float, int]]] = {"question (new citizen)": [], "question (returning)": [],
                                                  "/ghi one line": [], "Lưu button": [], "👍 button": []}

    async def timed(kind: str, msg: Any) -> list[Any]:
        before, cpu = statements["n"], time.process_time()
        replies = await conv.handle(msg)
        kinds[kind].append((time.process_time() - cpu, statements["n"] - before))
        return replies

    for i in range(args.n):
        citizen = CITIZEN_BASE + i
        replies = await timed("question (new citizen)", incoming(citizen, vary(rng, rng.choice(texts))))
        replies = await timed("question (returning)", incoming(citizen, vary(rng, rng.choice(texts))))
        up = next((b.data for r in replies for b in r.all_buttons() if b.data.startswith("fb:up")), None)
        if up:
            await timed("👍 button", incoming(citizen, data=up))
        member = MEMBER_BASE + i
        replies = await timed("/ghi one line", incoming(member, rng.choice(lines)))
        save = next((b.data for r in replies for b in r.all_buttons() if b.data == "gs:save"), None)
        if save is None:
            save = next((b.data for r in replies for b in r.all_buttons()), None)
        if save:
            await timed("Lưu button", incoming(member, data=save))
    rows = []
    for kind, samples in kinds.items():
        if not samples:
            continue
        cpu = sorted(s[0] for s in samples)
        rows.append([kind, str(len(samples)), f"{sum(cpu) / len(cpu) * 1000:.2f}",
                     f"{cpu[len(cpu) // 2] * 1000:.2f}", f"{sum(s[1] for s in samples) / len(samples):.1f}"])
    header(f"handler profile on {engine_label(url)}", quick=False)
    table(rows, ["update", "n", "CPU ms mean", "CPU ms p50", "SQL statements"])
    await app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="users of each kind")
    parser.add_argument("--pg-url", default=None)
    asyncio.run(main_async(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
