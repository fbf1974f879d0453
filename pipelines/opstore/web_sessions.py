"""Server-side web sessions: a random token in the cookie, only its SHA-256 stored, a CSRF token each.

A session ends after ``idle_minutes`` without use (each use slides that on), after ``max_hours``
whatever the use, when its user signs out, or at once when the account is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update

from pipelines.opstore.engine import Store, naive_utc, read_connection
from pipelines.opstore.schema import account, web_session


@dataclass(frozen=True)
class WebSession:
    """A live session (never its cookie token)."""

    username: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    store: Store, username: str, *, now: datetime, idle_minutes: int = 30, max_hours: int = 12
) -> tuple[str, WebSession]:
    """Open a session for ``username`` (already authenticated by the caller).

    Args:
        store: the operational store.
        username: an existing account.
        now: when (UTC).
        idle_minutes: how long the session lasts without use.
        max_hours: how long it lasts at most.

    Returns:
        The cookie token (``secrets.token_urlsafe(32)``; only its SHA-256 is stored) and the session.
    """
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = naive_utc(now)
    ends = at + timedelta(hours=max_hours)
    expires = min(at + timedelta(minutes=idle_minutes), ends)
    with store.engine.begin() as connection:
        # sessions that can no longer be used are of no further use: keep the table small
        connection.execute(
            delete(web_session).where(
                or_(web_session.c.expires_at <= at, web_session.c.ended_at.is_not(None))
            )
        )
        connection.execute(
            insert(web_session).values(
                token_hash=_digest(token),
                username=username,
                csrf_token=csrf,
                created_at=at,
                last_seen_at=at,
                idle_minutes=idle_minutes,
                expires_at=expires,
                ends_at=ends,
            )  # fmt: skip
        )
    return token, WebSession(username, csrf, at, expires)


def session_for(store: Store, token: str, *, now: datetime) -> WebSession | None:
    """The live session whose cookie token is ``token``, its idle expiry slid on; None when there is none.

    None when the token is unknown, the session ended (signed out, idle too long, past its maximum)
    or the account is inactive.
    """
    if not token:
        return None
    at = naive_utc(now)
    digest = _digest(token)
    query = (
        select(web_session, account.c.active)
        .join(account, account.c.username == web_session.c.username)
        .where(web_session.c.token_hash == digest)
    )
    with read_connection(store) as connection:
        row = connection.execute(query).first()
    if row is None or row.ended_at is not None or not row.active or at >= row.expires_at:
        return None
    expires = min(at + timedelta(minutes=row.idle_minutes), row.ends_at)
    if expires > row.expires_at:
        with store.engine.begin() as connection:
            connection.execute(
                update(web_session)
                .where(web_session.c.token_hash == digest, web_session.c.ended_at.is_(None))
                .values(last_seen_at=at, expires_at=expires)
            )
    return WebSession(row.username, row.csrf_token, row.created_at, max(expires, row.expires_at))


def end_session(store: Store, token: str, *, now: datetime) -> None:
    """End the session (sign-out); an unknown token is ignored."""
    if not token:
        return
    with store.engine.begin() as connection:
        connection.execute(
            update(web_session)
            .where(web_session.c.token_hash == _digest(token), web_session.c.ended_at.is_(None))
            .values(ended_at=naive_utc(now))
        )
