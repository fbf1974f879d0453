"""Turn simulated monthly events into dated, coded events: the world's ground truth."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth import codes
from synth.model import Category, Kind
from synth.timeline import Timeline


def police_lag(rng: np.random.Generator, size: int) -> np.ndarray:
    """Days between an event and its recording: most within days, some weeks, a few months."""
    u = rng.random(size)
    return np.where(
        u < 0.55,
        rng.integers(0, 3, size),
        np.where(u < 0.9, rng.integers(3, 31, size), rng.integers(31, 150, size)),
    )


def _dates(rng: np.random.Generator, events: pl.DataFrame, timeline: Timeline) -> np.ndarray:
    days = timeline.boundary_days()
    step = events["step"].to_numpy()
    start, length = days[step], days[step + 1] - days[step]
    dates: np.ndarray = start + (rng.random(step.size) * length).astype(np.int64)
    return dates


def _shared_by_crime(column: str) -> pl.Expr:
    """Co-offenders (value 1) take the lead offender's value of `column` for their crime."""
    return pl.col(column).filter(pl.col("lead")).first().over("crime_key")


def expand_events(
    events: pl.DataFrame, people: pl.DataFrame, timeline: Timeline, rng: np.random.Generator
) -> pl.DataFrame:
    """Give every event a date, codes, a recorded flag and the date it was recorded.

    Args:
        events: the history's events (step, true_person_id, kind, category, ...).
        people: the population (for sex, which shapes the victim offence mix).
        timeline: the month grid.
        rng: random generator.

    Returns:
        One row per true event: `event_id`, `event_date` and `recorded_date` (day
        numbers), `ho_code`, `knife`, `serious_violence`, `cchi_days`, plus
        kind-specific `detail` (reason codes, mechanism, referral source, group id).
    """
    n = events.height
    kind = events["kind"].to_numpy()
    category = events["category"].to_numpy()
    sex = people.select("true_person_id", "sex")
    ho = np.full(n, "", dtype=object)
    for cat, mix in codes.OFFENCE_MIX.items():
        where = np.flatnonzero(((kind == Kind.OFFENCE) | (kind == Kind.VICTIMISATION)) & (category == cat))
        ho[where] = codes.draw(rng, mix, where.size)
    homicide = (kind == Kind.VICTIMISATION) & (events["value"].to_numpy() == 1)
    ho[homicide] = codes.draw(rng, {"1": 0.85, "4.1": 0.15}, int(homicide.sum()))
    detail = np.full(n, "", dtype=object)
    for k, mix in (
        (Kind.SUSPENSION, codes.SUSPENSION_REASONS),
        (Kind.PERMANENT_EXCLUSION, codes.EXCLUSION_REASONS),
        (Kind.PARTNER_REFERRAL, codes.REFERRAL_SOURCES),
    ):
        where = np.flatnonzero(kind == k)
        detail[where] = codes.draw(rng, mix, where.size)
    ed = np.flatnonzero(kind == Kind.ED_ATTENDANCE)
    sharp = (category[ed] == Category.SERIOUS_KNIFE) & (rng.random(ed.size) < 0.92)
    detail[ed] = np.where(sharp, "SHARP", codes.draw(rng, codes.INJURY_MECHANISMS, ed.size))
    mh = np.flatnonzero(kind == Kind.MENTAL_HEALTH_REFERRAL)
    detail[mh] = "MENTAL_HEALTH"
    detail[kind == Kind.SUBSTANCE_REFERRAL] = "SUBSTANCE_MISUSE"
    lag = police_lag(rng, n)
    frame = events.with_columns(
        pl.Series("event_date", _dates(rng, events, timeline)),
        pl.Series("ho_code", ho, dtype=pl.String),
        pl.Series("detail", detail, dtype=pl.String),
        pl.Series("lag", lag),
        (pl.col("kind") == int(Kind.OFFENCE)).and_(pl.col("value") == 0).alias("lead"),
        pl.when(pl.col("crime") >= 0)
        .then(pl.col("crime"))
        .otherwise(-pl.int_range(1, n + 1))
        .alias("crime_key"),
    ).join(sex, on="true_person_id", how="left")
    frame = _female_victims(frame, rng)
    frame = frame.with_columns(
        # a co-offender shares the crime's date and code; an ED visit is the day of the assault
        # or the next; a search that found a weapon is the day of the possession offence; an
        # arrest follows its offence, and custody starts at the arrest
        pl.when(pl.col("crime") >= 0)
        .then(
            pl.col("event_date")
            .filter(
                pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.VICTIMISATION)])
                & ~(pl.col("kind").eq(int(Kind.OFFENCE)) & ~pl.col("lead"))
            )
            .first()
            .over("crime_key")
        )
        .otherwise(pl.col("event_date"))
        .alias("event_date"),
        pl.when(pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.ARREST), int(Kind.CUSTODY)]))
        .then(_shared_by_crime("ho_code"))
        .otherwise(pl.col("ho_code"))
        .alias("ho_code"),
    )
    return _finish(frame, rng)


def _female_victims(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Rape codes follow sex: suspects are male, and most rape victims are female."""
    extra = pl.Series("u", rng.random(frame.height))
    rape = pl.col("ho_code").is_in(["19C", "19D", "19F"])
    victim = pl.col("kind") == int(Kind.VICTIMISATION)
    female = pl.col("sex") == "F"
    return (
        frame.with_columns(extra)
        .with_columns(
            pl.when(~victim & rape)
            .then(pl.lit("8N"))
            .when(
                victim
                & female
                & (rape | ((pl.col("category") == int(Category.SERIOUS)) & (pl.col("u") < 0.15)))
            )
            .then(pl.lit("19C"))
            .when(victim & ~female & rape)
            .then(pl.lit("19F"))
            .otherwise(pl.col("ho_code"))
            .alias("ho_code")
        )
        .drop("u")
    )


RECORDING_DELAY = {  # (kind, lowest, highest) days from the event to the agency's record
    Kind.ED_ATTENDANCE: (1, 10),
    Kind.MENTAL_HEALTH_REFERRAL: (0, 14),
    Kind.SUBSTANCE_REFERRAL: (0, 14),
    Kind.PARTNER_REFERRAL: (0, 3),
    Kind.SUSPENSION: (0, 10),
    Kind.PERMANENT_EXCLUSION: (0, 10),
    Kind.NEET_START: (0, 30),
    Kind.NEET_END: (0, 30),
    Kind.INTELLIGENCE: (0, 14),
    Kind.DEATH: (0, 30),
    Kind.MOVE_OUT: (0, 60),
}


def _finish(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = frame.height
    kind = frame["kind"].to_numpy()
    shift = np.zeros(n, dtype=np.int64)
    shift[kind == Kind.ED_ATTENDANCE] = rng.integers(0, 2, int((kind == Kind.ED_ATTENDANCE).sum()))
    arrest = (kind == Kind.ARREST) | (kind == Kind.CUSTODY)
    shift[arrest] = rng.integers(0, 11, int(arrest.sum()))
    delay = frame["lag"].to_numpy().copy()
    for k, (low, high) in RECORDING_DELAY.items():
        where = kind == k
        delay[where] = rng.integers(low, high + 1, int(where.sum()))
    delay[arrest] = 0
    offences = codes.offence_codes().select("ho_code", "serious_violence", "cchi_days")
    not_recorded = pl.col("kind").is_in([int(Kind.DEATH), int(Kind.MOVE_OUT)])
    return (
        frame.with_columns(
            (pl.col("event_date") + pl.Series(shift)).alias("event_date"), pl.Series("delay", delay)
        )
        .with_columns(
            pl.when(not_recorded).then(False).otherwise(pl.col("recorded")).alias("recorded"),
            pl.when(not_recorded)
            .then(None)
            .otherwise(pl.col("event_date") + pl.col("delay"))
            .alias("recorded_day"),
            (
                pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.VICTIMISATION)])
                & (
                    (pl.col("category") == int(Category.SERIOUS_KNIFE))
                    | pl.col("ho_code").is_in(codes.KNIFE_CODES)
                )
            ).alias("knife"),
        )
        .join(offences, on="ho_code", how="left")
        .with_columns(pl.col("serious_violence").fill_null(False), pl.col("cchi_days").fill_null(0.0))
        .with_columns(
            pl.from_epoch(pl.col("event_date"), time_unit="d").alias("event_date"),
            pl.from_epoch(pl.col("recorded_day"), time_unit="d").alias("recorded_date"),
            pl.when(pl.col("ho_code") == "").then(None).otherwise(pl.col("ho_code")).alias("ho_code"),
            pl.when(pl.col("detail") == "").then(None).otherwise(pl.col("detail")).alias("detail"),
        )
        .sort("event_date", "true_person_id", "kind", "crime")
        .with_row_index("event_id")
        .select(
            "event_id",
            "true_person_id",
            "step",
            "kind",
            "category",
            "event_date",
            "recorded",
            "recorded_date",
            "crime",
            "lead",
            "ho_code",
            "knife",
            "serious_violence",
            "cchi_days",
            "detail",
            "value",
            "school_id",
        )
    )


def add_adult_co_offenders(
    events: pl.DataFrame, people: pl.DataFrame, share: float, rng: np.random.Generator
) -> pl.DataFrame:
    """Older associates (not simulated in detail) join a share of their group's crimes."""
    adults = people.filter(~pl.col("simulated_in_detail") & pl.col("group_id").is_not_null())
    if adults.is_empty():
        return events
    member_group = people.select("true_person_id", "group_id")
    leads = (
        events.filter((pl.col("kind") == int(Kind.OFFENCE)) & pl.col("lead") & pl.col("serious_violence"))
        .join(member_group, on="true_person_id")
        .filter(pl.col("group_id") >= 0)
    )
    leads = leads.filter(pl.Series(rng.random(leads.height) < share))
    pool = adults.sort("group_id", "true_person_id")
    counts = pool.group_by("group_id").len().sort("group_id")
    leads = leads.join(counts, on="group_id", how="inner")
    firsts = pool.with_row_index("_at").group_by("group_id").agg(pl.col("_at").min())
    leads = leads.join(firsts, on="group_id").with_columns(
        (pl.col("_at") + (pl.Series(rng.random(leads.height)) * pl.col("len")).cast(pl.UInt32)).alias("_at")
    )
    chosen = pool["true_person_id"].to_numpy()[leads["_at"].to_numpy()]
    lag = police_lag(rng, leads.height)
    joined = leads.with_columns(
        pl.Series("true_person_id", chosen),
        pl.lit(False).alias("lead"),
        pl.lit(1, pl.Int64).alias("value"),
        (pl.col("recorded") & pl.Series(rng.random(leads.height) < 0.7)).alias("recorded"),
        (pl.col("event_date") + pl.duration(days=pl.lit(pl.Series("_lag", lag)))).alias("recorded_date"),
    ).select(events.columns)
    start = events.height  # event ids run 0 .. height - 1
    joined = joined.with_columns((pl.int_range(0, joined.height) + start).cast(pl.UInt32).alias("event_id"))
    return pl.concat([events, joined])
