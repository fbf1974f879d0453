"""The condition language: what it means on hand-made rows, and everything it refuses."""

from __future__ import annotations

import polars as pl
import pytest

from features.registry import registry
from rules.condition import ConditionError, parse_condition

ROWS = pl.DataFrame(
    {
        "person_age": [13, 14, 25, 26, None],
        "police_knife_offences_730d": [0, 1, 2, 3, 0],
        "police_violence_offences_730d": [5, 0, 1, 0, 0],
        "police_in_custody": [False, True, False, None, False],
        "partner_last_referrer": ["SCHOOL", "YOT", None, "SCHOOL", "POLICE"],
        "police_days_since_offence": [10, None, 400, 30, None],
    }
)


def met(condition: str) -> list[bool]:
    """Which of ROWS meet the condition (unknown counts as not met, as in the engine)."""
    expr = parse_condition(condition, registry()).expr.fill_null(False)
    return ROWS.select(expr.alias("met"))["met"].to_list()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("14 <= person_age <= 25", [False, True, True, False, False]),
        ("police_knife_offences_730d >= 2", [False, False, True, True, False]),
        ("police_knife_offences_730d + police_violence_offences_730d >= 3", [True, False, True, True, False]),
        ("police_knife_offences_730d - 1 == 0", [False, True, False, False, False]),
        ("police_in_custody", [False, True, False, False, False]),
        ("not police_in_custody", [True, False, True, False, True]),
        ("police_in_custody == false", [True, False, True, False, True]),
        ("partner_last_referrer in ['SCHOOL', 'POLICE']", [True, False, False, True, True]),
        ("partner_last_referrer not in ['SCHOOL']", [False, True, False, False, True]),
        ("partner_last_referrer == 'YOT'", [False, True, False, False, False]),
        (
            "police_knife_offences_730d >= 1 and (police_violence_offences_730d >= 1 or person_age > 25)",
            [False, False, True, True, False],
        ),
        ("police_days_since_offence < 100 or police_in_custody", [True, True, False, True, False]),
        ("police_knife_offences_730d > -1", [True, True, True, True, True]),
    ],
)
def test_conditions_mean_what_they_say(condition: str, expected: list[bool]) -> None:
    assert met(condition) == expected


def test_a_missing_value_is_never_met_even_under_not() -> None:
    """Row 2 has no days-since value: neither the comparison nor its negation is met."""
    assert met("police_days_since_offence < 100")[1] is False
    assert met("not police_days_since_offence < 100")[1] is False
    assert met("partner_last_referrer not in ['SCHOOL']")[2] is False


def test_the_features_read_are_listed_once_in_order() -> None:
    condition = parse_condition("person_age >= 14 and person_age <= 25 and police_in_custody", registry())
    assert condition.features == ("person_age", "police_in_custody")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("__import__('os').system('rm -rf /')", "is not allowed"),
        ("open('/etc/passwd').read() == ''", "is not allowed"),
        ("person_age.__class__ == 1", "is not allowed"),
        ("[x for x in range(9)] == 1", "is not allowed"),
        ("(lambda: 1)() == 1", "is not allowed"),
        ("person_age[0] == 1", "is not allowed"),
        ("person_age * 2 > 3", "is not allowed"),
        ("f'{person_age}' == '1'", "is not allowed"),
        ("(y := 1) == 1", "is not allowed"),
        ("person_age is None", "only == != < <= > >= and in / not in"),
        ("person_age >= 14; import os", "not a condition"),
        ("import os", "not a condition"),
        ("person_age >=", "not a condition"),
        ("knife_offences >= 1", "unknown feature 'knife_offences'"),
        ("police_knife_offences_730d", "a condition must be true or false"),
        ("police_knife_offences_730d and police_in_custody", "is a number; compare it"),
        ("police_in_custody >= 1", "cannot compare a flag with a number"),
        ("partner_last_referrer > 'A'", "a text can only be compared with == or !="),
        ("partner_last_referrer in 'SCHOOL'", "needs a list of values"),
        ("partner_last_referrer in ['SCHOOL', 3]", "needs a list of literal text values"),
        ("person_age in [person_age]", "needs a list of literal number values"),
        ("police_release_date > 3", "is a date, which conditions cannot compare"),
    ],
)
def test_anything_outside_the_language_is_refused_with_a_reason(condition: str, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("(", r"\(").replace("[", r"\[")) as raised:
        parse_condition(condition, registry())
    assert 0 <= raised.value.offset <= len(condition)


def test_the_error_points_at_the_offending_part() -> None:
    with pytest.raises(ConditionError) as raised:
        parse_condition("person_age >= 14 and knife >= 1", registry())
    assert raised.value.offset == len("person_age >= 14 and ")
