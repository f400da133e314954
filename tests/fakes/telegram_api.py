"""A local fake of the Telegram Bot API (https://core.telegram.org/bots/api) for offline tests.

Serves `POST|GET /bot<token>/<method>` with JSON, form or multipart parameters, and file downloads at
`/file/bot<token>/<path>`, on 127.0.0.1 with a random port. Point aiogram at it with
`TelegramAPIServer.from_base(fake.base_url)`, which is what TELEGRAM_API_BASE does.

- Methods: getMe, getUpdates (long poll with `timeout`; updates stay queued until an `offset` past
  them confirms them), setWebhook, deleteWebhook, sendMessage, editMessageText,
  editMessageReplyMarkup, answerCallbackQuery, sendDocument, sendPhoto, setMyCommands,
  deleteMyCommands, getFile.
- Validation like the real API, answered with HTTP 400 and the real descriptions: text longer than
  4096 characters after HTML parsing, empty text, HTML that does not parse (a bare `<` or `&`),
  callback_data over 64 bytes, invalid command names, caption over 1024 characters.
- Every request is recorded as a `Call` (method, params, arrival time, status).
- Scenario knobs: `fail()` answers the next calls with 429 (`parameters.retry_after`), 5xx, a delay or
  a dropped connection; `block(chat_id)` answers 403 "Forbidden: bot was blocked by the user".
- Update builders (`text`, `command`, `callback`, `document`, `photo`, `contact`) return realistic JSON;
  `push()` queues one for getUpdates, or posts it to the webhook with the secret header once set.

By hand: `python -m tests.fakes.telegram_api 8081` prints the environment for `cnscd run`, then sends
each line typed on stdin as a private message and prints the bot's replies.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456789:AAF-fake-token-for-tests-only_0123456"
BOT_USERNAME = "cnscd_test_bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # the cloud Bot API serves files up to 20 MB
SEND_METHODS = frozenset({
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto",
})
JSON_FIELDS = frozenset({
    "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
    "link_preview_options", "reply_parameters",
})
BLOCKED = "Forbidden: bot was blocked by the user"
_ALLOWED_TAGS = ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                 "span", "tg-spoiler", "tg-emoji", "blockquote")
_TAG = re.compile(r"</?([a-z-]+)(?:\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str
    last_name: str = ""
    username: str | None = None

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name,
                                "language_code": "vi"}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "first_name": self.first_name, "type": "private"}
        if self.last_name:
            chat["last_name"] = self.last_name
        return chat


def group_chat(chat_id: int = -1001987654321, title: str = "Tổ CNSCĐ thôn Đông") -> dict[str, Any]:
    return {"id": chat_id, "title": title, "type": "supergroup"}


@dataclass
class Upload:
    """A file part of a multipart request (sendDocument, sendPhoto)."""

    field: str
    filename: str
    content: bytes = field(repr=False)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() on arrival
    status: int = 0  # 0 while in flight (or when the connection was dropped)
    uploads: list[Upload] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        """The text as the user sees it: HTML tags removed and entities decoded."""
        return visible_text(str(self.params.get("text") or self.params.get("caption") or ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    """Answer for the next `times` calls matching `method` (None: any sending method) and chat."""

    method: str | None
    status: int | None  # None: answer normally, after `delay`
    description: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    disconnect: bool = False
    chat_id: str | None = None
    times: int | None = 1  # None: forever

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is None and method not in SEND_METHODS:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or str(params.get("chat_id", "")) == self.chat_id


def visible_text(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def html_problem(text: str) -> str | None:
    """Why Telegram's HTML parser would refuse `text`, or None."""
    for i, ch in enumerate(text):
        if ch == "<":
            tag = _TAG.match(text, i)
            if tag is None or tag.group(1) not in _ALLOWED_TAGS:
                return f"Bad Request: can't parse entities: Unsupported start tag at byte offset {i}"
        elif ch == "&" and not _ENTITY.match(text, i):
            return f"Bad Request: can't parse entities: Character '&' is reserved at byte offset {i}"
    return None


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeTelegram:
    """The fake server; `await start()`, use `base_url`, `await close()`."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.blocked: set[str] = set()
        self.webhook_url = ""
        self.webhook_secret = ""
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> {path, content, size}
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}  # messages the bot sent
        self.callback_ids: set[str] = set()
        self._queue: list[dict[str, Any]] = []
        self._update_id = 700000
        self._message_id = 1000
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.base_url = ""

    # ------------------------------------------------------------ server

    async def start(self, port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self._client = aiohttp.ClientSession()

    async def close(self) -> None:
        self._closing = True
        self._notify()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params, uploads = await _read_params(request)
        call = Call(method, params, time.monotonic(), uploads=uploads)
        self.calls.append(call)
        self._notify()
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            fault = self._take_fault(method, params)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.disconnect:
                call.status = 0
                assert request.transport is not None
                request.transport.close()
                raise ConnectionResetError("fake: connection dropped")
            if fault is not None and fault.status is not None:
                raise ApiError(fault.status, fault.description, fault.retry_after)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, uploads)
        except ApiError as exc:
            call.status = exc.status
            body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return web.json_response(body, status=exc.status)
        finally:
            self._notify()
        call.status = 200
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat = str(params.get("chat_id", ""))
        if method in SEND_METHODS and chat in self.blocked:
            return Fault(method, 403, BLOCKED)
        for fault in self.faults:
            if fault.matches(method, params):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for info in self.files.values():
            if info["path"] == request.match_info["path"]:
                return web.Response(body=info["content"])
        return web.Response(status=404)

    # ------------------------------------------------------------ scenario knobs

    def fail(self, method: str | None, status: int | None = 500, *, times: int | None = 1,
             retry_after: int | None = None, delay: float = 0.0, disconnect: bool = False,
             chat_id: str | int | None = None, description: str = "") -> None:
        """Inject failures: 429 (with retry_after), 5xx, a delay (status None) or a dropped connection."""
        if not description and status is not None:
            description = {429: f"Too Many Requests: retry after {retry_after}",
                           500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "Error")
        self.faults.append(Fault(method, status, description, retry_after, delay, disconnect,
                                 None if chat_id is None else str(chat_id), times))

    def block(self, chat_id: str | int) -> None:
        self.blocked.add(str(chat_id))

    # ------------------------------------------------------------ inspecting

    def calls_to(self, method: str, *, chat_id: str | int | None = None, ok: bool | None = True) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat_id is None or c.chat_id == str(chat_id)) and (ok is None or c.ok == ok)]

    def sent_texts(self, chat_id: str | int) -> list[str]:
        return [c.text for c in self.calls if c.ok and c.chat_id == str(chat_id)
                and c.method in ("sendMessage", "editMessageText")]

    async def wait_for(self, method: str, *, chat_id: str | int | None = None, count: int = 1,
                       ok: bool | None = True, within: float = 3.0) -> list[Call]:
        """The matching calls once there are at least `count` of them."""
        return await self._until(lambda: self._enough(method, chat_id, count, ok), within)

    def _enough(self, method: str, chat_id: str | int | None, count: int, ok: bool | None) -> list[Call] | None:
        found = self.calls_to(method, chat_id=chat_id, ok=ok)
        return found if len(found) >= count else None

    async def wait_consumed(self, within: float = 3.0) -> None:
        """Until the bot has fetched and confirmed every queued update."""
        await self._until(lambda: not self._queue or None, within)

    async def _until(self, check: Callable[[], Any], within: float) -> Any:
        async with asyncio.timeout(within):
            while True:
                result = check()
                if result is not None:
                    return result
                await self._changed.wait()

    # ------------------------------------------------------------ updates

    async def push(self, update: dict[str, Any]) -> int:
        """Deliver an update: to the webhook when one is set (returns its HTTP status), else queue it."""
        if self.webhook_url:
            assert self._client is not None
            headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
            async with self._client.post(self.webhook_url, json=update, headers=headers) as resp:
                return resp.status
        self._queue.append(update)
        self._notify()
        return 200

    def _next_update(self, **event: Any) -> dict[str, Any]:
        self._update_id += 1
        return {"update_id": self._update_id, **event}

    def _message(self, user: TgUser, chat: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
        self._message_id += 1
        return {"message_id": self._message_id, "from": user.json(), "chat": chat or user.private_chat(),
                "date": int(time.time()), **content}

    def text(self, user: TgUser, text: str, *, chat: dict[str, Any] | None = None,
             reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A text message; `/commands` and `@mentions` get their entities as Telegram sends them."""
        content: dict[str, Any] = {"text": text}
        entities = _entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return self._next_update(message=self._message(user, chat, **content))

    def command(self, user: TgUser, command: str, *, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.text(user, command, chat=chat)

    def callback(self, user: TgUser, data: str, message: dict[str, Any]) -> dict[str, Any]:
        """A button press on `message` (a message the bot sent, see `last_message`)."""
        query_id = str(secrets.randbits(63))
        self.callback_ids.add(query_id)
        return self._next_update(callback_query={
            "id": query_id, "from": user.json(), "message": message,
            "chat_instance": str(-secrets.randbits(62)), "data": data,
        })

    def document(self, user: TgUser, name: str, content: bytes, *, caption: str = "",
                 mime: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 size: int | None = None, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """A document; `size` overrides the size Telegram reports (to simulate big files cheaply)."""
        file = self._register_file(f"documents/file_{len(self.files)}{_suffix(name)}", content, size)
        doc = {"file_name": name, "mime_type": mime, **file}
        extra = {"caption": caption} if caption else {}
        return self._next_update(message=self._message(user, chat, document=doc, **extra))

    def photo(self, user: TgUser, content: bytes, *, caption: str = "",
              chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """A photo in two sizes, smallest first, as Telegram sends them."""
        thumb = self._register_file(f"photos/file_{len(self.files)}.jpg", content[:100], None)
        full = self._register_file(f"photos/file_{len(self.files)}.jpg", content, None)
        sizes = [{**thumb, "width": 90, "height": 67}, {**full, "width": 1280, "height": 960}]
        extra = {"caption": caption} if caption else {}
        return self._next_update(message=self._message(user, chat, photo=sizes, **extra))

    def contact(self, user: TgUser, phone: str) -> dict[str, Any]:
        contact = {"phone_number": phone, "first_name": user.first_name, "user_id": user.id}
        return self._next_update(message=self._message(user, None, contact=contact))

    def sticker(self, user: TgUser) -> dict[str, Any]:
        sticker = {"file_id": "CAACAgIAAxkB" + secrets.token_hex(8), "file_unique_id": secrets.token_hex(6),
                   "type": "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "emoji": "👍"}
        return self._next_update(message=self._message(user, None, sticker=sticker))

    def _register_file(self, path: str, content: bytes, size: int | None) -> dict[str, Any]:
        file_id = "BQACAgUAAxkBAAI" + secrets.token_hex(12)
        unique = "AgAD" + secrets.token_hex(5)
        self.files[file_id] = {"path": path, "content": content, "size": size or len(content),
                               "unique": unique}
        return {"file_id": file_id, "file_unique_id": unique, "file_size": size or len(content)}

    def bot_message(self, chat: dict[str, Any], text: str) -> dict[str, Any]:
        """A message from the bot, for `reply_to` and `callback` (not recorded as sent)."""
        self._message_id += 1
        return {"message_id": self._message_id, "from": self._bot_user(), "chat": chat,
                "date": int(time.time()), "text": text}

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Trợ lý CNSCĐ", "username": self.username}

    def last_message(self, chat_id: str | int) -> dict[str, Any]:
        """The newest message the bot sent to a chat, as Telegram would embed it in a callback."""
        mine = [m for (chat, _), m in self.messages.items() if chat == str(chat_id)]
        return mine[-1]

    # ------------------------------------------------------------ methods

    async def _m_getMe(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _m_getUpdates(self, params: dict[str, Any], uploads: list[Upload]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        if offset:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._queue and not self._closing and time.monotonic() < deadline:
            with_timeout = asyncio.timeout(deadline - time.monotonic())
            try:
                async with with_timeout:
                    await self._changed.wait()
            except TimeoutError:
                break
        return list(self._queue[:limit])

    async def _m_setWebhook(self, params: dict[str, Any], uploads: list[Upload]) -> bool:
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook_url, self.webhook_secret = str(params["url"]), secret
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any], uploads: list[Upload]) -> bool:
        self.webhook_url = self.webhook_secret = ""
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._queue.clear()
        return True

    async def _m_sendMessage(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        text = self._check_text(params, "text", MAX_TEXT, required=True)
        return self._store(params, text=text)

    async def _m_editMessageText(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        message = self._find(params)
        text = self._check_text(params, "text", MAX_TEXT, required=True)
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                                "and reply markup are exactly the same as a current content and reply "
                                "markup of the message")
        message["text"] = text
        message["edit_date"] = int(time.time())
        _set_markup(message, markup)
        return message

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        message = self._find(params)
        _check_markup(params.get("reply_markup"))
        _set_markup(message, params.get("reply_markup"))
        return message

    async def _m_answerCallbackQuery(self, params: dict[str, Any], uploads: list[Upload]) -> bool:
        if str(params.get("callback_query_id")) not in self.callback_ids:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID "
                                "is invalid")
        self.callback_ids.discard(str(params["callback_query_id"]))
        return True

    async def _m_sendDocument(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        upload = _upload(params, uploads, "document")
        caption = self._check_text(params, "caption", MAX_CAPTION, required=False)
        file = self._register_file(f"documents/{upload.filename}", upload.content, None)
        return self._store(params, document={"file_name": upload.filename, **file},
                           **({"caption": caption} if caption else {}))

    async def _m_sendPhoto(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        upload = _upload(params, uploads, "photo")
        caption = self._check_text(params, "caption", MAX_CAPTION, required=False)
        file = self._register_file(f"photos/{upload.filename}", upload.content, None)
        return self._store(params, photo=[{**file, "width": 800, "height": 600}],
                           **({"caption": caption} if caption else {}))

    async def _m_setMyCommands(self, params: dict[str, Any], uploads: list[Upload]) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not _COMMAND.fullmatch(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        return True

    async def _m_deleteMyCommands(self, params: dict[str, Any], uploads: list[Upload]) -> bool:
        return True

    async def _m_getFile(self, params: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
        info = self.files.get(str(params.get("file_id")))
        if info is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if info["size"] > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": info["unique"], "file_size": info["size"],
                "file_path": info["path"]}

    # ------------------------------------------------------------ helpers

    def _check_text(self, params: dict[str, Any], key: str, limit: int, *, required: bool) -> str:
        raw = str(params.get(key) or "")
        if params.get("parse_mode") == "HTML":
            problem = html_problem(raw)
            if problem:
                raise ApiError(400, problem)
            raw = visible_text(raw)
        if required and not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(raw) > limit:
            raise ApiError(400, "Bad Request: message is too long" if key == "text"
                           else "Bad Request: message caption is too long")
        _check_markup(params.get("reply_markup"))
        return raw

    def _store(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = str(params.get("chat_id", ""))
        if not chat_id:
            raise ApiError(400, "Bad Request: chat_id is empty")
        self._message_id += 1
        chat = {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "supergroup"}
        if int(chat_id) < 0:
            chat["title"] = "Nhóm"
        message = {"message_id": self._message_id, "from": self._bot_user(), "chat": chat,
                   "date": int(time.time()), **content}
        _set_markup(message, params.get("reply_markup"))
        self.messages[(chat_id, self._message_id)] = message
        return message

    def _find(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("chat_id", "")), int(params.get("message_id") or 0))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]


async def _read_params(request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
    """Parameters from the query string, a JSON body, or a (multipart) form, as the real API accepts."""
    params: dict[str, Any] = dict(request.query)
    uploads: list[Upload] = []
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads.append(Upload(key, value.filename, value.file.read()))
            else:
                params[key] = value
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params, uploads


def _check_markup(markup: Any) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _upload(params: dict[str, Any], uploads: list[Upload], key: str) -> Upload:
    """The file part a parameter points at (`attach://name`), or the part with the parameter's name."""
    ref = str(params.get(key, ""))
    name = ref.removeprefix("attach://") if ref.startswith("attach://") else key
    for upload in uploads:
        if upload.field == name:
            return upload
    raise ApiError(400, f"Bad Request: there is no {key} in the request")


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, with offsets in UTF-16 units like Telegram."""
    found = []
    for match in re.finditer(r"(?<!\S)(/[A-Za-z0-9_]+(?:@\w+)?|@\w{5,32})", text):
        start = len(text[:match.start()].encode("utf-16-le")) // 2
        length = len(match.group(0).encode("utf-16-le")) // 2
        kind = "bot_command" if match.group(0).startswith("/") else "mention"
        if kind == "bot_command" and match.start() != 0:
            continue
        found.append({"offset": start, "length": length, "type": kind})
    return found


def _suffix(name: str) -> str:
    return name[name.rfind("."):] if "." in name else ""



async def _serve_interactively(port: int) -> None:
    """Run the fake on a fixed port; each stdin line is sent as a private message, replies are printed."""
    fake = FakeTelegram()
    await fake.start(port)
    print(f"TELEGRAM_API_BASE={fake.base_url} TELEGRAM_BOT_TOKEN={fake.token} cnscd run", flush=True)
    user, printed = TgUser(7000001, "Người", "Thử"), 0
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        await fake.push(fake.text(user, line.rstrip("\n")))
        await asyncio.sleep(1.5)  # give the bot time to answer
        texts = fake.sent_texts(user.id)
        for text in texts[printed:]:
            print(f"< {text}\n", flush=True)
        printed = len(texts)
    await fake.close()


if __name__ == "__main__":
    asyncio.run(_serve_interactively(int(sys.argv[1]) if len(sys.argv) > 1 else 8081))
