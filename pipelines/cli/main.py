"""The `cohort` command line: one command per pipeline stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer import _click
from typer.core import TyperGroup

from pipelines.cli.audit import audit_app
from pipelines.cli.console import console_app
from pipelines.cli.governance import audit_scores, board_pack
from pipelines.cli.link import link_app
from pipelines.cli.model import model_app
from pipelines.cli.monitor import monitor
from pipelines.cli.options import ByOption, WarehouseOption, acting_user, parse_date
from pipelines.cli.privacy import retention_app, subject_access
from pipelines.cli.rules import rules_app
from pipelines.cli.serve import serve
from pipelines.cli.synth import synth_app
from pipelines.cli.trial import trial_app
from pipelines.cli.weekly import review, weekly_app
from pipelines.clock import system_clock, today
from pipelines.progress import console, stages
from pipelines.timing import Stopwatch


class CohortGroup(TyperGroup):
    """The root command: every command's known failures end in one line and their exit code (no traceback).

    The exit codes are in pipelines.errors (and the README's "Exit codes").
    """

    def invoke(self, ctx: _click.Context) -> object:  # typer's own click
        try:
            return super().invoke(ctx)
        except Exception as error:
            code = exit_code_for(error)
            if code is None:
                raise
            typer.echo(f"Error: {_message(error)}", err=True)
            raise typer.Exit(code) from None


def _message(error: BaseException) -> str:
    """The one line shown: the error's own message, or for DuckDB's lock error (long, with a PID) ours."""
    import duckdb

    if isinstance(error, duckdb.IOException):
        return (
            "the warehouse is in use by another process: wait for that run to finish (or stop it), "
            "then run again"
        )
    return str(error)


def exit_code_for(error: BaseException) -> int | None:
    """The exit code of a failure the user can act on from its message, or None for a real fault."""
    import duckdb

    from pipelines.clock import ClockSettingError
    from pipelines.errors import EXIT_CONFIGURATION, EXIT_USAGE, EXIT_WAREHOUSE, ConfigurationError
    from pipelines.files import SymlinkRefused
    from pipelines.warehouse.connection import WarehouseUnavailable
    from pipelines.warehouse.migrations import MigrationError

    if isinstance(error, WarehouseUnavailable | MigrationError):
        return EXIT_WAREHOUSE
    if isinstance(error, duckdb.IOException) and "lock" in str(error).lower():
        return EXIT_WAREHOUSE  # a lock met after connecting (a second connection)
    if isinstance(error, ConfigurationError | ClockSettingError):
        return EXIT_CONFIGURATION
    if isinstance(error, SymlinkRefused):
        return EXIT_USAGE
    return None


app = typer.Typer(
    cls=CohortGroup,
    help="Risk identification and prioritisation for focused-deterrence programmes.",
    no_args_is_help=True,
    add_completion=False,
)


app.add_typer(link_app, name="link")
app.add_typer(rules_app, name="rules")
app.add_typer(model_app, name="model")
app.add_typer(weekly_app, name="weekly")
app.add_typer(audit_app, name="audit")
app.add_typer(console_app, name="app")
app.add_typer(trial_app, name="trial")
app.add_typer(synth_app, name="synth")
app.command()(review)
app.command()(serve)
app.add_typer(retention_app, name="retention")
app.command(name="subject-access")(subject_access)
app.command(name="audit-scores")(audit_scores)
app.command(name="board-pack")(board_pack)
app.command(name="monitor")(monitor)


@app.callback()
def main() -> None:
    """cohort: the weekly consideration list, built from police, education and health extracts."""


@app.command()
def ingest(
    landing: Annotated[Path, typer.Option(help="Folder the agencies' extract files land in.")] = Path(
        "data/world/landing"
    ),
    warehouse: WarehouseOption = None,
    run_date: Annotated[
        str | None,
        typer.Option(help="Day the run is for, YYYY-MM-DD; freshness is judged on it [default: today]."),
    ] = None,
    report_dir: Annotated[
        Path | None, typer.Option(help="Folder for the HTML report [default: reports/ beside the warehouse].")
    ] = None,
    accept_shorter: Annotated[
        str | None,
        typer.Option(help="FILE_NAME of a held shorter re-delivery to accept: it replaces the longer copy."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why the shorter copy is right (kept in the audit log).")
    ] = None,
    by: ByOption = None,
) -> None:
    """Load new extracts through their data contracts into raw, then staging or quarantine.

    Prints a summary, writes an HTML report, and exits 1 when a quality gate fails. A re-delivery
    with fewer rows than the copy loaded is held until accepted with --accept-shorter and --reason.

    The same run is scheduled as the Prefect flow ingest-extracts (see prefect.yaml).
    """
    from pipelines.console.sync.sync import publish_after, take_in_first
    from pipelines.ingest.held import AcceptError, accept_held_copy
    from pipelines.ingest.reconcile import ReconciliationError
    from pipelines.ingest.report import summary_table
    from pipelines.ingest.run import run_ingest
    from pipelines.warehouse.connection import warehouse_path

    day = parse_date(run_date) if run_date else today(system_clock)
    path = warehouse_path(warehouse, create=True)  # the one command that may make a new warehouse
    if accept_shorter is not None:
        try:
            accept_held_copy(
                path, accept_shorter, reason=reason or "", by=f"user:{acting_user(by)}", now=system_clock()
            )
        except AcceptError as error:
            console.print(f"[red]Refused: {error}[/red]")
            raise typer.Exit(2) from error
        console.print(f"Accepted the held copy of {accept_shorter}; this run loads it.")
    if path.exists():
        take_in_first(path, now=system_clock())  # what the review console recorded, into the warehouse
    stopwatch = Stopwatch()
    try:
        with stages() as stage:
            result = run_ingest(landing, path, day, clock=system_clock, report_dir=report_dir, stage=stage)
    except FileNotFoundError as error:
        raise typer.BadParameter(str(error)) from error
    except ReconciliationError as error:
        console.print(f"[red]Stopped: {error}[/red]")
        raise typer.Exit(2) from error
    unmatched = [o for o in result.outcomes if o.source is None]
    title = f"Ingest into {path} for {day.isoformat()} ({stopwatch.elapsed():.0f} s)"
    console.print(summary_table(result.summaries, unmatched, title))
    for outcome in result.outcomes:
        if outcome.status == "rejected":
            console.print(f"[red]Rejected[/red] {outcome.problem}")
    for gate in result.failed_gates:
        console.print(f"[red]Gate failed[/red] {gate.gate} {gate.source or ''}: {gate.message}")
    console.print(f"Report: {result.report_path}")
    publish_after(path, now=system_clock(), by=f"user:{acting_user(by)}")  # the console's data health
    if result.status != "succeeded":
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
