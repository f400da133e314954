"""Telegram rendering rules: HTML escaping, 4096-character splitting, inline keyboards, command menus.

Pure functions with no I/O, so the limits can be tested as tables. Limits are from
https://core.telegram.org/bots/api (sendMessage, InlineKeyboardButton, BotCommand).
"""

from __future__ import annotations

import bot.channels.aiogram_lazy  # noqa: F401  (before aiogram: its types are built on first use)

# isort: split
import html
import logging
import re

from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from handlers.messages import Button
from handlers.roles import at_least
from handlers.router import Router
from storage.models import Role

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def escape(text: str) -> str:
    """Text safe for parse_mode=HTML: only `&`, `<` and `>` need replacing."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def _split_line(line: str, limit: int) -> list[str]:
    """A single over-long line, cut at a space where one is near the limit."""
    pieces: list[str] = []
    while utf16_len(line) > limit:
        cut = _fit(line, limit)
        space = line.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Chunks of at most `limit` UTF-16 units, cut at line boundaries; blank chunks are dropped."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            if not current:
                current = piece
            elif utf16_len(current) + 1 + utf16_len(piece) <= limit:
                current = f"{current}\n{piece}"
            else:
                chunks.append(current)
                current = piece
    chunks.append(current)
    return [c for c in chunks if c.strip()]


def render_choices(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard rows; a button whose data is empty or over 64 bytes is left out (logged)."""
    rows: list[list[InlineKeyboardButton]] = []
    for row in buttons:
        kept = []
        for button in row:
            size = len(button.data.encode("utf-8"))
            if not button.data or size > MAX_CALLBACK_BYTES or not button.label:
                log.warning("telegram: button skipped, callback data of %d bytes", size)
                continue
            kept.append(InlineKeyboardButton(text=button.label, callback_data=button.data))
        if kept:
            rows.append(kept)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def commands_for(router: Router, role: Role) -> list[BotCommand]:
    """The command menu a role sees: menu commands it may use, with their Vietnamese descriptions."""
    menu = []
    for command in router.menu_for(lambda minimum: at_least(role, minimum)):
        if not COMMAND_NAME.fullmatch(command.name):
            log.warning("telegram: command %r cannot be in the menu (name rules)", command.name[:40])
            continue
        description = (command.description or command.name)[:MAX_COMMAND_DESCRIPTION]
        menu.append(BotCommand(command=command.name, description=description))
    return menu[:MAX_COMMANDS]
