"""The review console in a real browser: headless Debian Chromium (Selenium, the system chromedriver)
against the app served by uvicorn, over a copy of the published test world with an account per role.

Each test module gets its own copy of the world and its own server; one browser serves them all (a
second is started where two users act at once). Each test starts signed out with an empty console log,
and ends with nothing in it: no CSP violation, script error or failed load except the error pages the
test opened on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.chromium.webdriver import ChromiumDriver

from pipelines.opstore.engine import Store, open_store
from tests.pipelines.console.browser.console_pages import Console, browser
from tests.pipelines.console.conftest import ConsoleWorld, copy_world
from tests.pipelines.console.web_client import add_user, make_app
from tests.servers import live_server

ACCOUNTS = {
    "ana": ("analyst",),
    "bob": ("analyst",),
    "rita": ("reviewer",),
    "bea": ("board",),
    "dan": ("data_engineer",),
    "ada": ("admin",),
}
"""One account per role (two analysts), each with web_client.PASSWORD."""


@pytest.fixture(scope="session")
def accounts_world(console_world: ConsoleWorld, tmp_path_factory: pytest.TempPathFactory) -> ConsoleWorld:
    """The published world with ACCOUNTS added (passwords hashed once a session; copy it to write)."""
    world = copy_world(console_world, tmp_path_factory.mktemp("browser-accounts"))
    store = open_store(world.store_url)
    try:
        for name, roles in ACCOUNTS.items():
            add_user(store, name, roles)
    finally:
        store.engine.dispose()
    return world


@pytest.fixture(scope="module")
def world(accounts_world: ConsoleWorld, tmp_path_factory: pytest.TempPathFactory) -> ConsoleWorld:
    """This module's own copy of the world with accounts."""
    return copy_world(accounts_world, tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def store(world: ConsoleWorld) -> Iterator[Store]:
    """The module's operational store (the server's; the test reads it directly too)."""
    opened = open_store(world.store_url)
    yield opened
    opened.engine.dispose()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[str]:
    """The console over the module's store, served by uvicorn in a thread; its base URL."""
    with live_server(lambda: make_app(store), ready_path="/sign-in") as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[ChromiumDriver]:
    """One Chromium for the browser tests, keeping the pages' console log (overrides ``tests.servers``'
    per-test browser; named the same so a failing test still leaves a screenshot). Each test starts
    it afresh: signed out, its console log read (:meth:`Console.reset`)."""
    with browser() as driver:
        yield driver


@pytest.fixture
def console(chromium: ChromiumDriver, server: str) -> Iterator[Console]:
    """The module's browser on its console, signed out, its console log empty; checked afterwards."""
    page = Console(chromium, server)
    page.reset()
    yield page
    assert page.problems() == [], "Chromium's console logged problems"
