"""`cohort audit`: verify the audit log's hash chain, export the log for the regulator, show recent events."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pipelines.cli.options import ByOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock
from pipelines.progress import console

if TYPE_CHECKING:
    import duckdb

    from pipelines.warehouse.audit_log import Event, ExportSummary

audit_app = typer.Typer(
    help="The audit log (Data Protection Act 2018 s.62): verify its chain, export it, show recent events.",
    no_args_is_help=True,
)

WHAT_TO_DO = (
    "What to do: keep this warehouse as it is (it is evidence), restore the last backup whose log "
    "verifies, and report the break to the Data Protection Officer."
)


def _existing(warehouse: Path | None) -> Path:
    from pipelines.warehouse.connection import warehouse_path

    return warehouse_path(warehouse)  # refuses a missing warehouse (exit 3)


@audit_app.command("verify")
def verify_command(warehouse: WarehouseOption = None) -> None:
    """Check every event against the hash chain and the checkpoint; exit 1 listing what is wrong."""
    from pipelines.warehouse.audit_chain import checkpoint_path, verify
    from pipelines.warehouse.connection import connect

    path = _existing(warehouse)
    checkpoint = checkpoint_path(path)
    with connect(path) as con:
        result = verify(con, checkpoint, system_clock())
    console.print(f"events checked: {result.checked:,}")
    if result.head_id is not None:
        console.print(f"head: event {result.head_id}, hash {result.head_hash or '(none)'}", soft_wrap=True)
    if result.unsealed:
        console.print(f"{result.unsealed:,} events have no hash", soft_wrap=True)
    if result.problems:
        console.print(f"[red]the audit log is NOT intact: {len(result.problems)} problems[/red]")
        for problem in result.problems:
            console.print(f"[red]  {problem.what}[/red]", soft_wrap=True)
        console.print(WHAT_TO_DO, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[green]the audit log is intact[/green]; checkpoint: {checkpoint}")


@audit_app.command("checkpoint")
def checkpoint_command(
    reason: Annotated[str, typer.Option(help="Why the checkpoint is started (kept in the audit log).")],
    by: ByOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Start the checkpoint of a log that has none (a warehouse from before it), recording that you did.

    Seals events from before the hash chain, records an audit_checkpoint event naming you and the
    reason, and writes the checkpoint at it. Refused when a checkpoint exists or the chain is broken.
    """
    from pipelines.warehouse.audit_chain import checkpoint_path, verify, write_checkpoint
    from pipelines.warehouse.audit_log import record
    from pipelines.warehouse.connection import connect

    if not reason.strip():
        raise typer.BadParameter("say why the checkpoint is started (--reason)")
    path = _existing(warehouse)
    checkpoint = checkpoint_path(path)
    if checkpoint.exists():
        console.print(f"[red]{checkpoint} exists: run `cohort audit verify` instead[/red]", soft_wrap=True)
        raise typer.Exit(1)
    now = system_clock()
    with connect(path) as con:
        broken = [p for p in verify(con, None, now).problems if p.event_id is not None]
        if broken:
            console.print(f"[red]the chain is broken ({broken[0].what}): no checkpoint started[/red]")
            console.print(WHAT_TO_DO, soft_wrap=True)
            raise typer.Exit(1)
        what = "audit checkpoint started for a log that had none"
        record(con, f"user:{acting_user(by)}", "audit_checkpoint", what, purpose=reason.strip(), at=now)
        write_checkpoint(checkpoint, _head_event(con), now)  # the event just recorded, sealed
    console.print(f"[green]checkpoint started[/green] at {checkpoint}; the start is recorded in the log")


def _head_event(con: duckdb.DuckDBPyConnection) -> Event:
    from pipelines.warehouse.audit_log import events

    return events(con)[-1]


@audit_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option(help="A new folder to write events.jsonl and manifest.json into.")],
    recipient: Annotated[str, typer.Option(help="Who receives the export (kept in the audit log).")],
    reason: Annotated[str, typer.Option(help="Why it is disclosed (kept in the audit log).")],
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD [default: the start].")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD [default: today].")] = None,
    by: ByOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Export the log (or the events of some days) for the regulator, and record the disclosure."""
    from pipelines.warehouse.audit_chain import verify
    from pipelines.warehouse.connection import connect

    first, last = (parse_date(since) if since else None), (parse_date(until) if until else None)
    if first and last and first > last:
        raise typer.BadParameter(f"--since {since} is after --until {until}: swap them")
    if not recipient.strip() or not reason.strip():
        raise typer.BadParameter("say who receives the export (--recipient) and why (--reason)")
    with connect(_existing(warehouse)) as con:
        summary = _export_recorded(con, out, first, last, f"user:{acting_user(by)}", recipient, reason)
        intact = verify(con, None, system_clock()).intact
    span = f"events {summary.first_event_id}-{summary.last_event_id}" if summary.count else "no events"
    console.print(f"{summary.count:,} events ({span}) written to {summary.folder}")
    console.print(f"events file sha256 {summary.sha256}; head hash {summary.head_hash or '(none)'}")
    if not intact:
        console.print("[yellow]the log's hash chain is broken: run `cohort audit verify`[/yellow]")


def _export_recorded(
    con: duckdb.DuckDBPyConnection, out: Path, since: date | None, until: date | None, actor: str,
    recipient: str, reason: str,
) -> ExportSummary:  # fmt: skip
    """Export the log and record the disclosure in one transaction (no event if the export fails)."""
    from pipelines.warehouse.audit_log import export, record
    from pipelines.warehouse.queries import transaction

    try:
        with transaction(con):
            now = system_clock()
            summary = export(con, out, now=now, since=since, until=until)
            span = (
                f"events {summary.first_event_id}-{summary.last_event_id}" if summary.count else "no events"
            )
            record(
                con, actor, "audit_export",
                f"audit log exported ({span}, {summary.count} in all) from {since or 'the start'} "
                f"to {until or 'the end'}",
                purpose=reason.strip(), recipients=recipient.strip(), file_name=summary.events_file.name,
                sha256=summary.sha256, rows=summary.count, at=now,
            )  # fmt: skip
    except FileExistsError as error:  # rolled back: no event
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    return summary


@audit_app.command("show")
def show(
    last: Annotated[int, typer.Option(min=1, help="How many of the latest events.")] = 20,
    category: Annotated[
        str | None,
        typer.Option(
            help="Only this s.62 category: collection, alteration, consultation, disclosure, "
            "combination or erasure."
        ),
    ] = None,  # fmt: skip
    warehouse: WarehouseOption = None,
) -> None:
    """The latest events, newest first."""
    from pipelines.warehouse.audit_log import CATEGORIES, S62_CATEGORIES, recent
    from pipelines.warehouse.connection import connect

    if category is not None and category not in S62_CATEGORIES:
        raise typer.BadParameter(f"'{category}' is not one of {', '.join(S62_CATEGORIES)}")
    with connect(_existing(warehouse)) as con:
        found = recent(con, last, category)
    table = Table(title=f"The latest {len(found)} audit events" + (f" ({category})" if category else ""))
    for column in ("event", "when (UTC)", "actor", "action", "category", "detail", "purpose", "recipients"):
        table.add_column(column, justify="right" if column == "event" else "left")
    for e in found:
        table.add_row(
            str(e.event_id), f"{e.occurred_at:%d/%m/%Y %H:%M:%S}", e.actor, e.action,
            e.category or CATEGORIES.get(e.action, "?"), e.detail or "", e.purpose or "", e.recipients or "",
        )  # fmt: skip
    console.print(table)
