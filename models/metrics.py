"""Evaluation metrics for ranked lists: discrimination, calibration and precision/recall at list sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score, roc_auc_score

Floats = npt.NDArray[np.float64]
Strategy = Literal["quantile", "uniform"]
JsonValue = int | float | None | dict[str, float | None]


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability curve: its probability range, mean prediction, observed rate and size."""

    lower: float
    upper: float
    mean_predicted: float
    observed_rate: float
    count: int


@dataclass(frozen=True)
class Metrics:
    """Every metric for one model on one window; brier and ece are None when scores are not probabilities."""

    rows: int
    positives: int
    prevalence: float
    auc: float
    pr_auc: float
    brier: float | None
    ece: float | None
    at: dict[int, tuple[float, float]]
    """Precision and recall of the top k, keyed by list size k."""

    def as_dict(self) -> dict[str, JsonValue]:
        """Plain JSON-safe values: NaN becomes None, list sizes become string keys.

        Returns:
            A dict with keys rows, positives, prevalence, auc, pr_auc, brier, ece, precision_at, recall_at.
        """
        return {
            "rows": self.rows,
            "positives": self.positives,
            "prevalence": _json_float(self.prevalence),
            "auc": _json_float(self.auc),
            "pr_auc": _json_float(self.pr_auc),
            "brier": _json_float(self.brier),
            "ece": _json_float(self.ece),
            "precision_at": {str(k): _json_float(p) for k, (p, _) in self.at.items()},
            "recall_at": {str(k): _json_float(r) for k, (_, r) in self.at.items()},
        }


def _json_float(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(value)


def _checked(y: npt.ArrayLike, score: npt.ArrayLike, probability: bool = False) -> tuple[Floats, Floats]:
    """Outcomes and scores as float arrays, or ValueError saying what is wrong with them."""
    y_arr = np.asarray(y, dtype=np.float64)
    s_arr = np.asarray(score, dtype=np.float64)
    if y_arr.ndim != 1 or s_arr.ndim != 1:
        raise ValueError(f"y and score must be 1-D arrays, got shapes {y_arr.shape} and {s_arr.shape}")
    if len(y_arr) != len(s_arr):
        raise ValueError(f"y and score must have equal lengths, got {len(y_arr)} and {len(s_arr)}")
    if len(y_arr) == 0:
        raise ValueError("y and score are empty: nothing to evaluate")
    if np.isnan(y_arr).any():
        raise ValueError(f"y contains {int(np.isnan(y_arr).sum())} NaN values: outcomes must be 0 or 1")
    if not np.isin(y_arr, (0.0, 1.0)).all():
        raise ValueError("y must contain only 0/1 (or False/True)")
    if np.isnan(s_arr).any():
        raise ValueError(f"score contains {int(np.isnan(s_arr).sum())} NaN values")
    if probability and ((s_arr < 0.0) | (s_arr > 1.0)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    return y_arr, s_arr


def auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """Area under the ROC curve (tied scores count one half).

    Args:
        y: Outcomes, 0/1 or bool.
        score: Scores; higher means more likely to be positive.

    Returns:
        The ROC AUC, or NaN when y holds only one class.
    """
    y_arr, s_arr = _checked(y, score)
    if len(np.unique(y_arr)) < 2:
        return math.nan
    return float(roc_auc_score(y_arr, s_arr))


def pr_auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """Area under the precision-recall curve as average precision (tied scores enter at one threshold).

    Args:
        y: Outcomes, 0/1 or bool.
        score: Scores; higher means more likely to be positive.

    Returns:
        The average precision, or NaN when there are no positives.
    """
    y_arr, s_arr = _checked(y, score)
    if not y_arr.any():
        return math.nan
    return float(average_precision_score(y_arr, s_arr))


def brier(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Brier score: the mean squared difference between probability and outcome.

    Args:
        y: Outcomes, 0/1 or bool.
        p: Predicted probabilities in [0, 1].

    Returns:
        The Brier score (0 is perfect).
    """
    y_arr, p_arr = _checked(y, p, probability=True)
    return float(np.mean((p_arr - y_arr) ** 2))


def _bin_edges(p: Floats, bins: int, strategy: Strategy) -> Floats:
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if strategy == "quantile":
        # duplicate quantiles (many tied probabilities, as isotonic calibration gives) merge their bins
        return np.unique(np.quantile(p, np.linspace(0.0, 1.0, bins + 1)))
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, bins + 1)
    raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")


def reliability(
    y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10, strategy: Strategy = "quantile"
) -> list[ReliabilityBin]:
    """Reliability curve: mean predicted probability against observed rate, bin by bin.

    Bins are closed on the right (lower < p <= upper; the first also holds p == lower), so equal
    probabilities always share a bin. "quantile" bins have edges at quantiles of p: equal counts
    where ties allow, which keeps every bin populated when most probabilities are tiny. "uniform"
    bins split [0, 1] into equal widths. Empty bins are left out.

    Args:
        y: Outcomes, 0/1 or bool.
        p: Predicted probabilities in [0, 1].
        bins: Number of bins asked for (quantile bins may merge into fewer).
        strategy: "quantile" or "uniform".

    Returns:
        The non-empty bins in increasing order of probability.
    """
    y_arr, p_arr = _checked(y, p, probability=True)
    edges = _bin_edges(p_arr, bins, strategy)
    index = np.searchsorted(edges[1:-1], p_arr, side="left")
    curve = []
    for i in range(max(len(edges) - 1, 1)):
        members = index == i
        count = int(members.sum())
        if count == 0:
            continue
        curve.append(
            ReliabilityBin(
                lower=float(edges[i]),
                upper=float(edges[min(i + 1, len(edges) - 1)]),
                mean_predicted=float(p_arr[members].mean()),
                observed_rate=float(y_arr[members].mean()),
                count=count,
            )
        )
    return curve


def expected_calibration_error(
    y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10, strategy: Strategy = "quantile"
) -> float:
    """Expected calibration error: sum over bins of count / n * |observed rate - mean predicted|.

    Uses the bins of `reliability`: by default 10 quantile (equal-count) bins, so the figure is
    not dominated by one huge bin of near-zero probabilities. Values from different binnings are
    not comparable.

    Args:
        y: Outcomes, 0/1 or bool.
        p: Predicted probabilities in [0, 1].
        bins: Number of bins.
        strategy: "quantile" or "uniform".

    Returns:
        The ECE, between 0 (calibrated) and 1.
    """
    curve = reliability(y, p, bins, strategy)
    n = sum(b.count for b in curve)
    return sum(b.count / n * abs(b.observed_rate - b.mean_predicted) for b in curve)


def precision_recall_at(y: npt.ArrayLike, score: npt.ArrayLike, k: int) -> tuple[float, float]:
    """Precision and recall of a list of the k highest scores, with ties at the cut broken by expectation.

    Everyone scoring above the k-th highest score is on the list; of the group tied at that score,
    each member has an equal chance of filling the places left, so each counts as a fraction
    (places left / size of the tied group). This is the average over all random tie-breaks, and it
    is what makes heavily tied scores (rules alone, counts of offences) comparable with a model.

    Args:
        y: Outcomes, 0/1 or bool.
        score: Scores; higher means higher on the list.
        k: List size; a k above the number of rows means everyone.

    Returns:
        (precision, recall); recall is NaN when there are no positives.
    """
    y_arr, s_arr = _checked(y, score)
    if k < 1:
        raise ValueError(f"list size k must be at least 1, got {k}")
    n = len(s_arr)
    k = min(k, n)
    cut = np.partition(s_arr, n - k)[n - k]  # the k-th highest score
    above = s_arr > cut
    tied = s_arr == cut
    fraction = (k - int(above.sum())) / int(tied.sum())
    hits = float(y_arr[above].sum()) + fraction * float(y_arr[tied].sum())
    positives = float(y_arr.sum())
    return hits / k, hits / positives if positives else math.nan


def evaluate(
    y: npt.ArrayLike,
    score: npt.ArrayLike,
    list_sizes: Sequence[int] = (45, 100, 250),
    probability: bool = True,
    bins: int = 10,
) -> Metrics:
    """Every metric for one model's scores on one window.

    Args:
        y: Outcomes, 0/1 or bool.
        score: Scores, or probabilities when `probability` is True.
        list_sizes: List sizes for precision and recall at k.
        probability: Whether the scores are probabilities (adds the Brier score and the quantile ECE).
        bins: Number of quantile bins for the ECE.

    Returns:
        The metrics.
    """
    y_arr, s_arr = _checked(y, score, probability)
    positives = int(y_arr.sum())
    return Metrics(
        rows=len(y_arr),
        positives=positives,
        prevalence=positives / len(y_arr),
        auc=auc(y_arr, s_arr),
        pr_auc=pr_auc(y_arr, s_arr),
        brier=brier(y_arr, s_arr) if probability else None,
        ece=expected_calibration_error(y_arr, s_arr, bins) if probability else None,
        at={k: precision_recall_at(y_arr, s_arr, k) for k in list_sizes},
    )
