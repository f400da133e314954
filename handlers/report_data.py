"""The monthly report's figures: the reporting period, the scope, and `ReportData` built from the repo.

Periods. With `REPORT_WINDOW_START_DAY` = 1 (the default) "month M" is the calendar month M. With a
start day D > 1, "month M" is the window from day D of month M-1 to day D-1 of month M, e.g. D = 20:
report 11/2025 covers 20/10/2025–19/11/2025. The window is named after the month it ends in, so a
day on or after D belongs to the next month's report (25/10/2025 is in report 11/2025).

Scope. A unit's report covers the unit and every unit below it. Assistance sessions count when held
in a thôn of the scope or logged by a member of a unit of the scope. Citizen questions (and tickets
without a unit) belong to no unit, so only commune reports and the whole-deployment report carry them.

Tasks are shown as they stood at the end of the period (the last progress update before it); for
the current month that is their present state. A task counts in a period when it existed before
the period ended and was not finished before it began.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import texts_reports as T
from storage.models import TaskStatus, UnitKind
from storage.repos import people
from storage.repos import reports as repo
from storage.repos.people import UnitDTO
from storage.repos.reports import (
    QuestionFigures,
    SessionFigures,
    SessionGroup,
    SessionRow,
    TaskRow,
    UnansweredRow,
    UnreachableRow,
)

DUE_SOON_DAYS = 30
TOP_N = 10
MIN_YEAR, MAX_YEAR = 2000, 2100


# ---------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    """Report "month/year": local days `start` <= day < `end`."""

    year: int
    month: int
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"

    @property
    def key(self) -> str:
        """yyyymm, as button data carries it."""
        return f"{self.year}{self.month:02d}"

    def bounds_utc(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """Local midnight of the first day and of the day after the last, as naive UTC."""
        return _utc(self.start, tz), _utc(self.end, tz)


def _utc(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_period(year: int, month: int, start_day: int = 1) -> Period:
    """Report month M: the calendar month, or day D of M-1 to day D-1 of M when D > 1."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month}")
    first = date(year, month, 1)
    if start_day <= 1:
        return Period(year, month, first, _add_months(first, 1))
    return Period(year, month, _add_months(first, -1).replace(day=start_day), first.replace(day=start_day))


def period_containing(day: date, start_day: int = 1) -> Period:
    """The report period a local day falls in."""
    if start_day > 1 and day.day >= start_day:
        nxt = _add_months(day.replace(day=1), 1)
        return month_period(nxt.year, nxt.month, start_day)
    return month_period(day.year, day.month, start_day)


def previous_period(period: Period, start_day: int = 1) -> Period:
    prev = _add_months(date(period.year, period.month, 1), -1)
    return month_period(prev.year, prev.month, start_day)


_MONTH = re.compile(r"^(?:th[aá]ng\s*)?(?:([0-9]{1,2})\s*[/.\-]\s*([0-9]{4})|([0-9]{4})\s*[/.\-]\s*([0-9]{1,2}))$",
                    re.IGNORECASE)


def parse_month(text: str) -> tuple[int, int] | None:
    """(year, month) from "10/2025", "1/2025", "tháng 10/2025" or "2025-10"; None if not a month."""
    match = _MONTH.match(text.strip())
    if not match:
        return None
    month, year = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    y, m = int(year), int(month)
    if not (1 <= m <= 12 and MIN_YEAR <= y <= MAX_YEAR):
        return None
    return y, m


def parse_key(key: str) -> tuple[int, int] | None:
    """(year, month) from button data "yyyymm"."""
    if not re.fullmatch(r"[0-9]{6}", key):
        return None
    y, m = int(key[:4]), int(key[4:])
    return (y, m) if 1 <= m <= 12 and MIN_YEAR <= y <= MAX_YEAR else None


# ---------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """Whose report: unit ids (None: the whole deployment) and whether commune-wide figures belong."""

    unit_ids: frozenset[int] | None
    name: str
    code: str
    commune_wide: bool


async def unit_scope(s: AsyncSession, unit: UnitDTO) -> Scope:
    ids = await people.subtree_ids(s, unit.id)
    return Scope(frozenset(ids), unit.name, unit.code, unit.kind == UnitKind.COMMUNE)


async def whole_scope(s: AsyncSession) -> Scope:
    roots = [u for u in await people.list_units(s, UnitKind.COMMUNE) if u.parent_id is None]
    if len(roots) == 1:
        return Scope(None, roots[0].name, roots[0].code, True)
    return Scope(None, T.CLI_WHOLE, "TOAN-BO", True)


# ---------------------------------------------------------------- figures

@dataclass(frozen=True)
class TaskLine:
    """A task as it stood at the end of the period."""

    row: TaskRow
    status: TaskStatus
    progress: int
    closed_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class TaskFigures:
    total: int = 0
    done: int = 0
    done_on_time: int = 0
    overdue: int = 0
    due_soon: int = 0
    average_progress: float | None = None
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Week:
    start: date
    end: date  # last day, inclusive
    sessions: dict[str, int]

    @property
    def label(self) -> str:
        return T.WEEK_LABEL.format(start=f"{self.start:%d/%m}", end=f"{self.end:%d/%m}")


@dataclass(frozen=True)
class TicketFigures:
    opened: int = 0
    claimed: int = 0
    closed: int = 0
    median_claim_hours: float | None = None
    median_close_hours: float | None = None
    average_rating: float | None = None


@dataclass(frozen=True)
class ReportData:
    scope: Scope
    period: Period
    previous: Period
    made_on: date
    tz: tzinfo
    partial: bool  # the period has not ended: figures up to today
    window_start_day: int
    sessions: SessionFigures
    prev_sessions: SessionFigures
    by_category: list[SessionGroup]
    by_village: list[SessionGroup]
    by_member: list[SessionGroup]
    session_rows: list[SessionRow]
    weeks: list[Week]
    tasks: TaskFigures
    prev_tasks: TaskFigures
    task_lines: list[TaskLine]
    questions: QuestionFigures | None  # None: not a commune-wide report
    prev_questions: QuestionFigures | None
    topics: list[tuple[str, str, int]]  # (topic id, title, questions)
    top_unanswered: list[tuple[str, int]]
    unanswered: list[UnansweredRow]
    tickets: TicketFigures  # a unit's report: the tickets of its thôn; commune-wide: all of them
    unreachable: list[UnreachableRow]

    @property
    def empty(self) -> bool:
        return (not self.session_rows and not self.task_lines and not (self.questions and self.questions.total)
                and not self.tickets.opened)


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def _state(row: TaskRow, current: bool) -> tuple[TaskStatus, int, datetime | None]:
    """Status, progress and closing time at the end of the period."""
    if current or row.updates_total == 0:
        return row.status, row.progress, row.closed_at if row.status == TaskStatus.DONE else None
    if row.last_status is None:  # every update came after the period
        return TaskStatus.NOT_STARTED, 0, None
    closed = row.last_at if row.last_status == TaskStatus.DONE else None
    return row.last_status, row.last_progress or 0, closed


def task_lines(rows: list[TaskRow], start_at: datetime, ref_day: date, current: bool) -> list[TaskLine]:
    """The tasks that count in the period; overdue means open with a due date before `ref_day`."""
    lines = []
    for row in rows:
        status, progress, closed = _state(row, current)
        if status == TaskStatus.DONE and closed is not None and closed < start_at:
            continue  # finished before the period
        overdue = (status != TaskStatus.DONE and row.deadline_kind == "date" and row.due_date is not None
                   and row.due_date < ref_day)
        lines.append(TaskLine(row, status, progress, closed, overdue))
    return lines


def task_figures(lines: list[TaskLine], start_at: datetime, ref_day: date, tz: tzinfo) -> TaskFigures:
    done = [t for t in lines if t.status == TaskStatus.DONE and t.closed_at is not None and t.closed_at >= start_at]
    on_time = 0
    for t in done:
        deadline = t.row.due_date or t.row.until
        if deadline is None or local_day(t.closed_at, tz) <= deadline:  # type: ignore[arg-type]
            on_time += 1
    soon = ref_day + timedelta(days=DUE_SOON_DAYS)
    due_soon = sum(1 for t in lines if t.status != TaskStatus.DONE and t.row.deadline_kind == "date"
                   and t.row.due_date is not None and ref_day <= t.row.due_date <= soon)
    by_status: dict[str, int] = {s.value: 0 for s in TaskStatus}
    for t in lines:
        by_status[t.status.value] += 1
    average = round(sum(t.progress for t in lines) / len(lines), 1) if lines else None
    return TaskFigures(len(lines), len(done), on_time, sum(1 for t in lines if t.overdue), due_soon,
                       average, by_status)


def weeks_of(rows: list[SessionRow], period: Period) -> list[Week]:
    """Seven-day blocks from the first day of the period (the last one may be shorter)."""
    weeks: list[Week] = []
    day = period.start
    while day < period.end:
        weeks.append(Week(day, min(day + timedelta(days=6), period.last_day), {}))
        day += timedelta(days=7)
    for row in rows:
        week = weeks[(row.date - period.start).days // 7]
        week.sessions[row.category] = week.sessions.get(row.category, 0) + 1
    return weeks


def ticket_figures(rows: list[repo.TicketRow]) -> TicketFigures:
    def hours(pairs: list[tuple[datetime, datetime]]) -> float | None:
        spans = [(b - a).total_seconds() / 3600 for a, b in pairs if b >= a]
        return round(statistics.median(spans), 1) if spans else None

    ratings = [r.rating for r in rows if r.rating is not None]
    return TicketFigures(
        opened=len(rows),
        claimed=sum(1 for r in rows if r.claimed_at is not None),
        closed=sum(1 for r in rows if r.closed_at is not None),
        median_claim_hours=hours([(r.created_at, r.claimed_at) for r in rows if r.claimed_at]),
        median_close_hours=hours([(r.created_at, r.closed_at) for r in rows if r.closed_at]),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
    )


async def _tasks_at(s: AsyncSession, scope: Scope, period: Period, tz: tzinfo, now_utc: datetime,
                    today: date) -> tuple[list[TaskLine], TaskFigures]:
    start_at, end_at = period.bounds_utc(tz)
    current = end_at > now_utc
    ref_day = today if current else period.end
    lines = task_lines(await repo.task_rows(s, scope.unit_ids, end_at), start_at, ref_day, current)
    return lines, task_figures(lines, start_at, ref_day, tz)


async def build_report(
    s: AsyncSession, scope: Scope, period: Period, *, tz: tzinfo, now_utc: datetime,
    start_day: int = 1, topic_titles: Mapping[str, str] | None = None,
) -> ReportData:
    """Every figure and row of one report, read in the caller's transaction."""
    today = local_day(now_utc, tz)
    previous = previous_period(period, start_day)
    ids = scope.unit_ids
    start_at, end_at = period.bounds_utc(tz)
    prev_start_at, prev_end_at = previous.bounds_utc(tz)

    rows = await repo.session_rows(s, ids, period.start, period.end)
    groups = {by: await repo.session_groups(s, ids, period.start, period.end, by)
              for by in ("category", "village", "member")}
    by_category = [SessionGroup(g.key, T.category_label(str(g.key)), g.figures) for g in groups["category"]]
    by_village = [SessionGroup(g.key, g.name or T.NO_VILLAGE, g.figures) for g in groups["village"]]

    lines, figures = await _tasks_at(s, scope, period, tz, now_utc, today)
    _, prev_figures = await _tasks_at(s, scope, previous, tz, now_utc, today)

    questions = prev_questions = None
    topics: list[tuple[str, str, int]] = []
    top: list[tuple[str, int]] = []
    unanswered: list[UnansweredRow] = []
    if scope.commune_wide:
        titles = topic_titles or {}
        questions = await repo.question_figures(s, start_at, end_at)
        prev_questions = await repo.question_figures(s, prev_start_at, prev_end_at)
        topics = [(tid, titles.get(tid, ""), n) for tid, n in await repo.topic_counts(s, start_at, end_at)]
        top = await repo.top_unanswered(s, start_at, end_at, TOP_N)
        unanswered = await repo.unanswered_rows(s, start_at, end_at)
    tickets = ticket_figures(await repo.ticket_rows(s, None if scope.commune_wide else ids, start_at, end_at))

    return ReportData(
        scope=scope, period=period, previous=previous, made_on=today, tz=tz, partial=end_at > now_utc,
        window_start_day=start_day,
        sessions=await repo.session_totals(s, ids, period.start, period.end),
        prev_sessions=await repo.session_totals(s, ids, previous.start, previous.end),
        by_category=by_category, by_village=by_village, by_member=groups["member"], session_rows=rows,
        weeks=weeks_of(rows, period), tasks=figures, prev_tasks=prev_figures, task_lines=lines,
        questions=questions, prev_questions=prev_questions, topics=topics, top_unanswered=top,
        unanswered=unanswered, tickets=tickets, unreachable=await repo.unreachable(s, ids),
    )


# ---------------------------------------------------------------- the chat summary

def _change(value: int, previous: int) -> str:
    delta = value - previous
    if delta == 0:
        return T.CHANGE_SAME.format(previous=previous)
    return T.CHANGE.format(previous=previous, sign="+" if delta > 0 else "−", delta=abs(delta))


def summary_text(data: ReportData, *, files_follow: bool = True) -> str:
    """A few lines for the chat: key figures with the change from the previous month."""
    p = data.period
    header = T.SUMMARY_HEADER.format(month=p.label, unit=data.scope.name, start=f"{p.start:%d/%m/%Y}",
                                     end=f"{p.last_day:%d/%m/%Y}")
    lines = [header + (T.SUMMARY_PARTIAL if data.partial else "")]
    if data.empty:
        lines.append(T.SUMMARY_NO_DATA)
    else:
        lines.append(T.SUMMARY_SESSIONS.format(value=data.sessions.sessions,
                                               change=_change(data.sessions.sessions, data.prev_sessions.sessions)))
        lines.append(T.SUMMARY_CITIZENS.format(value=data.sessions.citizens,
                                               change=_change(data.sessions.citizens, data.prev_sessions.citizens)))
        lines.append(T.SUMMARY_TASKS.format(
            done=data.tasks.done, done_change=_change(data.tasks.done, data.prev_tasks.done),
            overdue=data.tasks.overdue, overdue_change=_change(data.tasks.overdue, data.prev_tasks.overdue)))
        if data.questions is not None and data.prev_questions is not None:
            lines.append(T.SUMMARY_QUESTIONS.format(
                value=data.questions.answered, total=data.questions.total,
                change=_change(data.questions.answered, data.prev_questions.answered)))
    if files_follow:
        lines.append(T.SUMMARY_FILES)
    return "\n".join(lines)


def file_stem(data: ReportData) -> str:
    """bao-cao-<code>-<yyyy>-<mm>, safe as a file name on every system."""
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", data.scope.code).strip("-").lower() or "don-vi"
    return f"bao-cao-{code}-{data.period.year}-{data.period.month:02d}"


def write_report_files(data: ReportData, xlsx: Path, png: Path | None) -> None:
    """Write the workbook and (if asked) the chart; blocking, so the bot runs it in a thread."""
    from handlers.report_chart import write_chart
    from handlers.report_workbook import write_workbook

    write_workbook(data, xlsx)
    if png is not None:
        write_chart(data, png)
