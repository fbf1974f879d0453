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
RECORDED_YEAR = "365d"


def last_recorded_year(attendance: pl.DataFrame, grid: pl.DataFrame) -> pl.DataFrame:
    """Percent of sessions attended over the last recorded school year, however long ago it was.

    For each term record, the rate over the person's terms starting in the 365 days up to it; each
    as_of takes the latest such rate known before it (an as-of join: one row per person and as_of,
    not one per term and later date, which would not fit in memory at force scale). A term is
    known once it started and was recorded; terms recorded out of order count from the latest.

    Args:
        attendance: events.attendance.
        grid: the as_of dates.

    Returns:
        person_id, as_of, education_attendance_last_recorded_year for people with a known term.
    """
    known_on = pl.max_horizontal("event_date", "recorded_date")
    rates = (
        attendance.filter(pl.col("sessions_possible") > 0)
        .group_by("person_id", "event_date")
        .agg(
            pl.col("sessions_possible").sum(),
            pl.col("sessions_attended").sum(),
            known_on.max().alias("known"),
        )
        .sort("person_id", "event_date")
        .with_columns(
            pl.col(c).rolling_sum_by("event_date", RECORDED_YEAR).over("person_id").alias(f"{c}_year")
            for c in ("sessions_possible", "sessions_attended")
        )
        .with_columns(
            (100 * pl.col("sessions_attended_year") / pl.col("sessions_possible_year")).alias(
                "education_attendance_last_recorded_year"
            ),
            # known the day after the later of the term's start and its record, never before an earlier term
            (pl.col("known").cum_max().over("person_id") + pl.duration(days=1)).alias("as_of"),
        )
        .select("person_id", "as_of", "education_attendance_last_recorded_year")
        .sort("as_of")
    )
    people = rates.select("person_id").unique()
    return (
        people.join(grid, how="cross")
        .sort("as_of")
        .join_asof(rates, on="as_of", by="person_id", strategy="backward", check_sortedness=False)
        .drop_nulls("education_attendance_last_recorded_year")
    )


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
    return (
        last_year.join(count_events(exclusions, exclusion_counts(), dated), on=KEY, how="full", coalesce=True)
        .join(activity, on=KEY, how="full", coalesce=True)
        .join(last_recorded_year(events.attendance, grid), on=KEY, how="full", coalesce=True)
    )
