"""The synthetic world's oracle beside a trained model: its true risk for each linked person."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.warehouse.queries import sql


def read_xref(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Which linked person each source record was given (link.xref: source, source_record_id, person_id)."""
    xref: pl.DataFrame = con.sql(sql("train/xref")).pl()
    return xref


def oracle_risk(world: Path, xref: pl.DataFrame) -> pl.DataFrame:
    """The oracle's true risk by linked person: each person is the true person most of their records are."""
    truth = pl.read_parquet(world / "ground_truth" / "record_identity.parquet")
    identity = (
        xref.join(truth, on=["source", "source_record_id"])
        .group_by("person_id", "true_person_id")
        .len()
        .sort("len", "true_person_id", descending=[True, False])
        .unique("person_id", keep="first")
    )
    oracle = pl.read_parquet(world / "ground_truth" / "oracle_risk.parquet")
    return identity.join(oracle, on="true_person_id").select("person_id", "as_of", "p_true")
