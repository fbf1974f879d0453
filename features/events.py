"""The events features are built from, one frame per kind, and what was known of them at an as_of.

Every frame has ``person_id`` (from linkage), ``event_date`` (when it happened) and
``recorded_date`` (when the agency recorded it). An event counts at ``as_of`` only if it
happened *and* was recorded before ``as_of``, so history scored later gives the same answer.
The pipelines layer reads these frames from the warehouse; everything here is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

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
    # every record of every kind, with the postcode and ethnicity (ONS 2021 code) it carries, if any
    "addresses": pl.Schema({**KEYS, "postcode": pl.String(), "ethnicity": pl.String()}),
    # analysts' review decisions (accept, decline, defer, known); end_date ends a cohort membership
    "decisions": pl.Schema({**KEYS, "decision": pl.String(), "end_date": pl.Date()}),
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
    addresses: pl.DataFrame
    decisions: pl.DataFrame

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
        grid: as_of dates, sorted (as_of_grid).
        horizon_days: keep only events within this many days before each as_of (None: all).

    Returns:
        The frame's rows with an ``as_of`` column, one row per (event, as_of) pair. Each event
        is repeated only for the dates it counts at, so memory follows the answer's size.
    """
    dates = grid["as_of"]
    # the first as_of after the event was both over and recorded, and the last still in the horizon
    first = dates.search_sorted(frame.select(pl.max_horizontal("event_date", "recorded_date")).to_series(),
                                side="right")  # fmt: skip
    if horizon_days is None:
        last = pl.repeat(dates.len(), frame.height, dtype=first.dtype, eager=True)
    else:
        last = dates.search_sorted(frame["event_date"] + timedelta(days=horizon_days), side="right")
    at = pl.int_ranges(first, pl.max_horizontal(first, last), dtype=pl.UInt32)
    indexed = grid.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_at"), "as_of")
    return (
        frame.with_columns(at.alias("_at"))
        .explode("_at")
        .drop_nulls("_at")
        .join(indexed, on="_at")
        .drop("_at")
    )


def within(days: int | None) -> pl.Expr:
    """True for a known event within ``days`` before its as_of (None: ever)."""
    if days is None:
        return pl.lit(True)
    return pl.col("event_date") >= pl.col("as_of") - pl.duration(days=days)
