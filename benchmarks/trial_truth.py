"""The truth a trial's evaluation is checked against: both potential outcomes of everyone analysed.

The world applies the programme's effect by thinning (synth/treatment.py): every event the effect can
touch has a draw fixed by the world's seed and the event, and is prevented for a person in the
programme when the draw falls under one minus the hazard ratio. So for every allocated person, in
either arm, the ground truth holds what they would have done without the programme (every event,
``Y(0)``) and with it (the events not prevented, ``Y(1)``). The true ratio of mean harm over the people
analysed is sum Y(1) / sum Y(0): the estimand of the evaluation's ratio of means. Benchmarks read this;
nothing in the pipeline does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl


def analysed_allocations(warehouse: Path, months: int, until: date) -> pl.DataFrame:
    """The randomised allocations with ``months`` of follow-up by ``until``: allocation_id (as the
    allocation file and the truth table write it, text), arm, window."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame: pl.DataFrame = con.sql(
            """
            SELECT CAST(allocation_id AS VARCHAR) AS allocation_id, arm, allocated_on,
                   CAST(allocated_on + to_months($months) AS DATE) AS window_end
            FROM trial.allocation
            WHERE randomised AND CAST(allocated_on + to_months($months) AS DATE) <= $until
            """,
            params={"months": months, "until": until},
        ).pl()
    return frame


def potential_harm(world: Path, analysed: pl.DataFrame, until: date) -> pl.DataFrame:
    """Each analysed allocation's CCHI harm as suspect in its window, recorded by ``until``, without the
    programme and with it (the truth table's own CCHI weight of each offence, ``cchi_days``)."""
    events = pl.read_parquet(world / "ground_truth" / "treatment.parquet")
    offences = (
        events.filter((pl.col("kind") == "offence") & pl.col("recorded") & (pl.col("recorded_date") <= until))
        .join(analysed.select("allocation_id", "allocated_on", "window_end"), on="allocation_id")
        .filter(
            (pl.col("event_date") >= pl.col("allocated_on")) & (pl.col("event_date") < pl.col("window_end"))
        )
        .group_by("allocation_id")
        .agg(
            pl.col("cchi_days").fill_null(0).sum().alias("harm_without"),
            pl.col("cchi_days").fill_null(0).filter(~pl.col("prevented_if_treated")).sum().alias("harm_with"),
        )
    )
    return analysed.join(offences, on="allocation_id", how="left").with_columns(
        pl.col("harm_without", "harm_with").fill_null(0.0)
    )


def truth_check(world: Path, warehouse: Path, months: int, until: date, ratio: Any) -> dict[str, object]:
    """The true ratio of mean harm over the people analysed, and whether the reported interval holds it.

    Args:
        ratio: the evaluation's ratio of means (an Estimate: estimate, lower, upper).
    """
    harm = potential_harm(world, analysed_allocations(warehouse, months, until), until)
    without, with_ = float(harm["harm_without"].sum()), float(harm["harm_with"].sum())
    true_ratio = with_ / without if without else float("nan")
    return {
        "analysed": harm.height,
        "true_ratio_of_means": round(true_ratio, 4),
        "estimate": ratio.estimate,
        "interval": [ratio.lower, ratio.upper],
        "covered": bool(ratio.lower <= true_ratio <= ratio.upper),
    }
