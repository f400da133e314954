"""Plan tasks: creation (idempotent on import), listing for heads, progress and pauses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProgressUpdate, ReminderPause, Task, TaskStatus, TaskUnit, Unit
from storage.privacy import mask_pii
from storage.repos import audit

OPEN_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)


@dataclass(frozen=True)
class TaskDTO:
    id: int
    plan: str
    stt: str
    group: str
    title: str
    text: str
    deadline_kind: str
    due_date: date | None
    every: str | None
    until: date | None
    deadline_phrase: str
    status: TaskStatus
    progress: int
    closed_at: datetime | None
    lead_unit_ids: tuple[int, ...] = ()
    coord_unit_ids: tuple[int, ...] = ()
    last_update_at: datetime | None = None
    last_note: str = ""


@dataclass
class NewTask:
    """What an import or the demo data wants to exist."""

    plan: str
    stt: str
    group: str
    text: str
    deadline_kind: str
    due_date: date | None
    every: str | None
    until: date | None
    deadline_phrase: str
    lead_unit_ids: list[int] = field(default_factory=list)
    coord_unit_ids: list[int] = field(default_factory=list)

    @property
    def import_key(self) -> str:
        raw = "\x1f".join([self.plan.strip().lower(), self.stt.strip().lower(), " ".join(self.text.split()).lower()])
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def short_title(text: str, limit: int = 120) -> str:
    """The first sentence or clause of a task text, cut at a word boundary."""
    flat = " ".join(text.split())
    for stop in (". ", "; ", ": "):
        if stop in flat[:limit]:
            flat = flat.split(stop, 1)[0]
            break
    if len(flat) <= limit:
        return flat.rstrip(".;:")
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _dto(t: Task, units: list[TaskUnit], last: ProgressUpdate | None = None) -> TaskDTO:
    return TaskDTO(
        t.id, t.plan, t.stt, t.group, t.title, t.text, t.deadline_kind, t.due_date, t.every, t.until,
        t.deadline_phrase, t.status, t.progress, t.closed_at,
        tuple(u.unit_id for u in units if u.role == "lead"),
        tuple(u.unit_id for u in units if u.role == "coord"),
        last.at if last else None, last.note if last else "",
    )


async def upsert_task(s: AsyncSession, new: NewTask) -> tuple[int, str]:
    """Create the task, or update its deadline/units when the same row is imported again.

    Returns (task id, "created" | "updated" | "unchanged").
    """
    task = await s.scalar(select(Task).where(Task.import_key == new.import_key))
    fields = dict(plan=new.plan, stt=new.stt, group=new.group, title=short_title(new.text), text=new.text,
                  deadline_kind=new.deadline_kind, due_date=new.due_date, every=new.every, until=new.until,
                  deadline_phrase=new.deadline_phrase[:500])
    if task is None:
        task = Task(import_key=new.import_key, **fields)
        s.add(task)
        await s.flush()
        outcome = "created"
    else:
        changed = {k: v for k, v in fields.items() if getattr(task, k) != v}
        await audit.record_deadline_change(s, None, task, changed)
        for key, value in changed.items():
            setattr(task, key, value)
        outcome = "updated" if changed else "unchanged"
    wanted = {(uid, "lead") for uid in new.lead_unit_ids} | {
        (uid, "coord") for uid in new.coord_unit_ids if uid not in new.lead_unit_ids}
    current = {(tu.unit_id, tu.role): tu for tu in await s.scalars(select(TaskUnit).where(TaskUnit.task_id == task.id))}
    for key in set(current) - wanted:
        await s.delete(current[key])
    for unit_id, role in wanted - set(current):
        s.add(TaskUnit(task_id=task.id, unit_id=unit_id, role=role))
    if set(current) != wanted and outcome == "unchanged":
        outcome = "updated"
    await s.flush()
    return task.id, outcome


async def _units_of(s: AsyncSession, task_ids: list[int]) -> dict[int, list[TaskUnit]]:
    out: dict[int, list[TaskUnit]] = {}
    if not task_ids:
        return out
    for tu in await s.scalars(select(TaskUnit).where(TaskUnit.task_id.in_(task_ids))):
        out.setdefault(tu.task_id, []).append(tu)
    return out


async def _last_updates(s: AsyncSession, task_ids: list[int]) -> dict[int, ProgressUpdate]:
    if not task_ids:
        return {}
    latest = (
        select(ProgressUpdate.task_id, func.max(ProgressUpdate.id).label("mid"))
        .where(ProgressUpdate.task_id.in_(task_ids))
        .group_by(ProgressUpdate.task_id)
        .subquery()
    )
    rows = await s.scalars(select(ProgressUpdate).join(latest, ProgressUpdate.id == latest.c.mid))
    return {r.task_id: r for r in rows}


async def tasks_for_units(s: AsyncSession, unit_ids: set[int], *, lead_only: bool = False,
                          open_only: bool = True) -> list[TaskDTO]:
    """Tasks the units lead (or coordinate), with units and the last progress update."""
    q = select(Task).join(TaskUnit, TaskUnit.task_id == Task.id).where(TaskUnit.unit_id.in_(unit_ids))
    if lead_only:
        q = q.where(TaskUnit.role == "lead")
    if open_only:
        q = q.where(Task.status.in_(OPEN_STATUSES))
    tasks = list((await s.scalars(q.distinct())).all())
    ids = [t.id for t in tasks]
    units, last = await _units_of(s, ids), await _last_updates(s, ids)
    return [_dto(t, units.get(t.id, []), last.get(t.id)) for t in tasks]


async def all_tasks(s: AsyncSession, open_only: bool = False) -> list[TaskDTO]:
    q = select(Task)
    if open_only:
        q = q.where(Task.status.in_(OPEN_STATUSES))
    tasks = list((await s.scalars(q.order_by(Task.id))).all())
    ids = [t.id for t in tasks]
    units, last = await _units_of(s, ids), await _last_updates(s, ids)
    return [_dto(t, units.get(t.id, []), last.get(t.id)) for t in tasks]


async def get_task(s: AsyncSession, task_id: int) -> TaskDTO | None:
    task = await s.get(Task, task_id)
    if task is None:
        return None
    units, last = await _units_of(s, [task_id]), await _last_updates(s, [task_id])
    return _dto(task, units.get(task_id, []), last.get(task_id))


async def add_progress(
    s: AsyncSession, task_id: int, person_id: int | None, progress: int, status: TaskStatus, note: str,
    now: datetime, evidence_path: str | None = None, evidence_sha256: str | None = None,
    evidence_link: str | None = None,
) -> None:
    """Record progress (note masked) and move the task's status; done closes the task."""
    task = await s.get(Task, task_id)
    if task is None:
        raise LookupError(task_id)
    s.add(ProgressUpdate(task_id=task_id, person_id=person_id, at=now, progress=progress, status=status,
                         note=mask_pii(note)[:2000], evidence_path=evidence_path,
                         evidence_sha256=evidence_sha256, evidence_link=evidence_link))
    task.progress, task.status = progress, status
    task.closed_at = now if status == TaskStatus.DONE else None
    await audit.record(s, person_id, "task", task_id, "progress", f"{progress}%, {status.value}: {note}", now)


async def pause_reminders(s: AsyncSession, task_id: int, person_id: int, until: date, reason: str) -> None:
    s.add(ReminderPause(task_id=task_id, person_id=person_id, until=until, reason=mask_pii(reason)[:500]))
    await audit.record(s, person_id, "task", task_id, "pause", f"{until:%d/%m/%Y}: {reason}")
    await s.flush()


async def paused_until(s: AsyncSession, task_ids: list[int]) -> dict[int, date]:
    """The latest pause end per task."""
    if not task_ids:
        return {}
    rows = await s.execute(
        select(ReminderPause.task_id, func.max(ReminderPause.until))
        .where(ReminderPause.task_id.in_(task_ids)).group_by(ReminderPause.task_id)
    )
    return {tid: until for tid, until in rows.all()}


async def progress_since(s: AsyncSession, task_ids: list[int], since: datetime) -> set[int]:
    """Tasks with at least one progress update at or after `since`."""
    if not task_ids:
        return set()
    rows = await s.scalars(
        select(ProgressUpdate.task_id).where(ProgressUpdate.task_id.in_(task_ids), ProgressUpdate.at >= since)
    )
    return set(rows)


async def unit_names(s: AsyncSession) -> dict[int, str]:
    return {uid: name for uid, name in (await s.execute(select(Unit.id, Unit.name))).all()}
