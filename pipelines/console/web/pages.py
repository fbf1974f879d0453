"""Rendering a page (the layout, the navigation by role), journalling what it shows, sealing handles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from pipelines.console.web import handles
from pipelines.console.web.access import User, console
from pipelines.console.web.navigation import pages_for
from pipelines.opstore import journal

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["when"] = lambda at: "" if at is None else at.strftime("%d/%m/%Y %H:%M")
    env.filters["day"] = lambda d: "" if d is None else d.strftime("%d/%m/%Y")
    env.filters["pct"] = lambda v, places=0: "n/a" if v is None else f"{v:.{places}%}"
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: User | None,
    status: int = 200,
) -> HTMLResponse:
    """Render template ``name`` inside the layout for ``user``.

    Args:
        request: the request.
        name: a template under ``pipelines/console/web/templates`` (e.g. ``"list/page.html.j2"``).
        context: the page's own values.
        user: the signed-in user (None on the sign-in and error pages): the navigation shows their pages.
        status: the HTTP status.
    """
    base = {
        "user": user,
        "nav": pages_for(user.roles) if user else [],
        "csrf_token": user.csrf_token if user else "",
        "current_path": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def journal_view(
    request: Request,
    user: User,
    *,
    action: str,
    purpose: str,
    detail: str,
    person_id: int | None = None,
    run_id: int | None = None,
    rows: int | None = None,
) -> None:
    """Write a consultation to the audit journal, committed before the page that shows it is rendered.

    Args:
        action: "view_list", "view_person", "view_departures", "view_pair"... (see opstore.journal.ACTIONS).
        purpose: why the user is looking (the pick-list's text and their own words, or the page's purpose).
        detail: what was shown, without personal data (ids and counts only).
    """
    settings = console(request)
    journal.append(
        settings.store,
        now=settings.clock(),
        actor=user.actor,
        action=action,
        detail=detail,
        purpose=purpose,
        person_id=person_id,
        run_id=run_id,
        rows=rows,
    )


def seal(request: Request, user: User, kind: str, value: str) -> str:
    """An opaque handle for ``value`` that only this session can open (see :mod:`handles`)."""
    return handles.seal(console(request).secret, user.csrf_token, kind, value)


def unseal(request: Request, user: User, kind: str, handle: str) -> str | None:
    """The value behind a handle this session made, or None."""
    return handles.unseal(console(request).secret, user.csrf_token, kind, handle)
