"""`cohort monitor`: the model's realised performance, expected performance, drift and alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.cli.options import ByOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock
from pipelines.progress import console

SHOWN_RUNS = 12


def monitor(
    out: Annotated[Path, typer.Option(help="Folder for the HTML report and the JSON (owner-only).")],
    warehouse: WarehouseOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Report as at this day, YYYY-MM-DD: runs up to it, outcomes of windows closed by it "
            "[default: the day the police occurrences held run to]."
        ),
    ] = None,
    by: ByOption = None,
    settings: Annotated[
        Path | None,
        typer.Option(help="Model settings with the monitoring limits [default: models/settings.yaml]."),
    ] = None,
) -> None:
    """Measure every weekly run's predictions against the outcomes that followed (3, 6, 9 and 12
    months), for the never-listed, the randomised controls and the treated apart; the performance
    expected before outcomes arrive; feature and population drift; alerts past the limits.

    An alert leads to a recalibration the board approves (`cohort model recalibrate`, then
    `cohort model approve`), never a silent refit.
    """
    from models.settings import SettingsError
    from pipelines.monitor.read import MonitoringError
    from pipelines.monitor.run import run_monitoring
    from pipelines.warehouse.connection import warehouse_path

    when = parse_date(as_of) if as_of else None
    try:
        result = run_monitoring(
            warehouse_path(warehouse), out, now=system_clock(), by=acting_user(by), as_of=when,
            settings_file=settings,
        )  # fmt: skip
    except (MonitoringError, SettingsError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    runs = result.document["runs"]
    if not runs:
        console.print(
            "No weekly run has recorded predictions yet: approve a model and run `cohort weekly`. "
            f"Report: {result.html}"
        )
        return
    table = Table(
        title=f"Monitoring as at {result.as_at:%d/%m/%Y}: {len(runs)} runs (the latest {SHOWN_RUNS})"
    )
    for column in ("run", "as of", "scored", "expected precision", "matured", "AUC", "ECE", "max PSI"):
        table.add_column(column, justify="left" if column in ("run", "as of", "matured") else "right")
    for run in runs[-SHOWN_RUNS:]:
        longest = max(run["matured_horizons"], default=None)
        row = next(
            (r for r in run["realised"] if r["horizon_months"] == longest and r["group"] == "not_treated"),
            None,
        )
        top = run["drift_max"]
        table.add_row(
            str(run["run_id"]),
            run["as_of"],
            f"{run['population']['scored']:,}",
            _share(run["expected"]["precision"] if run["expected"] else None),
            f"{longest} months" if longest else "not yet",
            _number(row["auc"] if row else None, 3),
            _number(row["ece"] if row else None, 4),
            _number(top["psi"] if top else None, 3),
        )
    console.print(table)
    console.print("AUC and ECE: everyone not treated, at the longest matured horizon.")
    for alert in result.alerts:
        console.print(f"[red]Alert[/red] {alert['message']}", soft_wrap=True)
    if result.alerts:
        console.print(f"Next: {result.alerts[0]['next_step']}", soft_wrap=True)
    else:
        console.print("[green]No alerts.[/green]")
    console.print(f"Report: {result.html}\nJSON: {result.json}")


def _number(value: float | None, places: int) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
