"""`cohort trial evaluate | power | consort`: did the programme work, how small an effect the trial can
find, and the CONSORT flow. Counts and estimates only on the screen, never a person.

The commands are made on ``evaluation_app`` and added to ``cohort trial`` by pipelines/cli/trial.py
(this module does not import that one, so no import goes round a cycle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli.options import ByOption, WarehouseOption, acting_user, parse_date
from pipelines.clock import system_clock
from pipelines.errors import EXIT_FAILED
from pipelines.progress import console

evaluation_app = typer.Typer()
"""Holds the commands until pipelines/cli/trial.py adds them to ``trial_app``."""

FollowUpOption = Annotated[
    int, typer.Option("--follow-up-months", help="Months of follow-up from each allocation (3, 6, 12 ...).")
]
UntilOption = Annotated[
    str | None,
    typer.Option(help="The data cut, YYYY-MM-DD: outcomes recorded after it are not counted [default: the "
                 "newest extract date loaded]."),
]  # fmt: skip
SeedOption = Annotated[int, typer.Option(help="Seeds the re-randomisations and the bootstrap.")]


def _existing(warehouse: Path | None) -> Path:
    from pipelines.warehouse.connection import warehouse_path

    return warehouse_path(warehouse)  # refuses a missing warehouse (exit 3)


def _refused(error: Exception) -> typer.Exit:
    console.print(f"[red]{error}[/red]", soft_wrap=True)
    return typer.Exit(EXIT_FAILED)


@evaluation_app.command("evaluate")
def evaluate_command(
    follow_up_months: FollowUpOption,
    out: Annotated[Path, typer.Option(help="Folder for the report, JSON and person-level files.")],
    until: UntilOption = None,
    permutations: Annotated[int, typer.Option(help="Re-randomisations for the p-values.")] = 2000,
    seed: SeedOption = 0,
    warehouse: WarehouseOption = None,
    by: ByOption = None,
) -> None:
    """Evaluate the trial: programme against control over the follow-up, by intention to treat.

    Harm (ratio of means, the pre-specified primary; difference in means; probability of superiority),
    knife offences as suspect and victim and serious violence (negative binomial rate ratios), each with
    a 95% interval and a randomisation p-value. Writes an HTML report, JSON and a pseudonymised
    person-level file (Parquet, CSV), owner-only, and records the evaluation in the audit log.
    """
    from pipelines.files import SymlinkRefused
    from pipelines.trial.evaluate import evaluate_trial
    from pipelines.trial.outcomes import EvaluationRefused

    path = _existing(warehouse)
    try:
        result = evaluate_trial(
            path, follow_up_months, out, now=system_clock(), by=acting_user(by),
            until=parse_date(until) if until else None, permutations=permutations, seed=seed,
        )  # fmt: skip
    except (EvaluationRefused, SymlinkRefused) as error:
        raise _refused(error) from error
    for line in result.summary():
        console.print(line, soft_wrap=True)
    if result.key_created:
        console.print(
            "A new pseudonymisation key was created (owner-only); keep it: pseudonyms change with it."
        )


@evaluation_app.command("power")
def power_command(
    out: Annotated[Path, typer.Option(help="Folder for power JSON and HTML.")],
    capacity: Annotated[int, typer.Option(help="People per arm.")] = 45,
    follow_up_months: FollowUpOption = 12,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="The latest past date the pool is taken at, YYYY-MM-DD [default: the latest Monday "
            "whose follow-up ends by the data end]; the three quarters before it are used too."
        ),
    ] = None,  # fmt: skip
    simulations: Annotated[int, typer.Option(help="Simulated trials at each effect.")] = 1000,
    permutations: Annotated[int, typer.Option(help="Re-randomisations per simulated test.")] = 2000,
    seed: SeedOption = 0,
    warehouse: WarehouseOption = None,
) -> None:
    """The minimum detectable effect on harm for a capacity and follow-up, before the trial.

    80% power, two-sided 0.05, the evaluation's primary test, simulated on the futures the warehouse
    records for the people the rules would have put forward at past dates.
    """
    from pipelines.files import SymlinkRefused
    from pipelines.trial.outcomes import EvaluationRefused
    from pipelines.trial.power import trial_power

    path = _existing(warehouse)
    try:
        result = trial_power(
            path, capacity, follow_up_months, out, now=system_clock(),
            as_of=parse_date(as_of) if as_of else None, simulations=simulations,
            permutations=permutations, seed=seed,
        )  # fmt: skip
    except (EvaluationRefused, SymlinkRefused) as error:
        raise _refused(error) from error
    for line in result.summary():
        console.print(line, soft_wrap=True)


@evaluation_app.command("consort")
def consort_command(
    follow_up_months: FollowUpOption,
    until: UntilOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the diagram as HTML to this folder (owner-only).")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The CONSORT flow, from the people on the lists to the people analysed in each arm.

    Eligible, assessed, suitable, pooled, randomised and allocated; then withdrawn, in custody, moved,
    died and not yet followed up; then analysed.
    """
    from governance.trial_evaluation.consort import consort_lines
    from pipelines.trial.consort import trial_consort, write_consort
    from pipelines.trial.outcomes import EvaluationRefused

    path = _existing(warehouse)
    try:
        flow = trial_consort(path, follow_up_months, until=parse_date(until) if until else None)
    except EvaluationRefused as error:
        raise _refused(error) from error
    console.print(f"CONSORT flow at {follow_up_months} months, data cut {flow['cut']}")
    for line in consort_lines(flow):
        console.print(line, soft_wrap=True)
    if out is not None:
        console.print(f"diagram: {write_consort(out, flow)}")
