"""`/baocao [MM/YYYY]`: the monthly report of a unit as a short summary, a chart and a workbook.

A head gets the report of their unit and every unit below it. An admin picks the unit with a button
(`bc:<unit id>:<yyyymm>`); the unit id that comes back is checked against the caller's scope again,
so a forged button cannot pull another unit's report.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

from handlers import texts_reports as T
from handlers.common import MENU_BUTTONS
from handlers.context import Context
from handlers.messages import Button, OutFile, Reply
from handlers.report_data import (
    Period,
    build_report,
    file_stem,
    month_period,
    parse_key,
    parse_month,
    period_containing,
    summary_text,
    unit_scope,
    write_report_files,
)
from handlers.router import Router
from handlers.unit_head import scope_units
from storage.models import Role, UnitKind
from storage.repos import people
from storage.repos.people import UnitDTO

router = Router()
REPORTS_DIR = "reports"
KIND_ORDER = {UnitKind.COMMUNE: 0, UnitKind.OFFICE: 1, UnitKind.VILLAGE: 2, UnitKind.TEAM: 3}

if (T.MENU, "bc:menu") not in MENU_BUTTONS.setdefault(Role.HEAD, []):
    MENU_BUTTONS[Role.HEAD].append((T.MENU, "bc:menu"))


def _topic_titles(ctx: Context) -> dict[str, str]:
    titles = getattr(getattr(ctx.services.faq, "kb", None), "titles", None)
    return dict(titles) if isinstance(titles, Mapping) else {}


def _period(ctx: Context, year: int, month: int) -> Period:
    return month_period(year, month, ctx.settings.report_window_start_day)


def _future(ctx: Context, period: Period) -> bool:
    return period.start > ctx.local_now().date()


async def make_report(ctx: Context, unit: UnitDTO, period: Period) -> list[Reply]:
    """Summary, chart (image) and workbook (document): three replies, one file each."""
    scope = await unit_scope(ctx.db, unit)
    data = await build_report(
        ctx.db, scope, period, tz=ctx.settings.tz, now_utc=ctx.now(),
        start_day=ctx.settings.report_window_start_day,
        topic_titles=_topic_titles(ctx) if scope.commune_wide else None,
    )
    folder = ctx.settings.files_dir / REPORTS_DIR
    stem = file_stem(data)
    xlsx, png = folder / f"{stem}.xlsx", folder / f"{stem}.png"
    await asyncio.to_thread(write_report_files, data, xlsx, png)
    names = {"month": period.label, "unit": unit.name}
    return [
        Reply(summary_text(data)),
        Reply(file=OutFile(png, png.name, T.CAPTION_CHART.format(**names), "image")),
        Reply(file=OutFile(xlsx, xlsx.name, T.CAPTION_BOOK.format(**names), "document")),
    ]


async def _units_to_pick(ctx: Context, scope: set[int]) -> list[UnitDTO]:
    units = [u for u in await people.list_units(ctx.db) if u.id in scope]
    return sorted(units, key=lambda u: (u.id != ctx.person.unit_id, KIND_ORDER.get(u.kind, 9), u.name))


async def _start(ctx: Context, arg: str) -> list[Reply]:
    if arg:
        parsed = parse_month(arg)
        if parsed is None:
            return [Reply(T.BAD_MONTH.format(text=arg[:20]))]
        period = _period(ctx, *parsed)
    else:
        period = period_containing(ctx.local_now().date(), ctx.settings.report_window_start_day)
    if _future(ctx, period):
        return [Reply(T.FUTURE_MONTH.format(month=period.label))]
    scope = await scope_units(ctx)
    unit = await people.get_unit(ctx.db, ctx.person.unit_id) if ctx.person.unit_id is not None else None
    if scope is None or unit is None:
        return [Reply(T.NO_UNIT)]
    if ctx.person.role != Role.ADMIN:
        return await make_report(ctx, unit, period)
    buttons = []
    for u in await _units_to_pick(ctx, scope):
        label = T.UNIT_WHOLE if u.kind == UnitKind.COMMUNE else T.UNIT_BUTTON
        buttons.append([Button(label.format(name=u.name), f"bc:{u.id}:{period.key}")])
    return [Reply(T.PICK_UNIT.format(month=period.label), buttons=buttons)]


@router.command("baocao", Role.HEAD, T.CMD)
async def report_command(ctx: Context) -> list[Reply]:
    """Heads: their unit's report now; admins: choose the unit first."""
    return await _start(ctx, ctx.msg.args.strip())


@router.action("bc", Role.HEAD)
async def report_button(ctx: Context, args: list[str]) -> list[Reply]:
    """`bc:menu` (the /start menu) or `bc:<unit id>:<yyyymm>`, both checked here."""
    if args == ["menu"]:
        return await _start(ctx, "")
    if len(args) != 2 or not re.fullmatch(r"[0-9]{1,12}", args[0]):
        return [Reply(T.STALE)]
    parsed = parse_key(args[1])
    if parsed is None:
        return [Reply(T.STALE)]
    scope = await scope_units(ctx)
    if scope is None:
        return [Reply(T.NO_UNIT)]
    unit_id = int(args[0])
    if unit_id not in scope:
        return [Reply(T.NOT_IN_SCOPE)]
    unit = await people.get_unit(ctx.db, unit_id)
    if unit is None:
        return [Reply(T.STALE)]
    period = _period(ctx, *parsed)
    if _future(ctx, period):
        return [Reply(T.FUTURE_MONTH.format(month=period.label))]
    return await make_report(ctx, unit, period)
