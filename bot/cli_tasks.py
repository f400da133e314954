"""`cnscd tasks import|extract` and `cnscd deadline`: load plan tasks, propose them from a plan's text,
and show how a deadline phrase is read."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path

from bot.cli import CliError, _with_session
from bot.settings import Settings

# ---------------------------------------------------------------- messages

MSG_NO_FILE = "Không tìm thấy tệp {path}."
MSG_NOT_TEXT = "Tệp {path} không phải văn bản UTF-8 (.txt). Hãy chép nội dung kế hoạch ra tệp .txt rồi chạy lại."
MSG_CANNOT_WRITE = "Không ghi được tệp {path}: {error}."
MSG_EXTRACTED = "Đã tìm thấy {count} nhiệm vụ, ghi vào {out}."
MSG_EXTRACTED_NEXT = 'Kiểm tra rồi nhập: cnscd tasks import {out} --plan "<tên kế hoạch>" --dry-run'
MSG_EXTRACTED_NONE = "Không tìm thấy nhiệm vụ nào trong {path} (cần các dòng «Chủ trì:», «Thời gian:»…)."
MSG_HINT_CREATE_UNITS = (
    "Sửa tên đơn vị trong tệp cho khớp danh sách (cnscd unit list), hoặc thêm --create-units để tạo "
    "các đơn vị mới."
)
MSG_HINT_PLAN = 'Thêm --plan "<tên kế hoạch>" (hoặc điền cột nguồn) rồi chạy lại.'
MSG_BAD_REF = "--ref phải có dạng YYYY-MM-DD, ví dụ 2025-09-19."
DEADLINE_DATE = "Hạn: {due}."
DEADLINE_RECURRING_UNTIL = "Định kỳ {every}, đến hết {until}."
DEADLINE_RECURRING = "Định kỳ {every}, không có ngày kết thúc."
DEADLINE_EVENT = "Theo sự kiện: không có ngày hạn cụ thể."
EVERY_NAMES = {"month": "hằng tháng", "quarter": "hằng quý"}


def _today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


# ---------------------------------------------------------------- tasks import

async def _import(args: argparse.Namespace, settings: Settings) -> int:
    from storage.task_import import TaskImportError, import_tasks, read_table, summary

    path = Path(args.file)
    if not path.is_file():
        raise CliError(MSG_NO_FILE.format(path=args.file))
    try:
        rows = read_table(path)
    except TaskImportError as err:
        raise CliError(f"{path.name}: {err}") from None
    ref = _today(settings)

    async def work(s):  # type: ignore[no-untyped-def]
        return await import_tasks(s, rows, args.plan, dry_run=args.dry_run,
                                  create_units=args.create_units, ref=ref)

    report = await _with_session(settings, work)
    print(summary(report))
    if report.ok:
        return 0
    if report.blocked_by_units:
        print(MSG_HINT_CREATE_UNITS)
    if report.needs_plan:
        print(MSG_HINT_PLAN)
    return 1


# ---------------------------------------------------------------- tasks extract

def _extract(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.plan_extract import extract_tasks, write_csv

    path = Path(args.file)
    if not path.is_file():
        raise CliError(MSG_NO_FILE.format(path=args.file))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(MSG_NOT_TEXT.format(path=args.file)) from None
    if "\x00" in text:
        raise CliError(MSG_NOT_TEXT.format(path=args.file))
    tasks = extract_tasks(text, source=args.source or "")
    if not tasks:
        print(MSG_EXTRACTED_NONE.format(path=args.file))
        return 1
    try:
        write_csv(tasks, args.out)
    except OSError as err:
        raise CliError(MSG_CANNOT_WRITE.format(path=args.out, error=err.strerror or err)) from None
    print(MSG_EXTRACTED.format(count=len(tasks), out=args.out))
    print(MSG_EXTRACTED_NEXT.format(out=args.out))
    return 0


def _tasks(args: argparse.Namespace, settings: Settings):  # type: ignore[no-untyped-def]
    return _import(args, settings) if args.action == "import" else _extract(args, settings)


# ---------------------------------------------------------------- deadline

def describe_deadline(kind: str, due: date | None, every: str | None, until: date | None) -> str:
    """A deadline in one Vietnamese line."""
    if kind == "date" and due is not None:
        return DEADLINE_DATE.format(due=f"{due:%d/%m/%Y}")
    if kind == "recurring":
        name = EVERY_NAMES.get(every or "month", EVERY_NAMES["month"])
        if until is not None:
            return DEADLINE_RECURRING_UNTIL.format(every=name, until=f"{until:%d/%m/%Y}")
        return DEADLINE_RECURRING.format(every=name)
    return DEADLINE_EVENT


def _deadline(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.deadlines import DeadlineError, parse_deadline

    try:
        ref = date.fromisoformat(args.ref) if args.ref else _today(settings)
    except ValueError:
        raise CliError(MSG_BAD_REF) from None
    try:
        parsed = parse_deadline(args.phrase, ref)
    except DeadlineError as err:
        raise CliError(str(err)) from None
    if args.json:
        print(json.dumps(parsed.to_json(), ensure_ascii=False))
    else:
        print(describe_deadline(parsed.kind, parsed.due, parsed.every, parsed.until))
    return 0


# ---------------------------------------------------------------- parser

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tasks", help="nhập nhiệm vụ từ bảng tính, tách nhiệm vụ từ văn bản kế hoạch")
    tsub = p.add_subparsers(dest="action", required=True)
    i = tsub.add_parser("import", help="nhập nhiệm vụ từ tệp CSV hoặc XLSX")
    i.add_argument("file", help="tệp .csv (UTF-8) hoặc .xlsx")
    i.add_argument("--plan", help="tên kế hoạch (nguồn) cho mọi dòng; mặc định lấy cột nguồn")
    i.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và in thay đổi, không ghi gì")
    i.add_argument("--create-units", action="store_true", help="tạo các đơn vị chưa có trong danh sách")
    e = tsub.add_parser("extract", help="tách nhiệm vụ từ văn bản kế hoạch (.txt) ra tệp CSV")
    e.add_argument("file", help="văn bản kế hoạch, UTF-8")
    e.add_argument("--out", required=True, help="tệp CSV sẽ ghi")
    e.add_argument("--source", help="tên kế hoạch ghi vào cột nguồn")
    p.set_defaults(func=_tasks)

    d = sub.add_parser("deadline", help="xem cách bot hiểu một cụm thời hạn")
    d.add_argument("phrase", help='ví dụ: "Trước ngày 20/12/2025"')
    d.add_argument("--ref", help="ngày tham chiếu YYYY-MM-DD (năm cho cụm không ghi năm); mặc định hôm nay")
    d.add_argument("--json", action="store_true", help="in JSON {kind, due, every, until}")
    d.set_defaults(func=_deadline)
