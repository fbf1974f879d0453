"""What a weekly run's model predicted for everyone it scored, recorded for monitoring (`cohort monitor`).

Every person the list could consider is scored; each gets one row of ``scoring.prediction``: the
calibrated probability, the log-odds (which rank people sharing a calibrated probability, as the
model's evaluation ranks them), the band, the age and whether the list put them forward. Beside
them, ``scoring.feature_summary`` counts the people in each feature's fine bins (the model's own
split points, :mod:`models.monitoring_bins`) for feature drift. Both are written in the run's
transaction, tied to its run_id: a later run for the same as_of supersedes the run, not its rows.
A rules-alone run records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from lists.entries import ListRun
from models.dataset import Rows
from models.learner import RiskModel
from models.monitoring_bins import bin_counts, fine_bins
from pipelines.warehouse.queries import insert_frame, sql

PREDICTION_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "probability": pl.Float32(),
        "margin": pl.Float32(),
        "band": pl.String(),
        "age": pl.UInt8(),
        "listed": pl.Boolean(),
        "within_capacity": pl.Boolean(),
    }
)


@dataclass(frozen=True)
class Predictions:
    """One run's predictions (PREDICTION_SCHEMA, by person id) and its fine-bin feature counts
    (models.monitoring_bins.BIN_SCHEMA)."""

    people: pl.DataFrame
    features: pl.DataFrame


def predicted(model: RiskModel, rows: Rows, scores: pl.DataFrame, ages: pl.Series) -> Predictions:
    """The predictions of everyone scored, not yet marked listed (see :func:`mark_listed`).

    Args:
        model: the model that scored them.
        rows: the rows scored (keys person_id, as_of; the model's feature matrix).
        scores: models.score.score_rows' frame for the same rows (probability, band).
        ages: each row's age at as_of, aligned with ``rows``.
    """
    margin = model.margin(rows.matrix)
    people = (
        rows.keys.select("person_id")
        .with_columns(pl.Series("margin", margin), ages.alias("age"))
        .join(scores.select("person_id", "probability", "band"), on="person_id", how="left")
        .with_columns(pl.lit(False).alias("listed"), pl.lit(False).alias("within_capacity"))
        .select(PREDICTION_SCHEMA.names())
        .cast(PREDICTION_SCHEMA)
        .sort("person_id")
    )
    return Predictions(people, bin_counts(rows.matrix, model.features, fine_bins(model)))


def mark_listed(predictions: Predictions, entries: pl.DataFrame) -> Predictions:
    """The predictions with the list's people marked: on the list, and within its capacity."""
    listed = entries.select("person_id", pl.col("within_capacity").alias("_within"))
    people = (
        predictions.people.join(listed, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("_within").is_not_null().alias("listed"),
            pl.col("_within").fill_null(False).alias("within_capacity"),
        )
        .drop("_within")
    )
    return Predictions(people, predictions.features)


def record_predictions(
    con: duckdb.DuckDBPyConnection, run: ListRun, predictions: Predictions, capacity: int
) -> None:
    """Write the run's predictions and feature counts (inside the caller's transaction)."""
    people = predictions.people
    con.execute(
        sql("monitor/insert_prediction_run"),
        [run.run_id, run.as_of, run.model_version, people.height, int(people["listed"].sum()),
         int(people["within_capacity"].sum()), capacity, run.created_at],
    )  # fmt: skip
    insert_frame(con, "scoring.prediction", people.with_columns(pl.lit(run.run_id, pl.Int32).alias("run_id")))
    insert_frame(
        con,
        "scoring.feature_summary",
        predictions.features.filter(pl.col("people") > 0).with_columns(
            pl.lit(run.run_id, pl.Int32).alias("run_id")
        ),
    )


def ages_of(frame: pl.DataFrame) -> pl.Series:
    """Each row's age at as_of (features.build's person_age), clipped into a byte."""
    return frame["person_age"].cast(pl.Int64).clip(0, int(np.iinfo(np.uint8).max)).cast(pl.UInt8)
