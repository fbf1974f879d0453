"""Console accounts: usernames, roles, argon2 password hashes and whether the account may sign in.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults) and rehashed at the next sign-in when
those parameters change. A sign-in check for an unknown or password-less account still verifies a
dummy hash, so the time taken does not tell which usernames exist. Every change is journalled
(action ``account_change``), in the same transaction as the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update

from pipelines.opstore import journal
from pipelines.opstore.engine import Store, naive_utc, read_connection
from pipelines.opstore.schema import account, web_session

ROLES = ("analyst", "reviewer", "board", "data_engineer", "admin")
MIN_PASSWORD = 12
USERNAME = re.compile(r"[A-Za-z0-9._-]{2,64}")


class AccountError(ValueError):
    """A refused account change: unknown or taken username, bad role, short password..."""


@dataclass(frozen=True)
class Account:
    """An account as the web app sees it (never its password hash)."""

    username: str
    roles: frozenset[str]
    active: bool
    has_password: bool


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not anybody's password")


def add_account(
    store: Store, username: str, roles: Iterable[str], password: str | None, *, by: str, now: datetime
) -> Account:
    """Add an active account.

    Args:
        store: the operational store.
        username: 2 to 64 letters, digits, ``.``, ``-`` or ``_``.
        roles: some of ``ROLES``.
        password: at least 12 characters, or None for an account that signs in only through the
            trusted reverse proxy.
        by: who adds it (a username).
        now: when (UTC).

    Returns:
        The new account.

    Raises:
        AccountError: a bad or taken username, an unknown role, or a short password.
    """
    _check_username(username)
    chosen = _check_roles(roles)
    hashed = _hash(password) if password is not None else None
    at = naive_utc(now)
    with store.engine.begin() as connection:
        if _row(connection, username) is not None:
            raise AccountError(f"there is already an account called {username}")
        connection.execute(
            insert(account).values(
                username=username,
                roles=",".join(sorted(chosen)),
                active=True,
                password_hash=hashed,
                created_at=at,
                created_by=by,
                changed_at=at,
                changed_by=by,
            )  # fmt: skip
        )
        detail = f"account {username} added with roles {', '.join(sorted(chosen)) or 'none'}" + (
            "" if hashed else " (no password: signs in through the trusted proxy only)"
        )
        _journal(connection, store, by, now, detail)
    return Account(username, chosen, True, hashed is not None)


def set_password(store: Store, username: str, password: str, *, by: str, now: datetime) -> None:
    """Set (or reset) an account's password.

    Raises:
        AccountError: an unknown account or a short password.
    """
    hashed = _hash(password)
    _change(store, username, {"password_hash": hashed}, by, now, f"password of {username} set")


def set_roles(store: Store, username: str, roles: Iterable[str], *, by: str, now: datetime) -> Account:
    """Replace an account's roles.

    Raises:
        AccountError: an unknown account or role.
    """
    chosen = _check_roles(roles)
    shown = ", ".join(sorted(chosen)) or "none"
    return _change(
        store, username, {"roles": ",".join(sorted(chosen))}, by, now, f"roles of {username}: {shown}"
    )


def set_active(store: Store, username: str, active: bool, *, by: str, now: datetime) -> Account:
    """Activate or deactivate an account; a deactivated account's sessions stop working at once.

    Raises:
        AccountError: an unknown account.
    """
    what = "reactivated" if active else "deactivated"
    return _change(store, username, {"active": active}, by, now, f"account {username} {what}")


def get_account(store: Store, username: str) -> Account | None:
    """The account called ``username``, or None."""
    with read_connection(store) as connection:
        row = _row(connection, username)
    return None if row is None else _account(row)


def list_accounts(store: Store) -> list[Account]:
    """Every account, by username."""
    with read_connection(store) as connection:
        rows = connection.execute(select(account).order_by(account.c.username)).all()
    return [_account(row) for row in rows]


def check_password(store: Store, username: str, password: str) -> Account | None:
    """The account when ``password`` is right and the account active; None otherwise.

    Unknown, password-less and inactive accounts take as long as a wrong password. A right password
    stored under old argon2 parameters is rehashed.
    """
    with read_connection(store) as connection:
        row = _row(connection, username) if USERNAME.fullmatch(username) else None
    stored = row.password_hash if row is not None and row.password_hash else None
    try:
        _hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or stored is None or not row.active:
        return None
    if _hasher().check_needs_rehash(stored):
        with store.engine.begin() as connection:
            connection.execute(
                update(account)
                .where(account.c.username == row.username)
                .values(password_hash=_hash(password))
            )
    return _account(row)


def _change(
    store: Store, username: str, values: dict[str, Any], by: str, now: datetime, detail: str
) -> Account:
    with store.engine.begin() as connection:
        if _row(connection, username) is None:
            raise AccountError(f"there is no account called {username}")
        connection.execute(
            update(account)
            .where(account.c.username == username)
            .values(**values, changed_at=naive_utc(now), changed_by=by)
        )
        if values.get("active") is False:  # signed out everywhere, so reactivating revives no old session
            connection.execute(
                update(web_session)
                .where(web_session.c.username == username, web_session.c.ended_at.is_(None))
                .values(ended_at=naive_utc(now))
            )
        _journal(connection, store, by, now, detail)
        row = _row(connection, username)
    assert row is not None
    return _account(row)


def _journal(connection: sqlalchemy.Connection, store: Store, by: str, now: datetime, detail: str) -> None:
    actor = by if ":" in by else f"user:{by}"
    journal.append(store, now=now, actor=actor, action="account_change", detail=detail, connection=connection)


def _row(connection: sqlalchemy.Connection, username: str) -> sqlalchemy.Row[Any] | None:
    return connection.execute(select(account).where(account.c.username == username)).first()


def _account(row: sqlalchemy.Row[Any]) -> Account:
    roles = frozenset(role for role in str(row.roles).split(",") if role)
    return Account(str(row.username), roles, bool(row.active), row.password_hash is not None)


def _check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise AccountError("a username is 2 to 64 letters, digits, '.', '-' or '_'")


def _check_roles(roles: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(roles)
    unknown = sorted(chosen - set(ROLES))
    if unknown:
        raise AccountError(f"unknown role {', '.join(unknown)}: the roles are {', '.join(ROLES)}")
    return chosen


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password must be at least {MIN_PASSWORD} characters long")
    return _hasher().hash(password)
