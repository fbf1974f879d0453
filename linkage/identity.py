"""From scored pairs to people: clerical decisions, stable person ids, and the person and xref tables.

Pure functions over Polars frames; pipelines.link.run does the reading and writing.
"""

from __future__ import annotations

import polars as pl

from linkage.model import PAIR_SCHEMA
from linkage.records import IDENTITY, commonest

DECISION_SCHEMA = pl.Schema({
    "registration_l": pl.String(), "registration_r": pl.String(), "decision": pl.String(),
})  # fmt: skip
CHANGE_SCHEMA = pl.Schema({
    "kind": pl.String(), "person_id": pl.Int64(), "into_person_id": pl.Int64(), "records": pl.Int64(),
})  # fmt: skip
PAIR = ["registration_l", "registration_r"]
WEIGHT_STEP = 0.01
"""Precision (bits of match weight) of the probabilities kept in link.xref. Term frequencies are
relative to the number of registrations, so each week's arrivals shift most match weights by a
few thousandths of a bit. Kept exact, every Splink link would be rewritten each week; kept to a
hundredth, about a third are (measured on the 3,000,000-resident world)."""


def ordered(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs with the smaller registration key on the left, so a pair has one spelling."""
    left, right = pl.col("registration_l"), pl.col("registration_r")
    return pairs.with_columns(
        pl.min_horizontal(left, right).alias("registration_l"),
        pl.max_horizontal(left, right).alias("registration_r"),
    )


def apply_decisions(pairs: pl.DataFrame, decisions: pl.DataFrame) -> pl.DataFrame:
    """The edges to cluster: scored pairs, minus pairs a reviewer rejected, plus pairs they accepted.

    Returns:
        registration_l, registration_r, match_probability, match_weight, method ('probabilistic'
        or 'clerical'; an accepted pair has probability 1).
    """
    pairs, decisions = ordered(pairs), ordered(decisions)
    kept = pairs.join(decisions.filter(pl.col("decision") == "reject"), on=PAIR, how="anti").join(
        decisions.filter(pl.col("decision") == "accept"), on=PAIR, how="anti"
    )
    accepted = decisions.filter(pl.col("decision") == "accept").join(
        pairs.select(*PAIR, "match_weight"), on=PAIR, how="left"
    )
    return pl.concat(
        [
            kept.with_columns(pl.lit("probabilistic").alias("method")),
            accepted.select(
                *PAIR,
                pl.lit(1.0).alias("match_probability"),
                "match_weight",
                pl.lit("clerical").alias("method"),
            ),  # fmt: skip
        ]
    ).cast(PAIR_SCHEMA)


def review_queue(
    pairs: pl.DataFrame, decisions: pl.DataFrame, review_threshold: float, match_threshold: float
) -> pl.DataFrame:
    """Pairs in the review band that nobody has decided yet, most likely first."""
    band = ordered(pairs).filter(pl.col("match_probability").is_between(review_threshold, match_threshold,
                                                                       closed="left"))  # fmt: skip
    return band.join(ordered(decisions), on=PAIR, how="anti").sort(
        "match_probability", "registration_l", "registration_r", descending=[True, False, False]
    )


def assign_person_ids(
    members: pl.DataFrame, previous: pl.DataFrame, first_new_id: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give each cluster a person id, keeping last run's ids wherever the evidence allows.

    Each earlier person's *home* is the cluster now holding most of their records. A cluster
    keeps the id of the earlier person, among those at home in it, holding most of its
    records; any other earlier person at home there was merged into it. A cluster that is
    nobody's home gets a new id, in the order of its first registration key; if it holds
    records of an earlier person it was split from them. A registration's records always
    share a person, so records are counted a registration at a time.

    Args:
        members: registration, cluster (this run's clusters).
        previous: registration, person_id, records: how many of the registration's records
            the last run linked to that person (empty on the first run).
        first_new_id: the first id never used before.

    Returns:
        (cluster -> person_id, changes: kind 'merge' or 'split', person_id, into_person_id, records).
    """
    overlap = (
        members.join(previous, on="registration", how="inner")
        .group_by("cluster", "person_id")
        .agg(pl.col("records").sum().cast(pl.Int64))
    )
    home = overlap.sort(["person_id", "records", "cluster"], descending=[False, True, False]).unique(
        "person_id", keep="first", maintain_order=True
    )
    kept = home.sort(["cluster", "records", "person_id"], descending=[False, True, False]).unique(
        "cluster", keep="first", maintain_order=True
    )
    merges = home.join(
        kept.select("cluster", pl.col("person_id").alias("into_person_id")), on="cluster"
    ).filter(pl.col("person_id") != pl.col("into_person_id"))
    first_registration = members.group_by("cluster").agg(pl.col("registration").min().alias("first"))
    new = (
        first_registration.join(kept, on="cluster", how="anti")
        .sort("first")
        .with_row_index("offset")
        .select("cluster", (pl.col("offset").cast(pl.Int64) + first_new_id).alias("person_id"))
    )
    assigned = pl.concat([kept.select("cluster", "person_id"), new])
    splits = overlap.join(
        new.select("cluster", pl.col("person_id").alias("into_person_id")), on="cluster"
    ).select("person_id", "into_person_id", "records")
    changes = pl.concat(
        [
            merges.select(pl.lit("merge").alias("kind"), "person_id", "into_person_id", "records"),
            splits.select(pl.lit("split").alias("kind"), "person_id", "into_person_id", "records"),
        ]
    ).cast(CHANGE_SCHEMA)
    return assigned, changes.sort("kind", "person_id", "into_person_id")


def people(registrations: pl.DataFrame) -> pl.DataFrame:
    """One row per person: the name, date of birth and sex most of their records give, the latest postcode.

    Args:
        registrations: described registrations (linkage.records.registrations) with person_id.
    """
    frame = registrations.lazy()
    latest = (
        frame.filter(pl.col("postcode").is_not_null())
        .sort("postcode_load_id", "postcode_row_number")
        .group_by("person_id")
        .agg(pl.col("postcode").last())
    )
    totals = frame.group_by("person_id").agg(
        pl.col("records").sum().cast(pl.Int32),
        pl.col("sources").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
    )
    return (
        commonest(frame, "person_id", IDENTITY, weight="records")
        .join(latest, on="person_id", how="left")
        .join(totals, on="person_id")
        .sort("person_id")
        .collect()
    )


def xref(
    records: pl.DataFrame, placed: pl.DataFrame, edges: pl.DataFrame, match_threshold: float
) -> pl.DataFrame:
    """Each record's person, how it was linked, and the strongest link holding its registration there.

    method: 'probabilistic' or 'clerical' when its registration is linked to another by Splink
    or by a reviewer; 'identifier' when it shares an identifier with other records and nothing
    more; 'none' when it stands alone. match_probability is null for 'none', 1 for 'identifier'.
    A Splink probability is stored from its match weight rounded up to WEIGHT_STEP bits (so
    never below the threshold it passed).

    Args:
        records: source, source_record_id, registration.
        placed: registration, person_id, records (how many records the registration holds).
        edges: edges after decisions (apply_decisions).
        match_threshold: the probability at which an edge links.
    """
    linked = edges.filter(pl.col("match_probability") >= match_threshold).with_columns(
        pl.when(pl.col("method") == "probabilistic")
        .then(1 / (1 + 2 ** -((pl.col("match_weight") / WEIGHT_STEP).ceil() * WEIGHT_STEP)))
        .otherwise(pl.col("match_probability"))
        .alias("stored_probability")
    )
    ends = pl.concat(
        [
            linked.select(pl.col(side).alias("registration"), "match_probability", "stored_probability",
                          "method")
            for side in ("registration_l", "registration_r")
        ]
    )  # fmt: skip
    # on a tie a reviewer's acceptance ('clerical') is named before Splink's
    best = ends.sort(["match_probability", "method"], descending=[True, False]).unique(
        "registration", keep="first"
    )
    how = placed.join(best, on="registration", how="left").select(
        "registration",
        "person_id",
        pl.when(pl.col("method").is_not_null())
        .then(pl.col("stored_probability"))
        .when(pl.col("records") > 1)
        .then(1.0)
        .alias("match_probability"),
        pl.when(pl.col("method").is_not_null())
        .then(pl.col("method"))
        .when(pl.col("records") > 1)
        .then(pl.lit("identifier"))
        .otherwise(pl.lit("none"))
        .alias("method"),
    )
    return records.select("source", "source_record_id", "registration").join(how, on="registration")
