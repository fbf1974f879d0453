"""Explanations: a feature's value in plain English, and each person's factors from SHAP contributions."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from features.registry import registry
from models.explain import FACTOR, explanation_frame, factors, written
from models.learner import RiskModel, train_model

REGISTRY = registry()
FEATURES = (
    "police_offences_365d",  # count, police, increasing
    "education_attendance_365d",  # percent, education, decreasing
    "health_assault_attendances_365d",  # count, health, increasing
    "partner_referrals_365d",  # count, partnership, increasing
    "person_age",  # years, linkage, free
    "health_sharp_injuries_ever",  # constant below: never split on, so never a factor
)


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("police_offences_365d", 3.0, "3 offences as suspect in the last 12 months"),
        ("police_offences_365d", 0.0, "0 offences as suspect in the last 12 months"),
        ("education_attendance_365d", 87.26, "attended 87.3% of sessions in the last 12 months"),
        ("education_attendance_365d", 90.0, "attended 90% of sessions in the last 12 months"),
        ("education_persistent_absence", 1.0, "persistently absent from school in the last 12 months"),
        ("education_persistent_absence", 0.0, "not persistently absent from school in the last 12 months"),
        ("police_days_since_offence", 45.0, "last offence as suspect 45 days ago"),
        ("police_age_first_offence", 15.0, "first offence as suspect at age 15"),
        (
            "police_harm_365d",
            12.34,
            "offences as suspect in the last 12 months with a Crime Harm Index of 12.3",
        ),
        (
            "police_offences_365d",
            math.nan,
            "Offences recorded with the person as suspect: nothing on record",
        ),
    ],
)
def test_a_value_is_written_with_the_registry_template(name: str, value: float, text: str) -> None:
    assert written(REGISTRY[name], value) == text


def test_an_unknown_number_of_days_says_nothing_is_on_record() -> None:
    text = written(REGISTRY["police_days_since_offence"], math.nan)
    assert text.startswith("Days since the latest offence as suspect") and text.endswith(
        ": nothing on record"
    )


def test_a_false_flag_with_a_negative_template_does_not_read_not_not() -> None:
    assert not written(REGISTRY["education_neet"], 0.0).startswith("not not")


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.poisson(0.5, n),
            rng.uniform(60, 100, n),
            rng.poisson(0.3, n),
            rng.poisson(0.4, n),
            rng.integers(14, 26, n),
            np.zeros(n),
        ]
    ).astype(np.float32)
    logit = (
        -3.0 + 0.9 * x[:, 0] - 0.05 * (x[:, 1] - 80) + 0.7 * x[:, 2] + 0.5 * x[:, 3] - 0.1 * (x[:, 4] - 18)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return x, y


@pytest.fixture(scope="module")
def model() -> RiskModel:
    x, y = synthetic(4_000, 1)
    params = dict(n_estimators=40, learning_rate=0.1, num_leaves=7, max_depth=3, min_child_samples=20)
    params.update(subsample=1.0, colsample_bytree=1.0, reg_lambda=1.0, seed=1)
    return train_model((x, y, np.ones(y.size)), synthetic(2_000, 2), FEATURES, REGISTRY, params, "isotonic")


MATRIX = synthetic(40, 3)[0]


def facts(values: np.ndarray) -> list[int]:
    """The columns that are facts about a person: known, and not a zero from an agency holding nothing
    on them (the rule the explanations follow, written out here independently)."""
    sources = [REGISTRY[name].source for name in FEATURES]
    held = {sources[c] for c, v in enumerate(values) if not np.isnan(v) and v != 0}
    return [c for c, v in enumerate(values) if not np.isnan(v) and (v != 0 or sources[c] in held)]


@pytest.mark.parametrize("top", [1, 2, 3, 10])
def test_factors_are_the_largest_pushes_each_way_written_from_the_registry(
    model: RiskModel, top: int
) -> None:
    pushes = model.contributions(MATRIX)[:, :-1]
    assert (pushes[:, FEATURES.index("health_sharp_injuries_ever")] == 0).all()
    for row, (raising, lowering) in enumerate(factors(model, MATRIX, REGISTRY, top)):
        fact = facts(MATRIX[row])
        up = sorted((c for c in fact if pushes[row, c] > 0), key=lambda c: -pushes[row, c])
        down = sorted((c for c in fact if pushes[row, c] < 0), key=lambda c: pushes[row, c])
        assert [f.feature for f in raising] == [FEATURES[c] for c in up[:top]]
        assert [f.feature for f in lowering] == [FEATURES[c] for c in down[:top]]
        for factor in raising + lowering:
            c = FEATURES.index(factor.feature)
            assert factor.contribution == pytest.approx(pushes[row, c])
            assert factor.text == written(REGISTRY[factor.feature], float(MATRIX[row, c]))
            assert factor.source == REGISTRY[factor.feature].source


def test_many_people_have_factors_both_ways(model: RiskModel) -> None:
    # guards the test above against passing on empty lists
    explained = factors(model, MATRIX, REGISTRY, 2)
    assert sum(len(up) >= 1 and len(down) >= 1 for up, down in explained) >= len(explained) // 2
    assert {f.source for up, down in explained for f in up + down} >= {"police", "education", "health"}


def test_explaining_nobody_gives_no_factors(model: RiskModel) -> None:
    assert factors(model, MATRIX[:0], REGISTRY, 2) == []
    assert explanation_frame([], model, MATRIX[:0], REGISTRY, 2).height == 0


def test_the_explanation_frame_has_a_row_per_person_with_their_factors(model: RiskModel) -> None:
    frame = explanation_frame(list(range(100, 140)), model, MATRIX, REGISTRY, 2)
    assert frame.schema == pl.Schema(
        {"person_id": pl.Int64(), "raising": pl.List(FACTOR), "lowering": pl.List(FACTOR)}
    )
    assert frame["person_id"].to_list() == list(range(100, 140))
    first_up, first_down = factors(model, MATRIX[:1], REGISTRY, 2)[0]
    assert frame["raising"][0].to_list() == [vars(f) for f in first_up]
    assert frame["lowering"][0].to_list() == [vars(f) for f in first_down]


def with_missing_attendance(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Attendance unknown for a third of the rows, who are less at risk: missingness the model learns."""
    x, y = synthetic(n, seed)
    unknown = np.random.default_rng(seed + 100).random(n) < 0.33
    x[unknown, 1] = np.nan
    y[unknown & (np.random.default_rng(seed + 200).random(n) < 0.8)] = 0
    return x, y


def test_missing_data_is_never_a_factor_and_the_next_factor_is_shown_instead() -> None:
    params = dict(n_estimators=40, learning_rate=0.1, num_leaves=7, max_depth=3, min_child_samples=20)
    params.update(subsample=1.0, colsample_bytree=1.0, reg_lambda=1.0, seed=1)
    x, y = with_missing_attendance(4_000, 1)
    trained = train_model(
        (x, y, np.ones(y.size)), with_missing_attendance(2_000, 2), FEATURES, REGISTRY, params, "isotonic"
    )
    matrix = with_missing_attendance(60, 3)[0]
    attendance = FEATURES.index("education_attendance_365d")
    missing = np.isnan(matrix[:, attendance])
    pushes = trained.contributions(matrix)[:, :-1]
    assert (pushes[missing, attendance] != 0).sum() >= 5  # the model does use the missing value
    for row, (raising, lowering) in enumerate(factors(trained, matrix, REGISTRY, 2)):
        shown = [f.feature for f in raising + lowering]
        assert not any("nothing on record" in f.text for f in raising + lowering)
        if missing[row]:
            assert "education_attendance_365d" not in shown
            known = [c for c in facts(matrix[row]) if pushes[row, c] < 0]
            assert len(lowering) == min(2, len(known))  # the next factor takes its place


def test_a_zero_from_an_agency_holding_nothing_on_the_person_is_never_a_factor(model: RiskModel) -> None:
    """ "0 suspensions" for someone no school has a record of is nothing on record, not a fact; a zero
    beside other records from the same agency is one."""
    matrix = synthetic(200, 3)[0]
    health = [FEATURES.index(n) for n in FEATURES if REGISTRY[n].source == "health"]
    assault = FEATURES.index("health_assault_attendances_365d")
    matrix[:100, health] = 0.0  # the first hundred: nothing from health at all
    matrix[100:, assault] = 0.0  # the rest: no assault attendances, but health holds something else
    matrix[100:, FEATURES.index("health_sharp_injuries_ever")] = 1.0
    pushes = model.contributions(matrix)[:, :-1]
    assert (pushes[:100, assault] != 0).sum() >= 5  # the model does use the zero
    shown = [[f.feature for f in up + down] for up, down in factors(model, matrix, REGISTRY, 3)]
    assert not any("health_assault_attendances_365d" in row for row in shown[:100])
    assert any("health_assault_attendances_365d" in row for row in shown[100:])
