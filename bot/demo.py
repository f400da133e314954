"""Demo data: a commune with three thôn, their Tổ CNSCĐ, members, heads and an admin.

Later modules add tasks and assistance sessions through `DEMO_EXTENSIONS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role, UnitKind
from storage.repos import people

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
    ("VP-UBND", "Văn phòng HĐND và UBND xã", UnitKind.OFFICE, "XA-TANAN"),
    ("TT-PVHCC", "Trung tâm Phục vụ hành chính công xã", UnitKind.OFFICE, "XA-TANAN"),
]

# (name, role, unit code, console identity or None)
PEOPLE = [
    ("Nguyễn Văn Quản", Role.ADMIN, "XA-TANAN", "console-admin"),
    ("Trần Thị Hạnh", Role.HEAD, "P-VHXH", "console-head"),
    ("Đỗ Văn Cường", Role.HEAD, "CA-XA", None),
    ("Hoàng Văn Kiên", Role.HEAD, "P-KT", None),
    ("Phạm Thị Lan", Role.LEADER, "TO-DONG", "console-leader"),
    ("Lê Văn Minh", Role.MEMBER, "TO-DONG", "console-member"),
    ("Vũ Thị Thu", Role.MEMBER, "TO-DONG", None),
    ("Bùi Văn Sơn", Role.LEADER, "TO-TAY", None),
    ("Ngô Thị Mai", Role.MEMBER, "TO-TAY", None),
    ("Đặng Văn Hùng", Role.MEMBER, "TO-BAC", None),
    ("Bà Nguyễn Thị Tư", Role.CITIZEN, None, "console-citizen"),
]

DemoExtension = Callable[[AsyncSession, date], Awaitable[None]]
DEMO_EXTENSIONS: list[DemoExtension] = []


async def load_demo(session: AsyncSession, today: date) -> None:
    """Insert the demo commune; the caller commits."""
    codes: dict[str, int] = {}
    for code, name, kind, parent in UNITS:
        codes[code] = (await people.add_unit(session, code, name, kind, parent)).id
    for name, role, unit_code, console_id in PEOPLE:
        person = await people.add_person(session, name, role, codes[unit_code] if unit_code else None)
        if console_id:
            await people.attach_identity(session, person.id, "console", console_id, console_id, name)
    for extension in DEMO_EXTENSIONS:
        await extension(session, today)
