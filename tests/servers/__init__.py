"""Real servers for the tests: PostgreSQL, headless Chromium and live ASGI apps (a pytest plugin).

``tests/conftest.py`` registers this package (``pytest_plugins = ["tests.servers"]``), which makes the
fixtures ``postgres_server``, ``postgres_url``, ``fresh_postgres_url`` and ``chromium`` available to
every test; the helpers (``live_server``, ``live_server_process``, ``save_screenshot``) are imported
from here. A missing server skips its tests, or fails them when ``$CI`` is true.
"""

from tests.servers.asgi import ServerProcess, live_server, live_server_process
from tests.servers.chromium import chromium, pytest_runtest_makereport, save_screenshot, start_chromium
from tests.servers.postgres import (
    PostgresServer,
    fresh_postgres_url,
    postgres_server,
    postgres_url,
    start_postgres,
)
from tests.servers.support import unavailable, wait_until_answers

__all__ = [
    "PostgresServer",
    "ServerProcess",
    "chromium",
    "fresh_postgres_url",
    "live_server",
    "live_server_process",
    "postgres_server",
    "postgres_url",
    "pytest_runtest_makereport",
    "save_screenshot",
    "start_chromium",
    "start_postgres",
    "unavailable",
    "wait_until_answers",
]
