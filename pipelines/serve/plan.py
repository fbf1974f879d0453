"""What `cohort serve` starts and how: its settings, the commands and the children's environment.

Planning is pure: nothing here starts a process or opens a connection.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

POOL = "cohort-local"
DEFAULT_PORT = 4200
HOST = "127.0.0.1"

Say = Callable[[str], None]


class ServeError(RuntimeError):
    """`cohort serve` cannot start or keep running; the message says why and what to do."""


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
