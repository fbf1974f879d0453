"""The blended learner: its weight is chosen on the validation slice, lies in [0, 1], and it scores."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from models.blend import BLEND_WEIGHTS, blend_weight, calibrate_margin, fit_blend
from models.learner import LearnerError
from models.metrics import auc
from models.settings import ModelSettings, load_settings, parse_settings


def settings(method: str = "isotonic") -> ModelSettings:
    document = copy.deepcopy(load_settings().document)
    document["learner"].update(n_estimators=40, min_child_samples=20, threads=1)
    document["calibration"]["method"] = method
    return parse_settings(document)


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A linear signal, a threshold the trees find, and noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    logit = -1.0 + 1.2 * x[:, 0] + 1.5 * (x[:, 1] > 0.5)
    return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)


def test_the_weight_goes_to_whichever_part_ranks_the_validation_rows() -> None:
    outcome = np.array([0, 0, 0, 1, 1, 1])
    perfect, reversed_ = np.array([0.0, 1, 2, 3, 4, 5]), np.array([5.0, 4, 3, 2, 1, 0])
    assert blend_weight(perfect, reversed_, outcome, None) == 1.0
    # below a half the logistic part outweighs the reversed learner: every such weight ranks
    # perfectly, and the tie goes to the largest, 0.45
    assert blend_weight(reversed_, perfect, outcome, None) == 0.45
    assert blend_weight(reversed_, np.zeros(6), outcome, None) == 0.0
    # a tie in AUC goes to the learner: every weight ranks two perfect scores perfectly
    assert blend_weight(perfect, perfect, outcome, None) == 1.0


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_the_blend_has_a_weight_in_the_unit_interval_and_scores(method: str) -> None:
    x, y = synthetic(3_000, 1)
    calibration, test = synthetic(1_000, 2), synthetic(1_000, 3)
    model, chosen = fit_blend((x, y, None), calibration, ["a", "b", "c"], [1, 1, 0], settings(method))
    assert 0.0 <= model.weight <= 1.0 and chosen == {"weight": model.weight}
    assert model.weight in BLEND_WEIGHTS
    probability = model.probability(test[0])
    assert probability.shape == (1_000,) and probability.min() >= 0 and probability.max() <= 1
    assert auc(test[1], model.margin(test[0])) > 0.75
    # calibrated on the calibration rows: there the mean probability is the rate of the outcome
    assert abs(model.probability(calibration[0]).mean() - calibration[1].mean()) < 1e-3


def test_the_margin_mixes_the_two_parts_by_the_weight() -> None:
    x, y = synthetic(2_000, 4)
    model, _ = fit_blend((x, y, None), synthetic(800, 5), ["a", "b", "c"], [0, 0, 0], settings())
    trees = model.booster.predict(x[:5], raw_score=True)
    linear = model.logistic.decision_function(x[:5])
    assert np.allclose(model.margin(x[:5]), model.weight * trees + (1 - model.weight) * linear)


def test_calibration_rows_need_both_outcomes() -> None:
    with pytest.raises(LearnerError, match="0 outcomes in 3 rows"):
        calibrate_margin(np.array([0.1, 0.2, 0.3]), np.array([0, 0, 0]), "isotonic")


def test_sigmoid_calibration_rises_with_the_margin() -> None:
    x, y = synthetic(2_000, 6)
    calibrator = calibrate_margin(x[:, 0].astype(np.float64), y, "sigmoid")
    assert np.all(np.diff(calibrator(np.linspace(-3, 3, 7))) > 0)
