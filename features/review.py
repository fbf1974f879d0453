"""What analysts have already decided about a person, as known at as_of.

Decisions come from reviewing the weekly list (``review.decision``): accept into the cohort, decline,
defer, or already known. They feed the exclusion rules (already in the cohort; declined recently
with nothing new since) and never the model: a model that learned from decisions would learn the
reviewers' habits, not the risk.
"""

from __future__ import annotations

import polars as pl

from features.counting import KEY
from features.events import Events, known

DECISIONS = ("accept", "decline", "defer", "known")


def qualifying_events(events: Events) -> pl.DataFrame:
    """Events that could put a person forward again after a decline: an offence as suspect, an arrest,
    a partner referral or an emergency department attendance for assault."""
    keys = ["person_id", "event_date", "recorded_date"]
    return pl.concat(
        [
            events.occurrences.filter(pl.col("role") == "suspect").select(keys),
            events.custody.select(keys),
            events.partner_referrals.select(keys),
            events.ed_attendances.select(keys),
        ]
    )


def review_features(events: Events, grid: pl.DataFrame) -> pl.DataFrame:
    """Per person and as_of with a decision known: in the cohort, the latest acceptance and decline,
    days since that decline and the qualifying events known since it."""
    decisions = known(events.decisions, grid).sort("event_date", "recorded_date")
    accepted, declined = pl.col("decision") == "accept", pl.col("decision") == "decline"
    latest = decisions.group_by(KEY).agg(
        pl.col("decision").last().alias("_latest"),
        pl.col("end_date").last().alias("_end"),
        pl.col("event_date").filter(accepted).max().alias("review_accepted_date"),
        pl.col("event_date").filter(declined).max().alias("review_declined_date"),
    )
    decided = latest["person_id"].unique().implode()
    since = (
        known(qualifying_events(events).filter(pl.col("person_id").is_in(decided)), grid)
        .join(latest.select(*KEY, "review_declined_date"), on=KEY)
        .filter(pl.col("event_date") > pl.col("review_declined_date"))
        .group_by(KEY)
        .agg(pl.len().cast(pl.Int64).alias("review_events_since_declined"))
    )
    return (
        latest.join(since, on=KEY, how="left")
        .with_columns(
            (
                (pl.col("_latest") == "accept")
                & (pl.col("_end").is_null() | (pl.col("_end") >= pl.col("as_of")))
            ).alias("review_in_cohort"),
            (pl.col("as_of") - pl.col("review_declined_date"))
            .dt.total_days()
            .alias("review_days_since_declined"),
            pl.col("review_events_since_declined").fill_null(0),
        )
        .drop("_latest", "_end")
    )
