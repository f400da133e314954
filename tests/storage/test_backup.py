"""`cnscd backup` / `cnscd restore`: consistent SQLite copies while the bot writes, and clear refusals."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from storage import backup
from storage.db import make_engine, make_sessionmaker, upgrade_sync
from storage.models import utcnow
from storage.repos import questions

LIVE = "live.db"


async def _load_demo(url: str) -> None:
    from bot.demo import load_demo

    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            await load_demo(s, date.today())
            await questions.log_question(s, identity_id=None, channel="console", text="quên mật khẩu",
                                         normalized="quen mat khau", topic=None, score=0.0,
                                         decision="fallback", candidates=[], now=utcnow())
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo data, made once and copied per test."""
    path = tmp_path_factory.mktemp("backup-demo") / "demo.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(url)
    asyncio.run(_load_demo(url))
    return path


@pytest.fixture
def live(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The configured database, as a relative sqlite URL in the working directory."""
    shutil.copy(demo_file, tmp_path / LIVE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///./{LIVE}")
    return tmp_path / LIVE


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        conn.close()


def wipe(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall():
            conn.execute(f'DELETE FROM "{name}"')
        conn.commit()
    finally:
        conn.close()


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err and err.count("\n") == 0 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_round_trip_with_an_open_write_transaction(live: Path, journal: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(live)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.close()
    before = table_counts(live)
    assert before["units"] > 0 and before["tasks"] > 0 and before["question_log"] == 1
    assert before["audit_log"] > 0 and before["assist_sessions"] > 0

    # Another connection (the bot) is in the middle of a write transaction while the backup runs.
    writer = sqlite3.connect(live, isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO units (code, name, kind, created_at) VALUES ('X', 'Đơn vị dở dang', 'office', "
                   "'2025-01-01 00:00:00')")
    writer.execute("DELETE FROM question_log")
    try:
        assert main(["backup", "--out", "copy.db"]) == 0
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert "Đã sao lưu" in capsys.readouterr().out
    copy = live.parent / "copy.db"
    assert table_counts(copy) == before  # the committed state only: no half transaction
    assert not Path(f"{copy}-wal").exists()  # a self-contained file
    assert not list(live.parent.glob("*.part"))

    wipe(live)
    assert all(n == 0 for n in table_counts(live).values())
    assert main(["restore", "copy.db"]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục" in out and "mới nhất" in out and "db upgrade" not in out
    assert table_counts(live) == before
    kept = live.parent / f"{LIVE}.before-restore"
    assert kept.exists() and all(n == 0 for n in table_counts(kept).values())


def test_backup_while_the_bot_engine_holds_a_write_transaction(live: Path) -> None:
    async def scenario() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{live}")
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
                await conn.exec_driver_sql("DELETE FROM tasks")
                result = await asyncio.to_thread(backup.backup_sqlite, live, live.parent / "during.db")
                assert result.revision is not None
                await conn.rollback()
        finally:
            await engine.dispose()

    before = table_counts(live)
    asyncio.run(scenario())
    assert table_counts(live.parent / "during.db") == before


def test_restore_refuses_a_file_that_is_not_sqlite(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (live.parent / "notes.txt").write_text("không phải cơ sở dữ liệu\n" * 50, encoding="utf-8")
    before = table_counts(live)
    assert main(["restore", "notes.txt"]) == 2
    assert "không phải cơ sở dữ liệu SQLite" in one_line_error(capsys)
    assert table_counts(live) == before
    assert not (live.parent / f"{LIVE}.before-restore").exists()


def test_restore_refuses_a_foreign_sqlite_file(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = sqlite3.connect(live.parent / "other.db")
    other.execute("CREATE TABLE t (x INTEGER)")
    other.commit()
    other.close()
    assert main(["restore", "other.db"]) == 2
    assert "không phải bản sao lưu của cnscd" in one_line_error(capsys)


@pytest.mark.parametrize(("argv", "words"), [
    (["restore", "missing.db"], "Không tìm thấy tệp"),
    (["restore", "."], "là một thư mục"),
    (["backup", "--out", "."], "là một thư mục"),
    (["backup", "--out", "no/such/folder/x.db"], "không tồn tại"),
    (["backup", "--out", LIVE], "trùng với cơ sở dữ liệu"),
])
def test_bad_paths_are_one_line_errors(live: Path, argv: list[str], words: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = table_counts(live)
    assert main(argv) == 2
    assert words in one_line_error(capsys)
    assert table_counts(live) == before


def test_backup_of_a_missing_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///./nothing-here.db")
    assert main(["backup", "--out", "x.db"]) == 2
    assert "Không tìm thấy tệp cơ sở dữ liệu" in one_line_error(capsys)
    assert not (tmp_path / "nothing-here.db").exists()  # not created by looking at it


def test_restore_of_an_older_schema_asks_for_upgrade(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = live.parent / "old.db"
    upgrade_sync(f"sqlite+aiosqlite:///{old}", "005")
    assert main(["restore", "old.db"]) == 0
    out = capsys.readouterr().out
    assert "cnscd db upgrade" in out and "005" in out
    assert "audit_log" not in table_counts(live)
    assert (live.parent / f"{LIVE}.before-restore").exists()


def test_restore_into_a_new_database_file(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    assert main(["restore", str(demo_file)]) == 0
    assert "Bản cũ" not in capsys.readouterr().out
    assert table_counts(tmp_path / "fresh.db") == table_counts(demo_file)


def test_postgresql_prints_pg_dump_without_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://cnscd:m%40tkhau-bi-mat@db.xa.vn:5433/cnscd_prod")
    monkeypatch.setattr("subprocess.run", lambda *a, **k: pytest.fail("must not shell out"))
    assert main(["backup", "--out", "cnscd.dump"]) == 0
    out = capsys.readouterr().out
    assert "pg_dump" in out and "--host db.xa.vn" in out and "--port 5433" in out
    assert "--username cnscd" in out and "--dbname cnscd_prod" in out and "cnscd.dump" in out
    assert "tkhau" not in out and "bi-mat" not in out
    assert not (tmp_path / "cnscd.dump").exists()
    assert main(["restore", "cnscd.dump"]) == 2
    err = one_line_error(capsys)
    assert "pg_restore" in err and "tkhau" not in err


def test_sqlite_path_of_relative_and_absolute_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert backup.sqlite_path("sqlite+aiosqlite:///./x.db") == tmp_path / "x.db"
    assert backup.sqlite_path("sqlite+aiosqlite:///x.db") == tmp_path / "x.db"
    assert backup.sqlite_path(f"sqlite+aiosqlite:///{tmp_path}/abs.db") == tmp_path / "abs.db"
    with pytest.raises(backup.BackupError):
        backup.sqlite_path("sqlite+aiosqlite:///:memory:")
    with pytest.raises(backup.BackupError):
        backup.sqlite_path("postgresql+asyncpg://u@h/db")
