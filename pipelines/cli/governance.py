"""`cohort audit-scores` (the fairness audit of any file of scores and observed outcomes) and
`cohort board-pack` (the governance board's document)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from governance.fairness_settings import FairnessSettingsError, load_fairness_settings
from pipelines.cli.options import ByOption, WarehouseOption, acting_user
from pipelines.clock import system_clock
from pipelines.govern.audit_scores import ScoreFileError, audit_file, write_outputs
from pipelines.progress import console


def audit_scores(
    file: Annotated[Path, typer.Argument(help="A .csv, .parquet or .xlsx file, one row per person scored.")],
    outcome: Annotated[
        str, typer.Option(help="Column with the observed outcome: 1/0, true/false or yes/no.")
    ],
    score: Annotated[str, typer.Option(help="Column with the score (a probability or any number).")],
    threshold: Annotated[float, typer.Option(help="Rows scoring at or above this count as selected.")],
    group: Annotated[
        list[str], typer.Option(help="Column to audit by (repeat for each: --group ethnicity --group sex).")
    ],
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Also write the metrics per group as JSON (governance/fairness_audit.schema.json)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="The HTML report [default: FILE's name with -fairness.html, beside it]."),
    ] = None,
    settings: Annotated[
        Path | None, typer.Option(help="Fairness settings [default: governance/fairness.yaml].")
    ] = None,
) -> None:
    """Audit scores against outcomes by group: selection rate, false positive and false negative rates,
    positive predictive value and calibration, with counts, intervals and breaches of the limits."""
    try:
        audit_settings = load_fairness_settings(settings)
        document, prepared = audit_file(
            file, outcome=outcome, score=score, threshold=threshold, groups=group, settings=audit_settings
        )
    except (ScoreFileError, FairnessSettingsError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    html = out or file.with_name(f"{file.stem}-fairness.html")
    written = write_outputs(file, document, prepared, html=html, json_path=json_path, made_at=system_clock())
    rows = document["rows"]
    console.print(
        f"Audited {rows['used']:,} of {rows['read']:,} rows by {', '.join(group)}; "
        f"{document['overall']['selected']:,} selected."
    )
    for excluded in rows["excluded"]:
        console.print(f"[yellow]left out {excluded['rows']:,} rows: {excluded['reason']}[/yellow]")
    print_breaches(document, "the scores")
    for path in written:
        console.print(f"wrote {path}")


def print_breaches(document: dict[str, Any], what: str) -> None:
    """Say whether the fairness audit of ``what`` found a group beyond a limit, and which."""
    breaches, watch = document["breaches"], document.get("watch", [])
    if watch:
        console.print(
            f"[yellow]Fairness: {len(watch)} group measure(s) beyond a limit for {what} but within what "
            "chance could give (listed in the report, to watch).[/yellow]"
        )
    if not breaches:
        console.print(f"[green]Fairness: no breach of the limits for {what}.[/green]")
        return
    console.print(f"[red]Fairness: {len(breaches)} breach(es) for {what}, for the board to examine:[/red]")
    for breach in breaches:
        console.print(f"[red]  {breach['message']}[/red]", soft_wrap=True)


def board_pack(
    run: Annotated[
        int | None, typer.Option(help="The list run to report on [default: the latest published].")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the pack [default: governance/board-packs/ beside the warehouse]."),
    ] = None,
    by: ByOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Write one offline HTML document for the governance board: the problem, the outcome, the rulebook,
    the model card, fairness with any breaches, changes since the last pack, list volumes and decisions,
    data quality and the audit log's integrity."""
    from governance.board_pack import BoardPackError
    from pipelines.govern.board_pack import make_board_pack
    from pipelines.warehouse.connection import connect, warehouse_path

    path = warehouse_path(warehouse)
    if not path.exists():
        console.print(f"[red]{path}: no warehouse here: run `make demo`, or give --warehouse[/red]")
        raise typer.Exit(1)
    try:
        with connect(path) as con:
            result = make_board_pack(
                con,
                path,
                run_id=run,
                out=out,
                by=acting_user(by),
                made_at=system_clock().replace(microsecond=0),
            )
    except BoardPackError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    changes = result.changes
    said = (
        "the first pack" if changes["first"] else
        "nothing changed since the last pack" if changes["none"] else
        f"{len(changes['rules'])} rule files, {'the model, ' if changes['model'] else ''}"
        f"{len(changes['settings'])} settings files changed since pack {changes['previous']['pack_id']}"
    )  # fmt: skip
    console.print(f"Board pack {result.pack_id} for list run {result.run_id}: {said}.")
    if result.breaches:
        console.print(
            f"[red]{result.breaches} fairness breach(es) for the board to examine (see the pack).[/red]"
        )
    if not result.audit_intact:
        console.print("[red]The audit log is NOT intact: run `cohort audit verify` for the details.[/red]")
    console.print(f"wrote {result.path}")
