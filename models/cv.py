"""Cross-validate the risk model's learner on any person-level table (`cohort model cv`).

So a board can check the method on data from elsewhere: the same LightGBM settings (monotone
constraints for columns the registry knows, and directions declared for the rest), calibrated the
same way on a part of each training fold, scored out of fold and measured with the same metrics,
beside the logistic-regression baseline training uses, fitted on the same rows of the same folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedKFold, train_test_split

from features.registry import registry
from models.baseline import fit_logistic_matrix
from models.blend import BlendedModel, fit_blend
from models.evaluate import model_metrics
from models.learner import RiskModel, calibrate, monotone_constraints
from models.settings import ModelSettings
from models.tuning import fit_tuned

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


def monotone_with_directions(features: Sequence[str], directions: dict[str, int]) -> list[int]:
    """The registry's constraint per feature, with ``directions`` (column -> 1 or -1) for columns
    the registry does not know.

    Raises:
        TableError: a direction names a column that is not a feature, or one the registry
            already gives a direction (features/registry.yaml decides those).
    """
    known = registry()
    for name in directions:
        if name not in features:
            raise TableError(f"--increasing/--decreasing {name}: no such feature column in the table")
        if name in known:
            raise TableError(
                f"--increasing/--decreasing {name}: features/registry.yaml already declares its "
                f"direction ({known[name].direction}); leave the option out"
            )
    return [
        directions.get(name, constraint)
        for name, constraint in zip(features, monotone_constraints(features, known), strict=True)
    ]


def cross_validate(
    table: pl.DataFrame,
    outcome: str,
    settings: ModelSettings,
    exclude: Sequence[str] = (),
    folds: int = 5,
    *,
    blend: bool = False,
    directions: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Out-of-fold calibrated probabilities from the learner, measured like the trained model,
    beside the logistic-regression baseline fitted on the same training rows of the same folds.

    Each fold's training part (all but the held-out fold) loses a stratified CALIBRATION_SHARE
    to calibration; the rest trains, and, with the settings' ``tuning`` section or ``blend``, a
    validation slice of it chooses (:mod:`models.tuning`, :mod:`models.blend`). The held-out fold
    is only scored.

    Args:
        blend: the blended learner (:func:`models.blend.fit_blend`) instead of LightGBM alone.
        directions: monotone directions (1 or -1) for columns the registry does not know.

    Returns:
        The learner's metrics (``auc``, ``pr_auc``, ``brier``, ``ece``, ``precision_at``,
        ``recall_at``, ``rows``, ``positives``, ``prevalence``), ``fold_auc`` per fold,
        ``features`` used, ``logistic`` (the baseline's metrics and ``fold_auc``),
        ``fold_difference`` (learner - logistic per fold), ``mean_difference``, ``folds_led``,
        ``learner`` ("lightgbm" or "blend"), ``directions`` and ``chosen`` (per fold: the blend's
        weight and the tuned values, where there were any).
    """
    matrix, y, features = table_matrix(table, outcome, exclude)
    positives = int(y.sum())
    if positives < folds * 2 or y.size - positives < folds * 2:
        raise TableError(
            f"{outcome}: {positives} of {y.size} rows have the outcome; too few for {folds} folds"
        )
    monotone = monotone_with_directions(features, directions or {})
    seed = settings.learner["seed"]
    scores = {name: (np.zeros(y.size), np.zeros(y.size)) for name in ("learner", "logistic")}
    fold_auc: dict[str, list[float]] = {"learner": [], "logistic": []}
    chosen: list[dict[str, Any]] = []
    for fit_rows, held_out in StratifiedKFold(folds, shuffle=True, random_state=seed).split(matrix, y):
        train_rows, calibration_rows = train_test_split(
            fit_rows, test_size=CALIBRATION_SHARE, stratify=y[fit_rows], random_state=seed
        )
        train = (matrix[train_rows], y[train_rows], None)
        calibration = (matrix[calibration_rows], y[calibration_rows])
        model, choice = _fit_fold(train, calibration, features, monotone, settings, blend)
        logistic = fit_logistic_matrix(*train)
        fold_scores = {
            "learner": (model.margin(matrix[held_out]), model.probability(matrix[held_out])),
            "logistic": (
                logistic.decision_function(matrix[held_out]),
                logistic.predict_proba(matrix[held_out])[:, 1],
            ),
        }
        for name, (margin, probability) in fold_scores.items():
            scores[name][0][held_out], scores[name][1][held_out] = margin, probability
            fold_auc[name].append(model_metrics(y[held_out], margin, probability, settings).auc)
        chosen.append(choice)
    # ranked by log-odds, calibration judged on the probability, as for a trained model
    metrics = model_metrics(y, *scores["learner"], settings).as_dict()
    baseline = model_metrics(y, *scores["logistic"], settings).as_dict()
    difference = [a - b for a, b in zip(fold_auc["learner"], fold_auc["logistic"], strict=True)]
    return {
        **metrics,
        "folds": folds,
        "fold_auc": fold_auc["learner"],
        "features": features,
        "learner": "blend" if blend else "lightgbm",
        "directions": {
            name: ("increasing" if d > 0 else "decreasing") for name, d in (directions or {}).items()
        },
        "logistic": {**baseline, "fold_auc": fold_auc["logistic"]},
        "fold_difference": difference,
        "mean_difference": float(np.mean(difference)),
        "folds_led": sum(d > 0 for d in difference),
        "chosen": chosen if any(chosen) else [],
    }


def _fit_fold(
    train: tuple[np.ndarray, np.ndarray, None],
    calibration: tuple[np.ndarray, np.ndarray],
    features: list[str],
    monotone: list[int],
    settings: ModelSettings,
    blend: bool,
) -> tuple[RiskModel | BlendedModel, dict[str, Any]]:
    """One fold's calibrated learner, and what it chose on its validation slice (if anything)."""
    if blend:
        return fit_blend(train, calibration, features, monotone, settings)
    classifier, tuned = fit_tuned(*train, monotone, settings.learner, settings.tuning)
    calibrator = calibrate(classifier, *calibration, settings.calibration)
    return RiskModel(classifier.booster_, calibrator, tuple(features)), (
        {"tuned": tuned.chosen} if tuned else {}
    )
