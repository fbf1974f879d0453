"""Why a user opens a person or a pair: the purpose form's answer, checked, and the grant that carries it.

The grant is a sealed, short-lived token (this session only) naming what was opened and why, so a
page re-rendered after a decision is journalled with the purpose the user gave, without asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from starlette.responses import Response

from governance.console_settings import ConsolePolicy
from pipelines.console.web.access import User, console
from pipelines.console.web.pages import render, seal, unseal

TEXT_LIMIT = 500


class PurposeRefused(ValueError):
    """The purpose form's answer is not usable; the message says what to do."""


def stated_purpose(policy: ConsolePolicy, purpose_id: str, text: str) -> str:
    """The purpose to record: the pick-list's text, then the user's own words if any.

    Raises:
        PurposeRefused: no choice, an unknown one, "other" without words, or words too long.
    """
    chosen = policy.purpose(purpose_id)
    words = " ".join(text.split())
    if chosen is None:
        raise PurposeRefused("Choose why you are opening this record.")
    if chosen.needs_text and not words:
        raise PurposeRefused(f"{chosen.text}: say why in the box.")
    if len(words) > TEXT_LIMIT:
        raise PurposeRefused(f"Keep the reason under {TEXT_LIMIT} characters.")
    return f"{chosen.text}: {words}" if words else chosen.text


@dataclass(frozen=True)
class Grant:
    """A purpose given for one subject (``"RUN:PERSON"`` or a pair id), until it expires."""

    subject: str
    purpose: str
    expires: datetime


def grant_token(request: Request, user: User, subject: str, purpose: str, now: datetime) -> str:
    """A sealed grant for ``subject`` lasting the policy's idle minutes."""
    expires = now + timedelta(minutes=console(request).policy.idle_minutes)
    return seal(request, user, "grant", f"{expires.isoformat()}|{subject}|{purpose}")


def read_grant(request: Request, user: User, token: str, subject: str, now: datetime) -> Grant | None:
    """The grant in ``token`` if it is this session's, for ``subject``, and not expired; else None."""
    opened = unseal(request, user, "grant", token) if token else None
    if opened is None:
        return None
    expires_text, granted_subject, purpose = opened.split("|", 2)
    expires = datetime.fromisoformat(expires_text)
    if granted_subject != subject or expires <= now:
        return None
    return Grant(granted_subject, purpose, expires)


def purpose_page(
    request: Request,
    user: User,
    template: str,
    handle: str,
    *,
    message: str | None = None,
    chosen: str = "",
    text: str = "",
    status: int = 200,
) -> Response:
    """The purpose form (``template``: a person's or a pair's) for what ``handle`` opens.

    Args:
        message: why an earlier answer was refused, shown above the form (None: first time).
        chosen, text: the earlier answer, filled in again.
    """
    context = {
        "handle": handle,
        "purposes": console(request).policy.purposes,
        "message": message,
        "chosen": chosen,
        "text": text,
    }
    return render(request, template, context, user=user, status=status)
