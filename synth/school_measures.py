"""Calibration measures of school and after: absence, suspensions, exclusions and NEET shares."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.history import months_of
from synth.measures import YEARS, Measure, mean_of, population_years
from synth.model import Kind
from synth.timeline import Timeline


def _academic_age(timeline: Timeline) -> tuple[pl.DataFrame, pl.Expr]:
    """Each step's school-year start, and the expression for age on the 31 August before it."""
    septembers = pl.DataFrame(
        {
            "step": [m.index for m in months_of(timeline)],
            "september": [m.september for m in months_of(timeline)],
        },
        schema={"step": pl.Int32, "september": pl.Int64},
    )
    return septembers, ((pl.col("september") - 1 - pl.col("dob_day")) / 365.25).floor()


def school_measures(
    people: pl.DataFrame, events: pl.DataFrame, attendance: pl.DataFrame, timeline: Timeline
) -> list[Measure]:
    first = timeline.months - 12 * YEARS
    septembers, academic_age = _academic_age(timeline)
    dob = people.select("true_person_id", "dob_day")
    pupils = (
        attendance.filter(pl.col("step") >= first)
        .join(dob, on="true_person_id")
        .join(septembers, on="step")
        .with_columns(
            academic_age.alias("academic_age"),
            ((pl.col("step") - first) // 12).alias("year"),
        )
    )
    older = pupils.filter(pl.col("academic_age").is_between(14, 15))
    per_pupil = older.group_by("true_person_id", "year").agg(
        (1 - pl.col("attended").sum() / pl.col("possible").sum()).alias("absence")
    )
    persistent = mean_of(per_pupil["absence"] >= 0.1)
    school_events = events.filter(pl.col("step") >= first).with_columns(
        ((pl.col("step") - first) // 12).alias("year")
    )
    keyed = per_pupil.select("true_person_id", "year")
    suspended = keyed.join(
        school_events.filter(pl.col("kind") == int(Kind.SUSPENSION))
        .select("true_person_id", "year")
        .unique(),
        on=["true_person_id", "year"],
        how="semi",
    )
    excluded = keyed.join(
        school_events.filter(pl.col("kind") == int(Kind.PERMANENT_EXCLUSION)).select(
            "true_person_id", "year"
        ),
        on=["true_person_id", "year"],
        how="semi",
    )
    all_pupils = pupils.select("true_person_id", "year").unique()
    all_suspensions = all_pupils.join(
        school_events.filter(pl.col("kind") == int(Kind.SUSPENSION)).select("true_person_id", "year"),
        on=["true_person_id", "year"],
    )
    n = max(keyed.height, 1)
    return [
        Measure("Persistent absence, Years 10-11", 100 * persistent, 25.0, "% of pupils", "S24 (19-27%)"),
        Measure(
            "Suspended at least once, Years 10-11",
            100 * suspended.height / n,
            8.0,
            "% of pupils a year",
            "calibration notes (assumed)",
        ),
        Measure(
            "Permanent exclusions, Years 10-11",
            100 * excluded.height / n,
            0.2,
            "per 100 pupils a year",
            "S25 (0.11 all ages; higher at 14-16)",
            standard_error=100 * np.sqrt(excluded.height) / n,  # a rare event: Poisson error
        ),
        Measure(
            "Suspensions, all pupils in Years 4-11",
            100 * all_suspensions.height / max(all_pupils.height, 1),
            9.33,
            "per 100 pupils a year",
            "S25",
        ),
    ]


def neet_measures(people: pl.DataFrame, events: pl.DataFrame, timeline: Timeline) -> list[Measure]:
    changes = events.filter(pl.col("kind").is_in([int(Kind.NEET_START), int(Kind.NEET_END)]))
    out = []
    for low, high, target in ((16, 18, 4.0), (18, 25, 13.5)):
        cohorts, firsts = population_years(people, events, timeline, low, high)
        shares = []
        for who, first in zip(cohorts, firsts, strict=True):
            latest = (
                changes.filter(pl.col("step") <= first + 6)
                .sort("step", "kind")
                .group_by("true_person_id")
                .agg(pl.col("kind").last())
            )
            neet = latest.filter(
                (pl.col("kind") == int(Kind.NEET_START)) & pl.col("true_person_id").is_in(who.tolist())
            ).height
            shares.append(100 * neet / max(len(who), 1))
        out.append(
            Measure(
                f"NEET, ages {low}-{high - 1}",
                float(np.mean(shares)),
                target,
                "% at a point in time",
                "S29",
            )
        )
    return out
