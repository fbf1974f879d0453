"""How well linkage did, against the synthetic world's ground truth (tests and benchmarks only).

Pairwise measures count pairs of records placed together: precision is the share of pairs
linked that are one true person, recall the share of a true person's pairs that were linked.
Attendance rows repeat one pupil registration many times, which makes record pairs easy, so
the same measures are also given over registrations (records grouped by identifier), where
only the probabilistic links count. Cluster measures say how many true people came out
exactly right, split or merged. The baseline links records that agree exactly on forename,
surname and date of birth.
"""

from __future__ import annotations

from typing import Any

import polars as pl

KEY = ["source", "source_record_id"]


def _pairs(sizes: pl.Expr) -> pl.Expr:
    return (sizes.cast(pl.Float64) * (sizes.cast(pl.Float64) - 1) / 2).sum()


def pairwise(assigned: pl.DataFrame, unit: str = "source_record_id") -> dict[str, float]:
    """Pairwise precision, recall and F1 of ``cluster`` against ``true_person_id``, over pairs of ``unit``."""
    units = assigned.unique([unit] if unit != "source_record_id" else KEY)
    predicted = units.group_by("cluster").len().select(_pairs(pl.col("len"))).item()
    true = units.group_by("true_person_id").len().select(_pairs(pl.col("len"))).item()
    both = units.group_by("cluster", "true_person_id").len().select(_pairs(pl.col("len"))).item()
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5),
            "pairs_linked": int(predicted), "true_pairs": int(true)}  # fmt: skip


def cluster_measures(assigned: pl.DataFrame) -> dict[str, Any]:
    """True people found exactly (all their records, nobody else's), split, or merged with others."""
    per_true = assigned.group_by("true_person_id").agg(pl.col("cluster").n_unique().alias("clusters"))
    per_cluster = assigned.group_by("cluster").agg(pl.col("true_person_id").n_unique().alias("people"))
    pure = per_cluster.filter(pl.col("people") == 1)["cluster"]
    exact = per_true.filter(pl.col("clusters") == 1).join(
        assigned.filter(pl.col("cluster").is_in(pure.implode())).select("true_person_id").unique(),
        on="true_person_id",
    )
    return {
        "true_people": per_true.height,
        "linked_people": per_cluster.height,
        "exactly_right": round(exact.height / per_true.height, 5),
        "true_people_split": per_true.filter(pl.col("clusters") > 1).height,
        "linked_people_merging_several": per_cluster.filter(pl.col("people") > 1).height,
    }


def evaluate(xref: pl.DataFrame, records: pl.DataFrame, truth: pl.DataFrame) -> dict[str, Any]:
    """Linkage and the exact-match baseline, measured on the records that were linked.

    Args:
        xref: link.xref (source, source_record_id, person_id, registration).
        records: the staged records (linkage.records shape) for the baseline.
        truth: ground_truth/record_identity.parquet (source, source_record_id, true_person_id).
    """
    linked = xref.select(*KEY, "registration", pl.col("person_id").alias("cluster")).join(truth, on=KEY)
    baseline = (
        records.select(
            *KEY,
            pl.concat_str(
                pl.col("forenames").str.split(" ").list.first(),
                "surname",
                pl.col("dob").cast(pl.String),
                separator="|",
            ).alias("cluster"),  # fmt: skip
        )
        .with_columns(pl.coalesce("cluster", pl.concat_str(*KEY)))
        .join(truth, on=KEY)
    )
    return {
        "records": linked.height,
        "records_missing_from_truth": xref.height - linked.height,
        "linkage": {
            "records": pairwise(linked),
            "registrations": pairwise(linked, "registration"),
            "clusters": cluster_measures(linked),
        },
        "baseline_exact_name_and_dob": {
            "records": pairwise(baseline),
            "clusters": cluster_measures(baseline),
        },
    }
