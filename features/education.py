"""Education features: attendance, persistent absence, suspensions and exclusions, and NEET."""

from __future__ import annotations

import polars as pl

from data_contracts.reference import reference_table
from features.counting import KEY, Count, count_events, windowed
from features.events import Events, known

PERSISTENT_ABSENCE_BELOW = 90.0
"""DfE: a pupil missing 10% or more of possible sessions is persistently absent."""


def exclusion_counts() -> list[Count]:
    suspension, permanent = pl.col("category") == "SUSP", pl.col("category") == "PERM"
    return [
        *windowed("education_suspensions", suspension, ("365d", "ever")),
        *windowed("education_violent_suspensions", suspension & pl.col("violent"), ("365d", "ever")),
        *windowed("education_permanent_exclusions", permanent, ("ever",)),
        *windowed("education_violent_permanent_exclusions", permanent & pl.col("violent"), ("ever",)),
    ]


LATEST_TERM = pl.col("event_date") == pl.col("event_date").max()


def education_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Attendance (latest term and last year, in percent), persistent absence, exclusions and NEET."""
    terms = known(events.attendance, grid, 365)
    last_year = (
        terms.group_by(KEY)
        .agg(
            (100 * pl.col("sessions_attended").sum() / pl.col("sessions_possible").sum()).alias(
                "education_attendance_365d"
            ),
            # every record of the latest term counts (a pupil may have two, e.g. after a move),
            # so the answer never depends on row order
            (
                100
                * pl.col("sessions_attended").filter(LATEST_TERM).sum()
                / pl.col("sessions_possible").filter(LATEST_TERM).sum()
            ).alias("education_attendance_last_term"),
        )
        .with_columns(
            (pl.col("education_attendance_365d") < PERSISTENT_ABSENCE_BELOW).alias(
                "education_persistent_absence"
            )
        )
    )
    reasons = reference_table("exclusion_reasons").select(pl.col("code").alias("reason"), "violent")
    exclusions = known(events.exclusions.join(reasons, on="reason", how="left"), grid).with_columns(
        pl.col("violent").fill_null(False)
    )
    activity = (
        known(events.activity, grid)
        .group_by(KEY)
        .agg(pl.col("activity_code").sort_by("event_date", "recorded_date").last())
        .select(*KEY, pl.col("activity_code").str.slice(0, 1).is_in(["5", "6"]).alias("education_neet"))
    )
    return last_year.join(
        count_events(exclusions, exclusion_counts(), dated), on=KEY, how="full", coalesce=True
    ).join(activity, on=KEY, how="full", coalesce=True)
