"""Metrics on tiny hand-worked examples, plus calibration on large synthetic samples with a fixed seed."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from models.metrics import (
    Metrics,
    auc,
    brier,
    evaluate,
    expected_calibration_error,
    pr_auc,
    precision_recall_at,
    reliability,
)

# the textbook example: of the 4 positive-negative pairs, 3 are ordered correctly
Y = np.array([0, 0, 1, 1])
SCORE = np.array([0.1, 0.4, 0.35, 0.8])


def calibrated_sample(seed: int, n: int = 200_000) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities with a mean near 3% and outcomes drawn from exactly those probabilities."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.5, 16.0, n)
    return (rng.random(n) < p).astype(int), p


def test_auc_counts_correctly_ordered_pairs() -> None:
    assert auc(Y, SCORE) == pytest.approx(0.75)


def test_auc_counts_a_tied_pair_as_half() -> None:
    # pairs (pos 0.5, neg 0.5) tie and (pos 0.5, neg 0.2) is right: (0.5 + 1) / 2
    assert auc([1, 0, 0], [0.5, 0.5, 0.2]) == pytest.approx(0.75)


def test_auc_is_nan_with_one_class() -> None:
    assert math.isnan(auc([0, 0, 0], [0.1, 0.2, 0.3]))


def test_pr_auc_is_average_precision() -> None:
    # positives found at ranks 1 and 3: 0.5 * 1 + 0.5 * 2/3
    assert pr_auc(Y, SCORE) == pytest.approx(0.5 + 1 / 3)


def test_pr_auc_is_nan_without_positives() -> None:
    assert math.isnan(pr_auc([0, 0], [0.1, 0.2]))


def test_brier_is_mean_squared_error() -> None:
    assert brier([1, 0], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)


def test_precision_at_k_without_ties() -> None:
    assert precision_recall_at([1, 0, 0, 1], [0.9, 0.8, 0.1, 0.2], 2) == pytest.approx((0.5, 0.5))


def test_tie_straddling_the_cut_counts_by_expectation() -> None:
    # 3 is in; one place left among the three 2s, of whom one is positive: 1/3 of a hit
    precision, recall = precision_recall_at([1, 1, 0, 0, 1], [3, 2, 2, 2, 1], 2)
    assert precision == pytest.approx((1 + 1 / 3) / 2)
    assert recall == pytest.approx((1 + 1 / 3) / 3)


def test_tie_ending_exactly_at_the_cut_counts_fully() -> None:
    assert precision_recall_at([1, 0, 1, 0], [3, 2, 2, 1], 3) == pytest.approx((2 / 3, 1.0))


def test_all_tied_scores_give_the_prevalence() -> None:
    # rules alone: everyone scores 1, so any list of 2 holds 1/4 of a positive per place
    assert precision_recall_at([True, False, False, False], [1, 1, 1, 1], 2) == pytest.approx((0.25, 0.5))


def test_list_larger_than_the_population_takes_everyone() -> None:
    assert precision_recall_at([1, 0, 1, 0, 1], [5, 4, 3, 2, 1], 10) == pytest.approx((0.6, 1.0))


def test_recall_is_nan_without_positives() -> None:
    precision, recall = precision_recall_at([0, 0, 0], [0.3, 0.2, 0.1], 2)
    assert precision == 0.0
    assert math.isnan(recall)


def test_list_of_size_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        precision_recall_at([1, 0], [0.2, 0.1], 0)


def test_quantile_bins_by_hand() -> None:
    # median edge 0.2 splits the two 0.1s from the two 0.3s: |0 - 0.1| and |0.5 - 0.3|, half the rows each
    y, p = [0, 0, 1, 0], [0.1, 0.1, 0.3, 0.3]
    curve = reliability(y, p, bins=2)
    assert [(b.lower, b.upper, b.mean_predicted, b.observed_rate) for b in curve] == [
        pytest.approx((0.1, 0.2, 0.1, 0.0)),
        pytest.approx((0.2, 0.3, 0.3, 0.5)),
    ]
    assert [b.count for b in curve] == [2, 2]
    assert expected_calibration_error(y, p, bins=2) == pytest.approx(0.5 * 0.1 + 0.5 * 0.2)


def test_uniform_bins_are_closed_on_the_right_and_skip_empty_bins() -> None:
    curve = reliability([0, 1, 0, 1], [0.05, 0.1, 0.15, 0.95], bins=10, strategy="uniform")
    assert [b.count for b in curve] == [2, 1, 1]
    assert [b.lower for b in curve] == pytest.approx([0.0, 0.1, 0.9])
    assert [b.upper for b in curve] == pytest.approx([0.1, 0.2, 1.0])


def test_equal_probabilities_share_one_quantile_bin() -> None:
    # 90% of people at one calibrated value (isotonic steps): the quantile bins merge around it
    p = np.array([0.01] * 90 + list(np.linspace(0.02, 0.5, 10)))
    y = np.zeros(100, dtype=int)
    curve = reliability(y, p, bins=10)
    holding = [b for b in curve if b.lower <= 0.01 <= b.upper and b.count >= 90]
    assert len(holding) == 1
    assert sum(b.count for b in curve) == 100


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_bin_counts_sum_to_the_rows(strategy: str) -> None:
    y, p = calibrated_sample(seed=1, n=5_000)
    curve = reliability(y, p, bins=10, strategy=strategy)  # type: ignore[arg-type]
    assert sum(b.count for b in curve) == 5_000
    assert all(b.lower <= b.mean_predicted <= b.upper for b in curve)


def test_ece_is_near_zero_when_calibrated() -> None:
    y, p = calibrated_sample(seed=2)
    assert expected_calibration_error(y, p) < 0.005
    assert expected_calibration_error(y, p, strategy="uniform") < 0.005


def test_ece_is_large_when_probabilities_are_shifted() -> None:
    y, p = calibrated_sample(seed=3)
    assert expected_calibration_error(y, np.minimum(p + 0.05, 1.0)) > 0.04


@pytest.mark.parametrize(
    ("y", "score", "message"),
    [
        ([0, 1, 0], [0.1, 0.2], "equal lengths"),
        ([0, math.nan], [0.1, 0.2], "NaN"),
        ([0, 2], [0.1, 0.2], "0/1"),
        ([0, 1], [0.1, math.nan], "score contains"),
        ([], [], "empty"),
        ([[0, 1]], [[0.1, 0.2]], "1-D"),
    ],
)
def test_bad_inputs_are_refused(y: list[object], score: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(y, score)  # type: ignore[arg-type]


def test_probabilities_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier([0, 1], [0.5, 1.5])


def test_unknown_binning_is_refused() -> None:
    with pytest.raises(ValueError, match="strategy"):
        reliability([0, 1], [0.1, 0.2], strategy="width")  # type: ignore[arg-type]


def test_evaluate_a_tied_count_heuristic_without_probability_metrics() -> None:
    metrics = evaluate([1, 1, 0, 0, 1], [3, 2, 2, 2, 1], list_sizes=(2, 10), probability=False)
    assert (metrics.rows, metrics.positives, metrics.prevalence) == (5, 3, 0.6)
    assert metrics.brier is None and metrics.ece is None
    assert metrics.at[2] == pytest.approx(((1 + 1 / 3) / 2, (1 + 1 / 3) / 3))
    assert metrics.at[10] == pytest.approx((0.6, 1.0))


def test_evaluate_probabilities() -> None:
    metrics = evaluate(Y, SCORE, list_sizes=(1,))
    assert metrics.auc == pytest.approx(0.75)
    assert metrics.brier == pytest.approx(np.mean((SCORE - Y) ** 2))
    assert metrics.ece is not None
    assert metrics.at == {1: (1.0, 0.5)}


def test_as_dict_is_json_with_nan_as_none() -> None:
    metrics = evaluate([0, 0, 0], [0.1, 0.2, 0.3], list_sizes=(45, 100))
    assert isinstance(metrics, Metrics)
    out = json.loads(json.dumps(metrics.as_dict(), allow_nan=False))
    assert list(out) == [
        "rows",
        "positives",
        "prevalence",
        "auc",
        "pr_auc",
        "brier",
        "ece",
        "precision_at",
        "recall_at",
    ]
    assert out["auc"] is None and out["pr_auc"] is None
    assert out["precision_at"] == {"45": 0.0, "100": 0.0}
    assert out["recall_at"] == {"45": None, "100": None}
