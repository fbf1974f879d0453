"""Compare a world's generated rates with the public reference figures it is tuned to."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from synth.measures import YEARS, Measure, mean_of, yearly_rate
from synth.model import Category, Kind
from synth.school_measures import neet_measures, school_measures
from synth.timeline import Timeline, day_number


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
        value, error = yearly_rate(people, events, timeline, selection, **options)
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
        *school_measures(people, events, attendance, timeline),
        *neet_measures(people, events, timeline),
        Measure(
            "Outcome base rate (recorded serious-violence involvement in 12 months)",
            100 * mean_of(complete["outcome"]),
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
    return mean_of(counts), error


def _male_share(people: pl.DataFrame, events: pl.DataFrame, selection: pl.Expr) -> float:
    who = events.filter(selection).select("true_person_id").unique().join(people, on="true_person_id")
    return mean_of(who["sex"] == "M")


def oracle_auc(oracle: pl.DataFrame) -> float:
    """Area under the ROC curve of p_true against the outcome (rank statistic, ties halved)."""
    scored = oracle.filter(pl.col("p_true").is_not_null())
    y = scored["outcome"].to_numpy().astype(bool)
    if y.all() or not y.any():
        return float("nan")
    ranks = scored["p_true"].rank("average").to_numpy()
    positives = int(y.sum())
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * (y.size - positives)))
