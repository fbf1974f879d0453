"""Fit one LightGBM booster: deterministic, with monotone constraints, optionally early-stopped.

The bottom of the learner: :mod:`models.tuning` fits candidates with it and :mod:`models.learner`
the model (and re-exports it, with :class:`LearnerError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import lightgbm as lgb
import numpy as np

from models.settings import DEFAULT_LEARNER_THREADS


class LearnerError(ValueError):
    """The training rows cannot train or calibrate a model."""


def fit_booster(
    matrix: np.ndarray,
    outcome: np.ndarray,
    weight: np.ndarray | None,
    monotone: Sequence[int],
    params: dict[str, Any],
    validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None,
    early_stopping_rounds: int = 0,
    metric: str = "auc",
) -> lgb.LGBMClassifier:
    """Fit LightGBM (deterministic: fixed seed, one deterministic thread order).

    Args:
        matrix: the training rows' features (NaN where unknown).
        outcome: 0/1 per row.
        weight: per row (the sampling's 1 / share), or None for equal weights.
        monotone: LightGBM's constraint per feature (:func:`monotone_constraints`).
        params: the settings' ``learner`` section: LGBMClassifier's parameters, with ``seed``
            (its random_state) and ``threads`` (its n_jobs; DEFAULT_LEARNER_THREADS if absent).
        validation: rows (matrix, outcome, weight) the fit is measured on, tree by tree
            (models.tuning); never rows the model is later judged or calibrated on.
        early_stopping_rounds: with ``validation``, stop once this many trees have not improved
            its ``metric`` (``best_iteration_`` is then the best count).
        metric: LightGBM's metric on ``validation``: "auc" or "binary_logloss".
    """
    if outcome.size == 0 or outcome.min() == outcome.max():
        raise LearnerError(
            f"the training rows have {int(outcome.sum())} outcomes in {outcome.size} rows: "
            "a model needs rows with and without the outcome"
        )
    if params.get("linear_tree") and any(monotone):
        raise LearnerError(
            "learner: linear_tree cannot be used with monotone constraints (LightGBM's linear leaves "
            "do not respect them): leave linear_tree out, or give no feature a direction"
        )
    settings = dict(params)
    seed = settings.pop("seed")
    threads = settings.pop("threads", DEFAULT_LEARNER_THREADS)
    classifier = lgb.LGBMClassifier(
        **settings,
        subsample_freq=1 if settings.get("subsample", 1.0) < 1.0 else 0,
        monotone_constraints=list(monotone),
        monotone_constraints_method="advanced",
        random_state=seed,
        deterministic=True,
        force_row_wise=True,
        n_jobs=threads,
        verbose=-1,
    )
    if validation is None:
        return classifier.fit(matrix, outcome, sample_weight=weight)
    valid_matrix, valid_outcome, valid_weight = validation
    return classifier.fit(
        matrix, outcome, sample_weight=weight,
        eval_X=(valid_matrix,), eval_y=(valid_outcome,),
        eval_sample_weight=None if valid_weight is None else [valid_weight], eval_metric=metric,
        callbacks=[lgb.early_stopping(early_stopping_rounds, first_metric_only=True, verbose=False)]
        if early_stopping_rounds else None,
    )  # fmt: skip
