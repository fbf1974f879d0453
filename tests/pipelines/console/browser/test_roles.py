"""Signing in as each role lands on that role's page; each is refused (the 403 page, no personal data)
what its role may not see; a wrong password is refused; signing out ends the session for good."""

from __future__ import annotations

import pytest
from selenium.webdriver.chromium.webdriver import ChromiumDriver

from pipelines.opstore import reading
from pipelines.opstore.engine import Store
from tests.pipelines.console.browser.console_pages import Console

LANDING = {
    "ana": ("/list", ["Weekly list"]),
    "rita": ("/review", ["Second review"]),
    "bea": ("/governance", ["Governance"]),
    "dan": ("/", ["Data health", "Linkage queue"]),  # two pages: the start page lists them
    "ada": ("/admin/accounts", ["Accounts"]),
}
"""Where each role lands after signing in, and the pages its navigation offers."""
PERSON = "/people/<an analyst's link>"
REFUSED = {
    "ana": ["/governance", "/governance/models", "/health", "/linkage", "/admin/accounts", "/review"],
    "rita": ["/list", "/list/departures", "/governance", "/health", "/admin/accounts"],
    "bea": ["/list", "/list/departures", PERSON, "/review", "/health", "/linkage", "/admin/accounts"],
    "dan": ["/list", "/list/departures", PERSON, "/review", "/governance", "/admin/accounts"],
    "ada": ["/list", PERSON, "/review", "/governance", "/health", "/linkage"],
}
"""What each role may not open (a person's page by a link an analyst's session made)."""
FORBIDDEN_PAGE = [
    "You cannot open this page",
    "Your account's roles do not include this page.",
    "Go to your start page",
    "Error 403",
]
"""Everything the 403 page's main part says: nothing about anyone."""


@pytest.fixture(scope="module")
def names(store: Store) -> list[str]:
    """Everyone on the published list."""
    run = reading.latest_run(store)
    assert run is not None
    everyone = reading.list_page(store, run.run_id, reading.ListFilter(), per_page=1000)
    return [row.name for row in everyone.rows]


@pytest.fixture(scope="module")
def person_link(chromium: ChromiumDriver, server: str) -> str:
    """The path of the first person's link on the list, as analyst ana's session sealed it."""
    console = Console(chromium, server)
    console.reset()
    console.sign_in("ana")
    link = chromium.find_element("css selector", "#list-results tbody td a").get_attribute("href")
    console.sign_out()
    assert link is not None and "/people/" in link
    return link.removeprefix(server)


@pytest.mark.parametrize("user", list(LANDING))
def test_signing_in_lands_on_the_roles_own_page(console: Console, user: str) -> None:
    path, pages = LANDING[user]
    console.sign_in(user)
    assert console.path == path
    assert console.error_status() is None, console.main_text()
    assert console.nav() == pages
    assert f"Signed in as {user}" in console.text()
    for label in pages:  # every page the navigation offers opens
        console.submit(console.driver.find_element("link text", label))
        assert console.error_status() is None, (label, console.main_text())


@pytest.mark.parametrize("user", list(REFUSED))
def test_each_role_is_refused_what_it_may_not_see(
    console: Console, user: str, names: list[str], person_link: str
) -> None:
    console.sign_in(user)
    for path in REFUSED[user]:
        console.go_refused(person_link if path == PERSON else path)
        assert console.error_status() == 403, (path, console.main_text())
        assert console.main_text().splitlines() == FORBIDDEN_PAGE, path
        source = console.source()
        assert not [name for name in names if name in source], path
        assert console.nav() == LANDING[user][1]  # still signed in, still only their own pages


def test_a_reviewer_cannot_open_a_person_by_another_sessions_link(
    console: Console, names: list[str], person_link: str
) -> None:
    console.sign_in("rita")
    console.go_refused(person_link)
    assert console.error_status() == 404  # the link opens only in the session that made it
    assert not [name for name in names if name in console.source()]


def test_a_wrong_password_is_refused(console: Console) -> None:
    for user, password in (("ana", "not the password at all"), ("nobody", "correct horse battery staple")):
        console.sign_in(user, password)
        assert console.path == "/sign-in"
        assert "That username and password do not match an active account." in console.text()
        assert console.driver.get_cookie("cohort_session") is None
    console.go("/list")
    assert console.path == "/sign-in"


def test_signing_out_ends_the_session_and_going_back_shows_no_one(console: Console, names: list[str]) -> None:
    console.sign_in("ana")
    first = console.listed_names()[0]
    console.open_person(first, "consider")
    assert console.heading() == first
    cookie = console.driver.get_cookie("cohort_session")
    assert cookie is not None
    console.sign_out()
    assert console.path == "/sign-in"
    assert console.driver.get_cookie("cohort_session") is None
    # back through the person's page, the purpose form and the list: pages are never stored, so
    # nothing comes back from the browser's cache, and the server no longer knows the session
    for _ in range(3):
        console.back()
        source = console.source()
        assert not [name for name in names if name in source], console.path
    # the old session cookie, put back by hand, opens nothing: the session ended on the server
    console.go("/sign-in")
    console.driver.add_cookie({k: cookie[k] for k in ("name", "value", "path", "secure", "httpOnly")})
    console.go("/list")
    assert console.path == "/sign-in"
    assert not [name for name in names if name in console.source()]


def test_the_console_log_reports_a_csp_violation_so_a_clean_log_means_something(console: Console) -> None:
    console.sign_in("ana")
    blocked = console.driver.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.injected = 1;';"
        "document.body.appendChild(s); return window.injected === undefined;"
    )
    assert blocked  # the policy forbids inline scripts: this one never ran
    reported = console.problems()
    assert any("Content Security Policy" in line for line in reported), reported
