"""People who leave the area: where they go, and the one later contact some have with its agencies.

Without a trace, a person who moves away simply stops appearing in the extracts, and "moved
out of the area" could never be seen. In life, some come back into contact, above all people
the area's police and health services already knew: a regional emergency department treats
people from far outside its area, and its record carries their new address.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.geography import draw_away_postcodes
from synth.model import Category, Kind

CONTACT_WITHIN_MONTHS = 12
KNOWN_WITHIN_MONTHS = 12
KNOWN_KINDS = [
    int(k)
    for k in (
        Kind.OFFENCE,
        Kind.VICTIMISATION,
        Kind.STOP_SEARCH,
        Kind.ARREST,
        Kind.INTELLIGENCE,
        Kind.ED_ATTENDANCE,
        Kind.MENTAL_HEALTH_REFERRAL,
        Kind.SUBSTANCE_REFERRAL,
        Kind.PARTNER_REFERRAL,
    )
]
"""Records that make a person known to the area's police, health or partnership services."""


def add_mover_contacts(
    events: pl.DataFrame, months: int, share: float, rng: np.random.Generator
) -> pl.DataFrame:
    """A share of the people who move out, among those known to services, are seen once more.

    A mover counts as known with a recorded police, health or partner contact in the
    KNOWN_WITHIN_MONTHS months up to the move (schools know every pupil, so they do not count);
    a share of them attend the area's emergency department once afterwards. Restricting the
    contacts to known people keeps them a small part of the attendances, as they would be.

    Args:
        events: the history's events (step, true_person_id, kind, category, recorded, crime,
            value, school_id).
        months: steps in the timeline; a contact due after the last one never happens.
        share: share of known movers with a later contact.
        rng: random generator.

    Returns:
        The events with the contacts added: assault attendances (not of a recorded crime)
        one to CONTACT_WITHIN_MONTHS months after the move.
    """
    moves = events.filter(pl.col("kind") == int(Kind.MOVE_OUT))
    known = (
        events.filter(pl.col("kind").is_in(KNOWN_KINDS) & pl.col("recorded"))
        .join(moves.select("true_person_id", pl.col("step").alias("moved")), on="true_person_id")
        .filter(pl.col("step").is_between(pl.col("moved") - KNOWN_WITHIN_MONTHS, pl.col("moved")))
        .get_column("true_person_id")
        .unique()
    )
    moves = moves.filter(pl.col("true_person_id").is_in(known.implode()))
    later = moves["step"].to_numpy() + rng.integers(1, CONTACT_WITHIN_MONTHS + 1, moves.height)
    keep = (rng.random(moves.height) < share) & (later < months)
    contacts = moves.filter(pl.Series(keep)).with_columns(
        pl.Series("step", later[keep]),
        pl.lit(int(Kind.ED_ATTENDANCE)).alias("kind"),
        pl.lit(int(Category.OTHER_VIOLENCE)).alias("category"),
        pl.lit(True).alias("recorded"),
        pl.lit(-1).alias("crime"),
        pl.lit(0).alias("value"),
        pl.lit(-1).alias("school_id"),
    )
    return pl.concat([events, contacts.cast(events.schema)])


def moved_addresses(events: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Where each person who left the area lives from the day they moved.

    Args:
        events: dated events (synth.life_events.expand_events), with each move out.
        rng: random generator.

    Returns:
        true_person_id, from_day (day number of the move) and postcode (outside the area).
    """
    moves = (
        events.filter(pl.col("kind") == int(Kind.MOVE_OUT))
        .select("true_person_id", pl.col("event_date").cast(pl.Int64).alias("from_day"))
        .sort("true_person_id", "from_day")
    )
    return moves.with_columns(pl.Series("postcode", draw_away_postcodes(rng, moves.height), dtype=pl.String))
