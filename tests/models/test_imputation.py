"""Median imputation for the logistic baseline: hand-computed medians and indicators, and exactly
scikit-learn's SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.impute import SimpleImputer

from models.imputation import MedianImputer, column_medians

NAN = np.nan

# columns: odd count known, even count known, never unknown, never known
TRAIN = np.array(
    [
        [1.0, 4.0, 3.0, NAN],
        [NAN, 1.0, 5.0, NAN],
        [7.0, NAN, 1.0, NAN],
        [2.0, 2.0, 4.0, NAN],
        [NAN, 9.0, 2.0, NAN],
    ],
    dtype=np.float32,
)


def reference() -> SimpleImputer:
    """What the baseline used before: the behaviour to keep."""
    return SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)


def test_medians_by_hand() -> None:
    # (1, 2, 7) -> 2; (1, 2, 4, 9) -> (2 + 4) / 2 = 3; (1..5) -> 3; nothing known -> 0
    np.testing.assert_array_equal(column_medians(TRAIN), np.array([2.0, 3.0, 3.0, 0.0], np.float32))


def test_unknowns_are_filled_and_marked_only_for_columns_with_unknowns_in_training() -> None:
    imputer = MedianImputer().fit(TRAIN)
    later = np.array([[NAN, NAN, NAN, 6.0]], dtype=np.float32)
    # filled: 2, 3, 3 (the third column had no unknowns in training: filled, not marked), 6 kept;
    # then indicators for the first, second and fourth columns
    np.testing.assert_array_equal(imputer.transform(later), [[2.0, 3.0, 3.0, 6.0, 1.0, 1.0, 0.0]])
    assert imputer.transform(TRAIN).shape == (5, 4 + 3)
    assert imputer.transform(later).dtype == np.float32


def test_a_column_never_known_in_training_is_filled_with_zero_and_kept() -> None:
    filled = MedianImputer().fit_transform(TRAIN)
    np.testing.assert_array_equal(filled[:, 3], np.zeros(5))
    np.testing.assert_array_equal(filled[:, 6], np.ones(5))  # and marked unknown everywhere


def random_matrix(rng: np.random.Generator, rows: int, dtype: type[np.floating]) -> np.ndarray:
    """Counts with many ties, continuous values, a column never known and one always known."""
    matrix = np.column_stack(
        [
            rng.poisson(1.5, rows),
            rng.normal(size=rows) * 1e3,
            rng.choice([0.0, 0.1, 2.5, -3.0], rows),
            np.full(rows, NAN),
            rng.exponential(size=rows),
        ]
    ).astype(dtype)
    matrix[:, :4][rng.random((rows, 4)) < rng.uniform(0.05, 0.7)] = NAN
    return matrix


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(6))
def test_exactly_what_simple_imputer_gives(dtype: type[np.floating], seed: int) -> None:
    rng = np.random.default_rng(seed)
    train = random_matrix(rng, int(rng.integers(2, 400)), dtype)
    later = random_matrix(rng, 50, dtype)
    later[rng.random(50) < 0.3, 4] = NAN  # unknowns in a column that had none in training
    ours, theirs = MedianImputer().fit(train), reference().fit(train)
    assert ours.statistics_.dtype == theirs.statistics_.dtype
    np.testing.assert_array_equal(ours.statistics_, theirs.statistics_, strict=True)
    for matrix in (train, later):
        np.testing.assert_array_equal(ours.transform(matrix), theirs.transform(matrix), strict=True)


def test_a_matrix_of_another_width_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a matrix of 4 columns, got shape"):
        MedianImputer().fit(TRAIN).transform(TRAIN[:, :3])
