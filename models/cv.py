"""Cross-validate the risk model's learner on any person-level table (`cohort model cv`).

So a board can check the method on data from elsewhere: the same LightGBM settings (monotone
constraints for columns the registry knows), calibrated the same way on a part of each
training fold, scored out of fold and measured with the same metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedKFold, train_test_split

from features.registry import registry
from models.evaluate import model_metrics
from models.learner import RiskModel, calibrate, fit_booster, monotone_constraints
from models.settings import ModelSettings

CALIBRATION_SHARE = 0.2


class TableError(ValueError):
    """The table cannot be cross-validated as given; the message names the column and the fix."""


def table_matrix(
    table: pl.DataFrame, outcome: str, exclude: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The feature matrix, the 0/1 outcome and the feature names, from a person-level table.

    Raises:
        TableError: the outcome is missing, not 0/1 or has gaps; a feature column is not a
            number or a yes/no; no feature columns are left.
    """
    if outcome not in table.columns:
        raise TableError(f"no column {outcome!r}: the columns are {', '.join(table.columns)}")
    missing = sorted(set(exclude) - set(table.columns))
    if missing:
        raise TableError(f"--exclude names columns the table lacks: {', '.join(missing)}")
    y = table[outcome]
    if y.null_count():
        raise TableError(f"{outcome}: {y.null_count()} rows have no outcome; drop them or fill them in")
    if y.dtype != pl.Boolean and not set(y.unique().to_list()) <= {0, 1}:
        raise TableError(f"{outcome}: the outcome must be 0/1 or true/false")
    features = [c for c in table.columns if c != outcome and c not in exclude]
    for name in features:
        dtype = table.schema[name]
        if not (dtype.is_numeric() or dtype == pl.Boolean):
            raise TableError(
                f"{name}: {dtype} is not a number or a yes/no; leave it out with --exclude {name}"
            )
    if not features:
        raise TableError("no feature columns are left once the outcome and --exclude are taken out")
    matrix = table.select(pl.col(features).cast(pl.Float32)).to_numpy().astype(np.float32, copy=False)
    return matrix, y.cast(pl.Int8).to_numpy(), features


def cross_validate(
    table: pl.DataFrame, outcome: str, settings: ModelSettings, exclude: Sequence[str] = (), folds: int = 5
) -> dict[str, Any]:
    """Out-of-fold calibrated probabilities from the learner, measured like the trained model.

    Returns:
        The metrics (``auc``, ``pr_auc``, ``brier``, ``ece``, ``precision_at``, ``recall_at``,
        ``rows``, ``positives``, ``prevalence``), ``fold_auc`` per fold, and ``features`` used.
    """
    matrix, y, features = table_matrix(table, outcome, exclude)
    positives = int(y.sum())
    if positives < folds * 2 or y.size - positives < folds * 2:
        raise TableError(
            f"{outcome}: {positives} of {y.size} rows have the outcome; too few for {folds} folds"
        )
    monotone = monotone_constraints(features, registry())
    seed = settings.learner["seed"]
    predicted, margin = np.zeros(y.size), np.zeros(y.size)
    fold_auc = []
    for fit_rows, held_out in StratifiedKFold(folds, shuffle=True, random_state=seed).split(matrix, y):
        train_rows, calibration_rows = train_test_split(
            fit_rows, test_size=CALIBRATION_SHARE, stratify=y[fit_rows], random_state=seed
        )
        classifier = fit_booster(matrix[train_rows], y[train_rows], None, monotone, settings.learner)
        calibrator = calibrate(
            classifier, matrix[calibration_rows], y[calibration_rows], settings.calibration
        )
        model = RiskModel(classifier.booster_, calibrator, tuple(features))
        predicted[held_out] = model.probability(matrix[held_out])
        margin[held_out] = model.margin(matrix[held_out])
        fold_auc.append(model_metrics(y[held_out], margin[held_out], predicted[held_out], settings).auc)
    # ranked by log-odds, calibration judged on the probability, as for a trained model
    metrics = model_metrics(y, margin, predicted, settings).as_dict()
    return {**metrics, "folds": folds, "fold_auc": fold_auc, "features": features}
