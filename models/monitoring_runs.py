"""One weekly run measured for monitoring: who is in which group, the realised performance per group
and horizon, the performance expected before any outcome, the population and feature drift.

The groups are kept apart because the programme changed the treated's outcomes:

- ``everyone``: everyone the run scored (the model's own evaluation population);
- ``not_treated``: everyone but the treated;
- ``never_listed``: never put forward on any list before the window closed (nor allocated);
- ``control``: randomised to the control arm before the window closed;
- ``treated``: allocated to the programme before the window closed (never pooled with the others).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from models.monitoring import (
    expected_confusion,
    feature_stability,
    realised,
    scaled_to_horizon,
    top_k,
)
from models.monitoring_bins import MISSING
from models.split import add_months

GROUPS = ("everyone", "not_treated", "never_listed", "control", "treated")
AGE_GROUPS = (("14-17", 14, 17), ("18-21", 18, 21), ("22-25", 22, 25))


def group_masks(
    person_ids: pl.Series, allocations: pl.DataFrame, listings: pl.DataFrame, until: date
) -> dict[str, np.ndarray]:
    """Which of the people scored are in each group for a window closing (exclusive) on ``until``.

    Args:
        person_ids: the people scored, in the order of the predictions.
        allocations: person_id, arm ('programme' or 'control'), randomised, allocated_on.
        listings: person_id, first_listed (the first reference date they were on a list).
        until: the window's end: an allocation or listing before it counts.
    """
    people = pl.DataFrame({"person_id": person_ids})
    allocated = allocations.filter(pl.col("allocated_on") < until)
    treated = set(allocated.filter(pl.col("arm") == "programme")["person_id"].to_list())
    controls = (
        set(allocated.filter((pl.col("arm") == "control") & pl.col("randomised"))["person_id"].to_list())
        - treated
    )
    ever_listed = set(listings.filter(pl.col("first_listed") < until)["person_id"].to_list())
    ever_listed |= set(allocated["person_id"].to_list())
    ids = people["person_id"]
    is_treated = ids.is_in(sorted(treated)).to_numpy()
    return {
        "everyone": np.ones(people.height, dtype=bool),
        "not_treated": ~is_treated,
        "never_listed": ~ids.is_in(sorted(ever_listed)).to_numpy(),
        "control": ids.is_in(sorted(controls)).to_numpy(),
        "treated": is_treated,
    }


def realised_rows(
    predictions: pl.DataFrame,
    outcome: np.ndarray,
    masks: Mapping[str, np.ndarray],
    *,
    horizon: int,
    model_horizon: int,
    list_size: int,
    bins: int,
) -> list[dict[str, Any]]:
    """The realised performance of one run at one horizon, one row per group.

    Args:
        predictions: probability and margin of everyone scored.
        outcome: whether each had the outcome in the window of ``horizon`` months.
        masks: each group's members (:func:`group_masks`).
        horizon, model_horizon: the window's months and the model's (its probability is scaled to
            the window at a constant hazard for calibration; ranking needs no scaling).
        list_size: the places the run filled (precision is measured on the top this many).
        bins: quantile bins for the ECE (the model's evaluation.reliability_bins).
    """
    margin = predictions["margin"].to_numpy()
    probability = scaled_to_horizon(predictions["probability"].to_numpy(), horizon, model_horizon)
    rows = []
    for group in GROUPS:
        mask = masks[group]
        measured = realised(outcome[mask], margin[mask], probability[mask], k=list_size, bins=bins)
        rows.append({"horizon_months": horizon, "group": group, **measured.as_dict()})
    return rows


def expected_performance(predictions: pl.DataFrame, list_size: int) -> dict[str, Any]:
    """The confusion matrix the calibrated probabilities expect for the top ``list_size`` by the
    model's log-odds (ties to the lower person id), over the model's own horizon."""
    ordered = predictions.sort("person_id")
    selected = top_k(ordered["margin"].to_numpy(), list_size)
    return expected_confusion(ordered["probability"].to_numpy(), selected).as_dict()


def population(predictions: pl.DataFrame) -> dict[str, Any]:
    """Who the run scored: how many, the share listed and within capacity, the share in each age group."""
    scored = predictions.height
    ages = predictions["age"]
    return {
        "scored": scored,
        "listed": int(predictions["listed"].sum()),
        "within_capacity": int(predictions["within_capacity"].sum()),
        "share_listed": predictions["listed"].mean() if scored else None,
        "mean_probability": predictions["probability"].mean() if scored else None,
        "ages": {
            name: (float(ages.is_between(low, high).mean()) if scored else None)  # type: ignore[arg-type]
            for name, low, high in AGE_GROUPS
        },
    }


def feature_drift(reference: pl.DataFrame, current: pl.DataFrame, bins: int) -> dict[str, float | None]:
    """Each feature's population stability index against the reference, on the model's fine bins
    merged into about ``bins`` by the reference (missing values a bin of their own).

    Args:
        reference, current: feature, bin, people (fine bins; bins absent count as empty).
    """
    features = sorted(set(reference["feature"].to_list()) | set(current["feature"].to_list()))
    both = (
        reference.select("feature", "bin", pl.col("people").alias("reference"))
        .join(
            current.select("feature", "bin", pl.col("people").alias("current")),
            on=["feature", "bin"],
            how="full",
            coalesce=True,
        )
        .fill_null(0)
        .sort("feature", "bin")
    )
    drift: dict[str, float | None] = {}
    for name in features:
        rows = both.filter(pl.col("feature") == name)
        known = rows.filter(pl.col("bin") != MISSING)
        missing = rows.filter(pl.col("bin") == MISSING)
        gone = (float(missing["reference"].sum()), float(missing["current"].sum()))
        psi = feature_stability(known["reference"].to_list(), known["current"].to_list(), bins, gone)
        drift[name] = None if np.isnan(psi) else psi
    return drift


def horizons_matured(as_of: date, horizons: Sequence[int], as_at: date) -> list[int]:
    """The horizons whose window from ``as_of`` has closed on or before ``as_at`` (the data held)."""
    return [h for h in horizons if add_months(as_of, h) <= as_at]
