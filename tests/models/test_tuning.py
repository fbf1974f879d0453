"""Tuning the learner: the validation slice is the latest snapshots (or a stratified share), the
choice is made on it alone, and the better candidate wins."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

import models.tuning
from models.learner import LearnerError, fit_booster
from models.settings import TuningSettings
from models.tuning import fit_tuned, tune_learner, validation_parts, validation_slice

LEARNER = {
    "n_estimators": 30,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "max_depth": 4,
    "min_child_samples": 20,
    "subsample": 1.0,
    "colsample_bytree": 1.0,
    "reg_lambda": 1.0,
    "seed": 5,
    "threads": 1,
}


def tuning(**grid: list[Any]) -> TuningSettings:
    return TuningSettings(0.25, "log_loss", None, 10, 200, {k: tuple(v) for k, v in grid.items()})


def rows(n: int = 1_200, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A rising signal, noise, and four monthly snapshot dates of n / 4 rows each, in date order."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (rng.random(n) < 1 / (1 + np.exp(0.5 - 2.0 * x[:, 0]))).astype(np.int8)
    months = np.repeat(np.array([date(2025, m, 1) for m in (1, 2, 3, 4)], dtype="datetime64[D]"), n // 4)
    return x, y, months


def test_the_time_ordered_slice_is_the_latest_snapshots_making_the_share() -> None:
    _, y, months = rows(40)  # 10 rows a month
    fit, valid = validation_slice(y, 0.2, 1, months)  # the latest month (10 of 40) makes 0.2
    assert valid.tolist() == list(range(30, 40)) and fit.tolist() == list(range(30))
    _, valid = validation_slice(y, 0.3, 1, months)  # one month is 0.25 < 0.3: two months
    assert valid.tolist() == list(range(20, 40))
    _, valid = validation_slice(y, 0.99, 1, months)  # never every month: one is left to fit on
    assert valid.tolist() == list(range(10, 40))


def test_one_snapshot_cannot_be_tuned_in_time_order() -> None:
    _, y, months = rows(40)
    with pytest.raises(LearnerError, match="at least 2 training snapshots"):
        validation_slice(y, 0.2, 1, np.full(40, months[0]))


def test_without_dates_the_slice_is_a_stratified_share() -> None:
    _, y, _ = rows(400)
    fit, valid = validation_slice(y, 0.25, 1)
    assert valid.size == 100 and np.intersect1d(fit, valid).size == 0 and fit.size + valid.size == 400
    assert abs(y[valid].mean() - y.mean()) < 0.01


def test_validation_folds_judge_every_row_once_but_dated_rows_keep_the_slice() -> None:
    _, y, months = rows(400)
    folds = TuningSettings(0.25, "log_loss", 4, 10, 200, {"num_leaves": (7,)})
    parts = validation_parts(y, folds, 1, None)
    assert len(parts) == 4
    assert np.array_equal(np.sort(np.concatenate([valid for _, valid in parts])), np.arange(400))
    (only,) = validation_parts(y, folds, 1, months)
    assert only[1].tolist() == list(range(300, 400))


def test_tuning_fits_on_earlier_snapshots_and_judges_on_the_latest(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y, months = rows()
    seen: list[tuple[np.ndarray, np.ndarray]] = []

    def recording(matrix: np.ndarray, *args: Any) -> Any:
        seen.append((matrix, args[4][0]))  # the fitting rows and the validation rows
        return fit_booster(matrix, *args)

    monkeypatch.setattr(models.tuning, "fit_booster", recording)
    tuned = tune_learner(x, y, None, [1, 0], LEARNER, tuning(num_leaves=[3, 7]), months)
    assert len(seen) == 2 and tuned.validation_rows == 300
    for fitting, validating in seen:
        assert np.array_equal(fitting, x[:900]) and np.array_equal(validating, x[900:])


def test_the_candidate_that_cannot_split_loses() -> None:
    x, y, months = rows()
    # 5,000 rows a leaf is more than the table: that candidate can only predict the base rate
    tuned = tune_learner(x, y, None, [1, 0], LEARNER, tuning(min_child_samples=[5_000, 20]), months)
    assert tuned.chosen["min_child_samples"] == 20 and tuned.learner["min_child_samples"] == 20
    assert 1 <= tuned.chosen["n_estimators"] <= 200 and tuned.tried == 2
    assert tuned.learner["n_estimators"] == tuned.chosen["n_estimators"]


def test_no_tuning_section_fits_the_learner_as_given() -> None:
    x, y, _ = rows()
    classifier, tuned = fit_tuned(x, y, None, [1, 0], LEARNER, None)
    assert tuned is None
    plain = fit_booster(x, y, None, [1, 0], LEARNER)
    assert classifier.booster_.model_to_string() == plain.booster_.model_to_string()


def test_the_tuned_model_is_refitted_on_every_training_row() -> None:
    x, y, months = rows()
    classifier, tuned = fit_tuned(x, y, None, [1, 0], LEARNER, tuning(num_leaves=[3, 7]), months)
    assert tuned is not None
    again = fit_booster(x, y, None, [1, 0], tuned.learner)
    assert classifier.booster_.model_to_string() == again.booster_.model_to_string()
