"""`cohort serve`: run the deployments in prefect.yaml on schedule on one machine.

Starts a local Prefect server, makes the `cohort-local` process work pool if it is missing,
deploys prefect.yaml, starts a process worker, shows what will run when, then waits; on Ctrl-C or
SIGTERM it stops the worker first, then the server (a worker whose server has gone may ignore
SIGTERM, so it is killed after a timeout). ``check=True`` stops as soon as every deployment is
verified: operators use it to check an install.

Planning (which commands, which environment: :mod:`pipelines.serve.plan`) is pure and separate
from the child processes (:mod:`pipelines.serve.children`) and the HTTP calls that wait until all
is ready (:mod:`pipelines.serve.readiness`). Nothing here imports Prefect: the children do that work.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from pipelines.serve.children import Child, port_free, run, start, stop, tail
from pipelines.serve.deployments import Declared, declared_deployments, describe
from pipelines.serve.plan import HOST, Plan, Say, ServeError
from pipelines.serve.readiness import api, ensure_pool, wait_healthy, wait_registered, wait_worker
from pipelines.serve.signals import Interrupted, ignore_interrupts, interruptible


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
