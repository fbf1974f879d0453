"""Measure a trained model on the test window beside the baselines, on the same rows.

Baselines: the rules alone (the people they put forward, in no order: the rules select, they do
not rank), the same ranked by how many eligibility rules each meets, logistic regression on the
same features and training rows, and the count-of-prior-offences heuristic. On a synthetic world
two limits are compared on the rows they cover: the oracle (each person's true risk, from
re-simulating their future with what no agency records and with sex and deprivation) and the
observable oracle (the true risk's expectation given only what the extracts recorded, with
permitted inputs: the best a model on our records could do; pipelines/train/oracle.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from models.dataset import Rows
from models.imputation import MedianImputer
from models.learner import RiskModel
from models.metrics import Metrics, ReliabilityBin, evaluate, reliability
from models.settings import ModelSettings

MODEL = "risk model"
RULES = "rules alone"
RULES_RANKED = "rules, ranked by rules met"
LOGISTIC = "logistic regression"
PRIOR = "prior offences"
ORACLE = "oracle"
OBSERVABLE_ORACLE = "observable oracle"
TARGETS = {
    # the model's AUC at most this far below the observable oracle's, on the rows it covers
    "auc_within_observable_oracle": 0.01,
    # the model's precision at 45 at most this many points below the full oracle's, on its rows
    "precision_at_45_within_oracle_points": 3.0,
    "ece_at_most": 0.02,
    "precision_at_100_vs_rules": 1.5,  # times the rules alone
}
TOP = 45  # the list size of the precision target (Milton Keynes: 45 places)


@dataclass(frozen=True)
class Evaluation:
    """Metrics per method on the test rows; the oracle comparison where the oracle was given."""

    metrics: dict[str, Metrics]
    reliability: dict[str, list[ReliabilityBin]]
    oracle: dict[str, Any] | None
    targets: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "metrics": {name: m.as_dict() for name, m in self.metrics.items()},
            "reliability": {name: [vars(b) for b in bins] for name, bins in self.reliability.items()},
            "oracle": self.oracle,
            "targets": self.targets,
        }


def fit_logistic(train: Rows) -> Pipeline:
    """Logistic regression on the model's features: unknowns imputed with an indicator, counts
    logged, standardised (the usual way to give a linear model a fair chance).

    The imputation is scikit-learn's SimpleImputer(strategy="median", add_indicator=True,
    keep_empty_features=True) computed directly (:class:`models.imputation.MedianImputer`): the
    same medians and matrix, so the same coefficients, in seconds rather than most of a minute.
    """
    pipeline = make_pipeline(
        MedianImputer(),
        FunctionTransformer(_signed_log, feature_names_out="one-to-one"),
        StandardScaler(),
        LogisticRegression(max_iter=2000, C=0.1),
    )
    return pipeline.fit(train.matrix, train.outcome, logisticregression__sample_weight=train.weight)


def _signed_log(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.sign(values) * np.log1p(np.abs(values)))


def evaluate_test(
    model: RiskModel,
    logistic: Pipeline,
    test: Rows,
    settings: ModelSettings,
    oracle: pl.DataFrame | None = None,
) -> Evaluation:
    """Every method's metrics on the test rows.

    Args:
        model: the trained, calibrated model.
        logistic: the logistic-regression baseline (fit_logistic on the same training rows).
        test: the test window's rows, labelled.
        settings: list sizes and reliability bins.
        oracle: person_id, as_of, p_true and optionally p_observable (synthetic worlds only), or None.
    """
    y = test.outcome
    sizes, bins = settings.list_sizes, settings.reliability_bins
    margin = model.margin(test.matrix)
    probability = model.calibrated(margin)
    rules_met = test.keys["rules_score"].to_numpy().astype(float)
    scores = {
        MODEL: (probability, True),
        RULES: ((rules_met > 0).astype(float), False),
        RULES_RANKED: (rules_met, False),
        LOGISTIC: (logistic.predict_proba(test.matrix)[:, 1], True),
        PRIOR: (test.keys["prior_offences"].to_numpy().astype(float), False),
    }
    metrics = {
        name: evaluate(y, score, sizes, probability=is_probability, bins=bins)
        for name, (score, is_probability) in scores.items()
    }
    metrics[MODEL] = model_metrics(y, margin, probability, settings)
    curves = {
        name: reliability(y, score, bins)
        for name, (score, is_probability) in scores.items()
        if is_probability
    }
    compared = None
    if oracle is not None:
        compared, limits = _oracle_comparison(test, margin, probability, oracle, settings)
        metrics.update(limits)
    return Evaluation(metrics, curves, compared, _targets(metrics, compared))


def model_metrics(
    y: np.ndarray, margin: np.ndarray, probability: np.ndarray, settings: ModelSettings
) -> Metrics:
    """The model's metrics: ranking ones from its log-odds, calibration ones from its probability.

    Isotonic calibration is a step function, so hundreds of people at the top can share one
    calibrated probability; their log-odds still tell them apart, in the same order.
    """
    ranked = evaluate(y, margin, settings.list_sizes, probability=False, bins=settings.reliability_bins)
    calibrated = evaluate(y, probability, settings.list_sizes, bins=settings.reliability_bins)
    return replace(ranked, brier=calibrated.brier, ece=calibrated.ece)


def _oracle_comparison(
    test: Rows, margin: np.ndarray, probability: np.ndarray, oracle: pl.DataFrame, settings: ModelSettings
) -> tuple[dict[str, Any], dict[str, Metrics]]:
    """The model beside the oracle (and the observable oracle, when given) on the rows the oracle covers."""
    observable = "p_observable" in oracle.columns
    scored = (
        test.keys.select("person_id", "as_of", "outcome")
        .with_columns(pl.Series("p_model", probability), pl.Series("margin", margin))
        .join(oracle.select("person_id", "as_of", "p_true", *(["p_observable"] if observable else [])),
              on=["person_id", "as_of"])
        .filter(pl.col("p_true").is_not_null())
    )  # fmt: skip
    y = scored["outcome"].to_numpy().astype(np.int8)
    sizes, bins = settings.list_sizes, settings.reliability_bins
    on_rows = model_metrics(y, scored["margin"].to_numpy(), scored["p_model"].to_numpy(), settings)
    limits = {ORACLE: evaluate(y, scored["p_true"].to_numpy(), sizes, bins=bins)}
    compared: dict[str, Any] = {
        "rows": scored.height,
        "share_of_test_rows": scored.height / max(test.keys.height, 1),
        "model_auc": on_rows.auc,
        "oracle_auc": limits[ORACLE].auc,
        "gap": limits[ORACLE].auc - on_rows.auc,
        "model_precision_at_45": _precision_at(on_rows, TOP),
        "oracle_precision_at_45": _precision_at(limits[ORACLE], TOP),
    }
    if observable:
        limits[OBSERVABLE_ORACLE] = evaluate(y, scored["p_observable"].to_numpy(), sizes, bins=bins)
        compared["observable_oracle_auc"] = limits[OBSERVABLE_ORACLE].auc
        compared["observable_gap"] = limits[OBSERVABLE_ORACLE].auc - on_rows.auc
        compared["observable_oracle_precision_at_45"] = _precision_at(limits[OBSERVABLE_ORACLE], TOP)
    return compared, limits


def _precision_at(metrics: Metrics, k: int) -> float | None:
    return metrics.at[k][0] if k in metrics.at else None


def _targets(metrics: dict[str, Metrics], oracle: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    model, rules = metrics[MODEL], metrics[RULES]
    precision, rules_precision = _precision_at(model, 100), _precision_at(rules, 100)
    ratio = precision / rules_precision if precision is not None and rules_precision else None
    targets: dict[str, dict[str, Any]] = {
        "ece": {
            "target": f"at most {TARGETS['ece_at_most']}",
            "value": model.ece,
            "met": model.ece is not None and model.ece <= TARGETS["ece_at_most"],
        },
        "precision_at_100_vs_rules": {
            "target": f"at least {TARGETS['precision_at_100_vs_rules']} times the rules alone",
            "value": ratio,
            "met": ratio is not None and ratio >= TARGETS["precision_at_100_vs_rules"],
        },
    }
    if oracle is not None and "observable_gap" in oracle:
        within = TARGETS["auc_within_observable_oracle"]
        targets["auc_vs_observable_oracle"] = {
            "target": f"within {within} of the observable oracle's AUC",
            "value": oracle["observable_gap"],
            "met": oracle["observable_gap"] <= within,
        }
    if oracle is not None and oracle["model_precision_at_45"] is not None:
        points = TARGETS["precision_at_45_within_oracle_points"]
        shortfall = 100 * (oracle["oracle_precision_at_45"] - oracle["model_precision_at_45"])
        targets["precision_at_45_vs_oracle"] = {
            "target": f"within {points:g} points of the oracle's precision at {TOP}",
            "value": shortfall,
            "met": shortfall <= points,
        }
    return targets
