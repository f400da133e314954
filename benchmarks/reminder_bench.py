"""The morning reminder sweep at scale, and the outbox drain within Telegram's rate limits.

    python -m benchmarks.reminder_bench [--quick] [--tasks 20000] [--units 2000] [--drain 500]
                                        [--pg-url postgresql+asyncpg://...]

Data (bulk-inserted with Core): `--units` units in communes of 50 (1 commune unit + 49 thôn and
offices below it), one head per unit (so 2,000 heads), two admins, `--tasks` tasks each led by one
unit and coordinated by 0-2 units of the same commune, deadlines from 40 days ago to 60 days ahead
(85 % dated, 10 % recurring, 5 % by event), a quarter done, a progress update on half of them and a
pause on 2.5 %. A commune head's digest covers every unit below the commune, as in production.

1. Sweep: `plan_digests` (the digest part of `plan_sweep`) is timed against a naive version that
   issues one query per open task, on the same database in the same run; both must plan the same
   digests (checked). Every planned reminder must be ONE message on Telegram and on Zalo (rendered by
   the channels' own splitting; zero multi-part messages allowed), long digests being cut to the most
   urgent tasks. The outbox writes are timed alone (one `enqueue` per row vs the batched
   `enqueue_many`, both rolled back), then the whole `run_sweep` (digests, weekly escalation, writing
   the outbox), then `run_sweep` again, which must add nothing. Target: the sweep's digest planning
   >= 20x faster than the naive version.
2. Drain: `OutboxSender.drain` with the production `RateLimiter` (25 messages/s overall, one per
   second per chat) sends `--drain` queued messages through the real `TelegramChannel` to the fake
   Bot API in a child process; then a second, small drain sends 4 messages to each of 5 chats
   (interleaved) to exercise the per-chat limit. From the fake server's own arrival timestamps:
   messages/s over the big drain (target >= 95 % of 25/s), the busiest 1-second window, and the
   smallest gap between two messages to one chat (zero violations of 1 s allowed).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from benchmarks.common import (
    FakeServer,
    bench_settings,
    engine_label,
    fresh_database,
    header,
    insert_many,
    quiet_logging,
    verdict,
    workdir,
)

COMMUNE_SIZE = 50
CHAT_BASE = 300_000_000
RATE = 25.0
PER_CHAT = 1.0
TOLERANCE = 0.02  # seconds of jitter between the sender's clock and the fake server's arrival times


def sweep_day() -> date:
    """A Tuesday that is a working day, a few weeks ahead (not the 15th: no monthly nudge)."""
    day = date.today() + timedelta(days=21)
    while day.weekday() != 1 or day.day == 15:
        day += timedelta(days=1)
    return day


def morning_utc(day: date) -> datetime:
    """07:30 in Hà Nội as the naive UTC the code stores."""
    return datetime(day.year, day.month, day.day, 7, 30) - timedelta(hours=7)


# ---------------------------------------------------------------- data

async def seed(app: Any, n_units: int, n_tasks: int, today: date, seed_value: int = 11) -> dict[str, int]:
    from storage.models import (
        ChannelIdentity,
        Person,
        ProgressUpdate,
        ReminderPause,
        Role,
        Task,
        TaskStatus,
        TaskUnit,
        Unit,
        UnitKind,
    )

    rng = random.Random(seed_value)
    communes = max(1, n_units // COMMUNE_SIZE)
    created = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=120)
    async with app.engine.begin() as conn:
        await insert_many(conn, Unit.__table__, [
            {"code": f"XA-{c}", "name": f"Xã số {c}", "kind": UnitKind.COMMUNE.value, "parent_id": None,
             "created_at": created} for c in range(communes)])
        commune_ids = [r.id for r in (await conn.execute(select(Unit.id).order_by(Unit.id)))]
        children = []
        for c, cid in enumerate(commune_ids):
            for k in range(COMMUNE_SIZE - 1):
                kind = UnitKind.VILLAGE if k % 2 else UnitKind.OFFICE
                children.append({"code": f"U-{c}-{k}", "name": f"Đơn vị {k} xã {c}", "kind": kind.value,
                                 "parent_id": cid, "created_at": created})
        await insert_many(conn, Unit.__table__, children)
        units = [(r.id, r.parent_id) for r in (await conn.execute(select(Unit.id, Unit.parent_id).order_by(Unit.id)))]
        commune_of = {uid: parent or uid for uid, parent in units}
        by_commune: dict[int, list[int]] = defaultdict(list)
        for uid, _parent in units:
            by_commune[commune_of[uid]].append(uid)
        people = [{"name": f"Thủ trưởng {i}", "role": Role.HEAD.value, "unit_id": uid, "created_at": created}
                  for i, (uid, _p) in enumerate(units)]
        people += [{"name": f"Quản trị {i}", "role": Role.ADMIN.value, "unit_id": commune_ids[0],
                    "created_at": created} for i in range(2)]
        await insert_many(conn, Person.__table__, people)
        person_ids = [r.id for r in (await conn.execute(select(Person.id).order_by(Person.id)))]
        await insert_many(conn, ChannelIdentity.__table__, [
            {"channel": "telegram", "external_id": str(CHAT_BASE + i), "chat_id": str(CHAT_BASE + i),
             "display_name": "", "person_id": pid, "reachable": True, "created_at": created}
            for i, pid in enumerate(person_ids)])
        task_rows, unit_rows = [], []
        statuses = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.DONE]
        for t in range(n_tasks):
            lead = units[rng.randrange(len(units))][0]
            r = rng.random()
            kind = "date" if r < 0.85 else "recurring" if r < 0.95 else "event"
            status = statuses[rng.randrange(4)]
            task_rows.append({
                "import_key": f"bench-{t:06d}", "plan": "Kế hoạch thử", "stt": str(t + 1), "group": "",
                "title": f"Nhiệm vụ số {t + 1}: triển khai chuyển đổi số", "text": "", "deadline_kind": kind,
                "due_date": today + timedelta(days=rng.randint(-40, 60)) if kind == "date" else None,
                "every": "month" if kind == "recurring" else None, "until": None, "deadline_phrase": "",
                "status": status.value, "progress": 100 if status == TaskStatus.DONE else rng.randrange(0, 100, 10),
                "closed_at": created if status == TaskStatus.DONE else None, "created_at": created,
                "updated_at": created})
            coords = rng.sample(by_commune[commune_of[lead]], k=min(rng.randint(0, 2), len(by_commune[commune_of[lead]])))
            unit_rows.append((t, lead, [c for c in coords if c != lead]))
        await insert_many(conn, Task.__table__, task_rows)
        task_ids = [r.id for r in (await conn.execute(select(Task.id).order_by(Task.id)))]
        await insert_many(conn, TaskUnit.__table__, [
            row for t, lead, coords in unit_rows for row in (
                [{"task_id": task_ids[t], "unit_id": lead, "role": "lead"}]
                + [{"task_id": task_ids[t], "unit_id": c, "role": "coord"} for c in coords])])
        updated = rng.sample(task_ids, len(task_ids) // 2)
        await insert_many(conn, ProgressUpdate.__table__, [
            {"task_id": tid, "person_id": None, "at": created + timedelta(days=1, minutes=i), "progress": 50,
             "status": TaskStatus.IN_PROGRESS.value, "note": "đang làm"} for i, tid in enumerate(sorted(updated))])
        await insert_many(conn, ReminderPause.__table__, [
            {"task_id": tid, "person_id": None, "until": today + timedelta(days=3), "reason": "chờ kinh phí",
             "created_at": created} for tid in rng.sample(task_ids, len(task_ids) // 40)])
    return {"units": len(units), "heads": len(units), "tasks": n_tasks}


# ---------------------------------------------------------------- the naive sweep

async def naive_digests(s: Any, cal: Any, today: date, start: date, send_at: datetime) -> list[Any]:
    """What a first version would do: list the open tasks, then one query per task for its lead
    units, pause and last update; walk up the unit tree to find the heads who get it."""
    from scheduler.reminders import DIGEST_BUTTONS, PlannedMessage, _heads, digest_text, due_in_window
    from storage.models import ProgressUpdate, ReminderPause, Task, TaskUnit, Unit
    from storage.repos import tasks
    from storage.repos.tasks import OPEN_STATUSES, TaskDTO

    names = await tasks.unit_names(s)
    parent = dict((await s.execute(select(Unit.id, Unit.parent_id))).all())
    heads_by_unit: dict[int, list[Any]] = defaultdict(list)
    for head in await _heads(s):
        heads_by_unit[head.unit_id].append(head)
    items: dict[int, list[TaskDTO]] = defaultdict(list)
    open_tasks = list(await s.scalars(select(Task).where(Task.status.in_(OPEN_STATUSES)).order_by(Task.id)))
    for t in open_tasks:
        pause = select(func.max(ReminderPause.until)).where(ReminderPause.task_id == t.id).scalar_subquery()
        last = select(func.max(ProgressUpdate.at)).where(ProgressUpdate.task_id == t.id).scalar_subquery()
        rows = (await s.execute(select(TaskUnit.unit_id, pause, last)
                                .where(TaskUnit.task_id == t.id, TaskUnit.role == "lead"))).all()
        if not rows:
            continue
        leads = tuple(r[0] for r in rows)
        paused, last_at = rows[0][1], rows[0][2]
        dto = TaskDTO(t.id, t.plan, t.stt, t.group, t.title, t.text, t.deadline_kind, t.due_date, t.every,
                      t.until, t.deadline_phrase, t.status, t.progress, t.closed_at, leads, (), last_at)
        if not due_in_window(dto, cal.settings, start, today) or (paused and paused >= today):
            continue
        receivers: set[int] = set()
        for unit in leads:
            seen = set()
            while unit is not None and unit not in seen:
                seen.add(unit)
                for head in heads_by_unit.get(unit, ()):
                    receivers.add(head.id)
                unit = parent.get(unit)
        for head_id in receivers:
            items[head_id].append(dto)
    planned = []
    for head_list in heads_by_unit.values():
        for head in head_list:
            mine = items.get(head.id)
            if not mine:
                continue
            last_local = {t.id: cal.local_date(t.last_update_at) if t.last_update_at else None for t in mine}
            text = digest_text(head.name, names.get(head.unit_id, ""), today, mine, last_local)
            planned.append(PlannedMessage(f"digest:{head.id}:{today.isoformat()}", "digest", head.id, text,
                                          DIGEST_BUTTONS, send_at))
    return planned


def same_digests(a: list[Any], b: list[Any]) -> bool:
    """Same recipients and, per recipient, the same lines (in any order among equal due dates)."""
    def norm(planned: list[Any]) -> dict[str, list[str]]:
        return {m.key: sorted(m.text.splitlines()) for m in planned}
    return norm(a) == norm(b)


# ---------------------------------------------------------------- drain

def rate_figures(sends: list[tuple[str, str, float, int]]) -> dict[str, Any]:
    times = sorted(at for _m, _c, at, status in sends if status == 200)
    by_chat: dict[str, list[float]] = defaultdict(list)
    for _m, chat, at, status in sends:
        if status == 200:
            by_chat[chat].append(at)
    gaps = [b - a for ts in by_chat.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)]
    busiest = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {"sent": len(times), "span": span, "rate": (len(times) - 1) / span if span else 0.0,
            "busiest_1s": busiest, "min_gap": min(gaps) if gaps else None,
            "violations": sum(1 for g in gaps if g < PER_CHAT - TOLERANCE), "repeat_chats": sum(
                1 for ts in by_chat.values() if len(ts) > 1)}


async def drain_run(app: Any, channel: Any, settings: Any, rows: int, now: datetime) -> tuple[Any, float]:
    from scheduler.sender import BATCH, OutboxSender, RateLimiter

    sender = OutboxSender(app.sessionmaker, {"telegram": channel}, settings, clock=lambda: now,
                          limiter=RateLimiter(settings.send_rate_per_second, settings.send_per_chat_interval))
    t0, c0 = time.monotonic(), time.process_time()
    stats = await sender.drain(max_rounds=max(1, -(-rows // BATCH)))  # whole batches: at least `rows`
    stats.cpu_per_message = (time.process_time() - c0) / max(stats.sent, 1)  # type: ignore[attr-defined]
    return stats, time.monotonic() - t0


async def queue_repeats(app: Any, now: datetime, chats: int, each: int) -> None:
    """`each` notices to each of `chats` heads, queued round-robin (A B C D E A B ...)."""
    from scheduler.reminders import PlannedMessage, enqueue
    from storage.models import Person, Role

    async with app.sessionmaker() as s, s.begin():
        heads = list(await s.scalars(select(Person.id).where(Person.role == Role.HEAD.value)
                                     .order_by(Person.id.desc()).limit(chats)))
        for k in range(each):
            for pid in heads:
                await enqueue(s, PlannedMessage(f"bench-notice:{pid}:{k}", "notify", pid,
                                                f"Thông báo thử {k + 1}"), now - timedelta(minutes=1))


# ---------------------------------------------------------------- main

async def main_async(args: argparse.Namespace) -> bool:
    from pydantic import SecretStr

    from bot.app import build_app
    from bot.channels import telegram_render, zalo
    from bot.channels.telegram import TelegramChannel
    from handlers.messages import Button, Reply
    from scheduler.reminders import (
        Calendar,
        _window_start,
        enqueue,
        enqueue_many,
        plan_digests,
        plan_sweep,
        run_sweep,
    )
    from storage.models import Outbox

    header("reminder_bench: morning sweep and rate-limited drain", args.quick)
    quiet_logging()
    folder = workdir("reminders")
    url = await fresh_database(args.pg_url, folder)
    fake = FakeServer()
    await fake.start()
    settings = bench_settings(url, folder, send_rate_per_second=RATE, send_per_chat_interval=PER_CHAT).model_copy(
        update={"telegram_bot_token": SecretStr(fake.token), "telegram_api_base": fake.base_url})
    app = await build_app(settings, faq=object())
    day = sweep_day()
    now = morning_utc(day)
    ok = True
    try:
        t0 = time.perf_counter()
        sizes = await seed(app, args.units, args.tasks, day)
        print(f"   {engine_label(url)}: {sizes['tasks']} tasks, {sizes['units']} units, {sizes['heads']} heads "
              f"(seeded in {time.perf_counter() - t0:.1f} s); sweep day {day:%a %d/%m/%Y} 07:30")
        cal = Calendar(settings)
        async with app.sessionmaker() as s:
            start = await _window_start(s, day)
            send_at = cal.next_window(max(now, cal.morning_of(day)))
            t0 = time.perf_counter()
            naive = await naive_digests(s, cal, day, start, send_at)
            naive_s = time.perf_counter() - t0
        async with app.sessionmaker() as s:
            t0 = time.perf_counter()
            planned = await plan_digests(s, cal, day, start, send_at)
            plan_s = time.perf_counter() - t0
        same = same_digests(planned, naive)
        lines = sum(len(m.text.splitlines()) for m in planned)
        speedup = naive_s / plan_s if plan_s else float("inf")
        print(f"   digest planning: plan_digests {plan_s:.2f} s vs naive one-query-per-task {naive_s:.2f} s "
              f"= {speedup:.1f}x faster; {len(planned)} digests, {lines} lines; same digests: {same}")
        async with app.sessionmaker() as s:
            whole = await plan_sweep(s, settings, now)

        def parts(m: Any) -> tuple[int, int]:
            """How many messages the channels send for it: (Telegram, Zalo with its numbered menu)."""
            reply = Reply(m.text, buttons=[[Button(label, data) for label, data in row] for row in m.buttons])
            return len(telegram_render.split_text(m.text)), len(zalo.render([reply]))

        split = [parts(m) for m in whole]
        multi_tg, multi_zalo = sum(1 for tg, _z in split if tg > 1), sum(1 for _tg, z in split if z > 1)
        cut = sum(1 for m in whole if "… và còn" in m.text)
        longest = max((len(m.text) for m in whole), default=0)
        print(f"   one message each: {len(whole)} reminders planned, {cut} cut to their most urgent items, longest "
              f"{longest} characters; sent in several parts: {multi_tg} on Telegram, {multi_zalo} on Zalo")
        async with app.sessionmaker() as s:
            t0 = time.perf_counter()
            batched = await enqueue_many(s, whole, now)
            batch_s = time.perf_counter() - t0
            await s.rollback()
        # On SQLite `enqueue`'s savepoint commits its row even when the transaction is rolled back (the
        # driver's legacy transaction handling), so these rows get their own keys and are deleted after.
        async with app.sessionmaker() as s:
            t0 = time.perf_counter()
            single = sum([await enqueue(s, replace(m, key=f"bench-one:{m.key}"), now) for m in whole])
            single_s = time.perf_counter() - t0
            await s.rollback()
        async with app.sessionmaker() as s, s.begin():
            await s.execute(delete(Outbox).where(Outbox.key.like("bench-one:%")))
        print(f"   outbox writes alone (rolled back): one enqueue per row {single_s:.2f} s "
              f"({single_s / max(single, 1) * 1000:.1f} ms/row) vs enqueue_many {batch_s:.3f} s "
              f"({batch_s / max(batched, 1) * 1000:.2f} ms/row) = {single_s / batch_s if batch_s else 0:.0f}x; "
              f"rows {single} / {batched}")
        async with app.sessionmaker() as s, s.begin():
            t0 = time.perf_counter()
            added = await run_sweep(s, settings, now)
            sweep_s = time.perf_counter() - t0
        async with app.sessionmaker() as s, s.begin():
            again = await run_sweep(s, settings, now + timedelta(hours=1))
        async with app.sessionmaker() as s:
            queued = await s.scalar(select(func.count(Outbox.id)))
        print(f"   run_sweep (plan + escalation + outbox writes): {sweep_s:.2f} s, {added} rows queued "
              f"({queued} in the outbox); run again: {again} added")
        ok &= same and speedup >= 20 and multi_tg == 0 and multi_zalo == 0
        ok &= single == batched == added == queued == len(whole) and again == 0

        channel = TelegramChannel(app, settings)
        await channel.start()
        try:
            await fake.request("reset")
            stats, took = await drain_run(app, channel, settings, args.drain, now)
            big = rate_figures(await fake.request("sends"))
            print(f"   drain: {stats.sent} sent ({stats.failed} failed, {stats.skipped} skipped, "
                  f"{stats.deferred} deferred) in {took:.1f} s; at the fake server: {big['rate']:.2f} msg/s over "
                  f"{big['span']:.1f} s = {big['rate'] / RATE:.1%} of {RATE:.0f}/s; busiest 1-s window "
                  f"{big['busiest_1s']} messages")
            cpu = stats.cpu_per_message
            print(f"   drain CPU: {cpu * 1000:.1f} ms per message in this process (claim, send, mark sent) = at most "
                  f"{1 / cpu if cpu else 0:.0f} messages/s on a core of its own; {big['repeat_chats']} chats got "
                  f"several messages, {big['violations']} per-chat violations (each reminder is one message)")
            await queue_repeats(app, now, chats=5, each=4)
            await fake.request("reset")
            stats2, took2 = await drain_run(app, channel, settings, 20, now)
            small = rate_figures(await fake.request("sends"))
            gap = f"{small['min_gap']:.3f} s" if small["min_gap"] is not None else "-"
            print(f"   per-chat drain: {stats2.sent} messages to {small['repeat_chats']} chats in {took2:.1f} s; "
                  f"smallest gap between two messages to one chat {gap}; violations of {PER_CHAT:.0f} s: "
                  f"{small['violations']}")
            ok &= big["rate"] >= 0.95 * RATE and big["violations"] == 0 and small["violations"] == 0
            ok &= small["repeat_chats"] > 0 and stats.sent >= min(args.drain, added)
        finally:
            await channel.stop()
        verdict(ok, f"digest planning {speedup:.1f}x faster than naive (>= 20x), multi-part reminders "
                    f"{multi_tg + multi_zalo} (0), drain {big['rate']:.2f} msg/s "
                    f"= {big['rate'] / RATE:.1%} of {RATE:.0f}/s (>= 95 %), per-chat violations "
                    f"{big['violations'] + small['violations']} (0)")
    finally:
        await app.close()
        await fake.stop()
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 2,000 tasks, 200 units, 125 messages drained")
    p.add_argument("--tasks", type=int, default=20_000)
    p.add_argument("--units", type=int, default=2_000)
    p.add_argument("--drain", type=int, default=500, help="messages drained at 25/s (500: about 20 s)")
    p.add_argument("--pg-url", default=None,
                   help="run on this PostgreSQL database instead of SQLite (its public schema is dropped)")
    args = p.parse_args(argv)
    if args.quick:
        args.tasks, args.units, args.drain = min(args.tasks, 2_000), min(args.units, 200), min(args.drain, 125)
    return 0 if asyncio.run(main_async(args)) else 1


if __name__ == "__main__":
    raise SystemExit(main())

