"""The child processes (server, worker, short commands): starting them, their logs, stopping their
process groups."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.files import open_private
from pipelines.serve.plan import HOST, Plan, ServeError

COMMAND_TIMEOUT = 300.0  # work pool creation, deploy
STOP_TIMEOUT = 10.0  # per child, before SIGKILL


@dataclass(frozen=True)
class Child:
    """A long-running child process (server or worker), leader of its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port (connections closing down do not count: the server
    binds with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def start(plan: Plan, name: str, command: Sequence[str]) -> Child:
    """Start a child in its own session (so Ctrl-C reaches only `cohort serve`, which stops it in order)."""
    log = plan.logs / f"{name}.log"
    with open_private(log) as out:
        process = subprocess.Popen(
            list(command), cwd=plan.project, env=plan.env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return Child(name, process, log)


def run(plan: Plan, name: str, command: Sequence[str], *, timeout: float = COMMAND_TIMEOUT) -> None:
    """Run a short command to completion, its output in the log folder; ServeError if it fails."""
    log = plan.logs / f"{name}.log"
    with open_private(log) as out:
        try:
            done = subprocess.run(
                list(command), cwd=plan.project, env=plan.env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise ServeError(f"{name} did not finish within {timeout:.0f} s; see {log}") from error
    if done.returncode != 0:
        raise ServeError(f"{name} failed (exit code {done.returncode}); see {log}:\n{tail(log)}")


def tail(log: Path, lines: int = 15) -> str:
    """The last lines of a log file, indented."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "  (no log)"
    return "\n".join(f"  {line}" for line in text.splitlines()[-lines:])


def stop(child: Child, timeout: float = STOP_TIMEOUT) -> str:
    """Stop a child and everything in its process group: SIGTERM, wait, then SIGKILL. How it ended."""
    how = "had already exited"
    if child.process.poll() is None:
        _signal_group(child.pid, signal.SIGTERM, leader_only=True)
        try:
            child.process.wait(timeout)
            how = "stopped"
        except subprocess.TimeoutExpired:
            _signal_group(child.pid, signal.SIGKILL)
            child.process.wait()
            how = f"killed after {timeout:g} s"
    if group_alive(child.pid):  # whatever it started (uvicorn, flow runs) goes with it
        _signal_group(child.pid, signal.SIGTERM)
        _wait_gone(child.pid, timeout)
    if group_alive(child.pid):
        _signal_group(child.pid, signal.SIGKILL)
        _wait_gone(child.pid, timeout)
    return how


def _wait_gone(pgid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)


def group_alive(pgid: int) -> bool:
    """Whether a live process is left in a process group (zombies waiting to be reaped do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():  # no procfs: ask the kernel, zombies included
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        state, _, group = text[text.rindex(")") + 2 :].split()[:3]  # after "pid (command) "
        if int(group) == pgid and state not in ("Z", "X"):
            return True
    return False


def _signal_group(pgid: int, signum: int, *, leader_only: bool = False) -> None:
    try:
        if leader_only:
            os.kill(pgid, signum)
        else:
            os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
