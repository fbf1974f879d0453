"""Compare a world's generated rates with the public reference figures it is tuned to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from synth.history import months_of
from synth.model import Category, Kind
from synth.timeline import Timeline, day_number

YEARS = 3  # rates are averaged over the last three full years of history


@dataclass(frozen=True)
class Measure:
    """One generated figure beside its reference target."""

    name: str
    value: float
    target: float | None  # None when the reference gives a range or nothing to compare
    unit: str
    source: str
    low: float | None = None  # acceptable range where the target is a range
    high: float | None = None
    explanation: str = ""  # why a figure outside its target is still right
    standard_error: float = 0.0  # of a rate, from the Poisson count behind it

    @property
    def status(self) -> str:
        """within, within sampling error (±20% plus two standard errors), explained, outside or n/a."""
        if self.within is None:
            return "n/a"
        if self.within:
            return "within"
        if self.target is not None and abs(self.value - self.target) <= (
            0.2 * self.target + 2 * self.standard_error
        ):
            return "within sampling error"
        return "explained" if self.explanation else "outside"

    @property
    def within(self) -> bool | None:
        if self.low is not None and self.high is not None:
            return self.low <= self.value <= self.high
        if self.target is None:
            return None
        return abs(self.value - self.target) <= 0.2 * self.target


def _population_years(
    people: pl.DataFrame,
    events: pl.DataFrame,
    timeline: Timeline,
    low: float,
    high: float,
    sex: str | None = None,
) -> tuple[np.ndarray, list[int]]:
    """Residents aged [low, high) at the middle of each of the last YEARS years.

    Returns:
        (true_person_id array per year stacked as an object list, first step of each year).
    """
    exits = (
        events.filter(pl.col("kind").is_in([int(Kind.DEATH), int(Kind.MOVE_OUT)]))
        .group_by("true_person_id")
        .agg(pl.col("step").min().alias("exit_step"))
    )
    p = people.filter(pl.col("simulated_in_detail")).join(exits, on="true_person_id", how="left")
    if sex:
        p = p.filter(pl.col("sex") == sex)
    days = timeline.boundary_days()
    firsts = [timeline.months - 12 * (y + 1) for y in range(YEARS)]
    cohorts = []
    for first in firsts:
        middle = first + 6
        age = (days[middle] - p["dob_day"].to_numpy()) / 365.25
        present = p["exit_step"].fill_null(10**6).to_numpy() > middle
        cohorts.append(p["true_person_id"].to_numpy()[present & (age >= low) & (age < high)])
    return np.array(cohorts, dtype=object), firsts


def _rate(
    people: pl.DataFrame,
    events: pl.DataFrame,
    timeline: Timeline,
    selection: pl.Expr,
    low: float = 14,
    high: float = 26,
    sex: str | None = None,
    unique: bool = True,
    per: float = 1000.0,
) -> tuple[float, float]:
    """Yearly rate of `selection` events among residents of an age band, averaged over years.

    Returns:
        (rate, its standard error treating the count over all years as Poisson).
    """
    cohorts, firsts = _population_years(people, events, timeline, low, high, sex)
    rates, counts = [], 0
    for who, first in zip(cohorts, firsts, strict=True):
        chosen = events.filter(
            selection
            & pl.col("step").is_between(first, first + 11)
            & pl.col("true_person_id").is_in(who.tolist())
        )
        count = chosen["true_person_id"].n_unique() if unique else chosen.height
        rates.append(per * count / max(len(who), 1))
        counts += count
    value = float(np.mean(rates))
    return value, value / np.sqrt(counts) if counts else 0.0


def _suspect(*categories: int) -> pl.Expr:
    return (
        (pl.col("kind") == int(Kind.OFFENCE))
        & pl.col("recorded")
        & pl.col("category").is_in(list(categories))
    )


def while_resident(events: pl.DataFrame) -> pl.DataFrame:
    """Events up to each person's death or move out: the rates describe the area's residents, so a
    mover's later contact with its agencies (synth.movers) is left out."""
    exit_step = (
        pl.col("step")
        .filter(pl.col("kind").is_in([int(Kind.DEATH), int(Kind.MOVE_OUT)]))
        .min()
        .over("true_person_id")
    )
    return events.filter(exit_step.is_null() | (pl.col("step") <= exit_step))


def measure(
    people: pl.DataFrame,
    events: pl.DataFrame,
    attendance: pl.DataFrame,
    oracle: pl.DataFrame,
    timeline: Timeline,
    residents: int,
) -> list[Measure]:
    """Every calibration figure of a world.

    Args:
        people: ground-truth people.
        events: ground-truth events (expanded).
        attendance: monthly attendance of every pupil.
        oracle: the oracle risk table.
        timeline: the month grid.
        residents: residents of the area.

    Returns:
        The measures, in report order.
    """
    events = while_resident(events)

    def rate(
        name: str,
        selection: pl.Expr,
        options: dict[str, Any],
        target: float,
        unit: str,
        source: str,
        explanation: str = "",
    ) -> Measure:
        value, error = _rate(people, events, timeline, selection, **options)
        return Measure(name, value, target, unit, source, explanation=explanation, standard_error=error)

    violence = _suspect(Category.SERIOUS_KNIFE, Category.SERIOUS, Category.OTHER_VIOLENCE)
    knife = (pl.col("kind") == int(Kind.OFFENCE)) & pl.col("recorded") & pl.col("knife")
    victim = (pl.col("kind") == int(Kind.VICTIMISATION)) & pl.col("recorded")
    ed = pl.col("kind") == int(Kind.ED_ATTENDANCE)
    sharp = ed & (pl.col("detail") == "SHARP")
    serious_suspect = _suspect(Category.SERIOUS_KNIFE, Category.SERIOUS, Category.WEAPON)
    per_suspect, per_suspect_error = _offences_per_suspect(people, events, timeline, violence)
    male_share = _male_share(people, events, serious_suspect)
    young = people.filter(pl.col("simulated_in_detail"))
    end = day_number(timeline.end_date)
    share_14_25 = (
        young.filter(((end - pl.col("dob_day")) / 365.25).is_between(14, 26, closed="left")).height
        / residents
    )
    complete = oracle.filter(pl.col("outcome").is_not_null())
    return [
        Measure(
            "Residents aged 14-25 (share of all residents, before deaths and moves)",
            100 * share_14_25,
            15.8,
            "%",
            "S3 (Census 2021)",
        ),
        rate(
            "Knife-offence suspects",
            knife,
            dict(),
            4.0,
            "per 1,000 aged 14-25 a year",
            "S10",
        ),
        rate(
            "Knife-offence suspects, male",
            knife,
            dict(sex="M"),
            7.0,
            "per 1,000 males aged 14-25 a year",
            "S10",
        ),
        rate(
            "Knife-offence suspects, female",
            knife,
            dict(sex="F"),
            0.8,
            "per 1,000 females aged 14-25 a year",
            "S10",
        ),
        rate(
            "Violence suspects (unique people)",
            violence,
            dict(),
            20.0,
            "per 1,000 aged 14-25 a year",
            "calibration notes (assumed)",
        ),
        Measure(
            "Violent offences per violence suspect",
            per_suspect,
            1.6,
            "offences a year",
            "calibration notes (assumed)",
            standard_error=per_suspect_error,
        ),
        rate(
            "Police-recorded violence victims",
            victim,
            dict(),
            30.0,
            "per 1,000 aged 14-25 a year",
            "S48 (assumed 15% recorded)",
        ),
        rate(
            "ED assault attendances, male",
            ed,
            dict(sex="M", unique=False),
            8.0,
            "per 1,000 males aged 14-25 a year",
            "S38",
        ),
        rate(
            "ED assault attendances, female",
            ed,
            dict(sex="F", unique=False),
            3.5,
            "per 1,000 females aged 14-25 a year",
            "S38",
        ),
        rate(
            "Sharp-object injuries at ED, male",
            sharp,
            dict(sex="M", unique=False),
            0.35,
            "per 1,000 males aged 14-25 a year",
            "S40 (admissions; est)",
            explanation="The reference counts hospital admissions; ED attendances include people treated "
            "and discharged, so a rate two to four times higher is expected.",
        ),
        Measure("Serious-violence suspects who are male", 100 * male_share, 86.0, "%", "S45"),
        *_school_measures(people, events, attendance, timeline),
        *_neet_measures(people, events, timeline),
        Measure(
            "Outcome base rate (recorded serious-violence involvement in 12 months)",
            100 * _mean(complete["outcome"]),
            None,
            "% of 14-25s",
            "issue 2",
            2.0,
            5.0,
        ),
        Measure("Oracle AUC", oracle_auc(complete), None, "", "issue 2", 0.80, 0.92),
    ]


def _offences_per_suspect(
    people: pl.DataFrame, events: pl.DataFrame, timeline: Timeline, selection: pl.Expr
) -> tuple[float, float]:
    """Mean offences a year per suspect aged 14-25, with the standard error of that mean.

    Counts are heavy-tailed (a few prolific suspects), so the error comes from their own spread.
    """
    first = timeline.months - 12 * YEARS
    starts = pl.DataFrame(
        {"step": np.arange(timeline.months, dtype=np.int32), "day": timeline.boundary_days()[:-1]}
    )
    counts = (
        events.filter(selection & (pl.col("step") >= first))
        .join(starts, on="step")
        .join(people.select("true_person_id", "dob_day"), on="true_person_id")
        .filter(((pl.col("day") - pl.col("dob_day")) / 365.25).is_between(14, 26, closed="left"))
        .with_columns(((pl.col("step") - first) // 12).alias("year"))
        .group_by("true_person_id", "year")
        .len()["len"]
    )
    if counts.len() < 2:
        return float("nan"), 0.0
    spread = counts.cast(pl.Float64).std()
    error = float(spread) / float(np.sqrt(counts.len())) if isinstance(spread, float) else 0.0
    return _mean(counts), error


def _mean(values: pl.Series) -> float:
    """Mean of a boolean or numeric series (0 when empty)."""
    mean = values.cast(pl.Float64).mean()
    return float(mean) if isinstance(mean, int | float) else 0.0


def _male_share(people: pl.DataFrame, events: pl.DataFrame, selection: pl.Expr) -> float:
    who = events.filter(selection).select("true_person_id").unique().join(people, on="true_person_id")
    return _mean(who["sex"] == "M")


def oracle_auc(oracle: pl.DataFrame) -> float:
    """Area under the ROC curve of p_true against the outcome (rank statistic, ties halved)."""
    scored = oracle.filter(pl.col("p_true").is_not_null())
    y = scored["outcome"].to_numpy().astype(bool)
    if y.all() or not y.any():
        return float("nan")
    ranks = scored["p_true"].rank("average").to_numpy()
    positives = int(y.sum())
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * (y.size - positives)))


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


def _school_measures(
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
    persistent = _mean(per_pupil["absence"] >= 0.1)
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


def _neet_measures(people: pl.DataFrame, events: pl.DataFrame, timeline: Timeline) -> list[Measure]:
    changes = events.filter(pl.col("kind").is_in([int(Kind.NEET_START), int(Kind.NEET_END)]))
    out = []
    for low, high, target in ((16, 18, 4.0), (18, 25, 13.5)):
        cohorts, firsts = _population_years(people, events, timeline, low, high)
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
