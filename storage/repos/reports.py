"""Monthly report queries: counts and rows for a period and a set of units, as plain dataclasses.

`unit_ids=None` means the whole deployment. Dates (`start`, `end`) are local calendar days with
`end` exclusive; datetimes (`start_at`, `end_at`) are the same bounds as naive UTC, the form the
timestamp columns store. Portable SQLAlchemy only (SQLite and PostgreSQL). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ChannelIdentity,
    Person,
    ProgressUpdate,
    QuestionLog,
    Role,
    Task,
    TaskStatus,
    TaskUnit,
    Unit,
)
from storage.models_sessions import AssistSession
from storage.models_tickets import Ticket
from storage.repos.sessions import Totals

UnitIds = Collection[int] | None


# ---------------------------------------------------------------- assistance sessions

# A report's session counters are the same six as a member's /to totals: one class for both.
SessionFigures = Totals


@dataclass(frozen=True)
class SessionGroup:
    """One line of a breakdown: a category code, a thôn or a member (key None: not recorded)."""

    key: str | int | None
    name: str
    figures: SessionFigures


@dataclass(frozen=True)
class SessionRow:
    id: int
    date: date
    person_id: int
    member: str
    village_id: int | None
    village: str
    category: str
    citizens: int
    elderly: int
    disabled: int
    poor: int
    result: str
    duration_minutes: int | None
    note: str


def _session_scope(unit_ids: UnitIds, start: date, end: date) -> list[ColumnElement[bool]]:
    """Live sessions in the period, held in a thôn of the scope or by a member of a unit of the scope."""
    where: list[ColumnElement[bool]] = [
        AssistSession.deleted_at.is_(None), AssistSession.date >= start, AssistSession.date < end,
    ]
    if unit_ids is not None:
        ids = list(unit_ids)
        where.append(or_(
            AssistSession.unit_id.in_(ids),
            AssistSession.person_id.in_(select(Person.id).where(Person.unit_id.in_(ids))),
        ))
    return where


def _figure_columns() -> list[Any]:
    return [
        func.count(AssistSession.id),
        func.coalesce(func.sum(AssistSession.citizens), 0),
        func.coalesce(func.sum(AssistSession.elderly), 0),
        func.coalesce(func.sum(AssistSession.disabled), 0),
        func.coalesce(func.sum(AssistSession.poor), 0),
        func.coalesce(func.sum(AssistSession.duration_minutes), 0),
    ]


def _figures(values: Any) -> SessionFigures:
    return SessionFigures(*(int(v or 0) for v in values))


async def session_totals(s: AsyncSession, unit_ids: UnitIds, start: date, end: date) -> SessionFigures:
    row = (await s.execute(select(*_figure_columns()).where(*_session_scope(unit_ids, start, end)))).one()
    return _figures(row)


async def session_groups(s: AsyncSession, unit_ids: UnitIds, start: date, end: date,
                         by: Literal["category", "village", "member"]) -> list[SessionGroup]:
    """Totals per category, per thôn or per member, most sessions first."""
    where = _session_scope(unit_ids, start, end)
    if by == "category":
        q = select(AssistSession.category, AssistSession.category, *_figure_columns()).group_by(
            AssistSession.category)
    elif by == "village":
        q = (select(AssistSession.unit_id, func.max(Unit.name), *_figure_columns())
             .outerjoin(Unit, Unit.id == AssistSession.unit_id).group_by(AssistSession.unit_id))
    else:
        q = (select(AssistSession.person_id, func.max(Person.name), *_figure_columns())
             .join(Person, Person.id == AssistSession.person_id).group_by(AssistSession.person_id))
    rows = (await s.execute(q.where(*where))).all()
    groups = [SessionGroup(r[0], r[1] or "", _figures(r[2:])) for r in rows]
    groups.sort(key=lambda g: (-g.figures.sessions, -g.figures.citizens, g.name))
    return groups


async def session_rows(s: AsyncSession, unit_ids: UnitIds, start: date, end: date) -> list[SessionRow]:
    """Every live session of the period, oldest first."""
    rows = (await s.execute(
        select(AssistSession, Person.name, Unit.name)
        .join(Person, Person.id == AssistSession.person_id)
        .outerjoin(Unit, Unit.id == AssistSession.unit_id)
        .where(*_session_scope(unit_ids, start, end))
        .order_by(AssistSession.date, AssistSession.id)
    )).all()
    return [
        SessionRow(a.id, a.date, a.person_id, member, a.unit_id, village or "", a.category, a.citizens,
                   a.elderly, a.disabled, a.poor, a.result.value, a.duration_minutes, a.note)
        for a, member, village in rows
    ]


# ---------------------------------------------------------------- tasks

@dataclass(frozen=True)
class TaskRow:
    """A task of the scope with what happened up to `before` (the end of the period)."""

    id: int
    plan: str
    stt: str
    title: str
    deadline_kind: str
    deadline_phrase: str
    due_date: date | None
    every: str | None
    until: date | None
    status: TaskStatus
    progress: int
    closed_at: datetime | None
    created_at: datetime
    lead_units: tuple[str, ...]
    coord_units: tuple[str, ...]
    updates_total: int
    last_at: datetime | None
    last_status: TaskStatus | None
    last_progress: int | None
    last_note: str
    evidence_count: int


async def task_rows(s: AsyncSession, unit_ids: UnitIds, before: datetime) -> list[TaskRow]:
    """Tasks created before `before` that a unit of the scope leads or coordinates.

    The last progress update and the evidence count only look at updates before `before`, so a
    past month's report shows that month's state; `updates_total` counts every update.
    """
    q = select(Task).where(Task.created_at < before)
    if unit_ids is not None:
        q = q.where(Task.id.in_(select(TaskUnit.task_id).where(TaskUnit.unit_id.in_(list(unit_ids)))))
    tasks = list((await s.scalars(q.order_by(Task.id))).all())
    if not tasks:
        return []
    ids = [t.id for t in tasks]
    units: dict[int, dict[str, list[str]]] = {}
    for task_id, role, name in (await s.execute(
        select(TaskUnit.task_id, TaskUnit.role, Unit.name).join(Unit, Unit.id == TaskUnit.unit_id)
        .where(TaskUnit.task_id.in_(ids)).order_by(Unit.name)
    )).all():
        units.setdefault(task_id, {}).setdefault(role, []).append(name)
    totals = dict((await s.execute(
        select(ProgressUpdate.task_id, func.count(ProgressUpdate.id))
        .where(ProgressUpdate.task_id.in_(ids)).group_by(ProgressUpdate.task_id)
    )).all())
    evidence = dict((await s.execute(
        select(ProgressUpdate.task_id, func.count(ProgressUpdate.id))
        .where(ProgressUpdate.task_id.in_(ids), ProgressUpdate.at < before,
               or_(ProgressUpdate.evidence_path.is_not(None), ProgressUpdate.evidence_link.is_not(None)))
        .group_by(ProgressUpdate.task_id)
    )).all())
    latest = (
        select(ProgressUpdate.task_id, func.max(ProgressUpdate.id).label("mid"))
        .where(ProgressUpdate.task_id.in_(ids), ProgressUpdate.at < before)
        .group_by(ProgressUpdate.task_id).subquery()
    )
    last = {u.task_id: u for u in await s.scalars(select(ProgressUpdate).join(latest, ProgressUpdate.id == latest.c.mid))}
    out = []
    for t in tasks:
        u = last.get(t.id)
        roles = units.get(t.id, {})
        out.append(TaskRow(
            t.id, t.plan, t.stt, t.title, t.deadline_kind, t.deadline_phrase, t.due_date, t.every, t.until,
            t.status, t.progress, t.closed_at, t.created_at,
            tuple(roles.get("lead", [])), tuple(roles.get("coord", [])), int(totals.get(t.id, 0)),
            u.at if u else None, u.status if u else None, u.progress if u else None, u.note if u else "",
            int(evidence.get(t.id, 0)),
        ))
    return out


# ---------------------------------------------------------------- citizen questions (commune-wide)

@dataclass(frozen=True)
class QuestionFigures:
    """`answered`/`clarified`/`fallback` count decisions; `handed_off` cuts across them.

    The `only_*` numbers split the questions without overlap for the chart: handed off first,
    then by the matcher's decision.
    """

    total: int = 0
    answered: int = 0
    clarified: int = 0
    fallback: int = 0
    handed_off: int = 0
    thumbs_down: int = 0
    only_answered: int = 0
    only_clarified: int = 0
    only_unanswered: int = 0


@dataclass(frozen=True)
class UnansweredRow:
    asked_at: datetime
    text: str
    decision: str
    handed_off: bool


def _asked_between(start_at: datetime, end_at: datetime) -> ColumnElement[bool]:
    return and_(QuestionLog.asked_at >= start_at, QuestionLog.asked_at < end_at)


def _unanswered() -> ColumnElement[bool]:
    return or_(QuestionLog.decision == "fallback",
               and_(QuestionLog.decision == "clarify", QuestionLog.topic.is_(None)))


async def question_figures(s: AsyncSession, start_at: datetime, end_at: datetime) -> QuestionFigures:
    rows = (await s.execute(
        select(QuestionLog.decision, QuestionLog.handed_off, func.count(QuestionLog.id))
        .where(_asked_between(start_at, end_at)).group_by(QuestionLog.decision, QuestionLog.handed_off)
    )).all()
    down = int(await s.scalar(
        select(func.count(QuestionLog.id)).where(_asked_between(start_at, end_at), QuestionLog.feedback == "down")
    ) or 0)
    count: dict[str, int] = {}
    for decision, handed, n in rows:
        count[decision] = count.get(decision, 0) + int(n)
        key = "handed" if handed else f"only_{decision}"
        count[key] = count.get(key, 0) + int(n)
    return QuestionFigures(
        total=sum(int(n) for _, _, n in rows), answered=count.get("answer", 0),
        clarified=count.get("clarify", 0), fallback=count.get("fallback", 0),
        handed_off=count.get("handed", 0), thumbs_down=down, only_answered=count.get("only_answer", 0),
        only_clarified=count.get("only_clarify", 0), only_unanswered=count.get("only_fallback", 0),
    )


async def topic_counts(s: AsyncSession, start_at: datetime, end_at: datetime) -> list[tuple[str, int]]:
    """Questions per FAQ topic (the matched or chosen one), most asked first."""
    rows = (await s.execute(
        select(QuestionLog.topic, func.count(QuestionLog.id))
        .where(_asked_between(start_at, end_at), QuestionLog.topic.is_not(None))
        .group_by(QuestionLog.topic)
    )).all()
    return sorted(((str(t), int(n)) for t, n in rows), key=lambda x: (-x[1], x[0]))


async def top_unanswered(s: AsyncSession, start_at: datetime, end_at: datetime,
                         limit: int = 10) -> list[tuple[str, int]]:
    """The unanswered questions asked most often (same normalised text), with one masked example."""
    rows = (await s.execute(
        select(QuestionLog.normalized, func.min(QuestionLog.text), func.count(QuestionLog.id))
        .where(_asked_between(start_at, end_at), _unanswered())
        .group_by(QuestionLog.normalized)
    )).all()
    ranked = sorted(((text, int(n)) for _, text, n in rows), key=lambda x: (-x[1], x[0]))
    return ranked[:limit]


async def unanswered_rows(s: AsyncSession, start_at: datetime, end_at: datetime,
                          limit: int = 2000) -> list[UnansweredRow]:
    rows = await s.scalars(
        select(QuestionLog).where(_asked_between(start_at, end_at), _unanswered())
        .order_by(QuestionLog.asked_at, QuestionLog.id).limit(limit)
    )
    return [UnansweredRow(q.asked_at, q.text, q.decision, bool(q.handed_off)) for q in rows]


# ---------------------------------------------------------------- tickets

@dataclass(frozen=True)
class TicketRow:
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    rating: float | None


async def ticket_rows(s: AsyncSession, unit_ids: UnitIds, start_at: datetime, end_at: datetime) -> list[TicketRow]:
    """Tickets opened in the period, scoped to the units' tickets like the sessions (None: all)."""
    q = select(Ticket.created_at, Ticket.claimed_at, Ticket.closed_at, Ticket.rating).where(
        Ticket.created_at >= start_at, Ticket.created_at < end_at)
    if unit_ids is not None:
        q = q.where(Ticket.unit_id.in_(list(unit_ids)))
    return [TicketRow(created, claimed, closed, float(rating) if rating is not None else None)
            for created, claimed, closed, rating in (await s.execute(q)).all()]


# ---------------------------------------------------------------- unreachable people

@dataclass(frozen=True)
class UnreachableRow:
    name: str
    channel: str
    unit: str


async def unreachable(s: AsyncSession, unit_ids: UnitIds) -> list[UnreachableRow]:
    """Chat accounts of the scope's people (not citizens) the bot could not deliver to."""
    q = (select(Person.name, ChannelIdentity.channel, Unit.name)
         .join(Person, Person.id == ChannelIdentity.person_id)
         .outerjoin(Unit, Unit.id == Person.unit_id)
         .where(ChannelIdentity.reachable.is_(False), Person.role != Role.CITIZEN))
    if unit_ids is not None:
        q = q.where(Person.unit_id.in_(list(unit_ids)))
    rows = (await s.execute(q.order_by(Person.name, ChannelIdentity.channel))).all()
    return [UnreachableRow(name, channel, unit or "") for name, channel, unit in rows]
