"""Zalo Bot Platform channel: long polling or webhook in, plain-text numbered menus out.

The platform (https://bot.zaloplatforms.com/docs) is Telegram-like but smaller: `getUpdates` returns
ONE update (no offset, error 408 when nothing arrived), texts are plain and at most 2,000 characters,
and there are no buttons, documents or edits. So buttons become a numbered list that the core maps back
(`Incoming.buttons_supported=False`), images are sent by URL from the bot's own web server under a
signed, expiring link, and documents become such a link in a text message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import mimetypes
import random
import re
import secrets
import shutil
import time
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import httpx
from aiohttp import web

from bot import signed_links
from bot.channels.base import DeliveryError, RetryLater, Unreachable
from handlers.messages import Attachment, Button, Incoming, OutFile, Reply

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- user-facing texts (Vietnamese)

STICKER_REPLY = "Cảm ơn bạn đã gửi nhãn dán 😊 Bạn cần hỏi gì, vui lòng gõ bằng chữ để mình giúp nhé."
UNSUPPORTED_REPLY = (
    "Xin lỗi, mình chưa đọc được tin nhắn này. Bạn vui lòng gõ câu hỏi bằng chữ, "
    "hoặc nhờ thành viên Tổ công nghệ số cộng đồng hỗ trợ nhé."
)
CHOOSE_ONE = "Trả lời 1"
CHOOSE_MANY = "Trả lời {numbers} hoặc {last}"
FILE_LINK = "📎 {name}\nTải tệp tại: {url}\n(Liên kết dùng được trong {hours} giờ.)"
FILE_FROM_ADMIN = "📎 {name}: tệp này chưa gửi được qua Zalo. Bạn vui lòng liên hệ quản trị viên để nhận tệp."

# ---------------------------------------------------------------- platform facts and tuning

MAX_TEXT = 2000  # sendMessage.text and sendPhoto.caption: 1–2000 characters
SECRET_HEADER = "X-Bot-Api-Secret-Token"
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
UNSUPPORTED_EVENT = "message.unsupported.received"  # also what protected users (children, …) send
POLL_TIMEOUT = 30.0
DEDUP_WINDOW = 600.0  # seconds a webhook/poll message_id is remembered
DEDUP_MAX = 10_000
IMAGE_LINK_TTL = 24 * 3600
DOCUMENT_LINK_TTL = 72 * 3600
_WEBHOOK_SECRET_LABEL = b"cnscd-bot/zalo-webhook-secret/v1"

ApiCall = dict[str, Any]  # {"method": "sendMessage", "params": {...}} without chat_id

# ---------------------------------------------------------------- rendering (pure functions)

# Only the tags Telegram-style HTML uses: "/moi <vai trò> <mã đơn vị>" in a help text must survive.
_TAGS = r"(?:b|strong|i|em|u|ins|s|strike|del|code|pre|span|tg-spoiler|tg-emoji|blockquote|a)"
_LINK_RE = re.compile(r"<a\s[^<>]*?href\s*=\s*[\"']([^\"']*)[\"'][^<>]*>(.*?)</a\s*>", re.I | re.S)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_TAG_RE = re.compile(rf"</?{_TAGS}(?:\s[^<>]*)?/?>", re.I)


def _link_text(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    return label if not url or url in label else f"{label} ({url})"


def to_plain(text: str) -> str:
    """Zalo shows plain text: handler HTML tags dropped (links keep their URL), entities unescaped."""
    text = _LINK_RE.sub(_link_text, text)
    text = _TAG_RE.sub("", _BR_RE.sub("\n", text))
    return unicodedata.normalize("NFC", html.unescape(text)).strip()


def text_length(text: str) -> int:
    """Length in UTF-16 code units: never less than the code-point count, so safe whichever Zalo counts."""
    return len(text.encode("utf-16-le")) // 2


def _cut_line(line: str, limit: int) -> list[str]:
    """A line longer than `limit`, cut at the last space that fits, else anywhere."""
    pieces: list[str] = []
    while text_length(line) > limit:
        end, used = 0, 0
        while used + text_length(line[end]) <= limit:
            used += text_length(line[end])
            end += 1
        space = line.rfind(" ", 0, end)
        cut = space if space > end // 2 else end
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    return [*pieces, line]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Chunks of at most `limit` characters, cut at line breaks where possible; no empty chunks."""
    chunks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            if current and text_length("\n".join([*current, piece])) > limit:
                chunks.append("\n".join(current))
                current = []
            current.append(piece)
    chunks.append("\n".join(current))
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def render_choices(buttons: list[Button]) -> str:
    """Buttons as "1. …" lines and a "Trả lời 1, 2 hoặc 3" prompt; "" without buttons."""
    if not buttons:
        return ""
    lines = [f"{i}. {to_plain(b.label)}" for i, b in enumerate(buttons, 1)]
    count = len(buttons)
    prompt = CHOOSE_ONE if count == 1 else CHOOSE_MANY.format(
        numbers=", ".join(str(i) for i in range(1, count)), last=count)
    return "\n".join([*lines, "", prompt])


def _messages(body: str, menu: str = "") -> list[ApiCall]:
    chunks = split_text(body)
    if menu:
        if chunks and text_length(f"{chunks[-1]}\n\n{menu}") <= MAX_TEXT:
            chunks[-1] = f"{chunks[-1]}\n\n{menu}"  # keep the list with the question it answers
        else:
            chunks += split_text(menu)
    return [{"method": "sendMessage", "params": {"text": chunk}} for chunk in chunks]


def _file_calls(file: OutFile, url: str | None) -> list[ApiCall]:
    label = to_plain(file.caption) or file.name
    if url is None:
        return _messages(FILE_FROM_ADMIN.format(name=label))
    if file.kind == "image":
        caption = to_plain(file.caption)
        params: dict[str, Any] = {"photo": url}
        if caption and text_length(caption) <= MAX_TEXT:
            params["caption"] = caption
            return [{"method": "sendPhoto", "params": params}]
        return [{"method": "sendPhoto", "params": params}, *_messages(caption)]
    return _messages(FILE_LINK.format(name=label, url=url, hours=DOCUMENT_LINK_TTL // 3600))


def render(replies: list[Reply], link: Callable[[OutFile], str | None] | None = None) -> list[ApiCall]:
    """The API calls that show `replies` on Zalo; `link` gives a public URL for a file, or None."""
    calls: list[ApiCall] = []
    for reply in replies:
        body, menu = to_plain(reply.text), render_choices(reply.all_buttons())
        if reply.file is None:
            calls += _messages(body, menu)
            continue
        url = link(reply.file) if link is not None else None
        calls += _messages(body) + _file_calls(reply.file, url) + _messages(menu)
    return calls


# ---------------------------------------------------------------- parsing


def unwrap(update: dict[str, Any]) -> dict[str, Any]:
    """Webhook bodies come wrapped in {"ok": true, "result": {...}} or flat; accept both."""
    inner = update.get("result")
    if "event_name" not in update and isinstance(inner, dict):
        return inner
    return update


def _message(update: dict[str, Any]) -> dict[str, Any]:
    message = update.get("message")
    return message if isinstance(message, dict) else {}


def _part(message: dict[str, Any], key: str) -> dict[str, Any]:
    value = message.get(key)
    return value if isinstance(value, dict) else {}


def photo_url(update: dict[str, Any]) -> str:
    """The image URL of an image update ("photo", or "photo_url" seen in some deliveries)."""
    message = _message(unwrap(update))
    return str(message.get("photo") or message.get("photo_url") or "")


def parse_update(update: dict[str, Any]) -> Incoming | None:
    """The neutral message of a text or image update; None for anything else, or a bot sender."""
    update = unwrap(update)
    event, message = update.get("event_name"), _message(update)
    sender, chat = _part(message, "from"), _part(message, "chat")
    user_id = str(sender.get("id") or "")
    if event not in (TEXT_EVENT, IMAGE_EVENT) or not user_id or sender.get("is_bot"):
        return None
    group = str(chat.get("chat_type", "")).upper() == "GROUP"
    text = message.get("text") if event == TEXT_EVENT else message.get("caption")
    # The photo is fetched by the channel; until then the attachment says it was not.
    attachments = (Attachment("photo", error="not_downloaded"),) if event == IMAGE_EVENT else ()
    return Incoming(
        channel="zalo", user_id=user_id, chat_id=str(chat.get("id") or user_id),
        text=str(text or ""), display_name=str(sender.get("display_name") or ""),
        chat_type="group" if group else "private", message_id=str(message.get("message_id") or "") or None,
        # In groups Zalo delivers only @mentions of the bot and replies to it.
        mentions_bot=group, attachments=attachments,
        # No buttons on Zalo: the core keeps the numbered choices it showed and maps "1", "số 2" or a
        # label typed back to the button's data.
        buttons_supported=False,
    )


# ---------------------------------------------------------------- errors and log hygiene


class ZaloApiError(DeliveryError):
    """The API answered ok=false; `code` is its error_code (or the HTTP status)."""

    def __init__(self, method: str, code: int, description: str) -> None:
        super().__init__(f"zalo {method} failed: {code} {description}")
        self.method = method
        self.code = code
        self.description = description


class _Transient(Exception):
    """A failure worth retrying: 429, 5xx, 408 outside polling, or a network error."""

    def __init__(self, reason: str, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.rate_limited = rate_limited


class _Redactor(logging.Filter):
    """Replaces the bot token in log records (httpx logs request URLs, which contain it)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        return True


_REDACTED_LOGGERS = ("httpx", __name__)


class _RecentIds:
    """Message ids seen in the last `window` seconds, at most `limit` of them."""

    def __init__(self, window: float = DEDUP_WINDOW, limit: int = DEDUP_MAX) -> None:
        self.window, self.limit = window, limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        while self._seen and (len(self._seen) >= self.limit
                              or next(iter(self._seen.values())) < now - self.window):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


# ---------------------------------------------------------------- the channel


class ZaloChannel:
    """Receives Zalo updates (polling, or webhook when ZALO_WEBHOOK_URL is set) and delivers replies."""

    name = "zalo"
    supports_buttons = False  # choices are numbered text; the core reads the typed number back

    def __init__(self, app: App, settings: Settings | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None, poll_timeout: float = POLL_TIMEOUT,
                 retry_base: float = 1.0, max_attempts: int = 4, max_backoff: float = 60.0) -> None:
        settings = settings or app.settings
        if settings.zalo_bot_token is None:
            raise ValueError("ZALO_BOT_TOKEN is not set")
        self.conversation = app.conversation
        self.settings = settings
        self._token = settings.zalo_bot_token.get_secret_value()
        self._url = f"{settings.zalo_api_base.rstrip('/')}/bot{self._token}/"
        self.webhook_url = settings.zalo_webhook_url or None
        self.webhook_path = (urlsplit(self.webhook_url).path or "/") if self.webhook_url else None
        self._webhook_secret = self._pick_webhook_secret()
        self._link_secret = signed_links.secret_for(settings)
        self.poll_timeout, self.retry_base = poll_timeout, retry_base
        self.max_attempts, self.max_backoff = max_attempts, max_backoff
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=10.0), transport=transport)
        self._redactor = _Redactor(self._token)
        self._install_redaction()
        self._recent = _RecentIds()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task[None]] = set()
        self._poll_task: asyncio.Task[None] | None = None

    def _pick_webhook_secret(self) -> str:
        configured = self.settings.zalo_webhook_secret
        if configured is None:  # derived: stable across restarts, never the token itself
            return hmac.new(self._token.encode(), _WEBHOOK_SECRET_LABEL, hashlib.sha256).hexdigest()
        secret = configured.get_secret_value()
        if not 8 <= len(secret) <= 256:
            raise ValueError("ZALO_WEBHOOK_SECRET must be 8 to 256 characters")
        return secret

    def _install_redaction(self) -> None:
        for name in _REDACTED_LOGGERS:
            logging.getLogger(name).addFilter(self._redactor)

    # -------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Checks the token, then sets the webhook or starts polling (removing a webhook first)."""
        me = await self.call("getMe")
        log.info("zalo: connected as %s", (me or {}).get("account_name", "?"))
        if self.webhook_url:
            await self.call("setWebhook", {"url": self.webhook_url, "secret_token": self._webhook_secret})
            log.info("zalo: webhook set, listening on %s", self.webhook_path)
            return
        info = await self.call("getWebhookInfo")
        if isinstance(info, dict) and info.get("url"):
            log.warning("zalo: removing webhook %s so that polling works", info["url"])
            await self.call("deleteWebhook")
        self._poll_task = asyncio.create_task(self._poll(), name="zalo-poll")

    async def stop(self) -> None:
        """Stops polling, lets in-flight updates finish (bounded), and closes the HTTP client."""
        if self._poll_task is not None:
            self._poll_task.cancel()
            await asyncio.gather(self._poll_task, return_exceptions=True)
            self._poll_task = None
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=10)
            for task in pending:
                task.cancel()
        await self._client.aclose()
        for name in _REDACTED_LOGGERS:
            logging.getLogger(name).removeFilter(self._redactor)

    def web_routes(self) -> list[web.RouteDef]:
        """The webhook route when ZALO_WEBHOOK_URL is set; signed file links when PUBLIC_BASE_URL is."""
        routes: list[web.RouteDef] = []
        if self.settings.public_base_url:
            routes += signed_links.file_routes(self.settings.files_dir, self._link_secret)
        if self.webhook_path is not None:
            routes.append(web.post(self.webhook_path, self._on_webhook))
        return routes

    # -------------------------------------------------------- HTTP

    def _backoff(self, attempt: int) -> float:
        return min(self.retry_base * 2 ** (attempt - 1), self.max_backoff) * random.uniform(0.8, 1.2)

    async def call(self, method: str, params: dict[str, Any] | None = None, *,
                   attempts: int | None = None) -> Any:
        """One API call with bounded, exponential retries on 429, 5xx and network errors."""
        attempts = attempts or self.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return await self._call_once(method, params or {})
            except _Transient as exc:
                if attempt == attempts:
                    if exc.rate_limited:
                        raise RetryLater(self._backoff(attempt + 1), str(exc)) from None
                    raise DeliveryError(f"zalo {method}: {exc}") from None
                delay = self._backoff(attempt)
                log.info("zalo %s: %s; retry %d/%d in %.2fs", method, exc, attempt, attempts - 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _call_once(self, method: str, params: dict[str, Any],
                         http_timeout: float | None = None) -> Any:
        try:
            response = await self._client.post(
                self._url + method, json=params,
                timeout=httpx.USE_CLIENT_DEFAULT if http_timeout is None else http_timeout)
        except httpx.HTTPError as exc:  # no str(exc): some httpx messages carry the URL
            raise _Transient(f"network error ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = None
        if body is not None and body.get("ok") and response.is_success:
            return body.get("result")
        code = int(body.get("error_code") or response.status_code) if body else response.status_code
        description = str(body.get("description") or "")[:200] if body else response.reason_phrase
        self._fail(method, code, description, enveloped=body is not None)

    def _fail(self, method: str, code: int, description: str, *, enveloped: bool) -> NoReturn:
        if code == 429:
            raise _Transient(f"quota exceeded (429) {description}", rate_limited=True)
        if code >= 500 or (code == 408 and method != "getUpdates"):
            raise _Transient(f"server error {code} {description}")
        if code == 404 and enveloped and method.startswith("send"):
            # Zalo's own "not found" for a send: the chat id is unknown to it (assumption: undocumented).
            raise Unreachable(f"zalo {method}: chat not found ({description})")
        raise ZaloApiError(method, code, description)

    # -------------------------------------------------------- inbound

    async def _poll(self) -> None:
        """Long-polls getUpdates (one update per call) until cancelled; 408 means nothing arrived."""
        failures = 0
        params = {"timeout": str(int(self.poll_timeout))}
        while True:
            try:
                update = await self._call_once("getUpdates", params, http_timeout=self.poll_timeout + 10)
                failures = 0
            except ZaloApiError as exc:
                if exc.code == 408:
                    failures = 0
                    continue
                failures += 1
                log.warning("zalo: getUpdates failed: %s %s", exc.code, exc.description)
                await asyncio.sleep(self._backoff(failures))
                continue
            except (_Transient, DeliveryError) as exc:
                failures += 1
                log.warning("zalo: getUpdates failed: %s", exc)
                await asyncio.sleep(self._backoff(failures))
                continue
            if isinstance(update, dict) and update:
                self._spawn(self.handle_update(update))

    async def _on_webhook(self, request: web.Request) -> web.Response:
        """Checks the secret header, answers at once and handles the update in the background."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._webhook_secret.encode()):
            return web.json_response({"message": "Unauthorized"}, status=403)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"message": "Bad request"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"message": "Bad request"}, status=400)
        self._spawn(self.handle_update(body))
        return web.json_response({"message": "Success"})

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, chat_id: str) -> asyncio.Lock:
        return self._locks.setdefault(chat_id, asyncio.Lock())

    async def handle_update(self, update: dict[str, Any]) -> None:
        """Answers one update (each message_id once); replies for one chat go out in arrival order."""
        update = unwrap(update)
        message = _message(update)
        message_id = message.get("message_id")
        if message_id and not self._recent.first_time(f"{update.get('event_name')}:{message_id}"):
            log.info("zalo: duplicate delivery of a message ignored")
            return
        chat_id = str(_part(message, "chat").get("id") or _part(message, "from").get("id") or "")
        if not chat_id or _part(message, "from").get("is_bot"):
            return
        async with self._lock(chat_id):
            try:
                replies = await self._replies_for(update, chat_id)
                if replies:
                    await self._deliver(chat_id, replies)
            except DeliveryError as exc:
                log.warning("zalo: could not answer an update: %s", exc)
            except Exception:
                log.exception("zalo: failed to handle an update")

    async def _replies_for(self, update: dict[str, Any], chat_id: str) -> list[Reply]:
        event = update.get("event_name")
        if event == STICKER_EVENT:
            return [Reply(STICKER_REPLY)]
        if event == UNSUPPORTED_EVENT:
            return [Reply(UNSUPPORTED_REPLY)]
        msg = parse_update(update)
        if msg is None:
            return []
        await self._typing(chat_id)
        if msg.attachments and photo_url(update):
            photo = await self._download_photo(photo_url(update), msg.message_id)
            msg = replace(msg, attachments=(photo,))
        return await self.conversation.handle(msg)

    async def _typing(self, chat_id: str) -> None:
        try:
            await self.call("sendChatAction", {"chat_id": chat_id, "action": "typing"}, attempts=1)
        except DeliveryError as exc:
            log.debug("zalo: typing indicator not shown: %s", exc)

    async def _download_photo(self, url: str, message_id: str | None) -> Attachment:
        """Fetches an inbound image into files_dir/incoming, refusing anything over MAX_UPLOAD_MB."""
        limit = self.settings.max_upload_mb * 1024 * 1024
        if not url.startswith(("https://", "http://")):
            return Attachment("photo", error="download_failed")
        data = bytearray()
        try:
            async with self._client.stream("GET", url, timeout=30.0) as response:
                if not response.is_success:
                    return Attachment("photo", error="download_failed")
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > limit:
                        return Attachment("photo", size=len(data), error="too_large")
                kind = response.headers.get("content-type", "").split(";")[0].strip()
        except httpx.HTTPError as exc:
            log.warning("zalo: image download failed (%s)", type(exc).__name__)
            return Attachment("photo", error="download_failed")
        suffix = mimetypes.guess_extension(kind) or ".jpg"
        stem = re.sub(r"[^A-Za-z0-9_-]", "", message_id or "") or secrets.token_hex(8)
        target = Path(self.settings.files_dir) / "incoming" / f"zalo-{stem}{suffix}"
        await asyncio.to_thread(_write_file, target, bytes(data))
        return Attachment("photo", path=target, name=target.name, size=len(data))

    # -------------------------------------------------------- outbound

    def render(self, replies: list[Reply]) -> list[ApiCall]:
        """The API calls for `replies`, files linked through this bot's signed URLs."""
        return render(replies, self.file_link)

    def file_link(self, file: OutFile) -> str | None:
        """A signed, expiring public URL of `file`; None without PUBLIC_BASE_URL or when it is missing."""
        base = self.settings.public_base_url
        if not base or not Path(file.path).is_file():
            return None
        ttl = IMAGE_LINK_TTL if file.kind == "image" else DOCUMENT_LINK_TTL
        rel = _publishable(Path(self.settings.files_dir), Path(file.path), file.name)
        return signed_links.sign(rel, time.time() + ttl, self._link_secret, base)

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Delivers `replies` in order; raises RetryLater / Unreachable / DeliveryError on failure."""
        async with self._lock(chat_id):
            await self._deliver(chat_id, replies)

    async def _deliver(self, chat_id: str, replies: list[Reply]) -> None:
        for api_call in self.render(replies):
            await self.call(api_call["method"], {"chat_id": chat_id, **api_call["params"]})


def _write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _publishable(files_dir: Path, path: Path, name: str) -> Path:
    """`path` relative to the files folder; a file outside it is first copied into files/links/."""
    root, source = files_dir.resolve(), path.resolve()
    if source.is_relative_to(root):
        return source.relative_to(root)
    safe = re.sub(r"[^\w.-]+", "_", name or source.name).strip("._") or source.name
    target = root / "links" / secrets.token_hex(8) / safe
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target.relative_to(root)
