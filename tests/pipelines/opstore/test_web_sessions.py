"""Web sessions: only the token's hash stored, sliding idle expiry, a maximum, sign-out, deactivation."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select

from pipelines.opstore import accounts
from pipelines.opstore.engine import Store
from pipelines.opstore.schema import web_session
from pipelines.opstore.web_sessions import end_session, session_for, start_session

AT = datetime(2026, 11, 16, 9, 0)


def _account(store: Store, name: str = "ana") -> None:
    accounts.add_account(store, name, ["analyst"], None, by="root", now=AT)  # sessions need no password


def test_only_the_tokens_hash_is_stored(any_store: Store) -> None:
    _account(any_store)
    token, session = start_session(any_store, "ana", now=AT)
    other, second = start_session(any_store, "ana", now=AT)
    assert len(token) >= 43 and token != other and session.csrf_token != second.csrf_token
    with any_store.engine.connect() as connection:
        rows = [tuple(str(v) for v in row) for row in connection.execute(select(web_session))]
    assert hashlib.sha256(token.encode()).hexdigest() in {row[0] for row in rows}
    assert not any(token in value for row in rows for value in row)
    assert session_for(any_store, token, now=AT) == session
    assert session_for(any_store, "not-a-token", now=AT) is None
    assert session_for(any_store, "", now=AT) is None


def test_use_slides_the_idle_expiry(any_store: Store) -> None:
    _account(any_store)
    token, session = start_session(any_store, "ana", now=AT, idle_minutes=30)
    assert session.expires_at == AT + timedelta(minutes=30)
    used = session_for(any_store, token, now=AT + timedelta(minutes=29))
    assert used is not None and used.expires_at == AT + timedelta(minutes=59)
    assert session_for(any_store, token, now=AT + timedelta(minutes=58)) is not None
    assert session_for(any_store, token, now=AT + timedelta(minutes=88, seconds=1)) is None


def test_a_session_ends_at_its_maximum_however_much_it_is_used(any_store: Store) -> None:
    _account(any_store)
    token, _ = start_session(any_store, "ana", now=AT, idle_minutes=30, max_hours=2)
    for minutes in range(20, 120, 20):
        assert session_for(any_store, token, now=AT + timedelta(minutes=minutes)) is not None
    last = session_for(any_store, token, now=AT + timedelta(minutes=110))
    assert last is not None and last.expires_at == AT + timedelta(hours=2)
    assert session_for(any_store, token, now=AT + timedelta(hours=2)) is None


def test_sign_out_ends_the_session(any_store: Store) -> None:
    _account(any_store)
    token, _ = start_session(any_store, "ana", now=AT)
    kept, _ = start_session(any_store, "ana", now=AT)
    end_session(any_store, token, now=AT + timedelta(minutes=1))
    end_session(any_store, "unknown", now=AT)
    assert session_for(any_store, token, now=AT + timedelta(minutes=2)) is None
    assert session_for(any_store, kept, now=AT + timedelta(minutes=2)) is not None


def test_deactivating_an_account_ends_its_sessions_at_once_for_good(any_store: Store) -> None:
    _account(any_store)
    _account(any_store, "bob")
    token, _ = start_session(any_store, "ana", now=AT)
    bobs, _ = start_session(any_store, "bob", now=AT)
    accounts.set_active(any_store, "ana", False, by="root", now=AT + timedelta(minutes=1))
    assert session_for(any_store, token, now=AT + timedelta(minutes=1)) is None
    accounts.set_active(any_store, "ana", True, by="root", now=AT + timedelta(minutes=2))
    assert session_for(any_store, token, now=AT + timedelta(minutes=2)) is None
    assert session_for(any_store, bobs, now=AT + timedelta(minutes=2)) is not None
