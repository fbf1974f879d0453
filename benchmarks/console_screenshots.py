"""The README's screenshots of the review console (docs/screenshots/*.png), taken with Debian's headless
Chromium (Selenium through /usr/bin/chromedriver) at 1280 px wide, on the synthetic demo's store.

Run after `make demo`: `.venv/bin/python benchmarks/console_screenshots.py`. The app runs in its own
process on a free port over a copy of the demo warehouse's operational store (SQLite's backup API),
so what the screenshots do (views, and a decision to fill the second-review queue) never reaches the
demo's list or journal, and the same screenshots come out each time. One throwaway account per role
(random passwords) signs in and is deactivated at the end. A page that does not answer 200 stops the
script, naming the page and its status.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench_console import free_port, serve, wait_for  # benchmarks/bench_console.py
from PIL import Image
from sqlalchemy import func, select

from pipelines.clock import system_clock
from pipelines.opstore import reading
from pipelines.opstore.accounts import add_account, set_active
from pipelines.opstore.engine import open_store, read_connection, store_url
from pipelines.opstore.read_tables import rm_entry
from tests.servers.chromium import start_chromium

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

WIDTH = 1280
MAX_HEIGHT = 2000
BUDGET = 300 * 1024
BY = "screenshots"
ROLES = ("analyst", "reviewer", "board", "data_engineer")
NOTE = "Screenshot of the synthetic demo for the README: not a real decision."


class Browser:
    """A headless Chromium on the app, saving each page as a PNG."""

    def __init__(self, driver: WebDriver, base: str, out: Path) -> None:
        self.driver, self.base, self.out = driver, base, out
        self.saved: list[Path] = []

    def open(self, path: str) -> int:
        """Go to ``path``; 200, or the status an error page names."""
        self.driver.get(self.base + path)
        error = re.search(r'<p class="muted">Error (\d+)</p>', self.driver.page_source)
        return int(error.group(1)) if error else 200

    def submit(self, form_selector: str, fields: dict[str, str], button: str = "button[type=submit]") -> None:
        """Fill a form's text fields and radios (``name`` -> value) and submit it; wait for the next page."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        form = self.driver.find_element(By.CSS_SELECTOR, form_selector)
        for name, value in fields.items():
            radios = form.find_elements(By.CSS_SELECTOR, f"input[type=radio][name='{name}'][value='{value}']")
            if radios:
                radios[0].click()
                continue
            box = form.find_element(By.NAME, name)
            box.clear()
            box.send_keys(value)
        form.find_element(By.CSS_SELECTOR, button).click()
        WebDriverWait(self.driver, 60).until(expected_conditions.staleness_of(form))

    def shoot(self, name: str) -> Path:
        """Save the whole page (up to MAX_HEIGHT px tall, no scrollbar) as ``name``.png, within budget."""
        height = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
        metrics = {"width": WIDTH, "height": min(max(height, 600), MAX_HEIGHT), "deviceScaleFactor": 1,
                   "mobile": False}  # fmt: skip
        self.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        path = self.out / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not self.driver.save_screenshot(str(path)):
                raise RuntimeError(f"the browser could not save {path}")
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        shrink(path)
        self.saved.append(path)
        return path

    def shoot_if(self, path: str, name: str) -> bool:
        """Open ``path`` and shoot it (a page that does not answer 200 stops the script)."""
        status = self.open(path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: no screenshot {name}.png; is the demo published?")
        self.shoot(name)
        return True

    def sign_in(self, username: str, password: str) -> None:
        self.open("/sign-in")
        self.submit("form", {"username": username, "password": password})

    def sign_out(self) -> None:
        self.submit("form[action='/sign-out']", {})


def shrink(path: Path) -> None:
    """Keep a screenshot under BUDGET: optimised, then in 256 colours if still too big (text stays sharp)."""
    with Image.open(path) as image:
        image.load()
    image.save(path, optimize=True)
    if path.stat().st_size > BUDGET:
        image.convert("RGB").quantize(colors=256).save(path, optimize=True)


def commonest_band(url: str, run_id: int) -> str | None:
    store = open_store(url)
    try:
        with read_connection(store) as conn:
            e = rm_entry.c
            return conn.execute(
                select(e.band).where(e.run_id == run_id, e.band.is_not(None))
                .group_by(e.band).order_by(func.count().desc()).limit(1)
            ).scalar()  # fmt: skip
    finally:
        store.engine.dispose()


def take(browser: Browser, accounts: dict[str, tuple[str, str]], band: str | None) -> None:
    """Every screenshot, role by role."""
    from selenium.webdriver.common.by import By

    browser.open("/sign-in")
    browser.shoot("sign-in")
    analyst = accounts["analyst"]
    browser.sign_in(*analyst)
    browser.open("/list?" + urlencode({"band": band} if band else {}))
    browser.shoot("weekly-list")
    browser.open("/list?decided=no")  # the top of the list, by rank, not yet decided
    browser.driver.find_element(By.CSS_SELECTOR, "a[href^='/people/']").click()
    browser.shoot("purpose-form")
    browser.submit("form[action^='/people/']", {"purpose": "consider"})
    browser.shoot("person")
    browser.submit("form[action$='/decision']", {"decision": "accept", "reason": NOTE})
    browser.sign_out()
    browser.sign_in(*accounts["reviewer"])
    browser.open("/review")
    browser.shoot("review-queue")
    browser.sign_out()
    browser.sign_in(*accounts["board"])
    for path, name in (("/governance", "governance"), ("/governance/models", "governance-models"),
                       ("/governance/fairness", "governance-fairness")):  # fmt: skip
        browser.shoot_if(path, name)
    browser.sign_out()
    browser.sign_in(*accounts["data_engineer"])
    browser.shoot_if("/health", "data-health")
    if browser.shoot_if("/linkage", "linkage-queue"):
        browser.driver.find_element(By.CSS_SELECTOR, "a[href^='/linkage/pairs/']").click()
        browser.submit("form[action^='/linkage/pairs/']", {"purpose": "data_quality"})
        browser.shoot("linkage-pair")
    browser.sign_out()


def copy_store(warehouse: Path, scratch: Path) -> str:
    """A consistent copy of the demo's SQLite store (SQLite's backup API), and its URL."""
    url = store_url(warehouse)
    source = Path(url.split("///", 1)[1]) if url.startswith("sqlite:///") else None
    if source is None or not source.exists():
        sys.exit(
            f"no SQLite operational store beside {warehouse}: run `make demo` first (without $COHORT_OPS_URL)"
        )
    copy = scratch / "screenshots.ops.sqlite"
    with sqlite3.connect(source) as reader, sqlite3.connect(copy) as writer:
        reader.backup(writer)
    return f"sqlite:///{copy}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cohort-screenshots-"))
    try:
        saved = screenshots(args.warehouse, copy_store(args.warehouse, scratch), scratch, args.out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for path in saved:
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")


def screenshots(warehouse: Path, url: str, scratch: Path, out: Path) -> list[Path]:
    """Start the app on the store at ``url``, take every screenshot, stop it; the files saved."""
    store = open_store(url)
    run = reading.latest_run(store)
    if run is None:
        sys.exit("the demo's store holds no published run: run `make demo` (or `cohort app sync`) first")
    accounts = {role: (f"{role.replace('_', '-')}-{secrets.token_hex(2)}", secrets.token_urlsafe(18))
                for role in ROLES}  # fmt: skip
    for role, (name, password) in accounts.items():
        add_account(store, name, [role], password, by=BY, now=system_clock())
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(url, str(warehouse), port), daemon=True
    )
    try:
        server.start()
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        driver = start_chromium(scratch / "profile")
        try:
            browser = Browser(driver, base, out)
            take(browser, accounts, commonest_band(url, run.run_id))
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.join(30)
        for name, _ in accounts.values():
            set_active(store, name, False, by=BY, now=system_clock())
        store.engine.dispose()
    return browser.saved


if __name__ == "__main__":
    main()
