"""The error pages: plain words, no identifiers, no stack traces; the sign-in redirect."""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from pipelines.console.web.access import SignInNeeded, User, current_user
from pipelines.console.web.middleware import add_headers
from pipelines.console.web.pages import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something in that request was not right", "Go back and check what you entered, then try again."),
    403: (
        "You cannot open this page",
        "Your account's roles do not include it. Ask an administrator if you need it.",
    ),
    404: (
        "Page not found",
        "The page does not exist, or its link has expired (links to people last one session).",
    ),
    405: ("Not allowed", "That page cannot be used that way."),
    409: ("Someone else got there first", "Nothing was overwritten. Reload the page to see the latest."),
    500: (
        "Something went wrong",
        "The error has been logged. Try again; if it happens again, tell an administrator.",
    ),
}


def _user(request: Request, status: int) -> User | None:
    """The signed-in user for the layout's navigation; on a fault only if the request already knew them."""
    if hasattr(request.state, "user") or status >= 500:
        known: User | None = getattr(request.state, "user", None)
        return known
    try:
        return current_user(request)
    except Exception:  # the store is unreachable: the error page still shows, without the navigation
        return None


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    """The error page for ``status``; ``detail`` is one of our own plain sentences, never data."""
    title, advice = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    return render(
        request,
        "error.html.j2",
        {"title": title, "advice": detail or advice, "status": status},
        user=_user(request, status),
        status=status,
    )


async def on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) and error.status_code in (403, 409) else None
    if detail in ("Forbidden", "Conflict"):
        detail = None
    return error_page(request, error.status_code, detail)


async def on_invalid_request(request: Request, error: Exception) -> Response:
    # FastAPI's own 422 page echoes what was sent (it could be a name typed in a search): never shown
    return error_page(request, 400)


async def on_sign_in_needed(request: Request, error: Exception) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": "/sign-in"})
    return RedirectResponse("/sign-in", status_code=303)


async def on_unexpected(request: Request, error: Exception) -> Response:
    """A fault: logged with its type and where it happened, without its message (it may hold data)."""
    route = getattr(request.scope.get("route"), "path", "(none)")
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unexpected %s on %s %s\n%s", type(error).__name__, request.method, route, frames)
    try:
        response = error_page(request, 500)
    except Exception:  # the page itself failed: plain text, still nothing about the request
        response = Response("Something went wrong. The error has been logged.", 500, media_type="text/plain")
    # this handler runs outside the app's middleware, so the security headers are added here
    message: dict[str, object] = {"headers": list(response.raw_headers)}
    add_headers(message, request.scope, secure_cookies=True)
    response.raw_headers = message["headers"]  # type: ignore[assignment]
    return response


def install_error_pages(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(SignInNeeded, on_sign_in_needed)
    app.add_exception_handler(Exception, on_unexpected)
