"""The console's doors: signing in and out, roles per route, CSRF on every form, headers, error pages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from pipelines.console.web.app import routers
from pipelines.console.web.navigation import PAGES
from pipelines.opstore import journal
from pipelines.opstore.engine import Store
from tests.pipelines.console.web_client import (
    PASSWORD,
    ROLES,
    client,
    hidden,
    make_app,
    nav_labels,
    opened_copy,
    sign_in,
    store_with_accounts,
)


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with one account per role, and one holding every role (hashing is slow: made once)."""
    path = tmp_path_factory.mktemp("accounts") / "ops.sqlite"
    return store_with_accounts(path, [*((role, [role]) for role in ROLES), ("everyone", ROLES)])


@pytest.fixture
def store(accounts_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the accounts' store for one test."""
    with opened_copy(accounts_file, tmp_path) as opened:
        yield opened


def _routes() -> list[APIRoute]:
    """Every page route of the app (from the routers create_app includes)."""
    return [r for router in routers() for r in router.routes if isinstance(r, APIRoute)]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_its_pages_and_is_refused_the_others(store: Store, role: str) -> None:
    app = make_app(store)
    browser = client(app)
    sign_in(browser, role)
    mine = [page for page in PAGES if role in page.roles]
    home = browser.get("/", follow_redirects=True)
    assert nav_labels(home.text) == [page.label for page in mine]
    served = {r.path for r in _routes()}
    for page in PAGES:
        if page.path not in served:  # a page another change adds
            continue
        answer = browser.get(page.path)
        if role in page.roles:
            assert answer.status_code == 200, (role, page.path)
        else:
            assert answer.status_code == 403, (role, page.path)
            assert "You cannot open this page" in answer.text
            assert "<table" not in answer.text  # a refusal shows no data


@pytest.mark.parametrize("role", ["board", "data_engineer", "admin"])
def test_roles_without_people_cannot_open_a_person(store: Store, role: str) -> None:
    browser = client(make_app(store))
    sign_in(browser, role)
    assert browser.get("/people/anything").status_code == 403


def test_signed_out_browsers_are_sent_to_sign_in(store: Store) -> None:
    browser = client(make_app(store))
    for path in ("/", "/list", "/review", "/admin/accounts", "/people/anything"):
        answer = browser.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path


def test_every_form_is_refused_without_the_sessions_csrf_token(store: Store) -> None:
    app = make_app(store)
    browser = client(app)
    token = sign_in(browser, "everyone")
    posts = [r for r in _routes() if "POST" in r.methods and r.path != "/sign-in"]
    assert {"/sign-out", "/list", "/people/{handle}", "/people/{handle}/decision", "/review/{handle}",
            "/admin/accounts/add", "/admin/accounts/roles"} <= {r.path for r in posts}  # fmt: skip
    for route in posts:
        path = route.path.replace("{handle}", "x")
        for sent in ({}, {"csrf_token": "forged"}):
            answer = browser.post(path, data={"username": "admin", "roles": "analyst", **sent})
            assert answer.status_code == 403, (route.path, sent)
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 303  # the token works


def test_sign_in_needs_the_forms_own_token(store: Store) -> None:
    browser = client(make_app(store))
    browser.get("/sign-in")
    answer = browser.post("/sign-in", data={"username": "analyst", "password": PASSWORD, "csrf_token": "x"})
    assert answer.status_code == 403
    assert "cohort_session" not in answer.headers.get("set-cookie", "")


def test_the_session_cookie_is_httponly_secure_strict(store: Store) -> None:
    browser = client(make_app(store))
    form = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in", data={"username": "analyst", "password": PASSWORD, "csrf_token": hidden(form.text)}
    )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("cohort_session="))
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} <= {p.strip() for p in cookie.split(";")}


def test_signing_out_ends_the_session_on_the_server(store: Store) -> None:
    browser = client(make_app(store))
    token = sign_in(browser, "analyst")
    cookie = browser.cookies.get("cohort_session")
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 303
    replay = client(make_app(store))
    replay.cookies.set("cohort_session", cookie or "")
    assert replay.get("/list").status_code == 303  # the old cookie no longer signs anyone in


def test_failed_sign_ins_are_journalled_without_the_password_then_locked_out(store: Store) -> None:
    browser = client(make_app(store))
    for _ in range(5):
        form = browser.get("/sign-in")
        answer = browser.post(
            "/sign-in",
            data={"username": "analyst", "password": "wrong-guess-1", "csrf_token": hidden(form.text)},
        )
        assert answer.status_code == 401
    form = browser.get("/sign-in")
    locked = browser.post(
        "/sign-in", data={"username": "analyst", "password": PASSWORD, "csrf_token": hidden(form.text)}
    )
    assert locked.status_code == 429  # even the right password, until the lockout ends
    refused = [e for e in journal.entries(store) if e.action == "sign_in_refused"]
    assert len(refused) == 6
    assert all("wrong-guess" not in f"{e.detail}{e.purpose}{e.actor}" for e in refused)
    assert refused[0].actor == "user:analyst"


def test_an_unknown_account_is_journalled_without_its_name(store: Store) -> None:
    browser = client(make_app(store))
    form = browser.get("/sign-in")
    browser.post("/sign-in", data={"username": "my-password-by-mistake", "password": "x" * 12,
                                   "csrf_token": hidden(form.text)})  # fmt: skip
    entry = journal.entries(store)[-1]
    assert entry.action == "sign_in_refused"
    assert "my-password-by-mistake" not in f"{entry.actor}{entry.detail}"


def test_every_response_carries_the_security_headers(store: Store) -> None:
    browser = client(make_app(store))
    pages = [browser.get("/sign-in"), browser.get("/no-such-page")]
    sign_in(browser, "analyst")
    pages += [browser.get("/list"), browser.get("/admin/accounts")]
    for page in pages:
        csp = page.headers["content-security-policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "unsafe-inline" not in script and "unsafe-eval" not in script
        assert "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
    for page in pages:
        assert "<script>" not in page.text and " on" + "click=" not in page.text  # no inline script


def test_an_unexpected_fault_shows_no_identifier_or_trace(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(store)

    secrets = ("48213", "Jane", "2009-03-01")

    def boom() -> None:
        message = f"person {secrets[0]} {secrets[1]} Example born {secrets[2]}"
        raise ValueError(message)

    app.add_api_route("/boom", boom)
    browser = client(app, raise_faults=False)
    with caplog.at_level(logging.INFO):
        answer = browser.get("/boom")
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text
    for secret in (*secrets, "Traceback", "ValueError"):
        assert secret not in answer.text
    for secret in secrets:
        assert secret not in caplog.text  # the log has the fault's type and frames, not its message
    assert "ValueError" in caplog.text
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_the_request_log_names_the_route_never_the_path(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    browser = client(make_app(store))
    sign_in(browser, "analyst")
    with caplog.at_level(logging.INFO, logger="pipelines.console.web.requests"):
        browser.get("/people/SECRETHANDLE")
    assert "/people/{handle}" in caplog.text
    assert "SECRETHANDLE" not in caplog.text


def test_a_proxy_header_signs_in_only_from_a_trusted_proxy(store: Store) -> None:
    trusted = client(
        make_app(store, trusted_header="X-Remote-User", trusted_proxies=frozenset({"testclient"}))
    )
    answer = trusted.get("/list", headers={"X-Remote-User": "analyst"})
    assert answer.status_code == 200
    assert "Signed in as <strong>analyst</strong>" in answer.text
    assert trusted.get("/list", headers={"X-Remote-User": "no-such-user"}).status_code == 303
    elsewhere = client(
        make_app(store, trusted_header="X-Remote-User", trusted_proxies=frozenset({"10.9.9.9"}))
    )
    assert elsewhere.get("/list", headers={"X-Remote-User": "analyst"}).status_code == 303


def test_a_proxy_header_for_another_user_replaces_the_session(store: Store) -> None:
    browser = client(
        make_app(store, trusted_header="X-Remote-User", trusted_proxies=frozenset({"testclient"}))
    )
    assert "<strong>analyst</strong>" in browser.get("/list", headers={"X-Remote-User": "analyst"}).text
    assert browser.get("/list", headers={"X-Remote-User": "admin"}).status_code == 403  # admin: no list
    assert browser.get("/list", headers={"X-Remote-User": "no-such-user"}).status_code == 303
