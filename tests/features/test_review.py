"""Review decisions as features: cohort membership, recent declines, and what happened since."""

from __future__ import annotations

from datetime import date

import polars as pl

from features.build import build_features
from features.events import Events
from features.registry import model_features

AS_OF = date(2026, 11, 16)
PEOPLE = pl.DataFrame(
    {"person_id": [1, 2, 3, 4, 5], "dob": [date(2008, 1, 1)] * 5, "sex": ["M", "F", "M", "F", "M"]}
)


def decision(person: int, kind: str, on: date, entered: date, end: date | None = None) -> dict[str, object]:
    return {
        "person_id": person,
        "event_date": on,
        "recorded_date": entered,
        "decision": kind,
        "end_date": end,
    }


DECISIONS = pl.DataFrame(
    [
        decision(1, "accept", date(2026, 6, 1), date(2026, 6, 1)),  # open membership
        decision(2, "accept", date(2025, 6, 1), date(2025, 6, 1), end=date(2026, 6, 1)),  # ended
        decision(3, "decline", date(2026, 10, 5), date(2026, 10, 5)),  # then a referral after it
        decision(4, "decline", date(2026, 10, 5), date(2026, 10, 6)),  # nothing since
        decision(5, "decline", date(2026, 11, 14), date(2026, 11, 16)),  # entered on as_of: not yet known
    ],
    schema_overrides={"end_date": pl.Date},
)
REFERRALS = pl.DataFrame(
    {
        "person_id": [3, 4, 4],
        "event_date": [date(2026, 10, 20), date(2026, 9, 1), date(2026, 10, 30)],
        "recorded_date": [date(2026, 10, 21), date(2026, 9, 2), date(2026, 11, 20)],  # 4's second: later
        "referrer_type": ["SCHOOL", "SCHOOL", "POLICE"],
    }
)


def test_decisions_known_at_as_of_give_membership_declines_and_events_since() -> None:
    built = build_features(Events.of(decisions=DECISIONS, partner_referrals=REFERRALS), PEOPLE, AS_OF)
    rows = {row["person_id"]: row for row in built.iter_rows(named=True)}
    assert [rows[p]["review_in_cohort"] for p in range(1, 6)] == [True, False, False, False, False]
    assert rows[1]["review_accepted_date"] == date(2026, 6, 1)
    assert rows[3]["review_days_since_declined"] == 42 and rows[3]["review_events_since_declined"] == 1
    # 4's referral before the decline does not count; the one after it is recorded after as_of
    assert rows[4]["review_declined_date"] == date(2026, 10, 5)
    assert rows[4]["review_events_since_declined"] == 0
    assert rows[5]["review_declined_date"] is None and rows[5]["review_days_since_declined"] is None


def test_decisions_never_reach_the_model() -> None:
    assert not [name for name in model_features() if name.startswith("review_")]
