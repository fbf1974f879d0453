"""The events features are built from, one frame per kind, and what was known of them at an as_of.

Every frame has ``person_id`` (from linkage), ``event_date`` (when it happened) and
``recorded_date`` (when the agency recorded it). An event counts at ``as_of`` only if it
happened *and* was recorded before ``as_of``, so history scored later gives the same answer.
The pipelines layer reads these frames from the warehouse; everything here is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import polars as pl

KEYS = {"person_id": pl.Int64(), "event_date": pl.Date(), "recorded_date": pl.Date()}
SCHEMAS: dict[str, pl.Schema] = {
    # police occurrences: role 'suspect' or 'victim'; knife: a knife or sharp instrument used or threatened
    "occurrences": pl.Schema(
        {**KEYS, "role": pl.String(), "crime_ref": pl.String(), "ho_code": pl.String(), "knife": pl.Boolean()}
    ),
    # arrests and custody: event_date is the arrest; release_date the expected release (may be later)
    "custody": pl.Schema(
        {
            **KEYS,
            "crime_ref": pl.String(),
            "ho_code": pl.String(),
            "outcome": pl.String(),
            "custody_type": pl.String(),
            "release_date": pl.Date(),
        }
    ),
    "searches": pl.Schema(
        {**KEYS, "object": pl.String(), "item_found": pl.Boolean(), "outcome": pl.String()}
    ),
    "intelligence": pl.Schema({**KEYS, "grading": pl.String(), "group_name": pl.String()}),
    # one row per pupil and term: event_date is the term's start
    "attendance": pl.Schema({**KEYS, "sessions_possible": pl.Int64(), "sessions_attended": pl.Int64()}),
    # category SUSP (suspension) or PERM (permanent exclusion); reason a DfE reason code
    "exclusions": pl.Schema({**KEYS, "category": pl.String(), "reason": pl.String()}),
    # education, employment and training activity (CCIS codes; 5xx and 6xx are NEET)
    "activity": pl.Schema({**KEYS, "activity_code": pl.String()}),
    "ed_attendances": pl.Schema({**KEYS, "injury_mechanism": pl.String(), "assault_location": pl.String()}),
    # service CAMHS, AMHS (mental health) or SUBSTANCE_MISUSE
    "health_referrals": pl.Schema({**KEYS, "service": pl.String()}),
    "partner_referrals": pl.Schema({**KEYS, "referrer_type": pl.String()}),
}
PEOPLE_SCHEMA = pl.Schema({"person_id": pl.Int64(), "dob": pl.Date(), "sex": pl.String()})


class EventsError(ValueError):
    """An events frame lacks a column or has it in the wrong type."""


@dataclass(frozen=True)
class Events:
    """Every kind of event, each a frame in its SCHEMAS shape."""

    occurrences: pl.DataFrame
    custody: pl.DataFrame
    searches: pl.DataFrame
    intelligence: pl.DataFrame
    attendance: pl.DataFrame
    exclusions: pl.DataFrame
    activity: pl.DataFrame
    ed_attendances: pl.DataFrame
    health_referrals: pl.DataFrame
    partner_referrals: pl.DataFrame

    def __post_init__(self) -> None:
        for name, schema in SCHEMAS.items():
            frame: pl.DataFrame = getattr(self, name)
            wrong = {c: str(t) for c, t in schema.items() if frame.schema.get(c) != t}
            if wrong:
                found = {c: str(frame.schema.get(c)) for c in wrong}
                raise EventsError(f"events '{name}': columns {wrong} expected, found {found}")

    @classmethod
    def of(cls, **frames: pl.DataFrame) -> Events:
        """Events from the frames given; a kind not given is empty. Columns are cast to their schema."""
        unknown = set(frames) - set(SCHEMAS)
        if unknown:
            raise EventsError(f"unknown kinds of event: {sorted(unknown)}; known: {sorted(SCHEMAS)}")
        return cls(
            **{
                name: frames[name].select(schema.names()).cast(schema)
                if name in frames
                else pl.DataFrame(schema=schema)
                for name, schema in SCHEMAS.items()
            }
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every kind's frame by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def as_of_grid(as_ofs: list[date]) -> pl.DataFrame:
    """The dates to build features at, one row each."""
    return pl.DataFrame({"as_of": sorted(set(as_ofs))}, schema={"as_of": pl.Date()})


def known(frame: pl.DataFrame, grid: pl.DataFrame, horizon_days: int | None = None) -> pl.DataFrame:
    """Each event beside every as_of at which it was known: happened and recorded before that date.

    Args:
        frame: an events frame.
        grid: as_of dates (as_of_grid).
        horizon_days: keep only events within this many days before each as_of (None: all).

    Returns:
        The frame's rows with an ``as_of`` column, one row per (event, as_of) pair.
    """
    grid = grid.with_columns(
        (pl.col("as_of") - pl.duration(days=horizon_days or 0)).alias("_from")
        if horizon_days
        else pl.lit(None, pl.Date).alias("_from")
    )
    predicates = [pl.col("event_date") < pl.col("as_of"), pl.col("recorded_date") < pl.col("as_of")]
    if horizon_days is not None:
        predicates.append(pl.col("event_date") >= pl.col("_from"))
    if grid.height == 1:  # one as_of: a filter, no join
        joined = frame.with_columns(
            pl.lit(grid["as_of"][0]).alias("as_of"), pl.lit(grid["_from"][0]).alias("_from")
        )
        return joined.filter(predicates).drop("_from")
    return frame.join_where(grid, *predicates).drop("_from")


def within(days: int | None) -> pl.Expr:
    """True for a known event within ``days`` before its as_of (None: ever)."""
    if days is None:
        return pl.lit(True)
    return pl.col("event_date") >= pl.col("as_of") - pl.duration(days=days)
