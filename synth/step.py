"""One month of life history for every simulated row, vectorised over rows.

The same step drives the world's history and the oracle's re-simulated futures, so
the oracle's risk is the generator's own risk, not an approximation of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.model import (
    ARREST_SHARE,
    ED_SHARE,
    OFFENCE_RECORDED,
    SERIOUS,
    VICTIM_RECORDED,
    Category,
    Cohort,
    Events,
    Kind,
    State,
)
from synth.params import Hazards

DECAY_YEAR = 0.5 ** (1 / 12)  # half-life of twelve months
DECAY_HALF_YEAR = 0.5 ** (1 / 6)
DECAY_HEAT = 0.5 ** (1 / 2.5)  # group heat fades over about 125 days
SESSIONS = np.array([0, 36, 32, 40, 26, 36, 40, 30, 0, 30, 36, 40, 30])  # by calendar month


@dataclass(frozen=True)
class Month:
    """The calendar facts of one step."""

    index: int
    start: int  # day number, inclusive
    end: int  # day number, exclusive
    month: int  # calendar month of the step's middle
    september: int  # day number of the 1 September that starts the school year


@dataclass
class StepResult:
    events: Events
    outcome_hazard: np.ndarray  # probability of a recorded serious event of the row's own doing
    outcome_co: np.ndarray  # recorded serious involvement as a co-offender this step
    attendance: tuple[np.ndarray, ...] | None  # row, possible, attended, unauthorised


def _draw_categories(
    rng: np.random.Generator, rows: np.ndarray, profile: np.ndarray, table: np.ndarray
) -> np.ndarray:
    cumulative = np.cumsum(table[profile[rows]], axis=1)
    u = rng.random(rows.size)
    drawn: np.ndarray = (u[:, None] > cumulative).sum(axis=1).astype(np.int8)
    return drawn


def _mix_table(weights: list[list[float]]) -> np.ndarray:
    table = np.array(weights, dtype=np.float64)
    normalised: np.ndarray = table / table.sum(axis=1, keepdims=True)
    return normalised


# Category mixes by profile = 2 * knife carrier + active group member.
OFFENCE_MIX = _mix_table(
    [
        [0.008, 0.30, 0.004, 0.30, 0.35],
        [0.023, 0.36, 0.004, 0.30, 0.35],
        [0.058, 0.30, 0.024, 0.30, 0.35],
        [0.073, 0.36, 0.024, 0.30, 0.35],
    ]
)
VICTIM_MIX = _mix_table(
    [
        [0.008, 0.42, 0.0, 0.54, 0.0],
        [0.048, 0.42, 0.0, 0.54, 0.0],
        [0.008, 0.42, 0.0, 0.54, 0.0],
        [0.048, 0.42, 0.0, 0.54, 0.0],
    ]
)


def _recorded_serious(
    table: np.ndarray, recorded: np.ndarray, profile: np.ndarray, intensity: np.ndarray
) -> np.ndarray:
    """Share of a row's events that are serious and recorded, given its policing intensity."""
    serious = np.flatnonzero(SERIOUS & (recorded > 0))
    if intensity.min() == intensity.max():  # no recording bias: one value per profile
        scalar = float(intensity[0]) if intensity.size else 1.0
        per_profile = (table[:, serious] * np.minimum(recorded[serious] * scalar, 0.98)).sum(axis=1)
        shares: np.ndarray = per_profile.astype(np.float32)[profile]
        return shares
    out = np.zeros(profile.size, dtype=np.float32)
    for cat in serious:
        out += table[:, cat].astype(np.float32)[profile] * np.minimum(recorded[cat] * intensity, 0.98)
    return out


def _age_curves(age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Age-crime curves: offending peaks at 18 (none before 10), victimisation at 19."""
    offend = np.where(age >= 10, np.exp(-0.5 * ((age - 18.0) / 4.2) ** 2) + 0.04, 0.0)
    victim = np.exp(-0.5 * ((age - 19.0) / 5.5) ** 2) + 0.05
    return offend, victim


def _offence_rate(
    h: Hazards, c: Cohort, s: State, age_curve: np.ndarray, in_group: np.ndarray, heat: np.ndarray
) -> np.ndarray:
    log_rate = (
        np.log(h.offend_base)
        + h.offend_beta_z * c.z
        + np.log(h.offend_male_hr) * c.male
        + np.log(h.offend_dep_hr) * c.deprivation
        + np.log(h.offend_prior_violence_hr) * np.minimum(s.serious, 2.0)
        + np.log(h.offend_prior_any_hr) * np.minimum(s.any_offence, 3.0)
        + np.log(h.offend_victim_hr) * np.minimum(s.victim, 1.5)
        + np.log(h.offend_suspended_hr) * (s.suspended > 0.3)
        + np.log(h.offend_excluded_hr) * s.excluded
        + np.log(h.offend_absence_hr) * (s.absence > 0.1)
        + np.log(h.offend_neet_hr) * s.neet
        + np.log(h.offend_substance_hr) * c.substance_misuse
        + np.log(h.offend_looked_after_hr) * c.looked_after
        + np.log(h.offend_group_hr) * in_group
    )
    rate: np.ndarray = np.exp(log_rate) * age_curve * heat
    return rate


def _victim_rate(
    h: Hazards, c: Cohort, s: State, age_curve: np.ndarray, in_group: np.ndarray, heat: np.ndarray
) -> np.ndarray:
    log_rate = (
        np.log(h.victim_base)
        + h.victim_beta_z * c.z
        + np.log(h.victim_male_hr) * c.male
        + np.log(h.victim_dep_hr) * c.deprivation
        + np.log(h.victim_offender_hr) * np.minimum(s.serious + 0.3 * s.any_offence, 1.5)
        + np.log(h.victim_repeat_hr) * np.minimum(s.victim, 1.5)
        + np.log(h.victim_group_hr) * in_group
    )
    rate: np.ndarray = np.exp(log_rate) * age_curve * heat
    return rate


def _co_offenders(
    rng: np.random.Generator, h: Hazards, c: Cohort, offences: Events, members: np.ndarray
) -> Events:
    """Group members who join an offence committed by another member of their group."""
    lead = offences.row
    eligible = (c.group[lead] >= 0) & (offences.category != Category.WEAPON) & np.isin(lead, members)
    slots = eligible.astype(np.int64) * (
        (rng.random(lead.size) < h.co_offend_share).astype(np.int64)
        + (rng.random(lead.size) < h.co_offend_share * 0.3)
    )
    which = np.repeat(np.arange(lead.size), slots)
    if which.size == 0:
        return Events.of(np.zeros(0, dtype=np.int64), Kind.OFFENCE)
    by_group = members[np.argsort(c.group[members], kind="stable")]
    counts = np.bincount(c.group[members], minlength=c.n_groups)
    starts = np.cumsum(counts) - counts
    g = c.group[lead[which]]
    pick = by_group[starts[g] + (rng.random(which.size) * counts[g]).astype(np.int64)]
    keep = pick != lead[which]
    which, pick = which[keep], pick[keep]
    recorded = offences.recorded[which] & (rng.random(which.size) < h.co_offender_identified)
    return Events.of(pick, Kind.OFFENCE, offences.category[which], recorded, offences.crime[which], value=1)


def _police(
    rng: np.random.Generator,
    h: Hazards,
    c: Cohort,
    s: State,
    m: Month,
    age: np.ndarray,
    active: np.ndarray,
    in_group: np.ndarray,
    crime_base: int,
) -> tuple[list[Events], np.ndarray, np.ndarray]:
    """Offences, victimisations, stop and search, co-offending, arrests and custody."""
    offend_age, victim_age = _age_curves(age)
    group_heat = ((1.0 + s.heat) ** h.heat_exponent).astype(np.float32)
    heat = np.where(in_group, group_heat[np.maximum(c.group, 0)], np.float32(1.0))
    custody = s.custody_until > m.index
    offend = _offence_rate(h, c, s, offend_age, in_group, heat) * np.where(custody, 0.05, 1.0) * active
    victim = _victim_rate(h, c, s, victim_age, in_group, heat) * np.where(custody, 0.3, 1.0) * active
    search = (
        h.stop_search_base
        * offend_age
        * np.exp(0.6 * c.z + 1.1 * c.male + 1.2 * c.knife_carrier)
        * c.intensity
        * active
        * ~custody
    )
    found_p = np.where(c.knife_carrier, h.weapon_found_carrier, h.weapon_found_other)
    profile = 2 * c.knife_carrier.astype(np.int8) + in_group
    own_serious = (
        offend * _recorded_serious(OFFENCE_MIX, OFFENCE_RECORDED, profile, c.intensity)
        + victim * _recorded_serious(VICTIM_MIX, VICTIM_RECORDED, profile, c.intensity)
        + search * found_p
    )
    outcome_hazard = 1.0 - np.exp(-own_serious)

    n_off = rng.poisson(offend)
    off_rows = np.repeat(np.arange(n_off.size), n_off)
    off_cat = _draw_categories(rng, off_rows, profile, OFFENCE_MIX)
    off_rec = rng.random(off_rows.size) < np.minimum(OFFENCE_RECORDED[off_cat] * c.intensity[off_rows], 0.98)
    n_search = rng.poisson(search)
    ss_rows = np.repeat(np.arange(n_search.size), n_search)
    found = rng.random(ss_rows.size) < found_p[ss_rows]
    weapon_rows = ss_rows[found]
    off_rows = np.concatenate([off_rows, weapon_rows])
    off_cat = np.concatenate([off_cat, np.full(weapon_rows.size, Category.WEAPON, dtype=np.int8)])
    off_rec = np.concatenate([off_rec, np.ones(weapon_rows.size, dtype=bool)])
    crimes = crime_base + np.arange(off_rows.size)
    offences = Events.of(off_rows, Kind.OFFENCE, off_cat, off_rec, crimes)
    members = np.flatnonzero(in_group & active & ~custody)
    co = _co_offenders(rng, h, c, offences, members)
    everyone = Events.concat([offences, co])

    n_vic = rng.poisson(victim)
    vic_rows = np.repeat(np.arange(n_vic.size), n_vic)
    vic_cat = _draw_categories(rng, vic_rows, profile, VICTIM_MIX)
    homicide = SERIOUS[vic_cat] & (rng.random(vic_rows.size) < h.homicide_share_of_serious_victimisation)
    vic_rec = homicide | (
        rng.random(vic_rows.size) < np.minimum(VICTIM_RECORDED[vic_cat] * c.intensity[vic_rows], 0.98)
    )
    victims = Events.of(
        vic_rows,
        Kind.VICTIMISATION,
        vic_cat,
        vic_rec,
        crime=crime_base + off_rows.size + np.arange(vic_rows.size),
        value=homicide.astype(np.int64),
    )
    searches = Events.of(ss_rows, Kind.STOP_SEARCH, value=found.astype(np.int64))

    arrested = everyone.recorded & (rng.random(everyone.row.size) < ARREST_SHARE[everyone.category])
    arrests = Events.of(
        everyone.row[arrested],
        Kind.ARREST,
        everyone.category[arrested],
        crime=everyone.crime[arrested],
    )
    held = arrested & SERIOUS[everyone.category] & (rng.random(everyone.row.size) < h.custody_share)
    held_rows, first = np.unique(everyone.row[held], return_index=True)
    months = 1 + rng.geometric(1.0 / h.custody_mean_months, held_rows.size)
    s.custody_until[held_rows] = np.maximum(s.custody_until[held_rows], m.index + 1 + months)
    custodies = Events.of(
        held_rows,
        Kind.CUSTODY,
        everyone.category[held][first],
        crime=everyone.crime[held][first],
        value=months,
    )
    co_hit = np.zeros(c.person.size, dtype=bool)
    co_hit[co.row[co.recorded & SERIOUS[co.category]]] = True
    return [everyone, victims, searches, arrests, custodies], outcome_hazard, co_hit


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
    police, hazard, co_hit = _police(rng, h, c, s, m, age, active, in_group, crime_base)
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
