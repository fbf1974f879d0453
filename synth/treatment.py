"""The planted treatment effect: which of an allocated person's future events the programme prevents.

The future is simulated before anyone is allocated, so the effect is applied by thinning: every
event the effect can touch (an offence as suspect, lead or co-offender, or a victimisation) gets
a uniform draw fixed by the world's seed and the event, and is prevented for a person in the
programme, inside their effect window, when the draw falls below one minus the hazard ratio.
Thinning a point process this way multiplies its intensity by the ratio, so each allocated
person's outcome with the programme is defined whichever arm they are in: the events whose draw
falls below it (``prevented_if_treated``) are the ones the programme would have taken away.

What a prevented event takes out of the extracts (see `removed_events`):

- an offence led by the person: every record of the crime (every suspect's occurrence, every
  arrest and custody record, and the stop and search that found the weapon of a possession
  offence, which goes with it: no weapon carried, nothing found);
- their part as a co-offender in another's crime: only their own occurrence, arrest and custody;
- a victimisation: the victim's occurrence and the emergency department attendance for it.

Limitation: prevented events do not feed back into the simulated lives. Later hazards, custody,
group feuds and deaths are as if the event had happened (a prevented homicide still ends the
victim's life in the simulation; a prevented arrest still leaves the months in custody). A
treated person's prevented crime also removes its other suspects' records (a spillover the
truth table marks), as it would in life.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from data_contracts.declarations import check_schema, parse_yaml
from synth.model import Category, Kind

EFFECT_FILE = Path(str(resources.files("synth").joinpath("data", "treatment_effect.yaml")))
"""The planted effect a world applies unless given another (Milton Keynes-like)."""
NO_EFFECT_FILE = Path(str(resources.files("synth").joinpath("data", "treatment_effect_none.yaml")))
"""No effect: every hazard ratio 1, for null runs."""
SCHEMA = ("synth", "data/treatment_effect.schema.json")

OUTCOMES = ("offending", "knife", "victimisation")
AGE_GROUPS = ("under_18", "18_and_over")
KNIFE_CATEGORIES = (Category.SERIOUS_KNIFE, Category.WEAPON)
ARMS = ("programme", "control")
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TAG = np.uint64(0x74726561746D656E)  # "treatmen": keeps these draws apart from any other hash of the seed


class EffectError(ValueError):
    """The effect declaration breaks its schema; the message names the file and the field."""


@dataclass(frozen=True)
class Effect:
    """Hazard ratios while allocated to the programme, by outcome and age group at the event."""

    name: str
    start_lag_days: int
    ratios: dict[tuple[str, str], float]  # (outcome, age group) -> hazard ratio
    document: dict[str, Any]

    def ratio_table(self) -> pl.DataFrame:
        """outcome, age_group, hazard_ratio: one row per pair."""
        rows = [(o, a, r) for (o, a), r in sorted(self.ratios.items())]
        return pl.DataFrame(rows, schema=["outcome", "age_group", "hazard_ratio"], orient="row")


def parse_effect(text: str, where: str) -> Effect:
    """Read an effect declaration (YAML), checked against synth/data/treatment_effect.schema.json.

    Args:
        text: the declaration's YAML.
        where: the file it came from, named in every message.

    Raises:
        EffectError: "WHERE: FIELD: what is wrong".
    """
    document = parse_yaml(text, where, EffectError)
    check_schema(document, where, SCHEMA, EffectError)
    ratios = {
        (outcome, group): float(document["hazard_ratios"][outcome][group])
        for outcome in OUTCOMES
        for group in AGE_GROUPS
    }
    return Effect(" ".join(document["name"].split()), int(document["start_lag_days"]), ratios, document)


def event_draws(seed: int, event_ids: np.ndarray) -> np.ndarray:
    """One uniform draw in [0, 1) per event, fixed by the world's seed and the event id alone.

    A splitmix64 hash of (seed, event id): the same event in the same world always gets the same
    draw, however the weeks are advanced and whoever is allocated.
    """
    with np.errstate(over="ignore"):
        key = _mix(np.full(event_ids.size, seed % 2**64, dtype=np.uint64) ^ _TAG)
        mixed = _mix(key ^ event_ids.astype(np.uint64))
    draws: np.ndarray = (mixed >> np.uint64(11)).astype(np.float64) / float(2**53)
    return draws


def _mix(x: np.ndarray) -> np.ndarray:
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = x ^ (x >> np.uint64(31))
    return mixed


def _age_group() -> pl.Expr:
    """Under 18 or 18 and over, on the event's date (birthdays counted to the day)."""
    born, on = pl.col("date_of_birth"), pl.col("event_date")
    before_birthday = (on.dt.month() < born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() < born.dt.day())
    )
    age = on.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
    return pl.when(age < 18).then(pl.lit("under_18")).otherwise(pl.lit("18_and_over")).alias("age_group")


def _outcome() -> pl.Expr:
    return (
        pl.when(pl.col("kind") == int(Kind.VICTIMISATION))
        .then(pl.lit("victimisation"))
        .when(pl.col("category").is_in([int(c) for c in KNIFE_CATEGORIES]))
        .then(pl.lit("knife"))
        .otherwise(pl.lit("offending"))
        .alias("outcome")
    )


def treatment_rows(
    allocations: pl.DataFrame, events: pl.DataFrame, effect: Effect, seed: int, start: date, end: date
) -> pl.DataFrame:
    """The effect on every event of an allocated person dated in [start, end), either arm.

    Args:
        allocations: allocation_id, arm, allocated_on, withdrawn_on, true_person_id (see
            `synth.allocation.match_allocations`).
        events: the future's crimes (`synth.future.future_events`).
        effect: the planted effect.
        seed: the world's seed (fixes each event's draw).
        start: first day of the weeks advanced.
        end: the day after the last.

    Returns:
        One row per allocation and event it could touch: the allocation, the event's facts, its
        age group and outcome, whether it falls in the effect window (from allocated_on plus the
        start lag, until withdrawn_on), the hazard ratio applied (1 outside the window), the
        draw and `prevented_if_treated`.
    """
    lag = timedelta(days=effect.start_lag_days)
    touched = events.filter(
        pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.VICTIMISATION)])
        & (pl.col("event_date") >= start)
        & (pl.col("event_date") < end)
    ).join(allocations, on="true_person_id", how="inner")
    touched = touched.with_columns(
        _age_group(),
        _outcome(),
        (
            (pl.col("event_date") >= pl.col("allocated_on") + lag)
            & (pl.col("withdrawn_on").is_null() | (pl.col("event_date") < pl.col("withdrawn_on")))
        ).alias("in_window"),
        pl.Series("draw", event_draws(seed, touched["event_id"].to_numpy()), dtype=pl.Float64),
    ).join(effect.ratio_table(), on=["outcome", "age_group"], how="left")
    return touched.with_columns(
        pl.when(pl.col("in_window")).then(pl.col("hazard_ratio")).otherwise(1.0).alias("hazard_ratio")
    ).with_columns((pl.col("draw") < 1.0 - pl.col("hazard_ratio")).alias("prevented_if_treated"))


def describe_rows(rows: pl.DataFrame, advance: int) -> pl.DataFrame:
    """The truth table's rows for one advance (`TRUTH_COLUMNS`), before anything is marked removed.

    Args:
        rows: `treatment_rows`.
        advance: the advance's number (1, 2, ...).
    """
    kinds = {int(Kind.OFFENCE): "offence", int(Kind.VICTIMISATION): "victimisation"}
    categories = {int(c): c.name.lower() for c in Category}
    return rows.with_columns(
        pl.lit(advance, dtype=pl.Int32).alias("advance"),
        pl.col("kind").replace_strict(kinds, return_dtype=pl.String),
        (pl.col("kind") == int(Kind.OFFENCE)).and_(~pl.col("lead")).alias("co_offender"),
        pl.col("category").replace_strict(categories, default=None, return_dtype=pl.String),
        pl.lit(False).alias("prevented"),
        pl.lit(False).alias("spillover"),
    ).select(TRUTH_COLUMNS)


TRUTH_COLUMNS = (
    "advance",
    "allocation_id",
    "arm",
    "true_person_id",
    "event_id",
    "crime",
    "kind",
    "co_offender",
    "category",
    "ho_code",
    "knife",
    "cchi_days",
    "event_date",
    "recorded",
    "recorded_date",
    "age_group",
    "outcome",
    "in_window",
    "hazard_ratio",
    "draw",
    "prevented_if_treated",
    "prevented",
    "spillover",
)
"""ground_truth/treatment.parquet's columns (described in synth.manifest.GROUND_TRUTH_COLUMNS)."""


def prevented_by_programme(truth: pl.DataFrame) -> pl.Series:
    """The event ids the programme prevented by their own draws: programme arm, in the window, draw low."""
    return (
        truth.filter((pl.col("arm") == "programme") & pl.col("prevented_if_treated"))
        .get_column("event_id")
        .unique()
        .sort()
    )


def removed_events(prevented: pl.Series, events: pl.DataFrame) -> pl.DataFrame:
    """Every future event whose records go with the prevented ones (see the module's docstring).

    Args:
        prevented: the ids of the events the programme prevented (`prevented_by_programme`).
        events: the future's crimes (`synth.future.future_events`).

    Returns:
        event_id, true_person_id, kind, crime of every event to take out, by event_id.
    """
    chosen = events.filter(pl.col("event_id").is_in(prevented.implode()))
    offence = pl.col("kind") == int(Kind.OFFENCE)
    led = chosen.filter(offence & pl.col("lead")).select("crime")
    victim = chosen.filter(pl.col("kind") == int(Kind.VICTIMISATION)).select("crime")
    joined = chosen.filter(offence & ~pl.col("lead")).select("crime", "true_person_id").unique()
    own_part = pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.ARREST), int(Kind.CUSTODY)])
    whole = events.join(pl.concat([led, victim]).unique(), on="crime", how="semi")
    part = events.filter(own_part).join(joined, on=["crime", "true_person_id"], how="semi")
    return (
        pl.concat([whole, part])
        .select("event_id", "true_person_id", "kind", "crime")
        .unique("event_id")
        .sort("event_id")
    )


def mark_removed(truth: pl.DataFrame, removed: pl.DataFrame) -> pl.DataFrame:
    """The truth table with `prevented` (taken out of the extracts) and `spillover` set.

    Args:
        truth: every advance's rows (`describe_rows`).
        removed: `removed_events` of the programme's prevented events.
    """
    own = prevented_by_programme(truth).implode()
    gone = pl.col("event_id").is_in(removed["event_id"].implode())
    return truth.with_columns(
        gone.alias("prevented"), (gone & ~pl.col("event_id").is_in(own)).alias("spillover")
    ).sort("advance", "allocation_id", "event_id")
