"""`cohort model`: train, evaluate, approve, retire and recalibrate risk models; cross-validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pipelines.cli.model_card import card
from pipelines.cli.options import AsOfOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock
from pipelines.progress import console
from pipelines.timing import Stopwatch

if TYPE_CHECKING:
    from models.settings import ModelSettings

StoreOption = Annotated[
    Path, typer.Option(help="Folder of model artefacts (each model a sub-folder named by its version).")
]
SettingsOption = Annotated[
    Path | None, typer.Option(help="Model settings YAML [default: models/settings.yaml].")
]
model_app = typer.Typer(help="The risk model: train, evaluate, approve, retire, score.", no_args_is_help=True)


def _settings(path: Path | None) -> ModelSettings:
    from models.settings import SettingsError, load_settings

    try:
        return load_settings(path)
    except (SettingsError, OSError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error


def _target_line(name: str, target: dict[str, Any]) -> str:
    verdict = "[green]met[/green]" if target["met"] else "[red]NOT met[/red]"
    return f"{name}: {_fmt(target['value'])} (wanted {target['target']}): {verdict}"


def _fmt(value: float | None, places: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


@model_app.command()
def train(
    warehouse: WarehouseOption = None,
    store: StoreOption = Path("data/models"),
    world: Annotated[
        Path | None,
        typer.Option(
            help="A synthetic world's folder: also compare with its oracle (ground_truth/oracle_risk) "
            "and its observable oracle (the same risk given only what the extracts recorded)."
        ),
    ] = None,
    settings: SettingsOption = None,
) -> None:
    """Train on monthly snapshots, calibrate, evaluate beside the baselines, store as a candidate."""
    from models.learner import LearnerError
    from models.split import NotEnoughHistory
    from pipelines.cli.governance import print_breaches
    from pipelines.console.sync.sync import publish_after, take_in_first
    from pipelines.train.run import TrainingError, run_training
    from pipelines.warehouse.connection import warehouse_path

    _settings(settings)
    path = warehouse_path(warehouse)
    take_in_first(path, now=system_clock())
    try:
        result = run_training(
            path,
            store,
            clock=system_clock,
            world=world,
            settings_file=settings,
            progress=console.print,
        )
    except (TrainingError, NotEnoughHistory, LearnerError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    table = Table(title=f"Model {result.version} on the test window {result.split.test:%d/%m/%Y}")
    for column in ("method", "AUC", "PR-AUC", "Brier", "ECE", "precision at 45 / 100 / 250"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for name, m in result.evaluation.metrics.items():
        at = " / ".join(f"{m.at[k][0]:.0%}" for k in sorted(m.at))
        table.add_row(name, _fmt(m.auc), _fmt(m.pr_auc), _fmt(m.brier, 4), _fmt(m.ece, 4), at)
    console.print(table)
    for name, target in result.evaluation.targets.items():
        console.print(_target_line(name, target))
    print_breaches(result.fairness, f"model {result.version} on its test window")
    state = "recorded as a candidate" if result.registered else "already recorded (same data, same model)"
    console.print(f"Stored in {result.path}, {state}. Report: {result.path / 'report.html'}")
    console.print(
        f"Model card and transparency record: {result.card.paths['model-card.html'].parent} "
        f"({result.card.to_complete} fields for a person to complete)"
    )
    console.print("Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    publish_after(path, now=system_clock(), by=f"user:{acting_user(None)}")  # the candidate, in the console


@model_app.command("list")
def list_models(warehouse: WarehouseOption = None) -> None:
    """Every model trained, newest first, with its status and test-window AUC and ECE."""
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.model_registry import models

    with connect(warehouse_path(warehouse)) as con:
        found = models(con)
    if not found:
        console.print("No model has been trained yet: run `cohort model train`.")
        return
    table = Table(title="Risk models")
    for column in ("version", "status", "trained (UTC)", "test window", "AUC", "ECE"):
        table.add_column(column)
    for m in found:
        table.add_row(
            m.version,
            m.status,
            f"{m.trained_at:%d/%m/%Y %H:%M}",
            f"{m.test_as_of:%d/%m/%Y}",
            _fmt(m.auc),
            _fmt(m.ece, 4),
        )
    console.print(table)


@model_app.command()
def show(version: str, warehouse: WarehouseOption = None) -> None:
    """A model's status history (who, when, why), its artefact and its targets."""
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.model_registry import history, models
    from pipelines.warehouse.model_store import ArtefactError, read_artefact

    with connect(warehouse_path(warehouse)) as con:
        record = next((m for m in models(con) if m.version == version), None)
        changes = history(con, version)
    if record is None:
        raise typer.BadParameter(f"no model {version!r}: `cohort model list` shows the versions trained")
    console.print(f"Model {version}: {record.status}; artefact {record.path}")
    for status, by, reason, at in changes:
        console.print(f"  {at:%d/%m/%Y %H:%M} {status} by {by}: {reason}")
    try:
        artefact = read_artefact(record.path)
    except ArtefactError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    for name, target in artefact.manifest["evaluation"]["targets"].items():
        console.print("  " + _target_line(name, target))


def _change(version: str, status: str, by: str, reason: str, warehouse: Path | None) -> None:
    from pipelines.console.sync.sync import publish_after, take_in_first
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.model_registry import AlreadyInStatus, RegistryError, set_status

    path = warehouse_path(warehouse)
    take_in_first(path, now=system_clock())  # approvals made in the review console first
    try:
        with connect(path) as con:
            version, superseded = set_status(con, version, status, by.strip(), reason.strip(), system_clock())
    except AlreadyInStatus as note:
        console.print(f"{note}: nothing changed.")
        return
    except RegistryError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    for old in superseded:
        console.print(f"Model {old} retired: superseded by {version}.")
    console.print(f"Model {version} {status} by {by.strip()}.")
    publish_after(path, now=system_clock(), by=f"user:{by.strip()}")


VersionArgument = Annotated[
    str, typer.Argument(help="The model's version, or 'latest' for the newest trained.")
]
ByOption = Annotated[str, typer.Option("--by", help="Who decides (kept in the audit log).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]


@model_app.command()
def approve(
    version: VersionArgument, by: ByOption, reason: ReasonOption, warehouse: WarehouseOption = None
) -> None:
    """Make a candidate the model weekly scoring uses (the model approved before it is retired)."""
    _change(version, "approved", by, reason, warehouse)


@model_app.command()
def retire(
    version: VersionArgument, by: ByOption, reason: ReasonOption, warehouse: WarehouseOption = None
) -> None:
    """Take a model out of use for good."""
    _change(version, "retired", by, reason, warehouse)


@model_app.command()
def cv(
    table: Annotated[Path, typer.Argument(help="A person-level table: CSV or Parquet, one row per person.")],
    outcome: Annotated[str, typer.Option(help="The 0/1 outcome column.")],
    exclude: Annotated[
        str,
        typer.Option(help="Comma-separated columns to leave out (identifiers, protected characteristics)."),
    ] = "",
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    increasing: Annotated[
        list[str] | None,
        typer.Option(help="A column the registry does not know whose risk only rises with it (repeatable)."),
    ] = None,
    decreasing: Annotated[
        list[str] | None,
        typer.Option(help="A column the registry does not know whose risk only falls with it (repeatable)."),
    ] = None,
    blend: Annotated[
        bool,
        typer.Option(help="Blend LightGBM with logistic regression (the weight chosen within training)."),
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the metrics as JSON here.")
    ] = None,
    settings: SettingsOption = None,
) -> None:
    """Cross-validate the risk model's learner on any table beside logistic regression on the same
    folds, with the same metrics as training (tuned if the settings have a `tuning` section)."""
    import polars as pl

    from models.cv import TableError, cross_validate

    checked = _settings(settings)
    directions = {**{c: 1 for c in increasing or []}, **{c: -1 for c in decreasing or []}}
    both = sorted(set(increasing or []) & set(decreasing or []))
    if both:
        raise typer.BadParameter(f"{', '.join(both)}: given as both --increasing and --decreasing")
    if not table.is_file():
        raise typer.BadParameter(f"{table} is not a file")
    try:
        frame = pl.read_parquet(table) if table.suffix.lower() == ".parquet" else pl.read_csv(table)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise typer.BadParameter(f"{table}: cannot be read as {table.suffix or 'CSV'}: {error}") from error
    stopwatch = Stopwatch()
    try:
        result = cross_validate(
            frame, outcome, checked, [c.strip() for c in exclude.split(",") if c.strip()], folds,
            blend=blend, directions=directions,
        )  # fmt: skip
    except TableError as error:
        console.print(f"[red]{table.name}: {error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    _print_cv(result, stopwatch.elapsed())
    if json_path is not None:
        from pipelines.files import write_private

        write_private(json_path, json.dumps(result, indent=2), own_folder=False)
        console.print(f"Metrics written to {json_path}")


def _print_cv(result: dict[str, Any], seconds: float) -> None:
    """The learner beside logistic regression, fold by fold, then the learner's other metrics."""
    learner = "blend" if result["learner"] == "blend" else "learner"
    console.print(
        f"{result['rows']:,} rows, {result['positives']:,} with the outcome, "
        f"{len(result['features'])} features, {result['folds']}-fold ({seconds:.1f} s)"
    )
    table = Table(title="AUC out of fold")
    for column in ("fold", learner, "logistic regression", "difference"):
        table.add_column(column, justify="right")
    rows = zip(result["fold_auc"], result["logistic"]["fold_auc"], result["fold_difference"], strict=True)
    for fold, (ours, logistic, difference) in enumerate(rows, start=1):
        table.add_row(str(fold), _fmt(ours, 4), _fmt(logistic, 4), f"{difference:+.4f}")
    table.add_row("all", _fmt(result["auc"], 4), _fmt(result["logistic"]["auc"], 4), "")
    console.print(table)
    console.print(
        f"The {learner} leads in {result['folds_led']} of {result['folds']} folds; "
        f"mean difference {result['mean_difference']:+.4f}"
    )
    console.print(
        f"{learner}: PR-AUC {_fmt(result['pr_auc'])}, Brier {_fmt(result['brier'], 4)}, "
        f"ECE {_fmt(result['ece'], 4)}; logistic regression: PR-AUC {_fmt(result['logistic']['pr_auc'])}, "
        f"Brier {_fmt(result['logistic']['brier'], 4)}, ECE {_fmt(result['logistic']['ece'], 4)}"
    )
    for k, precision in result["precision_at"].items():
        console.print(f"precision / recall at {k}: {_fmt(precision)} / {_fmt(result['recall_at'][k])}")
    for fold, choice in enumerate(result["chosen"], start=1):
        console.print(f"fold {fold} chose on its validation slice: {choice}")


@model_app.command()
def score(
    as_of: AsOfOption,
    warehouse: WarehouseOption = None,
    explain: Annotated[int, typer.Option(min=0, help="Explain this many of the highest scores.")] = 2000,
) -> None:
    """Score everyone the list could consider with the approved model; print counts by band only."""
    from pipelines.train.scoring import score_with_approved
    from pipelines.warehouse.connection import warehouse_path

    when = parse_date(as_of)
    stopwatch = Stopwatch()
    try:
        version, scored = score_with_approved(warehouse_path(warehouse), when, explain)
    except LookupError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    table = Table(title=f"Scores at {when:%d/%m/%Y} by model {version} ({scored.height:,} people)")
    table.add_column("band")
    table.add_column("people", justify="right")
    for band, count in scored.group_by("band", maintain_order=True).len().iter_rows():
        table.add_row(band, f"{count:,}")
    console.print(table)
    explained = scored["raising"].is_not_null().sum()
    console.print(f"{explained:,} explained; {stopwatch.elapsed():.1f} s")


@model_app.command()
def recalibrate(
    by: ByOption,
    version: Annotated[
        str | None, typer.Argument(help="The model to recalibrate [default: the approved model].")
    ] = None,
    warehouse: WarehouseOption = None,
    store: StoreOption = Path("data/models"),
) -> None:
    """Refit only the calibrator on the latest matured data (after a monitoring alert); the result is a
    candidate model that changes nothing until the board approves it with `cohort model approve`."""
    from models.learner import LearnerError
    from pipelines.console.sync.sync import publish_after, take_in_first
    from pipelines.monitor.read import MonitoringError
    from pipelines.monitor.recalibrate import recalibrate as refit_calibrator
    from pipelines.warehouse.connection import warehouse_path

    stopwatch = Stopwatch()
    path = warehouse_path(warehouse)
    take_in_first(path, now=system_clock())  # approvals made in the review console first
    try:
        result = refit_calibrator(path, store, clock=system_clock, by=by.strip(), version=version)
    except (MonitoringError, LearnerError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    console.print(
        f"Recalibrated {result.recalibrated_from}: the calibrator refitted on {len(result.calibration)} "
        f"snapshots to {result.calibration[-1]:%d/%m/%Y}, tested on the window from {result.test:%d/%m/%Y} "
        f"({stopwatch.elapsed():.0f} s)."
    )
    table = Table(title=f"On the window from {result.test:%d/%m/%Y}")
    for column in ("model", "AUC", "ECE", "Brier"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, m in ((f"{result.recalibrated_from} (in use)", result.before), (result.version, result.after)):
        table.add_row(name, _fmt(m.auc), _fmt(m.ece, 4), _fmt(m.brier, 4))
    console.print(table)
    state = "recorded as a candidate" if result.registered else "already recorded (the same model)"
    console.print(
        f"Model {result.version} {state}; nothing changes until the board approves it: "
        f"`cohort model approve {result.version} --by NAME --reason WHY`. Artefact: {result.path}"
    )
    publish_after(path, now=system_clock(), by=f"user:{by.strip()}")  # the candidate, in the console


model_app.command()(card)  # last, as `cohort model --help` has always listed it
