"""Talking to the local server: its REST API, and waiting until the server, the work pool, the worker
and the deployments are ready."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pipelines.serve.children import Child, run, tail
from pipelines.serve.deployments import Declared, Registered, problems
from pipelines.serve.plan import Plan, ServeError

HEALTH_TIMEOUT = 90.0  # a fresh database is created and migrated on first start (about 10 s)
READY_TIMEOUT = 60.0  # worker registered, schedules turned into scheduled runs
NEXT_RUNS = 3


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
