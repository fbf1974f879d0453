"""`cohort serve`: run the deployments in prefect.yaml on schedule on one machine.

Starts a local Prefect server, makes the `cohort-local` process work pool if it is missing,
deploys prefect.yaml, starts a process worker, shows what will run when, then waits; on Ctrl-C or
SIGTERM it stops the worker first, then the server (a worker whose server has gone may ignore
SIGTERM, so it is killed after a timeout). ``check=True`` stops as soon as every deployment is
verified: operators use it to check an install.

Planning (which commands, which environment) is pure and separate from the subprocess and HTTP
seam below it. This module does not import Prefect: the children do the Prefect work.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from pipelines.files import open_private

POOL = "cohort-local"
DEFAULT_PORT = 4200
HOST = "127.0.0.1"
HEALTH_TIMEOUT = 90.0  # a fresh database is created and migrated on first start (about 10 s)
COMMAND_TIMEOUT = 300.0  # work pool creation, deploy
READY_TIMEOUT = 60.0  # worker registered, schedules turned into scheduled runs
STOP_TIMEOUT = 10.0  # per child, before SIGKILL
NEXT_RUNS = 3

Say = Callable[[str], None]


class ServeError(RuntimeError):
    """`cohort serve` cannot start or keep running; the message says why and what to do."""


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: stop cleanly (a BaseException so nothing on the way swallows it)."""


# ---------------------------------------------------------------------------------------------
# Pure: what prefect.yaml declares, and which commands to run with which environment


@dataclass(frozen=True)
class Declared:
    """A deployment declared in prefect.yaml."""

    name: str
    entrypoint: str
    schedules: tuple[tuple[str, str], ...]  # (cron, timezone) of each active schedule
    triggers: tuple[str, ...]  # names of its triggers (automations)


def declared_deployments(prefect_yaml: Path) -> list[Declared]:
    """The deployments prefect.yaml declares."""
    document = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8")) or {}
    declared = []
    for entry in document.get("deployments") or []:
        schedules = tuple(
            (str(s["cron"]), str(s.get("timezone") or "UTC"))
            for s in entry.get("schedules") or []
            if s.get("cron") and s.get("active", True)
        )
        triggers = tuple(
            str(t.get("name") or f"{entry['name']}__automation_{i}")
            for i, t in enumerate(entry.get("triggers") or [], start=1)
        )
        declared.append(Declared(str(entry["name"]), str(entry["entrypoint"]), schedules, triggers))
    return declared


@dataclass(frozen=True)
class Plan:
    """Everything `cohort serve` will start, and how."""

    project: Path
    port: int
    pool: str
    env: dict[str, str]  # the children's environment
    logs: Path  # one log file per child
    server: tuple[str, ...]
    create_pool: tuple[str, ...]
    deploy: tuple[str, ...]
    worker: tuple[str, ...]
    worker_name: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


def plan(
    project: Path,
    port: int,
    environ: Mapping[str, str],
    *,
    ui: bool = True,
    python: str = sys.executable,
    pool: str = POOL,
    worker_name: str | None = None,
) -> Plan:
    """The commands and environment for serving ``project``'s prefect.yaml on ``port``.

    The children get PREFECT_HOME from ``environ`` (else ``<project>/.prefect``, so nothing is
    written under ~), PREFECT_API_URL pointing at the local server, and COHORT_HOME set to the
    project (the deployments' working directory).
    """
    project = project.resolve()
    env = dict(environ)
    home = Path(env.get("PREFECT_HOME") or project / ".prefect")
    env["PREFECT_HOME"] = str(home if home.is_absolute() else project / home)
    env["PREFECT_API_URL"] = f"http://{HOST}:{port}/api"
    env["COHORT_HOME"] = str(project)
    env["PREFECT_UI_ENABLED"] = "true" if ui else "false"
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    for variable in ("NO_PROXY", "no_proxy"):  # the children talk to 127.0.0.1, never via a proxy
        env[variable] = ",".join(p for p in (env.get(variable), HOST, "localhost") if p)
    prefect = (python, "-m", "prefect")
    name = worker_name or f"cohort-{socket.gethostname()}-{os.getpid()}"
    return Plan(
        project=project,
        port=port,
        pool=pool,
        env=env,
        logs=Path(env["PREFECT_HOME"]) / "serve",
        server=(*prefect, "server", "start", "--host", HOST, "--port", str(port)),
        create_pool=(*prefect, "work-pool", "create", pool, "--type", "process"),
        deploy=(*prefect, "--no-prompt", "deploy", "--all"),
        worker=(*prefect, "worker", "start", "--pool", pool, "--type", "process", "--name", name),
        worker_name=name,
    )


@dataclass(frozen=True)
class Registered:
    """A deployment as the server has it."""

    flow: str
    name: str
    schedules: tuple[tuple[str, str], ...]  # (cron, timezone) of each active schedule
    triggers: tuple[str, ...]  # names of the automations it owns
    next_runs: tuple[datetime, ...]  # its next scheduled runs, UTC

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.name}"


def problems(declared: Sequence[Declared], registered: Sequence[Registered]) -> list[str]:
    """How the server's deployments fall short of prefect.yaml (empty when everything is in place)."""
    by_name = {r.name: r for r in registered}
    found = []
    for wanted in declared:
        have = by_name.get(wanted.name)
        if have is None:
            found.append(f"{wanted.name}: not registered")
            continue
        if set(have.schedules) != set(wanted.schedules):
            found.append(
                f"{wanted.name}: schedules {sorted(have.schedules)}, expected {sorted(wanted.schedules)}"
            )
        missing = set(wanted.triggers) - set(have.triggers)
        if missing:
            found.append(f"{wanted.name}: trigger {', '.join(sorted(missing))} not registered")
        if wanted.schedules and not have.next_runs:
            found.append(f"{wanted.name}: no run scheduled yet")
    return found


def describe(deployment: Registered, timezone: str = "Europe/London") -> str:
    """One line: the deployment, when it runs, and its next runs in local time."""
    if deployment.schedules:
        when = "; ".join(f"cron '{cron}' ({zone})" for cron, zone in deployment.schedules)
        zone = ZoneInfo(deployment.schedules[0][1])
    elif deployment.triggers:
        when = f"on trigger {', '.join(deployment.triggers)}"
        zone = ZoneInfo(timezone)
    else:
        when, zone = "on demand only", ZoneInfo(timezone)
    line = f"{deployment.full_name}: {when}"
    if deployment.next_runs:
        runs = ", ".join(
            run.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z") for run in deployment.next_runs
        )
        line += f"; next {runs}"
    return line


# ---------------------------------------------------------------------------------------------
# The seam: HTTP calls to the server, and child processes


def api(plan: Plan, method: str, path: str, body: object | None = None, *, timeout: float = 10.0) -> Any:
    """Call the local server's REST API; the decoded JSON answer (None when empty)."""
    request = urllib.request.Request(
        plan.api_url + path,
        data=None if body is None else json.dumps(body).encode("utf-8"),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with opener.open(request, timeout=timeout) as response:
        text = response.read()
    return json.loads(text) if text else None


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


def wait_healthy(plan: Plan, server: Child, timeout: float = HEALTH_TIMEOUT) -> None:
    """Wait until the server answers /api/health; ServeError if it exits or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServeError(
                f"the Prefect server exited (code {server.process.returncode}) before answering; "
                f"see {server.log}:\n{tail(server.log)}"
            )
        try:
            if api(plan, "GET", "/health", timeout=2.0) is True:
                return
        except (OSError, ValueError):  # not listening yet, or half started
            pass
        time.sleep(0.25)
    raise ServeError(
        f"the Prefect server did not answer {plan.api_url}/health within {timeout:.0f} s; see {server.log} "
        "(a slow disk makes the first start, which creates the database, slow: try again)"
    )


def ensure_pool(plan: Plan) -> bool:
    """Make the process work pool if it is missing, running one flow at a time; whether it was made.

    One run at a time, because every flow writes the one DuckDB warehouse and DuckDB lets one
    process write at once: a run that finds the pool busy waits for the one before it.
    """
    try:
        pool = api(plan, "GET", f"/work_pools/{plan.pool}")
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    else:
        if pool.get("type") != "process":
            raise ServeError(
                f"the work pool {plan.pool} has type {pool.get('type')!r}, not 'process'; delete it "
                f"(PREFECT_API_URL={plan.api_url} prefect work-pool delete {plan.pool}) and start again"
            )
        return False
    run(plan, "work-pool", plan.create_pool)
    api(plan, "PATCH", f"/work_pools/{plan.pool}", {"concurrency_limit": 1})
    return True


def registered(plan: Plan, names: Sequence[str] | None = None) -> list[Registered]:
    """The server's deployments (those named, or all) with their schedules, triggers and next runs."""
    query: dict[str, Any] = {"sort": "NAME_ASC", "limit": 200}
    if names is not None:
        query["deployments"] = {"name": {"any_": list(names)}}
    found = []
    for deployment in api(plan, "POST", "/deployments/filter", query):
        flow = api(plan, "GET", f"/flows/{deployment['flow_id']}")
        schedules = tuple(
            (str(s["schedule"]["cron"]), str(s["schedule"].get("timezone") or "UTC"))
            for s in deployment.get("schedules") or []
            if s.get("active") and "cron" in (s.get("schedule") or {})
        )
        owned = api(plan, "GET", f"/automations/related-to/prefect.deployment.{deployment['id']}")
        runs = api(plan, "POST", "/flow_runs/filter", {
            "deployments": {"id": {"any_": [deployment["id"]]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "EXPECTED_START_TIME_ASC", "limit": NEXT_RUNS,
        })  # fmt: skip
        found.append(
            Registered(
                flow=str(flow["name"]),
                name=str(deployment["name"]),
                schedules=schedules,
                triggers=tuple(str(a["name"]) for a in owned),
                next_runs=tuple(datetime.fromisoformat(r["expected_start_time"]) for r in runs),
            )
        )
    return found


def wait_registered(
    plan: Plan, declared: Sequence[Declared], timeout: float = READY_TIMEOUT
) -> list[Registered]:
    """Wait until every declared deployment is registered as declared, with its next runs scheduled
    (the server's scheduler does that within seconds of a deploy); ServeError listing what is missing."""
    deadline = time.monotonic() + timeout
    while True:
        found = registered(plan, [d.name for d in declared])
        missing = problems(declared, found)
        if not missing:
            return found
        if time.monotonic() > deadline:
            raise ServeError(
                "prefect.yaml is not deployed as declared after "
                f"{timeout:.0f} s:\n" + "\n".join(f"  {m}" for m in missing)
            )
        time.sleep(0.5)


def wait_worker(plan: Plan, worker: Child, timeout: float = READY_TIMEOUT) -> None:
    """Wait until the worker has registered with the server; ServeError if it exits or does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise ServeError(
                f"the worker exited (code {worker.process.returncode}); see {worker.log}:\n{tail(worker.log)}"
            )
        workers = api(plan, "POST", f"/work_pools/{plan.pool}/workers/filter", {"limit": 100})
        if any(w.get("name") == plan.worker_name for w in workers):
            return
        time.sleep(0.5)
    raise ServeError(f"the worker did not register with the server within {timeout:.0f} s; see {worker.log}")


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


def ignore_interrupts() -> None:
    """Ignore SIGINT and SIGTERM from now on (until :func:`interruptible` restores them)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


@contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (once: later ones are ignored while stopping).

    Installing handlers also means the children start with default signal handling, even when
    `cohort serve` itself was started with SIGINT ignored (a background job of a script).
    """
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def interrupted(signum: int, frame: FrameType | None) -> None:
        ignore_interrupts()
        raise Interrupted(signal.Signals(signum).name)

    for s in previous:
        signal.signal(s, interrupted)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


# ---------------------------------------------------------------------------------------------
# The command


def serve(plan: Plan, *, check: bool = False, prune: bool = False, say: Say = print) -> int:
    """Start, deploy, verify and (unless ``check``) wait; stop cleanly. The exit code."""
    prefect_yaml = plan.project / "prefect.yaml"
    if not prefect_yaml.is_file():
        raise ServeError(f"no prefect.yaml in {plan.project}: run cohort serve from the project's checkout")
    declared = declared_deployments(prefect_yaml)
    if not port_free(plan.port):
        raise ServeError(
            f"port {plan.port} on {HOST} is in use (another Prefect server, or another cohort serve?): "
            "stop it, or choose another with --port"
        )
    children: list[Child] = []
    with interruptible():
        try:
            _bring_up(plan, declared, children, prune=prune, say=say)
            if check:
                say("Check passed: every deployment in prefect.yaml is registered and scheduled; stopping.")
            else:
                say("Serving; press Ctrl-C to stop.")
                _watch(children)
        except Interrupted as signalled:
            say(f"Received {signalled}: stopping.")
        finally:
            ignore_interrupts()  # stopping is bounded by the timeouts: a second Ctrl-C must not cut it short
            for child in reversed(children):  # the worker before the server
                say(f"{child.name} (pid {child.pid}) {stop(child)}.")
    return 0


def _bring_up(
    plan: Plan, declared: Sequence[Declared], children: list[Child], *, prune: bool, say: Say
) -> None:
    started = time.monotonic()
    say(f"Logs in {plan.logs}; PREFECT_HOME={plan.env['PREFECT_HOME']}")
    server = start(plan, "server", plan.server)
    children.append(server)
    wait_healthy(plan, server)
    ui = "UI " + (plan.url if plan.env["PREFECT_UI_ENABLED"] == "true" else "off")
    say(f"Prefect server (pid {server.pid}) at {plan.api_url}; {ui} ({time.monotonic() - started:.0f} s)")
    if ensure_pool(plan):
        say(f"Work pool {plan.pool} (process) created: one flow run at a time")
    else:
        say(f"Work pool {plan.pool} (process) already exists")
    mark = time.monotonic()
    run(plan, "deploy", plan.deploy)
    say(f"Deployed prefect.yaml ({len(declared)} deployments, {time.monotonic() - mark:.0f} s)")
    worker = start(plan, "worker", plan.worker)
    children.append(worker)
    wait_worker(plan, worker)
    say(f"Worker {plan.worker_name} (pid {worker.pid}) polling {plan.pool}")
    for deployment in wait_registered(plan, declared):
        say(f"  {describe(deployment)}")
    _extras(plan, declared, prune=prune, say=say)
    say(f"Ready in {time.monotonic() - started:.0f} s")


def _extras(plan: Plan, declared: Sequence[Declared], *, prune: bool, say: Say) -> None:
    """Deployments on the server that prefect.yaml no longer declares (say, after a rename) still run
    on schedule: name them, and delete them when asked."""
    wanted = {d.name for d in declared}
    for deployment in api(plan, "POST", "/deployments/filter", {"limit": 200}):
        if deployment["name"] in wanted or deployment.get("work_pool_name") != plan.pool:
            continue
        flow = api(plan, "GET", f"/flows/{deployment['flow_id']}")["name"]
        if prune:
            api(plan, "DELETE", f"/deployments/{deployment['id']}")
            say(f"  deleted {flow}/{deployment['name']}: not in prefect.yaml")
        else:
            say(
                f"  also registered, not in prefect.yaml: {flow}/{deployment['name']} (it still runs as "
                "registered; delete it with cohort serve --prune)"
            )


def _watch(children: Sequence[Child]) -> None:
    """Wait until interrupted; ServeError if a child stops by itself."""
    while True:
        for child in children:
            if child.process.poll() is not None:
                raise ServeError(
                    f"the {child.name} stopped by itself (exit code {child.process.returncode}); "
                    f"see {child.log}:\n{tail(child.log)}"
                )
        time.sleep(1.0)
