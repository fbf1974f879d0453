"""Monitoring a model once it is used: realised and expected performance, calibration drift and
population stability, each a pure function of predictions and outcomes.

Realised metrics are measured as the model's own evaluation measures its test window
(:func:`models.evaluate.model_metrics`): ranking (AUC, precision at the list size) from the
log-odds, calibration (ECE, reliability) from the calibrated probability, with the same bins. So a
run made at the model's test as_of, measured at the full horizon, reproduces the evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from models.metrics import (
    ReliabilityBin,
    auc,
    expected_calibration_error,
    precision_recall_at,
    reliability,
)

PSI_FLOOR = 1e-4
"""A bin's share is taken as at least this when computing PSI, so an empty bin counts as a large shift
rather than an infinite one (the usual convention)."""


@dataclass(frozen=True)
class ExpectedConfusion:
    """The confusion matrix the calibrated probabilities expect for the top ``k`` of ``n`` people:
    the sum of the probabilities of those selected is the outcomes expected among them, and so on."""

    n: int
    k: int
    true_positives: float
    false_positives: float
    false_negatives: float
    true_negatives: float

    @property
    def precision(self) -> float:
        return self.true_positives / self.k if self.k else math.nan

    @property
    def recall(self) -> float:
        outcomes = self.true_positives + self.false_negatives
        return self.true_positives / outcomes if outcomes else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "precision": _json(self.precision), "recall": _json(self.recall)}


@dataclass(frozen=True)
class Realised:
    """The realised performance of one run's predictions for one group at one horizon."""

    rows: int
    outcomes: int
    auc: float  # from the log-odds; NaN with only one class
    k: int  # the list size, capped at the group's size
    precision_at_k: float
    ece: float | None  # None with no rows
    observed_rate: float
    expected_rate: float  # the mean probability, scaled to the horizon
    observed_to_expected: float  # calibration in the large; NaN when nothing is expected
    reliability: list[ReliabilityBin]

    def as_dict(self) -> dict[str, Any]:
        values = {k: _json(v) if isinstance(v, float) else v for k, v in asdict(self).items()}
        return values | {"reliability": [asdict(b) for b in self.reliability]}


def _json(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def top_k(score: npt.ArrayLike, k: int) -> np.ndarray:
    """A boolean mask of the ``k`` highest scores (ties at the cut go to the earlier row, as a stable
    sort by descending score)."""
    s = np.asarray(score, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    mask = np.zeros(s.size, dtype=bool)
    mask[order[: max(0, min(k, s.size))]] = True
    return mask


def expected_confusion(probability: npt.ArrayLike, selected: npt.ArrayLike) -> ExpectedConfusion:
    """The confusion matrix expected before any outcome is known, from calibrated probabilities.

    Args:
        probability: each person's calibrated probability of the outcome.
        selected: whether each person is selected (for example :func:`top_k` of the log-odds).

    Returns:
        Expected true positives (sum of p among the selected), false positives (the selected's
        sum of 1 - p), false negatives (sum of p among the rest) and true negatives.
    """
    p = np.asarray(probability, dtype=np.float64)
    chosen = np.asarray(selected, dtype=bool)
    if p.shape != chosen.shape:
        raise ValueError(f"probability and selected differ in shape: {p.shape} and {chosen.shape}")
    tp = float(p[chosen].sum())
    fn = float(p[~chosen].sum())
    k = int(chosen.sum())
    return ExpectedConfusion(int(p.size), k, tp, k - tp, fn, float((~chosen).sum()) - fn)


def scaled_to_horizon(probability: npt.ArrayLike, months: int, model_months: int) -> np.ndarray:
    """The probability of the outcome within ``months`` from one over ``model_months``, at a constant
    hazard: 1 - (1 - p) ** (months / model_months). The same p at the model's own horizon."""
    p = np.asarray(probability, dtype=np.float64)
    if months == model_months:
        return p
    return np.asarray(1.0 - np.power(1.0 - np.clip(p, 0.0, 1.0), months / model_months))


def realised(
    outcome: npt.ArrayLike,
    margin: npt.ArrayLike,
    probability: npt.ArrayLike,
    *,
    k: int,
    bins: int,
) -> Realised:
    """Realised performance once the window has closed.

    Args:
        outcome: 0/1 whether each person had the outcome in the window.
        margin: the model's log-odds (ranks people sharing a calibrated probability, as the
            evaluation does).
        probability: the calibrated probability, already scaled to the window
            (:func:`scaled_to_horizon`).
        k: the list size.
        bins: quantile bins for the ECE and reliability (the model's evaluation.reliability_bins).
    """
    y = np.asarray(outcome, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    if y.size == 0:
        return Realised(0, 0, math.nan, 0, math.nan, None, math.nan, math.nan, math.nan, [])
    size = min(k, y.size)
    expected = float(p.mean())
    observed = float(y.mean())
    return Realised(
        rows=int(y.size),
        outcomes=int(y.sum()),
        auc=auc(y, margin),
        k=size,
        precision_at_k=precision_recall_at(y, margin, size)[0] if size else math.nan,
        ece=expected_calibration_error(y, p, bins),
        observed_rate=observed,
        expected_rate=expected,
        observed_to_expected=observed / expected if expected > 0 else math.nan,
        reliability=reliability(y, p, bins),
    )


def coarse_bins(reference: Sequence[float], target: int) -> list[int]:
    """Merge adjacent fine bins into about ``target`` bins of equal reference share.

    Fine bins (in value order) are added to the current coarse bin until it holds at least
    1 / ``target`` of the reference; a last coarse bin left smaller than that joins the one before.

    Args:
        reference: each fine bin's count (or share) in the reference data, in value order.
        target: the number of coarse bins wanted.

    Returns:
        The coarse bin of each fine bin (0, 1, ...), non-decreasing.
    """
    counts = np.asarray(reference, dtype=np.float64)
    total = counts.sum()
    if counts.size == 0:
        return []
    if total <= 0:
        return [0] * counts.size
    wanted = total / target
    groups, current, held = [], 0, 0.0
    for count in counts:
        if held >= wanted:
            current, held = current + 1, 0.0
        groups.append(current)
        held += count
    if current > 0 and held < wanted:  # a thin last bin joins the one before
        groups = [g if g < current else current - 1 for g in groups]
    return groups


def population_stability(reference: npt.ArrayLike, current: npt.ArrayLike) -> float:
    """The population stability index: sum over bins of (current - reference) * ln(current / reference).

    Args:
        reference, current: each bin's count (or share) in the two populations, the same bins in the
            same order. Shares below ``PSI_FLOOR`` are raised to it.

    Returns:
        The PSI (0: the same distribution; above 0.25 is usually read as a major shift), or NaN
        when either population is empty.
    """
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if ref.shape != cur.shape:
        raise ValueError(f"reference and current have different bins: {ref.shape} and {cur.shape}")
    if ref.sum() <= 0 or cur.sum() <= 0:
        return math.nan
    e = np.maximum(ref / ref.sum(), PSI_FLOOR)
    a = np.maximum(cur / cur.sum(), PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def feature_stability(
    reference: Sequence[float], current: Sequence[float], target: int, missing: tuple[float, float] | None
) -> float:
    """A feature's PSI on the model's fine bins merged to about ``target`` bins by the reference.

    Args:
        reference, current: counts in the fine bins (value order), without the missing values.
        target: coarse bins wanted.
        missing: the (reference, current) counts of missing values, kept as a bin of their own.
    """
    groups = coarse_bins(reference, target)
    size = (max(groups) + 1) if groups else 0
    ref = np.bincount(groups, weights=np.asarray(reference, np.float64), minlength=size)
    cur = np.bincount(groups, weights=np.asarray(current, np.float64), minlength=size)
    if missing is not None and (missing[0] > 0 or missing[1] > 0):
        ref, cur = np.append(ref, missing[0]), np.append(cur, missing[1])
    return population_stability(ref, cur)
