"""Cross-fitted conditional expectation: E[target | features], never predicted for a group it was fitted on.

The observable oracle (pipelines/train/oracle.py) uses it to regress the synthetic world's true
risk on the recorded profile: the expectation over everyone with the same records of the risk
the generator gave them, so whatever the records cannot tell apart (latent traits, protected
characteristics) is averaged over the population.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.model_selection import GroupKFold

FOLDS = 5
REGRESSOR: dict[str, Any] = {
    "objective": "cross_entropy",  # a probability target in [0, 1]: log-loss on soft labels
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "verbose": -1,
    # one thread: on a shared, loaded machine two OpenMP threads took 30 times as long
    "n_jobs": 1,
}


def cross_fitted_expectation(
    features: np.ndarray, target: np.ndarray, groups: np.ndarray, folds: int = FOLDS, seed: int = 0
) -> np.ndarray:
    """Out-of-fold predictions of a LightGBM regression of `target` (in [0, 1]) on `features`.

    Rows are split into `folds` by `groups` (e.g. the person), so every row is predicted by a
    regression fitted without any row of its group: the estimate never remembers a person.

    Args:
        features: rows x features (missing values as NaN).
        target: one value in [0, 1] per row.
        groups: one group label per row.
        folds: number of folds (at least 2 and at most the number of groups).
        seed: LightGBM's seed.

    Returns:
        One out-of-fold prediction in [0, 1] per row.
    """
    if target.size != features.shape[0] or groups.size != target.size:
        raise ValueError(
            f"cross_fitted_expectation: {features.shape[0]} feature rows, {target.size} targets and "
            f"{groups.size} groups; give one target and one group per row"
        )
    if np.any((target < 0) | (target > 1)) or np.any(np.isnan(target)):
        raise ValueError("cross_fitted_expectation: the target must be a probability in [0, 1], with no gaps")
    if not 2 <= folds <= np.unique(groups).size:
        raise ValueError(
            f"cross_fitted_expectation: folds must be between 2 and the number of groups, got {folds}"
        )
    predicted = np.empty(target.size, dtype=np.float64)
    for fitted, held_out in GroupKFold(folds).split(features, target, groups):
        regression = lgb.LGBMRegressor(**REGRESSOR, random_state=seed)
        regression.fit(features[fitted], target[fitted])
        predicted[held_out] = regression.predict(features[held_out])
    clipped: np.ndarray = np.clip(predicted, 0.0, 1.0)
    return clipped
