"""One month of crime and policing: offences, victims, stop and search, co-offenders, arrests, custody."""

from __future__ import annotations

import numpy as np

from synth.model import (
    ARREST_SHARE,
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
from synth.timeline import Month


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


def crime_and_policing(
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
    # a search that found a weapon carries the crime number of the possession offence it led to
    search_crime = np.full(ss_rows.size, -1, dtype=np.int64)
    search_crime[found] = crimes[off_rows.size - weapon_rows.size :]
    searches = Events.of(ss_rows, Kind.STOP_SEARCH, crime=search_crime, value=found.astype(np.int64))

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
