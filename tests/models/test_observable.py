"""The cross-fitted expectation: close to E[target | features], and never remembering a group."""

from __future__ import annotations

import numpy as np
import pytest

from models.observable import cross_fitted_expectation


def world(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk from a recorded x (two levels) and a hidden z the features never show."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n)
    z = rng.normal(size=n)
    target = 1 / (1 + np.exp(-(-3 + 2 * x + z)))
    return x.reshape(-1, 1).astype(float), target, np.arange(n) // 3  # three rows per person


def test_the_hidden_trait_is_averaged_over_people_with_the_same_records() -> None:
    features, target, groups = world(6000, 1)
    expected = cross_fitted_expectation(features, target, groups)
    for level in (0, 1):
        rows = features[:, 0] == level
        assert expected[rows].mean() == pytest.approx(target[rows].mean(), abs=0.01)
        assert expected[rows].std() < 0.01  # one value per record, whatever z was


def test_a_person_is_never_predicted_by_a_fit_that_saw_them() -> None:
    features, target, groups = world(3000, 2)
    features = np.hstack([features, groups.reshape(-1, 1).astype(float)])  # a column naming the person
    target[groups == 7] = 0.99  # one person far above everyone with the same records
    expected = cross_fitted_expectation(features, target, groups)
    assert expected[groups == 7].max() < 0.5


@pytest.mark.parametrize(
    ("target", "folds", "message"),
    [
        (np.full(30, 1.5), 5, "probability in"),
        (np.full(30, 0.1), 1, "folds must be between"),
        (np.full(29, 0.1), 5, "one target and one group per row"),
    ],
)
def test_bad_input_is_refused_with_what_to_do(target: np.ndarray, folds: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cross_fitted_expectation(np.zeros((30, 1)), target, np.arange(30), folds=folds)
