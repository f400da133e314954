"""The conversation core: one database transaction per inbound message, routed by the caller's role.

Every channel calls `Conversation.handle(incoming)` and renders the replies it gets back.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import unicodedata
import weakref
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import texts
from handlers.context import Context, Services
from handlers.messages import Incoming, Reply
from handlers.roles import AUDIENCE, at_least
from handlers.router import Router
from storage.db import is_transient_db_error, with_db_retry
from storage.models import Role
from storage.repos import callers, choices

log = logging.getLogger(__name__)

MAX_TEXT = 4096
# Format and control characters (zero-width, bidi overrides) carry no meaning in a question.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}


def clean_text(text: str) -> str:
    """NFC, without control/format characters or lone surrogates, newlines and tabs kept."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _DROP_CATEGORIES).strip()


@dataclass
class Handled:
    """The replies to one message, and the sender's role afterwards (None if it could not be read)."""

    replies: list[Reply]
    role: Role | None = None


class Conversation:
    """Routes each inbound message and returns the replies; never sends anything itself."""

    def __init__(
        self, router: Router, sessionmaker: async_sessionmaker[AsyncSession], services: Services
    ) -> None:
        self.router = router
        self.sessionmaker = sessionmaker
        self.services = services
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Process one message; any failure becomes a polite apology with an error id."""
        return (await self.respond(msg)).replies

    async def respond(self, msg: Incoming) -> Handled:
        """Like `handle`, also telling the channel the sender's role (for its command menu)."""
        precheck = self._precheck(msg)
        if precheck is not None:
            return Handled(precheck)
        msg = _with_text(msg, clean_text(msg.text))
        lock = self._locks.setdefault(f"{msg.channel}:{msg.user_id}", asyncio.Lock())
        async with lock:  # one person's messages are handled one at a time: dialog state stays whole
            try:  # a locked database or a dropped connection: the whole transaction is tried again
                return await with_db_retry(lambda: self._handle_in_transaction(msg))
            except Exception as exc:
                if is_transient_db_error(exc):
                    log.warning("database still unavailable after retries (%s)", type(exc).__name__)
                    return Handled([Reply(texts.DB_BUSY)])
                error_id = secrets.token_hex(4)
                log.exception("handler failed [error_id=%s channel=%s]", error_id, msg.channel)
                return Handled([Reply(texts.INTERNAL_ERROR.format(error_id=error_id))])

    def _precheck(self, msg: Incoming) -> list[Reply] | None:
        if msg.chat_type == "group" and not (msg.command or msg.reply_to_bot or msg.mentions_bot
                                             or msg.callback_data):
            return []  # in groups the bot speaks only when spoken to
        if len(msg.text) > MAX_TEXT:
            return [Reply(texts.TOO_LONG.format(length=len(msg.text), limit=MAX_TEXT))]
        if msg.callback_data is None and not msg.attachments and not clean_text(msg.text):
            return [Reply(texts.EMPTY_MESSAGE)]
        return None

    async def _handle_in_transaction(self, msg: Incoming) -> Handled:
        async with self.sessionmaker() as session, session.begin():
            private = msg.chat_type == "private"
            now = self.services.clock()
            caller = await callers.load(session, msg.channel, msg.user_id, msg.chat_id, private, now)
            if caller is None:  # a first-time sender becomes a citizen
                identity, person = await callers.create_citizen(
                    session, msg.channel, msg.user_id, msg.chat_id, msg.display_name, private)
                ctx = Context(session, self.services, identity, person, msg, may_have_claimed_ticket=False)
            else:
                ctx = Context(session, self.services, caller.identity, caller.person, msg, caller.dialog,
                              may_have_claimed_ticket=caller.may_have_claimed_ticket)
            if not msg.buttons_supported:
                ctx.msg = await self._resolve_choice(ctx)
            replies = await self._route(ctx)
            if not msg.buttons_supported:
                await self._remember_choices(ctx, replies)
            person = await callers.person_after(session, ctx.identity.id, ctx.person)
            return Handled(replies, person.role)

    async def _resolve_choice(self, ctx: Context) -> Incoming:
        """Turn "2", "số 2" or a label typed after a numbered list into that button's data."""
        msg = ctx.msg
        if msg.callback_data is not None or msg.command:
            return msg
        shown = await choices.load(ctx.db, ctx.identity.id, ctx.now())
        data = pick_choice(msg.text, shown)
        return replace(msg, callback_data=data, text="") if data else msg

    async def _remember_choices(self, ctx: Context, replies: list[Reply]) -> None:
        shown = [(b.label, b.data) for r in replies for b in r.all_buttons()]
        if shown:
            await choices.save(ctx.db, ctx.identity.id, shown, ctx.now(), choices.CHOICES_TTL)
        elif replies:
            await choices.clear(ctx.db, ctx.identity.id)

    async def _route(self, ctx: Context) -> list[Reply]:
        msg = ctx.msg
        if msg.callback_data is not None:
            return await self._route_action(ctx, msg.callback_data)
        if msg.command:
            return await self._route_command(ctx, msg.command)
        if ctx.dialog is not None and ctx.dialog.name in self.router.dialogs:
            return await self.router.dialogs[ctx.dialog.name](ctx)
        refused = next((a.error for a in msg.attachments if a.error), None)
        if refused:
            return [Reply(texts.FILE_TOO_LARGE if refused == "too_large" else texts.FILE_FAILED)]
        if msg.attachments and self.router.file_handler is not None:
            return await self.router.file_handler(ctx)
        if msg.attachments and not msg.text:
            return [Reply(texts.FILE_NOT_EXPECTED)]
        if not msg.text:
            return [Reply(texts.UNSUPPORTED)]
        if self.router.text_handler is None:
            return [Reply(texts.UNSUPPORTED)]
        return await self.router.text_handler(ctx)

    async def _route_command(self, ctx: Context, name: str) -> list[Reply]:
        command = self.router.commands.get(name)
        if command is None:
            help_cmd = self.router.commands.get("trogiup")
            replies = [Reply(texts.UNKNOWN_COMMAND.format(command=name[:32]))]
            if help_cmd is not None:
                replies += await help_cmd.handler(ctx)
            return replies
        if not at_least(ctx.person.role, command.min_role):
            return [Reply(texts.NOT_ALLOWED.format(command=name, audience=AUDIENCE[command.min_role]))]
        if ctx.dialog is not None and name not in ("huy",):
            await ctx.end_dialog()  # a new command abandons the half-done dialog
        return await command.handler(ctx)

    async def _route_action(self, ctx: Context, data: str) -> list[Reply]:
        prefix, *args = data.split(":")
        action = self.router.actions.get(prefix)
        # Our buttons carry short printable ASCII; anything else is forged (a lone surrogate would
        # even break the database driver when a handler stores it).
        if action is None or len(data) > 64 or not (data.isascii() and data.isprintable()):
            return [Reply(texts.STALE_BUTTON)]
        if not at_least(ctx.person.role, action.min_role):
            return [Reply(texts.ACTION_NOT_ALLOWED.format(audience=AUDIENCE[action.min_role]))]
        return await action.handler(ctx, args)


def fold_label(text: str) -> str:
    """Lower case, without diacritics, emoji or punctuation: for comparing a typed label."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    kept = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text
                   if unicodedata.category(ch) != "Mn")
    return " ".join(kept.split())


_NUMBER = re.compile(r"^(?:so|số|chon|chọn|#)?\s*(\d{1,2})\s*[.)]?$", re.IGNORECASE)


def pick_choice(text: str, shown: list[tuple[str, str]]) -> str | None:
    """The data of the choice a typed line selects: its number, or (nearly) its label."""
    if not shown:
        return None
    line = text.strip()
    if any(label.strip().isdigit() for label, _ in shown):
        # Choices that are numbers themselves ("1", "2", "5" citizens): the typed number is the label.
        return next((data for label, data in shown if label.strip() == line), None)
    number = _NUMBER.match(line)
    if number:
        index = int(number.group(1))
        return shown[index - 1][1] if 1 <= index <= len(shown) else None
    typed = fold_label(line)
    if len(typed) < 2:
        return None
    labels = [fold_label(label) for label, _ in shown]
    for (_, data), label in zip(shown, labels, strict=True):
        if typed == label:
            return data
    best = process.extractOne(typed, labels, scorer=fuzz.ratio, score_cutoff=85)
    return shown[best[2]][1] if best else None


def _with_text(msg: Incoming, text: str) -> Incoming:
    return replace(msg, text=text)
