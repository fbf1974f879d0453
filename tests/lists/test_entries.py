"""The list's entries: rules met with their reasons, safeguarding notes, pathways, changes and decisions."""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

from features.registry import registry
from lists.build import DECISIONS_SCHEMA, PREVIOUS_SCHEMA, SELECTED_SCHEMA, entries
from lists.entries import ENTRY_SCHEMA
from lists.reasons import explain_rules, latest_decisions, support
from lists.settings import ListSettingsError, load_list_settings, parse_list_settings
from models.explain import FACTOR
from rules.engine import apply_rules
from tests.lists.frames import AS_OF, features, rulebook

SETTINGS = load_list_settings()
REGISTERED = registry()
TEXT = {rule.id: rule.text.rstrip(".") for rule in rulebook().rules}  # shown as a phrase before the reason
EDUCATION = "Education: school inclusion, attendance support or alternative provision"
EMPLOYMENT = "Employment and training: a route into training, an apprenticeship or work"
HEALTH = "Health: mental health or substance misuse support, and a health navigator after injury"
NEET = "not in education, employment or training on the latest activity record"


def person(person_id: int, age: int, **facts: object) -> dict[str, object]:
    """A resident of the area with the facts given (every other feature unknown)."""
    return {"person_id": person_id, "person_age": age, "person_resident": True, **facts}


FEATURES = features(
    # 15, persistently absent, a knife arrest and a partner referral; a victim twice
    person(11, 15, education_persistent_absence=True, education_suspensions_365d=0,
           education_permanent_exclusions_ever=0, education_attendance_last_term=62.5,
           police_knife_arrests_365d=1, police_knife_arrests_365d_dates=[date(2026, 10, 1)],
           partner_referrals_365d=1, partner_referrals_365d_dates=[date(2026, 6, 1)],
           partner_last_referrer="SCHOOL", police_victimisations_365d=2,
           police_victimisations_365d_dates=[date(2026, 3, 1), date(2026, 9, 12)]),
    # 19 and NEET; knife offences and violence, no victimisation or injury on record
    person(12, 19, education_neet=True, education_persistent_absence=True, police_offences_365d=3,
           police_knife_offences_730d=2,
           police_knife_offences_730d_dates=[date(2025, 12, 1), date(2026, 8, 20)],
           police_violence_offences_730d=1, police_violence_offences_730d_dates=[date(2026, 8, 20)],
           police_sexual_offences_730d=0, police_victimisations_365d=0, health_assault_attendances_365d=0),
    # 22 with a mental health referral; no rule met (the model's)
    person(13, 22, health_mental_health_referrals_365d=1, health_substance_referrals_365d=0,
           health_assault_attendances_365d=0, education_neet=False),
    # meets a rule but is not selected this week
    person(14, 20, partner_referrals_365d=2, partner_last_referrer="YOT"),
    # 17, stabbed: an assault attendance and an offence as suspect; every note applies
    person(15, 17, police_offences_365d=1, police_offences_365d_dates=[date(2026, 7, 7)],
           health_assault_attendances_365d=1, health_assault_attendances_365d_dates=[date(2026, 5, 5)],
           health_sharp_injuries_365d=1, police_victimisations_365d=1,
           police_victimisations_365d_dates=[date(2026, 5, 5)], police_serious_violence_victimisations_365d=1,
           police_serious_violence_victimisations_365d_dates=[date(2026, 5, 5)],
           network_co_offenders_sv_victims_125d=2, health_mental_health_referrals_365d=0,
           health_substance_referrals_365d=0),
)  # fmt: skip
# every verdict, in an order that is not the rulebook's
VERDICTS = apply_rules(FEATURES, rulebook(), REGISTERED).sort("rule_id", "person_id", descending=True)
SELECTED = pl.DataFrame(
    [
        (15, "rule", 4, False, 0.12, "raised"),
        (11, "rule", 3, True, 0.0049, "low"),
        (13, "model", 1, True, 0.62, "very high"),
        (12, "both", 2, True, 0.31, "very high"),
    ],
    schema=SELECTED_SCHEMA,
    orient="row",
)
PEOPLE = pl.DataFrame(
    {
        "person_id": [11, 12, 13, 14, 15],
        "name": ["Ann Ash", "Ben Birch", "Cal Cedar", "Dee Deal", "Eve Elm"],
        "dob": [date(2011, 3, 4), date(2007, 6, 30), date(2004, 1, 20), date(2006, 1, 1), date(2009, 11, 16)],
    }
)
PREVIOUS = pl.DataFrame(
    [(12, 5, "rule", None), (99, 1, "model", "very high")], schema=PREVIOUS_SCHEMA, orient="row"
)
DECISIONS = pl.DataFrame(
    [
        (5, 12, "defer", "wait for the YOT worker", "B Reviewer", date(2026, 11, 2), 3),
        # the latest decision is the one recorded last (highest id), whatever the date on it
        (8, 12, "decline", "already supported by YOT", "A Analyst", date(2026, 11, 1), 4),
        (2, 12, "known", "known to children's services", "B Reviewer", date(2026, 10, 19), 1),
        (9, 99, "accept", "joins the programme", "A Analyst", date(2026, 11, 9), 4),
        (6, 13, "defer", "ask the school first", "C Lead", date(2026, 10, 26), None),
    ],
    schema=DECISIONS_SCHEMA,
    orient="row",
)


def factor(feature: str, text: str, source: str, contribution: float) -> dict[str, Any]:
    return {"feature": feature, "text": text, "source": source, "contribution": contribution}


RAISING_13 = [factor("health_mental_health_referrals_365d", "1 mental health referral", "health", 0.8)]
RAISING_12 = [
    factor("police_knife_offences_730d", "2 knife offences", "police", 1.2),
    factor("police_offences_365d", "3 offences", "police", 0.4),
]
LOWERING_12 = [factor("education_attendance_365d", "attended 90%", "education", -0.3)]
EXPLAINED = pl.DataFrame(
    {"person_id": [13, 12], "raising": [RAISING_13, RAISING_12], "lowering": [[], LOWERING_12]},
    schema={"person_id": pl.Int64(), "raising": pl.List(FACTOR), "lowering": pl.List(FACTOR)},
)


def drawn(selected: pl.DataFrame = SELECTED, explained: pl.DataFrame | None = EXPLAINED) -> pl.DataFrame:
    return entries(
        selected, as_of=AS_OF, features=FEATURES, verdicts=VERDICTS, rulebook=rulebook(), explained=explained,
        people=PEOPLE, previous=PREVIOUS, decisions=DECISIONS, settings=SETTINGS, registered=REGISTERED,
    )  # fmt: skip


@pytest.fixture(scope="module")
def by_person() -> dict[int, dict[str, Any]]:
    return {row["person_id"]: row for row in drawn().iter_rows(named=True)}


def rule(rule_id: str, reason: str) -> dict[str, str]:
    return {"rule_id": rule_id, "text": TEXT[rule_id], "reason": reason}


def test_entries_have_exactly_the_entry_schema_and_are_in_rank_order() -> None:
    listed = drawn()
    assert listed.schema == ENTRY_SCHEMA
    assert listed["person_id"].to_list() == [13, 12, 11, 15]  # 14 meets a rule but was not selected
    assert listed["rank"].to_list() == [1, 2, 3, 4]
    assert listed["within_capacity"].to_list() == [True, True, True, False]
    assert listed["route"].to_list() == ["model", "both", "rule", "rule"]


def test_each_entry_carries_the_person_their_age_and_the_probability_as_shown(
    by_person: dict[int, dict[str, Any]],
) -> None:
    assert (by_person[11]["name"], by_person[11]["dob"], by_person[11]["age"]) == (
        "Ann Ash",
        date(2011, 3, 4),
        15,
    )
    assert by_person[15]["age"] == 17  # from the features (17 on their birthday)
    shown = {p: (row["probability"], row["probability_text"], row["band"]) for p, row in by_person.items()}
    assert shown == {
        13: (0.62, "62%", "very high"),
        12: (0.31, "31%", "very high"),
        11: (0.0049, "under 1%", "low"),
        15: (0.12, "12%", "raised"),
    }


def test_rules_met_carry_their_text_and_reason_in_rulebook_order(
    by_person: dict[int, dict[str, Any]],
) -> None:
    assert by_person[11]["rules_met"] == [
        rule("knife_arrest_12_months",
             "1 arrest: 01/10/2026"),
        rule("partner_referral",
             "1 referral (01/06/2026), the latest by a school"),
    ]  # fmt: skip
    assert by_person[12]["rules_met"] == [
        rule("knife_and_violent_or_sexual_offence",
             "2 knife or weapon offences (01/12/2025, 20/08/2026); 1 violent offence (20/08/2026); "
             "0 sexual offences (none)"),
        rule("repeated_knife_offences",
             "2 offences: 01/12/2025, 20/08/2026"),
    ]  # fmt: skip
    assert by_person[15]["rules_met"] == [
        rule("assault_attendance_and_police_contact",
             "1 attendance (05/05/2026); 1 offence as suspect (07/07/2026)"),
    ]  # fmt: skip
    assert by_person[13]["rules_met"] == []  # listed by the model alone
    # the rule's text is shown as a phrase before its reason: no closing full stop
    assert (
        by_person[11]["rules_met"][0]["text"]
        == "Arrested for a knife or offensive weapon offence in the last 12 months"
    )


def test_explain_rules_keeps_only_eligibility_rules_met() -> None:
    explained = explain_rules(VERDICTS, rulebook())
    assert explained.columns == ["person_id", "rules_met"]
    ids = {
        row["person_id"]: [r["rule_id"] for r in row["rules_met"]] for row in explained.iter_rows(named=True)
    }
    # population rules (met by everyone here) and unmet rules never appear; 13 meets none
    assert ids == {
        11: ["knife_arrest_12_months", "partner_referral"],
        12: ["knife_and_violent_or_sexual_offence", "repeated_knife_offences"],
        14: ["partner_referral"],
        15: ["assault_attendance_and_police_contact"],
    }


def test_safeguarding_notes_appear_only_when_their_condition_holds(
    by_person: dict[int, dict[str, Any]],
) -> None:
    assert by_person[11]["safeguarding"] == [
        "recorded as the victim of 2 crimes in the last 12 months (01/03/2026, 12/09/2026)"
    ]
    assert by_person[15]["safeguarding"] == [
        "recorded as the victim of 1 crime in the last 12 months (05/05/2026)",
        "1 of them serious violence (05/05/2026)",
        "1 emergency department attendance for assault in the last 12 months (05/05/2026)",
        "1 attendance for a knife or sharp-object injury in the last 12 months",
        "2 of their known associates were victims of serious violence in the last 125 days "
        "(a risk of retaliation)",
    ]
    # offending, however much, is never a safeguarding note; nor is a count of 0 or an unknown one
    assert by_person[12]["safeguarding"] == []
    assert by_person[13]["safeguarding"] == []


def test_victimisation_notes_read_as_victimisation_never_as_offending(
    by_person: dict[int, dict[str, Any]],
) -> None:
    # the victimisation and injury notes
    victimisation = by_person[11]["safeguarding"] + by_person[15]["safeguarding"]
    for note in victimisation:
        assert not any(word in note for word in ("offence", "offend", "suspect", "arrest")), note


def test_no_shipped_safeguarding_note_speaks_of_the_persons_own_offending() -> None:
    for note in SETTINGS.safeguarding:
        words = re.sub(r"\{[^}]*\}", "", note.note)  # what the reader sees, not the feature names
        assert not any(word in words for word in ("offence", "offend", "suspect", "arrest")), note.note


def test_pathways_are_suggested_from_the_facts_and_never_housing(
    by_person: dict[int, dict[str, Any]],
) -> None:
    assert by_person[11]["pathways"] == [
        {"pathway": "education", "name": EDUCATION,
         "because": "0 suspensions in the last 12 months, 0 permanent exclusions; "
                    "attendance last term 62.5%"}
    ]  # fmt: skip
    # 19: too old for the education pathway, however absent
    assert by_person[12]["pathways"] == [{"pathway": "employment", "name": EMPLOYMENT, "because": NEET}]
    assert by_person[13]["pathways"] == [
        {"pathway": "health", "name": HEALTH,
         "because": "1 mental health referral, 0 substance misuse referrals and "
                    "0 emergency department attendances for assault in the last 12 months"}
    ]  # fmt: skip
    assert [p["pathway"] for p in by_person[15]["pathways"]] == ["health"]  # the assault attendance


@pytest.mark.parametrize(
    ("facts", "pathways"),
    [
        ({"person_age": 15, "education_persistent_absence": True}, ["education"]),
        ({"person_age": 17, "education_suspensions_365d": 1}, ["education"]),
        ({"person_age": 18, "education_persistent_absence": True}, []),
        ({"person_age": 15, "education_neet": True}, []),
        ({"person_age": 16, "education_neet": True}, ["employment"]),
        ({"person_age": 19, "education_neet": True}, ["employment"]),
        ({"person_age": 19, "education_neet": False}, []),
        (
            {"person_age": 16, "education_neet": True, "education_permanent_exclusions_ever": 1},
            ["education", "employment"],
        ),
        ({"person_age": 24, "health_mental_health_referrals_365d": 1}, ["health"]),
        ({"person_age": 24, "health_substance_referrals_365d": 2}, ["health"]),
        ({"person_age": 24, "health_mental_health_referrals_365d": 0}, []),
        ({"person_age": None, "education_neet": True, "education_persistent_absence": True}, []),
        ({}, []),
    ],  # fmt: skip
)
def test_support_suggests_each_pathway_exactly_when_its_condition_holds(
    facts: dict[str, object], pathways: list[str]
) -> None:
    suggested = support(features({"person_id": 1, **facts}), SETTINGS, REGISTERED)
    assert [p["pathway"] for p in suggested["pathways"].item()] == pathways


def test_a_count_that_is_unknown_is_written_as_unknown_in_a_because() -> None:
    suggested = support(features(person(1, 15, education_persistent_absence=True)), SETTINGS, REGISTERED)
    assert suggested["pathways"].item()[0]["because"] == (
        "unknown suspensions in the last 12 months, unknown permanent exclusions; "
        "attendance last term unknown"
    )


def test_a_pathway_with_a_condition_and_no_because_is_refused() -> None:
    changed = copy.deepcopy(SETTINGS.document)
    changed["pathways"][1]["because"] = " "
    with pytest.raises(ListSettingsError, match=r"pathways/1: a pathway suggested by a condition needs both"):
        parse_list_settings(changed)


def test_change_is_new_or_continuing_with_the_previous_rank(by_person: dict[int, dict[str, Any]]) -> None:
    changes = {p: (row["change"], row["previous_rank"]) for p, row in by_person.items()}
    assert changes == {13: ("new", None), 12: ("continuing", 5), 11: ("new", None), 15: ("new", None)}


def test_the_last_decision_is_the_latest_recorded_written_out(by_person: dict[int, dict[str, Any]]) -> None:
    assert (
        by_person[12]["last_decision"]
        == "decline on 01/11/2026 by A Analyst: already supported by YOT (list run 4)"
    )
    assert (
        by_person[13]["last_decision"]
        == "defer on 26/10/2026 by C Lead: ask the school first (list run none)"
    )
    assert by_person[11]["last_decision"] is None and by_person[15]["last_decision"] is None


def test_latest_decisions_takes_each_persons_highest_decision_id() -> None:
    latest = latest_decisions(DECISIONS).sort("person_id")
    assert latest.columns == ["person_id", "last_decision"]
    assert latest.rows() == [
        (12, "decline on 01/11/2026 by A Analyst: already supported by YOT (list run 4)"),
        (13, "defer on 26/10/2026 by C Lead: ask the school first (list run none)"),
        (99, "accept on 09/11/2026 by A Analyst: joins the programme (list run 4)"),
    ]
    assert latest_decisions(pl.DataFrame(schema=DECISIONS_SCHEMA)).height == 0


def test_every_entry_is_to_be_reviewed_by_the_next_list(by_person: dict[int, dict[str, Any]]) -> None:
    assert {row["review_by"] for row in by_person.values()} == {AS_OF + timedelta(days=7)}
    assert AS_OF + timedelta(days=7) == date(2026, 11, 23)


def test_model_factors_are_the_explanations_and_empty_for_the_unexplained(
    by_person: dict[int, dict[str, Any]],
) -> None:
    assert (by_person[13]["raising"], by_person[13]["lowering"]) == (RAISING_13, [])
    assert (by_person[12]["raising"], by_person[12]["lowering"]) == (RAISING_12, LOWERING_12)
    assert (by_person[11]["raising"], by_person[11]["lowering"]) == ([], [])


def test_on_the_rules_alone_there_are_no_factors_and_no_probability() -> None:
    alone = pl.DataFrame(
        [
            (12, "rule", 1, True, None, None),
            (11, "rule", 2, True, None, None),
            (15, "rule", 3, True, None, None),
        ],
        schema=SELECTED_SCHEMA,
        orient="row",
    )
    listed = drawn(alone, explained=None)
    assert listed.schema == ENTRY_SCHEMA
    assert listed["person_id"].to_list() == [12, 11, 15]
    assert listed["raising"].to_list() == [[], [], []] and listed["lowering"].to_list() == [[], [], []]
    assert listed["probability_text"].to_list() == ["no model"] * 3
    assert listed["band"].to_list() == [None] * 3
    assert [len(rules) for rules in listed["rules_met"]] == [2, 2, 1]


def test_an_empty_selection_gives_an_empty_frame_of_the_shape() -> None:
    listed = drawn(pl.DataFrame(schema=SELECTED_SCHEMA), explained=None)
    assert listed.schema == ENTRY_SCHEMA and listed.height == 0
