"""The trial in numbers (`cohort trial status`): draws, allocations by arm, withdrawals, places; no person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lists.trial_settings import load_trial_settings
from pipelines.trial.allocate_pool import free_places
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql


@dataclass(frozen=True)
class TrialStatus:
    """Counts only."""

    trial: str
    draws: int
    without_draw: int  # commitments with no draw (abandoned, or a run under way)
    programme: int  # randomised to the programme
    always_treated: int  # given a place by the tie-breaker
    control: int
    withdrawn: int
    latest_draw: date | None
    capacity: int
    places_taken: int
    places_free: int


def trial_status(warehouse: Path, on: date, settings_file: Path | None = None) -> TrialStatus:
    """The trial's counts, with the programme places taken and free on ``on`` under its settings."""
    settings = load_trial_settings(settings_file)
    with connect(warehouse) as con:
        draws, without, programme, treated, control, withdrawn, latest = con.execute(
            sql("trial/status_counts")
        ).fetchall()[0]
        free, taken = free_places(con, on, settings)
    return TrialStatus(
        settings.name, draws, without, programme, treated, control, withdrawn, latest, settings.capacity,
        taken, free,
    )  # fmt: skip
