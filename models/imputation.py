"""Median imputation with missing-value indicators for the logistic baseline, computed directly.

It gives exactly what scikit-learn's ``SimpleImputer(strategy="median", add_indicator=True,
keep_empty_features=True)`` gives: the same medians, the same filled matrix, the same indicator
columns. SimpleImputer takes the medians with ``numpy.ma.median``, which sorts the whole masked
matrix; at force scale (millions of training rows) that alone took about 48 s. Here each
column's median is a partial sort (``numpy.partition``) of its known values.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

COLUMNS_PER_BLOCK = 8
"""Columns copied together into column order for the medians: contiguous columns are quick to
partition, and a block (not the whole matrix) bounds the extra memory to a few columns' worth."""

EMPTY_COLUMN_FILL = 0.0
"""What a column with no known training value is filled with (SimpleImputer's keep_empty_features)."""


def column_medians(matrix: np.ndarray) -> np.ndarray:
    """Each column's median over its known (non-NaN) values, in the matrix's dtype.

    The median of an even count is the mean of the two middle values, summed and halved in the
    matrix's dtype, as ``numpy.ma.median`` does, so a float32 matrix gives SimpleImputer's float32
    medians bit for bit. A column with no known value gets :data:`EMPTY_COLUMN_FILL`.
    """
    medians = np.empty(matrix.shape[1], dtype=matrix.dtype)
    for start in range(0, matrix.shape[1], COLUMNS_PER_BLOCK):
        block = np.asfortranarray(matrix[:, start : start + COLUMNS_PER_BLOCK])
        for offset in range(block.shape[1]):
            medians[start + offset] = _median_of_known(block[:, offset])
    return medians


def _median_of_known(column: np.ndarray) -> float:
    known = column[~np.isnan(column)]
    if known.size == 0:
        return EMPTY_COLUMN_FILL
    upper = known.size // 2
    lower = upper if known.size % 2 else upper - 1
    middle = np.partition(known, (lower, upper))
    # summed and halved in the column's dtype; a float holds any float32 or float64 value exactly
    return float((middle[lower] + middle[upper]) / column.dtype.type(2))


def imputed(matrix: np.ndarray, medians: np.ndarray, indicator_columns: np.ndarray) -> np.ndarray:
    """``matrix`` with each missing value replaced by its column's median, followed by a 0/1
    column per ``indicator_columns`` marking where that column's values were missing.

    The result is written into one array made at its final size: joining a filled copy and the
    indicators would write the millions of training rows twice.
    """
    missing = np.isnan(matrix)
    out = np.empty((matrix.shape[0], matrix.shape[1] + indicator_columns.size), dtype=matrix.dtype)
    values = out[:, : matrix.shape[1]]
    values[...] = matrix
    np.copyto(values, medians.astype(matrix.dtype, copy=False)[np.newaxis, :], where=missing)
    out[:, matrix.shape[1] :] = missing[:, indicator_columns]
    return out


class MedianImputer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Fills each column's unknowns with its training median and appends, for every column that
    had unknowns in training, a 0/1 column saying which values were unknown.

    A scikit-learn transformer, so the baseline stays one Pipeline that fits on the training rows
    and scores the test rows with the training medians. Columns with no unknowns in training get
    no indicator (unknowns that first appear in later rows are filled, as SimpleImputer does).

    Attributes:
        statistics_: the training medians, one per column.
        indicator_columns_: the columns that had unknowns in training, in order.
    """

    def fit(self, matrix: np.ndarray, outcome: np.ndarray | None = None) -> MedianImputer:
        """Take the medians and note which columns had unknowns; ``outcome`` is ignored."""
        matrix = _floating(matrix)
        self.statistics_ = column_medians(matrix)
        self.indicator_columns_ = np.flatnonzero(np.isnan(matrix).any(axis=0))
        self.n_features_in_ = matrix.shape[1]
        return self

    def transform(self, matrix: np.ndarray) -> np.ndarray:
        """The filled matrix, then the indicator columns (in the matrix's dtype, as SimpleImputer)."""
        matrix = _floating(matrix)
        if matrix.ndim != 2 or matrix.shape[1] != self.n_features_in_:
            raise ValueError(f"expected a matrix of {self.n_features_in_} columns, got shape {matrix.shape}")
        return imputed(matrix, self.statistics_, self.indicator_columns_)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "statistics_")


def _floating(matrix: np.ndarray) -> np.ndarray:
    """The matrix as floats (integers become float64, as scikit-learn's imputers make them)."""
    matrix = np.asarray(matrix)
    return matrix if np.issubdtype(matrix.dtype, np.floating) else matrix.astype(np.float64)
