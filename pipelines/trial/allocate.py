"""Randomised allocation to the programme (`cohort trial allocate`): one draw for a week's list.

The order of work, which is what lets anyone check afterwards that the draw was not chosen:

1. any commitment left with no draw by an earlier run that stopped is recorded as abandoned;
2. the pool: the people the panel found suitable (lists.trial_pool), less those allocated before
   (their records are compared with those every allocation held, so a change of person id does not
   let anyone be drawn twice; a new acceptance after an allocation is counted as a refused second
   draw); the programme places free: capacity less programme allocations still held;
3. the commitment (the hashes of the canonical pool, of the seed and of the settings) is written to
   the audit log and committed;
4. then the draw (lists.trial_draw) is made and stored with its pool, allocations, the source records
   each person held, the seed itself and its audit event, in one transaction.

A run that stops between 3 and 4 leaves a commitment with no draw; the next run abandons it (step 1)
and ``cohort trial verify`` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from lists.trial_draw import draw, plan_draw
from lists.trial_pool import PoolError, canonical_pool, pool_hash, seed_hash
from lists.trial_settings import TrialSettings, load_trial_settings
from pipelines.trial.allocate_pool import free_places, published_list, suitable_people
from pipelines.trial.allocate_store import Commitment, Drawn, abandon_pending, commit, store_draw
from pipelines.trial.randomness import new_seed
from pipelines.trial.refusals import TrialRefused
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql


@dataclass(frozen=True)
class AllocationResult:
    """What a run did: counts only (no person is named), and why nothing was drawn when nothing was."""

    trial: str
    as_of: date
    draw_id: int | None  # None: no draw was made (see ``nothing_drawn``)
    places: int  # programme places free before the draw
    places_taken: int
    suitable: int  # found suitable and waiting, before the design's route and band filter
    pool_size: int
    arms: dict[str, int] = field(default_factory=lambda: {"programme": 0, "control": 0})
    always_treated: int = 0  # tie-breaker: given a place without randomisation
    waiting: int = 0  # in the pool, not allocated: they wait for the next draw
    already_allocated: int = 0
    refused_second_draw: int = 0
    acceptance_too_short: int = 0
    abandoned_commitments: int = 0
    records: int = 0  # source records kept with the allocations
    nothing_drawn: str | None = None

    def summary(self) -> list[str]:
        """Lines to print: counts only, never an identifier."""
        lines = [f"trial '{self.trial}', list of {self.as_of:%d/%m/%Y}"]
        if self.abandoned_commitments:
            lines.append(
                f"{self.abandoned_commitments} earlier commitment(s) with no draw recorded as abandoned"
            )
        lines.append(f"programme places: {self.places} free, {self.places_taken} taken")
        lines.append(
            f"suitable: {self.suitable}; pool: {self.pool_size}; already allocated: "
            f"{self.already_allocated}; refused a second draw: {self.refused_second_draw}; "
            f"acceptance ending before a place would: {self.acceptance_too_short}"
        )
        if self.draw_id is None:
            lines.append(f"no draw: {self.nothing_drawn}")
            return lines
        treated = f" ({self.always_treated} always treated by the tie-breaker)" if self.always_treated else ""
        lines.append(
            f"draw {self.draw_id}: {self.arms['programme']} programme{treated}, {self.arms['control']} "
            f"control, {self.waiting} waiting for the next draw"
        )
        return lines


def run_allocation(
    warehouse: Path, as_of: date, *, now: datetime, by: str, seed: bytes | None = None,
    settings_file: Path | None = None,
) -> AllocationResult:  # fmt: skip
    """Draw the people found suitable for the list of ``as_of`` into the programme places free.

    Args:
        now: when the draw is made (the allocations are dated ``now``'s day).
        by: who draws (audit log).
        seed: 32 bytes; None for a fresh one from :func:`pipelines.trial.randomness.new_seed`.
        settings_file: trial settings other than lists/trial.yaml.

    Returns:
        What was drawn; with ``draw_id`` None and ``nothing_drawn`` saying why when no place is free,
        nobody is suitable, or no stratum has enough people for a block.

    Raises:
        lists.trial_settings.TrialSettingsError: the settings are not valid (naming file and field).
        TrialRefused: no list is published for as_of, linkage ran since it, the trial allows no further
            draw, or the design cannot be applied to the list.
    """
    settings = load_trial_settings(settings_file)
    seed = new_seed() if seed is None else seed
    seed_digest = seed_hash(seed)  # refuses a seed of the wrong length before anything is written
    with connect(warehouse) as con:
        abandoned = abandon_pending(con, now=now, by=by)
        listed = published_list(con, as_of)
        check_draw_allowed(con, as_of, settings, now.date())
        found = suitable_people(con, as_of, settings, now=now, on=now.date())
        try:
            pool = canonical_pool(found.candidates, settings)
        except PoolError as error:
            raise TrialRefused(f"{error}") from error
        places, taken = free_places(con, now.date(), settings)
        base = AllocationResult(
            settings.name, as_of, None, places, taken, found.candidates.height, pool.height,
            already_allocated=found.already_allocated, refused_second_draw=found.refused_second_draw,
            acceptance_too_short=found.acceptance_too_short, abandoned_commitments=abandoned,
        )  # fmt: skip
        why = nothing_to_draw(pool, places, settings)
        if why:
            return replace(base, nothing_drawn=why)
        commitment = Commitment(
            as_of, listed.run_id, places, pool.height, pool_hash(pool), seed_digest, settings.settings_hash
        )
        event_id = commit(con, commitment, settings, now=now, by=by)  # committed before the draw is made
        allocations = draw(pool, places, settings, seed)
        drawn = Drawn(commitment, event_id, listed, seed, pool, allocations)
        draw_id, records = store_draw(con, drawn, settings, now=now, by=by)
    arms = {"programme": 0, "control": 0} | dict(allocations.group_by("arm").len().iter_rows())
    return replace(
        base, draw_id=draw_id, arms=arms, always_treated=int((~allocations["randomised"]).sum()),
        waiting=pool.height - allocations.height, records=records,
    )  # fmt: skip


def check_draw_allowed(
    con: duckdb.DuckDBPyConnection, as_of: date, settings: TrialSettings, on: date
) -> None:
    """Refuse a draw the trial does not allow: a second draw without rolling entry, one for a list no
    later than the latest draw's, or one made before its list's date."""
    if on < as_of:
        raise TrialRefused(f"the draw for the list of {as_of:%d/%m/%Y} cannot be made before that day")
    latest = con.execute(sql("trial/latest_draw"), {"trial": settings.name}).fetchall()
    if not latest:
        return
    draw_id, drawn_for = latest[0]
    if not settings.rolling_entry:
        raise TrialRefused(
            f"trial '{settings.name}' has no rolling entry (rolling_entry: false) and drew once already "
            f"(draw {draw_id}): set rolling_entry: true in the trial settings to draw as places free up"
        )
    if as_of <= drawn_for:
        raise TrialRefused(
            f"trial '{settings.name}' drew for the list of {drawn_for:%d/%m/%Y} already (draw {draw_id}): "
            "a draw is made once a week, for a later list"
        )


def nothing_to_draw(pool: pl.DataFrame, places: int, settings: TrialSettings) -> str | None:
    """Why no draw is made for this pool and these places, or None when one is."""
    if places == 0:
        return f"no programme places are free (all {settings.capacity} are held)"
    if pool.height == 0:
        return "nobody found suitable is waiting for a place (record the panel's decisions first)"
    plans, treated, _ = plan_draw(pool, places, settings)
    if treated == 0 and not any(p.programme for p in plans):
        programme, control = settings.ratio
        return (
            f"no stratum has the {programme + control} people a block of {programme}:{control} needs; "
            f"the {pool.height} in the pool wait for the next draw"
        )
    return None
