"""The world's ground truth: who every extract row is about, what really happened, and to whom."""

from __future__ import annotations

import polars as pl

from synth.model import Category, Kind

CRIME_KINDS = (
    Kind.OFFENCE,
    Kind.VICTIMISATION,
    Kind.ARREST,
    Kind.CUSTODY,
    Kind.STOP_SEARCH,  # a search that found a weapon: the possession offence's crime
    Kind.ED_ATTENDANCE,  # an attendance for an assault: the victimisation's crime
)
"""Kinds of event that carry the crime number of the crime they belong to."""


def _named_events(events: pl.DataFrame) -> pl.DataFrame:
    kinds = {int(k): k.name.lower() for k in Kind}
    categories = {int(c): c.name.lower() for c in Category}
    return events.with_columns(
        pl.col("kind").replace_strict(kinds, return_dtype=pl.String),
        pl.when(pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.VICTIMISATION)]))
        .then(pl.col("category").replace_strict(categories, default=None, return_dtype=pl.String))
        .alias("category"),
        pl.when(pl.col("kind").is_in([int(k) for k in CRIME_KINDS]) & (pl.col("crime") >= 0))
        .then(pl.col("crime"))
        .alias("crime"),
    ).drop("lead", "step", "school_id")


def _people_truth(people: pl.DataFrame, events: pl.DataFrame, nbhd: pl.DataFrame) -> pl.DataFrame:
    exits = (
        events.filter(pl.col("kind").is_in([int(Kind.DEATH), int(Kind.MOVE_OUT)]))
        .group_by("true_person_id")
        .agg(
            pl.col("event_date").filter(pl.col("kind") == int(Kind.DEATH)).min().alias("death_date"),
            pl.col("event_date").filter(pl.col("kind") == int(Kind.MOVE_OUT)).min().alias("moved_out_date"),
        )
    )
    return (
        people.join(
            nbhd.select("neighbourhood_id", "deprivation_decile", "policing_intensity"),
            on="neighbourhood_id",
            how="left",
        )
        .join(exits, on="true_person_id", how="left")
        .with_columns(
            pl.from_epoch("dob_day", time_unit="d").alias("date_of_birth"),
            pl.from_epoch("group_join_day", time_unit="d").alias("group_join_date"),
            pl.from_epoch("group_leave_day", time_unit="d").alias("group_leave_date"),
        )
        .drop("dob_day", "group_join_day", "group_leave_day", "deprivation")
    )


def ground_truth_frames(
    people: pl.DataFrame,
    neighbourhoods: pl.DataFrame,
    events: pl.DataFrame,
    oracle: pl.DataFrame,
    attendance: pl.DataFrame,
    identity: list[pl.DataFrame],
    defects: list[pl.DataFrame],
) -> dict[str, pl.DataFrame]:
    """The ground-truth tables, by name, in the order they are written.

    Args:
        people: the population's people.
        neighbourhoods: the population's neighbourhoods.
        events: every event, recorded or not.
        oracle: the oracle's risks.
        attendance: monthly school attendance.
        identity: each delivery's record identity, in delivery order.
        defects: each delivery's planted defects, in delivery order.

    Returns:
        record_identity, people, events, oracle_risk, invalid_rows and attendance_monthly.
    """
    people_truth = _people_truth(people, events, neighbourhoods)
    return {
        "record_identity": pl.concat(identity).sort("source", "source_record_id"),
        "people": people_truth,
        "events": _named_events(events),
        "oracle_risk": oracle,
        "invalid_rows": pl.concat(defects).select("source", "file", "source_record_id", "defect", "column"),
        "attendance_monthly": attendance,
    }
