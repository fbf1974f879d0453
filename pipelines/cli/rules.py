"""`cohort rules`: check the rulebook, write it for a board, and count whom each rule selects."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pipelines.cli.options import AsOfOption, WarehouseOption, parse_date
from pipelines.progress import console
from pipelines.timing import Stopwatch

if TYPE_CHECKING:
    from rules.rulebook import Rulebook

RulebookOption = Annotated[
    Path | None,
    typer.Option(help="Folder of rule files (*.yaml) [default: the rulebook shipped in rules/rulebook/]."),
]
rules_app = typer.Typer(help="The eligibility and exclusion rules.", no_args_is_help=True)


def _load(rulebook: Path | None) -> Rulebook:
    from rules.rulebook import RuleError, load_rulebook

    if rulebook is not None and not rulebook.is_dir():
        raise typer.BadParameter(f"{rulebook} is not a folder of rule files")
    try:
        return load_rulebook(rulebook)
    except RuleError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error


@rules_app.command()
def check(rulebook: RulebookOption = None) -> None:
    """Validate every rule against its schema and the feature registry; print the rulebook version."""
    book = _load(rulebook)
    table = Table(title=f"Rulebook {book.version[:12]}: {len(book.rules)} rules, all valid")
    for column in ("rule", "kind", "condition"):
        table.add_column(column)
    for rule in book.rules:
        table.add_row(rule.id, rule.kind, rule.when.text)
    console.print(table)


@rules_app.command()
def book(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("data/reports/rulebook.md"),
    rulebook: RulebookOption = None,
) -> None:
    """Write the rulebook as a Markdown document for a board: each rule, its owner, policy and version."""
    from pipelines.files import write_private
    from rules.book import render_book

    checked = _load(rulebook)
    write_private(out, render_book(checked), own_folder=False)
    console.print(f"Rulebook {checked.version[:12]} ({len(checked.rules)} rules) written to {out}")


@rules_app.command()
def apply(
    as_of: AsOfOption,
    warehouse: WarehouseOption = None,
    rulebook: RulebookOption = None,
) -> None:
    """Count how many linked people each rule selects at a date (no personal data is shown)."""
    import polars as pl

    from features.build import build_features
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.event_frames import read_events, read_people
    from rules.engine import apply_rules, decide

    when: date = parse_date(as_of)
    checked = _load(rulebook)
    stopwatch = Stopwatch()
    with connect(warehouse_path(warehouse)) as con:
        events, people = read_events(con), read_people(con)
    if people.height == 0:
        raise typer.BadParameter("nobody is linked yet: run `cohort ingest` and `cohort link` first")
    verdicts = apply_rules(build_features(events, people, when), checked)
    counts = verdicts.group_by("rule_id").agg(pl.col("met").sum())
    met = dict(counts.iter_rows())
    title = f"Rules at {when:%d/%m/%Y} (rulebook {checked.version[:12]}, {people.height:,} people)"
    table = Table(title=title)
    for column in ("rule", "kind", "people meeting it"):
        table.add_column(column, justify="right" if column.startswith("people") else "left")
    for rule in checked.rules:
        table.add_row(rule.id, rule.kind, f"{met[rule.id]:,}")
    console.print(table)
    decided = decide(verdicts).filter("in_population")
    summary = decided.select(
        pl.len().alias("in the population"),
        pl.col("eligible").sum().alias("eligible by a rule"),
        (pl.col("eligible") & pl.col("excluded")).sum().alias("eligible but excluded"),
        pl.col("considered_by_rules").sum().alias("to be considered (rules alone)"),
    )
    for name, value in summary.row(0, named=True).items():
        console.print(f"{name}: {value:,}")
    console.print(f"({stopwatch.elapsed():.1f} s)")
