"""Network features: the people someone offended with, their harm, and violence done to them.

Co-offenders are other suspects of the same crime (crime reference) in the last two years.
Exposure to a co-offender's recent serious-violence victimisation (about 125 days) is among the
strongest known predictors of being shot or stabbed (Papachristos and colleagues).
"""

from __future__ import annotations

import polars as pl

from data_contracts.reference import reference_table
from features.counting import KEY
from features.events import Events, known

NETWORK_DAYS = 730
EXPOSURE_DAYS = 125


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
