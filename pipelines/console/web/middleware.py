"""Security headers on every response, the cookie of a proxy-started session, and the request log.

Both are plain ASGI middleware (no response buffering). The request log names the route template
(``/people/{handle}``), never the path, so no handle, search or identifier reaches a log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pipelines.console.web.requests")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
DOCUMENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "form-action 'none'; base-uri 'none'; sandbox"
)
"""For served governance documents (board packs, model cards): no scripts, their own inline styles."""


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The headers every response carries; pages are never stored (they may show personal data)."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    cache = b"no-cache" if path.startswith("/static/") else b"no-store"
    return [*headers, (b"cache-control", cache)]


class SecurityHeaders:
    """Adds :func:`security_headers` and the CSP (unless the route set its own) to every response."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool = True) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(message, scope, self.secure_cookies)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(message: MutableMapping[str, Any], scope: Scope, secure_cookies: bool) -> None:
    """Put the security headers (and a proxy-started session's cookie) on a response-start message."""
    from pipelines.console.web.access import SESSION_COOKIE
    from pipelines.console.web.cookies import cookie_header

    raw = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
    names = {k.lower() for k, _ in raw}
    raw.extend(security_headers(scope.get("path", "")))
    if b"content-security-policy" not in names:
        raw.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
    token = scope.get("state", {}).get("new_session_token")
    if token:
        raw.append((b"set-cookie", cookie_header(SESSION_COOKIE, token, secure=secure_cookies).encode()))
    message["headers"] = raw


class RequestLog:
    """Logs each request's method, route template, status and milliseconds: nothing else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or (
                "/static" if scope["path"].startswith("/static/") else "(none)"
            )
            log.info(
                "%s %s %d %.0f ms", scope["method"], template, status, (time.perf_counter() - started) * 1000
            )
