"""Who is signed in, what their roles let them open, and the CSRF check on every form.

The user always comes from the server-side session named by the HttpOnly cookie (or, in
reverse-proxy mode, from the proxy's header, honoured only from the configured proxy addresses
and only for an existing active account), never from a form field.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData

from pipelines.console.web.settings import ConsoleSettings
from pipelines.opstore.accounts import get_account
from pipelines.opstore.web_sessions import session_for, start_session

SESSION_COOKIE = "cohort_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class User:
    """The signed-in user of one request."""

    username: str
    roles: frozenset[str]
    csrf_token: str

    @property
    def actor(self) -> str:
        """How the audit chain names them: ``user:<username>``."""
        return f"user:{self.username}"

    def has(self, *roles: str) -> bool:
        """Whether they hold any of ``roles``."""
        return bool(self.roles.intersection(roles))


class SignInNeeded(Exception):
    """No valid session: the page sends the browser to the sign-in form."""


def console(request: Request) -> ConsoleSettings:
    """The settings the app was created with."""
    settings: ConsoleSettings = request.app.state.console
    return settings


def current_user(request: Request) -> User | None:
    """The user signed in on this request, or None (cached on the request).

    In reverse-proxy mode a request from a trusted proxy carrying the header is that account's
    (a session is started for it and its cookie set on the response); the header from anywhere else
    is ignored.
    """
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    settings = console(request)
    now = settings.clock()
    token = request.cookies.get(SESSION_COOKIE)
    session = session_for(settings.store, token, now=now) if token else None
    proxied = _proxy_user(request, settings)
    if proxied is not None and (session is None or session.username != proxied):
        session = None
        if (account := get_account(settings.store, proxied)) is not None and account.active:
            token, session = start_session(
                settings.store,
                proxied,
                now=now,
                idle_minutes=settings.policy.idle_minutes,
                max_hours=settings.policy.max_hours,
            )
            request.state.new_session_token = token
    user = None
    if session is not None and (account := get_account(settings.store, session.username)) is not None:
        user = User(account.username, frozenset(account.roles), session.csrf_token)
    request.state.user = user
    return user


def _proxy_user(request: Request, settings: ConsoleSettings) -> str | None:
    if settings.trusted_header is None or request.client is None:
        return None
    if request.client.host not in settings.trusted_proxies:
        return None
    name = request.headers.get(settings.trusted_header, "").strip()
    return name or None


async def unsafe_form(request: Request) -> FormData | None:
    """The submitted form of an unsafe request (POST...), read once and cached; None for GET and HEAD."""
    if request.method in SAFE_METHODS:
        return None
    return await request.form()


def check_csrf(request: Request, expected: str, form: FormData | None) -> None:
    """Refuse (403) an unsafe request whose CSRF token (form field or htmx header) is not ``expected``."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None)
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(
            403,
            "This form has expired or did not come from this site: go back, reload the page and try again.",
        )


def require(*roles: str) -> Callable[..., User]:
    """A route dependency: the signed-in user holding one of ``roles`` (any signed-in user when none).

    Unsafe methods also need the session's CSRF token. Without a session the browser is sent to
    sign in; without the role the answer is 403 with a plain message and no data.
    """

    def signed_in_user(request: Request, form: Annotated[FormData | None, Depends(unsafe_form)]) -> User:
        user = current_user(request)
        if user is None:
            raise SignInNeeded()
        if roles and not user.has(*roles):
            raise HTTPException(403, "Your account's roles do not include this page.")
        check_csrf(request, user.csrf_token, form)
        return user

    return signed_in_user
