"""`cnscd tasks import|extract` and `cnscd deadline`, run as the installed command would run them."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import SHARED

PLAN_CSV = SHARED / "plans" / "ke-hoach-10-KH-DU-phu-luc-III.csv"
WARD_PLAN = SHARED / "seeds" / "002_ada6249dc3691d29.txt"
DB_NAME = "cli.db"


def cnscd(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{cwd / DB_NAME}"
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file after `cnscd db upgrade` and `cnscd demo`, made once and copied per test."""
    root = tmp_path_factory.mktemp("cli-demo")
    for args in (["db", "upgrade"], ["demo"]):
        result = cnscd(args, root)
        assert result.returncode == 0, result.stderr
    return root / DB_NAME


@pytest.fixture
def workdir(demo_db: Path, tmp_path: Path) -> Path:
    shutil.copy(demo_db, tmp_path / DB_NAME)
    return tmp_path


def query(workdir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(workdir / DB_NAME) as conn:
        return conn.execute(sql).fetchall()


def task_count(workdir: Path) -> int:
    return query(workdir, "SELECT count(*) FROM tasks")[0][0]


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() and result.stderr.strip().count("\n") == 0, result.stderr


# ---------------------------------------------------------------- tasks import


def test_import_dry_run_then_import_then_again(workdir: Path) -> None:
    before = task_count(workdir)
    dry = cnscd(["tasks", "import", str(PLAN_CSV), "--plan", "KH thử", "--dry-run"], workdir)
    assert dry.returncode == 0, dry.stderr
    assert "Kiểm tra thử" in dry.stdout and "sẽ tạo mới 15" in dry.stdout
    assert "+ tạo mới: dòng 2 (STT 1)" in dry.stdout
    assert task_count(workdir) == before

    done = cnscd(["tasks", "import", str(PLAN_CSV), "--plan", "KH thử"], workdir)
    assert done.returncode == 0, done.stderr
    assert "Đã nhập 15 nhiệm vụ: tạo mới 15, cập nhật 0, giữ nguyên 0." in done.stdout
    assert task_count(workdir) == before + 15

    again = cnscd(["tasks", "import", str(PLAN_CSV), "--plan", "KH thử"], workdir)
    assert "tạo mới 0, cập nhật 0, giữ nguyên 15" in again.stdout
    assert task_count(workdir) == before + 15


def test_import_xlsx(workdir: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Danh mục nhiệm vụ"])
    sheet.append(["TT", "Nội dung", "Thời hạn", "Cơ quan chủ trì", "Nguồn"])
    sheet.append([1, "Rà soát dữ liệu dân cư", "Quý IV/2025", "Công an xã", "KH xlsx"])
    book.save(workdir / "plan.xlsx")
    result = cnscd(["tasks", "import", "plan.xlsx"], workdir)
    assert result.returncode == 0, result.stderr
    assert "tạo mới 1" in result.stdout
    assert query(workdir, "SELECT plan, due_date FROM tasks WHERE plan = 'KH xlsx'") == [("KH xlsx", "2025-12-31")]


def test_unknown_unit_exits_1_until_create_units(workdir: Path) -> None:
    (workdir / "new.csv").write_text(
        "stt,noi_dung,thoi_gian,chu_tri,phoi_hop\n1,Tuyên truyền,Thường xuyên,Hội Nông dân xã,Phòng Kinh tế\n",
        encoding="utf-8")
    refused = cnscd(["tasks", "import", "new.csv", "--plan", "KH hội"], workdir)
    assert refused.returncode == 1
    assert "«Hội Nông dân xã» (dòng 2)" in refused.stdout and "--create-units" in refused.stdout
    assert query(workdir, "SELECT count(*) FROM units WHERE name = 'Hội Nông dân xã'") == [(0,)]

    created = cnscd(["tasks", "import", "new.csv", "--plan", "KH hội", "--create-units"], workdir)
    assert created.returncode == 0, created.stdout
    assert "Đã tạo 1 đơn vị mới" in created.stdout and "HOI-NONG-DAN" in created.stdout
    assert query(workdir, "SELECT code, kind FROM units WHERE name = 'Hội Nông dân xã'") == [("HOI-NONG-DAN-XA", "office")]


def test_missing_plan_exits_1_with_a_hint(workdir: Path) -> None:
    (workdir / "noplan.csv").write_text("noi_dung,thoi_gian,chu_tri\nRà soát,Thường xuyên,Công an xã\n",
                                        encoding="utf-8")
    result = cnscd(["tasks", "import", "noplan.csv"], workdir)
    assert result.returncode == 1
    assert "Dòng 2, cột nguồn" in result.stdout and "--plan" in result.stdout


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "trống"),
    (b"\x00\x01\x02\x03garbage" * 50, "không phải bảng tính"),
    ("noi_dung,chu_tri\nRà soát,Công an xã\n".encode(), "thời gian"),
    ("noi_dung,thoi_gian,chu_tri\nRà soát,Tháng 8,Công an\n".encode("cp1252"), "UTF-8"),
])
def test_broken_file_is_one_line_exit_2(workdir: Path, content: bytes, expected: str) -> None:
    (workdir / "bad.csv").write_bytes(content)
    before = task_count(workdir)
    result = cnscd(["tasks", "import", "bad.csv", "--plan", "KH"], workdir)
    assert_one_line_error(result)
    assert expected in result.stderr
    assert task_count(workdir) == before


def test_missing_file(workdir: Path) -> None:
    result = cnscd(["tasks", "import", "nope.csv", "--plan", "KH"], workdir)
    assert_one_line_error(result)
    assert "nope.csv" in result.stderr


# ---------------------------------------------------------------- tasks extract


def test_extract_ward_plan_then_reimport(workdir: Path) -> None:
    result = cnscd(["tasks", "extract", str(WARD_PLAN), "--out", "tasks.csv", "--source", "KH phường Việt Hòa"],
                   workdir)
    assert result.returncode == 0, result.stderr
    assert "Đã tìm thấy 13 nhiệm vụ" in result.stdout
    with (workdir / "tasks.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 13 and {r["nguon"] for r in rows} == {"KH phường Việt Hòa"}

    before = task_count(workdir)
    dry = cnscd(["tasks", "import", "tasks.csv", "--dry-run"], workdir)
    assert dry.returncode == 1 and "Tổ CNSCĐ phường" in dry.stdout  # a ward team the demo commune lacks
    imported = cnscd(["tasks", "import", "tasks.csv", "--create-units"], workdir)
    assert imported.returncode == 0, imported.stdout
    assert "tạo mới 13" in imported.stdout
    assert task_count(workdir) == before + 13
    again = cnscd(["tasks", "import", "tasks.csv"], workdir)
    assert again.returncode == 0 and "tạo mới 0, cập nhật 0, giữ nguyên 13" in again.stdout


def test_extract_refuses_binary(workdir: Path) -> None:
    (workdir / "plan.pdf").write_bytes(b"%PDF-1.4\n\xff\xfe\x00\x00binary")
    result = cnscd(["tasks", "extract", "plan.pdf", "--out", "t.csv"], workdir)
    assert_one_line_error(result)
    assert ".txt" in result.stderr


# ---------------------------------------------------------------- deadline

DEADLINES = [
    ("Trước ngày 20/12/2025", {"kind": "date", "due": "2025-12-19", "every": None, "until": None}),
    ("Trong tháng 8/2025", {"kind": "date", "due": "2025-08-31", "every": None, "until": None}),
    ("Quý III", {"kind": "date", "due": "2025-09-30", "every": None, "until": None}),
    ("Thường xuyên", {"kind": "recurring", "due": None, "every": "month", "until": None}),
    ("Hằng quý", {"kind": "recurring", "due": None, "every": "quarter", "until": None}),
    ("Thường xuyên trong 6 tháng cuối năm 2025",
     {"kind": "recurring", "due": None, "every": "month", "until": "2025-12-31"}),
    ("Ngay sau khi có văn bản hướng dẫn", {"kind": "event", "due": None, "every": None, "until": None}),
]


@pytest.mark.parametrize(("phrase", "expected"), DEADLINES)
def test_deadline_json(phrase: str, expected: dict, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["deadline", phrase, "--ref", "2025-09-19", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


@pytest.mark.parametrize(("phrase", "line"), [
    ("Trước ngày 20/12/2025", "Hạn: 19/12/2025."),
    ("Thường xuyên trong 6 tháng cuối năm 2025", "Định kỳ hằng tháng, đến hết 31/12/2025."),
    ("Hằng quý", "Định kỳ hằng quý, không có ngày kết thúc."),
    ("Khi có yêu cầu", "Theo sự kiện: không có ngày hạn cụ thể."),
])
def test_deadline_readable(phrase: str, line: str, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["deadline", phrase, "--ref", "2025-09-19"]) == 0
    assert capsys.readouterr().out.strip() == line


def test_deadline_impossible_date_exits_2(tmp_path: Path) -> None:
    result = cnscd(["deadline", "31/02/2025", "--json"], tmp_path)
    assert_one_line_error(result)
    assert result.stderr.strip() == "Ngày không hợp lệ: 31/02/2025."
    assert result.stdout == ""


def test_deadline_bad_ref(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                          tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["deadline", "Quý III", "--ref", "19/09/2025"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
