"""Import plan tasks from a CSV or XLSX table (the plan appendix: STT, nhóm, nội dung, thời gian…).

`read_table` turns a file into row dicts keyed by the plan CSV columns (`scheduler.plan_extract.CSV_HEADER`)
plus `row` (the row number as a spreadsheet shows it). A file that is not a readable task table raises
`TaskImportError` naming the row and column.

`import_tasks` checks every row first (deadline phrases, units in chủ trì/phối hợp, the plan name) and
writes only when nothing blocks the import, through `storage.repos.tasks.upsert_task` (idempotent by
import key), so importing the same file twice changes nothing. A dry run does the same writes inside a
SAVEPOINT and rolls it back, so its counts are exactly what a real import would do.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.deadlines import DeadlineError, fold_text, parse_deadline
from scheduler.plan_extract import CSV_HEADER
from storage.models import UnitKind
from storage.repos import people
from storage.repos.people import UnitDTO
from storage.repos.tasks import NewTask, short_title, upsert_task

# ---------------------------------------------------------------- messages (Vietnamese, shown to admins)

MSG_UNREADABLE = "Không mở được tệp {name}: {error}."
MSG_EMPTY = "Tệp trống, không có dữ liệu."
MSG_XLS = "Tệp Excel 97-2003 (.xls) chưa đọc được. Hãy mở tệp và lưu lại dưới dạng .xlsx hoặc «CSV UTF-8»."
MSG_NOT_TABLE = "Tệp không phải bảng tính CSV hay XLSX (có thể là tệp ảnh, PDF hoặc tệp nén)."
MSG_BAD_XLSX = "Tệp XLSX bị hỏng hoặc không đúng định dạng: {error}."
MSG_BAD_ENCODING = (
    "Tệp không được lưu bằng bảng mã UTF-8 (ký tự lỗi ở dòng {row}, byte thứ {byte}). "
    "Hãy mở tệp trong Excel, chọn Lưu thành → «CSV UTF-8 (Comma delimited)» rồi gửi lại."
)
MSG_BAD_CSV = "Không đọc được tệp CSV ở dòng {row}: {error}."
MSG_NO_HEADER = (
    "Không tìm thấy dòng tiêu đề của bảng nhiệm vụ. Bảng cần có các cột: {columns}."
)
MSG_MISSING_COLUMNS = "Dòng tiêu đề (dòng {row}) thiếu cột bắt buộc: {columns}."
MSG_NO_ROWS = "Bảng không có dòng nhiệm vụ nào dưới dòng tiêu đề (dòng {row})."
MSG_TOO_MANY_ROWS = "Bảng có hơn {limit} dòng; hãy tách thành nhiều tệp nhỏ hơn."

MSG_ROW_PREFIX = "Dòng {row}"
MSG_ROW_STT = " (STT {stt})"
MSG_COLUMN = ", cột {column}"
MSG_TEXT_MISSING = "trống, nhưng các cột khác có dữ liệu."
MSG_PLAN_MISSING = "trống và chưa chỉ định tên kế hoạch."
MSG_PLAN_MISSING_MORE = " Cũng vậy ở dòng {rows}."
MSG_TOO_LONG = "dài quá {limit} ký tự."
MSG_BAD_DEADLINE = "{error} Nhiệm vụ được nhập không có hạn cụ thể; sửa ô này rồi nhập lại để đặt hạn."
MSG_EMPTY_DEADLINE = "trống; nhiệm vụ được nhập không có hạn cụ thể."
MSG_UNREAD_DEADLINE = "không đọc được hạn «{phrase}»; nhiệm vụ được nhập không có hạn cụ thể."
MSG_NO_LEAD = "không có đơn vị cụ thể («{cell}»); nhiệm vụ chưa có đơn vị chủ trì để nhắc hạn."
MSG_LEAD_COMMUNE = "không có đơn vị cụ thể («{cell}»); giao cho {unit} chủ trì."
MSG_AMBIGUOUS_UNIT = "«{name}» giống nhiều đơn vị: {units}. Hãy ghi đúng tên hoặc mã đơn vị."
MSG_DUPLICATE = "trùng với dòng {first} (cùng kế hoạch, STT và nội dung); bỏ qua."

SUMMARY_DRY = "Kiểm tra thử (chưa ghi gì): {rows} nhiệm vụ – sẽ tạo mới {created}, cập nhật {updated}, giữ nguyên {unchanged}."
SUMMARY_DONE = "Đã nhập {rows} nhiệm vụ: tạo mới {created}, cập nhật {updated}, giữ nguyên {unchanged}."
SUMMARY_BLOCKED = "Chưa nhập gì: {rows} nhiệm vụ đọc được, nhưng có vấn đề cần sửa trước."
SUMMARY_PLANS = "Kế hoạch: {plans}"
SUMMARY_ERRORS = "Lỗi ({count}) – cần sửa trong tệp:"
SUMMARY_UNKNOWN = "Đơn vị chưa có trong danh sách ({count}):"
SUMMARY_UNKNOWN_ITEM = "• «{name}» (dòng {rows})"
SUMMARY_SUGGEST = " – gần giống: {names}"
SUMMARY_NO_SUGGEST = " – không có đơn vị nào gần giống"
SUMMARY_NEW_UNITS_DRY = "Sẽ tạo {count} đơn vị mới:"
SUMMARY_NEW_UNITS_DONE = "Đã tạo {count} đơn vị mới:"
SUMMARY_WARNINGS = "Lưu ý ({count}):"
SUMMARY_CHANGES = "Thay đổi:"
SUMMARY_MORE = "… và {count} mục khác."
OUTCOME_LABELS = {"created": "+ tạo mới", "updated": "~ cập nhật", "unchanged": "= giữ nguyên"}

COLUMN_NAMES = {
    "stt": "STT", "nhom": "nhóm", "noi_dung": "nội dung", "thoi_gian": "thời gian",
    "chu_tri": "chủ trì", "phoi_hop": "phối hợp", "nguon": "nguồn",
}

# ---------------------------------------------------------------- reading the table

REQUIRED = ("noi_dung", "thoi_gian", "chu_tri")
MAX_ROWS = 5000
HEADER_SCAN_ROWS = 30
LIMITS = {"stt": 32, "nhom": 255, "nguon": 255}

# Header cells, folded (lower case, no diacritics, punctuation as spaces), to their column.
HEADER_ALIASES: dict[str, str] = {
    "stt": "stt", "tt": "stt", "so tt": "stt", "so thu tu": "stt",
    "nhom": "nhom", "nhom nhiem vu": "nhom", "linh vuc": "nhom",
    "noi dung": "noi_dung", "noi dung nhiem vu": "noi_dung", "nhiem vu": "noi_dung",
    "ten nhiem vu": "noi_dung", "noi dung cong viec": "noi_dung",
    "thoi gian": "thoi_gian", "thoi han": "thoi_gian", "thoi gian hoan thanh": "thoi_gian",
    "thoi han hoan thanh": "thoi_gian", "thoi gian thuc hien": "thoi_gian", "tien do": "thoi_gian",
    "tien do hoan thanh": "thoi_gian",
    "chu tri": "chu_tri", "don vi chu tri": "chu_tri", "co quan chu tri": "chu_tri",
    "chu tri thuc hien": "chu_tri", "don vi chu tri thuc hien": "chu_tri", "co quan chu tri thuc hien": "chu_tri",
    "phoi hop": "phoi_hop", "don vi phoi hop": "phoi_hop", "co quan phoi hop": "phoi_hop",
    "phoi hop thuc hien": "phoi_hop", "don vi phoi hop thuc hien": "phoi_hop",
    "co quan phoi hop thuc hien": "phoi_hop",
    "nguon": "nguon", "nguon nhiem vu": "nguon", "van ban": "nguon", "ke hoach": "nguon",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_NUMBERING_CELL = re.compile(r"^\(?\d{1,2}\)?$")


class TaskImportError(Exception):
    """The file is not a readable task table; `str()` is a Vietnamese message naming row and column."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


Row = dict[str, Any]
Grid = list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cell texts)


def read_table(path: str | Path) -> list[Row]:
    """Rows of a CSV (UTF-8, with or without BOM; `,` `;` or tab) or XLSX (first sheet with a header).

    Each row is `{"row": n, "stt": …, "nhom": …, "noi_dung": …, "thoi_gian": …, "chu_tri": …,
    "phoi_hop": …, "nguon": …}` with strings ("" for a missing column). The header row is found
    wherever it is (a title may come first); header names are matched ignoring case and diacritics.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise TaskImportError(MSG_UNREADABLE.format(name=path.name, error=err.strerror or err)) from None
    if not data.strip():
        raise TaskImportError(MSG_EMPTY)
    if data.startswith(_OLE_MAGIC):
        raise TaskImportError(MSG_XLS)
    if data.startswith(_ZIP_MAGIC):
        grids = _xlsx_grids(data)
    elif _looks_binary(data):
        raise TaskImportError(MSG_NOT_TABLE)
    else:
        grids = _csv_grids(_decode(data))
    first_error: TaskImportError | None = None
    for grid in grids:
        try:
            return _table(grid)
        except _NoHeader as err:
            first_error = first_error or err
    raise first_error or TaskImportError(MSG_EMPTY)


class _NoHeader(TaskImportError):
    pass


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls > len(head) // 100


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        row = data[: err.start].count(b"\n") + 1
        raise TaskImportError(MSG_BAD_ENCODING.format(row=row, byte=err.start + 1), row=row) from None


def _csv_grids(text: str) -> list[Grid]:
    """The text parsed with the delimiter (`,` `;` tab) that yields the best header row."""
    best: tuple[int, Grid] | None = None
    error: TaskImportError | None = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        grid: Grid = []
        try:
            for number, cells in enumerate(reader, 1):
                grid.append((number, [_clean_cell(c) for c in cells]))
                if len(grid) > MAX_ROWS + HEADER_SCAN_ROWS:
                    break
        except csv.Error as err:
            error = error or TaskImportError(MSG_BAD_CSV.format(row=len(grid) + 1, error=err), row=len(grid) + 1)
            continue
        score = max((_header_score(cells) for _, cells in grid[:HEADER_SCAN_ROWS]), default=0)
        if best is None or score > best[0]:
            best = (score, grid)
    if best is None:
        raise error or TaskImportError(MSG_NOT_TABLE)
    return [best[1]]


def _xlsx_grids(data: bytes) -> list[Grid]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as err:
        raise TaskImportError(MSG_BAD_XLSX.format(error=str(err)[:200] or type(err).__name__)) from None
    except Exception as err:  # openpyxl raises assorted errors on foreign zip files
        raise TaskImportError(MSG_BAD_XLSX.format(error=type(err).__name__)) from None
    grids: list[Grid] = []
    try:
        for sheet in book.worksheets:
            grid: Grid = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
                grid.append((number, [_xlsx_cell(v) for v in values]))
                if len(grid) > MAX_ROWS + HEADER_SCAN_ROWS:
                    break
            grids.append(grid)
    finally:
        book.close()
    return grids


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean_cell(str(value))


def _clean_cell(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _fold_key(text: str) -> str:
    """Lower case, no diacritics, punctuation as spaces: how headers and unit names are compared."""
    folded = fold_text(text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


def _header_column(cell: str) -> str | None:
    key = _fold_key(re.sub(r"\(.*?\)|\*", " ", cell))
    return HEADER_ALIASES.get(key) if key else None


def _header_score(cells: list[str]) -> int:
    return len({c for c in map(_header_column, cells) if c})


def _table(grid: Grid) -> list[Row]:
    header_at = next(
        (i for i, (_, cells) in enumerate(grid[:HEADER_SCAN_ROWS]) if _header_score(cells) >= 2), None)
    if header_at is None:
        names = ", ".join(COLUMN_NAMES[c] for c in CSV_HEADER)
        raise _NoHeader(MSG_NO_HEADER.format(columns=names))
    header_row, header = grid[header_at]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = _header_column(cell)
        if column and column not in columns:
            columns[column] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise TaskImportError(
            MSG_MISSING_COLUMNS.format(row=header_row, columns=", ".join(COLUMN_NAMES[c] for c in missing)),
            row=header_row, column=COLUMN_NAMES[missing[0]])
    rows: list[Row] = []
    for number, cells in grid[header_at + 1:]:
        values = {c: (cells[i] if i < len(cells) else "") for c, i in columns.items()}
        filled = [v for v in values.values() if v]
        if not filled or all(_NUMBERING_CELL.match(v) for v in filled) and len(filled) > 2:
            continue  # blank row, or the "(1) (2) (3)" numbering row under a header
        if _header_score(cells) >= 2:
            continue  # the header repeated on a new printed page
        if len(rows) >= MAX_ROWS:
            raise TaskImportError(MSG_TOO_MANY_ROWS.format(limit=MAX_ROWS), row=number)
        rows.append({"row": number, **{c: values.get(c, "") for c in CSV_HEADER}})
    if not rows:
        raise TaskImportError(MSG_NO_ROWS.format(row=header_row), row=header_row)
    return rows


# ---------------------------------------------------------------- unit names

# Words that only say "the relevant bodies" ("Các cơ quan, đơn vị liên quan"): not a unit.
_GENERIC_PREFIXES = ("cac ", "nhung ", "toan the ", "tat ca ", "moi ", "mot so ", "can cu ", "theo ")
_GENERIC_WORDS = frozenset(
    "cac nhung co quan don vi ban nganh phong doan the to chuc dia phuong lien va xa thon cap tren "
    "truc thuoc moi khac cung huyen tinh".split())
# How a unit's name starts: a piece after "," or "và" that starts like this is a new unit.
_UNIT_HEADS = (
    "phong", "van phong", "trung tam", "cong an", "ban", "hoi", "doan", "mat tran", "uy ban mat tran",
    "ubmttq", "mttq", "to", "thon", "khu", "ap", "ban chi huy", "chi bo", "dang uy", "truong", "tram",
    "hop tac xa", "buu dien", "cong ty", "ngan hang", "chi nhanh", "kho bac", "chi cuc", "lien doan",
    "chi hoi", "nha van hoa", "quan su", "bao hiem", "so", "cuc", "vien", "benh vien",
)  # not "ubnd": "Văn phòng HĐND và UBND xã" is one unit
_ABBREVIATIONS = {
    "hdnd": "hoi dong nhan dan", "ubnd": "uy ban nhan dan", "mttq": "mat tran to quoc",
    "ubmttq": "uy ban mat tran to quoc", "vp": "van phong", "cnscd": "cong nghe so cong dong",
    "vhxh": "van hoa xa hoi", "tthc": "thu tuc hanh chinh", "hcc": "hanh chinh cong",
    "pvhcc": "phuc vu hanh chinh cong", "ttpvhcc": "trung tam phuc vu hanh chinh cong",
    "khcn": "khoa hoc cong nghe", "cds": "chuyen doi so",
}
_LOCALITY = ("xa", "phuong", "thi tran")
FUZZY_MATCH = 90
SUGGEST_CUTOFF = 60


def is_generic(name: str) -> bool:
    """True for phrases like "Các cơ quan, đơn vị liên quan" that name no particular unit."""
    folded = " ".join(fold_text(name).split())
    words = _fold_key(name).split()
    return (not words or folded.startswith(_GENERIC_PREFIXES) or "lien quan" in folded
            or set(words) <= _GENERIC_WORDS)


def split_units(cell: str, known: set[str] | None = None) -> list[str]:
    """The unit names in a chủ trì/phối hợp cell, split on ";", newlines, "," and " và ".

    A piece after "," or " và " that does not start like a unit name ("Thể thao và Truyền thông")
    stays with the piece before it, so "Trung tâm Văn hóa, Thể thao và Truyền thông" is one unit.
    `known` holds matching keys of existing units: a piece that is one always stands alone.
    """
    folded = fold_text(cell)
    spans: list[tuple[str, int, int]] = []  # (separator before, start, end)
    depth, start, sep, i = 0, 0, ";", 0
    while i < len(cell):
        char = cell[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (char in ";\n," or folded.startswith(" va ", i)):
            spans.append((sep, start, i))
            sep = ";" if char in ";\n" else ("," if char == "," else "va")
            step = 4 if char == " " else 1
            start, i = i + step, i + step
            continue
        i += 1
    spans.append((sep, start, len(cell)))
    merged: list[list[int]] = []
    for sep, s, e in spans:
        piece = cell[s:e].strip(" .;:-–")
        if not piece:
            continue
        if sep != ";" and merged and not _starts_new_unit(piece, known or set()):
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return [cell[s:e].strip(" .;:,-–\n") for s, e in merged if cell[s:e].strip(" .;:,-–\n")]


def _starts_new_unit(piece: str, known: set[str]) -> bool:
    folded = " ".join(fold_text(piece).split())
    if folded.startswith(_GENERIC_PREFIXES) or "lien quan" in folded or _unit_key(piece) in known:
        return True
    return any(folded == head or folded.startswith(head + " ") for head in _UNIT_HEADS)


def _unit_key(name: str, localities: tuple[str, ...] = ()) -> str:
    """The name reduced for comparison: folded, abbreviations spelled out, "và" and the locality dropped."""
    text = re.sub(r"\(.*?\)", " ", name.replace("&", " và "))
    words: list[str] = []
    for word in _fold_key(text).split():
        words.extend(_ABBREVIATIONS.get(word, word).split())
    words = [w for w in words if w != "va"]
    key = " ".join(words)
    for suffix in (*localities, *_LOCALITY):
        if key.endswith(" " + suffix):
            key = key[: -len(suffix) - 1]
            break
    return key


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


class UnitIndex:
    """The existing units, matched by code, exact reduced name, or closely (rapidfuzz ratio)."""

    def __init__(self, units: list[UnitDTO]) -> None:
        self.units = units
        self.by_code = {u.code.upper(): u for u in units}
        proper = [re.sub(r"^(?:xa|phuong|thi tran) ", "", _fold_key(u.name))
                  for u in units if u.kind == UnitKind.COMMUNE]
        self.localities = tuple(f"{kind} {p}" for p in proper if p for kind in _LOCALITY)
        self.keys = [self.key(u.name) for u in units]

    def key(self, name: str) -> str:
        return _unit_key(name, self.localities)

    def known_keys(self) -> set[str]:
        return set(self.keys)

    def match(self, name: str) -> list[UnitDTO]:
        """[unit] when the name is that unit, [] when unknown, several when ambiguous."""
        code = self.by_code.get(name.strip().upper())
        if code is not None:
            return [code]
        key = self.key(name)
        if not key:
            return []
        exact = [u for u, k in zip(self.units, self.keys, strict=True) if k == key]
        if len(exact) > 1:
            same = [u for u in exact if _fold_key(u.name) == _fold_key(name)]
            return same if len(same) == 1 else exact
        if exact:
            return exact
        scored = [(fuzz.ratio(key, k), u) for u, k in zip(self.units, self.keys, strict=True)
                  if _digits(k) == _digits(key)]
        best = max((score for score, _ in scored), default=0.0)
        if best < FUZZY_MATCH:
            return []
        return [u for score, u in scored if score >= best - 2]

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """The closest unit names: shared words (token set) and overall spelling (ratio) both count."""
        key = self.key(name)
        scored = sorted(((-(fuzz.token_set_ratio(key, k) + fuzz.ratio(key, k)) / 2, i)
                         for i, k in enumerate(self.keys)))
        best = [self.units[i].name for score, i in scored if -score >= SUGGEST_CUTOFF]
        return list(dict.fromkeys(best))[:limit]


# ---------------------------------------------------------------- the report

@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str
    stt: str = ""

    def __str__(self) -> str:
        where = ""
        if self.row is not None:
            where = MSG_ROW_PREFIX.format(row=self.row) + (MSG_ROW_STT.format(stt=self.stt) if self.stt else "")
        if self.column:
            where += (MSG_COLUMN.format(column=self.column) if where
                      else MSG_COLUMN.format(column=self.column).lstrip(", ").capitalize())
        return f"{where}: {self.message}" if where else self.message


@dataclass
class UnknownUnit:
    name: str
    rows: list[int]
    suggestions: list[str]


@dataclass(frozen=True)
class RowOutcome:
    row: int
    stt: str
    title: str
    outcome: str  # created | updated | unchanged


@dataclass
class ImportReport:
    dry_run: bool
    create_units: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    plans: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unknown_units: list[UnknownUnit] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)  # "CODE – Tên" created (or to be, on a dry run)
    outcomes: list[RowOutcome] = field(default_factory=list)
    needs_plan: bool = False  # some row has no nguồn and no plan was given
    written: bool = False  # the tasks were written (not a dry run, nothing blocked)

    @property
    def blocked_by_units(self) -> bool:
        return bool(self.unknown_units) and not self.create_units

    @property
    def ok(self) -> bool:
        return not self.errors and not self.blocked_by_units


def summary(report: ImportReport, *, max_items: int | None = None) -> str:
    """The report in Vietnamese: counts, then errors, unknown units, new units, warnings, changes."""
    lines: list[str] = []
    counts = dict(rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged)
    if not report.ok:
        lines.append(SUMMARY_BLOCKED.format(rows=report.rows))
    else:
        lines.append((SUMMARY_DRY if report.dry_run else SUMMARY_DONE).format(**counts))
    if report.plans:
        lines.append(SUMMARY_PLANS.format(plans="; ".join(report.plans)))

    def section(title: str, items: list[str]) -> None:
        if not items:
            return
        lines.append("")
        lines.append(title)
        shown = items if max_items is None else items[:max_items]
        lines.extend(shown)
        if len(items) > len(shown):
            lines.append(SUMMARY_MORE.format(count=len(items) - len(shown)))

    section(SUMMARY_ERRORS.format(count=len(report.errors)), [f"• {p}" for p in report.errors])
    if not report.create_units:
        unknown = []
        for u in report.unknown_units:
            hint = (SUMMARY_SUGGEST.format(names=", ".join(u.suggestions)) if u.suggestions
                    else SUMMARY_NO_SUGGEST)
            rows = _row_list([str(r) for r in u.rows])
            unknown.append(SUMMARY_UNKNOWN_ITEM.format(name=u.name, rows=rows) + hint)
        section(SUMMARY_UNKNOWN.format(count=len(report.unknown_units)), unknown)
    title = SUMMARY_NEW_UNITS_DRY if report.dry_run or not report.written else SUMMARY_NEW_UNITS_DONE
    section(title.format(count=len(report.new_units)), [f"• {u}" for u in report.new_units])
    section(SUMMARY_WARNINGS.format(count=len(report.warnings)), [f"• {p}" for p in report.warnings])
    if report.dry_run and report.ok:
        changes = [f"{OUTCOME_LABELS[o.outcome]}: dòng {o.row}" + (f" (STT {o.stt})" if o.stt else "")
                   + f" – {o.title}" for o in report.outcomes if o.outcome != "unchanged"]
        section(SUMMARY_CHANGES, changes)
    return "\n".join(lines)


# ---------------------------------------------------------------- checking and writing

@dataclass
class _Prepared:
    row: int
    task: NewTask
    leads: list[int | str]  # unit id, or the key of an unknown unit
    coords: list[int | str]


_ROMAN_OR_LETTER = re.compile(r"^(?:[IVXLC]+|[A-ZĐ])\s*[.)]?$")
_HEADING_NUMBER = re.compile(r"^\s*(?:[IVXLC]+|[A-ZĐ]|\d{1,2}(?:\.\d{1,2})*)\s*[.):\-–]\s*")
_EVENT_WORDS = re.compile(r"\b(?:khi|theo yeu cau|theo chi dao|theo tien do|theo ke hoach)\b")


def _is_heading(raw: Row) -> bool:
    """A row that only names a group of tasks ("I. THỂ CHẾ"), as plan appendices have."""
    if raw["thoi_gian"] or raw["chu_tri"] or raw["phoi_hop"]:
        return False
    stt = raw["stt"]
    return bool(stt or raw["noi_dung"] or raw["nhom"]) and (
        not stt or not raw["noi_dung"] or _ROMAN_OR_LETTER.match(stt) is not None)


def _heading_title(raw: Row) -> str:
    text = raw["noi_dung"] or raw["nhom"] or raw["stt"]
    return _HEADING_NUMBER.sub("", text, count=1).strip() or text


class _Checker:
    def __init__(self, index: UnitIndex, plan: str | None, ref: date, report: ImportReport) -> None:
        self.index, self.plan, self.ref, self.report = index, plan, ref, report
        self.known = index.known_keys()
        self.commune = next((u for u in index.units if u.kind == UnitKind.COMMUNE), None)
        self.unknown: dict[str, UnknownUnit] = {}
        self.seen: dict[str, int] = {}
        self.missing_plan: list[Row] = []

    def problem(self, target: list[Problem], raw: Row, column: str | None, message: str) -> None:
        target.append(Problem(raw["row"], COLUMN_NAMES.get(column or "", column), message, raw["stt"][:32]))

    def rows(self, rows: list[Row]) -> list[_Prepared]:
        prepared: list[_Prepared] = []
        group = ""
        for raw in rows:
            raw = {c: str(raw.get(c) or "").strip() for c in CSV_HEADER} | {"row": int(raw.get("row") or 0)}
            if _is_heading(raw):
                group = _heading_title(raw)[:255]
                continue
            if not raw["noi_dung"]:
                if raw["thoi_gian"] or raw["chu_tri"] or raw["phoi_hop"]:
                    self.problem(self.report.errors, raw, "noi_dung", MSG_TEXT_MISSING)
                continue
            group = raw["nhom"] or group
            item = self.row(raw, group)
            if item is not None:
                prepared.append(item)
        if self.missing_plan:  # one error for all such rows, not one per row
            self.report.needs_plan = True
            others = [str(r["row"]) for r in self.missing_plan[1:]]
            message = MSG_PLAN_MISSING + (MSG_PLAN_MISSING_MORE.format(rows=_row_list(others)) if others else "")
            self.problem(self.report.errors, self.missing_plan[0], "nguon", message)
        return prepared

    def row(self, raw: Row, group: str) -> _Prepared | None:
        report = self.report
        plan = self.plan or raw["nguon"]
        if not plan:
            self.missing_plan.append(raw)
        for column, value in (("stt", raw["stt"]), ("nhom", group), ("nguon", plan)):
            if len(value) > LIMITS[column]:
                self.problem(report.errors, raw, column, MSG_TOO_LONG.format(limit=LIMITS[column]))
        task = NewTask(plan=plan[:255], stt=raw["stt"][:32], group=group[:255], text=raw["noi_dung"],
                       deadline_kind="event", due_date=None, every=None, until=None,
                       deadline_phrase=raw["thoi_gian"])
        first = self.seen.setdefault(task.import_key, raw["row"])
        if first != raw["row"]:
            self.problem(report.warnings, raw, None, MSG_DUPLICATE.format(first=first))
            return None
        if plan and plan not in report.plans:
            report.plans.append(plan)
        task.deadline_kind, task.due_date, task.every, task.until = self.deadline(raw)
        leads = self.units(raw, "chu_tri")
        coords = self.units(raw, "phoi_hop")
        if not leads and not any(p.row == raw["row"] and p.column == COLUMN_NAMES["chu_tri"]
                                 for p in report.errors):
            cell = raw["chu_tri"][:80] or "—"
            if self.commune is not None:
                leads = [self.commune.id]
                message = MSG_LEAD_COMMUNE.format(cell=cell, unit=self.commune.name)
            else:
                message = MSG_NO_LEAD.format(cell=cell)
            self.problem(report.warnings, raw, "chu_tri", message)
        report.rows += 1
        return _Prepared(raw["row"], task, leads, coords)

    def deadline(self, raw: Row) -> tuple[str, date | None, str | None, date | None]:
        phrase = raw["thoi_gian"]
        if not phrase:
            self.problem(self.report.warnings, raw, "thoi_gian", MSG_EMPTY_DEADLINE)
            return "event", None, None, None
        try:
            parsed = parse_deadline(phrase, self.ref)
        except DeadlineError as err:
            self.problem(self.report.warnings, raw, "thoi_gian", MSG_BAD_DEADLINE.format(error=err))
            return "event", None, None, None
        if parsed.kind == "event" and not _EVENT_WORDS.search(fold_text(phrase)):
            self.problem(self.report.warnings, raw, "thoi_gian", MSG_UNREAD_DEADLINE.format(phrase=phrase[:80]))
        return parsed.kind, parsed.due, parsed.every, parsed.until

    def units(self, raw: Row, column: str) -> list[int | str]:
        refs: list[int | str] = []
        for name in split_units(raw[column], self.known):
            if is_generic(name) and name.strip().upper() not in self.index.by_code:
                continue
            found = self.index.match(name)
            if len(found) == 1:
                ref: int | str = found[0].id
            elif found:
                units = ", ".join(f"{u.name} ({u.code})" for u in found[:4])
                self.problem(self.report.errors, raw, column, MSG_AMBIGUOUS_UNIT.format(name=name, units=units))
                continue
            else:
                ref = self.index.key(name) or name
                entry = self.unknown.get(ref)
                if entry is None:
                    entry = self.unknown[ref] = UnknownUnit(name[:255], [], self.index.suggest(name))
                if raw["row"] not in entry.rows:
                    entry.rows.append(raw["row"])
            if ref not in refs:
                refs.append(ref)
        return refs


def _row_list(rows: list[str], limit: int = 10) -> str:
    shown = ", ".join(rows[:limit])
    return shown + (f"… (+{len(rows) - limit})" if len(rows) > limit else "")


def unit_code(name: str, taken: set[str]) -> str:
    """An ASCII upper-case code from a unit name ("Mặt trận Tổ quốc" -> "MAT-TRAN-TO-QUOC"), unique."""
    words = _fold_key(name).upper().split()
    code = ""
    for word in words:
        if len(code) + len(word) + 1 > 24 and code:
            break
        code = f"{code}-{word}" if code else word
    code = code[:24] or "DV"
    candidate, n = code, 2
    while candidate in taken:
        candidate, n = f"{code}-{n}", n + 1
    taken.add(candidate)
    return candidate


async def _create_units(s: AsyncSession, unknown: dict[str, UnknownUnit], units: list[UnitDTO],
                        report: ImportReport) -> dict[str, int]:
    commune = next((u for u in units if u.kind == UnitKind.COMMUNE), None)
    taken = {u.code.upper() for u in units}
    ids: dict[str, int] = {}
    for key, entry in unknown.items():
        code = unit_code(entry.name, taken)
        unit = await people.add_unit(s, code, entry.name, UnitKind.OFFICE, commune.code if commune else None)
        ids[key] = unit.id
        report.new_units.append(f"{code} – {entry.name}")
    return ids


async def _write(s: AsyncSession, prepared: list[_Prepared], unknown: dict[str, UnknownUnit],
                 units: list[UnitDTO], report: ImportReport) -> None:
    ids = await _create_units(s, unknown, units, report) if unknown else {}

    def resolve(refs: list[int | str]) -> list[int]:
        return list(dict.fromkeys(r if isinstance(r, int) else ids[r] for r in refs))

    for item in prepared:
        task = replace(item.task, lead_unit_ids=resolve(item.leads), coord_unit_ids=resolve(item.coords))
        _, outcome = await upsert_task(s, task)
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.outcomes.append(RowOutcome(item.row, task.stt, short_title(task.text, 90), outcome))


async def import_tasks(
    session: AsyncSession, rows: list[Row], plan: str | None, *, dry_run: bool, create_units: bool, ref: date
) -> ImportReport:
    """Check the rows, then create or update their tasks (nothing is written when anything blocks).

    `plan` (when given) replaces the nguồn column. Unknown units block the import unless
    `create_units`, which creates them as offices under the commune. `ref` gives the year of
    deadlines written without one. The caller owns the transaction; a dry run leaves it unchanged.
    """
    report = ImportReport(dry_run=dry_run, create_units=create_units)
    units = await people.list_units(session)
    checker = _Checker(UnitIndex(units), (plan or "").strip() or None, ref, report)
    prepared = checker.rows(rows)
    report.unknown_units = list(checker.unknown.values())
    if not report.ok:
        return report
    unknown = checker.unknown if create_units else {}
    if dry_run:
        savepoint = await session.begin_nested()
        try:
            await _write(session, prepared, unknown, units, report)
        finally:
            await savepoint.rollback()
        return report
    await _write(session, prepared, unknown, units, report)
    report.written = True
    return report
