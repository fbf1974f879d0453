"""Live ASGI apps for browser tests: uvicorn in a background thread, or in its own process to SIGKILL."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.servers.support import STARTUP_SECONDS, free_port, log_tail, wait_until_answers

if TYPE_CHECKING:
    from starlette.types import ASGIApp

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def live_server(app_factory: Callable[[], ASGIApp], *, ready_path: str = "/") -> Iterator[str]:
    """Serve the app ``app_factory()`` builds with uvicorn in a background thread.

    Args:
        app_factory: Builds the ASGI app (called once, in this thread).
        ready_path: The path polled until the server answers.

    Yields:
        The base URL, ``http://127.0.0.1:<port>`` (no trailing slash).
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound before uvicorn starts: no race for the port
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # log_config=None: leave the test process's logging (pytest's capture) alone
    config = uvicorn.Config(app_factory(), log_config=None, access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as error:  # reported by the waiting thread
            errors.append(error)

    thread = threading.Thread(target=serve, name="live-server", daemon=True)
    thread.start()
    try:
        wait_until_answers(url + ready_path, thread.is_alive, lambda: repr(errors))
        yield url
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        sock.close()


@dataclass
class ServerProcess:
    """An app served by ``python -m uvicorn --factory`` in its own process (so a test can SIGKILL it)."""

    factory: str
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/") -> None:
        """Start the process (again, on the same port) and wait until it answers."""
        command = [sys.executable, "-m", "uvicorn", "--factory", self.factory, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        command += ["--timeout-graceful-shutdown", "5"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self.process
        wait_until_answers(self.url + ready_path, lambda: process.poll() is None, lambda: log_tail(self.log))

    def kill(self) -> None:
        """SIGKILL the process (no shutdown code runs) and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Stop the process cleanly (SIGTERM; SIGKILL after the grace period)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def live_server_process(
    factory: str, env: Mapping[str, str] | None = None, *, log: Path | None = None, ready_path: str = "/"
) -> Iterator[ServerProcess]:
    """Serve ``module:function`` with uvicorn in a separate process; stopped on exit.

    Args:
        factory: ``module:function`` returning the ASGI app (run with ``--factory``), importable from
            the project root.
        env: Extra environment variables for the process (e.g. ``COHORT_OPS_URL``).
        log: Where the process's output goes (a temporary file when None).
        ready_path: The path polled until the server answers.

    Yields:
        The running server: ``.url``, ``.kill()`` (SIGKILL), ``.start()`` (again, same port), ``.stop()``.
    """
    folder = Path(tempfile.mkdtemp(prefix="cohort-app-"))
    log_path = log or folder / "server.log"
    server = ServerProcess(factory=factory, env=dict(env or {}), port=free_port(), log=log_path)
    try:
        for attempt in range(3):  # another process may take the free port before uvicorn binds it
            try:
                server.start(ready_path)
                break
            except RuntimeError:
                if attempt == 2 or "address already in use" not in log_tail(log_path).lower():
                    raise
                server.port = free_port()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
