"""A local fake of the Zalo Bot Platform API (https://bot.zaloplatforms.com/docs), with its quirks.

`POST /bot<token>/<method>` (GET, query, form and JSON parameters all accepted), answering the
`ok/result/error_code/description` envelope with the error code also as the HTTP status:

- `getUpdates` returns ONE update object per call, or error 408 once `timeout` seconds passed with
  nothing queued (capped by `max_poll_timeout`, so tests stay fast); it fails while a webhook is set.
- `sendMessage.text` and `sendPhoto.caption` must be 1–2000 characters, else error 400.
- `sendPhoto` fetches the photo URL like Zalo does; an unreachable photo is an error 400.
- Every call is recorded (method, params, arrival time, status). Scenario knobs: `fail()` injects
  429/5xx answers and delays, `unknown_chats` answers 404 for sends, `deliver()` posts an update to
  the registered webhook with its secret header, `fetch()` downloads any URL (e.g. a signed link).

Texts marked "(fake)" are invented: the real wording is not documented.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_TEXT = 2000
_REGISTERED: Any = object()


@dataclass
class Call:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() on arrival
    status: int = 0


@dataclass
class Fault:
    """An injected answer for the next call of `method` ("*" = any): an error status and/or a delay."""

    method: str
    status: int | None
    delay: float = 0.0


@dataclass
class PhotoFetch:
    url: str
    status: int
    body: bytes = field(repr=False, default=b"")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _error(code: int, description: str) -> tuple[int, dict[str, Any]]:
    return code, {"ok": False, "error_code": code, "description": description}


def _ok(result: Any = None) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True} if result is None else {"ok": True, "result": result}


class FakeZaloApi:
    """The fake server; `await start()` binds 127.0.0.1 on a random port and returns the base URL."""

    def __init__(self, token: str = "1234567890:fake-zalo-token", *, max_poll_timeout: float = 0.3,
                 fetch_photos: bool = True) -> None:
        self.token = token
        self.max_poll_timeout = max_poll_timeout
        self.fetch_photos = fetch_photos
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.unknown_chats: set[str] = set()
        self.media: dict[str, bytes] = {}
        self.photo_fetches: list[PhotoFetch] = []
        self.webhook: dict[str, Any] | None = None
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    # -------------------------------------------------------- lifecycle

    async def start(self) -> str:
        app = web.Application()
        app.add_routes([web.get("/media/{name}", self._media),
                        web.route("*", "/{prefix}/{method}", self._api)])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self.base_url

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -------------------------------------------------------- scenario knobs

    def fail(self, method: str, status: int | None, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` calls of `method` answer `status` (None: normally) after `delay` seconds."""
        self.faults += [Fault(method, status, delay) for _ in range(times)]

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates."""
        self._updates.put_nowait(update)
        return update

    def update(self, user_id: str, *, text: str | None = None, event: str = "message.text.received",
               chat_id: str | None = None, chat_type: str = "PRIVATE", display_name: str = "Khách Zalo",
               message_id: str | None = None, is_bot: bool = False, **extra: Any) -> dict[str, Any]:
        """A flat update as Zalo sends it (ids are hex strings, date is epoch milliseconds)."""
        message: dict[str, Any] = {
            "from": {"id": user_id, "display_name": display_name, "is_bot": is_bot},
            "chat": {"id": chat_id or user_id, "chat_type": chat_type},
            "message_id": message_id or secrets.token_hex(10),
            "date": _now_ms(),
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    # -------------------------------------------------------- inspection

    def sent(self, chat_id: str | None = None, method: str = "sendMessage", ok_only: bool = True
             ) -> list[dict[str, Any]]:
        """Params of the (successful) calls of `method`, optionally to one chat."""
        return [c.params for c in self.calls if c.method == method
                and (not ok_only or c.status == 200)
                and (chat_id is None or str(c.params.get("chat_id")) == chat_id)]

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent(chat_id)]

    def statuses(self, method: str) -> list[int]:
        return [c.status for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Any, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met in {within}s; calls: {self.calls!r}")
            await asyncio.sleep(0.01)

    async def wait_texts(self, chat_id: str, count: int, within: float = 5.0) -> list[str]:
        """The texts sent to `chat_id` once there are at least `count`."""
        await self.wait_for(lambda: len(self.texts(chat_id)) >= count, within)
        return self.texts(chat_id)

    # -------------------------------------------------------- acting as Zalo

    async def deliver(self, update: dict[str, Any], *, wrapped: bool = True, secret: Any = _REGISTERED,
                      url: str | None = None) -> int:
        """POST an update to the registered webhook (wrapped in ok/result or flat); the HTTP status."""
        assert self._session is not None
        target = url or (self.webhook or {}).get("url")
        assert target, "no webhook registered"
        if secret is _REGISTERED:
            secret = (self.webhook or {}).get("secret_token")
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        body = {"ok": True, "result": update} if wrapped else update
        async with self._session.post(target, json=body, headers=headers) as response:
            await response.read()
            return response.status

    async def fetch(self, url: str) -> tuple[int, bytes]:
        """Download `url` (a signed file link, say): status and body."""
        assert self._session is not None
        async with self._session.get(url) as response:
            return response.status, await response.read()

    # -------------------------------------------------------- the API

    async def _media(self, request: web.Request) -> web.Response:
        data = self.media.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/jpeg")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
            else:
                params.update(await request.post())
        return params

    def _take_fault(self, method: str) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if fault.method in (method, "*"):
                return self.faults.pop(i)
        return None

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, arrived)
        self.calls.append(call)
        fault = self._take_fault(method)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if request.match_info["prefix"] != f"bot{self.token}":
            status, body = _error(401, "Unauthorized")
        elif fault is not None and fault.status is not None:
            status, body = _error(fault.status, "Quota exceeded" if fault.status == 429 else "injected error")
        else:
            status, body = await self._dispatch(method, params)
        call.status = status
        return web.json_response(body, status=status)

    async def _dispatch(self, method: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        handler = {
            "getMe": self._get_me, "getUpdates": self._get_updates, "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._webhook_info,
            "sendMessage": self._send_message, "sendPhoto": self._send_photo,
            "sendSticker": self._send_sticker, "sendChatAction": self._chat_action,
        }.get(method)
        if handler is None:
            return _error(400, "Bad request: invalid API name")
        return await handler(p)

    async def _get_me(self, _p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _ok({"id": "1459232241454765289", "account_name": "bot.FakeCnscd",
                    "account_type": "BASIC", "can_join_groups": False})

    async def _get_updates(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook is not None:
            return _error(400, "getUpdates is not available while a webhook is set (fake)")
        timeout = min(float(p.get("timeout") or 30), self.max_poll_timeout)
        try:
            update = await asyncio.wait_for(self._updates.get(), timeout)
        except TimeoutError:
            return _error(408, "Request timeout")
        return _ok(update)

    async def _set_webhook(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url, secret = str(p.get("url") or ""), str(p.get("secret_token") or "")
        if not url:
            return _error(400, "url is required")
        if not 8 <= len(secret) <= 256:
            return _error(400, "secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": _now_ms()}
        return _ok({"url": url, "updated_at": self.webhook["updated_at"]})

    async def _delete_webhook(self, _p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = None
        return _ok({"url": "", "updated_at": _now_ms()})

    async def _webhook_info(self, _p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _ok({"url": (self.webhook or {}).get("url", ""), "updated_at": _now_ms()})

    def _check_chat(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        chat_id = str(p.get("chat_id") or "")
        if not chat_id:
            return _error(400, "chat_id is required")
        if chat_id in self.unknown_chats:
            return _error(404, "Not found (fake: chat unknown)")
        return None

    @staticmethod
    def _sent() -> tuple[int, dict[str, Any]]:
        return _ok({"message_id": secrets.token_hex(10), "date": _now_ms()})

    async def _send_message(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problem = self._check_chat(p)
        if problem:
            return problem
        text = p.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return _error(400, "text must be 1-2000 characters (fake)")
        return self._sent()

    async def _send_photo(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problem = self._check_chat(p)
        if problem:
            return problem
        photo, caption = str(p.get("photo") or ""), p.get("caption")
        if not photo:
            return _error(400, "photo is required")
        if caption is not None and not (isinstance(caption, str) and 1 <= len(caption) <= MAX_TEXT):
            return _error(400, "caption must be 1-2000 characters (fake)")
        if self.fetch_photos:
            status, body = await self._try_fetch(photo)
            self.photo_fetches.append(PhotoFetch(photo, status, body))
            if status != 200:
                return _error(400, "photo could not be downloaded (fake)")
        return self._sent()

    async def _try_fetch(self, url: str) -> tuple[int, bytes]:
        try:
            return await self.fetch(url)
        except aiohttp.ClientError:
            return 0, b""

    async def _send_sticker(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problem = self._check_chat(p)
        if problem:
            return problem
        return self._sent() if p.get("sticker") else _error(400, "sticker is required")

    async def _chat_action(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problem = self._check_chat(p)
        if problem:
            return problem
        if p.get("action") not in ("typing", "upload_photo"):
            return _error(400, "action must be typing or upload_photo")
        return _ok()
