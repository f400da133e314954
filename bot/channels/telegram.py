"""Telegram channel: an aiogram `Bot` and `Dispatcher` held by composition, long polling or webhook.

Converts Telegram messages and button presses to `Incoming`, hands them to the conversation core, and
delivers the `Reply`s as HTML messages with inline keyboards, documents and photos. Business rules
stay in `handlers/`; this module only converts and delivers.
"""

from __future__ import annotations

import bot.channels.aiogram_lazy  # noqa: F401  (before aiogram: its types are built on first use)

# isort: split
import asyncio
import hmac
import logging
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetFile,
    GetMe,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.types import (
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from aiohttp import ClientError, web
from pydantic import ValidationError

from bot.app import App
from bot.channels.base import DeliveryError, RetryLater, Unreachable
from bot.channels.telegram_render import (
    MAX_CAPTION,
    commands_for,
    escape,
    render_choices,
    split_text,
    utf16_len,
)
from bot.settings import Settings
from handlers.messages import Attachment, Incoming, OutFile, Reply
from handlers.router import Router
from storage.models import Role
from storage.repos import people

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- what this channel says by itself
CONTACT_NOT_NEEDED = (
    "Cảm ơn bạn! Mình không cần số điện thoại của bạn nên đã không lưu lại. "
    "Để giữ an toàn thông tin cá nhân, bạn không cần gửi số điện thoại hay số CCCD khi hỏi. "
    "Bạn cứ gõ câu hỏi bằng chữ nhé."
)
UNSUPPORTED_KIND = (
    "Mình chưa đọc được loại tin nhắn này (nhãn dán, ghi âm, vị trí…). "
    "Bạn vui lòng gõ câu hỏi bằng chữ, hoặc gửi ảnh chụp màn hình nhé."
)
CHOOSE = "Bạn chọn một mục:"

# ---------------------------------------------------------------- platform constants
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STOP_GRACE_SECONDS = 10.0  # how long stop() lets in-flight updates finish
# Long polling fetches no more while this many updates are being handled (back-pressure): the rest
# wait at Telegram instead of piling up here, where they would time out waiting for a database
# connection (benchmarks/throughput_bench.py measured errors without this bound under overload).
MAX_IN_FLIGHT = 100
# 403 always means we cannot write to that chat (blocked, deactivated, kicked); these 400s too.
UNREACHABLE_400 = ("chat not found", "user not found", "peer_id_invalid", "have no rights to send")

# aiogram parses every API answer with the generic model `Response[<result type>]`; pydantic caches
# parametrised generics only weakly, so after each full garbage collection the next answer rebuilt
# them (8-30 ms each, blocking the event loop; measured by benchmarks/throughput_bench.py).
# Holding them here makes that a one-time cost at import.
_RESPONSE_MODELS = tuple(Response[m.__returning__] for m in (
    GetMe, GetUpdates, DeleteWebhook, SetWebhook, SetMyCommands, SendMessage, EditMessageText,
    AnswerCallbackQuery, SendDocument, SendPhoto, GetFile))

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Parsed = Incoming | Reply | None


class Rejected(DeliveryError):
    """Telegram refused the request itself (HTTP 400): sending it again unchanged will not help."""


class TelegramChannel:
    """The Telegram adapter; `start()` runs long polling, or registers the webhook when one is set."""

    name = "telegram"

    def __init__(
        self, app: App, settings: Settings | None = None, *, sleep: Sleep = asyncio.sleep,
        backoff: float = 0.5, max_tries: int = 4, polling_timeout: int = 25,
        max_rate_waits: int = 5, max_retry_after: float = 60.0, max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.app = app
        self.settings = settings or app.settings
        token = self.settings.telegram_bot_token
        if token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        api = TelegramAPIServer.from_base(self.settings.telegram_api_base)
        self.bot = Bot(token.get_secret_value(), session=AiohttpSession(api=api))
        self.dp = Dispatcher(disable_fsm=True)  # dialog state lives in the database, not in aiogram
        self.dp.message.register(self._on_message)
        self.dp.callback_query.register(self._on_callback)
        self._sleep = sleep
        self._backoff = backoff
        self._max_tries = max_tries
        self._polling_timeout = polling_timeout
        self._max_rate_waits = max_rate_waits
        self._max_retry_after = max_retry_after
        self._max_in_flight = max(1, max_in_flight)
        # Without TELEGRAM_WEBHOOK_SECRET each start picks a random one (set it when running replicas).
        secret = self.settings.telegram_webhook_secret
        self._secret = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
        self._me: User | None = None
        self._mention: re.Pattern[str] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._menu_roles: dict[str, Role] = {}

    @property
    def router(self) -> Router:
        return self.app.services.extras["router"]  # type: ignore[no-any-return]

    @property
    def webhook_url(self) -> str | None:
        return self.settings.telegram_webhook_url or None

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Check the token, publish the citizen command menu, then poll or register the webhook."""
        self._me = await self._call(GetMe())
        username = re.escape(self._me.username or "")
        self._mention = re.compile(rf"(?<!\S)@{username}\b", re.IGNORECASE) if username else None
        await self._call(SetMyCommands(commands=commands_for(self.router, Role.CITIZEN),
                                       scope=BotCommandScopeDefault()))
        if self.webhook_url:
            await self._call(SetWebhook(url=self.webhook_url, secret_token=self._secret,
                                        allowed_updates=ALLOWED_UPDATES))
        else:
            await self._call(DeleteWebhook(drop_pending_updates=False))
            self._poller = asyncio.create_task(self._poll(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop polling, let in-flight updates finish (bounded), close the HTTP session."""
        if self._poller is not None:
            self._poller.cancel()
            with suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        with suppress(TimeoutError):
            async with asyncio.timeout(STOP_GRACE_SECONDS):
                await self.drain()
        leftovers = list(self._tasks)
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        await self.bot.session.close()

    async def drain(self) -> None:
        """Wait until every update received so far has been handled."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _poll(self) -> None:
        """getUpdates long polling; the offset confirms updates only after they were scheduled."""
        offset: int | None = None
        failures = 0
        while True:
            while len(self._tasks) >= self._max_in_flight:
                await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)
            limit = min(100, self._max_in_flight - len(self._tasks))
            try:
                updates = await self.bot(
                    GetUpdates(offset=offset, limit=limit, timeout=self._polling_timeout,
                               allowed_updates=ALLOWED_UPDATES),
                    request_timeout=self._polling_timeout + 10,
                )
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
                continue
            except (TelegramNetworkError, TelegramServerError, TelegramConflictError) as exc:
                failures += 1
                log.warning("telegram: getUpdates failed (%s), retrying", type(exc).__name__)
                await asyncio.sleep(min(30.0, self._backoff * 2 ** min(failures, 6)))
                continue
            except TelegramUnauthorizedError:
                log.error("telegram: the bot token was revoked; polling stopped")
                return
            except Exception:
                failures += 1
                log.exception("telegram: unexpected getUpdates failure, retrying")
                await asyncio.sleep(min(30.0, self._backoff * 2 ** min(failures, 6)))
                continue
            failures = 0
            for update in updates:
                offset = update.update_id + 1
                self._schedule(update)

    # ------------------------------------------------------------ webhook

    def web_routes(self) -> list[web.RouteDef]:
        """The webhook route at the path of TELEGRAM_WEBHOOK_URL, or nothing in polling mode."""
        if not self.webhook_url:
            return []
        return [web.post(urlsplit(self.webhook_url).path or "/", self._on_webhook)]

    async def _on_webhook(self, request: web.Request) -> web.Response:
        """Checks the secret header, answers at once, and handles the update in the background."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret.encode()):
            return web.Response(status=403, text="forbidden")
        if self._me is None:
            return web.Response(status=503, text="starting")  # Telegram retries later
        try:
            update = Update.model_validate(await request.json(), context={"bot": self.bot})
        except (ValueError, ValidationError):
            return web.Response(status=400, text="bad update")
        self._schedule(update)
        return web.Response(text="ok")

    # ------------------------------------------------------------ dispatching

    def _schedule(self, update: Update) -> None:
        """Handle updates of one sender in arrival order; different senders run concurrently."""
        key = _sender_key(update)
        task = asyncio.create_task(self._process(update, self._chains.get(key)))
        self._chains[key] = task
        self._tasks.add(task)

        def forget(done: asyncio.Task[None]) -> None:
            self._tasks.discard(done)
            if self._chains.get(key) is done:
                del self._chains[key]

        task.add_done_callback(forget)

    async def _process(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        try:
            await self.dp.feed_update(self.bot, update)
        except Exception:
            log.exception("telegram: update %s failed", update.update_id)

    async def _on_message(self, message: Message) -> None:
        parsed = await self.parse_update(message)
        if isinstance(parsed, Reply):
            await self._reply(str(message.chat.id), [parsed])
        elif parsed is not None:
            await self._converse(parsed)

    async def _on_callback(self, query: CallbackQuery) -> None:
        with suppress(DeliveryError):  # a late answer only fails ("query is too old"): go on
            await self._call(AnswerCallbackQuery(callback_query_id=query.id))
        parsed = await self.parse_update(query)
        if isinstance(parsed, Incoming):
            edit_id = int(parsed.message_id) if parsed.message_id else None
            await self._converse(parsed, edit_id)

    async def _converse(self, msg: Incoming, edit_message_id: int | None = None) -> None:
        handled = await self.app.conversation.respond(msg)
        if handled.replies:
            await self._reply(msg.chat_id, handled.replies, edit_message_id)
        if msg.chat_type == "private":
            await self._refresh_menu(msg, handled.role)

    async def _reply(self, chat_id: str, replies: list[Reply], edit_message_id: int | None = None) -> None:
        """Deliver replies to an incoming message; a blocked chat is marked unreachable."""
        try:
            await self.deliver(chat_id, replies, edit_message_id)
        except Unreachable:
            log.info("telegram: chat unreachable, identity marked")
            async with self.app.sessionmaker() as session, session.begin():
                await people.mark_unreachable(session, self.name, chat_id)
        except DeliveryError as exc:
            log.warning("telegram: reply not delivered (%s)", type(exc).__name__)

    # ------------------------------------------------------------ parsing

    async def parse_update(self, event: Message | CallbackQuery) -> Parsed:
        """An `Incoming` for the core, a `Reply` the channel gives itself, or None to ignore."""
        if isinstance(event, CallbackQuery):
            return self._parse_callback(event)
        return await self._parse_message(event)

    def _parse_callback(self, query: CallbackQuery) -> Incoming | None:
        if query.data is None:
            return None
        message = query.message if isinstance(query.message, Message) else None
        chat_id = message.chat.id if message else query.from_user.id
        return Incoming(
            channel=self.name, user_id=str(query.from_user.id), chat_id=str(chat_id),
            display_name=query.from_user.full_name, callback_data=query.data,
            chat_type=_chat_type(message.chat.type) if message else "private",
            message_id=str(message.message_id) if message else None,
        )

    async def _parse_message(self, message: Message) -> Parsed:
        sender = message.from_user
        if sender is None or sender.is_bot:
            return None
        chat_type = _chat_type(message.chat.type)
        if message.contact is not None:  # the phone number never enters the conversation
            return Reply(CONTACT_NOT_NEEDED) if chat_type == "private" else None
        text = message.text or message.caption or ""
        if self._addressed_elsewhere(text):
            return None
        mentions = self._mentions_me(message, text)
        reply_to_bot = bool(message.reply_to_message and message.reply_to_message.from_user
                            and message.reply_to_message.from_user.id == self.bot.id)
        if mentions and self._mention is not None and not text.startswith("/"):
            text = re.sub(r"[ \t]{2,}", " ", self._mention.sub("", text)).strip()
        is_command = text.startswith("/")
        if chat_type == "group" and not (is_command or mentions or reply_to_bot):
            return None  # not spoken to: do not even download group files
        attachments: tuple[Attachment, ...] = ()
        if message.document or message.photo:  # a refused file still goes in, with its `error` set
            attachments = (await self._attachment(message),)
        if not text.strip() and not attachments:
            return Reply(UNSUPPORTED_KIND) if chat_type == "private" else None
        return Incoming(
            channel=self.name, user_id=str(sender.id), chat_id=str(message.chat.id), text=text,
            display_name=sender.full_name, attachments=attachments, chat_type=chat_type,
            message_id=str(message.message_id), reply_to_bot=reply_to_bot, mentions_bot=mentions,
        )

    def _addressed_elsewhere(self, text: str) -> bool:
        """`/cmd@otherbot`: a command meant for another bot in the same group."""
        if not text.startswith("/") or self._me is None:
            return False
        head = text.split(maxsplit=1)[0]
        return "@" in head and head.split("@", 1)[1].lower() != (self._me.username or "").lower()

    def _mentions_me(self, message: Message, text: str) -> bool:
        for entity in message.entities or message.caption_entities or []:
            if entity.type == "text_mention" and entity.user and entity.user.id == self.bot.id:
                return True
        return bool(self._mention and self._mention.search(text))

    # ------------------------------------------------------------ files

    async def _attachment(self, message: Message) -> Attachment:
        if message.document is not None:
            doc = message.document
            name = doc.file_name or f"document-{doc.file_unique_id}"
            return await self._download("document", doc.file_id, name, doc.file_size or 0)
        photo = message.photo[-1]  # type: ignore[index]  # sizes come smallest first
        return await self._download("photo", photo.file_id, f"photo-{photo.file_unique_id}.jpg",
                                    photo.file_size or 0)

    async def _download(self, kind: Literal["photo", "document"], file_id: str, name: str,
                        size: int) -> Attachment:
        """Fetch a user's file into FILES_DIR/incoming, refusing what is over MAX_UPLOAD_MB."""
        limit = self.settings.max_upload_mb * 1024 * 1024
        too_large = Attachment(kind, name=name, size=size, error="too_large")
        if size > limit:
            return too_large
        try:
            info = await self._call(GetFile(file_id=file_id))
            if (info.file_size or 0) > limit:
                return too_large
            data = await self._fetch(info.file_path or "", limit)
        except Rejected as exc:  # "file is too big": over the Bot API's own 20 MB download limit
            failed = Attachment(kind, name=name, size=size, error="download_failed")
            return too_large if "too big" in str(exc).lower() else failed
        except (DeliveryError, ClientError, TimeoutError) as exc:
            # The exception text may hold the download URL, which holds the token: log the type only.
            log.warning("telegram: file download failed (%s)", type(exc).__name__)
            return Attachment(kind, name=name, size=size, error="download_failed")
        if data is None:
            return Attachment(kind, name=name, size=limit + 1, error="too_large")
        folder = self.settings.files_dir / "incoming"
        path = folder / f"{uuid.uuid4().hex[:12]}-{_safe_name(name)}"
        await asyncio.to_thread(_write_file, path, data)
        return Attachment(kind, path=path, name=name, size=len(data))

    async def _fetch(self, file_path: str, limit: int) -> bytes | None:
        """The file's bytes, or None as soon as it grows past `limit`."""
        url = self.bot.session.api.file_url(self.bot.token, file_path)
        data = bytearray()
        async for chunk in self.bot.session.stream_content(url=url, timeout=120, raise_for_status=True):
            data += chunk
            if len(data) > limit:
                return None
        return bytes(data)

    # ------------------------------------------------------------ command menus

    async def _refresh_menu(self, msg: Incoming, role: Role | None) -> None:
        """Re-publish the chat's command menu when the sender's role differs from the one shown."""
        shown = self._menu_roles.get(msg.chat_id, Role.CITIZEN)  # the default scope is the citizen menu
        if role is None or role == shown:
            return
        try:
            await self.sync_commands_for(msg.chat_id, role)
        except DeliveryError as exc:
            log.warning("telegram: command menu not updated (%s)", type(exc).__name__)

    async def sync_commands_for(self, chat_id: str, role: Role) -> None:
        """Show the command menu of `role` in one private chat."""
        await self._call(SetMyCommands(commands=commands_for(self.router, role),
                                       scope=BotCommandScopeChat(chat_id=int(chat_id))))
        self._menu_roles[chat_id] = role

    # ------------------------------------------------------------ sending

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Deliver replies in order; raises RetryLater, Unreachable or DeliveryError after retries."""
        await self.deliver(chat_id, replies)

    async def deliver(self, chat_id: str, replies: list[Reply], edit_message_id: int | None = None) -> None:
        """Like `send`; the first reply with `edit=True` replaces message `edit_message_id` instead."""
        for reply in replies:
            edit_id = edit_message_id if reply.edit else None
            if edit_id is not None:
                edit_message_id = None
            await self._send_one(chat_id, reply, edit_id)

    async def _send_one(self, chat_id: str, reply: Reply, edit_id: int | None) -> None:
        markup = render_choices(reply.buttons)
        chunks = split_text(reply.text)
        if reply.file is not None:
            for chunk in chunks:
                await self._send_text(chat_id, chunk, None)
            await self._send_file(chat_id, reply.file, markup)
            return
        if not chunks and markup is not None:
            chunks = [CHOOSE]
        for i, chunk in enumerate(chunks):
            last = markup if i == len(chunks) - 1 else None
            if i == 0 and edit_id is not None and await self._edit_text(chat_id, edit_id, chunk, last):
                continue
            await self._send_text(chat_id, chunk, last)

    async def _send_text(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None) -> None:
        await self._call(SendMessage(chat_id=chat_id, text=escape(text), parse_mode="HTML",
                                     reply_markup=markup))

    async def _edit_text(self, chat_id: str, message_id: int, text: str,
                         markup: InlineKeyboardMarkup | None) -> bool:
        """Replace a message's text; False when it cannot be edited (then the caller sends anew)."""
        try:
            await self._call(EditMessageText(chat_id=chat_id, message_id=message_id, text=escape(text),
                                             parse_mode="HTML", reply_markup=markup))
        except Rejected as exc:
            if "not modified" in str(exc):
                return True  # the message already shows exactly this
            log.info("telegram: edit refused, sending a new message instead")
            return False
        return True

    async def _send_file(self, chat_id: str, file: OutFile, markup: InlineKeyboardMarkup | None) -> None:
        caption = file.caption
        if utf16_len(caption) > MAX_CAPTION:  # too long for a caption: send it as a message first
            for chunk in split_text(caption):
                await self._send_text(chat_id, chunk, None)
            caption = ""
        upload = FSInputFile(file.path, filename=file.name)
        common: dict[str, Any] = {"chat_id": chat_id, "caption": escape(caption) or None,
                                  "parse_mode": "HTML", "reply_markup": markup}
        if file.kind == "image":
            await self._call(SendPhoto(photo=upload, **common))
        else:
            await self._call(SendDocument(document=upload, **common))

    async def _call(self, method: TelegramMethod[T]) -> T:
        """One API call with bounded retries: 429 waits `retry_after`, network errors and 5xx back off."""
        rate_waits = failures = 0
        while True:
            try:
                return await self.bot(method)
            except TelegramRetryAfter as exc:
                rate_waits += 1
                if rate_waits > self._max_rate_waits or exc.retry_after > self._max_retry_after:
                    raise RetryLater(exc.retry_after) from exc
                log.info("telegram: rate limited, waiting %s s", exc.retry_after)
                await self._sleep(exc.retry_after)
            except TelegramEntityTooLarge as exc:
                raise Rejected(exc.message) from exc
            except (TelegramNetworkError, TelegramServerError) as exc:
                failures += 1
                if failures >= self._max_tries:
                    raise DeliveryError(f"{type(exc).__name__} after {failures} tries") from exc
                await self._sleep(self._backoff * 2 ** (failures - 1))
            except TelegramForbiddenError as exc:
                raise Unreachable(exc.message) from exc
            except TelegramBadRequest as exc:
                if any(marker in exc.message.lower() for marker in UNREACHABLE_400):
                    raise Unreachable(exc.message) from exc
                raise Rejected(exc.message) from exc
            except TelegramAPIError as exc:
                raise DeliveryError(f"{type(exc).__name__}: {exc.message}") from exc


def _chat_type(kind: str) -> Literal["private", "group"]:
    return "private" if kind == "private" else "group"


def _sender_key(update: Update) -> str:
    event = update.message or update.callback_query
    sender = getattr(event, "from_user", None)
    return f"user:{sender.id}" if sender is not None else f"update:{update.update_id}"


_UNSAFE = re.compile(r"[^\w.\- ]+")


def _safe_name(name: str) -> str:
    """A file name that cannot leave the folder or confuse a shell; keeps Vietnamese letters."""
    cleaned = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return cleaned[-100:] or "file"


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
