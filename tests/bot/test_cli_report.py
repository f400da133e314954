"""`cnscd report`, run as the installed command runs it: a fresh SQLite file, `db upgrade`, `demo`, report."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from handlers import texts_reports as T

DB_NAME = "report.db"
MONTH = "2025-10"


def cnscd(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{cwd / DB_NAME}"
    env["MPLCONFIGDIR"] = str(cwd / ".matplotlib")
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=180)


def query(workdir: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(workdir / DB_NAME)) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """After `cnscd db upgrade` and `cnscd demo`, plus a few sessions in October 2025 (one deleted)."""
    root = tmp_path_factory.mktemp("cli-report")
    for args in (["db", "upgrade"], ["demo"]):
        result = cnscd(args, root)
        assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(root / DB_NAME)) as conn, conn:  # closed: nothing left in the WAL file
        conn.execute("DELETE FROM assist_sessions")
        people = dict(conn.execute("SELECT name, id FROM persons").fetchall())
        units = dict(conn.execute("SELECT code, id FROM units").fetchall())
        rows = [
            ("Lê Văn Minh", "2025-10-03", "THON-DONG", "vneid", 3, 1, None),
            ("Lê Văn Minh", "2025-10-17", "THON-DONG", "docs", 2, 0, None),
            ("Ngô Thị Mai", "2025-10-20", "THON-TAY", "dvc", 4, 2, None),
            ("Đặng Văn Hùng", "2025-10-31", "THON-BAC", "skills", 6, 3, None),
            ("Đặng Văn Hùng", "2025-10-30", "THON-BAC", "skills", 9, 0, "2025-10-30 05:00:00"),
            ("Đặng Văn Hùng", "2025-11-01", "THON-BAC", "safety", 5, 0, None),
        ]
        for name, day, village, category, citizens, elderly, deleted in rows:
            conn.execute(
                "INSERT INTO assist_sessions (person_id, date, unit_id, category, citizens, elderly, disabled,"
                " poor, result, duration_minutes, note, created_at, deleted_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, 0, 'done', 30, '', ?, ?)",
                (people[name], day, units[village], category, citizens, elderly, f"{day} 03:00:00", deleted),
            )
    return root / DB_NAME


@pytest.fixture
def workdir(demo_db: Path, tmp_path: Path) -> Path:
    shutil.copy(demo_db, tmp_path / DB_NAME)
    return tmp_path


def _rows(path: Path, sheet: str) -> list[tuple]:
    ws = load_workbook(path)[sheet]
    return [r for r in ws.iter_rows(min_row=7, values_only=True) if r[0] is not None]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_report_for_the_whole_deployment(workdir: Path) -> None:
    result = cnscd(["report", "--month", MONTH, "--out", "bc.xlsx", "--png", "bc.png"], workdir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Báo cáo tháng 10/2025 – Xã Tân An" in result.stdout and "bc.xlsx" in result.stdout
    xlsx, png = workdir / "bc.xlsx", workdir / "bc.png"
    assert _png_size(png) == (1200, 1500)

    [(count, citizens, elderly)] = query(
        workdir, "SELECT count(*), sum(citizens), sum(elderly) FROM assist_sessions"
                 " WHERE deleted_at IS NULL AND date >= '2025-10-01' AND date < '2025-11-01'")
    assert (count, citizens, elderly) == (4, 15, 6)
    sessions = _rows(xlsx, T.SHEET_SESSIONS)
    assert len(sessions) == count + 1 and sessions[-1][0] == T.TOTAL_ROW and sessions[-1][4] == citizens
    assert all(isinstance(r[0], datetime) for r in sessions[:-1])

    ws = load_workbook(xlsx)[T.SHEET_SUMMARY]
    assert ws["B2"].value == "Xã Tân An" and ws["B3"].value == "01/10/2025–31/10/2025"
    figures = {r[0]: r[1] for r in ws.iter_rows(min_row=7, values_only=True) if isinstance(r[0], str)}
    assert figures[T.ROW_SESSIONS] == count and figures[T.ROW_CITIZENS] == citizens
    assert figures[T.ROW_ELDERLY] == elderly and figures[T.ROW_Q_TOTAL] == 0
    # The demo tasks were created today, after October: none of them counts in that month.
    assert figures[T.ROW_TASKS_TOTAL] == 0


def test_report_for_one_unit_without_chart(workdir: Path) -> None:
    result = cnscd(["report", "--unit", "thon-bac", "--month", "10/2025", "--out", "bac.xlsx"], workdir)
    assert result.returncode == 0, result.stderr
    assert "Thôn Bắc" in result.stdout and not (workdir / "bac.png").exists()
    sessions = _rows(workdir / "bac.xlsx", T.SHEET_SESSIONS)
    assert [r[4] for r in sessions] == [6, 6]  # the live session of 31/10, then the total
    assert load_workbook(workdir / "bac.xlsx")[T.SHEET_QUESTIONS]["A5"].value == T.QUESTIONS_COMMUNE_ONLY


def test_current_month_with_demo_tasks(workdir: Path) -> None:
    month = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
    result = cnscd(["report", "--unit", "P-VHXH", "--month", month, "--out", "out/vhxh.xlsx",
                    "--png", "out/vhxh.png"], workdir)
    assert result.returncode == 0, result.stderr
    [(expected,)] = query(workdir, "SELECT count(DISTINCT task_id) FROM task_units tu JOIN units u"
                                   " ON u.id = tu.unit_id WHERE u.code = 'P-VHXH'")
    assert len(_rows(workdir / "out" / "vhxh.xlsx", T.SHEET_TASKS)) == expected > 0
    assert _png_size(workdir / "out" / "vhxh.png") == (1200, 1500)


@pytest.mark.parametrize("args, message", [
    (["--month", "2025-13", "--out", "x.xlsx"], "--month"),
    (["--month", "abc", "--out", "x.xlsx"], "--month"),
    (["--out", "x.xlsx"], "--month"),
    (["--month", MONTH], "--out"),
    (["--month", MONTH, "--out", "x.csv"], ".xlsx"),
    (["--month", MONTH, "--out", "x.xlsx", "--png", "x.jpg"], ".png"),
    (["--unit", "KHONG-CO", "--month", MONTH, "--out", "x.xlsx"], "KHONG-CO"),
])
def test_bad_arguments_give_one_line_and_exit_2(workdir: Path, args: list[str], message: str) -> None:
    result = cnscd(["report", *args], workdir)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    assert not (workdir / "x.xlsx").exists()
