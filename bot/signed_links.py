"""Signed, expiring download links for files under the files folder, and the route that serves them.

Zalo has no document upload and fetches photos by URL, so the bot serves its own files: a link carries
the file's path relative to the files folder, an expiry time and an HMAC-SHA256 over both. The route
refuses expired or forged links (403) and never serves anything outside the files folder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from aiohttp import web

ROUTE_PREFIX = "/files/"
# Fixed label for deriving the link key from the bot token: the token itself is never the HMAC key,
# and a leaked link key does not reveal the token.
_LINK_KEY_LABEL = b"cnscd-bot/signed-file-links/v1"


def derive_secret(token: str) -> bytes:
    """The link key derived from a bot token with a fixed label."""
    return hmac.new(token.encode("utf-8"), _LINK_KEY_LABEL, hashlib.sha256).digest()


def secret_for(settings: Any) -> bytes:
    """A dedicated FILE_LINK_SECRET when the settings have one, else a key derived from the Zalo token."""
    dedicated = getattr(settings, "file_link_secret", None)
    if dedicated is not None:
        return _plain(dedicated).encode("utf-8")
    token = getattr(settings, "zalo_bot_token", None)
    if token is None:
        raise ValueError("signed links need ZALO_BOT_TOKEN (or a dedicated link secret)")
    return derive_secret(_plain(token))


def _plain(value: Any) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _normalise(path: str | PurePosixPath | Path) -> str:
    rel = PurePosixPath(Path(path).as_posix())
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or str(rel) == ".":
        raise ValueError(f"a signed link needs a path inside the files folder, got {str(path)!r}")
    return str(rel)


def _mac(rel: str, expires_at: int, secret: bytes) -> bytes:
    return hmac.new(secret, f"{rel}\n{expires_at}".encode(), hashlib.sha256).digest()


def sign(path: str | PurePosixPath | Path, expires_at: int | float, secret: bytes, base_url: str = "") -> str:
    """URL of `path` (relative to the files folder) valid until `expires_at` (epoch seconds)."""
    rel = _normalise(path)
    expiry = int(expires_at)
    token = f"{_b64(rel.encode('utf-8'))}.{expiry}.{_b64(_mac(rel, expiry, secret))}"
    return f"{base_url.rstrip('/')}{ROUTE_PREFIX}{token}"


def verify(token: str, secret: bytes, now: float | None = None) -> str | None:
    """The relative path a link token grants, or None when it is forged, malformed or expired."""
    try:
        path_part, expiry_part, mac_part = token.split(".")
        rel = _unb64(path_part).decode("utf-8")
        expiry = int(expiry_part)
        mac = _unb64(mac_part)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(mac, _mac(rel, expiry, secret)):
        return None
    if expiry < (time.time() if now is None else now):
        return None
    try:
        return _normalise(rel)
    except ValueError:
        return None


def file_routes(files_dir: Path, secret: bytes) -> list[web.RouteDef]:
    """aiohttp routes serving `/files/{token}` from `files_dir`."""
    root = Path(files_dir).resolve()

    async def serve(request: web.Request) -> web.StreamResponse:
        rel = verify(request.match_info["token"], secret)
        if rel is None:
            raise web.HTTPForbidden(text="link expired or invalid")
        target = (root / rel).resolve()
        # resolve() follows symlinks, so a link pointing outside the folder is refused too
        if not target.is_relative_to(root):
            raise web.HTTPForbidden(text="link expired or invalid")
        if not target.is_file():
            raise web.HTTPNotFound(text="file no longer available")
        disposition = f"inline; filename*=UTF-8''{quote(target.name)}"
        return web.FileResponse(target, headers={"Content-Disposition": disposition,
                                                 "Cache-Control": "private, max-age=300"})

    return [web.get(ROUTE_PREFIX + "{token}", serve)]
