"""Engine and session factory, and the Alembic migration helpers used by `cnscd db upgrade`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Seconds to wait before each retry of a transaction that hit a busy database or a dropped
# connection: three retries, then the caller gives up (and tells the user to try again later).
DB_RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0)
_TRANSIENT_MARKERS = ("database is locked", "database table is locked", "database is busy",
                      "connection is closed", "connection was closed", "server closed the connection",
                      "terminating connection", "could not connect", "connection refused")

log = logging.getLogger(__name__)
T = TypeVar("T")


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


def is_transient_db_error(exc: BaseException) -> bool:
    """A failure that a new attempt may not meet: SQLite busy/locked, a lost or invalidated connection.

    Constraint violations, bad SQL and the like are not: retrying them would fail the same way.
    """
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, InterfaceError):
            return True
        message = str(exc.orig if exc.orig is not None else exc).lower()
        return isinstance(exc, OperationalError) and any(m in message for m in _TRANSIENT_MARKERS)
    return isinstance(exc, ConnectionError)  # e.g. PostgreSQL refusing connections while it restarts


async def with_db_retry(work: Callable[[], Awaitable[T]], delays: Sequence[float] | None = None,
                        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """Run `work` (one whole transaction) again after a transient database error, with back-off.

    `work` must open and commit its own transaction, so a failed attempt has been rolled back
    before the next one starts. After the last retry the error is raised to the caller.
    """
    waits = DB_RETRY_DELAYS if delays is None else delays
    for attempt, wait in enumerate([*waits, None], start=1):
        try:
            return await work()
        except Exception as exc:
            if wait is None or not is_transient_db_error(exc):
                raise
            log.warning("database busy or connection lost (%s), retry %d/%d in %.1fs",
                        type(exc).__name__, attempt, len(waits), wait)
            await sleep(wait)
    raise AssertionError("unreachable")


def upsert_insert(s: AsyncSession) -> Callable[[Any], Any]:
    """The `insert` of the session's dialect, which has ON CONFLICT DO NOTHING / DO UPDATE.

    Only SQLite and PostgreSQL are supported engines; both spell ON CONFLICT the same way.
    """
    name = s.get_bind().dialect.name
    if name == "postgresql":
        return pg_insert
    if name == "sqlite":
        return sqlite_insert
    raise NotImplementedError(f"unsupported database engine: {name}")


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
