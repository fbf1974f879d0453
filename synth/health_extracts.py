"""The health extracts: emergency department assault attendances and mental health / substance referrals."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.extracts import World, blank, hidden, record_id, with_identity
from synth.model import Kind

# Share of patient records whose ethnicity was not stated
HEALTH_ETHNICITY_UNSTATED = 0.10


def _health_person() -> list[pl.Expr]:
    return [
        pl.col("nhs_number").alias("NHS_NUMBER"),
        pl.col("surname").str.to_uppercase().alias("PATIENT_SURNAME"),
        pl.col("forename").str.to_uppercase().alias("PATIENT_FORENAME"),
        pl.col("dob").alias("PERSON_BIRTH_DATE"),
        pl.col("sex").replace_strict({"M": "1", "F": "2", "U": "9"}).alias("PERSON_GENDER_CODE"),
        pl.col("postcode").str.replace_all(" ", "").alias("POSTCODE"),
    ]


def health(world: World) -> dict[str, pl.DataFrame]:
    """Emergency department assault attendances and mental health / substance referrals."""
    ed = world.of(Kind.ED_ATTENDANCE)
    ref = world.of(Kind.MENTAL_HEALTH_REFERRAL, Kind.SUBSTANCE_REFERRAL)
    stacked = pl.concat(
        [
            p.select("true_person_id", "event_date").with_columns(pl.lit(k).alias("part"))
            for k, p in (("ed", ed), ("ref", ref))
        ]
    ).with_row_index("_n")
    located = with_identity(world, stacked, 0.003, "nhs", ethnicity_unstated=HEALTH_ETHNICITY_UNSTATED)
    ident = {
        k: located.filter(pl.col("part") == k)
        .sort("_n")
        .select("nhs_number", "surname", "forename", "dob", "sex", "postcode", "ethnicity")
        for k in ("ed", "ref")
    }
    ed = pl.concat([ed, ident["ed"]], how="horizontal").with_columns(
        blank(world, ident["ed"]["nhs_number"], 0.03)
    )
    ref = pl.concat([ref, ident["ref"]], how="horizontal").with_columns(
        blank(world, ident["ref"]["nhs_number"], 0.01)
    )
    location = np.array(["STREET", "HOME", "PUBLIC_HOUSE", "SCHOOL", "OTHER"])[
        world.rng.choice(5, ed.height, p=[0.45, 0.25, 0.12, 0.05, 0.13])
    ]
    attendances = ed.select(
        record_id("ED").alias("ATTENDANCE_ID"),
        *_health_person(),
        pl.col("event_date").alias("ARRIVAL_DATE"),
        pl.col("detail").alias("INJURY_MECHANISM"),
        pl.Series("ASSAULT_LOCATION", location),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        pl.col("ethnicity").alias("ETHNIC_CATEGORY"),
        *hidden(),
    )
    age = (ref["event_date"] - ref["dob"]).dt.total_days().to_numpy() / 365.25
    service = np.where(
        ref["kind"].to_numpy() == Kind.SUBSTANCE_REFERRAL,
        "SUBSTANCE_MISUSE",
        np.where(age < 18, "CAMHS", "AMHS"),
    )
    referrals = ref.select(
        record_id("REF").alias("REFERRAL_ID"),
        *_health_person(),
        pl.col("event_date").alias("REFERRAL_DATE"),
        pl.Series("SERVICE", service),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        *hidden(),
    )
    return {"health_ed_attendances": attendances, "health_referrals": referrals}
