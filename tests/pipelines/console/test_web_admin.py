"""Accounts for admins: adding, roles, deactivating; never leaving the console without an admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.console.web.account_rules import leaves_no_admin
from pipelines.opstore.accounts import Account, get_account
from pipelines.opstore.engine import Store, open_store
from tests.pipelines.console.web_client import PASSWORD, add_user, client, hidden, make_app, sign_in


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'ops.sqlite'}")
    add_user(opened, "root", ["admin"])
    yield opened
    opened.engine.dispose()


def test_an_admin_adds_an_account_that_can_then_sign_in(store: Store) -> None:
    admin = client(make_app(store))
    token = sign_in(admin, "root")
    answer = admin.post("/admin/accounts/add", data={
        "csrf_token": token, "username": "newbie", "roles": ["analyst", "reviewer"],
        "password": "a long enough secret", "password_again": "a long enough secret"})  # fmt: skip
    assert answer.status_code == 200 and "Added newbie." in answer.text
    account = get_account(store, "newbie")
    assert account is not None and account.roles == frozenset({"analyst", "reviewer"})
    sign_in(client(make_app(store)), "newbie", "a long enough secret")


def test_a_short_or_mistyped_password_is_refused(store: Store) -> None:
    admin = client(make_app(store))
    token = sign_in(admin, "root")
    for password, again in (("short", "short"), ("a long enough secret", "a long enough secreT")):
        answer = admin.post("/admin/accounts/add", data={
            "csrf_token": token, "username": "x", "roles": ["analyst"], "password": password,
            "password_again": again})  # fmt: skip
        assert answer.status_code == 400
    assert get_account(store, "x") is None


def test_the_last_admin_cannot_drop_admin_or_be_deactivated(store: Store) -> None:
    admin = client(make_app(store))
    token = sign_in(admin, "root")
    dropped = admin.post(
        "/admin/accounts/roles", data={"csrf_token": token, "username": "root", "roles": ["analyst"]}
    )
    assert dropped.status_code == 400 and "no active admin" in dropped.text
    stopped = admin.post(
        "/admin/accounts/active", data={"csrf_token": token, "username": "root", "active": "no"}
    )
    assert stopped.status_code == 400
    account = get_account(store, "root")
    assert account is not None and account.active and "admin" in account.roles
    add_user(store, "deputy", ["admin"])
    assert admin.post("/admin/accounts/roles", data={
        "csrf_token": token, "username": "root", "roles": ["analyst"]}).status_code == 200  # fmt: skip


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(store: Store) -> None:
    add_user(store, "leaver", ["analyst"])
    app = make_app(store)
    leaver = client(app)
    sign_in(leaver, "leaver")
    admin = client(app)
    token = sign_in(admin, "root")
    admin.post("/admin/accounts/active", data={"csrf_token": token, "username": "leaver", "active": "no"})
    assert leaver.get("/list").status_code == 303
    form = client(app)
    page = form.get("/sign-in")
    refused = form.post(
        "/sign-in", data={"username": "leaver", "password": PASSWORD, "csrf_token": hidden(page.text)}
    )
    assert refused.status_code == 401


def test_leaves_no_admin_counts_only_active_admins() -> None:
    accounts = [
        Account("a", frozenset({"admin"}), True, True),
        Account("b", frozenset({"admin"}), False, True),
        Account("c", frozenset({"analyst"}), True, True),
    ]
    assert leaves_no_admin(accounts, "a", ["analyst"], True)
    assert leaves_no_admin(accounts, "a", ["admin"], False)
    assert not leaves_no_admin(accounts, "c", ["admin"], True)
    assert not leaves_no_admin(accounts, "b", ["admin"], True)
