"""The engine on features built from hand-made events: verdicts, reasons with facts and dates, decisions."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from features.build import build_features
from features.events import Events
from rules.engine import VERDICT_SCHEMA, apply_rules, decide
from rules.rulebook import load_rulebook

AS_OF = date(2026, 11, 16)
PEOPLE = pl.DataFrame(
    {
        "person_id": [1, 2, 3, 4],
        "dob": [date(2008, 1, 1), date(2005, 5, 5), date(1990, 1, 1), date(2009, 2, 2)],
        "sex": ["M", "M", "F", "F"],
    }
)


def knife(person: int, crime: str, happened: date, recorded: date) -> dict[str, object]:
    return {"person_id": person, "event_date": happened, "recorded_date": recorded, "role": "suspect",
            "crime_ref": crime, "ho_code": "10D", "knife": True}  # fmt: skip


EVENTS = Events.of(
    occurrences=pl.DataFrame(
        [
            knife(1, "C1", date(2026, 3, 14), date(2026, 3, 15)),
            knife(1, "C2", date(2026, 9, 2), date(2026, 9, 2)),
            knife(1, "C9", date(2026, 11, 10), date(2026, 11, 17)),  # recorded after as_of: unknown
            knife(2, "C3", date(2026, 1, 5), date(2026, 1, 5)),
            knife(2, "C4", date(2026, 2, 5), date(2026, 2, 6)),
            knife(3, "C5", date(2026, 1, 5), date(2026, 1, 5)),
            knife(3, "C6", date(2026, 4, 5), date(2026, 4, 6)),
        ]
    ),
    custody=pl.DataFrame(
        {
            "person_id": [2],
            "event_date": [date(2026, 2, 5)],
            "recorded_date": [date(2026, 2, 5)],
            "crime_ref": ["C4"],
            "ho_code": ["10D"],
            "outcome": ["REMANDED"],
            "custody_type": ["REMAND"],
            "release_date": [date(2027, 1, 9)],
        }  # fmt: skip
    ),
    partner_referrals=pl.DataFrame(
        {
            "person_id": [4],
            "event_date": [date(2026, 10, 1)],
            "recorded_date": [date(2026, 10, 3)],
            "referrer_type": ["SCHOOL"],
        }  # fmt: skip
    ),
)


@pytest.fixture(scope="module")
def verdicts() -> pl.DataFrame:
    return apply_rules(build_features(EVENTS, PEOPLE, AS_OF), load_rulebook())


def verdict(verdicts: pl.DataFrame, person: int, rule: str) -> dict[str, object]:
    rows = verdicts.filter((pl.col("person_id") == person) & (pl.col("rule_id") == rule))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_every_person_gets_a_verdict_on_every_rule(verdicts: pl.DataFrame) -> None:
    assert verdicts.schema == VERDICT_SCHEMA
    assert verdicts.height == PEOPLE.height * len(load_rulebook().rules)
    assert verdicts.filter(~pl.col("met"))["reason"].null_count() == verdicts.filter(~pl.col("met")).height


def test_the_reason_gives_the_facts_and_the_dates_behind_them(verdicts: pl.DataFrame) -> None:
    row = verdict(verdicts, 1, "repeated_knife_offences")
    assert row["met"] is True
    assert row["reason"] == ("2 offences: 14/03/2026, 02/09/2026")
    facts = json.loads(str(row["facts"]))
    assert facts["police_knife_offences_730d"] == 2
    assert facts["police_knife_offences_730d_dates"] == ["2026-03-14", "2026-09-02"]
    assert verdict(verdicts, 1, "aged_14_to_25")["reason"] == "aged 18 on the reference date"
    assert verdict(verdicts, 4, "partner_referral")["reason"] == (
        "1 referral (01/10/2026), the latest by a school"
    )


def test_an_exclusion_and_the_population_decide_who_is_considered(verdicts: pl.DataFrame) -> None:
    custody = verdict(verdicts, 2, "in_custody")
    assert custody["met"] is True and custody["reason"] == (
        "in custody on the reference date; expected release 09/01/2027"
    )
    decided = {row["person_id"]: row for row in decide(verdicts).iter_rows(named=True)}
    assert decided[1]["considered_by_rules"] is True
    assert decided[1]["eligibility_met"] == ["repeated_knife_offences"]  # possession is not violence
    assert decided[2]["eligible"] and decided[2]["excluded"] and not decided[2]["considered_by_rules"]
    assert decided[2]["exclusions_met"] == ["in_custody"]
    assert decided[3]["eligible"] and not decided[3]["in_population"]  # aged 36
    assert not decided[3]["considered_by_rules"]
    assert decided[4]["considered_by_rules"] and decided[4]["eligibility_met"] == ["partner_referral"]


def test_features_the_rulebook_reads_must_be_given() -> None:
    with pytest.raises(ValueError, match="person_age"):
        apply_rules(pl.DataFrame({"person_id": [1], "as_of": [AS_OF]}), load_rulebook())


def test_a_recent_decline_excludes_until_something_new_happens_and_members_are_not_relisted() -> None:
    people = PEOPLE.filter(pl.col("person_id") != 3)
    decisions = pl.DataFrame(
        {
            "person_id": [1, 4],
            "event_date": [date(2026, 7, 1), date(2026, 10, 5)],
            "recorded_date": [date(2026, 7, 1), date(2026, 10, 5)],
            "decision": ["accept", "decline"],
            "end_date": [None, None],
        },
        schema_overrides={"end_date": pl.Date},
    )
    before = Events.of(**{**EVENTS.frames(), "decisions": decisions})
    verdicts = apply_rules(build_features(before, people, AS_OF), load_rulebook())
    decided = {row["person_id"]: row for row in decide(verdicts).iter_rows(named=True)}
    assert decided[1]["exclusions_met"] == ["already_in_cohort"] and not decided[1]["considered_by_rules"]
    assert decided[4]["exclusions_met"] == ["declined_recently"] and not decided[4]["considered_by_rules"]
    referral = pl.DataFrame(
        {
            "person_id": [4],
            "event_date": [date(2026, 11, 2)],
            "recorded_date": [date(2026, 11, 3)],
            "referrer_type": ["POLICE"],
        }  # fmt: skip
    )
    again = Events.of(
        **{**before.frames(), "partner_referrals": pl.concat([EVENTS.partner_referrals, referral])}
    )
    verdicts = apply_rules(build_features(again, people, AS_OF), load_rulebook())
    assert verdict(verdicts, 4, "declined_recently")["met"] is False
    assert decide(verdicts).filter(pl.col("person_id") == 4)["considered_by_rules"].item() is True


def test_moving_out_takes_a_person_out_of_the_population_with_the_date_as_reason() -> None:
    addresses = pl.DataFrame(
        {
            "person_id": [4, 4],
            "event_date": [date(2025, 1, 1), date(2026, 8, 1)],
            "recorded_date": [date(2025, 1, 2), date(2026, 8, 2)],
            "postcode": ["B15 2TT", "LE1 5AB"],
            "ethnicity": [None, None],
        }  # fmt: skip
    )
    events = Events.of(**{**EVENTS.frames(), "addresses": addresses})
    verdicts = apply_rules(build_features(events, PEOPLE, AS_OF), load_rulebook())
    assert verdict(verdicts, 4, "resident_in_area")["met"] is False
    assert (
        verdict(verdicts, 4, "moved_out")["reason"]
        == "an address outside the area was recorded on 02/08/2026"
    )
    assert verdict(verdicts, 1, "resident_in_area")["met"] is True  # no postcode on record
