"""The oracle: each person's true risk, estimated by re-simulating their future.

For every snapshot the generator's own step function is run forward 12 months,
`replicates` times, from the exact state at as_of (latent traits, decayed histories,
custody, school status, group heat). Group members are always re-simulated together
with the sample because their futures interact (co-offending, feuds); members outside
their group for the whole window cannot affect anyone and are left out.

Each replicate contributes the compensator of the first recorded serious event,
sum over months t of 1[no event before t] * P(event at t | state at t), instead of
the bare 0/1 indicator: it has the same expectation and far less variance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from synth.history import History, Progress, Snapshot, months_of
from synth.model import SERIOUS, Cohort, Kind
from synth.params import WorldParams
from synth.step import step
from synth.timeline import Month, Timeline

HORIZON = 12


def _replicate(cohort: Cohort, replicates: int) -> Cohort:
    arrays = {
        name: np.tile(getattr(cohort, name), replicates)
        for name in cohort.__dataclass_fields__
        if name not in ("n_groups", "rivalries", "group")
    }
    offsets = np.repeat(np.arange(replicates) * cohort.n_groups, cohort.person.size)
    group = np.tile(cohort.group, replicates)
    group = np.where(group >= 0, group + offsets, -1).astype(np.int32)
    rivalries = np.concatenate([cohort.rivalries + r * cohort.n_groups for r in range(replicates)])
    return replace(cohort, **arrays, group=group, n_groups=cohort.n_groups * replicates, rivalries=rivalries)


def simulate_risk(
    snapshot: Snapshot, months: list[Month], params: WorldParams, rng: np.random.Generator
) -> np.ndarray:
    """Estimated probability of a recorded serious-violence event in the next 12 months.

    Args:
        snapshot: the world at as_of.
        months: the 12 months after as_of.
        params: world parameters (hazards, replicates).
        rng: random generator for the re-simulation.

    Returns:
        One probability per person in `snapshot.sample`, in its order.
    """
    r = params.oracle_replicates
    cohort = _replicate(snapshot.cohort, r)
    state = snapshot.state.tile(r)
    n = cohort.person.size
    survived = np.ones(n, dtype=bool)
    score = np.zeros(n, dtype=np.float64)
    for m in months:
        result = step(rng, params.hazards, cohort, state, m, observe=False)
        e = result.events
        involved = (
            ((e.kind == Kind.OFFENCE) | (e.kind == Kind.VICTIMISATION))
            & e.recorded
            & SERIOUS[np.maximum(e.category, 0)]
        )
        hit = np.bincount(e.row[involved], minlength=n) > 0
        chance = 1.0 - (1.0 - result.outcome_hazard) * (1.0 - result.outcome_co)
        score += survived * chance
        survived &= ~hit
    per_row = score.reshape(r, -1).mean(axis=0)
    position = np.searchsorted(snapshot.cohort.person, snapshot.sample)
    risk: np.ndarray = np.clip(per_row[position], 0.0, 1.0)
    return risk


def future_months(timeline: Timeline) -> list[Month]:
    """Months of the history followed by (at least) the 12 months after the end date."""
    longer = Timeline(timeline.end_date, timeline.months, max(timeline.future, HORIZON))
    return months_of(longer)


def build_oracle(
    history: History,
    params: WorldParams,
    timeline: Timeline,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> pl.DataFrame:
    """`oracle_risk`: true_person_id, as_of, p_true, outcome for everyone aged 14-25.

    Args:
        history: the simulated history with its snapshots.
        params: world parameters.
        timeline: the month grid.
        rng: random generator for re-simulation.
        progress: called with 1 after each as_of.

    Returns:
        One row per person aged 14-25 and resident at each as_of; `p_true` is null for
        people outside the random sample; `outcome` (recorded serious-violence
        involvement, as in DESIGN.md) and `outcome_any` (recorded or not) are null at
        the end date, whose window is still open.
    """
    months = future_months(timeline)
    boundaries = timeline.boundaries
    events = history.events.filter(
        pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.VICTIMISATION)])
        & pl.col("category").is_in([0, 1, 2])
    )
    frames = []
    for snapshot in history.snapshots:
        k = snapshot.index
        p_true = simulate_risk(snapshot, months[k : k + HORIZON], params, rng)
        who = history.eligible.filter(pl.col("boundary") == k).select("true_person_id")
        window = events.filter((pl.col("step") >= k) & (pl.col("step") < k + HORIZON))
        outcome = window.group_by("true_person_id").agg(
            pl.col("recorded").any().alias("outcome"), pl.lit(True).alias("outcome_any")
        )
        complete = k + HORIZON <= timeline.months
        frame = (
            who.join(
                pl.DataFrame({"true_person_id": snapshot.sample, "p_true": p_true}),
                on="true_person_id",
                how="left",
            )
            .join(outcome, on="true_person_id", how="left")
            .with_columns(
                pl.lit(boundaries[k]).alias("as_of"),
                pl.when(complete).then(pl.col("outcome").fill_null(False)).alias("outcome"),
                pl.when(complete).then(pl.col("outcome_any").fill_null(False)).alias("outcome_any"),
            )
        )
        frames.append(frame.select("true_person_id", "as_of", "p_true", "outcome", "outcome_any"))
        if progress:
            progress(1)
    return pl.concat(frames).sort("as_of", "true_person_id")
