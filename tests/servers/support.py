"""What the test servers share: a free port, waiting for a server to answer, skip-or-fail when missing."""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

STARTUP_SECONDS = 30.0
"""How long a server may take to start before the test fails (a limit, never an assertion on speed)."""


def unavailable(what: str, install: str) -> NoReturn:
    """Skip the test when a server is not installed, or fail it when ``$CI`` is true.

    Args:
        what: What is missing, e.g. "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)".
        install: The command that installs it.
    """
    message = f"{what} not found: {install}"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"{message} (CI=true: CI must run these tests for real)", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a server's log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_answers(url: str, alive: Callable[[], bool], describe: Callable[[], str]) -> None:
    """Poll ``url`` until it gives any HTTP response (an error status counts: the server answered).

    Args:
        url: The address to poll.
        alive: False once the server has died (then waiting stops at once).
        describe: What to add to the error (e.g. the server's log) when it never answers.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    state = "did not answer in time" if alive() else "stopped"
    raise RuntimeError(f"the server at {url} {state}\n{describe()}")
