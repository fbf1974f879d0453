"""The generator's recorded profile: per person and as_of, what the extracts had recorded by then.

The observable oracle (pipelines/train/oracle.py) regresses the generator's true risk on this
profile. It mirrors the state the generator's hazards read (synth/step.py, synth/crime.py:
decayed serious offending and victimisation, suspensions, exclusion, absence, NEET, custody,
group membership and group heat, age), but built only from records an agency made before as_of
(`recorded`, `event_date` and `recorded_date` before it; a term's attendance once its return is
sent), by true person rather than by linked record. It never reads sex, ethnicity, deprivation,
the neighbourhood or any latent trait (propensity, knife carrying, substance misuse, mental-health
need, SEN, looked-after status, true group membership): `PROTECTED_AND_LATENT` lists the people
columns it must not touch, and `recorded_profile` is given only dates of birth.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from synth.delivery import term_return_dates
from synth.education_extracts import TERMS
from synth.timeline import Timeline

KEY = ["true_person_id", "as_of"]
YEAR_DAYS = 365.25
HALF_LIFE_YEAR = 365.0  # the generator's decayed counts of offending and victimisation
HALF_LIFE_HALF_YEAR = 182.5  # its decayed count of suspensions
HALF_LIFE_HEAT = 76.0  # its group heat (half-life 2.5 months)
ABSENCE_WEIGHT = 0.75  # its moving average of monthly absence: 0.75 old, 0.25 new

PROTECTED_AND_LATENT = (
    "sex",
    "ethnicity",
    "deprivation",
    "deprivation_decile",
    "neighbourhood_id",
    "policing_intensity",
    "z",
    "knife_carrier",
    "substance_misuse",
    "mental_health_need",
    "sen",
    "looked_after",
    "group_id",
    "group_join_date",
    "group_leave_date",
)
"""People columns the recorded profile never reads: protected characteristics and latent traits."""

SERIOUS_CATEGORIES = ("serious_knife", "serious", "weapon")
COUNTED_KINDS = (
    "stop_search",
    "arrest",
    "custody",
    "suspension",
    "permanent_exclusion",
    "ed_attendance",
    "mental_health_referral",
    "substance_referral",
    "partner_referral",
    "intelligence",
)


def _decay(half_life: float) -> pl.Expr:
    days = (pl.col("as_of") - pl.col("event_date")).dt.total_days()
    return (0.5 ** (days / half_life)).cast(pl.Float64)


def _within(days: int) -> pl.Expr:
    return (pl.col("as_of") - pl.col("event_date")).dt.total_days() < days


def known_events(events: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Events an agency had recorded before `as_of` (event and record both earlier), with as_of.

    Args:
        events: ground_truth/events.parquet (kind and category named, `recorded`, dates).
        as_of: the reference date.
    """
    return events.filter(
        pl.col("recorded") & (pl.col("event_date") < as_of) & (pl.col("recorded_date") < as_of)
    ).with_columns(pl.lit(as_of).alias("as_of"))


def _event_profile(known: pl.DataFrame) -> pl.DataFrame:
    offence, victim = pl.col("kind") == "offence", pl.col("kind") == "victimisation"
    serious = pl.col("category").is_in(SERIOUS_CATEGORIES)
    year = _decay(HALF_LIFE_YEAR)
    aggregations = [
        year.filter(offence & serious).sum().alias("offences_serious_decayed"),
        year.filter(offence).sum().alias("offences_decayed"),
        year.filter(victim & serious).sum().alias("victimisations_serious_decayed"),
        year.filter(victim).sum().alias("victimisations_decayed"),
        (year * pl.col("cchi_days")).filter(offence).sum().alias("offence_harm_decayed"),
        _decay(HALF_LIFE_HALF_YEAR).filter(pl.col("kind") == "suspension").sum().alias("suspensions_decayed"),
        (pl.col("kind") == "permanent_exclusion").any().alias("excluded"),
        pl.col("kind")
        .sort_by("event_date")
        .filter(pl.col("kind").sort_by("event_date").is_in(["neet_start", "neet_end"]))
        .last()
        .eq("neet_start")
        .fill_null(False)
        .alias("neet"),
        (pl.col("event_date") + pl.duration(days=(pl.col("value") * 30.44).cast(pl.Int64)))
        .filter(pl.col("kind") == "custody")
        .max()
        .ge(pl.col("as_of").first())
        .fill_null(False)
        .alias("in_custody"),
        (pl.col("as_of").first() - pl.col("event_date").filter(offence).max())
        .dt.total_days()
        .alias("days_since_offence"),
        (pl.col("as_of").first() - pl.col("event_date").filter(victim).max())
        .dt.total_days()
        .alias("days_since_victimisation"),
    ]
    for category in ("serious_knife", "serious", "weapon", "other_violence", "other"):
        matched = offence & (pl.col("category") == category)
        aggregations += [
            matched.sum().alias(f"offences_{category}_ever"),
            (matched & _within(365)).sum().alias(f"offences_{category}_365d"),
        ]
    for kind in COUNTED_KINDS:
        matched = pl.col("kind") == kind
        aggregations += [
            matched.sum().alias(f"{kind}_ever"),
            (matched & _within(365)).sum().alias(f"{kind}_365d"),
        ]
    return known.group_by(KEY).agg(aggregations)


def _group_profile(known: pl.DataFrame) -> pl.DataFrame:
    """The groups intelligence named someone in, and the recorded serious violence of their named members."""
    members = (
        known.filter((pl.col("kind") == "intelligence") & (pl.col("value") >= 0))
        .select(*KEY, pl.col("value").alias("group"))
        .unique()
    )
    violence = known.filter(
        pl.col("kind").is_in(["offence", "victimisation"]) & pl.col("category").is_in(SERIOUS_CATEGORIES)
    ).select(
        *KEY, _decay(HALF_LIFE_HEAT).alias("heat"), _within(125).alias("recent"), _within(365).alias("year")
    )
    per_group = (
        violence.join(members, on=KEY)
        .group_by("as_of", "group")
        .agg(pl.col("heat").sum(), pl.col("recent").sum().alias("g125"), pl.col("year").sum().alias("g365"))
    )
    return (
        members.join(per_group, on=["as_of", "group"], how="left")
        .group_by(KEY)
        .agg(
            pl.len().alias("groups_named"),
            pl.col("heat").fill_null(0.0).max().alias("group_heat"),
            pl.col("g125").fill_null(0).max().alias("group_serious_125d"),
            pl.col("g365").fill_null(0).max().alias("group_serious_365d"),
        )
    )


def recorded_attendance(attendance: pl.DataFrame, timeline: Timeline) -> pl.DataFrame:
    """Monthly attendance with the date each month's termly return is sent (when it is recorded).

    Args:
        attendance: ground_truth/attendance_monthly.parquet (step, true_person_id, possible, attended).
        timeline: the world's month grid (step k starts at boundaries[k]).

    Returns:
        true_person_id, month (the step's first day), recorded_date, possible, attended.
    """
    starts = timeline.boundaries
    months = pl.DataFrame({"step": list(range(len(starts) - 1)), "month": starts[:-1]}).with_columns(
        pl.col("step").cast(pl.Int32)
    )
    returns = term_return_dates(starts[0].year - 1, starts[-1].year + 1)
    terms = pl.DataFrame({"calendar_month": list(TERMS), "term": list(TERMS.values())})
    middle = pl.col("month") + pl.duration(days=15)
    return (
        attendance.join(months, on="step")
        .with_columns(
            middle.dt.month().alias("calendar_month"),
            pl.when(middle.dt.month() >= 9).then(middle.dt.year()).otherwise(middle.dt.year() - 1).alias("y"),
        )
        .join(terms, on="calendar_month")
        .with_columns(
            pl.format("{}/{}", "y", ((pl.col("y") + 1) % 100).cast(pl.String).str.zfill(2)).alias(
                "academic_year"
            )
        )
        .join(returns, on=["academic_year", "term"])
        .select(
            "true_person_id", "month", pl.col("return_date").alias("recorded_date"), "possible", "attended"
        )
    )


def _attendance_profile(attendance: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The last recorded month's attendance rate and a moving average like the generator's absence."""
    known = attendance.filter((pl.col("recorded_date") < as_of) & (pl.col("month") < as_of)).sort("month")
    rate = pl.col("attended") / pl.col("possible")
    rank = pl.col("month").rank("dense", descending=True) - 1
    weight = pl.lit(ABSENCE_WEIGHT) ** rank
    return known.group_by("true_person_id").agg(
        rate.last().alias("attendance_last_month"),
        ((weight * rate).sum() / weight.sum()).alias("attendance_average"),
        (pl.lit(as_of) - pl.col("month").max()).dt.total_days().alias("days_since_attendance"),
        pl.lit(as_of).alias("as_of"),
    )


def recorded_profile(
    rows: pl.DataFrame, dates_of_birth: pl.DataFrame, events: pl.DataFrame, attendance: pl.DataFrame
) -> pl.DataFrame:
    """Per person and as_of, the generator's risk factors as far as the extracts recorded them.

    Args:
        rows: true_person_id, as_of (e.g. the oracle's rows).
        dates_of_birth: true_person_id, date_of_birth (nothing else from the people table).
        events: ground_truth/events.parquet.
        attendance: :func:`recorded_attendance`.

    Returns:
        true_person_id, as_of and numeric profile columns (0 or null where nothing was recorded),
        one row per row of `rows`.
    """
    if set(dates_of_birth.columns) != {"true_person_id", "date_of_birth"}:
        raise ValueError(
            "recorded_profile: dates_of_birth must have exactly true_person_id and date_of_birth; "
            f"got {sorted(dates_of_birth.columns)} (select those two columns from people.parquet)"
        )
    keys = rows.select(KEY).unique()
    parts = []
    for (as_of,) in keys.select("as_of").unique().sort("as_of").iter_rows():
        known = known_events(events, as_of)
        parts.append(
            keys.filter(pl.col("as_of") == as_of)
            .join(_event_profile(known), on=KEY, how="left")
            .join(_group_profile(known), on=KEY, how="left")
            .join(_attendance_profile(attendance, as_of), on=KEY, how="left")
        )
    profile = pl.concat(parts, how="diagonal_relaxed").join(dates_of_birth, on="true_person_id", how="left")
    counts = [
        c
        for c in profile.columns
        if c not in (*KEY, "date_of_birth") and not c.startswith(("days_", "attendance_"))
    ]
    return (
        profile.with_columns(
            ((pl.col("as_of") - pl.col("date_of_birth")).dt.total_days() / YEAR_DAYS).alias("age"),
            *(pl.col(c).cast(pl.Float64).fill_null(0.0) for c in counts),
        )
        .drop("date_of_birth")
        .sort(KEY)
    )
