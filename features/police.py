"""Police features: offending as suspect, arrests and custody, stop and search, intelligence, and
victimisation, which is kept apart from offending (a safeguarding signal, never a mark against)."""

from __future__ import annotations

from functools import reduce

import polars as pl

from data_contracts.reference import reference_table
from features.counting import KEY, Count, count_events, days_since_last, windowed
from features.events import Events, known

ALL_WINDOWS = ("90d", "365d", "730d", "ever")
OFFENCE_GROUPS = ("violence", "sexual", "robbery", "weapons", "drugs", "property")
SERIOUS_VIOLENCE = pl.col("serious_violence")
KNIFE = pl.col("knife") | pl.col("weapon_offence")
"""A knife or offensive-weapon offence: a knife or sharp instrument used or threatened, or possession."""
HOMICIDE_CODES = ("1", "4.1")
DECAY_HALF_LIFE_DAYS = 365
"""Half-life of the time-decayed counts: an offence a year ago weighs half one today."""


def decayed(value: pl.Expr | None = None) -> pl.Expr:
    """Each known event's weight halved for every DECAY_HALF_LIFE_DAYS before as_of (times `value`)."""
    age = (pl.col("as_of") - pl.col("event_date")).dt.total_days().cast(pl.Float64)
    weight = pl.lit(0.5) ** (age / DECAY_HALF_LIFE_DAYS)
    return weight if value is None else weight * value


def offences_with_codes(events: Events) -> pl.DataFrame:
    """Occurrences with their offence group, serious-violence and weapon flags and harm weight."""
    codes = reference_table("offence_codes").select(
        "ho_code", "offence_group", "serious_violence", "weapon_offence", "cchi_days"
    )
    return events.occurrences.join(codes, on="ho_code", how="left").with_columns(
        pl.col("offence_group").fill_null("other"),
        pl.col("serious_violence").fill_null(False),
        pl.col("weapon_offence").fill_null(False),
        pl.col("cchi_days").fill_null(0.0),
    )


def suspect_counts() -> list[Count]:
    """Counts of offences as suspect, by group and window, with knife, serious violence and harm."""
    counts = windowed("police_offences", pl.lit(True), ALL_WINDOWS)
    for group in OFFENCE_GROUPS:
        counts += windowed(f"police_{group}_offences", pl.col("offence_group") == group, ALL_WINDOWS)
    counts += windowed("police_knife_offences", KNIFE, ALL_WINDOWS)
    counts += windowed("police_serious_violence_offences", SERIOUS_VIOLENCE, ("365d", "730d", "ever"))
    counts += windowed("police_harm", pl.lit(True), ("365d", "730d", "ever"), value=pl.col("cchi_days"))
    year_before_last = pl.col("event_date") < pl.col("as_of") - pl.duration(days=365)
    counts.append(Count("police_harm_previous_year", year_before_last, 730, pl.col("cchi_days")))
    counts.append(Count("police_offences_decayed", pl.lit(True), None, decayed()))
    counts.append(Count("police_harm_decayed", pl.lit(True), None, decayed(pl.col("cchi_days"))))
    return counts


def victim_counts() -> list[Count]:
    """Counts of victimisation, kept apart from offending."""
    return windowed("police_victimisations", pl.lit(True), ("365d", "ever")) + windowed(
        "police_serious_violence_victimisations", SERIOUS_VIOLENCE, ("365d", "ever")
    )


def suspect_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Offending as suspect at each as_of: counts, harm and its escalation, recency, first offence.

    Escalation is the harm of the last 12 months less the harm of the 12 months before.
    """
    seen = known(offences_with_codes(events).filter(pl.col("role") == "suspect"), grid)
    out = count_events(seen, suspect_counts(), dated)
    first = seen.group_by(KEY).agg(pl.col("event_date").min().alias("first_offence"))
    return reduce(
        lambda left, right: left.join(right, on=KEY, how="left"),
        [out, days_since_last(seen, pl.lit(True), "police_days_since_offence"), first],
    ).with_columns(
        (pl.col("police_harm_365d") - pl.col("police_harm_previous_year")).alias("police_harm_escalation"),
    )


def victim_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Victimisation at each as_of, and whether the person is recorded as a homicide victim."""
    seen = known(offences_with_codes(events).filter(pl.col("role") == "victim"), grid)
    return (
        count_events(seen, victim_counts(), dated)
        .join(days_since_last(seen, pl.lit(True), "police_days_since_victimisation"), on=KEY, how="left")
        .join(
            seen.group_by(KEY).agg(
                pl.col("ho_code").is_in(HOMICIDE_CODES).any().alias("police_homicide_victim")
            ),
            on=KEY,
        )
    )


def custody_counts() -> list[Count]:
    knife_arrest = pl.col("weapon_offence") | pl.col("knife_crime")
    return windowed("police_arrests", pl.lit(True), ("365d", "ever")) + windowed(
        "police_knife_arrests", knife_arrest, ("365d", "ever")
    )


def custody_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Arrests (for a knife or weapon offence too) and whether in custody on the as_of date.

    An arrest is for a knife or weapon offence when its offence code is a weapon offence, or the
    same person's occurrence with the same crime reference was marked as involving a knife.
    """
    codes = reference_table("offence_codes").select("ho_code", "weapon_offence")
    knife_crimes = (
        events.occurrences.filter(pl.col("knife") & (pl.col("role") == "suspect"))
        .select("person_id", "crime_ref", pl.lit(True).alias("knife_crime"))
        .unique()
    )
    arrests = (
        events.custody.join(codes, on="ho_code", how="left")
        .join(knife_crimes, on=["person_id", "crime_ref"], how="left")
        .with_columns(pl.col("weapon_offence").fill_null(False), pl.col("knife_crime").fill_null(False))
    )
    seen = known(arrests, grid)
    held = seen.filter(
        pl.col("custody_type").is_in(["REMAND", "SENTENCE"]) & (pl.col("release_date") >= pl.col("as_of"))
    )
    in_custody = held.group_by(KEY).agg(
        pl.lit(True).alias("police_in_custody"), pl.col("release_date").max().alias("police_release_date")
    )
    return count_events(seen, custody_counts(), dated).join(in_custody, on=KEY, how="left")


def search_and_intelligence_counts() -> list[Count]:
    weapon_found = (pl.col("object") == "WEAPONS") & pl.col("item_found")
    return windowed("police_searches_weapon_found", weapon_found, ("365d", "ever")) + windowed(
        "police_group_intelligence", pl.col("group_name").is_not_null(), ("365d", "ever")
    )


def search_and_intelligence_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Stop and search finding a weapon; intelligence linking the person to a group."""
    counts = search_and_intelligence_counts()
    searches = known(events.searches, grid).select(
        *KEY, "event_date", "object", "item_found", pl.lit(None, pl.String).alias("group_name")
    )
    intel = known(events.intelligence, grid).select(
        *KEY,
        "event_date",
        pl.lit(None, pl.String).alias("object"),
        pl.lit(False).alias("item_found"),
        "group_name",
    )
    return count_events(pl.concat([searches, intel]), counts, dated)
