"""Recalibrating a model in use: a new calibrator on later rows, the trees untouched.

The calibrator is fitted as training fits it (scikit-learn's CalibratedClassifierCV on the frozen
classifier, :func:`models.learner.calibrate`); here the classifier is the stored booster, wrapped so
that scikit-learn sees a fitted binary classifier whose decision function is the booster's log-odds.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from models.learner import Calibrator, LearnerError, RiskModel


class BoosterClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A trained LightGBM booster as a fitted scikit-learn binary classifier (FrozenEstimator never
    refits it): its decision function is the booster's log-odds, as LGBMClassifier's is."""

    classes_ = np.array([0, 1])

    def __init__(self, booster: lgb.Booster | None = None) -> None:
        self.booster = booster

    def __sklearn_is_fitted__(self) -> bool:
        return self.booster is not None

    def fit(self, matrix: np.ndarray, outcome: np.ndarray) -> BoosterClassifier:
        raise NotImplementedError("the booster is already trained: recalibration never refits it")

    def decision_function(self, matrix: np.ndarray) -> np.ndarray:
        assert self.booster is not None
        return np.asarray(self.booster.predict(matrix, raw_score=True))

    def predict_proba(self, matrix: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(matrix)))
        return np.column_stack([1.0 - p, p])

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        return (self.decision_function(matrix) > 0).astype(int)


def recalibrated(model: RiskModel, matrix: np.ndarray, outcome: np.ndarray, method: str) -> RiskModel:
    """The model with a calibrator fitted anew on ``matrix`` and ``outcome``; the trees are the same.

    Args:
        model: the model in use.
        matrix: the model's features on rows whose outcome window has closed.
        outcome: their outcome (0/1).
        method: "isotonic" or "sigmoid" (the model's calibration.method).

    Raises:
        LearnerError: the rows hold only one class.
    """
    if outcome.size == 0 or outcome.min() == outcome.max():
        raise LearnerError(
            f"the recalibration rows have {int(outcome.sum())} outcomes in {outcome.size} rows"
        )
    frozen = FrozenEstimator(BoosterClassifier(model.booster))
    fitted = CalibratedClassifierCV(frozen, method=method).fit(matrix, outcome)
    (calibrator,) = fitted.calibrated_classifiers_[0].calibrators
    parameters: dict[str, Any]
    if method == "isotonic":
        parameters = {"x": calibrator.X_thresholds_.tolist(), "y": calibrator.y_thresholds_.tolist()}
    else:
        parameters = {"a": [float(calibrator.a_)], "b": [float(calibrator.b_)]}
    return RiskModel(model.booster, Calibrator(method, "margin", parameters), model.features)
