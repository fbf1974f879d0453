"""Page actions for the review console's browser tests: sign in and out, filter, sort and search the
list, open a person with a purpose, record a decision, and read what Chromium's console logged."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chromium.webdriver import ChromiumDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.pipelines.console.web_client import PASSWORD
from tests.servers.chromium import chromium_browser

WAIT = 15.0
"""How long an action may take to show its result (a limit, never an assertion on speed)."""
SAME_PAGE = "window.cohortSamePage"
"""A mark set on the window before an htmx action: still there afterwards, the page was not reloaded."""


def gone(element: WebElement) -> Callable[[Any], bool]:
    """A wait condition: ``element`` has left the document. Selenium's ``staleness_of`` expects a
    StaleElementReferenceException, but Chromium sometimes answers a just-detached node with "Node with
    given id does not belong to the document" instead (seen once in CI); both mean gone."""

    def left(_: Any) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    return left


@contextlib.contextmanager
def browser() -> Iterator[ChromiumDriver]:
    """Headless Debian Chromium as ``tests.servers`` starts it, keeping the pages' console log."""
    with chromium_browser(console_log=True) as driver:
        yield cast(ChromiumDriver, driver)


@dataclass
class Console:
    """One browser on the console at ``url``: what a user does, and what the page shows."""

    driver: ChromiumDriver
    url: str
    refused: set[str] = field(default_factory=set)  # paths the test expects an error status from

    # -- reading the page

    @property
    def path(self) -> str:
        """The address bar's path (and query), without the server."""
        parts = urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def text(self) -> str:
        """The page's visible text."""
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def source(self) -> str:
        """The page's HTML as the browser holds it."""
        return str(self.driver.page_source)

    def heading(self) -> str:
        """The page's first-level heading."""
        return str(self.driver.find_element(By.TAG_NAME, "h1").text)

    def nav(self) -> list[str]:
        """The labels of the main navigation's links."""
        return [str(a.text) for a in self.driver.find_elements(By.CSS_SELECTOR, "nav.main a")]

    def section(self, heading: str) -> str:
        """The text of the ``<section>`` whose heading is ``heading``."""
        found = self.driver.find_element(
            By.XPATH, f"//section[./h2[normalize-space()={_xpath_text(heading)}]]"
        )
        return str(found.text)

    def error_status(self) -> int | None:
        """The status an error page says (its "Error 403" line), or None on any other page."""
        for line in self.driver.find_elements(By.CSS_SELECTOR, "main p.muted"):
            words = str(line.text).split()
            if len(words) == 2 and words[0] == "Error" and words[1].isdigit():
                return int(words[1])
        return None

    def main_text(self) -> str:
        """The visible text of the page's main part (without the header)."""
        return str(self.driver.find_element(By.ID, "main").text)

    def list_rows(self) -> list[list[str]]:
        """The list table's rows, each the cells' text."""
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#list-results tbody tr")
        return [[str(cell.text) for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]

    def list_headings(self) -> list[str]:
        """The list table's column headings (the sorted one marked ▲ or ▼)."""
        return [str(th.text) for th in self.driver.find_elements(By.CSS_SELECTOR, "#list-results thead th")]

    def listed_names(self) -> list[str]:
        """The names in the list table, in order."""
        return [str(a.text) for a in self.driver.find_elements(By.CSS_SELECTOR, "#list-results tbody td a")]

    def notice(self) -> str:
        """The notice an action left (saved, refused, a conflict)."""
        return str(self.driver.find_element(By.CSS_SELECTOR, "main .notice").text)

    def log(self) -> list[dict[str, Any]]:
        """Chromium's console log since the last call (reading it empties it)."""
        entries: list[dict[str, Any]] = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return entries

    def problems(self) -> list[str]:
        """What Chromium's console logged since the last call: CSP violations, script errors and failed
        loads, except the error status of a page the test opened on purpose (``refused``)."""
        found = []
        for entry in self.log():
            message = str(entry.get("message", ""))
            if entry.get("level") not in ("SEVERE", "WARNING"):
                continue
            if entry.get("source") == "network":
                address = message.split(" ", 1)[0]
                if urlsplit(address).path in self.refused and not address.endswith((".js", ".css")):
                    continue
            found.append(message)
        return found

    # -- moving about

    def go(self, path: str) -> None:
        """Open ``path`` on the console (as typing it in the address bar)."""
        self.driver.get(self.url + path)

    def go_refused(self, path: str) -> None:
        """Open ``path`` expecting an error page (its status is then no problem in the console log)."""
        self.refused.add(urlsplit(path).path)
        self.go(path)

    def submit(self, button: WebElement) -> None:
        """Click a button that loads a new page, and wait until it has."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        button.click()
        WebDriverWait(self.driver, WAIT).until(gone(old))
        WebDriverWait(self.driver, WAIT).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    def back(self) -> None:
        """The browser's back button."""
        self.driver.back()
        WebDriverWait(self.driver, WAIT).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    def reset(self) -> None:
        """Forget the session and the console log (between tests sharing a browser)."""
        with contextlib.suppress(Exception):
            self.go("/sign-in")  # a page of the server, so its cookies can be deleted
            self.driver.delete_all_cookies()
        self.log()
        self.refused.clear()

    # -- signing in and out

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the form (and land wherever the console sends this user)."""
        self.go("/sign-in")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(password)
        if password != PASSWORD:
            self.refused.add("/sign-in")
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))

    def sign_out(self) -> None:
        """The Sign out button in the page's header."""
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "header form[action='/sign-out'] button"))

    # -- the list

    def _swap(self, action: WebElement) -> bool:
        """Click ``action`` (an htmx control) and wait for the list's results to be replaced; True when
        the page itself was not reloaded (htmx swapped the results in place)."""
        self.driver.execute_script(f"{SAME_PAGE} = true;")
        old = self.driver.find_element(By.ID, "list-results")
        action.click()
        WebDriverWait(self.driver, WAIT).until(gone(old))
        WebDriverWait(self.driver, WAIT).until(
            lambda d: (
                d.find_elements(By.ID, "list-results")
                and d.execute_script("return document.readyState") == "complete"
            )
        )
        return bool(self.driver.execute_script(f"return {SAME_PAGE} === true;"))

    def filter_list(self, search: str | None = None, **chosen: str) -> bool:
        """Choose filter values (by the option's value; "" for any) and a search, then Apply.

        Returns:
            True when htmx updated the results in place (no page load).
        """
        form = self.driver.find_element(By.ID, "list-form")
        for name, value in chosen.items():
            Select(form.find_element(By.NAME, name)).select_by_value(value)
        if search is not None:
            box = form.find_element(By.NAME, "search")
            box.clear()
            box.send_keys(search)
        return self._swap(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def sort_by(self, label: str) -> bool:
        """Click a column heading of the list (a link, or a button while a search is shown)."""
        heading = self.driver.find_element(
            By.XPATH, f"//div[@id='list-results']//th/*[starts-with(normalize-space(), {_xpath_text(label)})]"
        )
        return self._swap(heading)

    def page_to(self, label: str) -> bool:
        """Click Next or Previous under the list."""
        control = self.driver.find_element(
            By.XPATH, f"//nav[@class='pager']/*[normalize-space()={_xpath_text(label)}]"
        )
        return self._swap(control)

    # -- a person

    def open_person(self, name: str, purpose: str, words: str = "") -> None:
        """Follow a person's link, answer why (a pick-list id and own words), and open the record."""
        self.click_person(name)
        assert self.heading() == "Why are you opening this record?", self.text()
        self.give_purpose(purpose, words)

    def click_person(self, name: str) -> None:
        """Follow the link named ``name`` (on the list or the review queue)."""
        link = self.driver.find_element(By.XPATH, f"//main//td/a[normalize-space()={_xpath_text(name)}]")
        self.submit(link)

    def give_purpose(self, purpose: str, words: str = "", *, button: str = "Open the record") -> None:
        """Answer the purpose form (for a person, or with ``button`` "Open the pair" for a pair)."""
        self.driver.find_element(By.CSS_SELECTOR, f"input[name=purpose][value={purpose}]").click()
        if words:
            self.driver.find_element(By.ID, "purpose_text").send_keys(words)
        self.submit(self.driver.find_element(By.XPATH, f"//button[normalize-space()={_xpath_text(button)}]"))

    def decide(self, decision: str, reason: str, pathway: str = "") -> None:
        """Fill in and save the decision form on a person's page."""
        self.fill_decision(decision, reason, pathway)
        self.save_decision()

    def fill_decision(self, decision: str, reason: str, pathway: str = "") -> None:
        """Fill in the decision form without saving it."""
        self.driver.find_element(By.CSS_SELECTOR, f"input[name=decision][value={decision}]").click()
        self.driver.find_element(By.ID, "reason").send_keys(reason)
        if pathway:
            self.driver.find_element(By.ID, "pathway").send_keys(pathway)

    def save_decision(self, *, may_conflict: bool = False) -> None:
        """Click Save decision; ``may_conflict``: a 409 (someone decided first) is what the test expects,
        not a problem in the console log."""
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/decision']")
        if may_conflict:
            self.refused.add(urlsplit(str(form.get_attribute("action"))).path)
        self.submit(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def _xpath_text(text: str) -> str:
    """``text`` as an XPath string literal (names may hold an apostrophe)."""
    if "'" not in text:
        return f"'{text}'"
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"
