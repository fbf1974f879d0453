"""Choose the learner's settings on a validation slice of the training rows (settings ``tuning``).

Each combination of the grid is fitted on the training rows less the slice, with early stopping
on the slice's log-loss (or AUC, ``choose_by``); the best is refitted on all the training rows
with the trees early stopping kept. The slice is the latest training snapshots when the rows have
dates (later data judge the choice, as the test window later judges the model), else a
stratified share. Calibration and test rows are never given to this module, so they cannot sway
the choice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from models.booster import LearnerError, fit_booster
from models.settings import TuningSettings

log = logging.getLogger(__name__)

METRICS = {"log_loss": "binary_logloss", "auc": "auc"}
"""LightGBM's name for each ``tuning.choose_by``."""


@dataclass(frozen=True)
class Tuned:
    """What the search chose: the learner section to refit with, and how it was judged."""

    learner: dict[str, Any]  # the settings' learner section with the chosen values and n_estimators
    chosen: dict[str, Any]  # the grid's values chosen, and n_estimators
    validation_score: float  # the slice's log-loss or AUC (``choose_by``) at the chosen trees
    validation_rows: int
    tried: int


def validation_slice(
    outcome: np.ndarray, share: float, seed: int, as_of: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The rows to fit on and the rows to validate on (indices, ascending).

    Args:
        outcome: 0/1 per training row.
        share: about this share of the rows validates.
        seed: for the stratified slice.
        as_of: each row's snapshot date: the slice is then the latest snapshots whose rows make
            at least ``share`` (at least one snapshot, never all); None for a stratified share.

    Raises:
        LearnerError: one snapshot only, or a part without both outcomes.
    """
    rows = np.arange(outcome.size)
    if as_of is None:
        fit, valid = train_test_split(rows, test_size=share, stratify=outcome, random_state=seed)
    else:
        dates, counts = np.unique(as_of, return_counts=True)
        if dates.size < 2:
            raise LearnerError("tuning needs at least 2 training snapshots: the latest validate")
        latest = int(np.searchsorted(np.cumsum(counts[::-1]), share * outcome.size)) + 1
        validating = as_of >= dates[-min(latest, dates.size - 1)]
        fit, valid = rows[~validating], rows[validating]
    for name, part in (("fitting", fit), ("validation", valid)):
        if np.unique(outcome[part]).size < 2:
            raise LearnerError(f"tuning: the {name} rows need rows with and without the outcome")
    return np.sort(fit), np.sort(valid)


def tune_learner(
    matrix: np.ndarray,
    outcome: np.ndarray,
    weight: np.ndarray | None,
    monotone: Sequence[int],
    learner: dict[str, Any],
    tuning: TuningSettings,
    as_of: np.ndarray | None = None,
) -> Tuned:
    """Try every combination of the grid on the validation slice; the best wins (ties: the first):
    the lowest log-loss, or the highest AUC, as ``tuning.choose_by`` says.

    Args:
        matrix, outcome, weight: the training rows only.
        monotone: LightGBM's constraint per feature; kept for every candidate.
        learner: the settings' learner section (the values the grid does not set).
        tuning: the grid, the slice's share, early stopping.
        as_of: each row's snapshot date, for a time-ordered slice (None: stratified).
    """
    parts = validation_parts(outcome, tuning, learner["seed"], as_of)
    best: tuple[float, dict[str, Any], int] | None = None
    candidates = tuning.candidates()
    for candidate in candidates:
        params = {**learner, **candidate, "n_estimators": tuning.max_estimators}
        scores, trees = [], []
        for fit, valid in parts:
            classifier = fit_booster(
                matrix[fit], outcome[fit], _part(weight, fit), monotone, params,
                (matrix[valid], outcome[valid], _part(weight, valid)),
                tuning.early_stopping_rounds, METRICS[tuning.choose_by],
            )  # fmt: skip
            scores.append(_validation_score(classifier, tuning.choose_by))
            trees.append(int(classifier.best_iteration_ or tuning.max_estimators))
        score = float(np.mean(scores))
        if best is None or (score > best[0] if tuning.choose_by == "auc" else score < best[0]):
            best = (score, candidate, max(round(float(np.mean(trees))), 1))
    assert best is not None  # the schema asks for at least one value per grid setting
    score, candidate, trees_kept = best
    chosen = {**candidate, "n_estimators": trees_kept}
    validating = sum(valid.size for _, valid in parts)
    log.info(
        "tuning chose %s (validation %s %.4f on %d rows, %d tried)",
        chosen, tuning.choose_by, score, validating, len(candidates),
    )  # fmt: skip
    return Tuned({**learner, **chosen}, chosen, score, validating, len(candidates))


def validation_parts(
    outcome: np.ndarray, tuning: TuningSettings, seed: int, as_of: np.ndarray | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (fit rows, validation rows) pairs each candidate is judged on: the one slice
    (:func:`validation_slice`), or, for rows without dates and ``tuning.validation_folds`` set,
    stratified folds of the training rows (every row validates once: less noise on small tables;
    rows with dates keep the time-ordered slice, as folds would let earlier snapshots be judged
    by a model fitted on later ones)."""
    if as_of is not None or tuning.validation_folds is None:
        return [validation_slice(outcome, tuning.validation_share, seed, as_of)]
    folds = StratifiedKFold(tuning.validation_folds, shuffle=True, random_state=seed)
    return [(fit, valid) for fit, valid in folds.split(np.zeros(outcome.size), outcome)]


def _part(weight: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if weight is None else weight[rows]


def _validation_score(classifier: lgb.LGBMClassifier, choose_by: str) -> float:
    """The validation rows' score at the best iteration (the last when nothing stopped early)."""
    scores = next(iter(classifier.best_score_.values()))
    return float(scores[METRICS[choose_by]])


def fit_tuned(
    matrix: np.ndarray,
    outcome: np.ndarray,
    weight: np.ndarray | None,
    monotone: Sequence[int],
    learner: dict[str, Any],
    tuning: TuningSettings | None,
    as_of: np.ndarray | None = None,
) -> tuple[lgb.LGBMClassifier, Tuned | None]:
    """The booster on all the training rows: with the learner section as given when ``tuning`` is
    None, else with what :func:`tune_learner` chose on a slice of the same rows."""
    if tuning is None:
        return fit_booster(matrix, outcome, weight, monotone, learner), None
    tuned = tune_learner(matrix, outcome, weight, monotone, learner, tuning, as_of)
    return fit_booster(matrix, outcome, weight, monotone, tuned.learner), tuned
