"""The police extracts: occurrences, custody, stop and search, and intelligence."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.extracts import World, blank, hidden, record_id, with_identity
from synth.model import Kind

POLICE_PERSON = ("PNC_ID", "SURNAME", "FORENAMES", "DOB", "SEX", "POSTCODE")
# Share of occurrences whose self-defined ethnicity was not stated
POLICE_ETHNICITY_UNSTATED = 0.08


def _crime_ref() -> pl.Expr:
    """Crime reference in the force's style: 20/0001234/25."""
    return pl.format(
        "20/{}/{}",
        pl.col("crime").cast(pl.String).str.zfill(7),
        (pl.col("event_date").dt.year() % 100).cast(pl.String).str.zfill(2),
    )


def police(world: World) -> dict[str, pl.DataFrame]:
    """The four police extracts, sharing one set of nominals (PNC ids)."""
    occ = world.of(Kind.OFFENCE, Kind.VICTIMISATION)
    custody = world.of(Kind.ARREST)
    held = world.of(Kind.CUSTODY).select("true_person_id", "crime", pl.col("value").alias("months"))
    searches = world.of(Kind.STOP_SEARCH)
    intel = world.of(Kind.INTELLIGENCE)
    parts = {"occ": occ, "custody": custody, "search": searches, "intel": intel}
    stacked = pl.concat(
        [
            p.select("true_person_id", "event_date").with_columns(pl.lit(k).alias("part"))
            for k, p in parts.items()
        ]
    ).with_row_index("_n")
    first_year = stacked.group_by("true_person_id").agg(pl.col("event_date").min().dt.year().alias("year"))
    located = with_identity(world, stacked, 0.015, "pnc", first_year)
    person = located.select(
        "_n",
        "part",
        pl.col("pnc_id").alias("PNC_ID"),
        pl.col("surname").str.to_uppercase().alias("SURNAME"),
        pl.concat_str([pl.col("forename"), pl.col("middle_name")], separator=" ")
        .str.strip_chars()
        .str.to_uppercase()
        .alias("FORENAMES"),
        pl.col("dob").alias("DOB"),
        pl.col("sex").alias("SEX"),
        pl.col("postcode").alias("POSTCODE"),
        "ethnicity",
    )
    out = {}
    for key, frame in parts.items():
        ident = person.filter(pl.col("part") == key).sort("_n").drop("_n", "part")
        out[key] = pl.concat([frame, ident], how="horizontal")
    missing_id = np.where(out["occ"]["kind"].to_numpy() == Kind.VICTIMISATION, 0.08, 0.01)
    occurrences = (
        out["occ"]
        .with_columns(
            blank(world, out["occ"]["PNC_ID"], missing_id),
            # self-defined ethnicity is asked at each occurrence, and not always stated
            blank(world, out["occ"]["ethnicity"], POLICE_ETHNICITY_UNSTATED).alias("SELF_DEFINED_ETHNICITY"),
        )
        .select(
            record_id("OCC").alias("RECORD_ID"),
            _crime_ref().alias("CRIME_REF"),
            *POLICE_PERSON,
            pl.when(pl.col("kind") == int(Kind.OFFENCE))
            .then(pl.lit("SUSPECT"))
            .otherwise(pl.lit("VICTIM"))
            .alias("ROLE"),
            pl.col("ho_code").alias("HO_CODE"),
            pl.col("event_date").alias("OFFENCE_DATE"),
            pl.col("recorded_date").alias("RECORDED_DATE"),
            pl.when(pl.col("knife")).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("KNIFE_FLAG"),
            "SELF_DEFINED_ETHNICITY",
            *hidden(),
        )
    )
    return {
        "police_occurrences": occurrences,
        "police_custody": _custody(world, out["custody"], held),
        "police_stop_search": _searches(world, out["search"]),
        "police_intelligence": _intel(world, out["intel"]),
    }


def _custody(world: World, arrests: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    u = world.rng.random(arrests.height)
    outcome = np.select([u < 0.35, u < 0.5, u < 0.8], ["CHARGED", "CAUTIONED", "RUI"], "NFA")
    return (
        arrests.with_columns(pl.Series("_outcome", outcome))
        .join(held, on=["true_person_id", "crime"], how="left")
        .select(
            record_id("CUS").alias("CUSTODY_REF"),
            *POLICE_PERSON,
            _crime_ref().alias("CRIME_REF"),
            pl.col("ho_code").alias("OFFENCE_CODE"),
            pl.col("event_date").alias("ARREST_DATE"),
            pl.when(pl.col("months").is_not_null())
            .then(pl.lit("REMANDED"))
            .otherwise(pl.col("_outcome"))
            .alias("OUTCOME"),
            pl.when(pl.col("months").is_null())
            .then(pl.lit("POLICE"))
            .when(pl.col("months") > 4)
            .then(pl.lit("SENTENCE"))
            .otherwise(pl.lit("REMAND"))
            .alias("CUSTODY_TYPE"),
            (pl.col("event_date") + pl.duration(days=(pl.col("months") * 30.4).round().cast(pl.Int64))).alias(
                "RELEASE_DATE"
            ),
            pl.col("recorded_date").alias("RECORDED_DATE"),
            *hidden(),
        )
    )


def _searches(world: World, frame: pl.DataFrame) -> pl.DataFrame:
    found = frame["value"].to_numpy() == 1
    u = world.rng.random(frame.height)
    obj = np.where(found | (u < 0.55), "WEAPONS", np.where(u < 0.9, "DRUGS", "STOLEN"))
    return frame.with_columns(blank(world, frame["PNC_ID"], 0.3)).select(
        record_id("SS").alias("SEARCH_ID"),
        *POLICE_PERSON,
        pl.col("event_date").alias("SEARCH_DATE"),
        pl.Series("OBJECT_OF_SEARCH", obj),
        pl.Series("ITEM_FOUND", np.where(found, "Y", "N")),
        pl.Series("OUTCOME", np.where(found, "ARREST", "NFA")),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        *hidden(),
    )


def _intel(world: World, frame: pl.DataFrame) -> pl.DataFrame:
    grading = np.array(["B2", "B3", "C3", "C4", "E4"])[
        world.rng.choice(5, frame.height, p=[0.2, 0.3, 0.3, 0.1, 0.1])
    ]
    return frame.with_columns(blank(world, frame["PNC_ID"], 0.05)).select(
        record_id("INT").alias("INTEL_REF"),
        *POLICE_PERSON,
        pl.col("event_date").alias("REPORT_DATE"),
        pl.Series("GRADING", grading),
        pl.when(pl.col("value") >= 0)
        .then(pl.format("GROUP {}", pl.col("value").cast(pl.String).str.zfill(3)))
        .otherwise(pl.lit("UNKNOWN"))
        .alias("GROUP_NAME"),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        *hidden(),
    )
