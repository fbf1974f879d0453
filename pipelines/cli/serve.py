"""`cohort serve`: run the scheduled flows (prefect.yaml) on this machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pipelines.paths import PROJECT
from pipelines.progress import console
from pipelines.serve.plan import DEFAULT_PORT, ServeError, plan
from pipelines.serve.server import serve as run_serve


def serve(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port for the local Prefect server (127.0.0.1 only).")
    ] = DEFAULT_PORT,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Start everything, deploy, verify every deployment is registered with its schedule, "
            "list the next runs, then stop: checks an install.",
        ),
    ] = False,
    ui: Annotated[bool, typer.Option(help="Serve Prefect's web UI beside the API.")] = True,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Delete deployments on the cohort-local pool that prefect.yaml no longer declares.",
        ),
    ] = False,
    project: Annotated[
        Path | None,
        typer.Option(help="The checkout holding prefect.yaml (default: the one cohort runs from)."),
    ] = None,
) -> None:
    """Run the deployments in prefect.yaml on schedule on this machine, until Ctrl-C.

    Starts a local Prefect server and a process worker, makes the cohort-local work pool if missing,
    and deploys prefect.yaml: ingest daily at 05:00, linkage after each ingest, the weekly list on
    Mondays at 06:00 (London time), training on the 1st of each month. Then lists the next runs.

    Ctrl-C or SIGTERM stops the worker, then the server. Prefect's database and the logs are kept in
    $PREFECT_HOME (default: .prefect in the project). Every other command works without it.
    """
    planned = plan(project or PROJECT, port, os.environ, ui=ui)
    try:
        code = run_serve(planned, check=check, prune=prune, say=_say)
    except ServeError as error:
        console.print(f"Stopped: {error}", style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    raise typer.Exit(code)


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


if __name__ == "__main__":  # python -m pipelines.cli.serve: the command without the rest of the CLI
    typer.run(serve)
