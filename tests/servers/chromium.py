"""Headless Debian Chromium driven by Selenium through the system chromedriver, and its screenshots."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.servers.support import STARTUP_SECONDS, unavailable

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW = (1280, 900)


def start_chromium(profile: Path, *, console_log: bool = False) -> WebDriver:
    """Start headless Debian Chromium through the system chromedriver (Selenium Manager never runs).

    Args:
        profile: An empty folder for the browser profile (``--user-data-dir``).
        console_log: keep the pages' console messages and CSP reports (``driver.get_log("browser")``).

    Returns:
        The driver, window 1280x900; call ``quit()`` when done.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path makes Selenium skip Selenium Manager (which would try to download)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_window_size(*WINDOW)
    driver.set_page_load_timeout(STARTUP_SECONDS)
    return driver


@contextlib.contextmanager
def chromium_browser(*, console_log: bool = False) -> Iterator[WebDriver]:
    """A Chromium with a fresh profile, closed afterwards; skipped (failed under CI=true) when missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        unavailable(" and ".join(missing), "apt-get install chromium chromium-driver")
    profile = Path(tempfile.mkdtemp(prefix="cohort-chromium-"))
    try:
        driver = start_chromium(profile, console_log=console_log)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def chromium() -> Iterator[WebDriver]:
    """A headless Chromium (Selenium WebDriver) with a fresh profile, closed after the test."""
    with chromium_browser() as driver:
        yield driver


def save_screenshot(driver: WebDriver, path: Path) -> Path:
    """Save a PNG of the browser's window (creating the folder).

    Args:
        driver: The browser.
        path: Where to write the PNG.

    Returns:
        ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not driver.save_screenshot(str(path)):
        raise RuntimeError(f"the browser could not save a screenshot to {path}")
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a test using ``chromium`` fails, keep a screenshot ($COHORT_SCREENSHOTS or .pytest_cache)."""
    report = yield
    driver = getattr(item, "funcargs", {}).get("chromium")
    if driver is not None and report.when == "call" and report.failed:
        folder = Path(
            os.environ.get("COHORT_SCREENSHOTS") or item.config.rootpath / ".pytest_cache/screenshots"
        )
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.nodeid)}.png"
        with contextlib.suppress(Exception):  # a dead browser must not hide the test's own failure
            report.sections.append(("screenshot", str(save_screenshot(driver, path))))
    return report
