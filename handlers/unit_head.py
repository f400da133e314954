"""Unit heads (and admins): their units' tasks, overdue tasks, pausing reminders, snoozing a digest."""

from __future__ import annotations

from datetime import date, timedelta

from handlers import texts_tasks as T
from handlers.context import Context
from handlers.messages import Reply
from handlers.router import Router, parse_id
from scheduler.reminders import Calendar, digest_text, enqueue, next_reminder_date, snooze_message
from storage.models import Role
from storage.repos import people, tasks
from storage.repos.people import UnitDTO
from storage.repos.tasks import TaskDTO

router = Router()
MAX_LISTED = 30


async def scope_units(ctx: Context) -> set[int] | None:
    """The units whose tasks the caller answers for: an admin's whole tree, a head's unit and below."""
    if ctx.person.unit_id is None:
        return None
    return await people.subtree_ids(ctx.db, ctx.person.unit_id)


async def commune_unit_list(ctx: Context) -> list[UnitDTO] | None:
    """Every unit of the caller's commune: the tree under the topmost unit above theirs (None: no unit).

    Names typed or ids carried by buttons (a Tổ code, a thôn) are checked against it, so one commune's
    people cannot reach into another commune sharing the same database. Read once per message.
    """
    if ctx.person.unit_id is None:
        return None
    key = f"commune_units:{ctx.person.unit_id}"
    if key not in ctx.memo:
        ctx.memo[key] = await people.commune_of(ctx.db, ctx.person.unit_id)
    return ctx.memo[key]  # type: ignore[no-any-return]


async def commune_units(ctx: Context) -> set[int] | None:
    """The ids of `commune_unit_list`."""
    units = await commune_unit_list(ctx)
    return None if units is None else {u.id for u in units}


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def deadline_text(t: TaskDTO, today: date) -> str:
    if t.deadline_kind == "date" and t.due_date:
        days = (t.due_date - today).days
        when = T.WHEN_TODAY if days == 0 else (T.WHEN_LEFT.format(n=days) if days > 0
                                               else T.WHEN_LATE.format(n=-days))
        return T.DEADLINE_DATE.format(date=_fmt(t.due_date), when=when)
    if t.deadline_kind == "recurring":
        every = T.EVERY.get(t.every or "month", "tháng")
        return (T.DEADLINE_RECURRING_UNTIL.format(every=every, date=_fmt(t.until)) if t.until
                else T.DEADLINE_RECURRING.format(every=every))
    return T.DEADLINE_EVENT.format(phrase=t.deadline_phrase[:80])


def sort_key(t: TaskDTO, today: date) -> tuple[int, date]:
    overdue = t.deadline_kind == "date" and t.due_date is not None and t.due_date < today
    return (0 if overdue else 1, t.due_date or date.max)


async def render_tasks(ctx: Context, items: list[TaskDTO], units: set[int], header: str) -> Reply:
    today = ctx.local_now().date()
    cal = Calendar(ctx.settings)
    paused = await tasks.paused_until(ctx.db, [t.id for t in items])
    lines = [header]
    for t in sorted(items, key=lambda x: sort_key(x, today))[:MAX_LISTED]:
        until = paused.get(t.id)
        leads = bool(set(t.lead_unit_ids) & units)
        if not leads:
            nxt = T.NEXT_LEAD_ONLY
        elif until and until >= today:
            nxt = T.NEXT_PAUSED.format(date=_fmt(until))
        else:
            day = next_reminder_date(t, ctx.settings, today, cal, until)
            nxt = _fmt(day) if day else T.NEXT_NONE
        role = T.ROLE_LEAD if leads else T.ROLE_COORD
        lines.append(T.ITEM.format(id=t.id, title=t.title, deadline=deadline_text(t, today),
                                   progress=t.progress, role=role,
                                   status=T.STATUS_BLOCKED if t.status.value == "blocked" else "", next=nxt))
    if len(items) > MAX_LISTED:
        lines.append(T.MORE.format(n=len(items) - MAX_LISTED))
    return Reply("\n".join(lines))


@router.command("nhiemvu", Role.HEAD, T.CMD["nhiemvu"])
async def list_tasks(ctx: Context) -> list[Reply]:
    """Lists the open tasks of the caller's units, overdue first, then by due date."""
    units = await scope_units(ctx)
    if units is None:
        return [Reply(T.NO_UNIT)]
    items = await tasks.tasks_for_units(ctx.db, units)
    if not items:
        return [Reply(T.NO_TASKS)]
    unit = await people.get_unit(ctx.db, ctx.person.unit_id or 0)
    return [await render_tasks(ctx, items, units, T.LIST_HEADER.format(unit=unit.name if unit else "",
                                                                        count=len(items)))]


@router.command("quahan", Role.HEAD, T.CMD["quahan"])
async def list_overdue(ctx: Context) -> list[Reply]:
    """Lists only the overdue tasks."""
    units = await scope_units(ctx)
    if units is None:
        return [Reply(T.NO_UNIT)]
    today = ctx.local_now().date()
    items = [t for t in await tasks.tasks_for_units(ctx.db, units)
             if t.deadline_kind == "date" and t.due_date and t.due_date < today]
    if not items:
        return [Reply(T.NO_OVERDUE)]
    return [await render_tasks(ctx, items, units, T.LATE_HEADER.format(count=len(items)))]


@router.action("nv", Role.HEAD)
async def view_button(ctx: Context, args: list[str]) -> list[Reply]:
    return await (list_overdue(ctx) if args[:1] == ["late"] else list_tasks(ctx))


async def task_in_scope(ctx: Context, task_id: int, units: set[int]) -> TaskDTO | None:
    task = await tasks.get_task(ctx.db, task_id)
    if task is None or not (set(task.lead_unit_ids) | set(task.coord_unit_ids)) & units:
        return None
    return task


@router.command("tatnhac", Role.HEAD, T.CMD["tatnhac"])
async def pause(ctx: Context) -> list[Reply]:
    """Pauses one task's reminders for N days, with a reason kept in the record."""
    parts = ctx.msg.args.split(maxsplit=2)
    task_id = parse_id(parts[0].lstrip("#")) if len(parts) >= 2 else None
    if task_id is None:
        return [Reply(T.PAUSE_USAGE)]
    days = parse_id(parts[1]) or 0
    if not 1 <= days <= 90:
        return [Reply(T.PAUSE_BAD_DAYS)]
    if len(parts) < 3 or not parts[2].strip():
        return [Reply(T.PAUSE_NO_REASON)]
    units = await scope_units(ctx) or set()
    task = await task_in_scope(ctx, task_id, units)
    if task is None:
        return [Reply(T.TASK_NOT_FOUND.format(id=task_id))]
    until = ctx.local_now().date() + timedelta(days=days)
    await tasks.pause_reminders(ctx.db, task_id, ctx.person.id, until, parts[2].strip())
    return [Reply(T.PAUSE_OK.format(id=task_id, date=_fmt(until), reason=parts[2].strip()[:200]))]


@router.action("rm", Role.HEAD)
async def snooze(ctx: Context, args: list[str]) -> list[Reply]:
    """«Nhắc lại ngày mai»: the open dated tasks that are late or near, again tomorrow morning."""
    units = await scope_units(ctx) or set()
    today = ctx.local_now().date()
    horizon = today + timedelta(days=max(ctx.settings.reminder_days))
    items = [t for t in await tasks.tasks_for_units(ctx.db, units, lead_only=True)
             if t.deadline_kind == "date" and t.due_date and t.due_date <= horizon]
    if not items:
        return [Reply(T.SNOOZE_NOTHING)]
    cal = Calendar(ctx.settings)
    last = {t.id: cal.local_date(t.last_update_at) if t.last_update_at else None for t in items}
    unit = await people.get_unit(ctx.db, ctx.person.unit_id or 0)
    text = digest_text(ctx.person.name, unit.name if unit else "", today + timedelta(days=1), items, last)
    await enqueue(ctx.db, snooze_message(ctx.person.id, text, ctx.now(), ctx.settings), ctx.now())
    return [Reply(T.SNOOZED)]
