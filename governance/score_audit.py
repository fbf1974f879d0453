"""The fairness audit of scores against the outcomes that followed (governance/fairness.py says how
a group beyond a limit is judged): rates, calibration and disparities within each group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate

from governance.fairness import (
    NOT_RECORDED,
    breach,
    ordered_groups,
    rate,
    ratio,
    settings_document,
    split_beyond,
)
from governance.fairness_settings import FairnessSettings, Limit
from models.metrics import expected_calibration_error

SCORES_SCHEMA = "cohort.fairness.scores/1"
GROUP_ECE_BINS = 5
RATES = {
    "selection_rate": "selection rate",
    "false_positive_rate": "false positive rate",
    "false_negative_rate": "false negative rate",
    "positive_predictive_value": "positive predictive value",
    "observed_rate": "observed rate",
}
RATIOS = {  # limit -> the rate it compares with everyone's, as a ratio
    "selection_rate_ratio": "selection_rate",
    "false_positive_rate_ratio": "false_positive_rate",
    "false_negative_rate_ratio": "false_negative_rate",
}


def audit_scores(
    outcome: npt.ArrayLike,
    score: npt.ArrayLike,
    selected: npt.ArrayLike,
    groups: pl.DataFrame,
    settings: FairnessSettings,
    *,
    describe: Mapping[str, Any],
    probability: bool = True,
) -> dict[str, Any]:
    """The audit of scores against the outcomes that followed, overall and within each group.

    Args:
        outcome: 1 where the outcome was observed, else 0.
        score: each row's score (a calibrated probability when ``probability``).
        selected: True where the score put the row forward (above the threshold, in the top K...).
        groups: one text column per characteristic, aligned with the rows (nulls read "not recorded").
        describe: what was audited: outcome, score, threshold, selection (text) and rows (read, used,
            excluded), copied into the document.
        probability: the scores are probabilities, so calibration within each group is measured.

    Returns:
        A "cohort.fairness.scores/1" document.
    """
    y = np.asarray(outcome, dtype=np.int8)
    s = np.asarray(score, dtype=np.float64)
    chosen = np.asarray(selected, dtype=bool)
    if not (y.shape == s.shape == chosen.shape and y.shape[0] == groups.height):
        raise ValueError("outcome, score, selected and groups must have one entry per row")
    overall = _score_group("everyone", y, s, chosen, settings, probability)
    attributes = []
    for attribute in groups.columns:
        labels = groups[attribute].cast(pl.String).fill_null(NOT_RECORDED)
        fairlearn_rates = _fairlearn_rates(y, chosen, labels)
        members = labels.to_numpy()
        rows = []
        for label in ordered_groups(labels.unique().to_list(), attribute, settings):
            at = members == label
            group = _score_group(label, y[at], s[at], chosen[at], settings, probability)
            for measure, value in fairlearn_rates[label].items():
                if group["metrics"][measure]["denominator"]:  # fairlearn reads 0 where nothing divides
                    group["metrics"][measure]["value"] = value
            group["disparity"] = _score_disparity(group, overall)
            rows.append(group)
        attributes.append({"attribute": attribute, "groups": rows})
    document: dict[str, Any] = {"schema": SCORES_SCHEMA, **describe, "settings": settings_document(settings)}
    document |= {"overall": overall, "attributes": attributes}
    document["breaches"], document["watch"] = split_beyond(
        _score_breaches(attributes, overall, settings), settings
    )
    return document


def _fairlearn_rates(y: np.ndarray, chosen: np.ndarray, labels: pl.Series) -> dict[str, dict[str, float]]:
    """Selection, false positive and false negative rates by group from fairlearn's MetricFrame.

    The rows are first counted by (outcome, selected, group) and the counts passed as sample weights,
    which gives the same rates as the rows themselves at a tiny fraction of the cost (MetricFrame
    calls its metrics row by row inside pandas, too slow for a force's test window).
    """
    cells = (
        pl.DataFrame({"y": y, "selected": chosen.astype(np.int8), "group": labels})
        .group_by("y", "selected", "group")
        .agg(pl.len().alias("rows"))
    )
    metrics = {
        "selection_rate": selection_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
    }
    weights = cells["rows"].to_numpy()
    frame = MetricFrame(
        metrics=metrics,
        y_true=cells["y"].to_numpy(),
        y_pred=cells["selected"].to_numpy(),
        sensitive_features=cells["group"].to_numpy(),
        sample_params={name: {"sample_weight": weights} for name in metrics},
    )
    by_group = frame.by_group
    return {str(label): {m: float(by_group.loc[label, m]) for m in metrics} for label in by_group.index}


def _score_group(
    label: str,
    y: np.ndarray,
    s: np.ndarray,
    chosen: np.ndarray,
    settings: FairnessSettings,
    probability: bool,
) -> dict[str, Any]:
    n, outcomes, picked = int(y.size), int(y.sum()), int(chosen.sum())
    hits = int((chosen & (y == 1)).sum())
    c = settings.confidence
    metrics: dict[str, Any] = {
        "selection_rate": rate(picked, n, c),
        "false_positive_rate": rate(picked - hits, n - outcomes, c),
        "false_negative_rate": rate(outcomes - hits, outcomes, c),
        "positive_predictive_value": rate(hits, picked, c),
        "observed_rate": rate(outcomes, n, c),
        "mean_score": float(s.mean()) if n else None,
        "calibration_gap": None,
        "calibration_error": None,
    }
    if probability and n:
        metrics["calibration_gap"] = float(s.mean()) - outcomes / n
        metrics["calibration_error"] = expected_calibration_error(y, s, bins=GROUP_ECE_BINS)
    return {"group": label, "count": n, "outcomes": outcomes, "selected": picked, "metrics": metrics}


def _score_disparity(group: dict[str, Any], overall: dict[str, Any]) -> dict[str, float | None]:
    mine, everyone = group["metrics"], overall["metrics"]
    disparity: dict[str, float | None] = {
        limit: ratio(mine[measure]["value"], everyone[measure]["value"]) for limit, measure in RATIOS.items()
    }
    ppv, ppv_all = mine["positive_predictive_value"]["value"], everyone["positive_predictive_value"]["value"]
    disparity["positive_predictive_value_difference"] = (
        None if ppv is None or ppv_all is None else ppv - ppv_all
    )
    disparity["calibration_gap"] = mine["calibration_gap"]
    return disparity


def _score_breaches(
    attributes: list[dict[str, Any]], overall: dict[str, Any], settings: FairnessSettings
) -> list[dict[str, Any]]:
    """Every group beyond a limit, where its denominator is large enough to judge."""
    breaches = []
    everyone = overall["metrics"]
    for attribute in attributes:
        for group in attribute["groups"]:
            metrics = group["metrics"]
            for limit_name, value in group["disparity"].items():
                limit = settings.limits.get(limit_name)
                if limit is None or value is None or limit.holds(value):
                    continue
                measure = RATIOS.get(limit_name) or (
                    "positive_predictive_value"
                    if limit_name == "positive_predictive_value_difference"
                    else "observed_rate"
                )
                measured = metrics[measure]
                if measured["denominator"] < settings.min_group_size:
                    continue
                low, high = _bounds(limit_name, limit, everyone, metrics)
                clear = measured["high"] < low or measured["low"] > high
                breaches.append(
                    breach(attribute["attribute"], group["group"], limit_name, value, limit, clear,
                            _score_message(limit_name, group, value, everyone, settings))
                )  # fmt: skip
    return breaches


def _bounds(
    limit_name: str, limit: Limit, everyone: dict[str, Any], metrics: dict[str, Any]
) -> tuple[float, float]:
    """The limit as a range of the group's own rate, to compare with its confidence interval."""
    if limit_name in RATIOS:
        reference = everyone[RATIOS[limit_name]]["value"]
        return limit.low * reference, limit.high * reference
    if limit_name == "positive_predictive_value_difference":
        reference = everyone["positive_predictive_value"]["value"]
        return reference + limit.low, reference + limit.high
    # calibration gap = mean score - observed rate: the observed rate's range that keeps it within
    mean = metrics["mean_score"]
    return mean - limit.high, mean - limit.low


def _score_message(
    limit_name: str, group: dict[str, Any], value: float, everyone: dict[str, Any], settings: FairnessSettings
) -> str:
    metrics = group["metrics"]
    level = f"{settings.confidence:.0%}"
    if limit_name == "calibration_gap":
        observed = metrics["observed_rate"]
        return (
            f"predicted {metrics['mean_score']:.1%} on average but {observed['value']:.1%} had the outcome "
            f"({level} interval {observed['low']:.1%} to {observed['high']:.1%})"
        )
    measure = RATIOS.get(limit_name, "positive_predictive_value")
    mine, theirs = metrics[measure], everyone[measure]
    compared = (
        f"{value:.2f} times everyone's {theirs['value']:.1%}"
        if limit_name in RATIOS
        else f"{value:+.1%} against everyone's {theirs['value']:.1%}"
    )
    return (
        f"{RATES[measure]} {mine['value']:.1%} ({level} interval {mine['low']:.1%} to {mine['high']:.1%}; "
        f"{mine['numerator']:,} of {mine['denominator']:,}), {compared}"
    )
