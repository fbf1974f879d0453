"""Helpers for the web app's TestClient tests: an app over a store, accounts, signing in, reading pages."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from governance.console_settings import ConsolePolicy, load_console_policy
from pipelines.clock import Clock, fixed_clock
from pipelines.console.web.app import create_app
from pipelines.console.web.settings import ConsoleSettings
from pipelines.opstore.accounts import add_account
from pipelines.opstore.engine import Store, open_store

NOW = datetime(2026, 11, 16, 9, 0)
"""The Monday morning the tests' console runs on (after the list for 16/11/2026 was published)."""
PASSWORD = "correct horse battery staple"
SECRET = b"t" * 32
"""The app secret the tests' apps seal handles with."""
ROLES = ("analyst", "reviewer", "board", "data_engineer", "admin")


def make_app(store: Store, *, clock: Clock | None = None, policy: ConsolePolicy | None = None,
             **options: object) -> FastAPI:  # fmt: skip
    """The console over ``store`` on a pinned clock that moves a second each reading."""
    settings = ConsoleSettings(
        store=store,
        policy=policy or load_console_policy(),
        clock=clock or fixed_clock(NOW, step=timedelta(seconds=1)),
        secret=SECRET,
        **options,  # type: ignore[arg-type]
    )
    return create_app(settings)


def client(app: FastAPI, *, raise_faults: bool = True) -> TestClient:
    """A browser on https (the session cookie is Secure), following no redirects.

    Args:
        raise_faults: an exception in the app fails the test (False: the browser sees the 500 page).
    """
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=raise_faults
    )


def add_user(store: Store, name: str, roles: Iterable[str], password: str = PASSWORD) -> None:
    add_account(store, name, list(roles), password, by="test", now=NOW)


def store_with_accounts(
    path: Path, accounts: Iterable[tuple[str, Iterable[str]]], *, published: Path | None = None
) -> Path:
    """A store file at ``path`` (a copy of ``published`` if given) holding ``(name, roles)`` accounts:
    made once per module, as hashing passwords is slow, then copied for each test."""
    if published is not None:
        shutil.copy(published, path)
    made = open_store(f"sqlite:///{path}")
    for name, roles in accounts:
        add_user(made, name, roles)
    made.engine.dispose()
    return path


@contextlib.contextmanager
def opened_copy(store_file: Path, folder: Path) -> Iterator[Store]:
    """A fresh copy of ``store_file`` in ``folder``, open for one test."""
    copy = folder / "ops.sqlite"
    shutil.copy(store_file, copy)
    opened = open_store(f"sqlite:///{copy}")
    try:
        yield opened
    finally:
        opened.engine.dispose()


def hidden(html: str, name: str = "csrf_token") -> str:
    """The value of the first hidden field ``name`` in a page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field on the page"
    return found.group(1)


def sign_in(browser: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token (from the start page's meta tag)."""
    form = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": hidden(form.text)}
    )
    assert answer.status_code == 303, answer.text
    page = browser.get("/", follow_redirects=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found, "no CSRF token on the start page"
    return found.group(1)


class Links(HTMLParser):
    """Every href, form action, src and button value on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.nav: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is not None and key in ("href", "action", "src", "hx-get", "hx-post"):
                self.urls.append(value)

    @classmethod
    def of(cls, html: str) -> list[str]:
        parser = cls()
        parser.feed(html)
        return parser.urls


def nav_labels(html: str) -> list[str]:
    """The labels in the page's main navigation."""
    block = re.search(r'<nav class="main".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", block.group(0)) if block else []
