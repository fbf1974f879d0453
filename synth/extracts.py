"""Build each agency's extract rows (typed) from the world's ground-truth events."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth import agency, noise
from synth.identifiers import generate_nhs_numbers, generate_pnc_ids, generate_upns
from synth.model import Kind

HIDDEN = ("_true_person_id", "_recorded")  # kept beside each row for ground truth, never written
POLICE_PERSON = ("PNC_ID", "SURNAME", "FORENAMES", "DOB", "SEX", "POSTCODE")
# Shares of rows whose ethnicity was not stated: police per occurrence, education and health per record
POLICE_ETHNICITY_UNSTATED = 0.08
EDUCATION_ETHNICITY_UNSTATED = 0.03
HEALTH_ETHNICITY_UNSTATED = 0.10


def _record_id(prefix: str, width: int = 9) -> pl.Expr:
    """A source's row id: its prefix and the event id (so ground truth can find the event)."""
    return pl.format(prefix + "{}", pl.col("event_id").cast(pl.String).str.zfill(width))


def _crime_ref() -> pl.Expr:
    """Crime reference in the force's style: 20/0001234/25."""
    return pl.format(
        "20/{}/{}",
        pl.col("crime").cast(pl.String).str.zfill(7),
        (pl.col("event_date").dt.year() % 100).cast(pl.String).str.zfill(2),
    )


def _hidden(recorded: str = "recorded_date") -> list[pl.Expr]:
    """The ground-truth columns every extract row carries until it is written."""
    return [pl.col("true_person_id").alias("_true_person_id"), pl.col(recorded).alias("_recorded")]


class World:
    """What the extract builders read: ground truth plus a random generator."""

    def __init__(
        self,
        events: pl.DataFrame,
        people: pl.DataFrame,
        addresses: pl.DataFrame,
        schools: pl.DataFrame,
        attendance: pl.DataFrame,
        rng: np.random.Generator,
        noise_level: float,
        moved: pl.DataFrame,
    ):
        self.events, self.people, self.addresses, self.moved = events, people, addresses, moved
        self.schools, self.attendance, self.rng, self.noise = schools, attendance, rng, noise_level

    def of(self, *kinds: Kind) -> pl.DataFrame:
        """Recorded events of the given kinds: what an agency can send."""
        return self.events.filter(pl.col("kind").is_in([int(k) for k in kinds]) & pl.col("recorded"))


def _ids(world: World, regs: pl.DataFrame, kind: str, first_year: pl.DataFrame | None = None) -> pl.DataFrame:
    rng, n = world.rng, regs.height
    if kind == "pnc":
        assert first_year is not None, "police ids need each person's first year on record"
        years = regs.join(first_year, on="true_person_id", how="left")["year"].fill_null(2015).to_numpy()
        years = years + regs["registration"].to_numpy()  # a duplicate nominal is created later
        return regs.with_columns(pl.Series("pnc_id", generate_pnc_ids(rng, years)))
    if kind == "upn":
        school = world.people.select("true_person_id", "primary_school_id", "dob_day")
        joined = regs.join(school, on="true_person_id", how="left").join(
            world.schools.select(pl.col("school_id").alias("primary_school_id"), "la_code", "establishment"),
            on="primary_school_id",
            how="left",
        )
        dob_year = joined["dob_day"].cast(pl.Date).dt.year().to_numpy()
        year = (dob_year + 5 + regs["registration"].to_numpy() * 8) % 100
        upns = generate_upns(rng, joined["la_code"].to_numpy(), joined["establishment"].to_numpy(), year)
        return regs.with_columns(pl.Series("upn", upns))
    return regs.with_columns(pl.Series("nhs_number", generate_nhs_numbers(rng, n)))


def _identity(
    world: World,
    rows: pl.DataFrame,
    duplicate_rate: float,
    id_kind: str | None,
    first_year: pl.DataFrame | None = None,
    ethnicity_unstated: float = 0.0,
) -> pl.DataFrame:
    regs = agency.registrations(
        world.rng, world.people, rows["true_person_id"].to_numpy(), world.noise, duplicate_rate
    )
    if id_kind:
        regs = _ids(world, regs, id_kind, first_year)
    # ethnicity is held on the agency's record of the person (pupil, patient), blank where never stated
    ethnicity = world.people.select("true_person_id", "ethnicity")
    regs = regs.join(ethnicity, on="true_person_id", how="left", maintain_order="left")
    regs = regs.with_columns(_blank(world, regs["ethnicity"], ethnicity_unstated))
    return agency.attach_identity(
        world.rng, rows, regs, world.people, world.addresses, world.moved, world.noise
    )


def _blank(world: World, column: pl.Series, share: np.ndarray | float) -> pl.Series:
    """The column with a share of its values blanked (identifiers an agency did not capture)."""
    kept = pl.Series(world.rng.random(column.len()) >= share)
    return column.cast(pl.String).zip_with(kept, pl.repeat(None, column.len(), dtype=pl.String, eager=True))


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
    located = _identity(world, stacked, 0.015, "pnc", first_year)
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
            _blank(world, out["occ"]["PNC_ID"], missing_id),
            # self-defined ethnicity is asked at each occurrence, and not always stated
            _blank(world, out["occ"]["ethnicity"], POLICE_ETHNICITY_UNSTATED).alias("SELF_DEFINED_ETHNICITY"),
        )
        .select(
            _record_id("OCC").alias("RECORD_ID"),
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
            *_hidden(),
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
            _record_id("CUS").alias("CUSTODY_REF"),
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
            *_hidden(),
        )
    )


def _searches(world: World, frame: pl.DataFrame) -> pl.DataFrame:
    found = frame["value"].to_numpy() == 1
    u = world.rng.random(frame.height)
    obj = np.where(found | (u < 0.55), "WEAPONS", np.where(u < 0.9, "DRUGS", "STOLEN"))
    return frame.with_columns(_blank(world, frame["PNC_ID"], 0.3)).select(
        _record_id("SS").alias("SEARCH_ID"),
        *POLICE_PERSON,
        pl.col("event_date").alias("SEARCH_DATE"),
        pl.Series("OBJECT_OF_SEARCH", obj),
        pl.Series("ITEM_FOUND", np.where(found, "Y", "N")),
        pl.Series("OUTCOME", np.where(found, "ARREST", "NFA")),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        *_hidden(),
    )


def _intel(world: World, frame: pl.DataFrame) -> pl.DataFrame:
    grading = np.array(["B2", "B3", "C3", "C4", "E4"])[
        world.rng.choice(5, frame.height, p=[0.2, 0.3, 0.3, 0.1, 0.1])
    ]
    return frame.with_columns(_blank(world, frame["PNC_ID"], 0.05)).select(
        _record_id("INT").alias("INTEL_REF"),
        *POLICE_PERSON,
        pl.col("event_date").alias("REPORT_DATE"),
        pl.Series("GRADING", grading),
        pl.when(pl.col("value") >= 0)
        .then(pl.format("GROUP {}", pl.col("value").cast(pl.String).str.zfill(3)))
        .otherwise(pl.lit("UNKNOWN"))
        .alias("GROUP_NAME"),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        *_hidden(),
    )


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
    located = _identity(world, stacked, 0.005, "upn", ethnicity_unstated=EDUCATION_ETHNICITY_UNSTATED)
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
            *_hidden(),
        )
    )
    exclusions = (
        out["excl"]
        .join(urn, on="school_id", how="left")
        .select(
            _record_id("EXC").alias("Exclusion ID"),
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
            *_hidden(),
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
        .with_columns(_blank(world, out["act"]["upn"], 0.1))
        .select(
            _record_id("ACT").alias("record_id"),
            *_education_person(),
            pl.when(pl.col("kind") == int(Kind.NEET_START))
            .then(pl.Series(neet_codes))
            .otherwise(pl.Series(eet_codes))
            .alias("activity_code"),
            pl.col("event_date").alias("activity_start"),
            "recorded_date",
            *_hidden(),
        )
    )
    return {
        "education_attendance": attendance,
        "education_exclusions": exclusions,
        "education_activity": activity_rows,
    }


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
    located = _identity(world, stacked, 0.003, "nhs", ethnicity_unstated=HEALTH_ETHNICITY_UNSTATED)
    ident = {
        k: located.filter(pl.col("part") == k)
        .sort("_n")
        .select("nhs_number", "surname", "forename", "dob", "sex", "postcode", "ethnicity")
        for k in ("ed", "ref")
    }
    ed = pl.concat([ed, ident["ed"]], how="horizontal").with_columns(
        _blank(world, ident["ed"]["nhs_number"], 0.03)
    )
    ref = pl.concat([ref, ident["ref"]], how="horizontal").with_columns(
        _blank(world, ident["ref"]["nhs_number"], 0.01)
    )
    location = np.array(["STREET", "HOME", "PUBLIC_HOUSE", "SCHOOL", "OTHER"])[
        world.rng.choice(5, ed.height, p=[0.45, 0.25, 0.12, 0.05, 0.13])
    ]
    attendances = ed.select(
        _record_id("ED").alias("ATTENDANCE_ID"),
        *_health_person(),
        pl.col("event_date").alias("ARRIVAL_DATE"),
        pl.col("detail").alias("INJURY_MECHANISM"),
        pl.Series("ASSAULT_LOCATION", location),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        pl.col("ethnicity").alias("ETHNIC_CATEGORY"),
        *_hidden(),
    )
    age = (ref["event_date"] - ref["dob"]).dt.total_days().to_numpy() / 365.25
    service = np.where(
        ref["kind"].to_numpy() == Kind.SUBSTANCE_REFERRAL,
        "SUBSTANCE_MISUSE",
        np.where(age < 18, "CAMHS", "AMHS"),
    )
    referrals = ref.select(
        _record_id("REF").alias("REFERRAL_ID"),
        *_health_person(),
        pl.col("event_date").alias("REFERRAL_DATE"),
        pl.Series("SERVICE", service),
        pl.col("recorded_date").alias("RECORDED_DATE"),
        *_hidden(),
    )
    return {"health_ed_attendances": attendances, "health_referrals": referrals}


def partner_referrals(world: World) -> dict[str, pl.DataFrame]:
    """Referral forms typed in by partners: no identifier, and more typing errors."""
    ref = world.of(Kind.PARTNER_REFERRAL)
    located = _identity(world, ref.select("true_person_id", "event_date"), 0.0, None)
    rng, n = world.rng, ref.height
    forename = noise.use_nicknames(
        located["forename"].to_numpy().astype(str),
        rng.random(n) < min(1.0, 0.06 * world.noise),
        rng,
    )
    surname = noise.add_typos(
        located["surname"].to_numpy().astype(str), rng.random(n) < min(1.0, 0.04 * world.noise), rng
    )
    postcode = noise.format_postcodes(located["postcode"].to_numpy().astype(str), "messy", rng)
    return {
        "partner_referrals": ref.select(
            pl.format("VRP-{}", pl.col("event_id").cast(pl.String).str.zfill(8)).alias("Referral Ref"),
            pl.Series("First Name", forename),
            pl.Series("Last Name", surname),
            located["dob"].alias("Date of Birth"),
            located["sex"].replace_strict({"M": "Male", "F": "Female", "U": "Unknown"}).alias("Gender"),
            pl.Series("Postcode", postcode),
            pl.col("event_date").alias("Referral Date"),
            pl.col("detail").alias("Referrer Type"),
            pl.col("recorded_date").alias("Date Entered"),
            *_hidden(),
        )
    }
