"""`cohort synth`: generate a synthetic world, and advance one with a future week by week."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pipelines.cli.options import parse_date
from pipelines.progress import console, stages
from pipelines.timing import Stopwatch

if TYPE_CHECKING:
    from pipelines.world.advance import Advanced

synth_app = typer.Typer(
    help="Generate a synthetic multi-agency world, or advance one that has a future.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@synth_app.callback()
def synth(
    ctx: typer.Context,
    residents: Annotated[
        int, typer.Option(help="Residents in the area (force scale is 3,000,000).")
    ] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives byte-identical files.")] = 42,
    end_date: Annotated[str, typer.Option(help="Last day of history, YYYY-MM-DD.")] = "2026-11-16",
    out: Annotated[Path, typer.Option(help="Folder to write the world into.")] = Path("data/world"),
    noise: Annotated[float, typer.Option(help="Multiplier on identity-noise rates.")] = 1.0,
    invalid_share: Annotated[float, typer.Option(help="Share of extract rows made invalid.")] = 0.005,
    recording_bias: Annotated[
        bool, typer.Option(help="Police record offences more where policing is heavier.")
    ] = False,
    replicates: Annotated[
        int, typer.Option(help="Re-simulations per person for the oracle (at least 100).")
    ] = 100,
    future_weeks: Annotated[
        int,
        typer.Option(
            help="Weeks simulated beyond --end-date and withheld in future/ (`cohort synth advance` "
            "releases them)."
        ),
    ] = 0,
) -> None:
    """Generate a synthetic multi-agency world: extracts, manifest and ground truth.

    With --future-weeks N the world runs N weeks beyond its end date: landing/ holds the deliveries
    up to the end date, and the later ones wait in future/ for `cohort synth advance`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.world.write import generate_world
    from synth.params import WorldParams

    try:
        params = WorldParams(
            residents=residents,
            seed=seed,
            end_date=parse_date(end_date),
            noise=noise,
            invalid_share=invalid_share,
            recording_bias=recording_bias,
            oracle_replicates=replicates,
            future_weeks=future_weeks,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    stopwatch = Stopwatch()
    with stages() as stage:
        manifest = generate_world(params, out, stage)
    _summarise_world(manifest, out, stopwatch.elapsed())


@synth_app.command()
def advance(
    world: Annotated[Path, typer.Option(help="A world generated with --future-weeks.")] = Path("data/world"),
    weeks: Annotated[int, typer.Option(help="Whole weeks to advance.")] = 1,
    allocation: Annotated[
        Path | None,
        typer.Option(
            help="The trial's allocation file (`cohort trial export-allocation`); none: nobody treated."
        ),
    ] = None,
    effect: Annotated[
        Path | None,
        typer.Option(help="The planted effect (YAML); the default is synth/data/treatment_effect.yaml."),
    ] = None,
) -> None:
    """Release the next --weeks of the world's future into landing/, less what the programme prevented.

    The people allocated to the programme lose the events the planted effect prevents (offences as
    suspect, knife offences and victimisations, by age group); the ground truth records which.
    The same world, allocation and effect always give the same files.
    """
    from pipelines.world.advance import advance_world
    from pipelines.world.future_store import AdvanceRefused
    from synth.allocation import AllocationError
    from synth.treatment import EffectError

    stopwatch = Stopwatch()
    try:
        result = advance_world(world, weeks, allocation=allocation, effect=effect)
    except AdvanceRefused as error:
        console.print(f"[red]Refused: {error}[/red]")
        raise typer.Exit(1) from error
    except (AllocationError, EffectError) as error:
        raise typer.BadParameter(str(error)) from error
    _summarise_advance(result, world, stopwatch.elapsed())


def _summarise_advance(result: Advanced, world: Path, seconds: float) -> None:
    """What the advance wrote, by source: files, rows and rows prevented (counts, never identities)."""
    table = Table(
        title=f"Advance {result.number} of {world}: {result.start.isoformat()} to {result.end.isoformat()} "
        f"({seconds:.1f} s)"
    )
    for column in ("source", "files", "rows", "rows prevented", "invalid rows"):
        table.add_column(column, justify="left" if column == "source" else "right")
    by_source: dict[str, list[int]] = {}
    for f in result.files:
        counts = by_source.setdefault(f.source, [0, 0, 0, 0])
        for n, value in enumerate((1, f.rows, f.rows_prevented, f.invalid_rows)):
            counts[n] += value
    for name, counts in by_source.items():
        table.add_row(name, *(f"{c:,}" for c in counts))
    console.print(table)
    console.print(
        f"Allocations matched to a person: {result.allocations:,} "
        f"({result.unmatched:,} with no known record); events prevented this advance: "
        f"{result.events_prevented:,}; rows prevented: {result.rows_prevented:,}. "
        f"The future runs to {result.future_until.isoformat()}."
    )


def _summarise_world(manifest: dict[str, object], out: Path, seconds: float) -> None:
    files = manifest["files"]
    assert isinstance(files, list)
    table = Table(title=f"Synthetic world in {out} ({seconds:.0f} s)")
    for column in ("source", "files", "rows", "invalid rows"):
        table.add_column(column, justify="left" if column == "source" else "right")
    by_source: dict[str, list[int]] = {}
    for f in files:
        counts = by_source.setdefault(f["source"], [0, 0, 0])
        counts[0] += 1
        counts[1] += f["rows"]
        counts[2] += f["invalid_rows"]
    for name, (n_files, rows, invalid) in by_source.items():
        table.add_row(name, str(n_files), f"{rows:,}", f"{invalid:,}")
    console.print(table)
    future = manifest.get("future")
    if isinstance(future, dict):
        console.print(
            f"Future: {future['files']:,} deliveries ({future['rows']:,} rows) to {future['until']} "
            f"withheld in {out / 'future'}; release them with `cohort synth advance --world {out}`"
        )
    calibration = manifest["calibration"]
    assert isinstance(calibration, list)
    outside = [c["measure"] for c in calibration if c["status"] == "outside"]
    console.print(
        f"Calibration: {len(calibration) - len(outside)} of {len(calibration)} measures within target "
        "or sampling error, or explained"
        + (f"; outside: {', '.join(outside)}" if outside else "")
        + f" (see {out / 'calibration_report.md'})"
    )
