"""Signing in and out, and the start page."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from pipelines.console.web.access import SESSION_COOKIE, User, console, current_user, require
from pipelines.console.web.cookies import clear_cookie, set_cookie
from pipelines.console.web.navigation import pages_for
from pipelines.console.web.pages import render
from pipelines.console.web.sign_in_guard import SignInGuard
from pipelines.opstore import journal
from pipelines.opstore.accounts import check_password, get_account
from pipelines.opstore.web_sessions import end_session, start_session

router = APIRouter()

SIGN_IN_COOKIE = "cohort_sign_in"
"""A random value set with the sign-in form and sent back in it (double submit): the form's CSRF check."""
REFUSED = "That username and password do not match an active account."
LOCKED = "Too many failed attempts. Wait a few minutes, then try again."


@router.get("/")
def start(request: Request) -> Response:
    """The start page: the user's only page, or the list of their pages; the sign-in form if signed out."""
    user = current_user(request)
    if user is None:
        return RedirectResponse("/sign-in", status_code=303)
    pages = pages_for(user.roles)
    if len(pages) == 1:
        return RedirectResponse(pages[0].path, status_code=303)
    return render(request, "home.html.j2", {}, user=user)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    """The sign-in form (a signed-in user goes to their start page)."""
    if current_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _form(request, "", None, 200)


def _form(request: Request, username: str, message: str | None, status: int) -> Response:
    token = secrets.token_urlsafe(32)
    context = {"sign_in_token": token, "username": username, "message": message}
    response = render(request, "sign_in.html.j2", context, user=None, status=status)
    set_cookie(response, SIGN_IN_COOKIE, token, secure=console(request).secure_cookies)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the password; start a session and go to the start page, or say no (journalled, no password)."""
    settings = console(request)
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _form(request, "", "The sign-in form had expired. Please try again.", 403)
    now = settings.clock()
    username = username.strip()
    guard: SignInGuard = request.app.state.sign_in_guard
    address = request.client.host if request.client else "unknown"
    keys = [f"account:{username.casefold()}", f"address:{address}"]
    if guard.locked(keys, now):
        _refused(request, username, "locked out after repeated failures")
        return _form(request, username, LOCKED, 429)
    account = check_password(settings.store, username, password) if username and password else None
    if account is None:
        guard.failed(keys, now)
        _refused(request, username, "wrong password, or unknown or inactive account")
        return _form(request, username, REFUSED, 401)
    guard.succeeded(keys[:1])
    token, _ = start_session(
        settings.store,
        account.username,
        now=now,
        idle_minutes=settings.policy.idle_minutes,
        max_hours=settings.policy.max_hours,
    )
    journal.append(
        settings.store, now=now, actor=f"user:{account.username}", action="sign_in", detail="signed in"
    )
    response = RedirectResponse("/", status_code=303)
    set_cookie(response, SESSION_COOKIE, token, secure=settings.secure_cookies)
    clear_cookie(response, SIGN_IN_COOKIE, secure=settings.secure_cookies)
    return response


def _refused(request: Request, username: str, why: str) -> None:
    """Journal a refused sign-in: the account if it exists (a mistyped password never), never the password."""
    settings = console(request)
    known = bool(username) and get_account(settings.store, username) is not None
    actor = f"user:{username}" if known else "anonymous"
    detail = f"sign-in refused: {why}" + ("" if known else " (no such account)")
    journal.append(settings.store, now=settings.clock(), actor=actor, action="sign_in_refused", detail=detail)


@router.post("/sign-out")
def sign_out(request: Request, user: Annotated[User, Depends(require())]) -> Response:
    """End the session on the server and clear its cookie."""
    settings = console(request)
    now = settings.clock()
    end_session(settings.store, request.cookies.get(SESSION_COOKIE, ""), now=now)
    journal.append(settings.store, now=now, actor=user.actor, action="sign_out", detail="signed out")
    response = RedirectResponse("/sign-in", status_code=303)
    clear_cookie(response, SESSION_COOKIE, secure=settings.secure_cookies)
    return response
