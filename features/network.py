"""Network features: the people someone offended with, their harm, and violence done to them.

Co-offenders are other suspects of the same crime (crime reference) in the last two years.
Exposure to a co-offender's recent serious-violence victimisation (about 125 days) is among the
strongest known predictors of being shot or stabbed (Papachristos and colleagues).
"""

from __future__ import annotations

import polars as pl

from data_contracts.reference import reference_table
from features.counting import KEY
from features.events import Events, known, within

NETWORK_DAYS = 730
EXPOSURE_DAYS = 125
GROUP_WINDOWS = {"125d": 125, "365d": 365}


def co_offending(events: Events) -> pl.DataFrame:
    """Each suspect paired with every other suspect of the same crime; known once both were recorded."""
    suspects = events.occurrences.filter(pl.col("role") == "suspect").select(
        "person_id", "crime_ref", "event_date", "recorded_date"
    )
    return (
        suspects.join(suspects, on="crime_ref", suffix="_co")
        .filter(pl.col("person_id") != pl.col("person_id_co"))
        .select(
            "person_id",
            pl.col("person_id_co").alias("co_offender"),
            pl.min_horizontal("event_date", "event_date_co").alias("event_date"),
            pl.max_horizontal("recorded_date", "recorded_date_co").alias("recorded_date"),
        )
    )


def network_features(events: Events, grid: pl.DataFrame, suspect: pl.DataFrame) -> pl.DataFrame:
    """Co-offenders in the last two years, their harm, and how many were recent victims of serious violence.

    Args:
        events: all events.
        grid: the as_of dates.
        suspect: suspect features of everyone at those dates (features.police.suspect_features).
    """
    links = known(co_offending(events), grid, NETWORK_DAYS).select(*KEY, "co_offender").unique()
    harm = suspect.select(pl.col("person_id").alias("co_offender"), "as_of", "police_harm_730d")
    codes = reference_table("offence_codes").select("ho_code", "serious_violence")
    victims = (
        known(events.occurrences.filter(pl.col("role") == "victim"), grid, EXPOSURE_DAYS)
        .join(codes.filter(pl.col("serious_violence")), on="ho_code")
        .select(pl.col("person_id").alias("co_offender"), "as_of", pl.lit(True).alias("recent_victim"))
        .unique()
    )
    return (
        links.join(harm, on=["co_offender", "as_of"], how="left")
        .join(victims, on=["co_offender", "as_of"], how="left")
        .group_by(KEY)
        .agg(
            pl.col("co_offender").n_unique().cast(pl.Int64).alias("network_co_offenders_730d"),
            pl.col("police_harm_730d").fill_null(0.0).sum().alias("network_co_offender_harm_730d"),
            pl.col("recent_victim")
            .fill_null(False)
            .sum()
            .cast(pl.Int64)
            .alias("network_co_offenders_sv_victims_125d"),
        )
    )


def group_exposure_features(events: Events, grid: pl.DataFrame) -> pl.DataFrame:
    """Serious violence recorded against or by members of the groups intelligence names someone in.

    A group's members at as_of are the people police intelligence known by then names in it; its
    serious violence is every known occurrence (suspect or victim) with a serious-violence code of
    any of them in the window, counted once per crime and group (their own included: a feud's
    heat falls on the whole group). Someone named in several groups gets the sum.

    Args:
        events: all events.
        grid: the as_of dates.

    Returns:
        person_id, as_of, police_group_serious_violence_125d and _365d, for people named in a group.
    """
    members = (
        known(events.intelligence.filter(pl.col("group_name").is_not_null()), grid)
        .select(*KEY, "group_name")
        .unique()
    )
    codes = reference_table("offence_codes").select("ho_code", "serious_violence")
    violence = (
        known(events.occurrences, grid, max(GROUP_WINDOWS.values()))
        .join(codes.filter(pl.col("serious_violence")), on="ho_code")
        .join(members, on=KEY)
        .select("group_name", "as_of", "crime_ref", "event_date")
        .unique(["group_name", "as_of", "crime_ref"])
    )
    per_group = violence.group_by("group_name", "as_of").agg(
        within(days).sum().alias(f"police_group_serious_violence_{name}")
        for name, days in GROUP_WINDOWS.items()
    )
    names = [f"police_group_serious_violence_{name}" for name in GROUP_WINDOWS]
    return (
        members.join(per_group, on=["group_name", "as_of"], how="left")
        .group_by(KEY)
        .agg(pl.col(name).fill_null(0).sum().cast(pl.Int64) for name in names)
    )
