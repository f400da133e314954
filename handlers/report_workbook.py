"""The monthly report workbook (openpyxl): Tổng hợp, Nhiệm vụ, Phiên hỗ trợ, Câu hỏi.

Every sheet starts with the same title block (unit, period, date made) and a header row at row 6;
rows 1–6 stay frozen. Dates are real date cells shown as dd/mm/yyyy. Synchronous: call it from a
worker thread in the bot.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers import texts_reports as T
from handlers.report_data import ReportData, TaskLine, local_day
from storage.privacy import mask_pii
from storage.repos.reports import SessionFigures, SessionGroup

DATE_FORMAT = "dd/mm/yyyy"
HEADER_ROW = 6
MAX_WIDTH = 60
MIN_WIDTH = 8
DATE_WIDTH = 12
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
Value = str | int | float | date | datetime | None


class _Sheet:
    """Appends rows under the title block and remembers which cells are dates."""

    def __init__(self, ws: Worksheet, data: ReportData, note: str = "") -> None:
        self.ws = ws
        p = data.period
        ws["A1"] = T.TITLE.format(month=p.label)
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"], ws["B2"] = T.TITLE_UNIT, data.scope.name
        ws["A3"], ws["B3"] = T.TITLE_PERIOD, T.PERIOD_RANGE.format(start=f"{p.start:%d/%m/%Y}",
                                                                   end=f"{p.last_day:%d/%m/%Y}")
        ws["A4"], ws["B4"] = T.TITLE_MADE, data.made_on
        ws["B4"].number_format = DATE_FORMAT
        ws["B4"].alignment = Alignment(horizontal="left")
        for cell in ("A2", "A3", "A4", "B2"):
            ws[cell].font = Font(bold=True)
        notes = [note] if note else []
        if data.window_start_day > 1:
            notes.append(T.WINDOW_NOTE.format(month=p.label, day=data.window_start_day,
                                              last=data.window_start_day - 1))
        if notes:
            ws["A5"] = " ".join(notes)
            ws["A5"].font = Font(italic=True)
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
        self.row = HEADER_ROW
        self.overflow_rows: set[int] = set()  # section titles and notes spill over empty cells

    def header(self, values: Sequence[str]) -> None:
        for col, value in enumerate(values, 1):
            cell = self.ws.cell(row=self.row, column=col, value=value)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        self.row += 1

    def section(self, text: str) -> None:
        cell = self.ws.cell(row=self.row, column=1, value=text)
        cell.font = Font(bold=True)
        cell.fill = SECTION_FILL
        self.overflow_rows.add(self.row)
        self.row += 1

    def line(self, values: Sequence[Value], formats: dict[int, str] | None = None) -> None:
        for col, value in enumerate(values, 1):
            cell = self.ws.cell(row=self.row, column=col, value=value)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top")
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif formats and col in formats:
                cell.number_format = formats[col]
        self.row += 1

    def note(self, text: str) -> None:
        self.ws.cell(row=self.row, column=1, value=text).font = Font(italic=True)
        self.overflow_rows.add(self.row)
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def fit_columns(self) -> None:
        """Widths from the longest text below the title block; longer texts wrap."""
        widths: dict[int, int] = {}
        for row in self.ws.iter_rows(min_row=HEADER_ROW):
            for cell in row:
                if cell.value is None or cell.row in self.overflow_rows:
                    continue
                if isinstance(cell.value, date):
                    length = DATE_WIDTH
                else:
                    length = max(len(part) for part in str(cell.value).split("\n"))
                    if length > MAX_WIDTH:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[cell.column] = max(widths.get(cell.column, MIN_WIDTH), min(length + 2, MAX_WIDTH))
        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = width


def _date(moment: datetime | None, data: ReportData) -> date | None:
    return local_day(moment, data.tz) if moment is not None else None


# ---------------------------------------------------------------- Tổng hợp

def _figure_rows(sheet: _Sheet, rows: Sequence[tuple[str, float | int | None, float | int | None]],
                 fmt: str = "0") -> None:
    for label, value, previous in rows:
        change = value - previous if value is not None and previous is not None else None
        sheet.line([label, value, previous, change], {2: fmt, 3: fmt, 4: "+" + fmt + ";-" + fmt + ";0"})


def _groups(sheet: _Sheet, title: str, groups: list[SessionGroup]) -> None:
    sheet.header([title, *T.GROUP_COLUMNS])
    if not groups:
        sheet.line([T.NO_DATA])
    for g in groups:
        f = g.figures
        sheet.line([g.name, f.sessions, f.citizens, f.elderly, f.disabled, f.poor])
    sheet.blank()


def _hours(f: SessionFigures) -> float:
    return round(f.minutes / 60, 1)


def _summary(ws: Worksheet, data: ReportData) -> None:
    sheet = _Sheet(ws, data)
    sheet.header([T.COL_ITEM, T.COL_THIS, T.COL_PREVIOUS, T.COL_CHANGE])

    sheet.section(T.SEC_SESSIONS)
    now, before = data.sessions, data.prev_sessions
    _figure_rows(sheet, [
        (T.ROW_SESSIONS, now.sessions, before.sessions),
        (T.ROW_CITIZENS, now.citizens, before.citizens),
        (T.ROW_ELDERLY, now.elderly, before.elderly),
        (T.ROW_DISABLED, now.disabled, before.disabled),
        (T.ROW_POOR, now.poor, before.poor),
    ])
    _figure_rows(sheet, [(T.ROW_HOURS, _hours(now), _hours(before))], "0.0")
    sheet.blank()
    _groups(sheet, T.BY_CATEGORY, data.by_category)
    _groups(sheet, T.BY_VILLAGE, data.by_village)
    _groups(sheet, T.BY_MEMBER, data.by_member)

    sheet.section(T.SEC_TASKS)
    t, pt = data.tasks, data.prev_tasks
    _figure_rows(sheet, [
        (T.ROW_TASKS_TOTAL, t.total, pt.total),
        (T.ROW_TASKS_DONE, t.done, pt.done),
        (T.ROW_TASKS_ON_TIME, t.done_on_time, pt.done_on_time),
        (T.ROW_TASKS_OVERDUE, t.overdue, pt.overdue),
        (T.ROW_TASKS_SOON, t.due_soon, pt.due_soon),
    ])
    _figure_rows(sheet, [(T.ROW_TASKS_PROGRESS, t.average_progress, pt.average_progress)], "0.0")
    sheet.note(T.TASKS_NOTE)
    sheet.blank()

    sheet.section(T.SEC_QUESTIONS)
    q, pq = data.questions, data.prev_questions
    if q is None or pq is None:
        sheet.note(T.QUESTIONS_COMMUNE_ONLY)
    else:
        _figure_rows(sheet, [
            (T.ROW_Q_TOTAL, q.total, pq.total),
            (T.ROW_Q_ANSWERED, q.answered, pq.answered),
            (T.ROW_Q_CLARIFIED, q.clarified, pq.clarified),
            (T.ROW_Q_FALLBACK, q.fallback, pq.fallback),
            (T.ROW_Q_HANDED, q.handed_off, pq.handed_off),
            (T.ROW_Q_DOWN, q.thumbs_down, pq.thumbs_down),
        ])
        sheet.blank()
        sheet.header([T.TOP_TOPICS, T.COL_COUNT])
        if not data.topics:
            sheet.line([T.NO_DATA])
        for topic, title, n in data.topics[:10]:
            sheet.line([title or topic, n])
        sheet.blank()
        sheet.header([T.TOP_UNANSWERED, T.COL_COUNT])
        if not data.top_unanswered:
            sheet.line([T.NO_DATA])
        for text, n in data.top_unanswered:
            sheet.line([text, n])
    sheet.blank()

    sheet.section(T.SEC_TICKETS)
    k = data.tickets
    for label, value, fmt in (
        (T.ROW_T_OPENED, k.opened, "0"), (T.ROW_T_CLAIMED, k.claimed, "0"), (T.ROW_T_CLOSED, k.closed, "0"),
        (T.ROW_T_CLAIM_TIME, k.median_claim_hours, "0.0"), (T.ROW_T_CLOSE_TIME, k.median_close_hours, "0.0"),
        (T.ROW_T_RATING, k.average_rating, "0.00"),
    ):
        sheet.line([label, value], {2: fmt})
    sheet.blank()

    sheet.section(T.SEC_UNREACHABLE)
    sheet.line([T.ROW_UNREACHABLE, len(data.unreachable)])
    if data.unreachable:
        sheet.header([T.COL_NAME, T.COL_CHANNEL, T.COL_UNIT])
        for u in data.unreachable:
            sheet.line([u.name, T.CHANNELS.get(u.channel, u.channel), u.unit])
    sheet.fit_columns()


# ---------------------------------------------------------------- Nhiệm vụ

def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.lower()) if p)


def _deadline(line: TaskLine) -> tuple[str, date | None]:
    r = line.row
    if r.deadline_kind == "date":
        return r.deadline_phrase, r.due_date
    if r.deadline_kind == "recurring":
        phrase = r.deadline_phrase or T.DEADLINE_RECURRING.format(every=T.EVERY.get(r.every or "month", "tháng"))
        return phrase, r.until
    return r.deadline_phrase or T.DEADLINE_EVENT, None


def _tasks(ws: Worksheet, data: ReportData) -> None:
    sheet = _Sheet(ws, data)
    sheet.header(T.TASK_COLUMNS)
    if not data.task_lines:
        sheet.line([T.NO_DATA])
    lines = sorted(data.task_lines, key=lambda t: (t.row.plan, _natural(t.row.stt), t.row.id))
    for line in lines:
        r = line.row
        phrase, due = _deadline(line)
        status = T.STATUS[line.status.value] + (T.OVERDUE_SUFFIX if line.overdue else "")
        sheet.line([
            r.id, r.plan, r.stt, r.title, "; ".join(r.lead_units), "; ".join(r.coord_units), phrase, due,
            status, line.progress, _date(r.last_at, data), mask_pii(r.last_note), r.evidence_count,
        ])
    sheet.fit_columns()


# ---------------------------------------------------------------- Phiên hỗ trợ

def _sessions(ws: Worksheet, data: ReportData) -> None:
    sheet = _Sheet(ws, data)
    sheet.header(T.SESSION_COLUMNS)
    if not data.session_rows:
        sheet.line([T.NO_DATA])
    for r in data.session_rows:
        sheet.line([
            r.date, r.member, r.village or T.NO_VILLAGE, T.category_label(r.category), r.citizens, r.elderly,
            r.disabled, r.poor, T.RESULTS.get(r.result, r.result), r.duration_minutes, mask_pii(r.note),
        ])
    if data.session_rows:
        f = data.sessions
        sheet.line([T.TOTAL_ROW, None, None, None, f.citizens, f.elderly, f.disabled, f.poor, None,
                    f.minutes or None, None])
        for cell in ws[sheet.row - 1]:
            cell.font = Font(bold=True)
    sheet.fit_columns()


# ---------------------------------------------------------------- Câu hỏi

def _questions(ws: Worksheet, data: ReportData) -> None:
    commune = data.questions is not None
    sheet = _Sheet(ws, data, T.QUESTIONS_SCOPE_NOTE if commune else T.QUESTIONS_COMMUNE_ONLY)
    sheet.header(T.TOPIC_COLUMNS)
    if not data.topics:
        sheet.line([T.NO_DATA])
    for topic, title, n in data.topics:
        sheet.line([topic, title, n])
    sheet.blank()
    sheet.section(T.UNANSWERED_HEADER)
    sheet.header(T.UNANSWERED_COLUMNS)
    if not data.unanswered:
        sheet.line([T.NO_DATA])
    for q in data.unanswered:
        sheet.line([_date(q.asked_at, data), q.text, T.DECISIONS.get(q.decision, q.decision),
                    T.YES if q.handed_off else T.NO])
    sheet.fit_columns()


# ---------------------------------------------------------------- the file

def write_workbook(data: ReportData, path: Path) -> Path:
    """Write the workbook (atomically: a half-written file never has the final name)."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = T.SHEET_SUMMARY
    _summary(summary, data)
    _tasks(wb.create_sheet(T.SHEET_TASKS), data)
    _sessions(wb.create_sheet(T.SHEET_SESSIONS), data)
    _questions(wb.create_sheet(T.SHEET_QUESTIONS), data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
