"""How /ghi and /baocao times grow with the assistance-session table.

    python -m benchmarks.db_growth_bench [--quick] [--sizes 10000,100000,1000000]
                                         [--pg-url postgresql+asyncpg://...]

For each size a fresh database gets a province-sized structure (200 communes, each with 5 thôn, a
Tổ CNSCĐ and an office; 10 team members and one head per commune; 2,000 tasks; 5,000 citizen
questions) and that many assistance sessions spread over the members and the last 24 months,
bulk-inserted with Core executemany. Then, through the conversation core as a chat would:

* /ghi: a one-line `/ghi 3 kích hoạt VNeID thôn ... 45p` then the Lưu button (one row inserted);
  the time of the pair, and of the bare repository insert (`sessions.add_session`, own transaction);
* /baocao: a commune head's monthly report (current month): `build_report` (every query of the
  report) and the whole command (queries + workbook + chart files).

SQLite by default; PostgreSQL too with --pg-url (its public schema is dropped and recreated).
Verdict: the report must not grow with the table — at the largest size its query time must stay
within 3x of the smallest while the table grows 100x (one commune's month is the same size).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from benchmarks.common import (
    bench_settings,
    engine_label,
    fresh_database,
    header,
    insert_many,
    quiet_logging,
    table,
    verdict,
    workdir,
)

COMMUNES = 200
VILLAGES_PER_COMMUNE = 5
MEMBERS_PER_COMMUNE = 10
MONTHS = 24
MEMBER_BASE = 400_000_000
HEAD_BASE = 500_000_000
CATEGORIES = ["vneid", "docs", "dvc", "payment", "skills", "safety", "other"]


async def seed(app: Any, sessions: int, today: date, seed_value: int = 5) -> dict[str, Any]:
    from storage.models import (
        ChannelIdentity,
        Person,
        QuestionLog,
        Role,
        Task,
        TaskUnit,
        Unit,
        UnitKind,
    )
    from storage.models_sessions import AssistSession

    rng = random.Random(seed_value)
    created = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=31 * MONTHS)
    async with app.engine.begin() as conn:
        await insert_many(conn, Unit.__table__, [
            {"code": f"XA-{c}", "name": f"Xã {c}", "kind": UnitKind.COMMUNE.value, "parent_id": None,
             "created_at": created} for c in range(COMMUNES)])
        communes = [r.id for r in await conn.execute(select(Unit.id).order_by(Unit.id))]
        rows = []
        for c, cid in enumerate(communes):
            rows += [{"code": f"THON-{c}-{v}", "name": f"Thôn {v + 1} xã {c}", "kind": UnitKind.VILLAGE.value,
                      "parent_id": cid, "created_at": created} for v in range(VILLAGES_PER_COMMUNE)]
            rows.append({"code": f"VP-{c}", "name": f"Văn phòng xã {c}", "kind": UnitKind.OFFICE.value,
                         "parent_id": cid, "created_at": created})
        await insert_many(conn, Unit.__table__, rows)
        by_code = {r.code: r.id for r in await conn.execute(select(Unit.id, Unit.code))}
        await insert_many(conn, Unit.__table__, [
            {"code": f"TO-{c}", "name": f"Tổ CNSCĐ xã {c}", "kind": UnitKind.TEAM.value,
             "parent_id": by_code[f"THON-{c}-0"], "created_at": created} for c in range(COMMUNES)])
        by_code = {r.code: r.id for r in await conn.execute(select(Unit.id, Unit.code))}
        people = []
        for c in range(COMMUNES):
            people.append({"name": f"Chủ tịch xã {c}", "role": Role.HEAD.value, "unit_id": by_code[f"XA-{c}"],
                           "created_at": created})
            people += [{"name": f"Thành viên {m} xã {c}", "role": Role.MEMBER.value, "unit_id": by_code[f"TO-{c}"],
                        "created_at": created} for m in range(MEMBERS_PER_COMMUNE)]
        await insert_many(conn, Person.__table__, people)
        persons = [(r.id, r.role, r.unit_id) for r in
                   await conn.execute(select(Person.id, Person.role, Person.unit_id).order_by(Person.id))]
        heads = [p for p in persons if p[1] == Role.HEAD.value]
        members = [p for p in persons if p[1] == Role.MEMBER.value]
        await insert_many(conn, ChannelIdentity.__table__, [
            {"channel": "telegram", "external_id": str(base + i), "chat_id": str(base + i), "display_name": "",
             "person_id": pid, "reachable": True, "created_at": created}
            for group, base in ((heads, HEAD_BASE), (members, MEMBER_BASE)) for i, (pid, _r, _u) in enumerate(group)])
        team_commune = {by_code[f"TO-{c}"]: c for c in range(COMMUNES)}
        batch: list[dict[str, Any]] = []
        for _ in range(sessions):
            pid, _role, team = members[rng.randrange(len(members))]
            c = team_commune[team]
            day = today - timedelta(days=rng.randrange(MONTHS * 30))
            batch.append({"person_id": pid, "date": day, "unit_id": by_code[f"THON-{c}-{rng.randrange(VILLAGES_PER_COMMUNE)}"],
                          "category": CATEGORIES[rng.randrange(len(CATEGORIES))], "citizens": rng.randint(1, 6),
                          "elderly": rng.randint(0, 1), "disabled": 0, "poor": rng.randint(0, 1), "result": "done",
                          "duration_minutes": rng.choice([15, 30, 45, 60]), "note": "",
                          "created_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=3)})
            if len(batch) == 20_000:
                await insert_many(conn, AssistSession.__table__, batch, chunk=20_000)
                batch = []
        if batch:
            await insert_many(conn, AssistSession.__table__, batch)
        await insert_many(conn, Task.__table__, [
            {"import_key": f"g-{t}", "plan": "KH", "stt": str(t), "group": "", "title": f"Nhiệm vụ {t}", "text": "",
             "deadline_kind": "date", "due_date": today + timedelta(days=rng.randint(-60, 90)), "every": None,
             "until": None, "deadline_phrase": "", "status": "in_progress", "progress": 40, "closed_at": None,
             "created_at": created, "updated_at": created} for t in range(2000)])
        task_ids = [r.id for r in await conn.execute(select(Task.id).order_by(Task.id))]
        await insert_many(conn, TaskUnit.__table__, [
            {"task_id": tid, "unit_id": by_code[f"VP-{k % COMMUNES}"], "role": "lead"} for k, tid in enumerate(task_ids)])
        now = datetime.now(UTC).replace(tzinfo=None)
        await insert_many(conn, QuestionLog.__table__, [
            {"identity_id": None, "channel": "telegram", "asked_at": now - timedelta(minutes=rng.randrange(60 * 24 * 30 * MONTHS)),
             "text": "quên mật khẩu vneid", "normalized": "quen mat khau vneid", "topic": None if k % 5 == 0 else "vneid.forgot_password",
             "score": 80.0, "decision": "fallback" if k % 5 == 0 else "answer", "candidates": [], "feedback": None,
             "handed_off": False} for k in range(5000)])
    commune = 7
    return {"head": HEAD_BASE + commune, "member": MEMBER_BASE + commune * MEMBERS_PER_COMMUNE,
            "village": f"thôn 1 xã {commune}", "commune_unit": by_code[f"XA-{commune}"]}


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")


async def measure(app: Any, who: dict[str, Any], reps: int) -> dict[str, float]:
    from handlers.messages import Incoming
    from handlers.report_data import build_report, period_containing, unit_scope
    from storage.repos import people, sessions

    conv = app.conversation
    member = str(who["member"])
    ghi, repo_insert, reports, commands = [], [], [], []
    for k in range(reps):
        t0 = time.perf_counter()
        first = await conv.handle(Incoming("telegram", member, member, f"/ghi {k % 5 + 1} kích hoạt VNeID {who['village']} 45p",
                                           "Thành viên"))
        saved = await conv.handle(Incoming("telegram", member, member, "", "Thành viên", callback_data="gs:save"))
        ghi.append(time.perf_counter() - t0)
        assert any(b.data == "gs:save" for r in first for b in r.all_buttons()), first[0].text[:200]
        assert saved and "gs:" not in saved[0].text, saved[0].text[:200]
    async with app.sessionmaker() as s:
        ident = await people.find_identity(s, "telegram", member)
        assert ident is not None
    for _ in range(reps):
        t0 = time.perf_counter()
        async with app.sessionmaker() as s, s.begin():
            await sessions.add_session(s, ident.person_id, day=date.today(), unit_id=None, category="vneid", citizens=2)
        repo_insert.append(time.perf_counter() - t0)
    settings = app.settings
    period = period_containing(date.today(), settings.report_window_start_day)
    for _ in range(max(3, reps // 4)):
        async with app.sessionmaker() as s:
            unit = await people.get_unit(s, who["commune_unit"])
            assert unit is not None
            t0 = time.perf_counter()
            scope = await unit_scope(s, unit)
            data = await build_report(s, scope, period, tz=settings.tz, now_utc=datetime.now(UTC).replace(tzinfo=None),
                                      start_day=settings.report_window_start_day)
            reports.append(time.perf_counter() - t0)
    head = str(who["head"])
    for _ in range(2):
        t0 = time.perf_counter()
        replies = await conv.handle(Incoming("telegram", head, head, "/baocao", "Chủ tịch"))
        commands.append(time.perf_counter() - t0)
        assert any(r.file is not None for r in replies), replies[0].text[:200]
    return {"ghi": median_ms(ghi), "insert": median_ms(repo_insert), "report": median_ms(reports),
            "baocao": median_ms(commands), "month_sessions": data.sessions.sessions}


async def run_engine(pg_url: str | None, sizes: list[int], reps: int) -> list[dict[str, Any]]:
    from bot.app import build_app

    out = []
    for size in sizes:
        folder = workdir("growth")
        url = await fresh_database(pg_url, folder)
        app = await build_app(bench_settings(url, folder), faq=None)
        try:
            t0 = time.perf_counter()
            who = await seed(app, size, date.today())
            seeded = time.perf_counter() - t0
            figures = await measure(app, who, reps)
        finally:
            await app.close()
        figures.update(size=size, seed=seeded, engine=engine_label(url))
        print(f"   {figures['engine']} {size:>9,} sessions (seeded in {seeded:.0f} s): /ghi {figures['ghi']:.1f} ms, "
              f"insert {figures['insert']:.1f} ms, report queries {figures['report']:.1f} ms, "
              f"/baocao {figures['baocao']:.0f} ms", flush=True)
        out.append(figures)
    return out


async def main_async(args: argparse.Namespace) -> bool:
    header("db_growth_bench: /ghi and /baocao against the size of assist_sessions", args.quick)
    quiet_logging()
    sizes = [int(x) for x in args.sizes.split(",")]
    results = await run_engine(None, sizes, args.reps)
    if args.pg_url:
        results += await run_engine(args.pg_url, sizes, args.reps)
    table([[r["engine"], f"{r['size']:,}", f"{r['month_sessions']}", f"{r['ghi']:.1f} ms", f"{r['insert']:.1f} ms",
            f"{r['report']:.1f} ms", f"{r['baocao']:.0f} ms", f"{r['seed']:.0f} s"] for r in results],
          ["engine", "sessions", "in report", "/ghi + Lưu", "insert", "report queries", "/baocao (with files)",
           "seed"])
    ok = True
    notes = []
    for engine in sorted({r["engine"] for r in results}):
        mine = [r for r in results if r["engine"] == engine]
        small, large = mine[0], mine[-1]
        growth = large["report"] / small["report"] if small["report"] else float("inf")
        ghi_growth = large["ghi"] / small["ghi"] if small["ghi"] else float("inf")
        data_growth = large["size"] / small["size"]
        notes.append(f"{engine}: report queries x{growth:.1f}, /ghi x{ghi_growth:.1f} while sessions grow x{data_growth:.0f}")
        ok &= growth <= 3.0 and ghi_growth <= 3.0
    verdict(ok, "; ".join(notes) + " (target: each within x3)")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 1,000 and 10,000 sessions")
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--reps", type=int, default=20, help="timed /ghi and report repetitions per size")
    p.add_argument("--pg-url", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.reps = "1000,10000", 6
    return 0 if asyncio.run(main_async(args)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
