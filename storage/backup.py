"""Consistent backups and restores of the embedded SQLite database, and the pg_dump line for PostgreSQL.

SQLite copies go through the online backup API (`sqlite3.Connection.backup`): it reads one
committed snapshot, so a backup taken while the bot runs (even in the middle of someone's write
transaction) is whole and never contains half a transaction. PostgreSQL is backed up with its own
tools; we only print the command (without the password), we never run it.

Errors are `BackupError` with a `reason` code and the path involved; the command line turns them
into one Vietnamese sentence.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine.url import make_url

SQLITE_HEADER = b"SQLite format 3\x00"
BEFORE_RESTORE_SUFFIX = ".before-restore"


class BackupError(Exception):
    """`reason`: not_sqlite_url, memory_db, no_database, out_is_dir, out_no_parent, out_is_db, missing,
    is_dir, not_sqlite, not_cnscd, same_file, busy."""

    def __init__(self, reason: str, path: Path | str | None = None, detail: str = "") -> None:
        super().__init__(f"{reason}: {path or ''} {detail}".strip())
        self.reason = reason
        self.path = str(path) if path is not None else ""
        self.detail = detail


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    before_restore: Path | None
    revision: str | None
    heads: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return self.revision is not None and (self.revision,) == self.heads

    @property
    def behind(self) -> bool:
        """The restored schema is older than the code (`cnscd db upgrade` brings it forward)."""
        return self.revision is not None and not self.up_to_date and self.revision in _known_revisions()


# ---------------------------------------------------------------- URLs

def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL (relative paths are relative to the working directory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError("not_sqlite_url", parsed.render_as_string(hide_password=True))
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise BackupError("memory_db")
    if database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]
    return Path(database).expanduser().resolve()


def pg_dump_command(url: str, out: Path) -> str:
    """The pg_dump line for a PostgreSQL URL: host, port, user and database, never the password."""
    parsed = make_url(url)
    parts = ["pg_dump", "--format=custom"]
    if parsed.host:
        parts += ["--host", parsed.host]
    parts += ["--port", str(parsed.port or 5432)]
    if parsed.username:
        parts += ["--username", parsed.username]
    parts += ["--dbname", parsed.database or "postgres", "--file", _quote(str(out))]
    return " ".join(parts)


def pg_restore_command(url: str, file: Path) -> str:
    parsed = make_url(url)
    parts = ["pg_restore", "--clean", "--if-exists", "--no-owner"]
    if parsed.host:
        parts += ["--host", parsed.host]
    parts += ["--port", str(parsed.port or 5432)]
    if parsed.username:
        parts += ["--username", parsed.username]
    parts += ["--dbname", parsed.database or "postgres", _quote(str(file))]
    return " ".join(parts)


def _quote(text: str) -> str:
    safe = all(ch.isalnum() or ch in "/._-+:@%" for ch in text)
    return text if safe and text else "'" + text.replace("'", "'\"'\"'") + "'"


# ---------------------------------------------------------------- checks

def _connect_existing(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a database file that must exist (a plain `sqlite3.connect` would create an empty one)."""
    mode = "ro" if readonly else "rw"
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)


def _alembic_revision(conn: sqlite3.Connection) -> str | None:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
    if not has_table:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def code_heads() -> tuple[str, ...]:
    """The latest migration(s) this code knows."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    return tuple(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def check_backup_file(file: Path) -> str:
    """Make sure `file` is a readable cnscd SQLite database; returns its migration revision."""
    if not file.exists():
        raise BackupError("missing", file)
    if file.is_dir():
        raise BackupError("is_dir", file)
    with file.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise BackupError("not_sqlite", file)
    try:
        conn = _connect_existing(file, readonly=True)
        try:
            problems = conn.execute("PRAGMA quick_check").fetchone()
            revision = _alembic_revision(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("not_sqlite", file, str(exc)) from None
    if not problems or problems[0] != "ok":
        raise BackupError("not_sqlite", file, str(problems[0] if problems else ""))
    if revision is None:
        raise BackupError("not_cnscd", file)
    return revision


def check_output(out: Path, database: Path | None = None) -> Path:
    """Where a backup may be written: not a folder, in an existing folder, not the live database."""
    if out.is_dir():
        raise BackupError("out_is_dir", out)
    if not out.parent.exists() or not out.parent.is_dir():
        raise BackupError("out_no_parent", out.parent)
    if database is not None and out.resolve() == database.resolve():
        raise BackupError("out_is_db", out)
    return out


# ---------------------------------------------------------------- backup and restore

def _copy(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    try:
        src.backup(dst)  # all pages in one step: one consistent snapshot of the committed data
    except sqlite3.OperationalError as exc:
        raise BackupError("busy", detail=str(exc)) from None


def backup_sqlite(database: Path, out: Path) -> BackupResult:
    """Copy the live database into `out` (written beside it first, then renamed into place)."""
    if not database.exists():
        raise BackupError("no_database", database)
    if database.is_dir():
        raise BackupError("is_dir", database)
    check_output(out, database)
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    try:
        src = _connect_existing(database)
    except sqlite3.DatabaseError as exc:
        raise BackupError("not_sqlite", database, str(exc)) from None
    try:
        dst = sqlite3.connect(part)
        try:
            _copy(src, dst)
            # A self-contained file: no -wal beside it is needed to read the copy.
            dst.execute("PRAGMA journal_mode=DELETE")
            revision = _alembic_revision(dst)
        finally:
            dst.close()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(part, out)
    return BackupResult(out, out.stat().st_size, revision)


def restore_sqlite(file: Path, database: Path) -> RestoreResult:
    """Replace the contents of `database` with the backup `file`.

    The current database is first copied to `<database>.before-restore`. The copy goes through the
    backup API into the database file itself, so its -wal/-shm companions stay coherent. Stop the bot
    before restoring: a running bot would keep serving what it had cached about the old data.
    """
    revision = check_backup_file(file)
    if database.exists() and file.resolve() == database.resolve():
        raise BackupError("same_file", file)
    if database.is_dir():
        raise BackupError("is_dir", database)
    if not database.parent.is_dir():
        raise BackupError("out_no_parent", database.parent)
    before: Path | None = None
    if database.exists():
        before = database.with_name(database.name + BEFORE_RESTORE_SUFFIX)
        backup_sqlite(database, before)
    src = _connect_existing(file, readonly=True)
    try:
        dst = sqlite3.connect(database, timeout=30)
        try:
            _copy(src, dst)
        finally:
            dst.close()
    finally:
        src.close()
    return RestoreResult(database, before, revision, code_heads())
