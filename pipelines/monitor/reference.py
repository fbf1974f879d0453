"""The training data's distribution of each feature in the model's fine bins: what feature drift is
measured against. Counted once per model from its latest training snapshots (the people the list
could have considered on those dates, before any sampling) and kept in scoring.feature_reference."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import polars as pl

from models.dataset import snapshot_rows
from models.learner import RiskModel
from models.monitoring_bins import bin_counts, fine_bins
from models.settings import ModelSettings
from pipelines.monitor.read import BINS
from pipelines.warehouse.event_frames import read_events, read_people
from pipelines.warehouse.queries import insert_frame, sql, transaction
from rules.rulebook import load_rulebook


def reference_snapshots(manifest: dict[str, object], count: int) -> list[date]:
    """The latest ``count`` of the model's training snapshot dates (its manifest's split)."""
    split = manifest["split"]
    assert isinstance(split, dict)
    return [date.fromisoformat(d) for d in split["train"]][-count:]


def training_reference(
    con: duckdb.DuckDBPyConnection,
    version: str,
    model: RiskModel,
    manifest: dict[str, object],
    settings: ModelSettings,
    snapshots: int,
    *,
    now: datetime,
) -> pl.DataFrame:
    """The model's training counts per feature and fine bin (BINS), counted now if not kept yet.

    Args:
        con: the warehouse (written to the first time).
        version: the model's version.
        model, manifest, settings: the model, its manifest and its own settings (outcome, roles).
        snapshots: how many of the latest training snapshots to count.
        now: when the reference is counted (kept with it).
    """
    kept = con.execute(sql("monitor/reference"), [version]).fetchall()
    if kept:
        return pl.DataFrame(kept, schema=BINS, orient="row")
    dates = reference_snapshots(manifest, snapshots)
    rows = snapshot_rows(
        read_events(con), read_people(con), dates, load_rulebook(), model.features,
        roles=settings.roles, horizon_months=settings.horizon_months, labelled=False,
    )  # fmt: skip
    counts = bin_counts(rows.matrix, model.features, fine_bins(model)).filter(pl.col("people") > 0)
    with transaction(con):
        insert_frame(
            con,
            "scoring.feature_reference",
            counts.with_columns(
                pl.lit(version).alias("model_version"),
                pl.lit(json.dumps([d.isoformat() for d in dates])).alias("snapshots"),
                pl.lit(now).alias("made_at"),
            ),
        )
    return counts.select(BINS.names()).cast(BINS)
