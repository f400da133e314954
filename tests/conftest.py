"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when DATABASE_URL says so),
an app wired on it, and console chats per role over the demo data."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.app import App, build_app
from bot.channels.console import ConsoleChannel
from bot.settings import Settings, load_settings
from storage.db import make_engine, upgrade_sync
from storage.models import Base

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _test_url(tmp_root: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url
    return f"sqlite+aiosqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once for the whole run; tests empty its tables before they start."""
    url = _test_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgresql"):
        import asyncio

        asyncio.run(_drop_everything(url))
    upgrade_sync(url)
    return url


async def _drop_everything(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _empty_tables(app: App) -> None:
    async with app.engine.begin() as conn:
        existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        # Only migrated tables: a model without its migration is caught by tests/storage/test_migrations.py.
        tables = [t for t in Base.metadata.sorted_tables if t.name in existing]
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                await conn.execute(table.delete())


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=db_url,
        faq_overlay_file=tmp_path / "faq_local.yaml",
        files_dir=tmp_path / "files",
        _env_file=None,
    )


@pytest.fixture(scope="session")
def faq_engine():  # type: ignore[no-untyped-def]
    """The real knowledge base, loaded once (about two seconds) and shared read-only."""
    from faq.engine import FaqEngine

    return FaqEngine.load()


@pytest.fixture
async def app(settings: Settings, faq_engine) -> AsyncIterator[App]:  # type: ignore[no-untyped-def]
    application = await build_app(settings, faq=faq_engine)
    await _empty_tables(application)
    yield application
    await application.close()


@pytest.fixture
async def demo_app(app: App) -> App:
    from bot.demo import load_demo

    async with app.sessionmaker() as s, s.begin():
        await load_demo(s, date.today())
    return app


@pytest.fixture
def chat(demo_app: App):  # type: ignore[no-untyped-def]
    """chat("admin") -> a console channel speaking as the demo person with that role."""

    def make(role: str = "citizen", user_id: str | None = None) -> ConsoleChannel:
        return ConsoleChannel(demo_app.conversation, user_id=user_id or f"console-{role}")

    return make
