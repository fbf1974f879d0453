"""The console's cookies: HttpOnly, SameSite=Strict, Path=/, and Secure unless development says otherwise."""

from __future__ import annotations

from starlette.responses import Response


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    """A Set-Cookie header value for a session-scoped cookie (no Expires: it ends with the browser)."""
    parts = [f"{name}={value}", "HttpOnly", "SameSite=Strict", "Path=/"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def set_cookie(response: Response, name: str, value: str, *, secure: bool) -> None:
    """Set ``name`` on ``response`` with the console's attributes."""
    response.headers.append("set-cookie", cookie_header(name, value, secure=secure))


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    """Remove ``name`` from the browser."""
    response.headers.append("set-cookie", cookie_header(name, "", secure=secure, max_age=0))
