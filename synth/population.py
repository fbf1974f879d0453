"""The people of the synthetic area: households, latent traits, groups and addresses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from synth import geography
from synth.names import draw_forenames, draw_surnames, pool_for_ethnicity
from synth.params import WorldParams
from synth.timeline import Timeline, day_number

SHARE_PER_YEAR_OF_AGE = 0.0132  # 15.8% of residents aged 14-25 (West Midlands, Census 2021)
YOUNGEST, OLDEST = 8, 31  # ages simulated in detail
GROUP_SIZE = 12
WHITE_CODES = np.array(["W1", "W5", "W2", "W3", "W4"])
WHITE_P = np.array([0.90, 0.07, 0.02, 0.006, 0.004])
MINORITY_CODES = np.array(
    ["A2", "A1", "A3", "A5", "A4", "B2", "B1", "B3", "M1", "M2", "M3", "M4", "O1", "O2"]
)
MINORITY_P = np.array([0.26, 0.12, 0.06, 0.04, 0.03, 0.10, 0.07, 0.03, 0.08, 0.03, 0.04, 0.03, 0.04, 0.07])


@dataclass(frozen=True)
class Population:
    """Static facts about the world, decided before any life history is simulated."""

    people: pl.DataFrame
    neighbourhoods: pl.DataFrame
    schools: pl.DataFrame
    n_groups: int
    rivalries: np.ndarray  # (n, 2) group-id pairs, both directions
    addresses: pl.DataFrame  # household_id, from_day, neighbourhood_id, postcode


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out


def _households(rng: np.random.Generator, params: WorldParams, timeline: Timeline) -> tuple[np.ndarray, ...]:
    """Children of each household: (household index, date of birth as day number, twin flag)."""
    first_dob = day_number(timeline.start_date) - int(365.25 * (OLDEST + 1))
    last_dob = day_number(timeline.end_date) - int(365.25 * YOUNGEST)
    years = (last_dob - first_dob) / 365.25
    target = params.residents * SHARE_PER_YEAR_OF_AGE * years
    kids_per_household = rng.choice([1, 2, 3], size=int(target / 1.65 * 1.15) + 10, p=[0.5, 0.35, 0.15])
    household = np.repeat(np.arange(kids_per_household.size), kids_per_household)
    position = np.arange(household.size) - np.repeat(
        np.cumsum(kids_per_household) - kids_per_household, kids_per_household
    )
    twin = (position > 0) & (rng.random(household.size) < 0.02)
    gap_days = np.where(
        position == 0, 0, (365.25 * (1 + rng.gamma(2.0, 0.8, household.size))).astype(np.int64)
    )
    gap_days[twin] = 0
    starts = np.cumsum(kids_per_household) - kids_per_household
    cumulative = np.cumsum(gap_days)
    offset = cumulative - np.repeat(cumulative[starts], kids_per_household)
    start = rng.integers(first_dob - 365 * 4, last_dob, size=kids_per_household.size)
    dob = np.repeat(start, kids_per_household) + offset
    keep = (dob >= first_dob) & (dob < last_dob)
    household, dob, twin = household[keep], dob[keep], twin[keep]
    keep_n = int(round(target))
    if household.size > keep_n:  # trim whole households from the end to hit the target size
        household, dob, twin = household[:keep_n], dob[:keep_n], twin[:keep_n]
    _, household = np.unique(household, return_inverse=True)
    return household, dob, twin


def _ethnicity(rng: np.random.Generator, minority_share: np.ndarray) -> np.ndarray:
    minority = rng.random(minority_share.size) < minority_share
    white = rng.choice(WHITE_CODES, size=minority_share.size, p=WHITE_P)
    other = rng.choice(MINORITY_CODES, size=minority_share.size, p=MINORITY_P / MINORITY_P.sum())
    return np.where(minority, other, white)


def _traits(
    rng: np.random.Generator,
    household_latent: np.ndarray,
    male: np.ndarray,
    deprivation: np.ndarray,
) -> dict[str, np.ndarray]:
    """Latent traits: general propensity z and binary traits that drive hazards."""
    n = male.size
    z = 0.55 * household_latent + 0.835 * rng.standard_normal(n)
    u = rng.random((6, n))
    sen_score = _sigmoid(-1.9 + 0.5 * z + 0.4 * male)
    sen = np.where(u[0] < 0.048 / 0.18 * sen_score, 2, np.where(u[0] < sen_score, 1, 0))
    return {
        "z": z.astype(np.float32),
        "knife_carrier": u[1] < _sigmoid(-4.6 + 1.1 * z + 1.6 * male + 0.8 * deprivation),
        "substance_misuse": u[2] < _sigmoid(-3.0 + 0.8 * z),
        "mental_health_need": u[3] < _sigmoid(-2.7 + 0.6 * z),
        "sen": sen.astype(np.int8),  # 0 none, 1 SEN support, 2 EHCP
        "looked_after": u[4] < _sigmoid(-5.6 + 0.9 * z + 1.2 * deprivation),
        "group_prone": u[5] < _sigmoid(-6.4 + 1.4 * z + 1.6 * male + 1.6 * deprivation),
    }


def _groups(
    rng: np.random.Generator, prone: np.ndarray, district_idx: np.ndarray, dob: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Assign group-prone people to street groups within their district, with rivals.

    Returns:
        (group id per person or -1, join day, leave day, rivalry pairs).
    """
    n = prone.size
    group = np.full(n, -1, dtype=np.int32)
    members = np.flatnonzero(prone)
    districts = district_idx[members]
    order = np.lexsort((rng.random(members.size), districts))
    members, districts = members[order], districts[order]
    uniq, first, counts = np.unique(districts, return_index=True, return_counts=True)
    groups_in = np.maximum(1, np.round(counts / GROUP_SIZE)).astype(np.int64)
    group_offset = np.cumsum(groups_in) - groups_in
    rank = np.arange(members.size) - np.repeat(first, counts)
    group[members] = (np.repeat(group_offset, counts) + rank % np.repeat(groups_in, counts)).astype(np.int32)
    join = dob + (365.25 * rng.uniform(12.5, 16.5, n)).astype(np.int64)
    leave = dob + (365.25 * rng.uniform(21.0, 27.0, n)).astype(np.int64)
    n_groups = int(groups_in.sum())
    group_district = np.repeat(uniq, groups_in)
    # each group feuds with one or two groups from other districts (nearby in the ordering)
    pairs = []
    for shift in (1, 2):
        partner = (np.arange(n_groups) + shift * max(1, n_groups // 7) + 1) % n_groups
        take = (group_district != group_district[partner]) & (
            rng.random(n_groups) < (1.0 if shift == 1 else 0.5)
        )
        pairs.append(np.stack([np.arange(n_groups)[take], partner[take]], axis=1))
    rivalries = np.concatenate(pairs) if n_groups > 1 else np.zeros((0, 2), dtype=np.int64)
    rivalries = np.unique(np.concatenate([rivalries, rivalries[:, ::-1]]), axis=0)
    return group, join, leave, rivalries


def _addresses(
    rng: np.random.Generator,
    params: WorldParams,
    timeline: Timeline,
    home: np.ndarray,
    nbhd: pl.DataFrame,
) -> pl.DataFrame:
    """Address history per household: an initial address, then moves within the area."""
    n = home.size
    start = day_number(timeline.start_date) - 365
    span = day_number(timeline.end_date) - start
    moves = rng.poisson(params.hazards.household_move_per_year * span / 365.25, n)
    household = np.concatenate([np.arange(n), np.repeat(np.arange(n), moves)])
    from_day = np.concatenate([np.full(n, -100_000), start + rng.integers(0, span, int(moves.sum()))])
    district = nbhd["district"].to_numpy()
    same = rng.random(household.size) < 0.7
    candidate = rng.integers(0, nbhd.height, household.size)
    # a move goes to the same neighbourhood or another one in the same district where one exists
    in_district = district[candidate] == district[home[household]]
    neighbourhood = np.where(same | ~in_district, home[household], candidate)
    postcode = geography.draw_postcodes(rng, nbhd, neighbourhood)
    return pl.DataFrame(
        {
            "household_id": household.astype(np.int32),
            "from_day": from_day.astype(np.int64),
            "neighbourhood_id": neighbourhood.astype(np.int32),
            "postcode": postcode,
        }
    ).sort("household_id", "from_day")


def _adult_co_offenders(rng: np.random.Generator, n_groups: int, timeline: Timeline) -> dict[str, np.ndarray]:
    """Older associates (32-45) who appear only as co-offenders of a group."""
    per_group = rng.binomial(2, 0.5, n_groups)
    group = np.repeat(np.arange(n_groups), per_group).astype(np.int32)
    end = day_number(timeline.end_date)
    dob = end - (365.25 * rng.uniform(32, 45, group.size)).astype(np.int64)
    return {"group_id": group, "dob": dob}


def build_population(rng: np.random.Generator, params: WorldParams, timeline: Timeline) -> Population:
    """Draw every resident simulated in detail, plus adult co-offenders.

    Args:
        rng: random generator (the only source of randomness).
        params: world parameters.
        timeline: the month grid.

    Returns:
        The population with neighbourhoods, schools, groups, rivalries and addresses.
    """
    nbhd = geography.build_neighbourhoods(rng, params.residents)
    schools, primary_of, secondary_of = geography.build_schools(rng, nbhd)
    household, dob, twin = _households(rng, params, timeline)
    n_households = int(household.max()) + 1
    home = rng.integers(0, nbhd.height, n_households)
    hh_latent = rng.standard_normal(n_households)
    hh_ethnicity = _ethnicity(rng, nbhd["minority_share"].to_numpy()[home])
    hh_pool = pool_for_ethnicity(rng, hh_ethnicity)
    hh_surname = draw_surnames(rng, hh_pool)
    nb = home[household]
    deprivation = ((10 - nbhd["deprivation_decile"].to_numpy()) / 9.0)[nb]
    n = household.size
    male = rng.random(n) < 0.51
    sex = np.where(male, "M", "F")
    pool = hh_pool[household]
    traits = _traits(rng, hh_latent[household], male, deprivation)
    _, district_idx = np.unique(nbhd["district"].to_numpy(), return_inverse=True)
    group, join, leave, rivalries = _groups(rng, traits.pop("group_prone"), district_idx[nb], dob)
    n_groups = int(group.max()) + 1 if (group >= 0).any() else 0
    adults = _adult_co_offenders(rng, n_groups, timeline)
    people = pl.DataFrame(
        {
            "true_person_id": np.arange(n, dtype=np.int64),
            "household_id": household.astype(np.int32),
            "simulated_in_detail": np.ones(n, dtype=bool),
            "forename": draw_forenames(rng, sex, pool),
            "middle_name": np.where(rng.random(n) < 0.4, draw_forenames(rng, sex, pool), ""),
            "surname": hh_surname[household],
            "dob_day": dob.astype(np.int64),
            "twin": twin,
            "sex": sex,
            "ethnicity": hh_ethnicity[household],
            "neighbourhood_id": nb.astype(np.int32),
            "deprivation": deprivation.astype(np.float32),
            "primary_school_id": primary_of[nb].astype(np.int32),
            "secondary_school_id": secondary_of[nb].astype(np.int32),
            **traits,
            "group_id": group,
            "group_join_day": np.where(group >= 0, join, -1),
            "group_leave_day": np.where(group >= 0, leave, -1),
        }
    )
    people = pl.concat([people, _adult_frame(rng, adults, nbhd, n, n_households)], how="diagonal_relaxed")
    addresses = _addresses(
        rng,
        params,
        timeline,
        np.concatenate([home, rng.integers(0, nbhd.height, adults["group_id"].size)]),
        nbhd,
    )
    return Population(people, nbhd, schools, n_groups, rivalries, addresses)


def _adult_frame(
    rng: np.random.Generator,
    adults: dict[str, np.ndarray],
    nbhd: pl.DataFrame,
    first_id: int,
    first_household: int,
) -> pl.DataFrame:
    m = adults["group_id"].size
    ethnicity = _ethnicity(rng, nbhd["minority_share"].to_numpy()[rng.integers(0, nbhd.height, m)])
    pool = pool_for_ethnicity(rng, ethnicity)
    sex = np.full(m, "M")
    return pl.DataFrame(
        {
            "true_person_id": np.arange(first_id, first_id + m, dtype=np.int64),
            "household_id": np.arange(first_household, first_household + m, dtype=np.int32),
            "simulated_in_detail": np.zeros(m, dtype=bool),
            "forename": draw_forenames(rng, sex, pool),
            "middle_name": np.full(m, ""),
            "surname": draw_surnames(rng, pool),
            "dob_day": adults["dob"].astype(np.int64),
            "twin": np.zeros(m, dtype=bool),
            "sex": sex,
            "ethnicity": ethnicity,
            "group_id": adults["group_id"],
        }
    )
