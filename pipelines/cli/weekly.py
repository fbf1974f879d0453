"""`cohort weekly` (draw up, publish and reproduce the list) and `cohort review` (record decisions)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.cli.governance import print_breaches
from pipelines.cli.options import ByOption, MondayAsOfOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock, today
from pipelines.progress import console
from pipelines.timing import Stopwatch

weekly_app = typer.Typer(
    help="The weekly consideration list: draw it up and publish it, list past runs, reproduce one.",
    no_args_is_help=False,
    invoke_without_command=True,
)


@weekly_app.callback()
def weekly(
    ctx: typer.Context,
    as_of: MondayAsOfOption = None,
    warehouse: WarehouseOption = None,
    lists_dir: Annotated[
        Path | None, typer.Option(help="Where to publish [default: lists/ beside the warehouse].")
    ] = None,
    by: ByOption = None,
    despite_failed_gates: Annotated[
        str | None,
        typer.Option(
            "--despite-failed-gates",
            metavar="REASON",
            help="Publish although the latest ingest failed a gate or a source is stale, for this reason "
            "(audited, and shown on every output).",
        ),
    ] = None,
) -> None:
    """Draw up the list for a Monday: rules, the approved model's scores and explanations, changes since
    the previous list; publish the workbook, CSV, Parquet, HTML report and a pseudonymised CSV.

    The same run is scheduled as the Prefect flow weekly-priority-list (Mondays 06:00, see prefect.yaml).
    """
    if ctx.invoked_subcommand is not None:
        return
    import duckdb

    from pipelines.console.sync.sync import ConsoleUnreachable, publish_after, take_in_first
    from pipelines.steps import StageFailed, hint_for, staged
    from pipelines.warehouse.connection import warehouse_path
    from pipelines.weekly.checks import AsOfRefused, GatesFailed
    from pipelines.weekly.drawing import WeeklyError
    from pipelines.weekly.run import monday_of, run_weekly

    when = parse_date(as_of) if as_of else monday_of(today(system_clock))
    if despite_failed_gates is not None and not despite_failed_gates.strip():
        console.print('[red]--despite-failed-gates needs a reason: --despite-failed-gates "WHY"[/red]')
        raise typer.Exit(2)
    stopwatch = Stopwatch()
    path = warehouse_path(warehouse)
    try:
        take_in_first(path, now=system_clock(), required=True)  # the console's decisions count in the list
    except ConsoleUnreachable as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    try:
        result = run_weekly(
            path,
            when,
            now=system_clock(),
            lists_dir=lists_dir,
            by=acting_user(by),
            step=staged,
            despite_failed_gates=despite_failed_gates,
        )
    except AsOfRefused as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(2) from error
    except (WeeklyError, StageFailed, GatesFailed) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    except duckdb.IOException as error:
        console.print(
            f"[red]{error}[/red] What to do: {hint_for(error) or 'see the message'}", soft_wrap=True
        )
        raise typer.Exit(1) from error
    if result.mode == "rules alone":
        console.print(
            "[yellow]No risk model is approved: this list is on the rules alone (every output says so).[/]"
        )
    table = Table(title=f"List run {result.run_id} for {when:%d/%m/%Y} ({result.mode})")
    for column in ("listed", "within capacity", "new", "continuing", "left since the last list"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{result.entries:,}", f"{result.within_capacity:,}", f"{result.new:,}",
        f"{result.entries - result.new:,}", f"{result.departures:,}",
    )  # fmt: skip
    console.print(table)
    if result.checks is not None:
        for line in result.checks.warnings():
            console.print(f"[red]{line}[/red]", soft_wrap=True)
        if result.checks.identity_review:
            console.print(
                f"[yellow]{len(result.checks.identity_review)} listed people have an identity match "
                "awaiting review (flagged on the list): `cohort link review`.[/]"
            )
    print_breaches(result.fairness, f"list run {result.run_id}")
    if result.key_created:
        console.print(
            "A new pseudonymisation key was created (owner-only); keep it: pseudonyms change with it."
        )
    console.print(f"Report:   {result.folder / 'report.html'}")
    console.print(f"Workbook: {result.folder / 'list.xlsx'} (record decisions, then `cohort review import`)")
    publish_after(path, now=system_clock(), by=f"user:{acting_user(by)}")  # the list, in the review console
    console.print(f"({stopwatch.elapsed():.0f} s)")


@weekly_app.command()
def runs(warehouse: WarehouseOption = None) -> None:
    """List the published runs: dates, modes, versions and sizes (no personal data)."""
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.listings import list_runs

    with connect(warehouse_path(warehouse)) as con:
        rows = list_runs(con)
    table = Table(title="Weekly list runs")
    for column in ("run", "as of", "status", "mode", "model", "rules", "listed", "in capacity", "by", "made"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *[f"{v:%d/%m/%Y}" if isinstance(v, date) and i == 1 else str(v or "") for i, v in enumerate(row)]
        )
    console.print(table)


@weekly_app.command()
def reproduce(
    run_id: Annotated[int, typer.Argument(help="The run to rebuild (see `cohort weekly runs`).")],
    warehouse: WarehouseOption = None,
    by: ByOption = None,
) -> None:
    """Rebuild a past list from what its run pinned and prove every published file byte-identical.

    Exits 1 when any file differs.
    """
    from pipelines.warehouse.connection import warehouse_path
    from pipelines.weekly.drawing import WeeklyError
    from pipelines.weekly.reproduce import reproduce as rebuild

    try:
        result = rebuild(warehouse_path(warehouse), run_id, by=acting_user(by), now=system_clock())
    except WeeklyError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    table = Table(title=f"List run {run_id} rebuilt")
    for column in ("file", "recorded sha256", "rebuilt sha256", "identical"):
        table.add_column(column)
    for name, recorded, rebuilt in result.files:
        table.add_row(name, recorded[:16], rebuilt[:16], "yes" if recorded == rebuilt else "[red]NO[/red]")
    console.print(table)
    if result.code_then != result.code_now:
        console.print(f"Code then {result.code_then}, now {result.code_now}.")
    if not result.identical:
        console.print(
            "[red]Not identical.[/red] If only list-pseudonymised.csv differs, the pseudonymisation key has "
            "changed since; otherwise compare the code versions above."
        )
        raise typer.Exit(1)
    console.print("Every published file is byte-identical.")


def review(
    target: Annotated[str, typer.Argument(help="A run id to review at the terminal, or `import`.")],
    workbook: Annotated[Path | None, typer.Argument(help="With `import`: the reviewed workbook.")] = None,
    warehouse: WarehouseOption = None,
    by: ByOption = None,
    on: Annotated[
        str | None, typer.Option(help="The day the decisions take effect, YYYY-MM-DD [default: today].")
    ] = None,
) -> None:
    """Record decisions on a list: `cohort review RUN_ID` at the terminal, or
    `cohort review import WORKBOOK` from the published workbook's decision, reason and reviewer columns.

    Decisions: accept (into the cohort), decline, defer, known (already known); each needs a reason.
    Rows that cannot be used are listed by row number and nothing else is lost; importing the same
    workbook again changes nothing. Exits 1 when any row was not used.
    """
    from pipelines.console.sync.sync import publish_after, take_in_first
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.weekly.decisions import ReviewError, import_workbook
    from pipelines.weekly.review_terminal import review_at_terminal
    from pipelines.weekly.reviewed_workbook import WorkbookError

    decided_on = parse_date(on) if on else today(system_clock)
    user = acting_user(by)
    path = warehouse_path(warehouse)
    take_in_first(path, now=system_clock())  # the console's decisions first: the newest one wins
    with connect(path) as con:
        try:
            if target == "import":
                if workbook is None:
                    raise typer.BadParameter("give the workbook: `cohort review import WORKBOOK`")
                outcome = import_workbook(con, workbook, decided_on=decided_on, by=user, now=system_clock())
            elif target.isdigit():
                outcome = review_at_terminal(
                    con, int(target), decided_on=decided_on, user=user, clock=system_clock,
                    ask=typer.prompt, console=console,
                )  # fmt: skip
            else:
                raise typer.BadParameter(f"'{target}' is neither a run id nor `import`")
        except (ReviewError, WorkbookError) as error:
            console.print(f"[red]{error}[/red]", soft_wrap=True)
            raise typer.Exit(1) from error
    console.print(
        f"List run {outcome.run_id}: {outcome.added} decisions recorded, "
        f"{outcome.unchanged} already recorded."
    )
    for problem in outcome.problems:
        console.print(f"[red]Not used[/red] {problem}", soft_wrap=True)
    publish_after(path, now=system_clock(), by=f"user:{user}")  # the decisions, in the review console
    if outcome.problems:
        raise typer.Exit(1)
