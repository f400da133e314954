"""Demo data: a commune with three thôn, their Tổ CNSCĐ, members, heads and an admin.

Also the tasks of a real plan table (deadlines moved around today) and some assistance sessions.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.deadlines import Deadline, parse_deadline
from storage.models import Role, UnitKind
from storage.repos import people, sessions, tasks

COMMUNE = ("XA-TANAN", "Xã Tân An", UnitKind.COMMUNE, None)
UNITS = [
    COMMUNE,
    ("THON-DONG", "Thôn Đông", UnitKind.VILLAGE, "XA-TANAN"),
    ("THON-TAY", "Thôn Tây", UnitKind.VILLAGE, "XA-TANAN"),
    ("THON-BAC", "Thôn Bắc", UnitKind.VILLAGE, "XA-TANAN"),
    ("TO-DONG", "Tổ CNSCĐ thôn Đông", UnitKind.TEAM, "THON-DONG"),
    ("TO-TAY", "Tổ CNSCĐ thôn Tây", UnitKind.TEAM, "THON-TAY"),
    ("TO-BAC", "Tổ CNSCĐ thôn Bắc", UnitKind.TEAM, "THON-BAC"),
    ("CA-XA", "Công an xã", UnitKind.OFFICE, "XA-TANAN"),
    ("P-VHXH", "Phòng Văn hóa - Xã hội", UnitKind.OFFICE, "XA-TANAN"),
    ("P-KT", "Phòng Kinh tế", UnitKind.OFFICE, "XA-TANAN"),
    ("VP-UBND", "Văn phòng HĐND&UBND xã", UnitKind.OFFICE, "XA-TANAN"),
    ("MTTQ", "Mặt trận Tổ quốc Việt Nam xã", UnitKind.OFFICE, "XA-TANAN"),
    ("TT-PVHCC", "Trung tâm Phục vụ hành chính công xã", UnitKind.OFFICE, "XA-TANAN"),
]

# (name, role, unit code, console identity or None)
PEOPLE = [
    ("Nguyễn Văn Quản", Role.ADMIN, "XA-TANAN", "console-admin"),
    ("Trần Thị Hạnh", Role.HEAD, "P-VHXH", "console-head"),
    ("Đỗ Văn Cường", Role.HEAD, "CA-XA", None),
    ("Hoàng Văn Kiên", Role.HEAD, "P-KT", None),
    ("Lý Thị Ngọc", Role.HEAD, "VP-UBND", None),
    ("Phạm Thị Lan", Role.LEADER, "TO-DONG", "console-leader"),
    ("Lê Văn Minh", Role.MEMBER, "TO-DONG", "console-member"),
    ("Vũ Thị Thu", Role.MEMBER, "TO-DONG", None),
    ("Bùi Văn Sơn", Role.LEADER, "TO-TAY", None),
    ("Ngô Thị Mai", Role.MEMBER, "TO-TAY", None),
    ("Đặng Văn Hùng", Role.MEMBER, "TO-BAC", None),
    ("Bà Nguyễn Thị Tư", Role.CITIZEN, None, "console-citizen"),
]

PLAN_CSV = Path(__file__).resolve().parent / "demo_data" / "plan_tasks.csv"
PLAN_NAME = "Kế hoạch số 10-KH/ĐU ngày 19/9/2025 (Phụ lục III)"
# Dated tasks get deadlines relative to today, so the demo always has overdue and upcoming work.
DEMO_OFFSETS = [-12, -4, 0, 2, 6, 20, 45]
GENERIC_UNITS = ("các cơ quan", "đơn vị liên quan", "đơn vị có liên quan")


async def load_demo(session: AsyncSession, today: date) -> None:
    """Insert the demo commune; the caller commits."""
    codes: dict[str, int] = {}
    for code, name, kind, parent in UNITS:
        codes[code] = (await people.add_unit(session, code, name, kind, parent)).id
    for name, role, unit_code, console_id in PEOPLE:
        person = await people.add_person(session, name, role, codes[unit_code] if unit_code else None)
        if console_id:
            await people.attach_identity(session, person.id, "console", console_id, console_id, name)
    await load_demo_tasks(session, today, codes)
    await sessions.add_demo_sessions(session, today)


def _unit_ids(cell: str, by_name: dict[str, int]) -> list[int]:
    names = [n.strip() for n in cell.replace(";", "\n").splitlines() if n.strip()]
    return [by_name[n.lower()] for n in names
            if n.lower() in by_name and not any(g in n.lower() for g in GENERIC_UNITS)]


async def load_demo_tasks(session: AsyncSession, today: date, codes: dict[str, int]) -> None:
    """The real plan table, with its dated deadlines moved around today."""
    by_name = {name.lower(): codes[code] for code, name, _, _ in UNITS}
    fallback = codes["P-VHXH"]
    offsets = iter(DEMO_OFFSETS * 3)
    with PLAN_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        deadline = parse_deadline(row["thoi_gian"], today)
        phrase = row["thoi_gian"]
        if deadline.kind == "date":
            due = today + timedelta(days=next(offsets))
            deadline = Deadline("date", due, None, None)
            phrase = f"{due:%d/%m/%Y} (dữ liệu mẫu, hạn gốc: {row['thoi_gian']})"
        await tasks.upsert_task(session, tasks.NewTask(
            plan=row["nguon"] or PLAN_NAME, stt=row["stt"], group=row["nhom"], text=row["noi_dung"],
            deadline_kind=deadline.kind, due_date=deadline.due, every=deadline.every, until=deadline.until,
            deadline_phrase=phrase, lead_unit_ids=_unit_ids(row["chu_tri"], by_name) or [fallback],
            coord_unit_ids=_unit_ids(row["phoi_hop"], by_name),
        ))
