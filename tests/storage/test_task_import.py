"""Plan task import: reading CSV/XLSX tables, matching units, idempotent writes, dry runs and errors."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.app import App
from storage.models import Task, TaskUnit, Unit, UnitKind
from storage.task_import import (
    ImportReport,
    TaskImportError,
    import_tasks,
    is_generic,
    read_table,
    split_units,
    summary,
    unit_code,
)
from tests.conftest import SHARED

PLAN_CSV = SHARED / "plans" / "ke-hoach-10-KH-DU-phu-luc-III.csv"
REF = date(2025, 9, 19)
TEST_PLAN = "Kế hoạch thử nghiệm nhập bảng"
HEADER = "stt,nhom,noi_dung,thoi_gian,chu_tri,phoi_hop,nguon\n"


def write_csv(tmp_path: Path, body: str, name: str = "plan.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def make_xlsx(path: Path, rows: list[dict], *, when_as_date: bool = False) -> Path:
    """The plan table as an appendix workbook: a title, a blank row, the header on row 3."""
    book = Workbook()
    sheet = book.active
    sheet.append(["PHỤ LỤC III: NHIỆM VỤ CHUYỂN ĐỔI SỐ NĂM 2025"])
    sheet.append([])
    sheet.append(["STT", "Nhóm", "Nội dung nhiệm vụ", "Thời hạn", "Đơn vị chủ trì", "Đơn vị phối hợp", "Nguồn"])
    for row in rows:
        when: object = row["thoi_gian"]
        if when_as_date and row["stt"] == "8":
            when = datetime(2025, 12, 19)
        sheet.append([int(row["stt"]), row["nhom"], row["noi_dung"], when, row["chu_tri"],
                      row["phoi_hop"] or None, row["nguon"]])
    book.save(path)
    return path


async def run(app: App, rows: list[dict], plan: str | None = TEST_PLAN, *, dry_run: bool = False,
              create_units: bool = False) -> ImportReport:
    async with app.sessionmaker() as s, s.begin():
        return await import_tasks(s, rows, plan, dry_run=dry_run, create_units=create_units, ref=REF)


async def count(app: App, model: type) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def units_of(app: App, plan: str, stt: str) -> dict[str, set[str]]:
    async with app.sessionmaker() as s:
        task = await s.scalar(select(Task).where(Task.plan == plan, Task.stt == stt))
        assert task is not None
        rows = await s.execute(select(TaskUnit.role, Unit.code).join(Unit, Unit.id == TaskUnit.unit_id)
                               .where(TaskUnit.task_id == task.id))
        out: dict[str, set[str]] = {"lead": set(), "coord": set()}
        for role, code in rows.all():
            out[role].add(code)
        return out


async def task_row(app: App, plan: str, stt: str) -> Task:
    async with app.sessionmaker() as s:
        task = await s.scalar(select(Task).where(Task.plan == plan, Task.stt == stt))
        assert task is not None
        return task


# ---------------------------------------------------------------- reading


def test_read_real_csv() -> None:
    rows = read_table(PLAN_CSV)
    assert len(rows) == 15
    assert [r["row"] for r in rows] == list(range(2, 17))
    first = rows[0]
    assert first["stt"] == "1" and first["nhom"] == "Thể chế" and first["chu_tri"] == "Công an xã"
    assert first["thoi_gian"] == "Trong tháng 8/2025"
    assert first["nguon"].startswith("Kế hoạch số 10-KH/ĐU")


def test_xlsx_with_title_rows_reads_like_the_csv(tmp_path: Path) -> None:
    csv_rows = read_table(PLAN_CSV)
    rows = read_table(make_xlsx(tmp_path / "plan.xlsx", csv_rows))
    assert [r["row"] for r in rows] == list(range(4, 19))
    strip = [{k: v for k, v in r.items() if k != "row"} for r in rows]
    assert strip == [{k: v for k, v in r.items() if k != "row"} for r in csv_rows]


def test_csv_with_bom_semicolons_and_vietnamese_headers(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = ("Danh mục nhiệm vụ;;\n"
            "STT;Nội dung;Thời gian hoàn thành;Cơ quan chủ trì;Phối hợp\n"
            "1;Rà soát thủ tục;Trước ngày 20/12/2025;Công an xã;\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    rows = read_table(path)
    assert rows == [{"row": 3, "stt": "1", "nhom": "", "noi_dung": "Rà soát thủ tục",
                     "thoi_gian": "Trước ngày 20/12/2025", "chu_tri": "Công an xã", "phoi_hop": "",
                     "nguon": ""}]


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "1,Nhóm,Việc,Thường xuyên,,\n", header="stt,nhom,noi_dung,thoi_gian,phoi_hop,nguon\n")
    with pytest.raises(TaskImportError) as err:
        read_table(path)
    assert "chủ trì" in str(err.value) and "dòng 1" in str(err.value)
    assert err.value.row == 1 and err.value.column == "chủ trì"


@pytest.mark.parametrize("content", [b"", b"  \n\n", HEADER.encode()])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(TaskImportError) as err:
        read_table(path)
    assert "trống" in str(err.value) or "không có dòng nhiệm vụ" in str(err.value)


def test_bad_encoding_names_the_row_and_suggests_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"  # as Excel saves "CSV (Comma delimited)" on a Western Windows
    path.write_bytes(HEADER.encode() + "1,Nhóm,Rà soát,Tháng 8/2025,Công an,,KH\n".encode("cp1252"))
    with pytest.raises(TaskImportError) as err:
        read_table(path)
    assert "UTF-8" in str(err.value) and "dòng 2" in str(err.value)
    assert err.value.row == 2


def test_garbage_binary_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(random.Random(7).randbytes(2048))
    with pytest.raises(TaskImportError, match="không phải bảng tính"):
        read_table(path)


def test_broken_xlsx_and_old_xls(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04" + random.Random(3).randbytes(500))
    with pytest.raises(TaskImportError, match="XLSX"):
        read_table(fake)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(TaskImportError, match=r"\.xls"):
        read_table(old)


def test_prose_without_a_header_row(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("Kế hoạch chuyển đổi số\nNội dung sẽ bổ sung sau.\n", encoding="utf-8")
    with pytest.raises(TaskImportError, match="dòng tiêu đề"):
        read_table(path)


# ---------------------------------------------------------------- unit names


@pytest.mark.parametrize(("cell", "expected"), [
    ("Công an xã; Phòng Văn hóa - Xã hội", ["Công an xã", "Phòng Văn hóa - Xã hội"]),
    ("Phòng Kinh tế, Phòng Văn hóa – Xã hội", ["Phòng Kinh tế", "Phòng Văn hóa – Xã hội"]),
    ("Công an xã và Phòng Kinh tế", ["Công an xã", "Phòng Kinh tế"]),
    ("Công an xã\nPhòng Kinh tế", ["Công an xã", "Phòng Kinh tế"]),
    ("Văn phòng HĐND và UBND xã", ["Văn phòng HĐND và UBND xã"]),
    ("Trung tâm Văn hóa, Thể thao và Truyền thông", ["Trung tâm Văn hóa, Thể thao và Truyền thông"]),
    ("Phòng Kinh tế (đầu mối, tổng hợp)", ["Phòng Kinh tế (đầu mối, tổng hợp)"]),
])
def test_split_units(cell: str, expected: list[str]) -> None:
    assert split_units(cell) == expected


@pytest.mark.parametrize("name", ["Các cơ quan, đơn vị liên quan", "các đơn vị có liên quan",
                                  "Các cơ quan, đơn vị", "đơn vị liên quan", "thôn"])
def test_generic_phrases_are_not_units(name: str) -> None:
    assert is_generic(name)


@pytest.mark.parametrize("name", ["Công an xã", "Phòng Kinh tế", "Mặt trận Tổ quốc Việt Nam xã"])
def test_unit_names_are_not_generic(name: str) -> None:
    assert not is_generic(name)


def test_unit_code_is_ascii_upper_and_unique() -> None:
    taken = {"HOI-NONG-DAN"}
    assert unit_code("Hội Nông dân", taken) == "HOI-NONG-DAN-2"
    assert unit_code("Đoàn Thanh niên", taken) == "DOAN-THANH-NIEN"
    assert len(unit_code("Tổ Ứng cứu Công nghệ và Nghiệp vụ hỗ trợ giải quyết thủ tục", taken)) <= 24


# ---------------------------------------------------------------- importing


async def test_real_csv_imports_and_second_import_changes_nothing(demo_app: App) -> None:
    rows = read_table(PLAN_CSV)
    before = await count(demo_app, Task)
    first = await run(demo_app, rows)
    assert first.ok and first.written, summary(first)
    assert (first.created, first.updated, first.unchanged) == (15, 0, 0)
    assert await count(demo_app, Task) == before + 15
    second = await run(demo_app, rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 15)
    assert await count(demo_app, Task) == before + 15

    assert await units_of(demo_app, TEST_PLAN, "5") == {
        "lead": {"CA-XA"}, "coord": {"P-KT", "P-VHXH", "VP-UBND"}}
    assert await units_of(demo_app, TEST_PLAN, "4") == {"lead": {"P-VHXH"}, "coord": {"P-KT"}}
    assert await units_of(demo_app, TEST_PLAN, "14") == {"lead": {"CA-XA", "P-VHXH"}, "coord": set()}
    # "Các cơ quan, đơn vị" names no unit: the commune leads, with a warning naming the row.
    assert (await units_of(demo_app, TEST_PLAN, "12"))["lead"] == {"XA-TANAN"}
    assert any(w.row == 13 and w.column == "chủ trì" for w in first.warnings)

    task = await task_row(demo_app, TEST_PLAN, "8")
    assert (task.deadline_kind, task.due_date) == ("date", date(2025, 12, 19))
    task = await task_row(demo_app, TEST_PLAN, "6")
    assert (task.deadline_kind, task.every, task.group) == ("recurring", "month", "Dữ liệu")


async def test_nguon_column_is_the_plan_without_override(demo_app: App) -> None:
    rows = read_table(PLAN_CSV)
    await run(demo_app, rows, None)
    again = await run(demo_app, rows, None)
    assert again.plans == ["Kế hoạch số 10-KH/ĐU ngày 19/9/2025 (Phụ lục III)"]
    assert (again.created, again.updated) == (0, 0)


async def test_xlsx_import_matches_the_csv_import(demo_app: App, tmp_path: Path) -> None:
    csv_rows = read_table(PLAN_CSV)
    await run(demo_app, csv_rows)
    xlsx_rows = read_table(make_xlsx(tmp_path / "plan.xlsx", csv_rows))
    report = await run(demo_app, xlsx_rows)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 15)


async def test_xlsx_date_cell_is_a_deadline(demo_app: App, tmp_path: Path) -> None:
    rows = read_table(make_xlsx(tmp_path / "plan.xlsx", read_table(PLAN_CSV), when_as_date=True))
    assert next(r for r in rows if r["stt"] == "8")["thoi_gian"] == "19/12/2025"
    report = await run(demo_app, rows, "Kế hoạch XLSX")
    assert report.created == 15
    assert (await task_row(demo_app, "Kế hoạch XLSX", "8")).due_date == date(2025, 12, 19)


async def test_changed_deadline_updates_only_that_task(demo_app: App) -> None:
    rows = read_table(PLAN_CSV)
    await run(demo_app, rows)
    rows[7]["thoi_gian"] = "Trước ngày 25/12/2025"
    report = await run(demo_app, rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 14)
    assert (await task_row(demo_app, TEST_PLAN, "8")).due_date == date(2025, 12, 24)


async def test_dry_run_writes_nothing(demo_app: App) -> None:
    rows = read_table(PLAN_CSV)
    tasks_before, links_before = await count(demo_app, Task), await count(demo_app, TaskUnit)
    report = await run(demo_app, rows, dry_run=True)
    assert report.ok and not report.written
    assert (report.created, report.updated, report.unchanged) == (15, 0, 0)
    assert len([o for o in report.outcomes if o.outcome == "created"]) == 15
    assert "Kiểm tra thử" in summary(report) and "+ tạo mới: dòng 2 (STT 1)" in summary(report)
    assert await count(demo_app, Task) == tasks_before
    assert await count(demo_app, TaskUnit) == links_before


async def test_impossible_date_imports_as_event_with_a_warning(demo_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "1,Dữ liệu,Rà soát dữ liệu dân cư,Trước ngày 31/02/2025,Công an xã,,\n"
                               "2,Dữ liệu,Làm sạch dữ liệu,Hoàn thành sớm nhất có thể,Công an xã,,\n")
    report = await run(demo_app, read_table(path))
    assert report.ok and report.created == 2
    warning = next(w for w in report.warnings if w.row == 2)
    assert warning.column == "thời gian" and "31/02/2025" in str(warning) and str(warning).startswith("Dòng 2")
    assert any(w.row == 3 and "không đọc được hạn" in w.message for w in report.warnings)
    task = await task_row(demo_app, TEST_PLAN, "1")
    assert (task.deadline_kind, task.due_date, task.deadline_phrase) == ("event", None, "Trước ngày 31/02/2025")


async def test_unknown_units_are_listed_and_created_only_when_asked(demo_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "1,Văn hóa,Tuyên truyền chuyển đổi số,Quý IV/2025,Phòng Văn hoá Thông tin,Phòng Kinh tê; Hội Nông dân xã,\n"
        "2,Văn hóa,Tập huấn kỹ năng số,Thường xuyên,Phòng Văn hoá Thông tin,,\n"))
    rows = read_table(path)
    units_before, tasks_before = await count(demo_app, Unit), await count(demo_app, Task)

    blocked = await run(demo_app, rows)
    assert not blocked.ok and blocked.blocked_by_units and not blocked.written
    unknown = {u.name: u for u in blocked.unknown_units}
    assert set(unknown) == {"Phòng Văn hoá Thông tin", "Hội Nông dân xã"}
    assert unknown["Phòng Văn hoá Thông tin"].rows == [2, 3]
    assert unknown["Phòng Văn hoá Thông tin"].suggestions[0] == "Phòng Văn hóa - Xã hội"
    text = summary(blocked)
    assert "Chưa nhập gì" in text and "gần giống: Phòng Văn hóa - Xã hội" in text
    assert await count(demo_app, Unit) == units_before and await count(demo_app, Task) == tasks_before

    dry = await run(demo_app, rows, dry_run=True, create_units=True)
    assert dry.ok and len(dry.new_units) == 2 and dry.created == 2
    assert await count(demo_app, Unit) == units_before

    done = await run(demo_app, rows, create_units=True)
    assert done.ok and done.created == 2 and await count(demo_app, Unit) == units_before + 2
    async with demo_app.sessionmaker() as s:
        unit = await s.scalar(select(Unit).where(Unit.name == "Phòng Văn hoá Thông tin"))
        commune = await s.scalar(select(Unit).where(Unit.code == "XA-TANAN"))
    assert unit is not None and commune is not None
    assert (unit.code, unit.kind, unit.parent_id) == ("PHONG-VAN-HOA-THONG-TIN", UnitKind.OFFICE, commune.id)
    assert await units_of(demo_app, TEST_PLAN, "1") == {
        "lead": {"PHONG-VAN-HOA-THONG-TIN"}, "coord": {"P-KT", "HOI-NONG-DAN-XA"}}
    again = await run(demo_app, rows)  # the new units are known now
    assert again.ok and (again.created, again.updated) == (0, 0)


async def test_unit_codes_are_matched_too(demo_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "1,,Cập nhật dữ liệu,Thường xuyên,ca-xa,P-KT,\n")
    report = await run(demo_app, read_table(path))
    assert report.ok
    assert await units_of(demo_app, TEST_PLAN, "1") == {"lead": {"CA-XA"}, "coord": {"P-KT"}}


async def test_row_errors_block_the_whole_import(demo_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "1,,Việc tốt,Thường xuyên,Công an xã,,\n2,,,Thường xuyên,Công an xã,,\n")
    before = await count(demo_app, Task)
    report = await run(demo_app, read_table(path))
    assert not report.ok and report.created == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, "nội dung")]
    assert await count(demo_app, Task) == before


async def test_plan_is_required_from_column_or_argument(demo_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "1,Việc,Thường xuyên,Công an xã\n2,Việc khác,Thường xuyên,Công an xã\n",
                     header="stt,noi_dung,thoi_gian,chu_tri\n")
    report = await run(demo_app, read_table(path), None)
    assert not report.ok and report.needs_plan
    assert len(report.errors) == 1  # one error for all the rows, naming them
    assert (report.errors[0].row, report.errors[0].column) == (2, "nguồn")
    assert "dòng 3" in report.errors[0].message
    assert (await run(demo_app, read_table(path), "KH 5")).created == 2


async def test_group_headings_and_duplicates(demo_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "I,,THỂ CHẾ,,,,\n"
        "1,,Rà soát văn bản,Trong tháng 8/2025,Công an xã,,\n"
        "1,,Rà soát văn bản,Trong tháng 8/2025,Công an xã,,\n"
        "II,,Dữ liệu,,,,\n"
        "2,,Làm sạch dữ liệu,Thường xuyên,Công an xã,,\n"))
    report = await run(demo_app, read_table(path))
    assert report.ok and report.created == 2
    assert any(w.row == 4 and "trùng với dòng 3" in w.message for w in report.warnings)
    assert (await task_row(demo_app, TEST_PLAN, "1")).group == "THỂ CHẾ"
    assert (await task_row(demo_app, TEST_PLAN, "2")).group == "Dữ liệu"
