"""Shared helpers for the benchmarks: paths, percentiles, verdict lines, databases, and the fake
Telegram Bot API server running in a child process.

Every benchmark prints its figures and ends with one line `VERDICT: PASS|FAIL <what>`. Targets are
compared with a baseline measured in the same run wherever the brief asks for one; no timing
threshold lives in the unit tests.

The fake Bot API (tests/fakes/telegram_api.py) runs in its own process so the bot under test gets a
core of its own, as it would against the real Telegram servers on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import logging
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "faq" / "dev.jsonl"
HELDOUT = REPO / "tests" / "faq" / "data" / "heldout.jsonl"

if str(REPO) not in sys.path:  # `python benchmarks/x.py` as well as `python -m benchmarks.x`
    sys.path.insert(0, str(REPO))


# ---------------------------------------------------------------- figures and verdicts

def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(p / 100.0 * len(ordered) + 0.5))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def header(title: str, quick: bool) -> None:
    print(f"== {title}{'  [--quick: smoke run, reduced sizes]' if quick else ''}")
    info = machine()
    print(f"   machine: {info['cpus']} CPU, {info['memory_gib']} GiB, Python {info['python']}, {info['platform']}; "
          f"load average {load_average():.1f}")


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def overloaded() -> bool:
    """More runnable processes than cores: wall-clock latencies then measure the queue for the
    CPU, not the code, so the benchmarks judge latency on CPU time instead (and say so)."""
    return load_average() > (os.cpu_count() or 1)


def verdict(ok: bool, text: str) -> bool:
    print(f"VERDICT: {'PASS' if ok else 'FAIL'} — {text}")
    return ok


def machine() -> dict[str, Any]:
    mem = 0.0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gib": round(mem, 1), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


def table(rows: list[list[str]], head: list[str]) -> None:
    """A plain aligned table on stdout."""
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    print("   " + "  ".join(str(h).ljust(w) for h, w in zip(head, widths, strict=True)))
    for row in rows:
        print("   " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1024 / 1024


def settle() -> None:
    gc.collect()
    gc.collect()


class LogCounter(logging.Handler):
    """Counts WARNING-and-above records by logger name (errors inside the bot under load)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = f"{record.levelname} {record.name}"
        self.counts[key] += 1
        self.samples.setdefault(key, record.getMessage()[:160])


def quiet_logging() -> LogCounter:
    """WARNING level like a quiet production log, with a counter attached to the root logger."""
    counter = LogCounter()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().addHandler(counter)
    for noisy in ("aiogram", "aiogram.event", "aiogram.dispatcher"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return counter


# ---------------------------------------------------------------- databases

def workdir(prefix: str) -> Path:
    """A temporary folder (SQLite files, report files), removed when the benchmark exits."""
    path = Path(tempfile.mkdtemp(prefix=f"cnscd-{prefix}-"))
    atexit.register(shutil.rmtree, path, True)
    return path


async def fresh_database(pg_url: str | None, folder: Path, name: str = "bench.db") -> str:
    """A migrated, empty database: a new SQLite file in `folder`, or the PostgreSQL database at
    `pg_url` with its public schema DROPPED and recreated (use a database made for benchmarks)."""
    from sqlalchemy import text

    from storage.db import make_engine, upgrade

    if not pg_url:
        _remove_sqlite(folder / name)
        url = f"sqlite+aiosqlite:///{folder / name}"
    else:
        engine = make_engine(pg_url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
        url = pg_url
    await upgrade(url)
    return url


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def bench_settings(url: str, folder: Path, **overrides: Any) -> Any:
    from bot.settings import load_settings

    return load_settings(database_url=url, faq_overlay_file=folder / "faq_local.yaml",
                         files_dir=folder / "files", _env_file=None, **overrides)


def engine_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


async def insert_many(conn: Any, table: Any, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    """Core executemany in chunks (setup speed; bypasses the ORM)."""
    for i in range(0, len(rows), chunk):
        await conn.execute(table.insert(), rows[i:i + chunk])


# ---------------------------------------------------------------- the fake Bot API in a child process

@dataclass
class Slot:
    """One update to offer: a citizen question ("q"), a member's /ghi line ("ghi"), or a button
    press ("press": the first button of the oldest bot message with buttons not pressed yet)."""

    kind: str
    user: int = 0
    text: str = ""


@dataclass
class WorkloadResult:
    pushed: dict[int, float]  # update_id -> time.monotonic() when queued
    kinds: dict[int, str]  # update_id -> "q" | "ghi" | "press"
    mix: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0


class FakeServer:
    """Runs `FakeTelegram` in a child process and drives it through a pipe."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child,), daemon=True, name="fake-telegram")
        self.base_url = ""
        self.token = ""
        self.pid = 0

    async def start(self) -> None:
        self._proc.start()
        self.pid = self._proc.pid or 0
        info = await self._recv()
        self.base_url, self.token = info["base_url"], info["token"]

    async def request(self, command: str, **params: Any) -> Any:
        self._conn.send((command, params))
        reply = await self._recv()
        if isinstance(reply, dict) and "error" in reply:
            raise RuntimeError(f"fake server: {reply['error']}")
        return reply

    async def _recv(self) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def offer(self, slots: Sequence[Slot], rate: float) -> WorkloadResult:
        """Queue the slots' updates at `rate` per second (paced from the child's own clock)."""
        raw = await self.request("offer", slots=[(s.kind, s.user, s.text) for s in slots],
                                 rate=rate)
        return WorkloadResult({int(k): v for k, v in raw["pushed"].items()},
                              {int(k): v for k, v in raw["kinds"].items()}, raw["mix"], raw["started"],
                              raw["ended"])

    async def stop(self) -> None:
        if self._proc.is_alive():
            try:
                await asyncio.wait_for(self.request("stop"), 10)
            except (TimeoutError, EOFError, BrokenPipeError, RuntimeError):
                pass
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()


def _child_main(conn: Any) -> None:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    asyncio.run(_child(conn))


async def _child(conn: Any) -> None:
    from tests.fakes.telegram_api import FakeTelegram, TgUser

    class BenchFake(FakeTelegram):
        """Remembers each chat's messages with buttons that nobody pressed yet, in order."""

        def __init__(self) -> None:
            super().__init__()
            self.pressable: dict[str, dict[str, Any]] = {}

        def _store(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
            message = super()._store(params, **content)
            chat = str(params.get("chat_id", ""))
            self.pressable.pop(chat, None)  # only the newest message of a chat is pressed
            if message.get("reply_markup", {}).get("inline_keyboard"):
                self.pressable[chat] = message
            return message

    fake = BenchFake()
    await fake.start()
    loop = asyncio.get_running_loop()
    conn.send({"base_url": fake.base_url, "token": fake.token})
    users: dict[int, TgUser] = {}

    def user(uid: int) -> TgUser:
        if uid not in users:
            users[uid] = TgUser(uid, f"Người {uid % 100000}", "Thử")
        return users[uid]

    def press(chat: str, message: dict[str, Any]) -> dict[str, Any]:
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row if b.get("callback_data")]
        return fake.callback(user(int(chat)), buttons[0]["callback_data"], message)

    while True:
        command, params = await loop.run_in_executor(None, conn.recv)
        try:
            if command == "stop":
                await fake.close()
                conn.send("ok")
                return
            if command == "offer":
                conn.send(await _offer(fake, params["slots"], float(params["rate"]), user, press))
            elif command == "reset":
                fake.calls.clear()
                fake.messages.clear()
                fake.pressable.clear()
                fake._queue.clear()
                conn.send("ok")
            elif command == "sends":
                kinds = set(params.get("methods") or ["sendMessage", "editMessageText", "sendDocument",
                                                       "sendPhoto"])
                conn.send([(c.method, c.chat_id, c.at, c.status) for c in fake.calls if c.method in kinds])
            elif command == "statuses":
                conn.send(dict(Counter(f"{c.method} {c.status}" for c in fake.calls)))
            elif command == "queued":
                conn.send(len(fake._queue))
            else:
                conn.send({"error": f"unknown command {command}"})
        except Exception as exc:  # report to the parent instead of dying silently
            conn.send({"error": repr(exc)})


async def _offer(fake: Any, slots: list[tuple[str, int, str]], rate: float, user: Any,
                 press: Any, max_wait: float = 120.0) -> dict[str, Any]:
    """Queue the updates at `rate`/s. A press is made on the oldest bot message with buttons that
    nobody pressed yet; when there is none (the bot has not answered anything yet), the press waits
    until there is one, so the mix stays as asked for."""
    pushed: dict[int, float] = {}
    kinds: dict[int, str] = {}
    mix: Counter[str] = Counter()
    waiting = 0  # presses waiting for a message to press

    async def send(update: dict[str, Any], kind: str) -> None:
        await fake.push(update)
        pushed[update["update_id"]] = time.monotonic()
        kinds[update["update_id"]] = kind
        mix[kind] += 1

    async def press_waiting() -> None:
        nonlocal waiting
        while waiting and fake.pressable:
            chat, message = next(iter(fake.pressable.items()))
            del fake.pressable[chat]
            waiting -= 1
            await send(press(chat, message), "press")

    start = time.monotonic()
    for i, (kind, uid, text) in enumerate(slots):
        due = start + i / rate
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        await press_waiting()
        if kind == "press":
            waiting += 1
            await press_waiting()
        else:
            await send(fake.text(user(uid), text), kind)
    deadline = time.monotonic() + max_wait
    while waiting and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
        await press_waiting()
    return {"pushed": pushed, "kinds": kinds, "mix": dict(mix), "started": start, "ended": time.monotonic(),
            "unpressed": waiting}


def latency_summary(pushed: dict[int, float], done: dict[int, float]) -> dict[str, float]:
    lat = [done[u] - t for u, t in pushed.items() if u in done]
    return {"n": len(lat), "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99),
            "max": max(lat) if lat else float("nan")}


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
