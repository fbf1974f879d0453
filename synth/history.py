"""Run the life-history model month by month over the whole population."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from synth.model import Cohort, Events, Kind, State
from synth.params import WorldParams
from synth.population import Population
from synth.step import step
from synth.timeline import Month, Timeline, day_number, from_day_number

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Snapshot:
    """The world at an oracle as_of boundary, restricted to the rows its future needs."""

    index: int  # boundary index
    sample: np.ndarray  # true_person_id of the people whose risk is estimated
    cohort: Cohort  # sample plus every group member active in the next 12 months
    state: State


@dataclass(frozen=True)
class History:
    events: pl.DataFrame  # step, true_person_id, kind, category, recorded, crime, value
    attendance: pl.DataFrame  # step, true_person_id, school_id, possible, attended, unauthorised
    snapshots: list[Snapshot]
    eligible: pl.DataFrame  # boundary, true_person_id: aged 14-25 and resident at each oracle as_of


def months_of(timeline: Timeline) -> list[Month]:
    """Calendar facts of every step (the history's and any future's)."""
    days = timeline.boundary_days()
    out = []
    for k in range(timeline.steps):
        middle = from_day_number(int(days[k]) + 15)
        year = middle.year if middle.month >= 9 else middle.year - 1
        out.append(Month(k, int(days[k]), int(days[k + 1]), middle.month, day_number(date(year, 9, 1))))
    return out


def build_cohort(population: Population, params: WorldParams, rng: np.random.Generator) -> Cohort:
    """Static per-person arrays for the people simulated in detail."""
    p = population.people.filter(pl.col("simulated_in_detail"))
    intensity = population.neighbourhoods["policing_intensity"].to_numpy()[p["neighbourhood_id"].to_numpy()]
    n_groups = population.n_groups
    return Cohort(
        person=p["true_person_id"].to_numpy(),
        dob=p["dob_day"].to_numpy(),
        male=(p["sex"] == "M").to_numpy(),
        z=p["z"].to_numpy(),
        deprivation=p["deprivation"].to_numpy(),
        knife_carrier=p["knife_carrier"].to_numpy(),
        substance_misuse=p["substance_misuse"].to_numpy(),
        mental_health_need=p["mental_health_need"].to_numpy(),
        sen=p["sen"].to_numpy(),
        looked_after=p["looked_after"].to_numpy(),
        attendance_effect=rng.normal(0.0, 0.5, p.height).astype(np.float32),
        group=p["group_id"].to_numpy(),
        group_join=p["group_join_day"].to_numpy(),
        group_leave=p["group_leave_day"].to_numpy(),
        intensity=(intensity if params.recording_bias else np.ones_like(intensity)).astype(np.float32),
        n_groups=n_groups,
        rivalries=population.rivalries,
    )


def _snapshot(
    rng: np.random.Generator, params: WorldParams, c: Cohort, s: State, k: int, day: int
) -> tuple[Snapshot, np.ndarray]:
    age = (day - c.dob) / 365.25
    eligible = np.flatnonzero(s.present & (age >= 14) & (age < 26))
    sample = eligible
    if eligible.size > params.oracle_sample:
        sample = np.sort(rng.choice(eligible, params.oracle_sample, replace=False))
    # Group members interact (co-offending, feuds), so every member active at some point in
    # the 12 months is re-simulated with the sample; members outside their group for the whole
    # window cannot affect anyone, so leaving them out changes nothing.
    window_end = day + 370
    active_member = (c.group >= 0) & (c.group_join <= window_end) & (c.group_leave > day)
    rows = np.union1d(sample, np.flatnonzero(s.present & active_member))
    return Snapshot(k, c.person[sample], c.take(rows), s.take(rows)), c.person[eligible]


def run_history(
    population: Population,
    params: WorldParams,
    timeline: Timeline,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> History:
    """Simulate every month from the start of history to the end date, and on through any future.

    Args:
        population: the people.
        params: world parameters.
        timeline: the month grid.
        rng: random generator for the history (the oracle's sampling uses it too).
        progress: called with 1 after each month.

    Returns:
        Every event, every pupil's monthly attendance, and snapshots at the oracle dates.
    """
    cohort = build_cohort(population, params, rng)
    state = State.initial(cohort.person.size, cohort.n_groups)
    schools = _school_lookup(population)
    oracle_steps = set(timeline.oracle_steps())
    days = timeline.boundary_days()
    parts, attendance, snapshots, eligible = [], [], [], []
    crime_base = 0
    for m in months_of(timeline) + [None]:
        k = timeline.steps if m is None else m.index
        if k in oracle_steps:
            snap, who = _snapshot(rng, params, cohort, state, k, int(days[k]))
            snapshots.append(snap)
            eligible.append(
                pl.DataFrame({"boundary": np.full(who.size, k, dtype=np.int32), "true_person_id": who})
            )
        if m is None:
            break
        result = step(rng, params.hazards, cohort, state, m, observe=True, crime_base=crime_base)
        crime_base += result.events.row.size
        parts.append(_frame(result.events, cohort, k, schools, state, m))
        if result.attendance is not None:
            rows, possible, attended, unauthorised = result.attendance
            attendance.append(
                pl.DataFrame(
                    {
                        "step": np.full(rows.size, k, dtype=np.int32),
                        "true_person_id": cohort.person[rows],
                        "school_id": schools(rows, cohort, state.excluded[rows], m),
                        "possible": possible.astype(np.int16),
                        "attended": attended.astype(np.int16),
                        "unauthorised": unauthorised.astype(np.int16),
                    }
                )
            )
        if progress:
            progress(1)
    return History(pl.concat(parts), pl.concat(attendance), snapshots, pl.concat(eligible))


SchoolLookup = Callable[[np.ndarray, Cohort, np.ndarray, Month], np.ndarray]


def _school_lookup(population: Population) -> SchoolLookup:
    people = population.people.filter(pl.col("simulated_in_detail"))
    primary = people["primary_school_id"].to_numpy()
    secondary = people["secondary_school_id"].to_numpy()
    schools = population.schools
    la_of_school = schools["la_code"].to_numpy()
    ap = schools.filter(pl.col("phase") == "ap")
    ap_of_la = dict(zip(ap["la_code"].to_list(), ap["school_id"].to_list(), strict=True))
    ap_of_person = np.array([ap_of_la[int(la)] for la in np.unique(la_of_school)])
    la_index = np.searchsorted(np.unique(la_of_school), la_of_school[secondary])

    def school_of(rows: np.ndarray, c: Cohort, excluded: np.ndarray, m: Month) -> np.ndarray:
        """School of each row this month: mainstream by age, the PRU once excluded."""
        academic_age = (m.september - 1 - c.dob[rows]) // 365.25
        mainstream = np.where(academic_age <= 10, primary[rows], secondary[rows])
        school: np.ndarray = np.where(excluded, ap_of_person[la_index[rows]], mainstream).astype(np.int32)
        return school

    return school_of


def _frame(e: Events, c: Cohort, k: int, schools: SchoolLookup, s: State, m: Month) -> pl.DataFrame:
    school_event = (e.kind == Kind.SUSPENSION) | (e.kind == Kind.PERMANENT_EXCLUSION)
    school = np.full(e.row.size, -1, dtype=np.int32)
    if school_event.any():
        rows = e.row[school_event]
        # the excluding school is the mainstream one; later suspensions come from the PRU
        excluded = s.excluded[rows] & (e.kind[school_event] != Kind.PERMANENT_EXCLUSION)
        school[school_event] = schools(rows, c, excluded, m)
    return pl.DataFrame(
        {
            "step": np.full(e.row.size, k, dtype=np.int32),
            "true_person_id": c.person[e.row],
            "kind": e.kind,
            "category": e.category,
            "recorded": e.recorded,
            "crime": e.crime,
            "value": e.value,
            "school_id": school,
        }
    )
