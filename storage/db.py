"""Engine and session factory, and the Alembic migration helpers used by `cnscd db upgrade`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseBehindError(Exception):
    """The database schema is older than the code; `cnscd db upgrade` fixes it."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; runs its own event loop inside env.py)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations from async code, in a worker thread so env.py can run its own loop."""
    await asyncio.to_thread(upgrade_sync, url, revision)


def _current_heads(conn: Connection) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


async def pending_migrations(engine: AsyncEngine) -> list[str]:
    """Revisions in the code that the database has not applied yet."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    async with engine.connect() as conn:
        current = await conn.run_sync(_current_heads)
    if current == set(script.get_heads()):
        return []
    applied: set[str] = set()
    for rev in current:
        applied.update(r.revision for r in script.iterate_revisions(rev, "base"))
    return [r.revision for r in script.walk_revisions() if r.revision not in applied]


async def ensure_up_to_date(engine: AsyncEngine) -> None:
    missing = await pending_migrations(engine)
    if missing:
        raise DatabaseBehindError(
            f"Cơ sở dữ liệu chưa được cập nhật cấu trúc (thiếu {len(missing)} bản nâng cấp). "
            "Hãy chạy: cnscd db upgrade"
        )
