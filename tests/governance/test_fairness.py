"""The fairness audit against values worked out by hand on small tables."""

from __future__ import annotations

import copy
import json
from importlib import resources

import jsonschema
import numpy as np
import polars as pl
import pytest
import yaml
from fairlearn.metrics import false_negative_rate, false_positive_rate, selection_rate
from scipy.stats import binomtest

from governance.fairness import NOT_RECORDED, audit_groups, wilson
from governance.fairness_settings import (
    FairnessSettingsError,
    fairness_settings_text,
    load_fairness_settings,
    parse_fairness_settings,
)
from governance.list_audit import audit_list
from governance.score_audit import audit_scores

# group A: outcomes 1 1 0 0 0, selected 1 0 1 0 0 -> TP 1, FP 1, FN 1
# group B: outcomes 1 0 0 0 0, selected 1 1 1 0 0 -> TP 1, FP 2, FN 0
OUTCOME = np.array([1, 1, 0, 0, 0, 1, 0, 0, 0, 0])
SELECTED = np.array([1, 0, 1, 0, 0, 1, 1, 1, 0, 0], dtype=bool)
SCORE = np.array([0.9, 0.3, 0.7, 0.1, 0.1, 0.8, 0.6, 0.6, 0.2, 0.2])
GROUPS = pl.DataFrame({"group": ["A"] * 5 + ["B"] * 5})


def settings(**changes: object) -> object:
    document = yaml.safe_load(fairness_settings_text())
    for key, value in changes.items():
        if key in document["limits"]:
            document["limits"][key] = value
        else:
            document[key] = value
    return parse_fairness_settings(document)


def by_group(document: dict, attribute: str = "group") -> dict[str, dict]:
    (found,) = [a for a in document["attributes"] if a["attribute"] == attribute]
    return {g["group"]: g for g in found["groups"]}


def test_rates_counts_and_intervals_match_hand_computed_values() -> None:
    audit = audit_scores(OUTCOME, SCORE, SELECTED, GROUPS, settings(min_group_size=1), describe={})
    groups = by_group(audit)
    a, b = groups["A"]["metrics"], groups["B"]["metrics"]
    assert (groups["A"]["count"], groups["A"]["outcomes"], groups["A"]["selected"]) == (5, 2, 2)
    assert a["selection_rate"]["value"] == pytest.approx(2 / 5)
    assert a["false_positive_rate"]["value"] == pytest.approx(1 / 3)
    assert a["false_negative_rate"]["value"] == pytest.approx(1 / 2)
    assert a["positive_predictive_value"]["value"] == pytest.approx(1 / 2)
    assert b["selection_rate"]["value"] == pytest.approx(3 / 5)
    assert b["false_positive_rate"]["value"] == pytest.approx(2 / 4)
    assert b["false_negative_rate"]["value"] == pytest.approx(0.0)
    assert b["positive_predictive_value"]["value"] == pytest.approx(1 / 3)
    assert (b["false_positive_rate"]["numerator"], b["false_positive_rate"]["denominator"]) == (2, 4)
    overall = audit["overall"]["metrics"]
    assert overall["false_positive_rate"]["value"] == pytest.approx(3 / 7)
    assert overall["false_negative_rate"]["value"] == pytest.approx(1 / 3)
    # ratios to everyone's rate
    assert groups["A"]["disparity"]["selection_rate_ratio"] == pytest.approx(0.4 / 0.5)
    assert groups["B"]["disparity"]["false_positive_rate_ratio"] == pytest.approx(0.5 / (3 / 7))
    assert groups["B"]["disparity"]["positive_predictive_value_difference"] == pytest.approx(1 / 3 - 2 / 5)
    # calibration: A's mean score (0.9+0.3+0.7+0.1+0.1)/5 = 0.42 against 2/5 observed
    assert a["mean_score"] == pytest.approx(0.42)
    assert a["calibration_gap"] == pytest.approx(0.42 - 0.4)
    # Wilson intervals, checked against scipy's
    low, high = binomtest(2, 5).proportion_ci(confidence_level=0.95, method="wilson")
    assert (a["selection_rate"]["low"], a["selection_rate"]["high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )


def test_rates_agree_with_fairlearn_on_a_larger_table() -> None:
    rng = np.random.default_rng(3)
    n = 2_000
    y, s = rng.integers(0, 2, n), rng.random(n)
    chosen = s > 0.7
    labels = rng.choice(["x", "y", "z"], n)
    audit = audit_scores(y, s, chosen, pl.DataFrame({"g": labels}), settings(), describe={})
    for label, group in by_group(audit, "g").items():
        at = labels == label
        assert group["metrics"]["selection_rate"]["value"] == pytest.approx(selection_rate(y[at], chosen[at]))
        assert group["metrics"]["false_positive_rate"]["value"] == pytest.approx(
            false_positive_rate(y[at], chosen[at])
        )
        assert group["metrics"]["false_negative_rate"]["value"] == pytest.approx(
            false_negative_rate(y[at], chosen[at])
        )


def test_a_group_beyond_a_limit_is_a_breach_and_small_groups_are_not_judged() -> None:
    tight = settings(min_group_size=1, selection_rate_ratio={"min": 0.9, "max": 1.1}, breach_when="beyond")
    breaches = audit_scores(OUTCOME, SCORE, SELECTED, GROUPS, tight, describe={})["breaches"]
    selection = {(b["group"], b["measure"]) for b in breaches if b["measure"] == "selection_rate_ratio"}
    assert selection == {("A", "selection_rate_ratio"), ("B", "selection_rate_ratio")}
    (b_breach,) = [b for b in breaches if b["group"] == "B" and b["measure"] == "selection_rate_ratio"]
    assert b_breach["value"] == pytest.approx(1.2)
    assert "group 'B': selection rate 60.0%" in b_breach["message"] and "3 of 5" in b_breach["message"]
    assert not b_breach["clear"]  # 3 of 5 is well within what chance could give
    # by default only clear breaches are breaches: the same groups are listed to watch
    watched = audit_scores(OUTCOME, SCORE, SELECTED, GROUPS, settings(min_group_size=1,
                           selection_rate_ratio={"min": 0.9, "max": 1.1}), describe={})  # fmt: skip
    assert watched["breaches"] == [] and watched["watch"] == breaches
    # the same table judged only on groups of at least 6: nothing is judged
    large_only = settings(min_group_size=6, breach_when="beyond")
    unjudged = audit_scores(OUTCOME, SCORE, SELECTED, GROUPS, large_only, describe={})
    assert unjudged["breaches"] == unjudged["watch"] == []
    # a measure set to null is reported but never judged
    off = settings(min_group_size=1, selection_rate_ratio=None, false_positive_rate_ratio=None,
                   false_negative_rate_ratio=None, positive_predictive_value_difference=None,
                   calibration_gap=None, breach_when="beyond")  # fmt: skip
    assert audit_scores(OUTCOME, SCORE, SELECTED, GROUPS, off, describe={})["breaches"] == []


def test_a_clear_breach_needs_the_whole_interval_beyond_the_limit() -> None:
    n = 4_000
    labels = np.array(["big"] * (n // 2) + ["other"] * (n // 2))
    chosen = np.zeros(n, dtype=bool)
    chosen[: n // 4] = True  # half of "big" is selected, nobody in "other"
    y = np.zeros(n, dtype=int)
    audit = audit_scores(
        y, chosen.astype(float), chosen, pl.DataFrame({"g": labels}), settings(), describe={}
    )
    (breach,) = [
        b for b in audit["breaches"] if b["group"] == "big" and b["measure"] == "selection_rate_ratio"
    ]
    assert breach["clear"] and breach["value"] == pytest.approx(2.0)


def test_group_without_outcomes_has_no_false_negative_rate() -> None:
    groups = pl.DataFrame({"g": ["a", "a", "b"]})
    audit = audit_scores([0, 0, 1], [0.1, 0.9, 0.9], [False, True, True], groups, settings(), describe={})
    fnr = by_group(audit, "g")["a"]["metrics"]["false_negative_rate"]
    assert fnr == {"value": None, "low": None, "high": None, "numerator": 0, "denominator": 0}


def test_list_shares_against_serious_violence_and_population() -> None:
    # 10 people: group A 6 (3 with serious violence, 3 listed), group B 4 (2 with serious violence, 1 listed)
    frame = pl.DataFrame({
        "listed": [True, True, True, False, False, False, True, False, False, False],
        "serious_violence": [True, True, False, True, False, False, True, True, False, False],
    })  # fmt: skip
    groups = pl.DataFrame({"g": ["A"] * 6 + ["B"] * 4})
    audit = audit_list(frame, groups, settings(min_group_size=1, breach_when="beyond"))
    assert audit["totals"] == {
        "population": 10,
        "serious_violence": 5,
        "listed": 4,
        "listed_with_serious_violence": 3,
    }
    a = by_group(audit, "g")["A"]
    assert a["listed_share"]["value"] == pytest.approx(3 / 4)
    assert a["serious_violence_share"]["value"] == pytest.approx(3 / 5)
    assert a["population_share"]["value"] == pytest.approx(6 / 10)
    assert a["listing_rate"]["value"] == pytest.approx(3 / 6)
    assert a["disparity"]["listed_to_serious_violence_ratio"] == pytest.approx((3 / 4) / (3 / 5))
    b = by_group(audit, "g")["B"]
    assert b["disparity"]["listed_to_serious_violence_ratio"] == pytest.approx((1 / 4) / (2 / 5))
    breached = {(x["group"], x["measure"]) for x in audit["breaches"]}
    assert breached == {("B", "listed_to_serious_violence_ratio")}  # A's 1.25 is on the limit, not beyond


def test_documents_match_the_published_schema() -> None:
    schema = json.loads(
        resources.files("governance").joinpath("fairness_audit.schema.json").read_text("utf-8")
    )
    scores = audit_scores(OUTCOME, SCORE, SELECTED, GROUPS, settings(min_group_size=1),
                          describe={"outcome": "y", "score": "s", "threshold": 0.5, "selection": "s >= 0.5",
                                    "rows": {"read": 10, "used": 10, "excluded": []}})  # fmt: skip
    jsonschema.validate(json.loads(json.dumps(scores)), schema)
    frame = pl.DataFrame({"listed": [True, False], "serious_violence": [True, True]})
    jsonschema.validate(json.loads(json.dumps(audit_list(frame, GROUPS.head(2), settings()))), schema)
    broken = copy.deepcopy(scores)
    del broken["overall"]["metrics"]["false_positive_rate"]["denominator"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_audit_groups_from_protected_features() -> None:
    frame = pl.DataFrame({
        "person_ethnicity": ["B2", "W1", None, "M3"],
        "person_sex": ["M", "F", "U", None],
        "person_age": [14, 17, 25, 30],
        "person_deprivation_decile": [1, 10, None, 4],
    })  # fmt: skip
    groups = audit_groups(frame, load_fairness_settings())
    assert groups.to_dicts() == [
        {"ethnicity": "Black", "sex": "male", "age band": "14-15", "deprivation decile": "1 (most deprived)"},
        {
            "ethnicity": "White",
            "sex": "female",
            "age band": "16-17",
            "deprivation decile": "10 (least deprived)",
        },
        {
            "ethnicity": NOT_RECORDED,
            "sex": NOT_RECORDED,
            "age band": "21-25",
            "deprivation decile": NOT_RECORDED,
        },
        {
            "ethnicity": "Mixed or Multiple",
            "sex": NOT_RECORDED,
            "age band": "other ages",
            "deprivation decile": "4",
        },
    ]


def test_wilson_interval_edges() -> None:
    assert wilson(0, 0, 0.95) == (None, None)
    low, high = wilson(0, 10, 0.95)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(
        binomtest(0, 10).proportion_ci(method="wilson").high
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"age_bands": [{"label": "a", "from": 16, "to": 14}]}, "age_bands/0"),
        ({"serious_violence": "no_such_feature >= 1"}, "serious_violence"),
        ({"selection_rate_ratio": {"min": 2, "max": 1}}, "limits/selection_rate_ratio"),
    ],
)
def test_settings_errors_name_the_setting(change: dict, message: str) -> None:
    with pytest.raises(FairnessSettingsError, match=message):
        settings(**change)
