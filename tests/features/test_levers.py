"""The feature levers of issue 22, on inline events with answers worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tests.features.test_build import AS_OF, OCCURRENCES, features


def days(happened: date) -> int:
    return (AS_OF - happened).days


def test_offences_and_harm_decay_by_half_each_year() -> None:
    one = features(occurrences=OCCURRENCES)[1]
    ages = {273.75: days(date(2026, 3, 14)), 365.0: days(date(2025, 9, 2)), 1.0: days(date(2024, 1, 1))}
    assert one["police_offences_decayed"] == pytest.approx(sum(0.5 ** (d / 365) for d in ages.values()))
    assert one["police_harm_decayed"] == pytest.approx(sum(h * 0.5 ** (d / 365) for h, d in ages.items()))
    assert features(occurrences=OCCURRENCES)[3]["police_offences_decayed"] == 0.0


def test_the_last_recorded_school_year_is_kept_after_school_and_later_records_wait() -> None:
    attendance = pl.DataFrame(
        {
            "person_id": [3, 3, 3],
            "event_date": [date(2023, 9, 1), date(2024, 1, 5), date(2024, 4, 20)],
            "recorded_date": [date(2023, 12, 20), date(2024, 4, 1), date(2026, 7, 20)],  # the last: too late
            "sessions_possible": [140, 120, 100],
            "sessions_attended": [126, 96, 50],
        }
    )
    three = features(attendance=attendance)[3]
    assert three["education_attendance_last_term"] is None  # nothing in the last 12 months
    assert three["education_attendance_last_recorded_year"] == pytest.approx(100 * 222 / 260)
    assert features(attendance=attendance)[1]["education_attendance_last_recorded_year"] is None


def test_a_groups_serious_violence_reaches_every_member_named_once_per_crime() -> None:
    intelligence = pl.DataFrame(
        {
            "person_id": [1, 2, 3],
            "event_date": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
            "recorded_date": [date(2025, 1, 2), date(2025, 2, 2), date(2025, 3, 2)],
            "grading": ["B2", "B2", "C3"],
            "group_name": ["GROUP 001", "GROUP 001", None],
        }
    )
    built = features(occurrences=OCCURRENCES, intelligence=intelligence)
    for person in (1, 2):
        # in 125 days: person 1's knife possession and person 2's assault as victim; in a year also
        # the assault both were suspects of (one crime); the shoplifting is not serious violence
        assert built[person]["police_group_serious_violence_125d"] == 2
        assert built[person]["police_group_serious_violence_365d"] == 3
    assert built[3]["police_group_serious_violence_365d"] == 0
