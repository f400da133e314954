"""Sub-commands of the feature modules (FAQ, tasks, reminders, reports), registered on `cnscd`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.settings import Settings

GROUPS: list[Callable[[argparse._SubParsersAction], None]] = []


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    """`cnscd run`: serve every configured chat channel until stopped."""
    from bot.app import setup_logging
    from bot.runner import run

    setup_logging(settings.log_level)
    return await run(settings)


def _register_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="chạy bot trên các kênh đã cấu hình (Telegram, Zalo)")
    p.set_defaults(func=_run)


GROUPS.append(_register_run)
