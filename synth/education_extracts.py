"""The education extracts: termly attendance returns, exclusions and post-16 activity."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.extracts import World, blank, hidden, record_id, with_identity
from synth.model import Kind

# Share of pupil records whose ethnicity was not stated
EDUCATION_ETHNICITY_UNSTATED = 0.03


def _education_person() -> list[pl.Expr]:
    """The local authority's person columns (CSV returns)."""
    return [
        pl.col("upn"),
        pl.col("surname").alias("legal_surname"),
        pl.col("forename"),
        pl.col("dob").alias("date_of_birth"),
        pl.col("sex").alias("gender"),
        pl.col("postcode"),
    ]


TERMS = {
    9: "AUT",
    10: "AUT",
    11: "AUT",
    12: "AUT",
    1: "SPR",
    2: "SPR",
    3: "SPR",
    4: "SUM",
    5: "SUM",
    6: "SUM",
    7: "SUM",
}


def education(world: World, months: pl.DataFrame, return_dates: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Attendance (termly returns), exclusions and post-16 activity, sharing one set of UPNs.

    Args:
        world: ground truth.
        months: step -> middle date of the step.
        return_dates: academic_year, term -> the date that term's return is sent.
    """
    term_of = pl.DataFrame({"month": list(TERMS), "term": list(TERMS.values())})
    att = (
        world.attendance.join(months, on="step")
        .with_columns(pl.col("middle").dt.month().alias("month"))
        .join(term_of, on="month")
        .with_columns(
            pl.when(pl.col("middle").dt.month() >= 9)
            .then(pl.col("middle").dt.year())
            .otherwise(pl.col("middle").dt.year() - 1)
            .alias("year")
        )
        .group_by("true_person_id", "school_id", "year", "term")
        .agg(
            pl.col("possible").sum(),
            pl.col("attended").sum(),
            pl.col("unauthorised").sum(),
            pl.col("middle").min().alias("event_date"),
        )
        .with_columns(
            pl.format(
                "{}/{}", pl.col("year"), ((pl.col("year") + 1) % 100).cast(pl.String).str.zfill(2)
            ).alias("academic_year")
        )
        .join(return_dates, on=["academic_year", "term"], how="left")
        .sort("event_date", "true_person_id", "school_id")
    )
    excl = world.of(Kind.SUSPENSION, Kind.PERMANENT_EXCLUSION)
    activity = world.of(Kind.NEET_START, Kind.NEET_END)
    parts = {"att": att, "excl": excl, "act": activity}
    stacked = pl.concat(
        [
            p.select("true_person_id", "event_date").with_columns(pl.lit(k).alias("part"))
            for k, p in parts.items()
        ]
    ).with_row_index("_n")
    located = with_identity(world, stacked, 0.005, "upn", ethnicity_unstated=EDUCATION_ETHNICITY_UNSTATED)
    urn = world.schools.select("school_id", pl.col("urn").alias("school_urn"))
    out = {
        k: pl.concat(
            [
                p,
                located.filter(pl.col("part") == k)
                .sort("_n")
                .select("upn", "surname", "forename", "dob", "sex", "postcode", "ethnicity"),
            ],
            how="horizontal",
        )
        for k, p in parts.items()
    }
    attendance = (
        out["att"]
        .join(urn, on="school_id", how="left")
        # the return is compiled the day before it is sent
        .with_columns((pl.col("return_date") - pl.duration(days=1)).alias("recorded_date"))
        .with_row_index("_i")
        .select(
            pl.format("ATT{}", pl.col("_i").cast(pl.String).str.zfill(10)).alias("record_id"),
            *_education_person(),
            "school_urn",
            "academic_year",
            "term",
            pl.col("event_date").alias("term_start"),
            pl.col("possible").alias("sessions_possible"),
            pl.col("attended").alias("sessions_attended"),
            pl.col("unauthorised").alias("sessions_unauthorised"),
            "recorded_date",
            "ethnicity",
            *hidden(event=False),
        )
    )
    exclusions = (
        out["excl"]
        .join(urn, on="school_id", how="left")
        .select(
            record_id("EXC").alias("Exclusion ID"),
            pl.col("upn").alias("UPN"),
            pl.col("surname").alias("Surname"),
            pl.col("forename").alias("Forename"),
            pl.col("dob").alias("DOB"),
            pl.col("sex").alias("Gender"),
            pl.col("postcode").alias("Postcode"),
            pl.col("school_urn").alias("School URN"),
            pl.when(pl.col("kind") == int(Kind.SUSPENSION))
            .then(pl.lit("SUSP"))
            .otherwise(pl.lit("PERM"))
            .alias("Category"),
            pl.col("event_date").alias("Start Date"),
            pl.when(pl.col("kind") == int(Kind.SUSPENSION)).then(pl.col("value")).alias("Sessions"),
            pl.col("detail").alias("Reason 1"),
            pl.col("recorded_date").alias("Date Recorded"),
            *hidden(),
        )
    )
    neet_codes = np.array(["540", "610", "619", "550"])[
        world.rng.choice(4, activity.height, p=[0.5, 0.2, 0.2, 0.1])
    ]
    eet_codes = np.array(["110", "210", "310", "320"])[
        world.rng.choice(4, activity.height, p=[0.4, 0.2, 0.3, 0.1])
    ]
    activity_rows = (
        out["act"]
        .with_columns(blank(world, out["act"]["upn"], 0.1))
        .select(
            record_id("ACT").alias("record_id"),
            *_education_person(),
            pl.when(pl.col("kind") == int(Kind.NEET_START))
            .then(pl.Series(neet_codes))
            .otherwise(pl.Series(eet_codes))
            .alias("activity_code"),
            pl.col("event_date").alias("activity_start"),
            "recorded_date",
            *hidden(),
        )
    )
    return {
        "education_attendance": attendance,
        "education_exclusions": exclusions,
        "education_activity": activity_rows,
    }
