"""`cohort audit-scores`: the fairness audit of any file of scores and observed outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from governance.fairness_settings import FairnessSettingsError, load_fairness_settings
from pipelines.audit_scores import ScoreFileError, audit_file, write_outputs
from pipelines.progress import console
from pipelines.steps import now


def audit_scores(
    file: Annotated[Path, typer.Argument(help="A .csv, .parquet or .xlsx file, one row per person scored.")],
    outcome: Annotated[str, typer.Option(help="Column with the observed outcome: 1/0, true/false or yes/no.")],
    score: Annotated[str, typer.Option(help="Column with the score (a probability or any number).")],
    threshold: Annotated[float, typer.Option(help="Rows scoring at or above this count as selected.")],
    group: Annotated[
        list[str], typer.Option(help="Column to audit by (repeat for each: --group ethnicity --group sex).")
    ],
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Also write the metrics per group as JSON (governance/fairness_audit.schema.json)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="The HTML report [default: FILE's name with -fairness.html, beside it].")
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
    written = write_outputs(file, document, prepared, html=html, json_path=json_path, made_at=now())
    rows = document["rows"]
    console.print(
        f"Audited {rows['used']:,} of {rows['read']:,} rows by {', '.join(group)}; "
        f"{document['overall']['selected']:,} selected."
    )
    for excluded in rows["excluded"]:
        console.print(f"[yellow]left out {excluded['rows']:,} rows: {excluded['reason']}[/yellow]")
    for breach in document["breaches"]:
        console.print(f"[red]breach: {breach['message']}[/red]")
    if not document["breaches"]:
        console.print("[green]No group is beyond a limit.[/green]")
    for path in written:
        console.print(f"wrote {path}")
