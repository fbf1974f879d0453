"""How each agency sees a person: its own registration, spelling, errors and addresses.

An agency registers a person once (a police nominal, a pupil record, an NHS patient)
and every row it sends repeats that registration, so identity noise is mostly shared
by an agency's rows, as in real extracts. A few people are registered twice (a second
police nominal, a new UPN, a temporary NHS number), each with independent errors.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synth import date_slips, noise

# Identity-noise rates at noise = 1 (calibration notes, section 7, and S55/S57)
FORENAME_VARIANT = 0.03
SURNAME_ERROR = 0.02
DOB_ERROR = 0.003
SEX_ERROR = 0.001
STALE_POSTCODE = 0.15  # the row carries an address the person has since left


def registrations(
    rng: np.random.Generator,
    people: pl.DataFrame,
    persons: np.ndarray,
    noise_level: float,
    duplicate_rate: float,
) -> pl.DataFrame:
    """Each listed person's registration(s) with an agency, with identity errors.

    Args:
        rng: random generator.
        people: ground-truth people.
        persons: true_person_id of everyone the agency holds records about.
        noise_level: multiplier on every noise rate.
        duplicate_rate: share of persons registered twice (before the multiplier).

    Returns:
        true_person_id, registration (0, or 1 for a duplicate), forename, middle_name,
        surname, dob (date) and sex as the agency holds them.
    """
    persons = np.unique(persons)
    twice = persons[rng.random(persons.size) < min(1.0, duplicate_rate * noise_level)]
    ids = np.concatenate([persons, twice])
    registration = np.concatenate([np.zeros(persons.size, np.int8), np.ones(twice.size, np.int8)])
    truth = pl.DataFrame({"true_person_id": ids, "registration": registration}).join(
        people.select("true_person_id", "forename", "middle_name", "surname", "dob_day", "sex"),
        on="true_person_id",
        how="left",
    )
    n = truth.height

    def chance(rate: float) -> np.ndarray:
        return rng.random(n) < min(1.0, rate * noise_level)

    forename = noise.use_nicknames(truth["forename"].to_numpy().astype(str), chance(FORENAME_VARIANT), rng)
    surname = noise.add_typos(truth["surname"].to_numpy().astype(str), chance(SURNAME_ERROR), rng)
    dob = truth["dob_day"].to_numpy().astype("datetime64[D]")
    dob_error = chance(DOB_ERROR)
    swap = dob_error & (rng.random(n) < 0.5)
    dob = date_slips.swap_day_month(dob, swap, rng)
    dob = date_slips.shift_birth_year(dob, dob_error & ~swap & (rng.random(n) < 0.5), rng)
    off_by_day = dob_error & ~swap
    dob = dob + np.where(off_by_day & (rng.random(n) < 0.5), 1, 0).astype("timedelta64[D]")
    sex = truth["sex"].to_numpy().astype(str)
    flip = chance(SEX_ERROR)
    sex = np.where(flip, np.where(rng.random(n) < 0.5, "U", np.where(sex == "M", "F", "M")), sex)
    return truth.with_columns(
        pl.Series("forename", forename, dtype=pl.String),
        pl.Series("surname", surname, dtype=pl.String),
        pl.Series("dob", dob).cast(pl.Date),
        pl.Series("sex", sex, dtype=pl.String),
    ).select("true_person_id", "registration", "forename", "middle_name", "surname", "dob", "sex")


def attach_identity(
    rng: np.random.Generator,
    rows: pl.DataFrame,
    regs: pl.DataFrame,
    people: pl.DataFrame,
    addresses: pl.DataFrame,
    moved: pl.DataFrame,
    noise_level: float,
    duplicate_share: float = 0.4,
) -> pl.DataFrame:
    """Add the agency's identity columns and the postcode at the time of each row.

    Args:
        rng: random generator.
        rows: must have `true_person_id` and `event_date` (Date).
        regs: the agency's registrations (see `registrations`), with any id columns.
        people: ground-truth people (for household).
        addresses: household address history.
        moved: true_person_id, from_day and postcode of people who left the area: their
            address from then on, instead of their household's.
        noise_level: multiplier on the stale-address rate.
        duplicate_share: share of a twice-registered person's rows under the second one.

    Returns:
        `rows` with the registration's columns and `postcode` added.
    """
    n = rows.height
    pick = (rng.random(n) < duplicate_share).astype(np.int8)
    has_second = regs.filter(pl.col("registration") == 1).select("true_person_id")
    rows = rows.with_columns(pl.Series("_pick", pick)).with_columns(
        pl.when(pl.col("true_person_id").is_in(has_second["true_person_id"].implode()))
        .then(pl.col("_pick"))
        .otherwise(0)
        .cast(pl.Int8)
        .alias("registration")
    )
    stale = rng.random(n) < min(1.0, STALE_POSTCODE * noise_level)
    lookup_day = rows["event_date"].cast(pl.Int64).to_numpy() - np.where(stale, 365, 0)
    keyed = (
        rows.with_row_index("_row")
        .join(people.select("true_person_id", "household_id"), on="true_person_id", how="left")
        .with_columns(pl.Series("_day", lookup_day))
        .sort("_day")
    )
    located = keyed.join_asof(
        addresses.sort("from_day").rename({"from_day": "_day"}).select("household_id", "_day", "postcode"),
        on="_day",
        by="household_id",
        strategy="backward",
        check_sortedness=False,
    )  # both sides are sorted on _day above
    located = located.join_asof(
        moved.sort("from_day").select(
            "true_person_id", pl.col("from_day").alias("_day"), pl.col("postcode").alias("_away")
        ),
        on="_day",
        by="true_person_id",
        strategy="backward",
        check_sortedness=False,
    ).with_columns(pl.coalesce("_away", "postcode").alias("postcode"))
    return (
        located.sort("_row")
        .drop("_row", "_day", "_pick", "household_id", "_away")
        .join(regs, on=["true_person_id", "registration"], how="left")
    )
