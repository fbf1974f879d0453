"""A calibration measure, and the yearly rates among residents of an age band that most measures are."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from synth.model import Kind
from synth.timeline import Timeline

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


def population_years(
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


def yearly_rate(
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
    cohorts, firsts = population_years(people, events, timeline, low, high, sex)
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


def mean_of(values: pl.Series) -> float:
    """Mean of a boolean or numeric series (0 when empty)."""
    mean = values.cast(pl.Float64).mean()
    return float(mean) if isinstance(mean, int | float) else 0.0
