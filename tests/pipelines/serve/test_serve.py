"""`cohort serve`: the plan, the checks, stopping children, and a real start-deploy-verify-stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.paths import PROJECT
from pipelines.serve.children import Child, group_alive, port_free, stop
from pipelines.serve.deployments import Declared, Registered, declared_deployments, describe, problems
from pipelines.serve.plan import POOL, plan

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_plan_keeps_prefect_home_in_the_project_and_points_children_at_the_local_server() -> None:
    planned = plan(ROOT, 4311, {"PATH": "/bin"}, ui=False, python="/py", worker_name="w")
    assert planned.env["PREFECT_HOME"] == str(ROOT / ".prefect")  # unset: never ~/.prefect
    assert planned.env["PREFECT_API_URL"] == "http://127.0.0.1:4311/api" == planned.api_url
    assert planned.env["COHORT_HOME"] == str(ROOT)
    assert planned.env["PREFECT_UI_ENABLED"] == "false"
    assert planned.env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert "127.0.0.1" in planned.env["NO_PROXY"]
    assert planned.logs == ROOT / ".prefect" / "serve"
    assert planned.server == (
        "/py",
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        "4311",
    )
    assert planned.create_pool == ("/py", "-m", "prefect", "work-pool", "create", POOL, "--type", "process")
    assert planned.deploy == ("/py", "-m", "prefect", "--no-prompt", "deploy", "--all")
    assert planned.worker[3:] == ("worker", "start", "--pool", POOL, "--type", "process", "--name", "w")


def test_the_plan_uses_the_callers_prefect_home_and_overrides_any_other_api(tmp_path: Path) -> None:
    environ = {"PREFECT_HOME": str(tmp_path), "PREFECT_API_URL": "http://elsewhere/api"}
    planned = plan(ROOT, 4312, environ, ui=True)
    assert planned.env["PREFECT_HOME"] == str(tmp_path)
    assert planned.env["PREFECT_API_URL"] == "http://127.0.0.1:4312/api"
    assert planned.env["PREFECT_UI_ENABLED"] == "true"
    assert environ["PREFECT_API_URL"] == "http://elsewhere/api"  # the caller's mapping is untouched
    relative = plan(ROOT, 4312, {"PREFECT_HOME": "state/prefect"})
    assert relative.env["PREFECT_HOME"] == str(ROOT / "state" / "prefect")


def test_prefect_yaml_declares_the_four_deployments_with_their_schedules_and_trigger() -> None:
    declared = {d.name: d for d in declared_deployments(PROJECT / "prefect.yaml")}
    assert declared["daily-ingest"].schedules == (("0 5 * * *", "Europe/London"),)
    assert declared["link-after-ingest"].schedules == ()
    assert declared["link-after-ingest"].triggers == ("link-after-ingest",)
    assert declared["weekly-priority-list"].schedules == (("0 6 * * 1", "Europe/London"),)
    assert declared["monthly-train-risk-model"].schedules == (("0 6 1 * *", "Europe/London"),)


NEXT = (datetime(2026, 11, 23, 6, tzinfo=UTC),)
WEEKLY = Declared("weekly", "pipelines/flows.py:weekly_priority_list", (("0 6 * * 1", "Europe/London"),), ())
LINK = Declared("link", "pipelines/flows.py:link_identities", (), ("link-after-ingest",))


def test_problems_name_what_the_server_lacks() -> None:
    good = [
        Registered("weekly-priority-list", "weekly", WEEKLY.schedules, (), NEXT),
        Registered("link-identities", "link", (), ("link-after-ingest",), ()),
    ]
    assert problems([WEEKLY, LINK], good) == []
    assert problems([WEEKLY, LINK], good[:1]) == ["link: not registered"]
    unscheduled = [Registered("weekly-priority-list", "weekly", WEEKLY.schedules, (), ()), good[1]]
    assert problems([WEEKLY, LINK], unscheduled) == ["weekly: no run scheduled yet"]
    wrong = [Registered("weekly-priority-list", "weekly", (("0 6 * * 2", "UTC"),), (), NEXT), good[1]]
    assert problems([WEEKLY, LINK], wrong)[0].startswith("weekly: schedules")
    untriggered = [good[0], Registered("link-identities", "link", (), (), ())]
    assert problems([WEEKLY, LINK], untriggered) == ["link: trigger link-after-ingest not registered"]


def test_describe_gives_the_next_runs_in_london_time() -> None:
    summer = Registered("f", "weekly", WEEKLY.schedules, (), (datetime(2026, 6, 1, 5, tzinfo=UTC),))
    assert describe(summer) == "f/weekly: cron '0 6 * * 1' (Europe/London); next Mon 01 Jun 2026 06:00 BST"
    winter = Registered("f", "weekly", WEEKLY.schedules, (), NEXT)
    assert describe(winter).endswith("next Mon 23 Nov 2026 06:00 GMT")
    assert describe(Registered("g", "link", (), ("t",), ())) == "g/link: on trigger t"


def test_port_free_sees_a_listening_socket() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert not port_free(listener.getsockname()[1])
    assert port_free(free_port())


STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a grandchild in the same group
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def stubborn(tmp_path: Path) -> Iterator[Child]:
    process = subprocess.Popen(
        [sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    yield Child("stubborn", process, tmp_path / "none.log")
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)


def test_a_child_that_ignores_sigterm_is_killed_with_its_process_group(stubborn: Child) -> None:
    started = time.monotonic()
    assert stop(stubborn, timeout=0.5) == "killed after 0.5 s"
    assert time.monotonic() - started < 5
    assert not group_alive(stubborn.pid)


def test_stopping_a_child_also_stops_what_it_started(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", STUBBORN.replace("signal.signal(signal.SIGTERM, signal.SIG_IGN)", "")],
        stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
    assert stop(Child("polite", parent, tmp_path / "none.log"), timeout=5) == "stopped"
    assert not group_alive(parent.pid)


def serve_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli.serve", "--no-ui", "--port", str(free_port()), *options]


def children_of(output: str) -> list[int]:
    """The pids `cohort serve` reported for its server and worker."""
    return [int(pid) for pid in re.findall(r"^(?:Prefect server|Worker \S+) \(pid (\d+)\)", output, re.M)]


def assert_all_gone(pids: list[int]) -> None:
    assert len(pids) == 2
    for pid in pids:
        assert not group_alive(pid), f"process group {pid} survived"


@pytest.fixture(scope="module")
def serve_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A PREFECT_HOME of their own: the smoke tests never touch the project's Prefect database."""
    home = tmp_path_factory.mktemp("prefect-home")
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


@pytest.mark.slow
def test_serve_check_starts_deploys_verifies_and_stops(serve_env: dict[str, str]) -> None:
    started = time.monotonic()
    done = subprocess.run(
        serve_command("--check"), cwd=ROOT, env=serve_env, capture_output=True, text=True, timeout=180
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Work pool cohort-local (process) created" in output
    for line in (
        "ingest-extracts/daily-ingest: cron '0 5 * * *' (Europe/London); next ",
        "link-identities/link-after-ingest: on trigger link-after-ingest",
        "weekly-priority-list/weekly-priority-list: cron '0 6 * * 1' (Europe/London); next Mon ",
        "train-risk-model/monthly-train-risk-model: cron '0 6 1 * *' (Europe/London); next ",
    ):
        assert line in output
    assert "Check passed" in output
    assert re.search(r"^worker \(pid \d+\) stopped\.$", output, re.M)
    assert re.search(r"^server \(pid \d+\) stopped\.$", output, re.M)
    assert_all_gone(children_of(output))
    assert time.monotonic() - started < 120, output


@pytest.mark.slow
def test_serve_stops_cleanly_on_sigterm(serve_env: dict[str, str]) -> None:
    process = subprocess.Popen(
        serve_command(), cwd=ROOT, env=serve_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith(("Serving", "Stopped")):
                break
        assert lines[-1].startswith("Serving"), "".join(lines)
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert "Received SIGTERM: stopping." in output
    stopped = re.findall(r"^(worker|server) \(pid \d+\) stopped\.$", output, re.M)
    assert stopped == ["worker", "server"], output  # the worker first
    assert_all_gone(children_of(output))
