"""A blended learner: LightGBM's and logistic regression's log-odds, mixed by a weight chosen on a
validation slice of the training rows, then calibrated on the calibration rows as the model is.

Used by `cohort model cv --blend` to measure what blending buys. It is not the shipped learner:
its explanations would need the logistic part's contributions beside the trees' SHAP values, and
the logistic part's coefficients are not held to the registry's monotone directions (see the
README, "Cross-validating on other data").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from models.baseline import fit_logistic_matrix
from models.learner import Calibrator, LearnerError
from models.settings import ModelSettings
from models.tuning import fit_tuned, validation_slice

BLEND_WEIGHTS = np.round(np.linspace(0.0, 1.0, 21), 2)
"""The learner's shares of the log-odds tried, 0 (logistic alone) to 1 (LightGBM alone)."""

VALIDATION_SHARE = 0.2
"""The training rows' share that chooses the weight when the settings have no ``tuning`` section."""


@dataclass(frozen=True)
class BlendedModel:
    """weight x LightGBM's log-odds + (1 - weight) x logistic regression's, calibrated."""

    booster: lgb.Booster
    logistic: Pipeline
    weight: float  # LightGBM's share, in [0, 1]
    calibrator: Calibrator  # on the blended log-odds
    features: tuple[str, ...]

    def margin(self, matrix: np.ndarray) -> np.ndarray:
        """The blended, uncalibrated log-odds."""
        return blended(self.booster, self.logistic, self.weight, matrix)

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        """The calibrated probability of the outcome."""
        return np.asarray(np.clip(self.calibrator(self.margin(matrix)), 0.0, 1.0))


def blended(booster: lgb.Booster, logistic: Pipeline, weight: float, matrix: np.ndarray) -> np.ndarray:
    """``weight`` of the booster's log-odds plus the rest of the logistic regression's."""
    trees = np.asarray(booster.predict(matrix, raw_score=True))
    linear = np.asarray(logistic.decision_function(matrix))
    return np.asarray(weight * trees + (1.0 - weight) * linear)


def blend_weight(
    learner_margin: np.ndarray, logistic_margin: np.ndarray, outcome: np.ndarray, weight: np.ndarray | None
) -> float:
    """The share of the learner's log-odds with the highest AUC on these (validation) rows; ties go
    to the larger share (the learner the programme explains)."""
    aucs = [
        roc_auc_score(outcome, w * learner_margin + (1.0 - w) * logistic_margin, sample_weight=weight)
        for w in BLEND_WEIGHTS
    ]
    best = len(aucs) - 1 - int(np.argmax(aucs[::-1]))
    return float(BLEND_WEIGHTS[best])


def calibrate_margin(margin: np.ndarray, outcome: np.ndarray, method: str) -> Calibrator:
    """A calibrator from log-odds to probability fitted on rows the blend never saw: isotonic
    regression clipped at the ends (as scikit-learn's CalibratedClassifierCV fits it), or Platt's
    sigmoid (an unpenalised logistic regression on the log-odds)."""
    if outcome.size == 0 or outcome.min() == outcome.max():
        raise LearnerError(f"the calibration rows have {int(outcome.sum())} outcomes in {outcome.size} rows")
    if method == "isotonic":
        fitted = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margin, outcome)
        parameters = {"x": fitted.X_thresholds_.tolist(), "y": fitted.y_thresholds_.tolist()}
    else:
        platt = LogisticRegression(C=np.inf).fit(margin.reshape(-1, 1), outcome)
        parameters = {"a": [-float(platt.coef_[0, 0])], "b": [-float(platt.intercept_[0])]}
    return Calibrator(method, "margin", parameters)


def fit_blend(
    train: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    calibration: tuple[np.ndarray, np.ndarray],
    features: Sequence[str],
    monotone: Sequence[int],
    settings: ModelSettings,
    as_of: np.ndarray | None = None,
) -> tuple[BlendedModel, dict[str, Any]]:
    """Choose the weight on a validation slice of the training rows, refit both parts on all of
    them, calibrate the blend on the calibration rows.

    Args:
        train: the training rows (matrix, outcome, weight or None).
        calibration: the calibration rows (matrix, outcome).
        features: the matrix's column names.
        monotone: LightGBM's constraint per feature.
        settings: the learner, its optional tuning (applied to the LightGBM part) and calibration.
        as_of: each training row's snapshot date, for a time-ordered slice (None: stratified).

    Returns:
        The model, and what was chosen: ``weight`` and, when tuned, the learner's ``tuned`` values.
    """
    matrix, outcome, weight = train
    share = settings.tuning.validation_share if settings.tuning else VALIDATION_SHARE
    fit, valid = validation_slice(outcome, share, settings.learner["seed"], as_of)
    fit_as_of = None if as_of is None else as_of[fit]
    fit_weight = None if weight is None else weight[fit]
    trial, _ = fit_tuned(
        matrix[fit], outcome[fit], fit_weight, monotone, settings.learner, settings.tuning, fit_as_of
    )
    trial_logistic = fit_logistic_matrix(matrix[fit], outcome[fit], fit_weight)
    share_of_trees = blend_weight(
        np.asarray(trial.booster_.predict(matrix[valid], raw_score=True)),
        np.asarray(trial_logistic.decision_function(matrix[valid])),
        outcome[valid],
        None if weight is None else weight[valid],
    )
    classifier, tuned = fit_tuned(matrix, outcome, weight, monotone, settings.learner, settings.tuning, as_of)
    logistic = fit_logistic_matrix(matrix, outcome, weight)
    calibration_margin = blended(classifier.booster_, logistic, share_of_trees, calibration[0])
    calibrator = calibrate_margin(calibration_margin, calibration[1], settings.calibration)
    model = BlendedModel(classifier.booster_, logistic, share_of_trees, calibrator, tuple(features))
    return model, {"weight": share_of_trees, **({"tuned": tuned.chosen} if tuned else {})}
