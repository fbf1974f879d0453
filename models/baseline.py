"""The logistic-regression baseline on a bare matrix (for `cohort model cv` and the blend).

The same pipeline training measures the model against (:func:`models.evaluate.fit_logistic`:
median imputation with indicators, signed log, standardised, L2 logistic regression), given the
rows of a table rather than snapshot rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.pipeline import Pipeline

from models.dataset import Rows
from models.evaluate import fit_logistic


def fit_logistic_matrix(
    matrix: np.ndarray, outcome: np.ndarray, weight: np.ndarray | None = None
) -> Pipeline:
    """The baseline fitted on ``matrix`` rows with their 0/1 ``outcome`` (equal weights if None)."""
    keys = pl.DataFrame(
        {
            "outcome": outcome.astype(np.int8),
            "weight": np.ones(outcome.size) if weight is None else weight.astype(np.float64),
        }
    )
    features = tuple(f"column_{i}" for i in range(matrix.shape[1]))
    return fit_logistic(Rows(keys, matrix, features))
