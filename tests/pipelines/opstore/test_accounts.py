"""Console accounts: argon2 passwords, roles, inactive accounts, every change journalled."""

from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from pipelines.opstore import accounts, journal
from pipelines.opstore.accounts import Account, AccountError
from pipelines.opstore.engine import Store
from pipelines.opstore.schema import account as account_table

AT = datetime(2026, 11, 16, 9, 0)
PASSWORD = "correct horse battery"


def _stored_hash(store: Store, username: str) -> str | None:
    with store.engine.connect() as connection:
        query = select(account_table.c.password_hash).where(account_table.c.username == username)
        return connection.execute(query).scalar()


def test_an_account_signs_in_with_its_password_only(any_store: Store) -> None:
    added = accounts.add_account(any_store, "ana.k", ["analyst", "reviewer"], PASSWORD, by="root", now=AT)
    assert added == Account("ana.k", frozenset({"analyst", "reviewer"}), True, True)
    assert accounts.check_password(any_store, "ana.k", PASSWORD) == added
    assert accounts.check_password(any_store, "ana.k", PASSWORD + "!") is None
    assert accounts.check_password(any_store, "nobody", PASSWORD) is None
    assert accounts.check_password(any_store, "bad name!", PASSWORD) is None
    stored = _stored_hash(any_store, "ana.k")
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_an_inactive_or_password_less_account_cannot_sign_in(any_store: Store) -> None:
    accounts.add_account(any_store, "ana", ["analyst"], PASSWORD, by="root", now=AT)
    accounts.add_account(any_store, "proxy-only", ["board"], None, by="root", now=AT)
    assert accounts.set_active(any_store, "ana", False, by="root", now=AT).active is False
    assert accounts.check_password(any_store, "ana", PASSWORD) is None
    assert accounts.check_password(any_store, "proxy-only", "") is None
    assert accounts.get_account(any_store, "proxy-only") == Account(
        "proxy-only", frozenset({"board"}), True, False
    )
    accounts.set_active(any_store, "ana", True, by="root", now=AT)
    assert accounts.check_password(any_store, "ana", PASSWORD) is not None


@pytest.mark.parametrize(
    ("username", "roles", "password", "message"),
    [
        ("a", ["analyst"], PASSWORD, "2 to 64"),
        ("ana smith", ["analyst"], PASSWORD, "2 to 64"),
        ("x" * 65, ["analyst"], PASSWORD, "2 to 64"),
        ("ana", ["analyst", "god"], PASSWORD, "unknown role god"),
        ("ana", ["analyst"], "elevenchars", "at least 12 characters"),
    ],
)
def test_bad_accounts_are_refused(
    any_store: Store, username: str, roles: list[str], password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_account(any_store, username, roles, password, by="root", now=AT)
    assert accounts.list_accounts(any_store) == []


def test_changes_to_accounts_are_checked_and_journalled(any_store: Store) -> None:
    accounts.add_account(any_store, "bob", ["analyst"], PASSWORD, by="root", now=AT)
    with pytest.raises(AccountError, match="already an account"):
        accounts.add_account(any_store, "bob", ["board"], PASSWORD, by="root", now=AT)
    with pytest.raises(AccountError, match="no account called"):
        accounts.set_roles(any_store, "carol", ["board"], by="root", now=AT)
    with pytest.raises(AccountError, match="at least 12"):
        accounts.set_password(any_store, "bob", "short", by="root", now=AT)
    assert accounts.set_roles(any_store, "bob", ["board", "admin"], by="root", now=AT).roles == {
        "board",
        "admin",
    }
    accounts.set_password(any_store, "bob", "a much longer secret", by="bob", now=AT)
    assert accounts.check_password(any_store, "bob", PASSWORD) is None
    assert accounts.check_password(any_store, "bob", "a much longer secret") is not None
    changes = [(e.actor, e.action, e.detail) for e in journal.entries(any_store)]
    assert changes == [
        ("user:root", "account_change", "account bob added with roles analyst"),
        ("user:root", "account_change", "roles of bob: admin, board"),
        ("user:bob", "account_change", "password of bob set"),
    ]
    assert all("secret" not in detail for _, _, detail in changes)
    assert [a.username for a in accounts.list_accounts(any_store)] == ["bob"]


def test_a_password_is_rehashed_when_the_parameters_change(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", lambda: weak)
    accounts.add_account(any_store, "ana", ["analyst"], PASSWORD, by="root", now=AT)
    old = _stored_hash(any_store, "ana")
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher)  # the defaults: stronger
    assert accounts.check_password(any_store, "ana", PASSWORD) is not None
    new = _stored_hash(any_store, "ana")
    assert old is not None and new is not None and new != old
    assert not PasswordHasher().check_needs_rehash(new) and PasswordHasher().check_needs_rehash(old)
