"""`cohort subject-access` (everything held about one person) and `cohort retention` (what is past its
retention period, and erasing it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pipelines.cli.options import ByOption, ScheduleDayOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock, today
from pipelines.progress import console

if TYPE_CHECKING:
    from governance.retention import Schedule
    from pipelines.govern.retention_rows import Due

retention_app = typer.Typer(
    help="The retention schedule (governance/retention.yaml): what is past its period, and erasing it.",
    no_args_is_help=True,
)

ScheduleOption = Annotated[
    Path | None, typer.Option(help="The retention schedule [default: governance/retention.yaml].")
]


def subject_access(
    person_id: Annotated[int, typer.Argument(help="The person id asked about (a merged id is followed).")],
    out: Annotated[Path, typer.Option(help="A new folder for the export (owner-only).")],
    requester: Annotated[str, typer.Option(help="Who asked and receives it: the person or their agent.")],
    reason: Annotated[str, typer.Option(help="Why, e.g. 'subject access request of 03/11/2026'.")],
    by: ByOption = None,
    warehouse: WarehouseOption = None,
) -> None:  # fmt: skip
    """Export everything held about one person: their records from each agency, the lists they were on,
    the decisions about them and who received their data (summary.html, CSV files, manifest.json).

    Records one subject_access event in the audit log. Exits 1, writing nothing, when nobody is held
    under the id.
    """
    from pipelines.errors import ConfigurationError
    from pipelines.files import SymlinkRefused
    from pipelines.govern.subject_access import export_subject
    from pipelines.govern.subject_records import SubjectAccessError
    from pipelines.paths import pseudonym_key_file
    from pipelines.warehouse.connection import warehouse_path

    for name, value in (("--requester", requester), ("--reason", reason)):
        if not value.strip():
            raise typer.BadParameter(f"{name} is empty: say who receives the export and why")
    path = warehouse_path(warehouse)
    try:
        done = export_subject(
            path,
            person_id,
            out,
            requester=requester.strip(),
            reason=reason.strip(),
            by=acting_user(by),
            key_file=pseudonym_key_file(path),
            now=system_clock(),
        )
    except (ConfigurationError, SymlinkRefused):
        raise  # exit 4 and 2 (pipelines.errors), said by the root command
    except (SubjectAccessError, FileExistsError, ValueError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    subject = done.subject
    if subject.requested_id != subject.person_id:
        console.print(
            f"Person id {subject.requested_id} was merged into {subject.person_id}: exported under it."
        )
    elif subject.merged_ids:
        console.print(f"Earlier ids merged into {subject.person_id} are included: {len(subject.merged_ids)}.")
    console.print(
        f"Exported {done.records:,} extract rows and {len(done.files)} files to {done.folder} "
        f"(reference {done.reference}); open {done.folder / 'summary.html'}."
    )
    console.print(
        "Check the export before it is released: withhold what the law allows or requires (for example "
        "police intelligence whose disclosure could prejudice an investigation, Data Protection Act 2018 "
        "s.45(4), or information about other people).",
        soft_wrap=True,
    )


@retention_app.command()
def check(
    as_of: ScheduleDayOption = None, warehouse: WarehouseOption = None, schedule: ScheduleOption = None
) -> None:
    """Show, per class of record, the cutoff date and how many rows and files would be erased (nothing
    changes)."""
    from pipelines.govern.retention import check_retention
    from pipelines.warehouse.connection import warehouse_path

    day = parse_date(as_of) if as_of else today(system_clock)
    declared = _schedule(schedule)
    dues = check_retention(warehouse_path(warehouse), declared, day)
    console.print(_table(dues, f"Due for erasure on {day:%d/%m/%Y} (nothing has been changed)"))
    console.print(_tables(dues))
    _status(declared)


@retention_app.command()
def apply(
    as_of: ScheduleDayOption = None,
    warehouse: WarehouseOption = None,
    by: ByOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking (for scheduled runs).")] = False,
    schedule: ScheduleOption = None,
) -> None:
    """Erase every record past its period in one transaction, mark erased list runs, delete their
    published folders, and record one erase event per class in the audit log.

    Without --yes it asks at a terminal, and refuses where there is none (or CI is set).
    """
    from pipelines.govern.retention import apply_retention, check_retention
    from pipelines.warehouse.connection import warehouse_path

    day = parse_date(as_of) if as_of else today(system_clock)
    declared = _schedule(schedule)
    path = warehouse_path(warehouse)
    if not yes:
        if not _interactive():
            console.print(
                "[red]Refusing to erase without confirmation: there is no terminal to ask at (or CI is "
                "set).[/] Run `cohort retention check` to see what is due, then run this again with --yes.",
                soft_wrap=True,
            )
            raise typer.Exit(1)
        dues = check_retention(path, declared, day)
        console.print(_table(dues, f"Due for erasure on {day:%d/%m/%Y}"))
        _status(declared)
        if not typer.confirm("Erase these rows and files? This cannot be undone", default=False):
            console.print("Nothing was erased.")
            raise typer.Exit(1)
    erasure = apply_retention(path, declared, day, by=acting_user(by), now=system_clock())
    console.print(_table(erasure.erased, f"Erased on {day:%d/%m/%Y}"))
    console.print("One erase event per class is in the audit log.")
    for problem in erasure.problems:
        console.print(f"[red]{problem}[/red]", soft_wrap=True)
    if erasure.problems:
        raise typer.Exit(1)


def _schedule(path: Path | None) -> Schedule:
    from governance.retention import RetentionError, load_schedule

    try:
        return load_schedule(path)
    except (RetentionError, OSError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error


def _interactive() -> bool:
    """A person is at a terminal to confirm (and this is not a CI run)."""
    return sys.stdin.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")


def _table(dues: list[Due], title: str) -> Table:
    table = Table(title=title)
    for column in ("class", "kept", "from", "cutoff", "rows", "runs", "files"):
        right = column in ("rows", "runs", "files")
        table.add_column(
            column, justify="right" if right else "left", no_wrap=column in ("class", "cutoff", "rows")
        )
    for due in dues:
        record_class = due.record_class
        table.add_row(
            record_class.id, f"{record_class.keep_years} years", record_class.measured_from.replace("_", " "),
            f"{due.cutoff:%d/%m/%Y}", f"{due.total:,}", f"{len(due.runs):,}", f"{due.files:,}",
        )  # fmt: skip
    return table


def _tables(dues: list[Due]) -> Table:
    table = Table(title="By table")
    for column in ("class", "table", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for due in dues:
        for name, rows in due.rows.items():
            table.add_row(due.record_class.id, name, f"{rows:,}")
    return table


def _status(declared: Schedule) -> None:
    if not declared.approved:
        console.print(
            f"[yellow]The schedule's periods are {declared.status}[/] (governance/retention.yaml: "
            "approved_by, approved_on).",
            soft_wrap=True,
        )
