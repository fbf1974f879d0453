"""Who left the weekly list since the previous one, and why (the first reason that applies).

Pure steps over frames (see lists.build); nothing here reads the clock or the warehouse.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from lists.entries import DEPARTURE_SCHEMA
from lists.reasons import rule_texts
from lists.settings import ListSettings
from rules.rulebook import Rulebook


def month_day(day: pl.Expr) -> pl.Expr:
    """A date's month and day as one comparable number (17 November: 1117); Int32, as the parts are Int8."""
    return day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)


def departures(
    previous: pl.DataFrame,
    selected: pl.DataFrame,
    *,
    as_of: date,
    decided: pl.DataFrame,
    verdicts: pl.DataFrame,
    scores: pl.DataFrame | None,
    people: pl.DataFrame,
    rulebook: Rulebook,
    settings: ListSettings,
) -> pl.DataFrame:
    """Who was on the previous list and is not on this one, and why (DEPARTURE_SCHEMA, by previous rank).

    The reasons, first that applies: their records now belong to another person id (linkage);
    aged out; no longer lives in the area; a decision (accepted into the cohort, declined); another
    exclusion (in custody, moved, deceased) with its facts; and otherwise no longer meeting a rule
    and/or the risk falling below the model route.

    Args:
        people: person_id, name, dob of everyone linked now (not just the listed).
    """
    gone = previous.join(selected.select("person_id"), on="person_id", how="anti")
    if gone.height == 0:
        return pl.DataFrame(schema=DEPARTURE_SCHEMA)
    texts = rule_texts(rulebook)
    theirs = verdicts.filter(pl.col("person_id").is_in(gone["person_id"].implode())).join(texts, on="rule_id")
    exclusion = (
        theirs.filter(pl.col("met") & (pl.col("kind") == "exclusion"))
        .sort("person_id", "rule_id")
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("rule_id").first().alias("exclusion"), pl.col("reason").first().alias("exclusion_reason"))
    )
    outside = (
        theirs.filter(~pl.col("met") & (pl.col("kind") == "population"))
        .sort("person_id", "rule_id")
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("text").str.join("; ").alias("population_failed"))
    )
    now = (
        scores.select("person_id", pl.col("band").alias("band_now"))
        if scores is not None
        else pl.DataFrame(schema={"person_id": pl.Int64(), "band_now": pl.String()})
    )
    frame = (
        gone.join(people, on="person_id", how="left")
        .join(
            decided.select("person_id", "in_population", "eligible", "excluded"), on="person_id", how="left"
        )
        .join(exclusion, on="person_id", how="left")
        .join(outside, on="person_id", how="left")
        .join(now, on="person_id", how="left")
        .with_columns(
            (
                as_of.year
                - pl.col("dob").dt.year().cast(pl.Int32)
                - (month_day(pl.col("dob")) > as_of.month * 100 + as_of.day).cast(pl.Int32)
            ).alias("_years"),
        )
    )
    was_model = pl.col("route").is_in(["model", "both"])
    was_rule = pl.col("route").is_in(["rule", "both"])
    if scores is None:
        risk: pl.Expr = pl.lit("no model is approved this week")
    else:
        kind, value = settings.model_route
        if kind == "band":
            below = f"below the model's '{value}' band"
        elif kind == "probability":
            below = f"below the model's threshold of {float(value):.0%}"
        else:
            below = f"out of the model's top {value}"
        risk = pl.format(
            "risk fell " + below + " (band {} -> {})", "band", pl.col("band_now").fill_null("not scored")
        )
    why = (
        pl.when(pl.col("dob").is_null())
        .then(pl.lit("their records now belong to another person id (linkage merged or split them)"))
        .when(pl.col("_years") > 25)
        .then(pl.lit("aged out (26 or over)"))
        .when(pl.col("in_population").is_null())
        .then(pl.lit("no longer in the population (aged 14 to 25)"))
        .when(~pl.col("in_population"))
        .then(pl.format("no longer in the population: {}", pl.col("population_failed").fill_null("")))
        .when(pl.col("exclusion").is_in(["already_in_cohort", "declined_recently"]))
        .then(pl.format("decision: {}", "exclusion_reason"))
        .when(pl.col("excluded"))
        .then(pl.format("excluded: {}", "exclusion_reason"))
        .when(was_rule & was_model)
        .then(pl.format("no longer meets a rule, and {}", risk))
        .when(was_model)
        .then(risk)
        .otherwise(pl.lit("no longer meets a rule (the events behind it are now outside its window)"))
    )
    return (
        frame.select("person_id", "name", pl.col("rank").alias("previous_rank"), why.alias("why"))
        .cast(DEPARTURE_SCHEMA)
        .sort("previous_rank")
    )
