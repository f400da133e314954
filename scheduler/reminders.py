"""The daily sweep: compute each head's digest, the monthly report nudge and the weekly escalation,
and write them to the outbox. Nothing is scheduled per task: every sweep reads the tables afresh.

A sweep runs on working days only. It covers every reminder date since the last sweep (kept in
`scheduler_state`), so weekends, holidays and missed days are caught up on the next working morning;
the outbox key (kind, recipient, date) makes running a sweep twice harmless.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from scheduler import texts
from scheduler.workcal import is_working_day, next_send_time, parse_holidays
from storage.db import upsert_insert
from storage.models import Outbox, ProgressUpdate, ReminderPause, Role, SchedulerState, Task, TaskUnit, Unit
from storage.repos import people, tasks
from storage.repos.tasks import TaskDTO

LAST_SWEEP_KEY = "sweep.last_date"
MAX_CATCH_UP_DAYS = 14

# One reminder is one message on every channel, so the sender's one-per-second-per-chat limit holds
# (it counts one slot per outbox row, and a channel sends a long text as several messages back to
# back). Zalo takes 2,000 characters and appends the buttons as a numbered menu (85 for a digest's
# three); Telegram takes 4,096. Lengths are in UTF-16 units, as both platforms count.
MAX_MESSAGE = 1900
MAX_TITLE = 200  # a task name longer than this is shortened in a reminder line
MAX_NAME = 100  # a person's or a unit's name in a reminder header
MAX_UNITS = 200  # the lead units of a task in an escalation line
MONTHLY_MAX_ITEMS = 30
ESCALATION_MAX_ITEMS = 50
INSERT_CHUNK = 500  # outbox rows per INSERT in run_sweep


@dataclass(frozen=True)
class PlannedMessage:
    key: str
    kind: str
    person_id: int
    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    not_before: datetime | None = None  # naive UTC


@dataclass(frozen=True)
class Calendar:
    """The settings a sweep needs to place dates in working windows."""

    settings: Settings

    @property
    def holidays(self) -> list[date]:
        return parse_holidays(self.settings.extra_holidays) if self.settings.extra_holidays else []

    def is_working(self, day: date) -> bool:
        return is_working_day(day, self.holidays)

    def next_window(self, at_utc: datetime) -> datetime:
        s = self.settings
        aware = next_send_time(at_utc.replace(tzinfo=UTC), s.quiet_hours_start, s.quiet_hours_end, s.tz,
                               self.holidays)
        return aware.astimezone(UTC).replace(tzinfo=None)

    def local_date(self, at_utc: datetime) -> date:
        return at_utc.replace(tzinfo=UTC).astimezone(self.settings.tz).date()

    def morning_of(self, day: date) -> datetime:
        """The sweep time of a day, as naive UTC."""
        local = datetime.combine(day, self.settings.reminder_time, tzinfo=self.settings.tz)
        return local.astimezone(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- reminder dates of one task

def stage_dates(task: TaskDTO, settings: Settings, horizon: date) -> list[date]:
    """Every day on which this task is due a reminder, up to `horizon`."""
    if task.deadline_kind != "date" or task.due_date is None:
        return []
    due = task.due_date
    days = [due - timedelta(days=n) for n in settings.reminder_days]
    late = due + timedelta(days=1)
    while late <= horizon:
        days.append(late)
        late += timedelta(days=settings.overdue_repeat_days)
    return sorted(d for d in days if d <= horizon)


def due_in_window(task: TaskDTO, settings: Settings, start: date, today: date) -> bool:
    return any(start <= d <= today for d in stage_dates(task, settings, today))


def next_reminder_date(task: TaskDTO, settings: Settings, after: date, cal: Calendar,
                       paused_until: date | None) -> date | None:
    """When this task will next appear in a digest (the first working day on or after its stage date)."""
    if task.status.value == "done":
        return None
    floor = max(after, paused_until + timedelta(days=1)) if paused_until else after
    horizon = floor + timedelta(days=400)
    candidates = stage_dates(task, settings, horizon)
    if task.deadline_kind == "recurring":  # the monthly report nudge, while the task runs
        nudge = floor.replace(day=settings.monthly_reminder_day)
        if nudge < floor:
            nudge = (nudge.replace(day=1) + timedelta(days=32)).replace(day=settings.monthly_reminder_day)
        candidates = [nudge] if task.until is None or nudge <= task.until else []
    for day in candidates:
        if day >= floor:
            while not cal.is_working(day):
                day += timedelta(days=1)
            return day
    return None


# ---------------------------------------------------------------- building messages

def _fmt(d: date | datetime | None) -> str:
    return d.strftime("%d/%m/%Y") if d else texts.NEVER


def _when(days_left: int) -> str:
    if days_left == 0:
        return texts.WHEN_TODAY
    return texts.WHEN_LEFT.format(n=days_left) if days_left > 0 else texts.WHEN_LATE.format(n=-days_left)


def text_units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram and Zalo count (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units, ending with "…" when it was cut."""
    if text_units(text) <= limit:
        return text
    used, end = 0, 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > limit - 1:
            break
        used += width
        end += 1
    return text[:end].rstrip() + "…"


def fit_message(render: Callable[[int, int], str], count: int, limit: int = MAX_MESSAGE,
                max_items: int | None = None) -> str:
    """The one message showing as many of `count` items as fit in `limit` UTF-16 units.

    `render(k, rest)` builds the text with the first `k` items (the caller orders them most urgent
    first) and, when `rest` > 0, a line saying that `rest` more were left out. Every reminder is cut
    here and nowhere else. Short of the full list the length grows with `k` (an item line is longer
    than the digit the remainder count may lose), so the largest `k` that fits is found by bisection.
    """
    top = count if max_items is None else max(0, min(count, max_items))
    if top == count:
        text = render(count, 0)
        if text_units(text) <= limit:
            return text
        top = count - 1
    bare = render(0, count)
    if text_units(bare) > limit:  # only a header outgrowing the cap: cut bluntly, still one message
        return shorten(bare, limit)
    lo, hi = 0, top  # the largest k in [lo, hi] whose text fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_units(render(mid, count - mid)) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return render(lo, count - lo)


def fit_list(template: str, fields: dict[str, Any], lines: Sequence[str], more: str, limit: int = MAX_MESSAGE,
             max_items: int | None = None) -> str:
    """`template` filled with `fields` and {items}, the item lines one per line (most urgent first);
    the lines that do not fit (or are beyond `max_items`) are replaced by the line `more` (n = how many)."""
    def render(k: int, rest: int) -> str:
        shown = list(lines[:k])
        if rest:
            shown.append(more.format(n=rest))
        return template.format(items="\n".join(shown), **fields)

    return fit_message(render, len(lines), limit, max_items)


def digest_text(name: str, unit: str, today: date, items: list[TaskDTO], tz_last: dict[int, date | None],
                limit: int = MAX_MESSAGE) -> str:
    """A head's digest in one message: overdue tasks first (the longest late first), then the nearest
    deadlines; when they do not all fit, the most urgent are kept and a last line counts the rest."""
    dated = sorted((t for t in items if t.due_date), key=lambda x: (x.due_date, x.id))
    header = texts.DIGEST_HEADER.format(name=shorten(name, MAX_NAME), unit=shorten(unit, MAX_NAME),
                                        today=_fmt(today))
    entries: list[tuple[bool, str]] = []
    budget = limit  # past it no more lines can fit, so the rest are only counted (a commune has hundreds)
    for t in dated:
        assert t.due_date is not None
        line = texts.DIGEST_ITEM.format(
            id=t.id, title=shorten(t.title, MAX_TITLE), due=_fmt(t.due_date),
            when=_when((t.due_date - today).days), progress=t.progress, last=_fmt(tz_last.get(t.id)))
        entries.append((t.due_date < today, line))
        budget -= len(line) + 1  # len() never exceeds the UTF-16 length
        if budget < 0:
            break

    def render(k: int, rest: int) -> str:
        lines = [header]
        for heading, late in ((texts.DIGEST_OVERDUE, True), (texts.DIGEST_DUE, False)):
            group = [line for is_late, line in entries[:k] if is_late == late]
            if group:
                lines += ["", heading, *group]
        if rest:
            lines.append(texts.MORE_TASKS.format(n=rest))
        lines += ["", texts.DIGEST_FOOTER]
        return "\n".join(lines)

    return fit_message(render, len(dated), limit, max_items=len(entries))


DIGEST_BUTTONS = [[(texts.BUTTON_UPDATE, "td:list")], [(texts.BUTTON_VIEW, "nv:list")],
                  [(texts.BUTTON_SNOOZE, "rm:snooze")]]


async def _window_start(s: AsyncSession, today: date) -> date:
    row = await s.get(SchedulerState, LAST_SWEEP_KEY)
    if row is None:
        return today
    last = date.fromisoformat(row.value)
    return max(last + timedelta(days=1), today - timedelta(days=MAX_CATCH_UP_DAYS))


async def _heads(s: AsyncSession) -> list[people.PersonDTO]:
    return [p for p in await people.persons_with_role(s, Role.HEAD) if p.unit_id is not None]


def _local_last_update(t: TaskDTO, cal: Calendar) -> date | None:
    return cal.local_date(t.last_update_at) if t.last_update_at else None


@dataclass
class _OpenTasks:
    """Every open task by lead unit and the unit tree, read once per sweep (a handful of queries
    whatever the number of heads; reading them head by head took minutes at 2,000 heads, see
    benchmarks/reminder_bench.py)."""

    children: dict[int | None, list[int]]
    by_lead: dict[int, list[TaskDTO]]

    def led_below(self, unit_id: int) -> list[TaskDTO]:
        """Open tasks led by the unit or any unit below it, by id."""
        found, stack = {unit_id}, [unit_id]
        while stack:
            for child in self.children.get(stack.pop(), []):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        mine = {t.id: t for u in found for t in self.by_lead.get(u, ())}
        return [mine[k] for k in sorted(mine)]


async def _unit_children(s: AsyncSession) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for uid, parent in (await s.execute(select(Unit.id, Unit.parent_id))).all():
        children[parent].append(uid)
    return children


async def _open_tasks(s: AsyncSession) -> _OpenTasks:
    by_lead: dict[int, list[TaskDTO]] = defaultdict(list)
    for t in await tasks.all_tasks(s, open_only=True):
        for unit in t.lead_unit_ids:
            by_lead[unit].append(t)
    return _OpenTasks(await _unit_children(s), by_lead)


async def _paused_on(s: AsyncSession, today: date) -> set[int]:
    """Tasks whose reminders are paused today (a pause lasts up to and including its last day)."""
    rows = await s.scalars(select(ReminderPause.task_id).where(ReminderPause.until >= today)
                           .group_by(ReminderPause.task_id))
    return set(rows)


async def _due_tasks(s: AsyncSession, settings: Settings, start: date, today: date) -> _OpenTasks:
    """The open dated tasks due a reminder between `start` and `today` and not paused, by lead unit.

    Plain column queries, no ORM objects: only a task due within the next max(REMINDER_DAYS) days or
    already late can have a stage date in the window, so the rest is never read. The DTOs carry what
    a digest shows (no coordinating units, no last note)."""
    open_dated = (Task.status.in_(tasks.OPEN_STATUSES), Task.deadline_kind == "date",
                  Task.due_date.is_not(None), Task.due_date <= today + timedelta(days=max(settings.reminder_days)))
    rows = (await s.execute(select(
        Task.id, Task.plan, Task.stt, Task.group, Task.title, Task.text, Task.deadline_kind, Task.due_date,
        Task.every, Task.until, Task.deadline_phrase, Task.status, Task.progress, Task.closed_at,
    ).where(*open_dated))).all()
    paused = await _paused_on(s, today)
    leads: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id in (await s.execute(
        select(TaskUnit.task_id, TaskUnit.unit_id).join(Task, Task.id == TaskUnit.task_id)
        .where(TaskUnit.role == "lead", *open_dated).order_by(TaskUnit.task_id, TaskUnit.unit_id)
    )).all():
        leads[task_id].append(unit_id)
    newest = (select(ProgressUpdate.task_id, func.max(ProgressUpdate.id).label("mid"))
              .join(Task, Task.id == ProgressUpdate.task_id).where(*open_dated)
              .group_by(ProgressUpdate.task_id).subquery())
    last_at = dict((await s.execute(
        select(ProgressUpdate.task_id, ProgressUpdate.at).join(newest, ProgressUpdate.id == newest.c.mid)
    )).all())
    by_lead: dict[int, list[TaskDTO]] = defaultdict(list)
    for row in rows:
        if row.id in paused or row.id not in leads:
            continue
        t = TaskDTO(*row, lead_unit_ids=tuple(leads[row.id]), last_update_at=last_at.get(row.id))
        if due_in_window(t, settings, start, today):
            for unit in t.lead_unit_ids:
                by_lead[unit].append(t)
    return _OpenTasks(await _unit_children(s), by_lead)


async def plan_digests(s: AsyncSession, cal: Calendar, today: date, start: date, send_at: datetime,
                       ) -> list[PlannedMessage]:
    planned: list[PlannedMessage] = []
    heads = await _heads(s)
    if not heads:
        return planned
    names = await tasks.unit_names(s)
    due = await _due_tasks(s, cal.settings, start, today)
    for head in heads:
        assert head.unit_id is not None
        items = due.led_below(head.unit_id)
        if not items:
            continue
        last = {t.id: _local_last_update(t, cal) for t in items}
        text = digest_text(head.name, names.get(head.unit_id, ""), today, items, last)
        planned.append(PlannedMessage(f"digest:{head.id}:{today.isoformat()}", "digest", head.id, text,
                                      DIGEST_BUTTONS, send_at))
    return planned


async def plan_monthly(s: AsyncSession, cal: Calendar, today: date, start: date, send_at: datetime,
                       ) -> list[PlannedMessage]:
    settings = cal.settings
    nudge_day = today.replace(day=settings.monthly_reminder_day)
    if not (start <= nudge_day <= today):
        return []
    month_start_utc = cal.morning_of(today.replace(day=1)).replace(hour=0)
    heads = await _heads(s)
    if not heads:
        return []
    names = await tasks.unit_names(s)
    open_tasks = await _open_tasks(s)
    running = [t for ts in open_tasks.by_lead.values() for t in ts
               if t.deadline_kind == "recurring" and (t.until is None or t.until >= today)]
    updated = await tasks.progress_since(s, sorted({t.id for t in running}), month_start_utc)
    planned = []
    for head in heads:
        assert head.unit_id is not None
        missing = [t for t in open_tasks.led_below(head.unit_id)
                   if t.deadline_kind == "recurring" and (t.until is None or t.until >= today)
                   and t.id not in updated]
        if not missing:
            continue
        fields = {"name": shorten(head.name, MAX_NAME), "unit": shorten(names.get(head.unit_id, ""), MAX_NAME),
                  "month": today.strftime("%m/%Y"),
                  "due": today.replace(day=settings.monthly_report_day).strftime("%d/%m/%Y")}
        text = fit_list(texts.MONTHLY, fields,
                        [texts.MONTHLY_ITEM.format(id=t.id, title=shorten(t.title, MAX_TITLE)) for t in missing],
                        texts.MORE_TASKS, max_items=MONTHLY_MAX_ITEMS)
        planned.append(PlannedMessage(f"monthly:{head.id}:{today:%Y-%m}", "monthly", head.id, text,
                                      [[(texts.BUTTON_UPDATE, "td:list")]], send_at))
    return planned


async def plan_escalation(s: AsyncSession, cal: Calendar, today: date, start: date, send_at: datetime,
                          ) -> list[PlannedMessage]:
    """Tasks long overdue go to the admins once a week: the ISO week in the key dedupes the other days."""
    threshold = cal.settings.escalation_overdue_days
    late = [t for t in await tasks.all_tasks(s, open_only=True)
            if t.deadline_kind == "date" and t.due_date and (today - t.due_date).days > threshold]
    if not late:
        return []
    names = await tasks.unit_names(s)
    lines = [texts.ESCALATION_ITEM.format(
        id=t.id, title=shorten(t.title, MAX_TITLE),
        units=shorten(", ".join(names.get(u, "?") for u in t.lead_unit_ids) or "—", MAX_UNITS),
        due=_fmt(t.due_date), late=(today - t.due_date).days, progress=t.progress)
        for t in sorted(late, key=lambda x: (x.due_date or today, x.id))]
    year, week, _ = today.isocalendar()
    return [PlannedMessage(f"escalation:{admin.id}:{year}-W{week:02d}", "escalation", admin.id,
                           fit_list(texts.ESCALATION, {"name": shorten(admin.name, MAX_NAME), "week": f"{week}/{year}",
                                                       "days": threshold},
                                    lines, texts.MORE_OVERDUE, max_items=ESCALATION_MAX_ITEMS),
                           [[(texts.BUTTON_VIEW, "nv:late")]], send_at)
            for admin in await people.persons_with_role(s, Role.ADMIN)]


async def plan_sweep(s: AsyncSession, settings: Settings, now: datetime) -> list[PlannedMessage]:
    """What a sweep at `now` (naive UTC) would queue; empty on non-working days."""
    cal = Calendar(settings)
    today = cal.local_date(now)
    if not cal.is_working(today):
        return []
    start = await _window_start(s, today)
    send_at = cal.next_window(max(now, cal.morning_of(today)))
    return [*await plan_digests(s, cal, today, start, send_at),
            *await plan_monthly(s, cal, today, start, send_at),
            *await plan_escalation(s, cal, today, start, send_at)]


async def enqueue(s: AsyncSession, message: PlannedMessage, now: datetime) -> bool:
    """Insert one outbox row; False when its key exists already (the reminder went out or is queued).

    One INSERT … ON CONFLICT DO NOTHING, not a savepoint: on SQLite a savepoint opened before the
    transaction's first write is released as a commit of its own, outside the caller's transaction.
    """
    return await enqueue_many(s, [message], now) == 1


def _outbox_row(message: PlannedMessage, now: datetime) -> dict[str, Any]:
    return {"key": message.key, "kind": message.kind, "person_id": message.person_id,
            "payload": {"text": message.text, "buttons": message.buttons}, "status": "pending", "attempts": 0,
            "not_before": message.not_before or now, "created_at": now}


async def enqueue_many(s: AsyncSession, messages: Sequence[PlannedMessage], now: datetime,
                       chunk: int = INSERT_CHUNK) -> int:
    """Queue planned messages; returns how many are new (a key repeated in `messages` is queued once)."""
    first: dict[str, PlannedMessage] = {}
    for message in messages:
        first.setdefault(message.key, message)
    return await insert_outbox(s, [_outbox_row(m, now) for m in first.values()], chunk)


async def insert_outbox(s: AsyncSession, rows: Sequence[dict[str, Any]], chunk: int = INSERT_CHUNK) -> int:
    """Insert outbox rows (column values, the same columns in every row) `chunk` at a time; returns how
    many are new. A key that exists already (the message went out or is queued, or another process
    queues it at the same moment) is skipped: INSERT … ON CONFLICT (key) DO NOTHING RETURNING key
    returns only the rows actually inserted, on SQLite and PostgreSQL alike."""
    if not rows:
        return 0
    insert = upsert_insert(s)
    await s.flush()  # rows added through the ORM go first, so their keys count as taken
    table = Outbox.__table__
    added = 0
    for start in range(0, len(rows), chunk):
        stmt = (insert(table).values(list(rows[start:start + chunk]))
                .on_conflict_do_nothing(index_elements=[table.c.key]).returning(table.c.key))
        added += len((await s.execute(stmt)).all())
    return added


async def run_sweep(s: AsyncSession, settings: Settings, now: datetime) -> int:
    """Queue today's reminders and remember the day; returns how many rows were added."""
    planned = await plan_sweep(s, settings, now)
    added = await enqueue_many(s, planned, now)
    today = Calendar(settings).local_date(now)
    if Calendar(settings).is_working(today):
        state = await s.get(SchedulerState, LAST_SWEEP_KEY)
        if state is None:
            s.add(SchedulerState(key=LAST_SWEEP_KEY, value=today.isoformat()))
        elif state.value < today.isoformat():
            state.value = today.isoformat()
    await s.flush()
    return added


def snooze_message(head_id: int, text: str, now: datetime, settings: Settings) -> PlannedMessage:
    """The same digest again tomorrow morning (next working window)."""
    cal = Calendar(settings)
    tomorrow = cal.local_date(now) + timedelta(days=1)
    send_at = cal.next_window(cal.morning_of(tomorrow))
    return PlannedMessage(f"snooze:{head_id}:{tomorrow.isoformat()}", "digest", head_id, text,
                          DIGEST_BUTTONS, send_at)

