"""The weekly increment: which registrations are new, changed or gone, and which pairs to score again.

A pair's Splink score depends only on its two registrations' linkage fields (and on term
frequencies over all registrations), so a pair whose two sides are unchanged keeps its stored
probability; only the candidate pairs (the same blocking rules as a full run) with at least one
new or changed side are scored. Pairs with a changed or removed side are dropped from the
stored ones first. Clustering then runs over the stored and newly scored pairs together, so the
people are those a full relink of the same registrations would give, up to the drift of term
frequencies in the untouched pairs' probabilities (a few thousandths of a bit a week; see
linkage.identity.WEIGHT_STEP). Pure: pipelines.link.run reads the stored rows and writes the result.
"""

from __future__ import annotations

import copy
from typing import Any

import polars as pl

from linkage.model import PAIR_SCHEMA, UNIQUE_ID

LINKAGE_FIELDS = ("forename", "surname", "dob", "sex", "postcode", "postcodes")
"""The fields of a registration that Splink's comparisons and blocking rules read (see
linkage.model.comparison_frame); a registration whose fields all stay the same is unchanged."""
TOUCHED = "touched"
"""The column marking a new or changed registration in the frame Splink compares."""
CHANGE_SCHEMA = pl.Schema({UNIQUE_ID: pl.String(), "change": pl.String()})
PAIR = ["registration_l", "registration_r"]


def registration_changes(previous: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """The registrations that are new, changed (any linkage field differs) or removed since last run.

    Args:
        previous: the last run's registrations (at least the key and LINKAGE_FIELDS).
        current: this run's registrations (linkage.records.registrations), the same columns.

    Returns:
        registration, change ('new', 'changed' or 'removed'), sorted by registration.
    """
    columns = [UNIQUE_ID, *LINKAGE_FIELDS]
    before, now = previous.select(columns), current.select(columns)
    new = now.join(before, on=UNIQUE_ID, how="anti").select(UNIQUE_ID, pl.lit("new").alias("change"))
    removed = before.join(now, on=UNIQUE_ID, how="anti").select(UNIQUE_ID, pl.lit("removed").alias("change"))
    # a field that is null on both sides is the same (join_nulls is not what equality needs here)
    both = now.join(before, on=UNIQUE_ID, how="inner", suffix="_before")
    differs = pl.any_horizontal(pl.col(f).ne_missing(pl.col(f"{f}_before")) for f in LINKAGE_FIELDS)
    changed = both.filter(differs).select(UNIQUE_ID, pl.lit("changed").alias("change"))
    return pl.concat([new, changed, removed]).cast(CHANGE_SCHEMA).sort(UNIQUE_ID)


def mark_touched(frame: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """The comparison frame with TOUCHED true on each new or changed registration."""
    touched = changes.filter(pl.col("change") != "removed")[UNIQUE_ID]
    return frame.with_columns(pl.col(UNIQUE_ID).is_in(touched.implode()).alias(TOUCHED))


def touching_only(model: dict[str, Any]) -> dict[str, Any]:
    """A stored Splink model whose blocking rules keep only pairs with a touched side.

    The same rules, in the same order, each with one more condition: so each pair is still
    found by the first rule that finds it, and no pair of two unchanged registrations is made.
    The trained parameters are untouched.
    """
    restricted = copy.deepcopy(model)
    for rule in restricted["blocking_rules_to_generate_predictions"]:
        rule["blocking_rule"] = f'({rule["blocking_rule"]}) AND (l."{TOUCHED}" OR r."{TOUCHED}")'
    return restricted


def kept_pairs(stored: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """The stored pairs whose two registrations are both unchanged (neither changed nor removed)."""
    gone = changes.filter(pl.col("change") != "new").select(UNIQUE_ID)
    return stored.join(gone, left_on="registration_l", right_on=UNIQUE_ID, how="anti").join(
        gone, left_on="registration_r", right_on=UNIQUE_ID, how="anti"
    )


def combined_pairs(kept: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """The pairs to cluster: the kept stored pairs and the newly scored ones (which never overlap).

    Raises:
        ValueError: if a newly scored pair was also kept (its scoring restriction did not hold).
    """
    pairs = pl.concat([kept.select(PAIR_SCHEMA.names()).cast(PAIR_SCHEMA), scored.cast(PAIR_SCHEMA)])
    if pairs.select(PAIR).is_duplicated().any():
        raise ValueError("a newly scored pair was already stored: its registrations were not touched")
    return pairs.sort(PAIR)
