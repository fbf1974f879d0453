"""`cohort link`: identity linkage, its clerical review queue, and its evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pipelines.cli.options import ByOption, WarehouseOption, acting_user
from pipelines.clock import system_clock
from pipelines.progress import console
from pipelines.timing import Stopwatch

if TYPE_CHECKING:
    import polars as pl

link_app = typer.Typer(
    help="Link each person's records across police, education and health.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@link_app.callback()
def link(
    ctx: typer.Context,
    warehouse: WarehouseOption = None,
    retrain: Annotated[
        bool, typer.Option(help="Train a new model even if the last run's model could be reused.")
    ] = False,
    full: Annotated[
        bool, typer.Option(help="Score every candidate pair again, not only those touching a change.")
    ] = False,
) -> None:
    """Link every staged record to a person (run after `cohort ingest`).

    Reuses the last run's trained model unless --retrain. When the last run kept its scored pairs
    and the settings are unchanged, the run is an increment: only pairs touching a new or changed
    registration are scored (--full scores them all). Keeps person ids stable across runs, records
    merges and splits, and queues uncertain pairs for `cohort link review`. The same run is
    scheduled as the Prefect flow link-identities.
    """
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.console.sync.sync import publish_after, take_in_first
    from pipelines.link.run import NothingToLink, run_link
    from pipelines.warehouse.connection import warehouse_path

    path = warehouse_path(warehouse)
    take_in_first(path, now=system_clock())  # pair decisions made in the review console count in this run
    stopwatch = Stopwatch()
    try:
        result = run_link(path, clock=system_clock, retrain=retrain, full=full)
    except NothingToLink as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    kind = "increment" if result.increment else "full relink"
    table = Table(title=f"Linkage run {result.run_id}, {kind} ({stopwatch.elapsed():.0f} s)")
    table.add_column("measure")
    table.add_column("count", justify="right")
    for name, value in (
        ("records", result.records),
        ("registrations (records sharing an identifier)", result.registrations),
        ("registrations new, changed or removed", result.registrations_changed),
        ("pairs scored", result.pairs_scored),
        ("people", result.persons),
        ("registrations given another person", result.relinked),
        ("pairs linked", result.pairs_linked),
        ("pairs waiting for review", result.pairs_for_review),
        ("person ids merged", result.merges),
        ("person ids split", result.splits),
        ("link rows inserted", result.rows_inserted),
        ("link rows deleted", result.rows_deleted),
    ):
        table.add_row(name, f"{value:,}")
    console.print(table)
    saved = "model and blocking analysis" if result.increment else "model, blocking analysis and charts"
    console.print(
        f"{kind.capitalize()}: model {'trained' if result.trained else 'reused from the last run'}; "
        f"{saved} in {result.artefacts}"
    )
    publish_after(path, now=system_clock(), by="user:" + acting_user(None))  # the new review queue


@link_app.command()
def review(
    pair: Annotated[str | None, typer.Argument(help="A pair id from the queue.")] = None,
    accept: Annotated[bool, typer.Option("--accept", help="The two are the same person.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="The two are different people.")] = False,
    reviewer: Annotated[
        str | None, typer.Option(help="Your name, recorded with what you see and decide [default: --by].")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            help="Why: recorded with a decision, and with a look at the queue or a pair "
            "[default for a look: clerical review of uncertain identity matches]."
        ),
    ] = None,  # fmt: skip
    limit: Annotated[int, typer.Option(help="Pairs to list.")] = 20,
    by: ByOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """List the pairs waiting for review, show one side by side, or record a decision on it.

    Listing the queue and showing a pair are consultations of personal data: each is recorded in the
    audit log (who, why) before anything is shown. A decision applies from the next `cohort link`.
    """
    from pipelines.link.pair_review import (
        REVIEW_PURPOSE,
        UnknownPair,
        open_pairs,
        record_decision,
        side_by_side,
    )
    from pipelines.warehouse.connection import connect, warehouse_path

    if accept and reject:
        raise typer.BadParameter("give --accept or --reject, not both")
    if (accept or reject) and (pair is None or not reviewer or not reason):
        raise typer.BadParameter("a decision needs a PAIR, --reviewer and --reason")
    actor = f"reviewer:{(reviewer or acting_user(by)).strip()}"
    purpose = (reason or "").strip() or REVIEW_PURPOSE
    with connect(warehouse_path(warehouse)) as con:
        try:
            if pair is None:
                _show_queue(open_pairs(con, limit, actor=actor, purpose=purpose, now=system_clock()), limit)
            elif accept or reject:
                assert reviewer is not None and reason is not None
                record_decision(con, pair, "accept" if accept else "reject", reviewer, reason, system_clock())
                console.print(f"Recorded: {'accept' if accept else 'reject'} pair {pair}; "
                              "it applies from the next `cohort link`")  # fmt: skip
            else:
                _show_pair(pair, *side_by_side(con, pair, actor=actor, purpose=purpose, now=system_clock()))
        except (UnknownPair, ValueError) as error:
            raise typer.BadParameter(str(error)) from error


def _show_queue(queue: pl.DataFrame, limit: int) -> None:
    table = Table(title=f"Pairs waiting for review (first {limit})")
    for column in ("pair", "probability", "left", "right"):
        table.add_column(column)
    for pair_id, probability, left, right in queue.iter_rows():
        table.add_row(pair_id, f"{probability:.4f}", left, right)
    console.print(table)


def _show_pair(pair: str, probability: float, fields: pl.DataFrame) -> None:
    table = Table(title=f"Pair {pair}: match probability {probability:.4f}")
    for column in fields.columns:
        table.add_column(column)
    for row in fields.iter_rows():
        table.add_row(*row)
    console.print(table)
    console.print("Decide with --accept or --reject, --reviewer NAME --reason TEXT")


@link_app.command()
def runs(warehouse: WarehouseOption = None) -> None:
    """List the linkage runs, newest first, and how each ended (succeeded, failed, or interrupted:
    killed before it finished, found by the next run)."""
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.listings import linkage_runs

    with connect(warehouse_path(warehouse)) as con:
        rows = linkage_runs(con)
    table = Table(title="Linkage runs")
    for column in ("run", "started", "finished", "status", "model", "records", "people", "to review",
                   "merges", "splits"):  # fmt: skip
        table.add_column(column)
    for run_id, started, finished, status, trained, *counts in rows:
        model = "" if trained is None else "trained" if trained else "reused"
        table.add_row(
            run_id, f"{started:%d/%m/%Y %H:%M}", f"{finished:%d/%m/%Y %H:%M}" if finished else "",
            f"[red]{status}[/red]" if status in ("failed", "interrupted") else status, model,
            *("" if n is None else f"{n:,}" for n in counts),
        )  # fmt: skip
    console.print(table)


@link_app.command()
def evaluate(
    ground_truth: Annotated[
        Path, typer.Option(help="The synthetic world's ground_truth/record_identity.parquet.")
    ],
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the measures here.")] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Measure the last linkage run against a synthetic world's ground truth, beside exact matching."""
    import polars as pl

    from linkage.evaluate import evaluate as measure
    from pipelines.link.run import read_records
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.listings import linked_records

    if not ground_truth.is_file():
        raise typer.BadParameter(f"{ground_truth} does not exist")
    with connect(warehouse_path(warehouse)) as con:
        xref = linked_records(con)
        if xref.height == 0:
            raise typer.BadParameter("nothing is linked yet: run `cohort link` first")
        result = measure(xref, read_records(con), pl.read_parquet(ground_truth))
    table = Table(title=f"Linkage against the truth ({result['records']:,} records)")
    for column in ("method", "unit", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column in ("method", "unit") else "right")
    rows = [("Splink", unit, result["linkage"][unit]) for unit in ("records", "registrations")]
    rows.append(("exact name and date of birth", "records", result["baseline_exact_name_and_dob"]["records"]))
    for method, unit, m in rows:
        table.add_row(method, unit, f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['f1']:.4f}")
    console.print(table)
    clusters = result["linkage"]["clusters"]
    console.print(
        f"{clusters['true_people']:,} true people; {clusters['exactly_right']:.2%} found exactly, "
        f"{clusters['true_people_split']:,} split, {clusters['linked_people_merging_several']:,} "
        "linked people merging several"
    )
    if json_path:
        from pipelines.files import write_private

        write_private(json_path, json.dumps(result, indent=1), own_folder=False)
