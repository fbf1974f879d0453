"""One month of life history for every simulated row, vectorised over rows.

The same step drives the world's history and the oracle's re-simulated futures, so
the oracle's risk is the generator's own risk, not an approximation of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.crime import crime_and_policing
from synth.model import (
    ED_SHARE,
    SERIOUS,
    Cohort,
    Events,
    Kind,
    State,
)
from synth.params import Hazards
from synth.timeline import Month

DECAY_YEAR = 0.5 ** (1 / 12)  # half-life of twelve months
DECAY_HALF_YEAR = 0.5 ** (1 / 6)
DECAY_HEAT = 0.5 ** (1 / 2.5)  # group heat fades over about 125 days
SESSIONS = np.array([0, 36, 32, 40, 26, 36, 40, 30, 0, 30, 36, 40, 30])  # by calendar month


@dataclass
class StepResult:
    events: Events
    outcome_hazard: np.ndarray  # probability of a recorded serious event of the row's own doing
    outcome_co: np.ndarray  # recorded serious involvement as a co-offender this step
    attendance: tuple[np.ndarray, ...] | None  # row, possible, attended, unauthorised


def _school(
    rng: np.random.Generator,
    h: Hazards,
    c: Cohort,
    s: State,
    m: Month,
    academic_age: np.ndarray,
    free: np.ndarray,
    observe: bool,
) -> tuple[list[Events], tuple[np.ndarray, ...] | None]:
    """Attendance, suspensions and permanent exclusions for pupils in Years 4 to 11."""
    pupils = np.flatnonzero(free & (academic_age >= 8) & (academic_age <= 15))
    if SESSIONS[m.month] == 0 or pupils.size == 0:
        s.absence *= 0.97
        return [], None
    zp = c.z[pupils]
    logit = (
        h.attendance_logit_base
        + c.attendance_effect[pupils]
        - 0.55 * zp
        - 0.5 * c.deprivation[pupils]
        - 0.35 * (c.sen[pupils] > 0)
        - 0.6 * c.substance_misuse[pupils]
        - 0.35 * (academic_age[pupils] >= 13)
        - 0.9 * s.excluded[pupils]
        - 0.4 * c.looked_after[pupils]
        + rng.normal(0.0, 0.45, pupils.size)
    )
    rate = 1.0 / (1.0 + np.exp(-logit))
    possible = np.full(pupils.size, SESSIONS[m.month])
    attended = rng.binomial(possible, rate)
    unauthorised = (
        rng.binomial(possible - attended, 1.0 / (1.0 + np.exp(-(-0.6 + 0.6 * zp)))) if observe else None
    )
    s.absence[pupils] = 0.75 * s.absence[pupils] + 0.25 * (1.0 - attended / possible)
    risk = np.exp(
        0.8 * zp
        + 0.47 * c.male[pupils]
        + 0.6 * (c.sen[pupils] > 0)
        + 0.7 * c.looked_after[pupils]
        + 0.4 * c.deprivation[pupils]
        + 0.6 * np.minimum(s.any_offence[pupils], 2.0)
    )
    n_susp = rng.poisson(h.suspension_base * risk)
    susp_rows = np.repeat(pupils, n_susp)
    excl = (
        rng.random(pupils.size)
        < h.exclusion_base
        * risk
        * np.exp(1.2 * np.minimum(s.suspended[pupils], 2.0) + 0.8 * np.minimum(s.serious[pupils], 1.0))
        * ~s.excluded[pupils]
    )
    excl_rows = pupils[excl]
    s.excluded[excl_rows] = True
    events = [
        Events.of(susp_rows, Kind.SUSPENSION, value=rng.integers(1, 11, susp_rows.size)),
        Events.of(excl_rows, Kind.PERMANENT_EXCLUSION),
    ]
    return events, ((pupils, possible, attended, unauthorised) if unauthorised is not None else None)


def _transitions(
    rng: np.random.Generator,
    h: Hazards,
    c: Cohort,
    s: State,
    age: np.ndarray,
    academic_age: np.ndarray,
    active: np.ndarray,
    free: np.ndarray,
    victims: Events,
) -> list[Events]:
    """NEET spells (for people not in custody), deaths (including homicide) and moves out of the area."""
    young = free & (academic_age >= 16) & (academic_age <= 24)
    candidates = np.flatnonzero(young & ~s.neet)
    entry = h.neet_entry_base * np.exp(
        0.7 * c.z[candidates]
        + 0.8 * c.deprivation[candidates]
        + 1.0 * s.excluded[candidates]
        + 0.5 * (c.sen[candidates] > 0)
        + 0.5 * c.substance_misuse[candidates]
    )
    entry *= np.where(academic_age[candidates] < 18, 0.38, 1.0)
    start = np.zeros(c.person.size, dtype=bool)
    start[candidates[rng.random(candidates.size) < entry]] = True
    spells = np.flatnonzero(s.neet)
    end = np.zeros(c.person.size, dtype=bool)
    end[spells[~young[spells] | (rng.random(spells.size) < h.neet_exit)]] = True
    s.neet = (s.neet | start) & ~end
    killed = victims.row[victims.value == 1]
    died = active & (rng.random(c.person.size) < h.death_per_year / 12)
    died[killed] = True
    died &= active
    move_rate = np.where(age < 18, h.move_out_per_year_child, h.move_out_per_year_adult) / 12
    moved = active & ~died & (rng.random(c.person.size) < move_rate)
    s.present &= ~(died | moved)
    return [
        Events.of(np.flatnonzero(start), Kind.NEET_START),
        Events.of(np.flatnonzero(end & active), Kind.NEET_END),
        Events.of(np.flatnonzero(died), Kind.DEATH),
        Events.of(np.flatnonzero(moved), Kind.MOVE_OUT),
    ]


def _observations(
    rng: np.random.Generator,
    h: Hazards,
    c: Cohort,
    s: State,
    age: np.ndarray,
    active: np.ndarray,
    in_group: np.ndarray,
    victims: Events,
) -> list[Events]:
    """Events that reveal risk without changing it: ED visits, referrals, intelligence."""
    ed = rng.random(victims.row.size) < ED_SHARE[victims.category]
    n = c.person.size
    mental = (
        rng.random(n)
        < h.mental_health_base
        * np.exp(1.3 * c.mental_health_need + 0.3 * c.z)
        * (1.0 + 1.5 * np.minimum(s.victim, 1.0))
        * active
    )
    substance = (
        rng.random(n) < h.substance_referral_base * np.exp(1.6 * c.substance_misuse) * (age >= 12) * active
    )
    referral = (
        rng.random(n)
        < h.partner_referral_base
        * np.exp(0.4 * c.z)
        * (
            1.0
            + 3.0 * np.minimum(s.serious, 1.0)
            + 2.0 * np.minimum(s.victim, 1.0)
            + 2.0 * (s.suspended > 0.3)
            + 2.0 * in_group
        )
        * (age >= 10)
        * (age < 26)
        * active
    )
    intel_p = np.where(in_group, 0.06, np.where(c.z > 1.5, 0.0008, 0.0)) * (age >= 12) * active
    intel = rng.random(n) < intel_p
    return [
        Events.of(victims.row[ed], Kind.ED_ATTENDANCE, victims.category[ed], crime=victims.crime[ed]),
        Events.of(np.flatnonzero(mental), Kind.MENTAL_HEALTH_REFERRAL),
        Events.of(np.flatnonzero(substance), Kind.SUBSTANCE_REFERRAL),
        Events.of(np.flatnonzero(referral), Kind.PARTNER_REFERRAL),
        Events.of(np.flatnonzero(intel), Kind.INTELLIGENCE, value=np.maximum(c.group[intel], -1)),
    ]


def _update_state(c: Cohort, s: State, offences: Events, victims: Events, suspensions: Events) -> None:
    """Decay the remembered counts, then add this month's events."""
    n = c.person.size
    serious = SERIOUS[offences.category]
    s.serious *= DECAY_YEAR
    s.any_offence *= DECAY_YEAR
    s.victim *= DECAY_YEAR
    s.suspended *= DECAY_HALF_YEAR
    s.serious += np.bincount(offences.row[serious], minlength=n).astype(np.float32)
    s.any_offence += np.bincount(offences.row, minlength=n).astype(np.float32)
    s.victim += np.bincount(victims.row[SERIOUS[victims.category]], minlength=n).astype(np.float32)
    s.suspended += np.bincount(suspensions.row, minlength=n).astype(np.float32)
    if c.n_groups:
        own = np.concatenate([offences.row[serious], victims.row[SERIOUS[victims.category]]])
        own = own[c.group[own] >= 0]
        per_group = np.bincount(c.group[own], minlength=c.n_groups).astype(np.float32)
        attacks = np.bincount(
            c.rivalries[:, 1], weights=per_group[c.rivalries[:, 0]], minlength=c.n_groups
        ).astype(np.float32)
        s.heat = s.heat * DECAY_HEAT + per_group + 0.5 * attacks


def step(
    rng: np.random.Generator,
    h: Hazards,
    c: Cohort,
    s: State,
    m: Month,
    *,
    observe: bool,
    crime_base: int = 0,
) -> StepResult:
    """Simulate one month for every row, updating `s` in place.

    Args:
        rng: random generator.
        h: hazard coefficients.
        c: static facts about the rows.
        s: state at the start of the month; updated to the state at its end.
        m: the month.
        observe: also draw events that do not feed back (health, referrals,
            intelligence, attendance records); the oracle skips them.
        crime_base: first crime number to use this month.

    Returns:
        The month's events, each row's hazard of a recorded serious event of its own
        and whether it was recorded as a co-offender in serious violence.
    """
    mid = m.start + 15
    age = ((mid - c.dob) / 365.25).astype(np.float32)
    academic_age = (m.september - 1 - c.dob) // 365.25
    active = s.present & (age >= 8.0)
    in_group = (c.group >= 0) & (c.group_join <= mid) & (mid < c.group_leave) & active
    police, hazard, co_hit = crime_and_policing(rng, h, c, s, m, age, active, in_group, crime_base)
    offences, victims = police[0], police[1]
    free = active & ~(s.custody_until > m.index)
    school, attendance = _school(rng, h, c, s, m, academic_age, free, observe)
    events = police + school
    if observe:
        events += _observations(rng, h, c, s, age, active, in_group, victims)
    events += _transitions(rng, h, c, s, age, academic_age, active, free, victims)
    suspensions = school[0] if school else Events.of(np.zeros(0, dtype=np.int64), Kind.SUSPENSION)
    _update_state(c, s, offences, victims, suspensions)
    return StepResult(Events.concat(events), hazard, co_hit, attendance)
