"""Migrations from an empty database, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine.url import make_url

from storage.db import ensure_up_to_date, make_engine, pending_migrations, upgrade
from storage.models import Base


async def _check_fresh(url: str) -> None:
    engine = make_engine(url)
    try:
        assert await pending_migrations(engine)  # empty database: everything pending
        await upgrade(url)
        assert await pending_migrations(engine) == []
        await ensure_up_to_date(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
    finally:
        await engine.dispose()


async def test_migrations_from_empty_sqlite(tmp_path: Path) -> None:
    await _check_fresh(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")


async def test_migrations_from_empty_postgresql() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return  # the SQLite run covers the embedded engine; CI runs this file again on PostgreSQL
    name = f"cnscd_mig_{secrets.token_hex(4)}"
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        await _check_fresh(make_url(url).set(database=name).render_as_string(hide_password=False))
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()
