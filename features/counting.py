"""Counting known events in windows before as_of, with the dates behind each count."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from features.events import within

KEY = ["person_id", "as_of"]
WINDOWS: dict[str, int | None] = {"90d": 90, "125d": 125, "365d": 365, "730d": 730, "ever": None}
"""Window suffixes of feature names and their length in days (ever: no limit)."""


@dataclass(frozen=True)
class Count:
    """One counted feature: the known events matching ``where`` within ``days`` before as_of."""

    name: str
    where: pl.Expr
    days: int | None  # None: ever
    value: pl.Expr | None = None  # summed instead of counted (e.g. harm), else 1 per event


def windowed(
    stem: str, where: pl.Expr, windows: tuple[str, ...], value: pl.Expr | None = None
) -> list[Count]:
    """The same count over several windows, named ``<stem>_<window>`` (see WINDOWS)."""
    return [Count(f"{stem}_{window}", where, WINDOWS[window], value) for window in windows]


def count_events(known: pl.DataFrame, counts: list[Count], dated: set[str]) -> pl.DataFrame:
    """Per person and as_of, each count (0 when nothing matched), and for counts in ``dated`` the dates.

    Args:
        known: events beside the as_of they were known at (features.events.known).
        counts: the counts to make.
        dated: names whose event dates (oldest first) are returned too, as ``<name>_dates``.

    Returns:
        person_id, as_of, one column per count and one list of dates per dated count; only
        pairs with at least one known event.
    """
    aggregations = []
    for count in counts:
        matched = count.where & within(count.days)
        if count.value is None:
            total = pl.col("event_date").is_not_null().cast(pl.Int64).filter(matched).sum()
        else:
            # summed in sorted order: a float sum must not depend on the order rows arrive in
            total = count.value.filter(matched).sort().sum()
        aggregations.append(total.alias(count.name))
        if count.name in dated:
            aggregations.append(pl.col("event_date").filter(matched).sort().alias(f"{count.name}_dates"))
    return known.group_by(KEY).agg(aggregations)


def days_since_last(known: pl.DataFrame, where: pl.Expr, name: str) -> pl.DataFrame:
    """Per person and as_of, days from the latest matching known event to as_of."""
    return (
        known.filter(where)
        .group_by(KEY)
        .agg((pl.col("as_of").first() - pl.col("event_date").max()).dt.total_days().alias(name))
    )
