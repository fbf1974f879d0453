"""The learner: LightGBM with the registry's monotone constraints, calibrated on later snapshots.

A trained :class:`RiskModel` is plain data (the booster's text, the calibrator's parameters,
the feature list), so it is stored without pickles and reads back identically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from features.registry import Feature
from models.booster import LearnerError as LearnerError
from models.booster import fit_booster as fit_booster
from models.settings import TuningSettings
from models.tuning import fit_tuned


@dataclass(frozen=True)
class Calibrator:
    """Maps the model's score to a calibrated probability (scikit-learn's fitted calibrator).

    ``scale`` is what scikit-learn fed the calibrator: the booster's ``margin`` (log-odds, when
    the classifier has ``decision_function``, as LightGBM has from 4.7) or its ``probability``.
    ``isotonic``: piecewise linear through (x, y) points, flat beyond the ends.
    ``sigmoid``: 1 / (1 + exp(a * s + b)) (Platt).
    """

    method: str
    scale: str
    parameters: dict[str, list[float]]

    def __call__(self, score: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            x, y = self.parameters["x"], self.parameters["y"]
            return np.asarray(np.interp(score, x, y))
        (a,), (b,) = self.parameters["a"], self.parameters["b"]
        return np.asarray(1.0 / (1.0 + np.exp(a * score + b)))


@dataclass(frozen=True)
class RiskModel:
    """A trained, calibrated model over ``features``."""

    booster: lgb.Booster
    calibrator: Calibrator
    features: tuple[str, ...]

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """The uncalibrated probability."""
        return np.asarray(self.booster.predict(self._checked(matrix)))

    def margin(self, matrix: np.ndarray) -> np.ndarray:
        """The uncalibrated log-odds (the sum of the SHAP contributions and the bias)."""
        return np.asarray(self.booster.predict(self._checked(matrix), raw_score=True))

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        """The calibrated probability of the outcome."""
        return self.calibrated(self.margin(matrix))

    def calibrated(self, margin: np.ndarray) -> np.ndarray:
        """The calibrated probability from the log-odds (one pass over the trees serves both)."""
        score = margin if self.calibrator.scale == "margin" else 1.0 / (1.0 + np.exp(-margin))
        return np.asarray(np.clip(self.calibrator(score), 0.0, 1.0))

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """SHAP values in log-odds, one column per feature then the bias (LightGBM pred_contrib,
        the same values as shap.TreeExplainer)."""
        return np.asarray(self.booster.predict(self._checked(matrix), pred_contrib=True))

    def _checked(self, matrix: np.ndarray) -> np.ndarray:
        if matrix.ndim != 2 or matrix.shape[1] != len(self.features):
            raise ValueError(f"expected a matrix of {len(self.features)} features, got shape {matrix.shape}")
        return matrix


def monotone_constraints(features: Sequence[str], registered: dict[str, Feature]) -> list[int]:
    """LightGBM's constraint per feature from the registry's direction (0 for unregistered columns)."""
    return [registered[name].monotone if name in registered else 0 for name in features]


def calibrate(
    classifier: lgb.LGBMClassifier, matrix: np.ndarray, outcome: np.ndarray, method: str
) -> Calibrator:
    """Fit the calibrator on rows the classifier never saw (scikit-learn's FrozenEstimator route)."""
    if outcome.size == 0 or outcome.min() == outcome.max():
        raise LearnerError(f"the calibration rows have {int(outcome.sum())} outcomes in {outcome.size} rows")
    fitted = CalibratedClassifierCV(FrozenEstimator(classifier), method=method).fit(matrix, outcome)
    (calibrator,) = fitted.calibrated_classifiers_[0].calibrators
    if method == "isotonic":
        parameters = {"x": calibrator.X_thresholds_.tolist(), "y": calibrator.y_thresholds_.tolist()}
    else:
        parameters = {"a": [float(calibrator.a_)], "b": [float(calibrator.b_)]}
    # scikit-learn calibrates decision_function where the classifier has one, else predict_proba
    scale = "margin" if hasattr(classifier, "decision_function") else "probability"
    return Calibrator(method, scale, parameters)


def train_model(
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    calibration: tuple[np.ndarray, np.ndarray],
    features: Sequence[str],
    registered: dict[str, Feature],
    params: dict[str, Any],
    method: str,
    tuning: TuningSettings | None = None,
    as_of: np.ndarray | None = None,
) -> RiskModel:
    """Fit on the training rows (matrix, outcome, weight), calibrate on the calibration rows.

    With ``tuning`` (the settings' optional section), the learner's settings are first chosen on
    a validation slice of the training rows: the latest snapshots by ``as_of`` (each training
    row's snapshot date), or a stratified share without it (:func:`models.tuning.fit_tuned`).
    """
    matrix, outcome, weight = train
    monotone = monotone_constraints(features, registered)
    classifier, _ = fit_tuned(matrix, outcome, weight, monotone, params, tuning, as_of)
    calibrator = calibrate(classifier, *calibration, method)
    return RiskModel(classifier.booster_, calibrator, tuple(features))
