"""Monitoring's pure metrics on tiny hand-worked examples: the expected confusion matrix, PSI and its
bins, realised ECE, the groups kept apart, the model's fine bins, the alerts and their settings."""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
import yaml

from models.learner import Calibrator, RiskModel
from models.monitoring import (
    coarse_bins,
    expected_confusion,
    population_stability,
    realised,
    scaled_to_horizon,
    top_k,
)
from models.monitoring_alerts import RECALIBRATE, calibration_alerts, drift_alerts
from models.monitoring_bins import MISSING, bin_counts, fine_bins
from models.monitoring_plots import drift_png, expected_png, performance_png, population_png, reliability_png
from models.monitoring_runs import feature_drift, group_masks, horizons_matured
from models.settings import (
    DEFAULT_MONITORING,
    MonitoringSettings,
    SettingsError,
    load_settings,
    parse_settings,
)


def test_expected_confusion_sums_the_probabilities_of_the_selected_and_the_rest() -> None:
    expected = expected_confusion([0.5, 0.2, 0.1, 0.4], [True, False, False, True])
    # TP = 0.5 + 0.4; FP = 2 - 0.9; FN = 0.2 + 0.1; TN = 2 - 0.3
    assert (expected.n, expected.k) == (4, 2)
    assert expected.true_positives == pytest.approx(0.9)
    assert expected.false_positives == pytest.approx(1.1)
    assert expected.false_negatives == pytest.approx(0.3)
    assert expected.true_negatives == pytest.approx(1.7)
    assert expected.precision == pytest.approx(0.45)
    assert expected.recall == pytest.approx(0.75)  # 0.9 / (0.9 + 0.3)
    assert expected.as_dict()["recall"] == pytest.approx(0.75)


def test_top_k_takes_the_highest_scores_and_breaks_ties_by_row_order() -> None:
    assert top_k([1.0, 3.0, 3.0, 2.0], 2).tolist() == [False, True, True, False]
    assert top_k([1.0, 3.0, 3.0, 2.0], 1).tolist() == [False, True, False, False]
    assert top_k([1.0, 2.0], 5).tolist() == [True, True]


def test_population_stability_index_by_hand() -> None:
    # shares 0.5/0.5 -> 0.25/0.75: (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5)
    hand = -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    assert population_stability([50, 50], [25, 75]) == pytest.approx(hand)
    assert population_stability([50, 50], [10, 10]) == pytest.approx(0.0)
    # an empty reference bin counts as a share of 1e-4, not as an infinite shift
    floored = (0.9 - 1.0) * math.log(0.9 / 1.0) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    assert population_stability([100, 0], [90, 10]) == pytest.approx(floored)
    assert math.isnan(population_stability([0, 0], [1, 2]))
    with pytest.raises(ValueError, match="different bins"):
        population_stability([1, 2], [1, 2, 3])


def test_fine_bins_are_merged_to_about_equal_reference_shares() -> None:
    # a quarter (25) each: 10+10+10 make the first bin, 10+60 the second
    assert coarse_bins([10, 10, 10, 10, 60], 4) == [0, 0, 0, 1, 1]
    # a thin last bin (5 + 5 of 90) joins the one before
    assert coarse_bins([40, 40, 5, 5], 3) == [0, 1, 1, 1]
    assert coarse_bins([0, 0], 4) == [0, 0] and coarse_bins([], 4) == []


def test_realised_ece_observed_to_expected_auc_and_precision_by_hand() -> None:
    y = np.array([0, 0, 1, 1])
    measured = realised(y, [-2.0, -2.0, 1.0, 1.0], [0.1, 0.1, 0.6, 0.6], k=1, bins=2)
    # two bins: {0.1, 0.1} observed 0 and {0.6, 0.6} observed 1: ECE = 2/4 * 0.1 + 2/4 * 0.4
    assert measured.ece == pytest.approx(0.25)
    assert measured.observed_to_expected == pytest.approx(0.5 / 0.35)
    assert measured.auc == pytest.approx(1.0) and measured.precision_at_k == pytest.approx(1.0)
    assert (measured.rows, measured.outcomes, measured.k) == (4, 2, 1)
    empty = realised([], [], [], k=45, bins=10).as_dict()
    assert empty["rows"] == 0 and empty["auc"] is None and empty["ece"] is None


def test_a_probability_is_scaled_to_a_shorter_window_at_a_constant_hazard() -> None:
    # surviving 12 months with probability 0.81 means surviving 6 with 0.9
    assert scaled_to_horizon([0.19], 6, 12)[0] == pytest.approx(0.1)
    assert scaled_to_horizon([0.19], 12, 12)[0] == pytest.approx(0.19)


def test_groups_keep_the_treated_apart_and_count_only_what_happened_before_the_window_closed() -> None:
    until = date(2025, 6, 1)
    allocations = pl.DataFrame(
        {
            "person_id": [1, 2, 3, 7],
            "arm": ["programme", "control", "control", "control"],
            "randomised": [True, True, True, False],
            "allocated_on": [date(2025, 1, 10), date(2025, 1, 10), date(2025, 7, 1), date(2025, 1, 10)],
        }
    )
    listings = pl.DataFrame(
        {"person_id": [1, 2, 4, 5], "first_listed": [date(2025, 1, 6)] * 3 + [date(2025, 6, 1)]}
    )
    masks = group_masks(pl.Series("person_id", [1, 2, 3, 4, 5, 6, 7]), allocations, listings, until)
    members = {g: [i + 1 for i in np.flatnonzero(m)] for g, m in masks.items()}
    assert members["treated"] == [1]
    assert members["control"] == [2]  # 3 was allocated after the window; 7 was not randomised
    assert members["not_treated"] == [2, 3, 4, 5, 6, 7]
    assert members["never_listed"] == [3, 5, 6]  # 5 was listed on the day the window closed
    assert members["everyone"] == [1, 2, 3, 4, 5, 6, 7]


def test_horizons_have_matured_when_their_window_closed_by_the_data_held() -> None:
    assert horizons_matured(date(2025, 11, 16), (3, 6, 9, 12), date(2026, 11, 16)) == [3, 6, 9, 12]
    assert horizons_matured(date(2025, 11, 17), (3, 6, 9, 12), date(2026, 11, 16)) == [3, 6, 9]
    assert horizons_matured(date(2026, 9, 1), (3, 6, 9, 12), date(2026, 11, 16)) == []


def one_feature_model() -> RiskModel:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, (2000, 1))
    y = (rng.random(2000) < np.where(x[:, 0] > 6, 0.6, 0.1)).astype(int)
    booster = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(x, y).booster_
    return RiskModel(booster, Calibrator("sigmoid", "margin", {"a": [-1.0], "b": [0.0]}), ("x",))


def test_the_model_cannot_tell_apart_values_within_one_fine_bin() -> None:
    model = one_feature_model()
    points = fine_bins(model)["x"]
    assert points.size >= 2 and np.all(np.diff(points) > 0)
    values = np.linspace(0, 10, 4001)
    margin = model.margin(values[:, None].astype(np.float32))
    index = np.searchsorted(points, values, side="left")
    for i in np.unique(index):
        assert np.ptp(margin[index == i]) == pytest.approx(0.0), f"bin {i} holds different scores"
    # and two neighbouring bins differ somewhere: the split points are where the score changes
    means = [margin[index == i].mean() for i in np.unique(index)]
    assert len(set(np.round(means, 9))) > 1


def test_bin_counts_put_a_value_on_a_split_point_in_the_bin_below() -> None:
    matrix = np.array([[1.0], [1.5], [2.0], [3.0], [4.0], [np.nan]], dtype=np.float32)
    counts = bin_counts(matrix, ["a"], {"a": np.array([1.5, 3.0])})
    rows = {b: (u, n) for _, b, u, n in counts.iter_rows()}
    assert rows == {0: (1.5, 2), 1: (3.0, 2), 2: (None, 1), MISSING: (None, 1)}


def test_feature_drift_merges_bins_by_the_reference_and_keeps_missing_apart() -> None:
    reference = pl.DataFrame(
        {"feature": ["a", "a", "b", "b"], "bin": [0, 1, 0, -1], "people": [50, 50, 90, 10]}
    )
    current = pl.DataFrame({"feature": ["a", "a", "b"], "bin": [0, 1, 0], "people": [25, 75, 100]})
    drift = feature_drift(reference.cast({"bin": pl.Int16}), current.cast({"bin": pl.Int16}), bins=2)
    assert drift["a"] == pytest.approx(-0.25 * math.log(0.5) + 0.25 * math.log(1.5))
    # b: 90/10 known/missing in the reference, 100/0 now (the empty missing bin floored at 1e-4)
    b = (1.0 - 0.9) * math.log(1.0 / 0.9) + (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert drift["b"] == pytest.approx(b)


def settings(**changes: Any) -> MonitoringSettings:
    return replace(parse_settings(shipped() | {"monitoring": DEFAULT_MONITORING}).monitoring, **changes)


def run_document(ece: float, ratio: float, outcomes: int = 40, group: str = "not_treated") -> dict[str, Any]:
    row = {
        "horizon_months": 12, "group": group, "rows": 1000, "outcomes": outcomes, "ece": ece,
        "observed_to_expected": ratio, "expected_rate": 0.04,
    }  # fmt: skip
    return {"run_id": 3, "as_of": "2025-11-17", "model_version": "risk-x", "realised": [row], "drift": {}}


def test_a_calibration_alert_fires_past_a_limit_and_not_otherwise() -> None:
    assert calibration_alerts([run_document(ece=0.029, ratio=1.2)], settings(), "s.yaml") == []
    (alert,) = calibration_alerts([run_document(ece=0.031, ratio=1.2)], settings(), "s.yaml")
    assert (alert["kind"], alert["measure"], alert["run_id"], alert["horizon_months"]) == (
        "calibration",
        "ece",
        3,
        12,
    )
    assert "s.yaml monitoring.limits.ece" in alert["message"] and alert["next_step"] == RECALIBRATE
    assert "board" in alert["next_step"] and "cohort model approve" in alert["next_step"]
    (large,) = calibration_alerts([run_document(ece=0.01, ratio=0.7)], settings(), "s.yaml")
    assert large["measure"] == "calibration_in_the_large" and large["value"] == pytest.approx(0.3)


def test_no_calibration_alert_on_too_few_outcomes_or_on_a_group_that_does_not_alert() -> None:
    assert calibration_alerts([run_document(0.5, 3.0, outcomes=19)], settings(), "s.yaml") == []
    assert calibration_alerts([run_document(0.5, 3.0, group="treated")], settings(), "s.yaml") == []
    assert calibration_alerts([run_document(0.5, 3.0, group="control")], settings(), "s.yaml") == []
    assert (
        len(
            calibration_alerts(
                [run_document(0.5, 3.0, group="control")], settings(alert_groups=("control",)), "s"
            )
        )
        == 2
    )


def test_a_drift_alert_names_the_features_past_the_limit() -> None:
    run = run_document(0.0, 1.0) | {"drift": {"a": 0.4, "b": 0.1, "c": None, "d": 0.3}}
    (alert,) = drift_alerts(run, settings(), "s.yaml")
    assert alert["value"] == pytest.approx(0.4) and "a (0.40), d (0.30)" in alert["message"]
    assert drift_alerts(run, settings(psi_limit=0.5), "s.yaml") == []


def shipped() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(resources.files("models").joinpath("settings.yaml").read_text())
    return copy.deepcopy(document)


def test_the_monitoring_settings_load_and_default_for_models_trained_before_them(tmp_path: Path) -> None:
    loaded = load_settings().monitoring
    assert loaded.horizons_months == (3, 6, 9, 12) and loaded.alert_groups == ("not_treated",)
    document = shipped()
    del document["monitoring"]
    assert (
        parse_settings(document, "manifest.json").monitoring
        == parse_settings(shipped() | {"monitoring": DEFAULT_MONITORING}).monitoring
    )


def test_monitoring_settings_are_refused_naming_the_file_and_setting() -> None:
    document = shipped()
    document["monitoring"]["horizons_months"] = [3, 18]
    with pytest.raises(SettingsError, match=r"m\.yaml: monitoring: horizons_months: 18 is beyond"):
        parse_settings(document, "m.yaml")
    document = shipped()
    document["monitoring"]["alert_groups"] = ["treated"]
    with pytest.raises(SettingsError, match="m.yaml"):
        parse_settings(document, "m.yaml")


def test_every_chart_draws_from_a_document_even_with_nothing_matured_or_moved() -> None:
    row = {
        "horizon_months": 12, "group": "not_treated", "auc": 0.7, "ece": 0.01, "precision_at_k": 0.4,
        "reliability": [
            {"mean_predicted": 0.02, "observed_rate": 0.01}, {"mean_predicted": 0.3, "observed_rate": 0.25}
        ],
    }  # fmt: skip
    runs = [
        {
            "as_of": f"2026-0{m}-01", "realised": [row] if m == 1 else [], "expected": {"precision": 0.5},
            "population": {
                "scored": 100, "share_listed": 0.1, "ages": {"14-17": 0.3, "18-21": 0.4, "22-25": 0.3}
            },
        }
        for m in (1, 2)
    ]  # fmt: skip
    charts = [
        performance_png(runs, "not_treated", 0.03), performance_png(runs, "control", 0.03),
        expected_png(runs, 12),
        drift_png({"a": 0.3, "b": 0.0, "c": None}, 0.25), drift_png({}, 0.25), population_png(runs),
        reliability_png([row], "title"),
    ]  # fmt: skip
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in charts)
