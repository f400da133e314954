"""Composition root: builds the engine, services and conversation core from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers import build_router
from handlers.context import Services
from handlers.core import Conversation
from storage.db import ensure_up_to_date, make_engine, make_sessionmaker


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    services: Services
    conversation: Conversation

    async def close(self) -> None:
        await self.engine.dispose()


def load_faq(settings: Settings):  # type: ignore[no-untyped-def]
    """The FAQ engine, or None when the FAQ package is not available (logged)."""
    try:
        from faq.engine import FaqEngine
    except ImportError:
        return None
    return FaqEngine.load(settings.faq_overlay_file)


async def build_app(settings: Settings, *, check_schema: bool = True, faq: object | None = None) -> App:
    """Wire everything; refuses to start on a database whose migrations are behind."""
    engine = make_engine(settings.database_url)
    if check_schema:
        try:
            await ensure_up_to_date(engine)
        except Exception:
            await engine.dispose()
            raise
    sessionmaker = make_sessionmaker(engine)
    router = build_router()
    services = Services(settings=settings, faq=faq if faq is not None else load_faq(settings))
    services.extras["router"] = router
    services.extras["sessionmaker"] = sessionmaker
    conversation = Conversation(router, sessionmaker, services)
    return App(settings, engine, sessionmaker, services, conversation)


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
