"""`cohort trial allocate | withdraw | verify | export-allocation | status`: randomised allocation to the
programme, withdrawals, checking every draw, and the allocation file. Counts only on the screen.

The commands are made on ``allocation_app`` and added to ``cohort trial`` by pipelines/cli/trial.py
(this module does not import that one, so no import goes round a cycle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.cli.options import AsOfOption, ByOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock, today
from pipelines.errors import EXIT_FAILED, EXIT_USAGE
from pipelines.progress import console

allocation_app = typer.Typer()
"""Holds the commands until pipelines/cli/trial.py adds them to ``trial_app``."""

SettingsOption = Annotated[
    Path | None, typer.Option("--settings", help="Trial settings [default: the shipped lists/trial.yaml].")
]


def _existing(warehouse: Path | None) -> Path:
    from pipelines.warehouse.connection import warehouse_path

    return warehouse_path(warehouse)  # refuses a missing warehouse (exit 3)


def _refused(error: Exception, code: int = EXIT_FAILED) -> typer.Exit:
    console.print(f"[red]{error}[/red]", soft_wrap=True)
    return typer.Exit(code)


@allocation_app.command("allocate")
def allocate_command(
    as_of: AsOfOption,
    seed: Annotated[
        str | None,
        typer.Option(help="The draw's seed, 64 hex digits [default: 32 fresh random bytes]. For replays."),
    ] = None,
    settings: SettingsOption = None,
    warehouse: WarehouseOption = None,
    by: ByOption = None,
) -> None:
    """Randomise the people the panel found suitable for the list of --as-of into the free places.

    The commitment (hashes of the pool, the seed and the settings) is written to the audit log and
    committed before the draw is made; the seed is stored after it, so `cohort trial verify` can
    make every draw again. Exits 1 when nothing is drawn (no place free, nobody suitable), saying why.
    """
    from lists.trial_settings import TrialSettingsError
    from pipelines.console.sync.sync import ConsoleUnreachable, publish_after, take_in_first
    from pipelines.trial.allocate import run_allocation
    from pipelines.trial.randomness import seed_from_hex
    from pipelines.trial.refusals import TrialRefused

    when = parse_date(as_of)
    try:
        chosen = seed_from_hex(seed) if seed is not None else None
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    path = _existing(warehouse)
    try:
        take_in_first(path, now=system_clock(), required=True)  # decisions made in the console count
        result = run_allocation(
            path, when, now=system_clock(), by=acting_user(by), seed=chosen, settings_file=settings
        )
    except TrialSettingsError as error:
        raise _refused(error, EXIT_USAGE) from error
    except (TrialRefused, ConsoleUnreachable) as error:
        raise _refused(error) from error
    for line in result.summary():
        console.print(line, soft_wrap=True)
    if result.draw_id is None:
        raise typer.Exit(EXIT_FAILED)
    publish_after(path, now=system_clock(), by=f"user:{acting_user(by)}")  # trial membership, in the console
    console.print("Check any draw at any time: cohort trial verify")


@allocation_app.command("withdraw")
def withdraw_command(
    allocation_id: Annotated[int, typer.Argument(help="The allocation (see the allocation file).")],
    on: Annotated[str, typer.Option("--on", help="The day the withdrawal takes effect, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the withdrawal, not in the audit log).")],
    warehouse: WarehouseOption = None,
    by: ByOption = None,
) -> None:
    """Record a withdrawal (audited; once per allocation). The person stays in their arm."""
    from pipelines.trial.refusals import TrialRefused
    from pipelines.trial.withdraw import record_withdrawal

    path = _existing(warehouse)
    try:
        done = record_withdrawal(
            path, allocation_id, parse_date(on), reason, now=system_clock(), by=acting_user(by)
        )
    except TrialRefused as error:
        raise _refused(error) from error
    console.print(
        f"allocation {done.allocation_id} withdrawn from {done.withdrawn_on:%d/%m/%Y} (audit event "
        f"{done.event_id}); it stays in its arm for the evaluation"
    )


@allocation_app.command("verify")
def verify_command(warehouse: WarehouseOption = None) -> None:
    """Make every draw again from its pool, places, settings and revealed seed, and check its hashes and
    the order of its audit events; exit 1 listing what is wrong."""
    from pipelines.trial.verify import verify_allocations

    result = verify_allocations(_existing(warehouse))
    console.print(f"draws checked: {result.draws}; allocations: {result.allocations}")
    for line in result.abandoned:
        console.print(f"[yellow]{line}[/yellow]", soft_wrap=True)
    if result.problems:
        console.print(f"[red]the allocations do NOT verify: {len(result.problems)} problems[/red]")
        for problem in result.problems:
            console.print(f"[red]  {problem}[/red]", soft_wrap=True)
        raise typer.Exit(EXIT_FAILED)
    console.print(
        "[green]every draw verifies[/green] (check the audit chain itself with `cohort audit verify`)"
    )


@allocation_app.command("export-allocation")
def export_command(
    out: Annotated[Path, typer.Option(help="The CSV file to write (owner-only).")],
    recipients: Annotated[
        str, typer.Option(help="Who receives the file (audit log).")
    ] = "the synthetic world's advance (cohort synth advance --allocation)",
    warehouse: WarehouseOption = None,
    by: ByOption = None,
) -> None:
    """Write who is in which arm since when (and any withdrawal), one row per source record each person
    held when allocated: the file `cohort synth advance --allocation` reads. Audited as a disclosure."""
    from pipelines.trial.export import export_allocation

    if not recipients.strip():
        raise typer.BadParameter("say who receives the file (--recipients)")
    written = export_allocation(
        _existing(warehouse), out, now=system_clock(), by=acting_user(by), recipients=recipients
    )
    console.print(f"Allocation file: {written}")


@allocation_app.command("status")
def status_command(settings: SettingsOption = None, warehouse: WarehouseOption = None) -> None:
    """The trial in numbers: draws, allocations by arm, withdrawals and places today (no person)."""
    from lists.trial_settings import TrialSettingsError
    from pipelines.trial.status import trial_status

    try:
        found = trial_status(_existing(warehouse), today(system_clock), settings)
    except TrialSettingsError as error:
        raise _refused(error, EXIT_USAGE) from error
    table = Table(title=f"Trial '{found.trial}'")
    for column in ("draws", "programme", "always treated", "control", "withdrawn", "places taken", "free"):
        table.add_column(column, justify="right")
    table.add_row(
        str(found.draws), str(found.programme), str(found.always_treated), str(found.control),
        str(found.withdrawn), f"{found.places_taken} of {found.capacity}", str(found.places_free),
    )  # fmt: skip
    console.print(table)
    if found.latest_draw is not None:
        console.print(f"latest draw: for the list of {found.latest_draw:%d/%m/%Y}")
    if found.without_draw:
        console.print(
            f"[yellow]{found.without_draw} commitment(s) with no draw: see `cohort trial verify`[/]"
        )
