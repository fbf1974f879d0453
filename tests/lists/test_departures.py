"""Who left the list since the previous one, and why: one person per reason, the first reason that applies."""

from __future__ import annotations

import dataclasses
from datetime import date

import polars as pl
import pytest

from features.build import build_features
from features.events import Events
from lists.build import PREVIOUS_SCHEMA, SELECTED_SCHEMA
from lists.departures import departures
from lists.entries import DEPARTURE_SCHEMA
from lists.settings import ListSettings, load_list_settings
from rules.engine import decide
from tests.lists.frames import AS_OF, rulebook, scores, verdicts

SHIPPED = load_list_settings()

RESIDENT = "Lives in the partnership's area (the latest recorded address is in one of its postcode areas)"
NO_RULE = "no longer meets a rule (the events behind it are now outside its window)"

# the previous list: person, rank, route, band (21 to 31); 31 is still listed
PREVIOUS = pl.DataFrame(
    [
        (21, 1, "rule", None),  # linkage merged them into another id: no longer among the people
        (22, 2, "model", "very high"),  # 26 today: aged out (and no longer described by the features)
        (23, 3, "rule", "low"),  # 25 (birthday in June): still in the population, but meets no rule now
        (24, 4, "rule", "raised"),  # moved away: resident_in_area not met
        (25, 5, "both", "very high"),  # accepted into the cohort
        (26, 6, "rule", "high"),  # declined on review
        (27, 7, "rule", "high"),  # remanded in custody (still meets a rule)
        (28, 8, "rule", "raised"),  # the events behind the rule are now outside its window
        (29, 9, "model", "very high"),  # now high: below the model route
        (30, 10, "both", "very high"),  # neither
        (31, 11, "rule", None),  # still listed
    ],
    schema=PREVIOUS_SCHEMA,
    orient="row",
)
PEOPLE = pl.DataFrame(
    {
        "person_id": [22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32],
        "name": ["Bo", "Cy", "Di", "Ed", "Fy", "Gu", "Hal", "Ivo", "Jo", "Kit", "Lu"],
        "dob": [date(2000, 11, 16), date(2001, 6, 1)] + [date(2005, 1, 1)] * 9,
    }
)
VERDICTS = verdicts(
    {
        23: {},
        24: {"partner_referral": "referred"},
        25: {
            "repeated_knife_offences": "2 knife offences",
            "already_in_cohort": "accepted into the cohort on 10/11/2026",
        },
        26: {
            "partner_referral": "referred",
            "declined_recently": "declined on review on 09/11/2026 (7 days ago); nothing new since",
        },
        27: {
            "knife_arrest_12_months": "arrested",
            "in_custody": "in custody on the reference date; expected release 09/01/2027",
        },
        28: {},
        29: {},
        30: {},
        31: {"partner_referral": "referred"},
        32: {"partner_referral": "referred"},
    },  # fmt: skip
    not_in_population=[24],
)
DECIDED = decide(VERDICTS)
SELECTED = pl.DataFrame(
    [(32, "rule", 1, True, 0.4, "very high"), (31, "rule", 2, True, 0.1, "raised")],
    schema=SELECTED_SCHEMA,
    orient="row",
)
# the model scores everyone in the population and not excluded
SCORES = scores(
    (32, 0.40, "very high", 1),
    (29, 0.20, "high", 2),
    (30, 0.16, "high", 3),
    (31, 0.10, "raised", 4),
    (28, 0.03, "low", 5),
    (23, 0.02, "low", 6),
)


def left(
    previous: pl.DataFrame = PREVIOUS,
    selected: pl.DataFrame = SELECTED,
    decided: pl.DataFrame = DECIDED,
    given_verdicts: pl.DataFrame = VERDICTS,
    given_scores: pl.DataFrame | None = SCORES,
    people: pl.DataFrame = PEOPLE,
    as_of: date = AS_OF,
    settings: ListSettings = SHIPPED,
) -> pl.DataFrame:
    return departures(
        previous, selected, as_of=as_of, decided=decided, verdicts=given_verdicts, scores=given_scores,
        people=people, rulebook=rulebook(), settings=settings,
    )  # fmt: skip


def test_each_person_who_left_is_given_the_first_reason_that_applies() -> None:
    gone = left()
    assert gone.schema == DEPARTURE_SCHEMA
    assert gone.rows() == [
        (21, None, 1, "their records now belong to another person id (linkage merged or split them)"),
        (22, "Bo", 2, "aged out (26 or over)"),
        (23, "Cy", 3, NO_RULE),
        (24, "Di", 4, f"no longer in the population: {RESIDENT}"),
        (25, "Ed", 5, "decision: accepted into the cohort on 10/11/2026"),
        (26, "Fy", 6, "decision: declined on review on 09/11/2026 (7 days ago); nothing new since"),
        (27, "Gu", 7, "excluded: in custody on the reference date; expected release 09/01/2027"),
        (28, "Hal", 8, NO_RULE),
        (29, "Ivo", 9, "risk fell below the model's 'very high' band (band very high -> high)"),
        (
            30,
            "Jo",
            10,
            "no longer meets a rule, and risk fell below the model's 'very high' band "
            "(band very high -> high)",
        ),
    ]


def test_with_no_model_approved_the_model_route_gives_that_as_the_reason() -> None:
    gone = {row[0]: row[3] for row in left(given_scores=None).rows()}
    assert gone[29] == "no model is approved this week"
    assert gone[30] == "no longer meets a rule, and no model is approved this week"
    assert gone[28] == NO_RULE and gone[27].startswith("excluded: in custody")


def test_departures_are_sorted_by_previous_rank_whatever_order_they_come_in() -> None:
    shuffled = PREVIOUS.sample(fraction=1.0, shuffle=True, seed=3)
    assert left(previous=shuffled)["previous_rank"].to_list() == list(range(1, 11))


def test_nobody_left_gives_an_empty_frame_of_the_shape() -> None:
    still = PREVIOUS.filter(pl.col("person_id") == 31)
    for previous in (still, pl.DataFrame(schema=PREVIOUS_SCHEMA)):
        gone = left(previous=previous)
        assert gone.schema == DEPARTURE_SCHEMA and gone.height == 0


@pytest.mark.parametrize(
    ("dob", "as_of", "age"),
    [
        (date(2000, 11, 16), date(2026, 11, 16), 26),  # 26 on the day
        (date(2000, 11, 17), date(2026, 11, 16), 25),  # the day before
        (date(2000, 12, 1), date(2026, 11, 16), 25),  # a later month
        (date(2000, 10, 30), date(2026, 11, 16), 26),  # an earlier month, a later day
        (date(2001, 1, 1), date(2026, 12, 31), 25),
        (date(2000, 12, 31), date(2026, 12, 31), 26),
        # a leap-day birthday: 26 on 1 March
        (date(2000, 2, 29), date(2026, 2, 28), 25),
        (date(2000, 2, 29), date(2026, 3, 1), 26),
        (date(2004, 2, 29), date(2028, 2, 29), 24),  # a leap year: on the day
    ],
)
def test_aged_out_means_26_or_over_in_whole_years_as_the_features_count_them(
    dob: date, as_of: date, age: int
) -> None:
    previous = pl.DataFrame([(40, 1, "rule", None)], schema=PREVIOUS_SCHEMA, orient="row")
    people = pl.DataFrame({"person_id": [40], "name": ["Mo"], "dob": [dob]})
    in_population = verdicts({40: {}})  # described as a resident who meets no rule
    gone = left(previous, SELECTED, decide(in_population), in_population, None, people, as_of)
    assert gone["why"].item() == ("aged out (26 or over)" if age > 25 else NO_RULE)
    built = build_features(Events.of(), people.with_columns(sex=pl.lit("F")), as_of)
    assert built["person_age"].item() == age  # the population rule's age agrees


def test_someone_the_features_no_longer_describe_is_out_of_the_population_by_age() -> None:
    # linkage settled on another date of birth: 13 now, so not built (ages 14 to 25)
    previous = pl.DataFrame([(41, 1, "rule", None)], schema=PREVIOUS_SCHEMA, orient="row")
    people = pl.DataFrame({"person_id": [41], "name": ["Ny"], "dob": [date(2013, 1, 1)]})
    assert left(previous, people=people)["why"].item() == "no longer in the population (aged 14 to 25)"


def test_linkage_then_age_then_population_then_decisions_then_exclusions_come_first() -> None:
    previous = pl.DataFrame(
        [
            (51, 1, "model", "very high"),
            (52, 2, "rule", None),
            (53, 3, "rule", None),
            (54, 4, "both", "high"),
        ],
        schema=PREVIOUS_SCHEMA,
        orient="row",
    )
    people = pl.DataFrame(
        {"person_id": [51, 52, 53, 54], "name": ["A", "B", "C", "D"],
         "dob": [date(2000, 1, 1), date(2005, 1, 1), date(2005, 1, 1), date(2005, 1, 1)]}
    )  # fmt: skip
    given = verdicts(
        {
            51: {"in_custody": "in custody"},  # 26 and in custody: aged out
            52: {"in_custody": "in custody", "moved_out": "moved"},  # moved away and in custody
            # in custody and declined: the decision (the first exclusion by id) is the reason
            53: {"in_custody": "in custody", "declined_recently": "declined on review on 09/11/2026"},
            54: {"deceased": "recorded by the police as the victim of a homicide"},
        },
        not_in_population=[52],
    )
    gone = left(previous, decided=decide(given), given_verdicts=given, people=people)
    assert gone["why"].to_list() == [
        "aged out (26 or over)",
        f"no longer in the population: {RESIDENT}",
        "decision: declined on review on 09/11/2026",
        "excluded: recorded by the police as the victim of a homicide",
    ]


def test_a_model_route_leaver_no_longer_scored_reads_not_scored() -> None:
    previous = PREVIOUS.filter(pl.col("person_id") == 29)
    gone = left(previous, given_scores=SCORES.filter(pl.col("person_id") != 29))
    assert gone["why"].item() == "risk fell below the model's 'very high' band (band very high -> not scored)"


def test_leaving_the_model_route_in_the_same_band_does_not_read_as_a_band_change() -> None:
    previous = pl.DataFrame([(29, 1, "model", "very high")], schema=PREVIOUS_SCHEMA, orient="row")
    same_band = SCORES.with_columns(band=pl.lit("very high"))  # e.g. top 1: 32 is first now
    top_one = dataclasses.replace(SHIPPED, model_route=("top", 1))
    why = left(previous, given_scores=same_band, settings=top_one)["why"].item()
    assert why == "risk fell out of the model's top 1 (band very high -> very high)"
